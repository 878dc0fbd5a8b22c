//! `cutover compare`, `merge` and `sweep`: Monte-Carlo studies on disk.
//!
//! The flags become checked settings and the studies run through the
//! library ([`cutover::study`]); this module reads the inputs and writes
//! the outputs. Replications come back in replication order; their rows
//! are appended to a temporary `runs.csv` and fed to the streaming
//! [`Aggregator`], so memory does not grow with the number of
//! replications. Every file is written under a temporary name and renamed
//! into place once complete; Ctrl-C stops once the replications in progress
//! end and leaves the folder as it was.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use cutover::export::{self, Manifest};
use cutover::montecarlo::{Aggregator, DiffRow, Runs, SummaryRow};
use cutover::report::study::comparison_charts;
use cutover::results::{self, MANIFEST_FORMAT, ReadRuns};
use cutover::study::sensitivity::{Plan, Sensitivity};
use cutover::study::sweep::Sweep;
use cutover::study::{self, CiFlags, CompareSettings, Outcome, Study, ci, merge, pick_strategies, progress};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::outdir::{InputDir, read_manifest, staged};
use super::{
    CliError, StudyFlags, load_text, open_regular, relative_path, sha256_file, temp_file, write_atomic, write_chart,
};

pub(super) static INTERRUPTED: AtomicBool = AtomicBool::new(false);

pub(super) fn install_interrupt_handler() {
    // A second install (tests call the binary, never this twice) is harmless to ignore.
    let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst));
}

/// The error of a step that failed: the environment's refusal when `e` is
/// an I/O error (a full disk, a read-only folder), else a bug.
pub(super) fn internal(what: &str, e: impl std::fmt::Display + 'static) -> CliError {
    // "write runs.csv" reads "cannot write runs.csv: no space left on the device".
    let what = if what == "temporary file" {
        "cannot make a temporary file".to_string()
    } else if ["write ", "sync ", "rename "].iter().any(|v| what.starts_with(v)) {
        format!("cannot {what}")
    } else {
        what.to_string()
    };
    CliError::of(what, e)
}

pub(super) fn sha256_hex(bytes: &[u8]) -> String {
    cutover::results::sha256_hex(bytes)
}

impl From<study::Error> for CliError {
    fn from(e: study::Error) -> CliError {
        match e {
            study::Error::Input(m) => CliError::BadInput(m),
            study::Error::Internal(m) => CliError::Internal(m),
        }
    }
}

/// The number of simulation workers: `--threads`, else one per core.
pub(super) fn workers(threads: Option<usize>) -> Result<usize, CliError> {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    study::workers(threads, cores).map_err(CliError::BadInput)
}

/// The strategies of `flags` in `sc`, and the baseline's index.
fn strategies<'a>(
    sc: &'a cutover::scenario::Scenario,
    flags: &StudyFlags,
) -> Result<(Vec<&'a cutover::runbook::Runbook>, usize), CliError> {
    pick_strategies(sc, flags.strategies.as_deref(), flags.baseline.as_deref()).map_err(CliError::BadInput)
}

/// Progress on stderr: a bar with rate and ETA on a terminal; elsewhere (a
/// log, a batch job) plain lines, at most one every 10 s
/// (`CUTOVER_PROGRESS_SECONDS` sets another interval); nothing when quiet.
pub(super) struct Progress {
    bar: ProgressBar,
    lines: Option<progress::Lines>,
    started: std::time::Instant,
    total: u64,
    done: u64,
}

