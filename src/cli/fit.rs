//! `cutover fit-workload`: the workload fitted to a site's session export.
//!
//! The zone and the whole export are checked, the fit made and the charts
//! drawn before anything is written; the outputs then go through the
//! output folder's commit like every other command's.

use std::io::Write;
use std::path::{Path, PathBuf};

use cutover::export;
use cutover::fit::{self, FitError};
use cutover::report::chart::render;
use cutover::report::fit::{DurationChart, ProfileChart};

use super::outdir::staged;
use super::{CliError, default_name, open_regular, relative_path, write_atomic};

fn bad(e: FitError) -> CliError {
    CliError::BadInput(e.0)
}

pub(super) fn cmd_fit_workload(
    path: &Path,
    zone: Option<String>,
    [from, to]: [Option<String>; 2],
    out: Option<PathBuf>,
    no_charts: bool,
) -> Result<(), CliError> {
    let tz = fit::time_zone(zone.as_deref().unwrap_or("UTC")).map_err(bad)?;
    let bound = |v: Option<String>, flag| v.map(|t| fit::parse_bound(&t, &tz, flag)).transpose().map_err(bad);
    let window = fit::Window {
        from: bound(from, "--from")?,
        to: bound(to, "--to")?,
    };
    let file = path.display().to_string();
    let input = open_regular(path, "a session export")?;
    let sessions = fit::read_sessions(std::io::BufReader::new(input), &file, &tz).map_err(bad)?;
    let result = fit::fit(&sessions, window).map_err(bad)?;
    let name = default_name(path);
    let dir = out.unwrap_or_else(|| Path::new("output").join(&name).join("fit-workload"));

    // Everything is drawn in memory before the folder is touched.
    let charts = if no_charts {
        Vec::new()
    } else {
        let chart_err = |e| CliError::Internal(format!("chart: {e}"));
        vec![
            (
                "fit-profile",
                render(&ProfileChart::from_fit(&result)).map_err(chart_err)?,
            ),
            (
                "fit-durations",
                render(&DurationChart::from_fit(&result)).map_err(chart_err)?,
            ),
        ]
    };

    // A fit folder holds one fit: a new one replaces the previous fit's files.
    let staging = staged(&dir, "fit-workload", None)?;
    let stage = staging.path();
    write_atomic(&stage.join("workload.toml"), |w| w.write_all(result.toml.as_bytes()))?;
    write_atomic(&stage.join("profile.csv"), |w| {
        w.write_all(fit::profile_csv(&result).as_bytes())
    })?;
    if !charts.is_empty() {
        let charts_dir = stage.join("charts");
        std::fs::create_dir_all(&charts_dir)
            .map_err(|e| CliError::io(format!("cannot create {}", super::shown(&charts_dir)), &e))?;
        for (stem, r) in &charts {
            write_atomic(&charts_dir.join(format!("{stem}.svg")), |w| {
                w.write_all(r.svg.as_bytes())
            })?;
            write_atomic(&charts_dir.join(format!("{stem}.png")), |w| w.write_all(&r.png))?;
        }
    }
    let manifest = export::Manifest {
        tool: "cutover".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        kind: "fit-workload".into(),
        command: std::env::args().collect(),
        scenario: name,
        scenario_file: Some(file),
        scenario_sha256: result.sha256.clone(),
        seed: 0,
        strategies: Vec::new(),
        baseline: String::new(),
        runs: 1,
        first_replication: 0,
        replications: 1,
        shard: None,
        thresholds: Vec::new(),
        ci_target: None,
        files: staging.hashes()?,
        format: cutover::results::MANIFEST_FORMAT,
        scenario_path: relative_path(&dir, path),
    };
    write_atomic(&stage.join("manifest.json"), |w| export::write_manifest(w, &manifest))?;
    staging.commit(&[])?;
    // A closed standard output (`| head`) is no error: the outputs are written.
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(
        stdout,
        "{}wrote {}, profile.csv{} and manifest.json",
        fit::summary(&result),
        dir.join("workload.toml").display(),
        if no_charts {
            ""
        } else {
            ",\n  charts/fit-profile.{png,svg}, charts/fit-durations.{png,svg}"
        }
    );
    Ok(())
}
