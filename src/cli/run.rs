//! `cutover run`: one replication, its event log and a readable summary.

use std::path::{Path, PathBuf};

use cutover::export;
use cutover::sim::{RunOptions, simulate};

use cutover::report::terminal;
use cutover::report::timeline::Timeline;

use super::outdir::staged;
use super::{CliError, load_text, relative_path, write_atomic, write_chart};

pub(super) fn cmd_run(
    path: Option<&Path>,
    strategy: Option<String>,
    seed: Option<u64>,
    out: Option<PathBuf>,
    trace_sessions: bool,
    quiet: bool,
    no_charts: bool,
) -> Result<(), CliError> {
    // Everything the user gave is checked before anything is written.
    let (sc, text) = load_text(path)?;
    let name = strategy.unwrap_or_else(|| sc.strategies[0].clone());
    let runbook = sc.strategy(&name).map_err(CliError::BadInput)?;
    let seed = seed.unwrap_or(sc.seed);
    let dir = out.unwrap_or_else(|| Path::new("output").join(&sc.name).join(&runbook.name));

    let result = simulate(
        &sc,
        runbook,
        seed,
        0,
        RunOptions {
            log_events: true,
            trace_sessions,
        },
    );
    if let Some(why) = result.metrics.conservation_error() {
        return Err(CliError::Internal(format!("conservation violated: {why}")));
    }

    // A run folder holds one run: a new one replaces the previous run's
    // files (whatever its scenario), and nothing else.
    let staging = staged(&dir, "run", None)?;
    let out = staging.path();
    write_atomic(&out.join("events.csv"), |w| export::write_events(w, &result.events))?;
    write_atomic(&out.join("metrics.csv"), |w| {
        export::write_metrics(w, &[(runbook.name.as_str(), seed, &result.metrics)])
    })?;
    let regions: Vec<String> = sc.site.regions.iter().map(|r| r.name.clone()).collect();
    if !result.regions.is_empty() {
        write_atomic(&out.join("regions.csv"), |w| {
            export::write_regions(w, &runbook.name, seed, &regions, &result.regions)
        })?;
    }
    if !no_charts {
        let timeline = Timeline::from_run(&sc, &runbook.name, seed, &result);
        write_chart(out, "timeline", &timeline)?;
    }
    let manifest = export::Manifest {
        tool: "cutover".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        kind: "run".into(),
        command: std::env::args().collect(),
        scenario: sc.name.clone(),
        scenario_file: path.map(|p| p.display().to_string()),
        scenario_sha256: cutover::results::sha256_hex(text.as_bytes()),
        seed,
        strategies: vec![runbook.name.clone()],
        baseline: runbook.name.clone(),
        runs: 1,
        first_replication: 0,
        replications: 1,
        shard: None,
        thresholds: sc.thresholds.clone(),
        ci_target: None,
        files: staging.hashes()?,
        format: cutover::results::MANIFEST_FORMAT,
        scenario_path: path.and_then(|p| relative_path(&dir, p)),
    };
    write_atomic(&out.join("manifest.json"), |w| export::write_manifest(w, &manifest))?;
    staging.commit(&[])?;
    let events_path = dir.join("events.csv");
    let metrics_path = dir.join("metrics.csv");
    if !quiet {
        out!("{}", terminal::run_summary(&sc, &runbook.name, seed, &result.metrics))?;
        out!("{}", terminal::run_regions(&sc, &result.regions))?;
        outln!(
            "wrote {} ({} events), {}{}{}",
            events_path.display(),
            result.events.len(),
            metrics_path.display(),
            if result.regions.is_empty() { "" } else { ", regions.csv" },
            if no_charts { "" } else { " and timeline.{png,svg}" }
        )?;
    }
    Ok(())
}
