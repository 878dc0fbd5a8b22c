//! `cutover compare`, `merge` and `sweep`: Monte-Carlo studies on disk.
//!
//! Replications run on worker threads and come back in replication order
//! (in batches under `--ci-target`, whose stopping points must not depend on
//! timing); their rows are appended to a temporary `runs.csv` and fed to the
//! streaming [`Aggregator`], so memory does not grow with the number of
//! replications. Every file is written under a temporary name and renamed
//! into place once complete; Ctrl-C stops once the replications in progress
//! end and leaves the folder as it was.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use cutover::export::{self, Manifest};
use cutover::montecarlo::{Aggregator, DiffRow, Replication, SummaryRow, run_streaming, shard_range};
use cutover::report::chart::strategy_color;
use cutover::report::study::{Curve, HeatMap, SweepLines, charted_metrics, comparison_charts};
use cutover::results::{Expected, MANIFEST_FORMAT, RunsReader};
use cutover::rng::MAX_REPLICATIONS;
use cutover::runbook::Runbook;
use cutover::scenario::Scenario;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::outdir::{Expect, InputDir, OutDir, read_manifest};
use super::{
    CliError, StudyFlags, load_text, open_regular, relative_path, sha256_file, temp_file, write_atomic, write_chart,
};

/// Replications per batch under `--ci-target`: the precision is checked
/// after each batch, so the stopping point depends on the batch size alone,
/// never on timing. Large enough to keep every core busy, small enough that
/// Ctrl-C and the check answer quickly.
const BATCH: u64 = 200;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

fn install_interrupt_handler() {
    // A second install (tests call the binary, never this twice) is harmless to ignore.
    let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst));
}

pub(super) fn internal(what: &str, e: impl std::fmt::Display) -> CliError {
    CliError::Internal(format!("{what}: {e}"))
}

pub(super) fn sha256_hex(bytes: &[u8]) -> String {
    cutover::results::sha256_hex(bytes)
}

/// The strategies to run and the baseline's index, checked against the scenario.
fn pick_strategies<'a>(sc: &'a Scenario, flags: &StudyFlags) -> Result<(Vec<&'a Runbook>, usize), CliError> {
    let names = flags.strategies.clone().unwrap_or_else(|| sc.strategies.clone());
    if names.is_empty() {
        return Err(CliError::BadInput("--strategies is empty".into()));
    }
    let mut runbooks = Vec::new();
    for n in &names {
        if runbooks.iter().any(|r: &&Runbook| &r.name == n) {
            return Err(CliError::BadInput(format!("--strategies lists {n:?} twice")));
        }
        runbooks.push(sc.strategy(n).map_err(CliError::BadInput)?);
    }
    let baseline = match &flags.baseline {
        None => 0,
        Some(b) => names.iter().position(|n| n == b).ok_or_else(|| {
            CliError::BadInput(format!(
                "--baseline {b:?} is not one of the compared strategies ({})",
                names.join(", ")
            ))
        })?,
    };
    Ok((runbooks, baseline))
}

/// Most simulation workers `--threads` may ask for: far more than any
/// machine this runs on has cores, few enough that starting them is cheap.
pub const MAX_THREADS: usize = 1024;

/// Most points a sweep grid may have (e.g. 1,000 values of one field, or
/// 40 × 25 of two): each point is a whole comparison.
pub const MAX_SWEEP_POINTS: usize = 1000;

/// The number of simulation workers: `--threads`, else one per core.
pub(super) fn workers(threads: Option<usize>) -> Result<usize, CliError> {
    match threads {
        Some(0) => Err(CliError::BadInput("--threads must be at least 1".into())),
        Some(n) if n > MAX_THREADS => Err(CliError::BadInput(format!("--threads {n}: at most {MAX_THREADS}"))),
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)),
    }
}

fn progress(total: u64, quiet: bool, what: &str) -> ProgressBar {
    use std::io::IsTerminal;
    let bar = ProgressBar::new(total);
    if quiet || !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    } else {
        bar.set_style(
            ProgressStyle::with_template(&format!(
                "{what} {{bar:30}} {{pos}}/{{len}} replications  {{per_sec}}  eta {{eta}}"
            ))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
    }
    bar
}

/// The precision target of `--ci-target`.
struct CiTarget {
    rel: f64,
    metrics: Vec<usize>,
    max_runs: u64,
}

/// What a study runs: strategies of a scenario under a master seed.
struct Study<'a> {
    sc: &'a Scenario,
    runbooks: Vec<&'a Runbook>,
    seed: u64,
}

