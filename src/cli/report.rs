//! `cutover report`: the change-board report from a compare folder.

use std::path::{Path, PathBuf};

use cutover::export::{self, Manifest};
use cutover::montecarlo::Aggregator;
use cutover::report::chart::{Chart, render};
use cutover::report::page::{self, ReportChart, ReportInput};
use cutover::report::pdf;
use cutover::report::timeline::Timeline;
use cutover::results::MANIFEST_FORMAT;
use cutover::scenario::Scenario;
use cutover::sim::{RunOptions, simulate};
use cutover::study::pick::{Picker, outcome};
use cutover::study::sensitivity::Plan;

use super::outdir::{Expect, InputDir, OutDir, read_manifest};
use super::study::{read_runs, sha256_hex};
use super::{CliError, StudyFlags, load_text, relative_path, sha256_file, write_atomic};

/// A chart rendered for the report: its page entry and its PNG, written
/// to `charts/NAME.{png,svg}` once everything is ready.
struct Drawn {
    name: String,
    chart: ReportChart,
    png: Vec<u8>,
}

fn chart(name: &str, caption: String, c: &impl Chart) -> Result<Drawn, CliError> {
    let r = render(c).map_err(|e| CliError::Internal(format!("chart {name}: {e}")))?;
    Ok(Drawn {
        name: name.to_string(),
        chart: ReportChart {
            file: format!("charts/{name}"),
            caption,
            svg: r.svg,
        },
        png: r.png,
    })
}

