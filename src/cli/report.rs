//! `cutover report`: the change-board report from a compare folder.

use std::path::{Path, PathBuf};

use cutover::export::Manifest;
use cutover::montecarlo::Aggregator;
use cutover::report::chart::{Chart, render};
use cutover::report::page::{self, ReportChart, ReportInput};
use cutover::report::study::{Cdf, Diffs, Distribution};
use cutover::report::timeline::Timeline;
use cutover::scenario::Scenario;
use cutover::sim::{RunOptions, simulate};

use super::study::{charted_metrics, internal, read_runs, sha256_hex};
use super::{CliError, StudyFlags, load_text, write_atomic};

/// Renders a chart into `DIR/charts/NAME.{png,svg}` and keeps its SVG for the page.
fn chart(dir: &Path, name: &str, caption: String, c: &impl Chart) -> Result<ReportChart, CliError> {
    let r = render(c).map_err(|e| CliError::Internal(format!("chart {name}: {e}")))?;
    let charts = dir.join("charts");
    std::fs::create_dir_all(&charts).map_err(|e| internal(&format!("cannot create {}", charts.display()), e))?;
    write_atomic(&charts.join(format!("{name}.svg")), |w| w.write_all(r.svg.as_bytes()))?;
    write_atomic(&charts.join(format!("{name}.png")), |w| w.write_all(&r.png))?;
    Ok(ReportChart {
        file: format!("charts/{name}"),
        caption,
        svg: r.svg,
    })
}

pub(super) fn cmd_report(
    input: Option<&Path>,
    out: Option<PathBuf>,
    runs: Option<u64>,
    seed: Option<u64>,
    threads: Option<usize>,
    quiet: bool,
) -> Result<(), CliError> {
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
            let flags = StudyFlags {
                strategies: None,
                runs,
                seed,
                threads,
                baseline: None,
                out: None,
                quiet: true,
                no_charts: true,
            };
            super::study::cmd_compare(scenario, flags, None, None, 100_000, None)?
        }
    };
    let text = std::fs::read_to_string(results.join("manifest.json"))
        .map_err(|e| CliError::BadInput(format!("{}/manifest.json: {e}", results.display())))?;
    let m: Manifest = serde_json::from_str(&text)
        .map_err(|e| CliError::BadInput(format!("{}/manifest.json: {e}", results.display())))?;
    if m.kind != "compare" || m.shard.is_some() {
        return Err(CliError::BadInput(format!(
            "{}: a report needs a whole compare folder (merge shards first)",
            results.display()
        )));
    }
    // The scenario the results came from, unchanged since.
    let (sc, sc_text): (Scenario, String) = load_text(m.scenario_file.as_deref().map(Path::new))?;
    if sha256_hex(sc_text.as_bytes()) != m.scenario_sha256 {
        return Err(CliError::BadInput(format!(
            "the scenario {} changed since {} was computed: run the comparison again",
            m.scenario_file.as_deref().unwrap_or("(built-in default)"),
            results.display()
        )));
    }
    let baseline = m.strategies.iter().position(|s| *s == m.baseline).unwrap_or(0);
    let mut agg = Aggregator::new(m.strategies.clone(), baseline, &m.thresholds);
    let mut expected = m.first_replication;
    read_runs(&results, &m, &m.strategies, &mut agg, &mut expected, |_| Ok(()))?;
    let summary = agg.summary();
    let diffs = agg.diffs();
    let dir = out.unwrap_or_else(|| results.clone());
    std::fs::create_dir_all(&dir).map_err(|e| internal(&format!("cannot create {}", dir.display()), e))?;

    let mut charts = Vec::new();
    let metrics = charted_metrics(&summary);
    for key in [
        "downtime_s",
        "dropped_sessions",
        "exposure_s",
        "lost_work_sessions",
        "failed_connects",
    ] {
        if !metrics.contains(&key) && key != "downtime_s" {
            continue;
        }
        if let Some(d) = Distribution::from_aggregator(&agg, &summary, key) {
            let caption = format!(
                "Distribution of {} over {} replications: box p25-p75 with the median, whiskers p5-p95, the mean with its 95% CI.",
                key.trim_end_matches("_s").replace('_', " "),
                agg.replications()
            );
            charts.push(chart(&dir, &format!("dist-{key}"), caption, &d)?);
        }
    }
    for key in ["downtime_s", "dropped_sessions"] {
        let caption = format!(
            "Empirical CDF of {}: the share of replications at or below each value.",
            key.trim_end_matches("_s").replace('_', " ")
        );
        charts.push(chart(
            &dir,
            &format!("cdf-{key}"),
            caption,
            &Cdf::from_aggregator(&agg, key),
        )?);
    }
    if m.strategies.len() > 1 && !metrics.is_empty() {
        let caption = format!(
            "Paired differences against {} (replication by replication, common random numbers), mean and 95% CI.",
            m.baseline
        );
        charts.push(chart(&dir, "diff", caption, &Diffs::from_rows(&agg, &diffs, &metrics))?);
    }
    // One run of each strategy, replication 0, to show what happens when.
    for name in &m.strategies {
        let rb = sc.strategy(name).map_err(CliError::BadInput)?;
        let run = simulate(
            &sc,
            rb,
            m.seed,
            0,
            RunOptions {
                log_events: true,
                trace_sessions: false,
            },
        );
        let t = Timeline::from_run(&sc, name, m.seed, &run);
        let caption =
            format!("Timeline of one replication of {name}: node states, failover, windows, runbook steps, sessions.");
        charts.push(chart(&dir, &format!("timeline-{name}"), caption, &t)?);
    }
    let input = ReportInput {
        scenario: &sc,
        scenario_sha256: m.scenario_sha256.clone(),
        version: m.version.clone(),
        seed: m.seed,
        replications: agg.replications(),
        strategies: m.strategies.clone(),
        summary: &summary,
        diffs: &diffs,
        charts,
    };
    write_atomic(&dir.join("report.md"), |w| {
        w.write_all(page::markdown(&input).as_bytes())
    })?;
    write_atomic(&dir.join("report.html"), |w| w.write_all(page::html(&input).as_bytes()))?;
    if !quiet {
        println!("wrote {0}/report.html, {0}/report.md and {0}/charts/", dir.display());
    }
    Ok(())
}