/// Runs `range` (and, with a target, further batches until it is met) on
/// `workers` threads and hands each replication, in order, to `sink`.
fn run_study(
    study: &Study,
    range: Range<u64>,
    ci: Option<&CiTarget>,
    workers: usize,
    agg: &mut Aggregator,
    bar: &ProgressBar,
    mut sink: impl FnMut(&Replication) -> Result<(), CliError>,
) -> Result<(), CliError> {
    // Workers take replications a few at a time, with no boundary to wait
    // at, while this thread writes and aggregates them in replication order.
    let mut run = |range: Range<u64>, agg: &mut Aggregator| {
        run_streaming(
            study.sc,
            &study.runbooks,
            study.seed,
            range,
            workers,
            &INTERRUPTED,
            |rep| {
                sink(&rep)?;
                agg.push(&rep.values);
                bar.inc(1);
                Ok(())
            },
        )?;
        if INTERRUPTED.load(Ordering::SeqCst) {
            return Err(CliError::Interrupted);
        }
        Ok(())
    };
    match ci {
        None => run(range, agg)?,
        Some(t) => {
            // Whether to go on depends on the statistics so far, checked at
            // fixed batch boundaries (never at a point that depends on timing).
            let (mut next, mut end) = (range.start, range.end);
            loop {
                if next >= end {
                    if agg.precise_enough(t.rel, &t.metrics) || end >= t.max_runs {
                        break;
                    }
                    end = (end + BATCH).min(t.max_runs);
                    bar.set_length(end - range.start);
                }
                let hi = (next + BATCH).min(end);
                run(next..hi, agg)?;
                next = hi;
            }
        }
    }
    bar.finish_and_clear();
    Ok(())
}

/// Refuses a run count past the random streams' space.
pub(super) fn check_runs(flag: &str, runs: u64) -> Result<(), CliError> {
    if runs == 0 {
        return Err(CliError::BadInput(format!("{flag} must be at least 1")));
    }
    if runs > MAX_REPLICATIONS {
        return Err(CliError::BadInput(format!(
            "{flag} {runs}: at most {MAX_REPLICATIONS} (2^60) replications have random streams of their own"
        )));
    }
    Ok(())
}

