//! Fleet files on the command line: `compare` (and `run`, one
//! replication) of every plan, `merge` of fleet shards, `validate`.
//!
//! A fleet study's folder holds `runs.csv` (one row per plan and
//! replication: the campaign metrics), `sites.csv` (one row per plan,
//! replication and site: the site's own metrics row), `summary.csv`,
//! `diff.csv` (each plan against the first), the charts, `report.html`,
//! `report.md` and `manifest.json` (kind `fleet`). The charts and the
//! report's Gantt show replication 0; everything else every replication.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use cutover::export::{self, Manifest};
use cutover::fleet::Fleet;
use cutover::fleet::campaign::CampaignRun;
use cutover::fleet::shards::{Expected, ShardRead, ShardReader};
use cutover::fleet::study::{self as fstudy, FleetReplication};
use cutover::results::MANIFEST_FORMAT;
use cutover::study::shard::Shard;

use super::outdir::{InputDir, read_manifest, staged};
use super::study::{Progress, internal, sha256_hex};
use super::{CliError, MAX_SCENARIO_BYTES, SitesCsv, StudyFlags, read_limited, relative_path, temp_file, write_atomic};

/// Replications of a fleet study without `--runs`: each is a whole campaign.
pub const DEFAULT_FLEET_RUNS: u64 = 200;

/// True when `path` is a fleet file (a TOML file with a `[fleet]` table).
pub(super) fn is_fleet_file(path: &Path) -> bool {
    read_limited(path, MAX_SCENARIO_BYTES, "a scenario")
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .is_some_and(|t| cutover::fleet::is_fleet(&t))
}