impl Progress {
    pub(super) fn new(total: u64, quiet: bool, what: &str) -> Progress {
        use std::io::IsTerminal;
        let bar = ProgressBar::new(total);
        let mut lines = None;
        if quiet || !std::io::stderr().is_terminal() {
            bar.set_draw_target(ProgressDrawTarget::hidden());
            if !quiet {
                let every_ms = std::env::var("CUTOVER_PROGRESS_SECONDS")
                    .ok()
                    .and_then(|v| v.trim().parse::<f64>().ok())
                    .filter(|s| s.is_finite() && *s >= 0.0)
                    .map_or(progress::DEFAULT_EVERY_MS, |s| (s * 1000.0) as u64);
                lines = Some(progress::Lines::new(what, every_ms));
            }
        } else {
            bar.set_style(
                ProgressStyle::with_template(&format!(
                    "{what} {{bar:30}} {{pos}}/{{len}} replications  {{per_sec}}  eta {{eta}}"
                ))
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
        }
        Progress {
            bar,
            lines,
            started: std::time::Instant::now(),
            total,
            done: 0,
        }
    }

    fn elapsed_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    pub(super) fn set_length(&mut self, total: u64) {
        self.total = total;
        self.bar.set_length(total);
    }

    pub(super) fn inc(&mut self, n: u64) {
        self.done += n;
        self.bar.inc(n);
        let now = self.elapsed_ms();
        if let Some(line) = self.lines.as_mut().and_then(|l| l.tick(self.done, self.total, now)) {
            errln!("{line}");
        }
    }

    pub(super) fn finish(&self) {
        self.bar.finish_and_clear();
        if let Some(line) = self.lines.as_ref().and_then(|l| l.finish(self.done, self.elapsed_ms())) {
            errln!("{line}");
        }
    }
}

/// Runs a study ([`study::run`]) with progress and Ctrl-C; `sink` sees
/// each replication in order before the aggregator does.
fn run_study(
    study: &Study,
    batches: ci::Batches,
    workers: usize,
    agg: &mut Aggregator,
    bar: Option<&mut Progress>,
    mut sink: impl FnMut(&cutover::montecarlo::Replication) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let bar = std::cell::RefCell::new(bar);
    let outcome = study::run(
        study,
        batches,
        workers,
        &INTERRUPTED,
        agg,
        |planned| {
            if let Some(b) = bar.borrow_mut().as_mut() {
                b.set_length(planned)
            }
        },
        |rep| {
            sink(rep)?;
            if let Some(b) = bar.borrow_mut().as_mut() {
                b.inc(1)
            }
            Ok::<(), CliError>(())
        },
    )?;
    if outcome == Outcome::Stopped {
        return Err(CliError::Interrupted);
    }
    if let Some(b) = bar.borrow().as_ref() {
        b.finish()
    }
    Ok(())
}

fn command_line() -> Vec<String> {
    std::env::args().collect()
}

/// Runs a sensitivity study with progress and Ctrl-C, after saying what
/// it costs (both on stderr, unless quiet).
pub(super) fn run_sensitivity(
    plan: &Plan,
    sc: &cutover::scenario::Scenario,
    workers: usize,
    quiet: bool,
) -> Result<Sensitivity, CliError> {
    let cost = plan.cost();
    if !quiet {
        errln!("{}", cost.describe());
    }
    let mut bar = Progress::new(cost.points * cost.runs, quiet, "sensitivity");
    let (mut known, mut seen) = (cost.points * cost.runs, 0);
    let started = std::time::Instant::now();
    let result = plan.run(sc, workers, &INTERRUPTED, &mut |done, planned| {
        if planned != known {
            known = planned;
            bar.set_length(planned);
        }
        bar.inc(done - seen);
        seen = done;
    })?;
    let Some(result) = result else {
        return Err(CliError::Interrupted);
    };
    bar.finish();
    if !quiet {
        errln!(
            "sensitivity: {} simulations in {:.1} s",
            cutover::export::thousands(seen * cost.strategies),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(result)
}

/// The estimate before a long study ([`cutover::study::estimate`]): the
/// pilot replications `first`, `first + 1`, … through `one` (the bytes of
/// each of `files` for that replication; `None` when interrupted), scaled
/// to `planned` replications and `work` replication-equivalents of CPU
/// time on `workers` threads. Prints the estimate on stderr unless the
/// work is short or `quiet`; refuses (exit 2, nothing written) beyond the
/// budget unless `--yes`.
#[allow(clippy::too_many_arguments)]
pub(super) fn check_estimate(
    what: String,
    files: &[&str],
    first: u64,
    planned: u64,
    work: f64,
    workers: usize,
    budget: &super::BudgetFlags,
    quiet: bool,
    one: impl FnMut(u64) -> Option<Vec<u64>>,
) -> Result<(), CliError> {
    use cutover::study::estimate::{Estimate, pilot};
    let budget = budget.budget()?;
    install_interrupt_handler();
    let mut one = one;
    let timed = |i: u64| {
        let watch = Stopwatch::start();
        let bytes = one(i)?;
        Some((watch.secs(), bytes))
    };
    let Some(p) = pilot(files, first, planned, work, &budget, timed) else {
        return Err(CliError::Interrupted);
    };
    let Some(p) = p else { return Ok(()) };
    let e = Estimate::new(what, &p, planned, work, workers);
    if !quiet {
        eprintln!("{}", e.describe());
    }
    match e.refusal(&budget) {
        Some(why) => Err(CliError::BadInput(why)),
        None => Ok(()),
    }
}

/// Seconds of CPU time (user and system) the calling thread has used,
/// where the system says (`/proc/thread-self/stat` on Linux, in ticks of
/// 1/100 s); `None` elsewhere.
fn thread_cpu_secs() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the command name (which may hold spaces): the state is
    // field 3, utime 14 and stime 15.
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<u64>().ok();
    Some((ticks(11)? + ticks(12)?) as f64 / 100.0)
}

/// Below this many CPU-seconds a reading in ticks is too coarse: the
/// elapsed time is taken instead.
const COARSE_CPU_SECS: f64 = 0.5;

/// A stopwatch of the calling thread's CPU time, or of elapsed time where
/// the system does not tell CPU time (which reads high on a busy machine,
/// never low).
struct Stopwatch {
    cpu: Option<f64>,
    wall: std::time::Instant,
}

impl Stopwatch {
    fn start() -> Stopwatch {
        Stopwatch {
            cpu: thread_cpu_secs(),
            wall: std::time::Instant::now(),
        }
    }

    fn secs(&self) -> f64 {
        match (self.cpu, thread_cpu_secs()) {
            (Some(a), Some(b)) if b - a >= COARSE_CPU_SECS => b - a,
            _ => self.wall.elapsed().as_secs_f64(),
        }
    }
}

/// The bytes `runs.csv` takes for one replication.
pub(super) fn runs_bytes(names: &[String], seed: u64, rep: &cutover::montecarlo::Replication) -> u64 {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = export::write_runs(&mut w, names, seed, rep);
    w.into_inner().map_or(0, |v| v.len() as u64)
}

/// Writes `sensitivity.csv` into `dir`.
pub(super) fn write_sensitivity_csv(dir: &Path, s: &Sensitivity) -> Result<(), CliError> {
    write_atomic(&dir.join("sensitivity.csv"), |w| {
        let mut c = csv::Writer::from_writer(w);
        c.write_record(Sensitivity::header())?;
        for row in s.rows() {
            c.write_record(&row)?;
        }
        c.flush()
    })
}

pub(super) fn cmd_compare(
    path: Option<&Path>,
    flags: StudyFlags,
    ci_flags: &CiFlags,
    shard: Option<String>,
    sensitivity: bool,
) -> Result<PathBuf, CliError> {
    // Everything the user gave is checked before anything is written.
    let (sc, text) = load_text(path)?;
    let (runbooks, baseline) = strategies(&sc, &flags)?;
    let settings = CompareSettings::new(flags.runs, ci_flags, shard.as_deref()).map_err(CliError::BadInput)?;
    let (runs, shard, ci) = (settings.runs, settings.shard, settings.target.as_ref());
    let workers = workers(flags.threads)?;
    let seed = flags.seed.unwrap_or(sc.seed);
    let names: Vec<String> = runbooks.iter().map(|r| r.name.clone()).collect();
    // The sensitivity study of a whole comparison (a shard is a part of
    // one), its every end checked now.
    let plan = if sensitivity && shard.is_none() {
        let file = path.map_or_else(|| "<built-in default>".to_string(), |p| p.display().to_string());
        Some(Plan::new(&text, &file, &sc, &names, baseline, seed, runs)?)
    } else {
        None
    };
    // An estimate before long work; refused beyond the budget.
    let range = settings.range();
    let planned = range.end - range.start;
    let work = planned as f64 + plan.as_ref().map_or(0.0, |p| (p.cost().points * p.cost().runs) as f64);
    check_estimate(
        format!(
            "compare: {}",
            cutover::study::estimate::replications_times(planned, names.len(), "strategy", "strategies")
        ),
        &["runs.csv"],
        range.start,
        planned,
        work,
        workers,
        &flags.budget,
        flags.quiet,
        |i| {
            let rep = cutover::montecarlo::replication(&sc, &runbooks, seed, i, &INTERRUPTED)?;
            Some(vec![runs_bytes(&names, seed, &rep)])
        },
    )?;
    let sha = sha256_hex(text.as_bytes());
    let dir = flags.out.clone().unwrap_or_else(|| {
        let leaf = shard.map_or_else(|| "compare".to_string(), |s| s.folder());
        Path::new("output").join(&sc.name).join(leaf)
    });
    let staging = staged(&dir, "compare", Some(&sha))?;
    let out = staging.path().to_path_buf();
    install_interrupt_handler();

    let mut agg = Aggregator::new(names.clone(), baseline, &sc.thresholds);
    let mut bar = Progress::new(range.end - range.start, flags.quiet, "compare");
    let started = std::time::Instant::now();

    // runs.csv streams into a temporary file beside its final name; an
    // Atlas cluster's regions.csv likewise.
    let mut tmp = temp_file(&out).map_err(|e| internal("temporary file", e))?;
    let region_names: Vec<String> = sc.site.regions.iter().map(|r| r.name.clone()).collect();
    let mut regions_tmp = if sc.site.kind.routes_through_traffic_nodes() {
        Some(temp_file(&out).map_err(|e| internal("temporary file", e))?)
    } else {
        None
    };
    {
        let mut w = csv::Writer::from_writer(std::io::BufWriter::new(tmp.as_file_mut()));
        w.write_record(export::runs_header())
            .map_err(|e| internal("write runs.csv", e))?;
        let mut rw = match regions_tmp.as_mut() {
            Some(t) => {
                let mut rw = csv::Writer::from_writer(std::io::BufWriter::new(t.as_file_mut()));
                cutover::regions::write_header(&mut rw).map_err(|e| internal("write regions.csv", e))?;
                Some(rw)
            }
            None => None,
        };
        let study = Study {
            sc: &sc,
            runbooks: runbooks.clone(),
            seed,
        };
        run_study(
            &study,
            ci::Batches::new(range.clone(), ci),
            workers,
            &mut agg,
            Some(&mut bar),
            |rep| {
                export::write_runs(&mut w, &names, seed, rep).map_err(|e| internal("write runs.csv", e))?;
                if let Some(rw) = rw.as_mut() {
                    cutover::regions::write_rows(rw, &names, &region_names, rep.index, seed, &rep.regions)
                        .map_err(|e| internal("write regions.csv", e))?;
                }
                Ok(())
            },
        )?;
        w.flush().map_err(|e| internal("write runs.csv", e))?;
        if let Some(mut rw) = rw {
            rw.flush().map_err(|e| internal("write regions.csv", e))?;
        }
    }
    tmp.as_file().sync_all().map_err(|e| internal("sync runs.csv", e))?;
    let runs_path = out.join("runs.csv");
    tmp.persist(&runs_path)
        .map_err(|e| internal("rename runs.csv", e.error))?;
    if let Some(t) = regions_tmp {
        t.as_file().sync_all().map_err(|e| internal("sync regions.csv", e))?;
        t.persist(out.join("regions.csv"))
            .map_err(|e| internal("rename regions.csv", e.error))?;
    }

    let done = agg.replications();
    let summary = agg.summary_of(Runs::Completed);
    let diffs = agg.diffs_of(Runs::Completed);
    write_atomic(&out.join("summary.csv"), |w| {
        export::write_summary(w, &agg.summary_csv())
    })?;
    write_atomic(&out.join("diff.csv"), |w| export::write_diff(w, &agg.diffs_csv()))?;
    if !flags.no_charts {
        write_study_charts(&out, &agg, &summary, &diffs)?;
    }
    let elapsed = started.elapsed();
    let findings = match &plan {
        Some(plan) => {
            let s = run_sensitivity(plan, &sc, workers, flags.quiet)?;
            write_sensitivity_csv(&out, &s)?;
            if !flags.no_charts {
                let charts = out.join("charts");
                std::fs::create_dir_all(&charts)
                    .map_err(|e| internal(&format!("cannot create {}", charts.display()), e))?;
                write_chart(&charts, &s.chart_name(), &s.tornado())?;
            }
            Some(s.findings())
        }
        None => None,
    };
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
        shard: shard.map(|s| s.pair()),
        thresholds: sc.thresholds.clone(),
        ci_target: ci.map(|c| c.rel),
        files: staging.hashes()?,
        format: MANIFEST_FORMAT,
        scenario_path: path.and_then(|p| relative_path(&dir, p)),
    };
    write_atomic(&out.join("manifest.json"), |w| export::write_manifest(w, &manifest))?;

    staging.commit(&[])?;
    if let Some(t) = ci
        && !t.met(&agg)
    {
        // Said even when quiet: the numbers are less precise than asked.
        super::write_stderr(format_args!(
            "{}",
            cutover::report::terminal::precision_missed(t.rel, &t.abs, &t.misses(&agg), done)
        ));
    }
    if !flags.quiet && flags.print_table {
        let secs = elapsed.as_secs_f64();
        outln!(
            "{} / {} replications × {} strategies, seed {seed}{} in {secs:.1} s",
            sc.name,
            done,
            names.len(),
            match shard {
                Some(s) => format!(", shard {}/{}", s.k, s.n),
                None => String::new(),
            }
        )?;
        if let Some(t) = ci
            && t.met(&agg)
        {
            outln!("precision target ±{:.1}% met after {done} replications", t.rel * 100.0)?;
        }
        let pairs = agg.all_pairs_of(Runs::Completed);
        out!(
            "{}",
            cutover::report::terminal::comparison(&names, &summary, &pairs, &sc.priorities.negligible, &sc.site)
        )?;
        out!("{}", cutover::report::terminal::bottom_line(&sc, &agg))?;
        if let Some(f) = &findings {
            outln!("{}", f.plain())?;
        }
        outln!(
            "wrote {}/{{runs,summary,diff{}}}.csv and manifest.json",
            dir.display(),
            if findings.is_some() { ",sensitivity" } else { "" }
        )?;
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
    // Each chart is drawn and written on its own: in parallel.
    use rayon::prelude::*;
    comparison_charts(agg, summary, diffs)
        .par_iter()
        .try_for_each(|(name, chart)| write_chart(&charts, name, chart))
}

/// Refuses the same shard folder given twice, and an output folder among
/// the shards (site and fleet merges alike).
pub(super) fn check_merge_folders(dirs: &[PathBuf], final_dir: &Path) -> Result<(), CliError> {
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
    Ok(())
}

pub(super) fn cmd_merge(dirs: &[PathBuf], final_dir: &Path) -> Result<(), CliError> {
    check_merge_folders(dirs, final_dir)?;
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
        merge::check_kind(&d.display().to_string(), &m).map_err(CliError::BadInput)?;
        shards.push((d.clone(), m));
    }
    merge::check_shards(&mut shards, |d| d.display().to_string()).map_err(CliError::BadInput)?;
    let first = shards[0].1.clone();
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

    let staging = staged(final_dir, "compare", Some(&first.scenario_sha256))?;
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
                for rec in group {
                    w.write_record(rec).map_err(|e| internal("write runs.csv", e))?;
                }
                agg.push(&results::values(group));
                Ok(())
            })?;
        }
        w.flush().map_err(|e| internal("write runs.csv", e))?;
    }
    tmp.as_file().sync_all().map_err(|e| internal("sync runs.csv", e))?;
    tmp.persist(out.join("runs.csv"))
        .map_err(|e| internal("rename runs.csv", e.error))?;
    // An Atlas cluster's regions.csv: the shards' rows in their order,
    // when every shard has one (checked above with its other files).
    if shards.iter().all(|(_, m)| results::listed(m, "regions.csv").is_some()) {
        write_atomic(&out.join("regions.csv"), |w| {
            let mut first = true;
            for (d, _) in &shards {
                let text = std::fs::read(d.join("regions.csv"))?;
                let body = if first {
                    &text[..]
                } else {
                    // The header once: every shard's starts with the same line.
                    let nl = text.iter().position(|b| *b == b'\n').map_or(text.len(), |i| i + 1);
                    &text[nl..]
                };
                first = false;
                w.write_all(body)?;
            }
            Ok(())
        })?;
    }
    let (summary, diffs) = (agg.summary_of(Runs::Completed), agg.diffs_of(Runs::Completed));
    write_atomic(&out.join("summary.csv"), |w| {
        export::write_summary(w, &agg.summary_csv())
    })?;
    write_atomic(&out.join("diff.csv"), |w| export::write_diff(w, &agg.diffs_csv()))?;
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
    outln!(
        "merged {} shards ({} replications) into {}",
        shards.len(),
        manifest.runs,
        final_dir.display()
    )?;
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