fn parse_shard(s: &str) -> Result<(u64, u64), CliError> {
    let bad = || CliError::BadInput(format!("--shard {s:?}: expected K/N with 1 ≤ K ≤ N, e.g. 2/8"));
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let k: u64 = k.trim().parse().map_err(|_| bad())?;
    let n: u64 = n.trim().parse().map_err(|_| bad())?;
    if k == 0 || n == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

fn command_line() -> Vec<String> {
    std::env::args().collect()
}

pub(super) fn cmd_compare(
    path: Option<&Path>,
    flags: StudyFlags,
    ci_target: Option<f64>,
    ci_metrics: Option<Vec<String>>,
    max_runs: u64,
    shard: Option<String>,
) -> Result<PathBuf, CliError> {
    // Everything the user gave is checked before anything is written.
    let (sc, text) = load_text(path)?;
    let (runbooks, baseline) = pick_strategies(&sc, &flags)?;
    let runs = flags.runs.unwrap_or(if ci_target.is_some() { BATCH } else { 1000 });
    check_runs("--runs", runs)?;
    let shard = shard.as_deref().map(parse_shard).transpose()?;
    if let Some((_, n)) = shard
        && n > runs
    {
        return Err(CliError::BadInput(format!(
            "--shard: {n} shards for {runs} runs leaves some empty"
        )));
    }
    let ci = match ci_target {
        None => {
            if ci_metrics.is_some() {
                return Err(CliError::BadInput("--ci-metrics needs --ci-target".into()));
            }
            None
        }
        Some(rel) => {
            if !(rel > 0.0 && rel.is_finite()) {
                return Err(CliError::BadInput(format!(
                    "--ci-target {rel}: must be a positive fraction, e.g. 0.05"
                )));
            }
            if shard.is_some() {
                return Err(CliError::BadInput(
                    "--ci-target cannot be combined with --shard (each shard would stop at a different point)".into(),
                ));
            }
            if max_runs < runs {
                return Err(CliError::BadInput(format!(
                    "--max-runs {max_runs} is below --runs {runs}"
                )));
            }
            check_runs("--max-runs", max_runs)?;
            let mut metrics = Vec::new();
            for m in ci_metrics.unwrap_or_default() {
                let j = cutover::metrics::index(&m)
                    .ok_or_else(|| CliError::BadInput(format!("--ci-metrics: unknown metric {m:?}")))?;
                metrics.push(j);
            }
            Some(CiTarget { rel, metrics, max_runs })
        }
    };
    let workers = workers(flags.threads)?;
    let seed = flags.seed.unwrap_or(sc.seed);
    let sha = sha256_hex(text.as_bytes());
    let dir = flags.out.clone().unwrap_or_else(|| {
        let leaf = match shard {
            Some((k, n)) => format!("compare-shard-{k}-of-{n}"),
            None => "compare".into(),
        };
        Path::new("output").join(&sc.name).join(leaf)
    });
    let outdir = OutDir::open(
        &dir,
        Expect {
            kind: "compare",
            scenario_sha256: Some(&sha),
        },
    )?;
    let staging = outdir.stage()?;
    let out = staging.path().to_path_buf();
    install_interrupt_handler();

    let names: Vec<String> = runbooks.iter().map(|r| r.name.clone()).collect();
    let range = match shard {
        Some((k, n)) => shard_range(runs, k, n),
        None => 0..runs,
    };
    let mut agg = Aggregator::new(names.clone(), baseline, &sc.thresholds);
    let bar = progress(range.end - range.start, flags.quiet, "compare");
    let started = std::time::Instant::now();

    // runs.csv streams into a temporary file beside its final name.
    let mut tmp = temp_file(&out).map_err(|e| internal("temporary file", e))?;
    {
        let mut w = csv::Writer::from_writer(std::io::BufWriter::new(tmp.as_file_mut()));
        w.write_record(export::runs_header())
            .map_err(|e| internal("write runs.csv", e))?;
        let study = Study {
            sc: &sc,
            runbooks: runbooks.clone(),
            seed,
        };
        run_study(&study, range.clone(), ci.as_ref(), workers, &mut agg, &bar, |rep| {
            export::write_runs(&mut w, &names, seed, rep).map_err(|e| internal("write runs.csv", e))
        })?;
        w.flush().map_err(|e| internal("write runs.csv", e))?;
    }
    tmp.as_file().sync_all().map_err(|e| internal("sync runs.csv", e))?;
    let runs_path = out.join("runs.csv");
    tmp.persist(&runs_path)
        .map_err(|e| internal("rename runs.csv", e.error))?;

    let done = agg.replications();
    let summary = agg.summary();
    let diffs = agg.diffs();
    write_atomic(&out.join("summary.csv"), |w| export::write_summary(w, &summary))?;
    write_atomic(&out.join("diff.csv"), |w| export::write_diff(w, &diffs))?;
    if !flags.no_charts {
        write_study_charts(&out, &agg, &summary, &diffs)?;
    }
    let manifest = Manifest {
        tool: "cutover".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        kind: "compare".into(),
        command: command_line(),
        scenario: sc.name.clone(),
        scenario_file: path.map(|p| p.display().to_string()),
        scenario_sha256: sha,
        seed,
        strategies: names.clone(),
        baseline: names[baseline].clone(),
        runs: if ci.is_some() { done } else { runs },
        first_replication: range.start,
        replications: done,
        shard: shard.map(|(k, n)| [k, n]),
        thresholds: sc.thresholds.clone(),
        ci_target: ci.as_ref().map(|c| c.rel),
        files: staging.hashes()?,
        format: MANIFEST_FORMAT,
        scenario_path: path.and_then(|p| relative_path(&dir, p)),
    };
    write_atomic(&out.join("manifest.json"), |w| export::write_manifest(w, &manifest))?;

    staging.commit(&[])?;
    drop(outdir);
    if !flags.quiet {
        let secs = started.elapsed().as_secs_f64();
        println!(
            "{} / {} replications × {} strategies, seed {seed}{} in {secs:.1} s",
            sc.name,
            done,
            names.len(),
            match shard {
                Some((k, n)) => format!(", shard {k}/{n}"),
                None => String::new(),
            }
        );
        if let Some(t) = &ci {
            let met = agg.precise_enough(t.rel, &t.metrics);
            println!(
                "precision target ±{:.1}% {} after {done} replications",
                t.rel * 100.0,
                if met {
                    "met"
                } else {
                    "NOT met (the --max-runs cap was reached)"
                }
            );
        }
        print!("{}", cutover::report::table::render(&names, &summary));
        println!("wrote {}/{{runs,summary,diff}}.csv and manifest.json", dir.display());
    }
    Ok(dir)
}

/// The charts of a comparison, in `DIR/charts/`: a distribution per metric,
/// the CDFs of downtime and dropped sessions, the paired differences.
pub(super) fn write_study_charts(
    dir: &Path,
    agg: &Aggregator,
    summary: &[SummaryRow],
    diffs: &[DiffRow],
) -> Result<(), CliError> {
    let charts = dir.join("charts");
    std::fs::create_dir_all(&charts).map_err(|e| internal(&format!("cannot create {}", charts.display()), e))?;
    for (name, chart) in comparison_charts(agg, summary, diffs) {
        write_chart(&charts, &name, &chart)?;
    }
    Ok(())
}

pub(super) fn cmd_merge(dirs: &[PathBuf], final_dir: &Path) -> Result<(), CliError> {
    // The same folder twice, or the output among the inputs, is refused.
    let mut seen: Vec<(PathBuf, &PathBuf)> = Vec::new();
    for d in dirs {
        let canon = std::fs::canonicalize(d)
            .map_err(|e| CliError::BadInput(format!("{}: {e}: not a compare folder", d.display())))?;
        if let Some((_, first)) = seen.iter().find(|(c, _)| *c == canon) {
            return Err(CliError::BadInput(format!(
                "{} is given twice (as {} and as {})",
                canon.display(),
                first.display(),
                d.display()
            )));
        }
        seen.push((canon, d));
    }
    if let Ok(out) = std::fs::canonicalize(final_dir)
        && let Some((_, d)) = seen.iter().find(|(c, _)| *c == out)
    {
        return Err(CliError::BadInput(format!(
            "--out {} is the shard folder {}: merge into a folder of its own",
            final_dir.display(),
            d.display()
        )));
    }
    let mut shards = Vec::new();
    let mut inputs = Vec::new();
    for d in dirs {
        inputs.push(InputDir::open(d)?);
        if !std::fs::symlink_metadata(d.join("manifest.json")).is_ok_and(|m| !m.is_dir()) {
            return Err(CliError::BadInput(format!(
                "{}: no manifest.json: not a compare folder",
                d.display()
            )));
        }
        let m = read_manifest(d)?;
        if m.kind != "compare" {
            return Err(CliError::BadInput(format!(
                "{}: a {} folder, not a compare shard",
                d.display(),
                m.kind
            )));
        }
        shards.push((d.clone(), m));
    }
    let first = shards[0].1.clone();
    let n = first.shard.map_or(1, |s| s[1]);
    for (d, m) in &shards {
        let differs = |what: &str| {
            CliError::BadInput(format!(
                "{} and {} come from different studies: their {what} differ",
                shards[0].0.display(),
                d.display()
            ))
        };
        if m.scenario_sha256 != first.scenario_sha256 {
            return Err(differs("scenarios"));
        }
        if m.seed != first.seed {
            return Err(differs("seeds"));
        }
        if m.runs != first.runs {
            return Err(differs("run counts"));
        }
        if m.strategies != first.strategies || m.baseline != first.baseline {
            return Err(differs("strategies"));
        }
        if m.thresholds != first.thresholds {
            return Err(differs("thresholds"));
        }
        if m.shard.map_or(1, |s| s[1]) != n {
            return Err(differs("shard counts"));
        }
    }
    shards.sort_by_key(|(_, m)| m.shard.map_or(1, |s| s[0]));
    for (i, (d, m)) in shards.iter().enumerate() {
        let k = m.shard.map_or(1, |s| s[0]);
        if k != i as u64 + 1 {
            let missing = (1..=n).find(|k| !shards.iter().any(|(_, m)| m.shard.map_or(1, |s| s[0]) == *k));
            return Err(CliError::BadInput(match missing {
                Some(k) if (k as usize) <= shards.len() || shards.len() < n as usize => {
                    format!("shard {k}/{n} is missing (have {} of {n})", shards.len())
                }
                _ => format!("{}: shard {k}/{n} is given twice", d.display()),
            }));
        }
    }
    if shards.len() as u64 != n {
        return Err(CliError::BadInput(format!(
            "shard {}/{n} is missing (have {} of {n})",
            shards.len() + 1,
            shards.len()
        )));
    }
    // Every file of every shard is the one its manifest certifies, and
    // every row of runs.csv is one cutover writes: checked before anything
    // is written.
    for (d, m) in &shards {
        verify_files(d, m)?;
        read_runs(d, m, |_| Ok(()))?;
    }
    // Where the scenario is, seen from the merged folder.
    let scenario_at = first
        .scenario_path
        .as_ref()
        .map(|p| shards[0].0.join(p))
        .or_else(|| first.scenario_file.as_ref().map(PathBuf::from));

    let outdir = OutDir::open(
        final_dir,
        Expect {
            kind: "compare",
            scenario_sha256: Some(&first.scenario_sha256),
        },
    )?;
    let staging = outdir.stage()?;
    let out = staging.path().to_path_buf();
    let out = out.as_path();

    let baseline = first.strategies.iter().position(|s| *s == first.baseline).unwrap_or(0);
    let mut agg = Aggregator::new(first.strategies.clone(), baseline, &first.thresholds);
    let mut tmp = temp_file(out).map_err(|e| internal("temporary file", e))?;
    {
        let mut w = csv::Writer::from_writer(std::io::BufWriter::new(tmp.as_file_mut()));
        w.write_record(export::runs_header())
            .map_err(|e| internal("write runs.csv", e))?;
        for (d, m) in &shards {
            read_runs(d, m, |group| {
                let mut values = Vec::with_capacity(group.len());
                for rec in group {
                    w.write_record(rec).map_err(|e| internal("write runs.csv", e))?;
                    values.push(rec.iter().skip(3).map(String::from).collect());
                }
                agg.push(&values);
                Ok(())
            })?;
        }
        w.flush().map_err(|e| internal("write runs.csv", e))?;
    }
    tmp.as_file().sync_all().map_err(|e| internal("sync runs.csv", e))?;
    tmp.persist(out.join("runs.csv"))
        .map_err(|e| internal("rename runs.csv", e.error))?;
    let (summary, diffs) = (agg.summary(), agg.diffs());
    write_atomic(&out.join("summary.csv"), |w| export::write_summary(w, &summary))?;
    write_atomic(&out.join("diff.csv"), |w| export::write_diff(w, &diffs))?;
    write_study_charts(out, &agg, &summary, &diffs)?;
    let manifest = Manifest {
        kind: "compare".into(),
        command: command_line(),
        first_replication: 0,
        replications: first.runs,
        shard: None,
        files: staging.hashes()?,
        format: MANIFEST_FORMAT,
        scenario_path: scenario_at.and_then(|p| relative_path(final_dir, &p)),
        ..first
    };
    write_atomic(&out.join("manifest.json"), |w| export::write_manifest(w, &manifest))?;
    staging.commit(&[])?;
    println!(
        "merged {} shards ({} replications) into {}",
        shards.len(),
        manifest.runs,
        final_dir.display()
    );
    Ok(())
}

/// Checks that every file a results folder's manifest lists (but runs.csv,
/// which [`read_runs`] checks as it reads it) has the SHA-256 recorded.
pub(super) fn verify_files(dir: &Path, m: &Manifest) -> Result<(), CliError> {
    for (name, want) in &m.files {
        if name == "runs.csv" {
            continue;
        }
        let path = dir.join(name);
        if sha256_file(&path)? != *want {
            return Err(changed(dir, &path));
        }
    }
    Ok(())
}

fn changed(dir: &Path, path: &Path) -> CliError {
    CliError::BadInput(format!(
        "{}: its SHA-256 is not the one {} records: the file was changed after cutover wrote it",
        path.display(),
        dir.join("manifest.json").display()
    ))
}

/// Reads the `runs.csv` of a results folder one replication at a time,
/// every row checked against its manifest ([`RunsReader`]) and the file's
/// SHA-256 against the one the manifest records; hands each replication's
/// rows (one per strategy) to `each`.
pub(super) fn read_runs(
    dir: &Path,
    m: &Manifest,
    mut each: impl FnMut(&[csv::StringRecord]) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let path = dir.join("runs.csv");
    let want = m
        .files
        .iter()
        .find(|(n, _)| n == "runs.csv")
        .map(|(_, h)| h.clone())
        .ok_or_else(|| CliError::BadInput(format!("{}: lists no runs.csv", dir.join("manifest.json").display())))?;
    let f = open_regular(&path, "runs.csv")?;
    let exp = Expected {
        strategies: &m.strategies,
        seed: m.seed,
        first: m.first_replication,
        count: m.replications,
    };
    let mut r = RunsReader::new(f, &exp);
    while let Some(group) = r
        .next_replication()
        .map_err(|e| CliError::BadInput(format!("{}: {e}", path.display())))?
    {
        each(group)?;
    }
    if r.finish() != want {
        return Err(changed(dir, &path));
    }
    Ok(())
}

/// One `--set PATH=V1,V2,..`: the path and the values as TOML values.
fn parse_set(s: &str) -> Result<(String, Vec<(String, toml::Value)>), CliError> {
    let (path, values) = s
        .split_once('=')
        .ok_or_else(|| CliError::BadInput(format!("--set {s:?}: expected PATH=V1,V2,.. e.g. site.data_gb=50,200")))?;
    let path = path.trim().to_string();
    if path.is_empty() {
        return Err(CliError::BadInput(format!("--set {s:?}: empty field path")));
    }
    let mut out = Vec::new();
    for v in values.split(',').map(str::trim) {
        if v.is_empty() {
            return Err(CliError::BadInput(format!("--set {s:?}: empty value")));
        }
        // A TOML literal when it is one (numbers, booleans, quoted strings), else a bare string ("3d").
        let value = toml::from_str::<toml::Table>(&format!("v = {v}"))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or_else(|| toml::Value::String(v.to_string()));
        out.push((v.to_string(), value));
    }
    Ok((path, out))
}

/// Sets `path` (dotted keys, `[i]` indices) in a TOML document.
fn set_path(doc: &mut toml::Table, path: &str, value: toml::Value) -> Result<(), String> {
    let mut segs: Vec<(String, Option<usize>)> = Vec::new();
    for part in path.split('.') {
        let (key, idx) = match part.split_once('[') {
            Some((k, rest)) => {
                let i = rest
                    .trim_end_matches(']')
                    .parse::<usize>()
                    .map_err(|_| format!("bad index in {part:?}"))?;
                (k, Some(i))
            }
            None => (part, None),
        };
        if key.is_empty() {
            return Err(format!("empty key in {path:?}"));
        }
        segs.push((key.to_string(), idx));
    }
    let mut table = doc;
    for (i, (key, idx)) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        match idx {
            None if last => {
                table.insert(key.clone(), value);
                return Ok(());
            }
            None => {
                let entry = table
                    .entry(key.clone())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                table = entry.as_table_mut().ok_or_else(|| format!("{key:?} is not a table"))?;
            }
            Some(n) => {
                let arr = table
                    .get_mut(key)
                    .and_then(|v| v.as_array_mut())
                    .ok_or_else(|| format!("{key:?} is not a list in the scenario"))?;
                let len = arr.len();
                let item = arr
                    .get_mut(*n)
                    .ok_or_else(|| format!("{key}[{n}] does not exist (the list has {len})"))?;
                if last {
                    *item = value;
                    return Ok(());
                }
                table = item
                    .as_table_mut()
                    .ok_or_else(|| format!("{key}[{n}] is not a table"))?;
            }
        }
    }
    Ok(())
}