/// True when both paths name one existing folder.
fn same_folder(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Reads the results folder's manifest: a whole compare folder's.
fn compare_manifest(results: &Path) -> Result<Manifest, CliError> {
    let m = read_manifest(results)?;
    if m.kind == "fleet" {
        return Err(CliError::BadInput(format!(
            "{}: a fleet study's folder holds its report already ({}; `cutover merge` writes the report of shards)",
            results.display(),
            results.join("report.html").display()
        )));
    }
    if m.kind != "compare" || m.shard.is_some() {
        return Err(CliError::BadInput(format!(
            "{}: a report needs a whole compare folder (merge shards first)",
            results.display()
        )));
    }
    Ok(m)
}

/// The date the report's outputs carry (`report.html`, `summary.pdf`):
/// `SOURCE_DATE_EPOCH` when set (seconds since 1970-01-01 UTC, the
/// reproducible-builds convention: the same inputs then give the same
/// bytes on any day), else today's date in UTC.
pub(super) fn generation_date() -> Result<String, CliError> {
    let bad = |v: &str| {
        let shown: String = v.chars().take(40).collect();
        CliError::BadInput(format!(
            "SOURCE_DATE_EPOCH={shown:?}: not a whole number of seconds since 1970-01-01 00:00 UTC (for a date between the years 1 and 9999)"
        ))
    };
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) if !v.trim().is_empty() => {
            let secs: i64 = v.trim().parse().map_err(|_| bad(&v))?;
            page::summary::utc_date(secs)
                .filter(|d| !d.starts_with('-') && !d.starts_with("0000"))
                .ok_or_else(|| bad(&v))
        }
        Err(std::env::VarError::NotUnicode(v)) => Err(bad(&v.to_string_lossy())),
        _ => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
            page::summary::utc_date(now)
                .ok_or_else(|| CliError::Internal("the system clock is past the year 9999".into()))
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn cmd_report(
    input: Option<&Path>,
    out: Option<PathBuf>,
    runs: Option<u64>,
    seed: Option<u64>,
    threads: Option<usize>,
    quiet: bool,
    sensitivity: bool,
    budget: super::BudgetFlags,
) -> Result<(), CliError> {
    // The date is checked before anything runs.
    let date = generation_date()?;
    // A commit a killed command left in the folder is finished first.
    if let Some(p) = input
        && p.is_dir()
    {
        drop(InputDir::open(p)?);
    }
    let results = match input {
        Some(p) if p.join("manifest.json").is_file() => {
            if runs.is_some() || seed.is_some() {
                return Err(CliError::BadInput(format!(
                    "{} already holds results: --runs and --seed apply only when the comparison is run first",
                    p.display()
                )));
            }
            p.to_path_buf()
        }
        Some(p) if p.is_dir() => {
            return Err(CliError::BadInput(format!(
                "{} is a folder without manifest.json: give a compare folder or a scenario file",
                p.display()
            )));
        }
        scenario => {
            // The comparison goes where the report goes: into --out DIR
            // (checked before anything runs: a folder of another scenario
            // or command is refused), else `output/<scenario>/compare/`.
            // The report then joins it, in the same folder.
            let flags = StudyFlags {
                strategies: None,
                runs,
                seed,
                threads,
                baseline: None,
                out: out.clone(),
                quiet,
                no_charts: true,
                print_table: false,
                budget,
            };
            // The report makes its own sensitivity study (below).
            super::study::cmd_compare(scenario, flags, &cutover::study::CiFlags::default(), None, false)?
        }
    };
    compare_manifest(&results)?;
    let dir = out.unwrap_or_else(|| results.clone());
    // The results are read under their folder's lock: held to write the
    // report into it, or shared while they are read.
    let same = same_folder(&dir, &results);
    let mut outdir = None;
    let mut _reading = None;
    if same {
        outdir = Some(OutDir::open(
            &results,
            Expect {
                kind: "compare",
                scenario_sha256: None,
            },
        )?);
    } else {
        _reading = Some(InputDir::open(&results)?);
    }
    let m = compare_manifest(&results)?;
    // The scenario the results came from, unchanged since: found from the
    // results folder (format 1 manifests: as given, from the working folder).
    let scenario_at: Option<PathBuf> = match (&m.scenario_path, &m.scenario_file) {
        (Some(p), _) => Some(results.join(p)),
        (None, Some(f)) => Some(PathBuf::from(f)),
        (None, None) => None,
    };
    let (sc, sc_text): (Scenario, String) = load_text(scenario_at.as_deref())?;
    if sha256_hex(sc_text.as_bytes()) != m.scenario_sha256 {
        return Err(CliError::BadInput(format!(
            "the scenario {} changed since {} was computed: run the comparison again",
            scenario_at
                .as_deref()
                .map_or("(built-in default)".into(), |p| p.display().to_string()),
            results.display()
        )));
    }
    let baseline = m.strategies.iter().position(|s| *s == m.baseline).unwrap_or(0);
    let mut agg = Aggregator::new(m.strategies.clone(), baseline, &m.thresholds);
    let mut picker = Picker::for_scenario(&sc, m.strategies.clone());
    read_runs(&results, &m, |group| {
        let values = cutover::results::values(group);
        agg.push(&values);
        // The rows were checked as they were read: the replication is a number.
        let replication = group
            .first()
            .and_then(|r| r.get(1))
            .and_then(|v| v.parse::<u64>().ok())
            .ok_or_else(|| CliError::Internal("runs.csv: a row without its replication".into()))?;
        picker.push(replication, &values);
        Ok(())
    })?;
    // An Atlas cluster's figures per region, when the results hold them
    // (its SHA-256 checked against the manifest first).
    let regions = match cutover::results::listed(&m, "regions.csv") {
        Some(want) => {
            // Read once: hashed as it is parsed, the hash judged first (a
            // changed file is reported as changed, whatever it holds).
            let path = results.join("regions.csv");
            let f = super::open_regular(&path, "regions.csv")?;
            let mut hashed = Hashed::new(std::io::BufReader::new(f));
            let names: Vec<String> = sc.site.regions.iter().map(|r| r.name.clone()).collect();
            let parsed = cutover::regions::read(&mut hashed, &path.display().to_string(), &m.strategies, &names);
            let got = hashed
                .finish()
                .map_err(|e| CliError::BadInput(format!("{}: cannot read the file: {e}", path.display())))?;
            if got != want {
                return Err(CliError::BadInput(format!(
                    "{}: its SHA-256 is not the one {} records: the file was changed after cutover wrote it",
                    path.display(),
                    results.join("manifest.json").display()
                )));
            }
            parsed.map_err(CliError::BadInput)?
        }
        None => Vec::new(),
    };
    // The report's population: the completed runs of each strategy (all of
    // them for a strategy never aborted); the aborted ones apart.
    let summary = agg.summary_of(cutover::montecarlo::Runs::Completed);
    let diffs = agg.diffs_of(cutover::montecarlo::Runs::Completed);

    // Everything the report holds is made before anything is written.
    // The study's charts drawn in parallel (in order: the same bytes).
    let mut drawn: Vec<Drawn> = {
        use rayon::prelude::*;
        page::study_charts(&agg, &summary, &diffs)
            .par_iter()
            .map(|(name, caption, c)| chart(name, caption.clone(), c))
            .collect::<Result<_, _>>()?
    };
    // What would change the decision: the comparison's strategies and
    // seed, at most its runs per point.
    let study = if sensitivity {
        let file = scenario_at
            .as_deref()
            .map_or_else(|| "<built-in default>".to_string(), |p| p.display().to_string());
        let plan = Plan::new(&sc_text, &file, &sc, &m.strategies, baseline, m.seed, m.runs)?;
        let threads = super::study::workers(threads)?;
        let s = super::study::run_sensitivity(&plan, &sc, threads, quiet)?;
        let t = s.tornado();
        let caption = page::tornado_caption(&t, s.runs);
        drawn.push(chart(&s.chart_name(), caption, &t)?);
        Some(s)
    } else {
        None
    };
    // Two runs of each strategy, to show what happens when: a typical one
    // and a bad one, simulated again with their event log.
    let order = picker.order();
    let mut calendar = Vec::new();
    for p in picker.picks() {
        let name = &p.strategy;
        let rb = sc.strategy(name).map_err(CliError::BadInput)?;
        for (kind, pick) in [("typical", &p.typical), ("bad", &p.bad)] {
            let run = simulate(
                &sc,
                rb,
                m.seed,
                pick.replication,
                RunOptions {
                    log_events: true,
                    trace_sessions: false,
                },
            );
            let line = outcome(pick, &order, &run.metrics.values(), Some(&run.events));
            if kind == "typical" {
                calendar.push((
                    name.clone(),
                    pick.replication,
                    cutover::report::calendar::words(&sc, &run),
                ));
            }
            let mut t = Timeline::from_run(&sc, name, m.seed, &run);
            t.title = format!("{}, replication {} ({kind} run)", t.title, pick.replication);
            drawn.push(chart(
                &format!("timeline-{name}-{kind}"),
                page::timeline_caption(name, &format!("a {kind} run"), pick.replication, &line),
                &t,
            )?);
        }
    }
    let (pngs, charts): (Vec<(String, Vec<u8>)>, Vec<ReportChart>) =
        drawn.into_iter().map(|d| ((d.name, d.png), d.chart)).unzip();
    // The decision, for the terminal: the report's first words.
    let bottom_line = cutover::report::terminal::bottom_line(&sc, &agg);
    let input = ReportInput {
        scenario: &sc,
        scenario_sha256: m.scenario_sha256.clone(),
        version: m.version.clone(),
        seed: m.seed,
        agg: &agg,
        charts,
        sensitivity: study.as_ref().map(|s| s.findings()),
        calendar,
        regions,
    };
    let (md, html) = (page::markdown(&input), page::html_dated(&input, &date));
    let summary_pdf = pdf::render(&page::summary::summary(&input, &date))
        .map_err(|e| CliError::Internal(format!("summary.pdf: {e}")))?;

    // Then written, through a commit: into the compare folder (its manifest
    // then lists the report's files too), or a report folder of its own.
    let outdir = match outdir {
        Some(o) => o,
        None => OutDir::open(
            &dir,
            Expect {
                kind: "report",
                scenario_sha256: Some(&m.scenario_sha256),
            },
        )?,
    };
    let staging = outdir.stage()?;
    let stage = staging.path();
    let charts_dir = stage.join("charts");
    std::fs::create_dir_all(&charts_dir)
        .map_err(|e| CliError::io(format!("cannot create {}", super::shown(&charts_dir)), &e))?;
    for ((name, png), c) in pngs.iter().zip(&input.charts) {
        write_atomic(&charts_dir.join(format!("{name}.svg")), |w| {
            w.write_all(c.svg.as_bytes())
        })?;
        write_atomic(&charts_dir.join(format!("{name}.png")), |w| w.write_all(png))?;
    }
    if let Some(s) = &study {
        super::study::write_sensitivity_csv(stage, s)?;
    }
    write_atomic(&stage.join("report.md"), |w| w.write_all(md.as_bytes()))?;
    write_atomic(&stage.join("report.html"), |w| w.write_all(html.as_bytes()))?;
    write_atomic(&stage.join("summary.pdf"), |w| w.write_all(&summary_pdf))?;
    let mut files = staging.hashes()?;
    let mut keep = Vec::new();
    if same {
        // The compare folder's own files stay, and stay listed.
        for name in staging.owned_files() {
            if !files.iter().any(|(n, _)| n == name) {
                keep.push(name.to_string());
            }
        }
        for name in &keep {
            files.push((name.clone(), sha256_file(&dir.join(name))?));
        }
        files.sort();
    }
    let manifest = Manifest {
        kind: if same { "compare" } else { "report" }.into(),
        command: if same {
            m.command.clone()
        } else {
            std::env::args().collect()
        },
        files,
        format: MANIFEST_FORMAT,
        scenario_path: scenario_at.as_deref().and_then(|p| relative_path(&dir, p)),
        ..m.clone()
    };
    write_atomic(&stage.join("manifest.json"), |w| export::write_manifest(w, &manifest))?;
    staging.commit(&keep)?;
    if !quiet {
        out!("{}", bottom_line)?;
        outln!(
            "wrote {0}/report.html, {0}/report.md, {0}/summary.pdf and {0}/charts/",
            dir.display()
        )?;
    }
    Ok(())
}

/// A reader that hashes (SHA-256) every byte read through it.
struct Hashed<R> {
    inner: R,
    hasher: sha2::Sha256,
}

impl<R: std::io::Read> Hashed<R> {
    fn new(inner: R) -> Hashed<R> {
        use sha2::Digest;
        Hashed {
            inner,
            hasher: sha2::Sha256::new(),
        }
    }

    /// Reads what the parser left (after an error, or past the end it
    /// stopped at) and returns the whole file's SHA-256 in hex.
    fn finish(mut self) -> std::io::Result<String> {
        use sha2::Digest;
        std::io::copy(&mut self, &mut std::io::sink())?;
        Ok(self.hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }
}

impl<R: std::io::Read> std::io::Read for Hashed<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}