/// Opens the `runs.csv` of a results folder and reads it through
/// [`results::read_runs`]: every row checked against the manifest, the
/// file's SHA-256 against the one the manifest records; hands each
/// replication's rows (one per strategy) to `each`.
pub(super) fn read_runs(
    dir: &Path,
    m: &Manifest,
    each: impl FnMut(&[csv::StringRecord]) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let path = dir.join("runs.csv");
    let want = results::listed(m, "runs.csv")
        .ok_or_else(|| CliError::BadInput(format!("{}: lists no runs.csv", dir.join("manifest.json").display())))?;
    let f = open_regular(&path, "runs.csv")?;
    results::read_runs(f, m, want, each).map_err(|e| match e {
        ReadRuns::Bad(e) => CliError::BadInput(format!("{}: {e}", path.display())),
        ReadRuns::Changed => changed(dir, &path),
        ReadRuns::Stopped(e) => e,
    })
}

pub(super) fn cmd_sweep(path: &Path, sets: &[String], flags: StudyFlags) -> Result<(), CliError> {
    let (base, text) = load_text(Some(path))?;
    // Every grid point is made and validated before any is run.
    let sweep = Sweep::new(&text, &path.display().to_string(), &base.name, sets, flags.runs)?;
    let runs = sweep.runs();
    let workers = workers(flags.threads)?;
    let seed = flags.seed.unwrap_or(base.seed);
    let sha = sha256_hex(text.as_bytes());
    let dir = flags
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&base.name).join("sweep"));
    // Strategy names are checked on the first point (they are the same on all).
    let first = sweep.point(&sweep.index(0))?;
    let (names, baseline) = {
        let (runbooks, baseline) = strategies(&first, &flags)?;
        let names: Vec<String> = runbooks.iter().map(|r| r.name.clone()).collect();
        // An estimate before long work, from the first point's first
        // replications; refused beyond the budget.
        let planned = runs.saturating_mul(sweep.len() as u64);
        check_estimate(
            format!(
                "sweep: {} points × {}",
                sweep.len(),
                cutover::study::estimate::replications_times(runs, names.len(), "strategy", "strategies")
            ),
            &[],
            0,
            planned,
            planned as f64,
            workers,
            &flags.budget,
            flags.quiet,
            |i| cutover::montecarlo::replication(&first, &runbooks, seed, i, &INTERRUPTED).map(|_| Vec::new()),
        )?;
        (names, baseline)
    };
    drop(first);
    let staging = staged(&dir, "sweep", Some(&sha))?;
    let out = staging.path().to_path_buf();
    install_interrupt_handler();

    let mut bar = Progress::new(runs.saturating_mul(sweep.len() as u64), flags.quiet, "sweep");
    let mut results: Vec<(Vec<usize>, Vec<SummaryRow>)> = Vec::new();
    let mut points = Vec::new();
    let started = std::time::Instant::now();
    // sweep.csv streams into a temporary file beside its final name.
    let mut tmp = temp_file(&out).map_err(|e| internal("temporary file", e))?;
    {
        let mut w = csv::Writer::from_writer(std::io::BufWriter::new(tmp.as_file_mut()));
        w.write_record(sweep.header())
            .map_err(|e| internal("write sweep.csv", e))?;
        for i in 0..sweep.len() {
            let g = sweep.index(i);
            let sc = sweep.point(&g)?;
            let (runbooks, baseline) = strategies(&sc, &flags)?;
            let names: Vec<String> = runbooks.iter().map(|r| r.name.clone()).collect();
            let mut agg = Aggregator::new(names, baseline, &sc.thresholds);
            let study = Study {
                sc: &sc,
                runbooks,
                seed,
            };
            run_study(&study, ci::Batches::new(0..runs, None), workers, &mut agg, None, |_| {
                Ok(())
            })?;
            bar.inc(runs);
            points.push(sweep.point_of(&g, &sc, &agg));
            let summary = agg.summary();
            for row in sweep.rows(&g, &summary) {
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
    bar.finish();
    if !flags.no_charts {
        let charts = out.join("charts");
        std::fs::create_dir_all(&charts).map_err(|e| internal(&format!("cannot create {}", charts.display()), e))?;
        for (name, chart) in sweep.charts(&results) {
            write_chart(&charts, &name, &chart)?;
        }
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
        outln!(
            "{}: {} points × {runs} replications in {:.1} s; wrote {}",
            base.name,
            sweep.len(),
            started.elapsed().as_secs_f64(),
            dir.join("sweep.csv").display()
        )?;
        let metric = cutover::study::sweep::first_priority(&base);
        out!(
            "{}",
            cutover::report::sweep::printed(&sweep.labels(), metric, &points, sweep.ordered())
        )?;
    }
    Ok(())
}