pub(super) fn cmd_sweep(path: &Path, sets: &[String], flags: StudyFlags) -> Result<(), CliError> {
    let (base, text) = load_text(Some(path))?;
    if sets.len() > 2 {
        return Err(CliError::BadInput(
            "sweep takes one or two --set (a line or a grid)".into(),
        ));
    }
    let params: Vec<(String, Vec<(String, toml::Value)>)> =
        sets.iter().map(|s| parse_set(s)).collect::<Result<_, _>>()?;
    if params.len() == 2 && params[0].0 == params[1].0 {
        return Err(CliError::BadInput(format!("--set {} is given twice", params[0].0)));
    }
    let runs = flags.runs.unwrap_or(200);
    check_runs("--runs", runs)?;
    // The grid's size, before any point is made.
    let sizes: Vec<usize> = params.iter().map(|(_, v)| v.len()).collect();
    let n_points = sizes
        .iter()
        .try_fold(1usize, |acc, n| acc.checked_mul(*n))
        .filter(|n| *n <= MAX_SWEEP_POINTS)
        .ok_or_else(|| {
            CliError::BadInput(format!(
                "--set: a grid of {} points; at most {MAX_SWEEP_POINTS}",
                sizes.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(" × ")
            ))
        })?;
    let doc: toml::Table = toml::from_str(&text).map_err(|e| CliError::BadInput(format!("{}: {e}", path.display())))?;
    // Point i of the grid: the index of each parameter's value (the last
    // parameter varies fastest).
    let index = |mut i: usize| -> Vec<usize> {
        let mut g = vec![0; sizes.len()];
        for (p, n) in sizes.iter().enumerate().rev() {
            g[p] = i % n;
            i /= n;
        }
        g
    };
    // A point's scenario, made when needed: the grid is never held whole.
    let point = |g: &[usize]| -> Result<Scenario, CliError> {
        let mut d = doc.clone();
        let mut label = Vec::new();
        for (p, (field, values)) in params.iter().enumerate() {
            let (shown, v) = &values[g[p]];
            set_path(&mut d, field, v.clone()).map_err(|e| CliError::BadInput(format!("--set {field}: {e}")))?;
            label.push(format!("{field}={shown}"));
        }
        let point_text = toml::to_string(&d).map_err(|e| internal("serialise the scenario", e))?;
        Scenario::parse(
            &point_text,
            &format!("{} with {}", path.display(), label.join(", ")),
            &base.name,
        )
        .map_err(|e| CliError::BadInput(format!("invalid sweep point\n{e}")))
    };
    // Every grid point is validated before any is run.
    for i in 0..n_points {
        point(&index(i))?;
    }
    let workers = workers(flags.threads)?;
    let seed = flags.seed.unwrap_or(base.seed);
    let sha = sha256_hex(text.as_bytes());
    let dir = flags
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&base.name).join("sweep"));
    // Strategy names are checked on the first point (they are the same on all).
    let first = point(&index(0))?;
    let (names, baseline) = {
        let (runbooks, baseline) = pick_strategies(&first, &flags)?;
        (runbooks.iter().map(|r| r.name.clone()).collect::<Vec<_>>(), baseline)
    };
    drop(first);
    let outdir = OutDir::open(
        &dir,
        Expect {
            kind: "sweep",
            scenario_sha256: Some(&sha),
        },
    )?;
    let staging = outdir.stage()?;
    let out = staging.path().to_path_buf();
    install_interrupt_handler();

    let bar = progress(runs.saturating_mul(n_points as u64), flags.quiet, "sweep");
    let mut results: Vec<(Vec<usize>, Vec<SummaryRow>)> = Vec::new();
    let started = std::time::Instant::now();
    // sweep.csv streams into a temporary file beside its final name.
    let mut tmp = temp_file(&out).map_err(|e| internal("temporary file", e))?;
    {
        let mut w = csv::Writer::from_writer(std::io::BufWriter::new(tmp.as_file_mut()));
        let mut header: Vec<String> = params.iter().map(|(f, _)| f.clone()).collect();
        header.extend(["strategy", "metric", "n", "mean", "ci95_low", "ci95_high"].map(String::from));
        w.write_record(&header).map_err(|e| internal("write sweep.csv", e))?;
        for i in 0..n_points {
            let g = index(i);
            let sc = point(&g)?;
            let (runbooks, baseline) = pick_strategies(&sc, &flags)?;
            let names: Vec<String> = runbooks.iter().map(|r| r.name.clone()).collect();
            let mut agg = Aggregator::new(names, baseline, &sc.thresholds);
            let inner = ProgressBar::hidden();
            let study = Study {
                sc: &sc,
                runbooks,
                seed,
            };
            run_study(&study, 0..runs, None, workers, &mut agg, &inner, |_| Ok(()))?;
            bar.inc(runs);
            let summary = agg.summary();
            for r in &summary {
                let mut row: Vec<String> = params
                    .iter()
                    .enumerate()
                    .map(|(p, (_, values))| values[g[p]].0.clone())
                    .collect();
                row.extend([
                    r.strategy.clone(),
                    r.metric.to_string(),
                    r.n.to_string(),
                    export::num(r.mean),
                    export::num(r.ci95_low),
                    export::num(r.ci95_high),
                ]);
                w.write_record(&row).map_err(|e| internal("write sweep.csv", e))?;
            }
            if !flags.no_charts {
                results.push((g, summary));
            }
        }
        w.flush().map_err(|e| internal("write sweep.csv", e))?;
    }
    tmp.as_file().sync_all().map_err(|e| internal("sync sweep.csv", e))?;
    tmp.persist(out.join("sweep.csv"))
        .map_err(|e| internal("rename sweep.csv", e.error))?;
    bar.finish_and_clear();
    if !flags.no_charts {
        write_sweep_charts(&out, &params, &results)?;
    }
    let manifest = Manifest {
        tool: "cutover".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        kind: "sweep".into(),
        command: command_line(),
        scenario: base.name.clone(),
        scenario_file: Some(path.display().to_string()),
        scenario_sha256: sha,
        seed,
        baseline: names[baseline].clone(),
        strategies: names,
        runs,
        first_replication: 0,
        replications: runs,
        shard: None,
        thresholds: base.thresholds.clone(),
        ci_target: None,
        files: staging.hashes()?,
        format: MANIFEST_FORMAT,
        scenario_path: relative_path(&dir, path),
    };
    write_atomic(&out.join("manifest.json"), |w| export::write_manifest(w, &manifest))?;
    staging.commit(&[])?;
    if !flags.quiet {
        println!(
            "{}: {n_points} points × {runs} replications in {:.1} s; wrote {}",
            base.name,
            started.elapsed().as_secs_f64(),
            dir.join("sweep.csv").display()
        );
    }
    Ok(())
}