/// Reads a fleet file and the scenario files it names (relative to it);
/// the SHA-256 covers them all, in the order read.
pub(super) fn load_fleet(path: &Path) -> Result<(Fleet, String), CliError> {
    let bad = |m: String| CliError::BadInput(format!("invalid fleet\n{m}"));
    let bytes = read_limited(path, MAX_SCENARIO_BYTES, "a fleet").map_err(|e| bad(e.message()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        bad(format!(
            "{}: not UTF-8 text (byte {})",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let read = std::cell::RefCell::new(Vec::<(String, String)>::new());
    let reader = |name: &str| -> Result<String, String> {
        let p = base.join(name);
        let bytes = read_limited(&p, MAX_SCENARIO_BYTES, "a scenario").map_err(|e| e.message())?;
        let t = String::from_utf8(bytes).map_err(|_| format!("{}: not UTF-8 text", p.display()))?;
        read.borrow_mut().push((name.to_string(), t.clone()));
        Ok(t)
    };
    let default_name = super::default_name(path);
    let fleet =
        Fleet::parse(&text, &path.display().to_string(), &default_name, &reader).map_err(|e| bad(e.to_string()))?;
    let mut all = text.clone().into_bytes();
    for (name, t) in read.borrow().iter() {
        all.extend_from_slice(format!("\n--- {name}\n").as_bytes());
        all.extend_from_slice(t.as_bytes());
    }
    Ok((fleet, sha256_hex(&all)))
}

/// `cutover validate` of a fleet file.
pub(super) fn cmd_validate(path: &Path) -> Result<(), CliError> {
    let (f, _) = load_fleet(path)?;
    outln!(
        "{}: valid fleet ({} site{} in {} group{}; plans: {})",
        path.display(),
        f.sites.len(),
        if f.sites.len() == 1 { "" } else { "s" },
        f.groups.len(),
        if f.groups.len() == 1 { "" } else { "s" },
        f.plans.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
    )?;
    Ok(())
}

/// Refuses the flags of site studies that mean nothing for a fleet.
fn refuse_site_flags(flags: &StudyFlags, ci: &cutover::study::CiFlags) -> Result<(), CliError> {
    let no = |flag: &str| {
        Err(CliError::BadInput(format!(
            "{flag} is for site studies: a fleet file compares its [[plans]], and each site uses the strategy its entry (or a plan) names"
        )))
    };
    if flags.strategies.is_some() {
        return no("--strategies");
    }
    if flags.baseline.is_some() {
        return no("--baseline");
    }
    if ci.target.is_some() || ci.metrics.is_some() || ci.abs.is_some() {
        return no("--ci-target");
    }
    Ok(())
}

/// `cutover compare FLEET` (and `cutover run FLEET`: one replication).
pub(super) fn cmd_compare(
    path: &Path,
    flags: StudyFlags,
    ci: &cutover::study::CiFlags,
    shard: Option<String>,
    kind_run: bool,
    sites_csv: SitesCsv,
) -> Result<PathBuf, CliError> {
    refuse_site_flags(&flags, ci)?;
    let (fleet, sha) = load_fleet(path)?;
    let runs = if kind_run {
        1
    } else {
        flags.runs.unwrap_or(DEFAULT_FLEET_RUNS)
    };
    cutover::study::check_runs("--runs", runs).map_err(CliError::BadInput)?;
    let shard = shard
        .as_deref()
        .map(Shard::parse)
        .transpose()
        .map_err(CliError::BadInput)?;
    if let Some(s) = shard {
        s.check(runs).map_err(CliError::BadInput)?;
    }
    let range = cutover::study::shard::replications(runs, shard);
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let workers = cutover::study::workers(flags.threads, cores).map_err(CliError::BadInput)?;
    let seed = flags.seed.unwrap_or(fleet.seed);
    let full_sites = sites_csv == SitesCsv::Full;
    // An estimate before long work; refused beyond the budget.
    let planned = range.end - range.start;
    let files: &[&str] = if full_sites {
        &["runs.csv", "sites.csv"]
    } else {
        &["runs.csv"]
    };
    super::study::check_estimate(
        format!(
            "{}: {} sites, {}",
            if kind_run { "run" } else { "compare" },
            cutover::export::thousands(fleet.sites.len() as u64),
            cutover::study::estimate::replications_times(planned, fleet.plans.len(), "plan", "plans")
        ),
        files,
        range.start,
        planned,
        planned as f64,
        workers,
        &flags.budget,
        flags.quiet,
        |i| {
            let rep = fstudy::replication(&fleet, seed, i, &super::study::INTERRUPTED)?;
            let mut rw = csv::Writer::from_writer(Vec::new());
            let _ = fstudy::write_runs(&mut rw, &fleet, seed, &rep);
            let mut bytes = vec![rw.into_inner().map_or(0, |v| v.len() as u64)];
            if full_sites {
                let mut sw = csv::Writer::from_writer(Vec::new());
                let _ = fstudy::write_sites(&mut sw, &fleet, &rep);
                bytes.push(sw.into_inner().map_or(0, |v| v.len() as u64));
            }
            Some(bytes)
        },
    )?;
    let dir = flags.out.clone().unwrap_or_else(|| {
        let leaf = match (kind_run, shard) {
            (true, _) => "run".to_string(),
            (false, Some(s)) => s.folder(),
            (false, None) => "compare".to_string(),
        };
        Path::new("output").join(&fleet.name).join(leaf)
    });
    let staging = staged(&dir, "fleet", Some(&sha))?;
    let out = staging.path().to_path_buf();
    super::study::install_interrupt_handler();
    let started = std::time::Instant::now();
    let mut stats = fstudy::FleetStats::new(&fleet);
    let mut trace: Option<FleetReplication> = None;
    let mut bar = Progress::new(
        range.end - range.start,
        flags.quiet,
        if kind_run { "run" } else { "compare" },
    );
    let mut runs_tmp = temp_file(&out).map_err(|e| internal("temporary file", e))?;
    // With --sites-csv off, sites.csv's rows go nowhere (and no
    // temporary file is made).
    let mut sites_tmp = if full_sites {
        Some(temp_file(&out).map_err(|e| internal("temporary file", e))?)
    } else {
        None
    };
    {
        let mut rw = csv::Writer::from_writer(std::io::BufWriter::new(runs_tmp.as_file_mut()));
        let sites: Box<dyn std::io::Write> = match sites_tmp.as_mut() {
            Some(t) => Box::new(std::io::BufWriter::new(t.as_file_mut())),
            None => Box::new(std::io::sink()),
        };
        let mut sw = csv::Writer::from_writer(sites);
        rw.write_record(fstudy::runs_header())
            .map_err(|e| internal("write runs.csv", e))?;
        sw.write_record(fstudy::sites_header())
            .map_err(|e| internal("write sites.csv", e))?;
        let first = range.start;
        let want = range.end - range.start;
        let mut got = 0u64;
        fstudy::run_streaming(
            &fleet,
            seed,
            range.clone(),
            workers,
            &super::study::INTERRUPTED,
            |rep| {
                fstudy::write_runs(&mut rw, &fleet, seed, &rep).map_err(|e| internal("write runs.csv", e))?;
                if full_sites {
                    fstudy::write_sites(&mut sw, &fleet, &rep).map_err(|e| internal("write sites.csv", e))?;
                }
                stats.push(&rep.rows()).map_err(CliError::Internal)?;
                if rep.index == first {
                    trace = Some(rep);
                }
                got += 1;
                bar.inc(1);
                Ok::<(), CliError>(())
            },
        )?;
        if got < want || super::study::INTERRUPTED.load(Ordering::SeqCst) {
            return Err(CliError::Interrupted);
        }
        rw.flush().map_err(|e| internal("write runs.csv", e))?;
        sw.flush().map_err(|e| internal("write sites.csv", e))?;
    }
    bar.finish();
    let mut streamed = vec![(runs_tmp, "runs.csv")];
    streamed.extend(sites_tmp.map(|t| (t, "sites.csv")));
    for (tmp, name) in streamed {
        tmp.as_file()
            .sync_all()
            .map_err(|e| internal(&format!("sync {name}"), e))?;
        tmp.persist(out.join(name))
            .map_err(|e| internal(&format!("rename {name}"), e.error))?;
    }
    let trace = trace.ok_or_else(|| CliError::Internal("no replication ran".into()))?;
    write_outputs(&out, &fleet, &stats, &trace.plans, runs, seed, flags.no_charts)?;
    let manifest = Manifest {
        tool: "cutover".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        kind: "fleet".into(),
        command: std::env::args().collect(),
        scenario: fleet.name.clone(),
        scenario_file: Some(path.display().to_string()),
        scenario_sha256: sha,
        seed,
        strategies: fleet.plans.iter().map(|p| p.name.clone()).collect(),
        baseline: fleet.plans[0].name.clone(),
        runs,
        first_replication: range.start,
        replications: range.end - range.start,
        shard: shard.map(|s| s.pair()),
        thresholds: Vec::new(),
        ci_target: None,
        files: staging.hashes()?,
        format: MANIFEST_FORMAT,
        scenario_path: relative_path(&dir, path),
    };
    write_atomic(&out.join("manifest.json"), |w| export::write_manifest(w, &manifest))?;
    staging.commit(&[])?;
    if !flags.quiet {
        let secs = started.elapsed().as_secs_f64();
        outln!(
            "{} / {} sites × {} plan{} × {} replication{}, seed {seed}{} in {secs:.1} s",
            fleet.name,
            fleet.sites.len(),
            fleet.plans.len(),
            if fleet.plans.len() == 1 { "" } else { "s" },
            range.end - range.start,
            if range.end - range.start == 1 { "" } else { "s" },
            match shard {
                Some(s) => format!(", shard {}/{}", s.k, s.n),
                None => String::new(),
            }
        )?;
        out!("{}", fleet_table(&fleet, &stats))?;
        outln!("\n{}\n", cutover::report::fleet::bottom_line_text(&fleet, &stats))?;
        outln!(
            "wrote {}/{{runs,{}summary,diff}}.csv, report.html, report.md and manifest.json",
            dir.display(),
            if full_sites { "sites," } else { "" }
        )?;
    }
    Ok(dir)
}

/// Everything but the two streamed CSV files and the manifest: the
/// summary, the differences, the charts and the report (from `agg` and
/// the campaigns of replication 0, one per plan).
fn write_outputs(
    out: &Path,
    fleet: &Fleet,
    stats: &fstudy::FleetStats,
    trace: &[CampaignRun],
    runs: u64,
    seed: u64,
    no_charts: bool,
) -> Result<(), CliError> {
    let (summary, diffs) = (stats.agg.summary(), stats.agg.diffs());
    write_atomic(&out.join("summary.csv"), |w| export::write_summary(w, &summary))?;
    write_atomic(&out.join("diff.csv"), |w| export::write_diff(w, &diffs))?;
    let (html, md) = if no_charts {
        cutover::report::fleet::report_with(fleet, stats, trace, runs, seed, false)
    } else {
        // Each chart drawn once: its two files, and its SVG in the page.
        let charts = out.join("charts");
        std::fs::create_dir_all(&charts).map_err(|e| internal(&format!("cannot create {}", charts.display()), e))?;
        // Each chart drawn and written on its own, in parallel; their SVGs
        // kept in order for the page.
        use rayon::prelude::*;
        let svgs: Vec<(String, String)> = cutover::report::fleet::charts(fleet, trace, stats)
            .into_par_iter()
            .map(|(name, chart)| {
                let r = cutover::report::chart::render(&chart).map_err(|e| internal(&format!("chart {name}"), e))?;
                write_atomic(&charts.join(format!("{name}.svg")), |w| w.write_all(r.svg.as_bytes()))?;
                write_atomic(&charts.join(format!("{name}.png")), |w| w.write_all(&r.png))?;
                Ok((name, r.svg))
            })
            .collect::<Result<_, CliError>>()?;
        cutover::report::fleet::report_with_svgs(fleet, stats, trace, runs, seed, &svgs, true)
    };
    write_atomic(&out.join("report.html"), |w| w.write_all(html.as_bytes()))?;
    write_atomic(&out.join("report.md"), |w| w.write_all(md.as_bytes()))?;
    Ok(())
}

/// `cutover merge` of fleet shards: `runs.csv` and `sites.csv` joined in
/// order, the statistics computed again from `runs.csv`, and the charts and
/// report made again from replication 0 (simulated again from the fleet
/// file, whose SHA-256 must be the one the shards record): byte for byte
/// the folder an unsplit study writes.
pub(super) fn cmd_merge(dirs: &[PathBuf], final_dir: &Path) -> Result<(), CliError> {
    super::study::check_merge_folders(dirs, final_dir)?;
    let mut shards = Vec::new();
    let mut inputs = Vec::new();
    for d in dirs {
        inputs.push(InputDir::open(d)?);
        let m = read_manifest(d)?;
        if m.kind != "fleet" {
            return Err(CliError::BadInput(format!(
                "{}: a {} folder, not a fleet shard (merge fleet shards with fleet shards)",
                d.display(),
                m.kind
            )));
        }
        shards.push((d.clone(), m));
    }
    cutover::study::merge::check_shards(&mut shards, |d| d.display().to_string()).map_err(CliError::BadInput)?;
    // Shards run with --sites-csv off merge without sites.csv; a mix is
    // refused (the merged file would miss sites).
    let has_sites = |m: &cutover::export::Manifest| m.files.iter().any(|(n, _)| n == "sites.csv");
    let with_sites = shards.iter().filter(|(_, m)| has_sites(m)).count();
    if with_sites != 0 && with_sites != shards.len() {
        let off = shards
            .iter()
            .find(|(_, m)| !has_sites(m))
            .map(|(d, _)| d.display().to_string());
        return Err(CliError::BadInput(format!(
            "{}: run with --sites-csv off, other shards with sites.csv: run the shards alike to merge them",
            off.unwrap_or_default()
        )));
    }
    let first = shards[0].1.clone();
    let fleet_path = first
        .scenario_path
        .as_ref()
        .map(|p| shards[0].0.join(p))
        .or_else(|| first.scenario_file.as_ref().map(PathBuf::from))
        .ok_or_else(|| CliError::BadInput("the shards do not say where their fleet file is".into()))?;
    let (fleet, sha) = load_fleet(&fleet_path)?;
    if sha != first.scenario_sha256 {
        return Err(CliError::BadInput(format!(
            "{}: the fleet (or a scenario file it names) changed since the shards were run",
            fleet_path.display()
        )));
    }
    let plans: Vec<&str> = fleet.plans.iter().map(|p| p.name.as_str()).collect();
    if first.strategies.iter().ne(plans.iter().copied()) {
        return Err(CliError::BadInput(format!(
            "{}: its plans ({}) are not the fleet's ({})",
            shards[0].0.join("manifest.json").display(),
            first.strategies.join(", "),
            plans.join(", ")
        )));
    }
    // Every file of every shard is the one its manifest certifies, and
    // every value of runs.csv and sites.csv one cutover writes for this
    // fleet: checked, and the statistics made, before anything is written.
    let mut stats = fstudy::FleetStats::new(&fleet);
    for (d, m) in &shards {
        for (name, want) in &m.files {
            if name == "runs.csv" || name == "sites.csv" {
                continue;
            }
            if super::sha256_file(&d.join(name))? != *want {
                return Err(changed(d, name));
            }
        }
        read_shard(d, m, &fleet, |group| push_runs(&mut stats, d, group), |_| Ok(()))?;
    }
    if stats.replications() != first.runs {
        return Err(CliError::BadInput(format!(
            "the shards hold {} replications of {}",
            stats.replications(),
            first.runs
        )));
    }
    let staging = staged(final_dir, "fleet", Some(&sha))?;
    let out = staging.path().to_path_buf();
    {
        let mut runs_tmp = temp_file(&out).map_err(|e| internal("temporary file", e))?;
        let mut sites_tmp = temp_file(&out).map_err(|e| internal("temporary file", e))?;
        {
            let mut rw = csv::Writer::from_writer(std::io::BufWriter::new(runs_tmp.as_file_mut()));
            let mut sw = csv::Writer::from_writer(std::io::BufWriter::new(sites_tmp.as_file_mut()));
            rw.write_record(fstudy::runs_header())
                .map_err(|e| internal("write runs.csv", e))?;
            sw.write_record(fstudy::sites_header())
                .map_err(|e| internal("write sites.csv", e))?;
            for (d, m) in &shards {
                // Read again (and checked again: a file changed meanwhile is refused).
                read_shard(
                    d,
                    m,
                    &fleet,
                    |group| {
                        for rec in group {
                            rw.write_record(rec).map_err(|e| internal("write runs.csv", e))?;
                        }
                        Ok(())
                    },
                    |rec| sw.write_record(rec).map_err(|e| internal("write sites.csv", e)),
                )?;
            }
            rw.flush().map_err(|e| internal("write runs.csv", e))?;
            sw.flush().map_err(|e| internal("write sites.csv", e))?;
        }
        for (tmp, name) in [(runs_tmp, "runs.csv"), (sites_tmp, "sites.csv")] {
            if name == "sites.csv" && with_sites == 0 {
                // Shards run with --sites-csv off: no sites.csv merged.
                continue;
            }
            tmp.as_file()
                .sync_all()
                .map_err(|e| internal(&format!("sync {name}"), e))?;
            tmp.persist(out.join(name))
                .map_err(|e| internal(&format!("rename {name}"), e.error))?;
        }
    }
    let never = std::sync::atomic::AtomicBool::new(false);
    let trace = fstudy::replication(&fleet, first.seed, 0, &never)
        .ok_or_else(|| CliError::Internal("replication 0 did not run".into()))?;
    let charts = shards.iter().all(|(d, _)| d.join("charts").is_dir());
    write_outputs(&out, &fleet, &stats, &trace.plans, first.runs, first.seed, !charts)?;
    let manifest = Manifest {
        command: std::env::args().collect(),
        first_replication: 0,
        replications: first.runs,
        shard: None,
        files: staging.hashes()?,
        scenario_path: relative_path(final_dir, &fleet_path),
        ..first
    };
    write_atomic(&out.join("manifest.json"), |w| export::write_manifest(w, &manifest))?;
    staging.commit(&[])?;
    drop(inputs);
    outln!(
        "merged {} fleet shards ({} replications) into {}",
        shards.len(),
        manifest.runs,
        final_dir.display()
    )?;
    Ok(())
}

/// The error of a shard file whose SHA-256 is not the one its manifest records.
fn changed(dir: &Path, name: &str) -> CliError {
    CliError::BadInput(format!(
        "{}: its SHA-256 is not the one {} records: the file was changed after cutover wrote it",
        dir.join(name).display(),
        dir.join("manifest.json").display()
    ))
}

/// Adds one replication of a shard's `runs.csv` to the statistics.
fn push_runs(stats: &mut fstudy::FleetStats, dir: &Path, group: &[csv::StringRecord]) -> Result<(), CliError> {
    let rows: Vec<Vec<String>> = group
        .iter()
        .map(|rec| rec.iter().skip(fstudy::RUNS_KEY_COLUMNS).map(String::from).collect())
        .collect();
    stats.push(&rows).map_err(|e| {
        let line = group.last().and_then(|r| r.position()).map_or(0, |at| at.line());
        CliError::BadInput(format!("{}: line {line}: {e}", dir.join("runs.csv").display()))
    })
}

/// Reads a fleet shard's `runs.csv` and `sites.csv` together, every row
/// checked against the fleet and the manifest ([`ShardReader`]) and each
/// file's SHA-256 against the one the manifest records; hands each
/// replication's `runs.csv` rows to `runs` and each `sites.csv` row to `site`.
fn read_shard(
    dir: &Path,
    m: &Manifest,
    fleet: &Fleet,
    mut runs: impl FnMut(&[csv::StringRecord]) -> Result<(), CliError>,
    mut site: impl FnMut(&csv::StringRecord) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let listed = |name: &str| {
        cutover::results::listed(m, name)
            .ok_or_else(|| CliError::BadInput(format!("{}: lists no {name}", dir.join("manifest.json").display())))
    };
    let want_runs = listed("runs.csv")?;
    // A shard run with --sites-csv off has no sites.csv (merge refuses a mix).
    let want_sites = cutover::results::listed(m, "sites.csv");
    let open = |name: &str| super::open_regular(&dir.join(name), name);
    let exp = Expected {
        seed: m.seed,
        first: m.first_replication,
        count: m.replications,
    };
    let sites = match want_sites {
        Some(_) => Some(open("sites.csv")?),
        None => None,
    };
    let mut r = ShardReader::new(fleet, open("runs.csv")?, sites, exp);
    let bad = |e: ShardRead<CliError>| match e {
        ShardRead::Bad(e) => CliError::BadInput(format!("{}: {e}", dir.join(e.file).display())),
        ShardRead::Stopped(e) => e,
    };
    while let Some(group) = r.next_replication(&mut site).map_err(bad)? {
        runs(group)?;
    }
    let (got_runs, got_sites) = r.finish();
    if got_runs != want_runs {
        return Err(changed(dir, "runs.csv"));
    }
    if got_sites.as_deref() != want_sites {
        return Err(changed(dir, "sites.csv"));
    }
    Ok(())
}

/// The printed comparison of the plans: per plan, the median and 95th
/// percentile length of the runs that finished (outcome done), P(done by
/// the deadline) with its 95 % interval, the share of runs stopped, and
/// the means over all runs of the peak sites without failover, the sites'
/// time without failover added up (site-days), the sites done and not
/// started, the user-minutes lost and the operator hours.
fn fleet_table(fleet: &Fleet, stats: &fstudy::FleetStats) -> String {
    use std::fmt::Write as _;
    let summary = stats.agg.summary();
    let row = |plan: &str, metric: &str| summary.iter().find(|r| r.strategy == plan && r.metric == metric);
    let tallies = cutover::report::fleet::Tally::all(stats, fleet.deadline_unix_ms.is_some());
    let mut s = String::new();
    let day = 86_400.0;
    let _ = writeln!(
        s,
        "{:<16} {:>22} {:>14} {:>8} {:>10} {:>12} {:>8} {:>10} {:>10} {:>10}",
        "plan",
        "length if done p50/p95",
        "done by dl",
        "stopped",
        "peak w/o",
        "w/o site-d",
        "done",
        "not start",
        "user-min",
        "op hours"
    );
    for (p, t) in fleet.plans.iter().zip(&tallies) {
        let n = p.name.as_str();
        let camp = match (t.done_median(), t.done_p95()) {
            (Some(a), Some(b)) => format!("{:.1} / {:.1} d", a / day, b / day),
            _ => "none done".into(),
        };
        let dl = t.deadline_share().map_or("-".into(), |(x, n, lo, hi)| {
            format!(
                "{:.0}% [{:.0}-{:.0}]",
                x as f64 / n as f64 * 100.0,
                lo * 100.0,
                hi * 100.0
            )
        });
        let stopped = format!("{:.0}%", t.stopped as f64 / t.n.max(1) as f64 * 100.0);
        let mean = |m: &str, d: usize| row(n, m).map_or("-".into(), |r| format!("{:.*}", d, r.mean));
        let _ = writeln!(
            s,
            "{:<16} {:>22} {:>14} {:>8} {:>10} {:>12} {:>8} {:>10} {:>10} {:>10}",
            n,
            camp,
            dl,
            stopped,
            mean("peak_sites_without_failover", 1),
            row(n, "site_exposure_s").map_or("-".into(), |r| format!("{:.1}", r.mean / day)),
            mean("sites_done", 1),
            mean("sites_not_started", 1),
            mean("user_minutes_lost", 0),
            mean("operator_hours", 1)
        );
    }
    s
}