/// A swept value's position on the x axis: the number, the duration in
/// seconds, or its rank when it is neither.
fn x_position(shown: &str, value: &toml::Value, rank: usize) -> f64 {
    match value {
        toml::Value::Integer(i) => *i as f64,
        toml::Value::Float(f) => *f,
        _ => cutover::time::parse_duration(shown)
            .map(|d| d.as_secs_f64())
            .unwrap_or(rank as f64),
    }
}

type Param = (String, Vec<(String, toml::Value)>);

/// Sweep charts in `DIR/charts/`: per metric, the mean against the swept
/// value with its CI band (one parameter), or heat maps (two).
fn write_sweep_charts(dir: &Path, params: &[Param], results: &[(Vec<usize>, Vec<SummaryRow>)]) -> Result<(), CliError> {
    let charts = dir.join("charts");
    std::fs::create_dir_all(&charts).map_err(|e| internal(&format!("cannot create {}", charts.display()), e))?;
    let all: Vec<SummaryRow> = results.iter().flat_map(|r| r.1.iter().cloned()).collect();
    let strategies: Vec<String> = {
        let mut v: Vec<String> = Vec::new();
        for r in &all {
            if !v.contains(&r.strategy) {
                v.push(r.strategy.clone());
            }
        }
        v
    };
    let find = |g: &[usize], s: &str, m: &str| -> Option<&SummaryRow> {
        results
            .iter()
            .find(|(gg, _)| gg == g)?
            .1
            .iter()
            .find(|r| r.strategy == s && r.metric == m)
    };
    for metric in charted_metrics(&all) {
        if params.len() == 1 {
            let (field, values) = &params[0];
            let mut xs: Vec<(String, f64)> = values
                .iter()
                .enumerate()
                .map(|(i, (shown, v))| (shown.clone(), x_position(shown, v, i)))
                .collect();
            // Durations go on the axis in a round unit (hours, days).
            let mut param = field.clone();
            if values
                .iter()
                .all(|(shown, _)| cutover::time::parse_duration(shown).is_ok())
            {
                let max = xs.iter().map(|x| x.1).fold(0.0, f64::max);
                let scale = cutover::report::chart::Scale::for_unit(cutover::metrics::Unit::Seconds, max);
                xs.iter_mut().for_each(|x| x.1 /= scale.div);
                param = format!("{field} ({})", scale.unit);
            }
            let lines = strategies
                .iter()
                .enumerate()
                .map(|(i, s)| Curve {
                    name: s.clone(),
                    color: strategy_color(s, i),
                    points: (0..values.len())
                        .map(|k| {
                            find(&[k], s, metric)
                                .map_or((f64::NAN, f64::NAN, f64::NAN), |r| (r.mean, r.ci95_low, r.ci95_high))
                        })
                        .collect(),
                })
                .collect();
            let chart = SweepLines {
                title: format!("{} as {field} varies", cutover::report::chart::metric_label(metric)),
                metric: metric.into(),
                param,
                xs,
                lines,
            };
            write_chart(&charts, &format!("sweep-{metric}"), &chart)?;
        } else {
            let ((fx, vx), (fy, vy)) = ((&params[0].0, &params[0].1), (&params[1].0, &params[1].1));
            let panels = strategies
                .iter()
                .map(|s| {
                    let grid = (0..vy.len())
                        .map(|y| {
                            (0..vx.len())
                                .map(|x| find(&[x, y], s, metric).map_or(f64::NAN, |r| r.mean))
                                .collect()
                        })
                        .collect();
                    (s.clone(), grid)
                })
                .collect();
            let chart = HeatMap {
                title: format!("mean {} by {fx} and {fy}", cutover::report::chart::metric_label(metric)),
                metric: metric.into(),
                param_x: fx.clone(),
                param_y: fy.clone(),
                xs: vx.iter().map(|v| v.0.clone()).collect(),
                ys: vy.iter().map(|v| v.0.clone()).collect(),
                panels,
            };
            write_chart(&charts, &format!("sweep-{metric}"), &chart)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_path_walks_tables_and_lists() {
        let mut d: toml::Table = toml::from_str("[calendar]\nwindows = [{ weekday = \"tue\", hour = 22 }]\n").unwrap();
        set_path(&mut d, "site.data_gb", toml::Value::Integer(50)).unwrap();
        set_path(&mut d, "calendar.windows[0].hour", toml::Value::Integer(3)).unwrap();
        assert_eq!(d["site"]["data_gb"].as_integer(), Some(50));
        assert_eq!(d["calendar"]["windows"][0]["hour"].as_integer(), Some(3));
        assert!(set_path(&mut d, "calendar.windows[4].hour", toml::Value::Integer(3)).is_err());
        assert!(set_path(&mut d, "site.data_gb.x", toml::Value::Integer(3)).is_err());
    }

    #[test]
    fn set_values_are_toml_literals_or_strings() {
        let (p, v) = parse_set("calendar.interim=1d, 3d").unwrap();
        assert_eq!(p, "calendar.interim");
        assert_eq!(v[1].1, toml::Value::String("3d".into()));
        let (_, v) = parse_set("site.data_gb=50,2.5").unwrap();
        assert_eq!(v[0].1, toml::Value::Integer(50));
        assert_eq!(v[1].1, toml::Value::Float(2.5));
        assert!(parse_set("site.data_gb").is_err());
        assert!(parse_set("site.data_gb=1,,2").is_err());
    }

    #[test]
    fn shards_parse_strictly() {
        assert_eq!(parse_shard("2/3").unwrap(), (2, 3));
        for bad in ["4/3", "0/3", "1/0", "a/3", "3"] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
    }
}
