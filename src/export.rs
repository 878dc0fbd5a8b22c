//! Writers for run outputs: pure functions from results to bytes.
//!
//! They write to any `io::Write`; the caller decides where the bytes go (the
//! command line writes them to a temporary file and renames it into place).

use std::fmt::Write as _;
use std::io;

use serde::{Deserialize, Serialize};

use crate::metrics::Metrics;
use crate::montecarlo::{DiffRow, Replication, SummaryRow};
use crate::sim::events::EventLog;
use crate::time::fmt_secs;

/// Writes `events.csv`: `time_s,entity,event,detail,local`, one row per record,
/// in the words of [`EventLog::entity_name`], [`Event::name`] and
/// [`EventLog::detail`]; `local` is the instant in the site's local time
/// ([`EventLog::local_text`]).
///
/// [`Event::name`]: crate::sim::events::Event::name
pub fn write_events<W: io::Write>(out: W, events: &EventLog) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["time_s", "entity", "event", "detail", "local"])?;
    let mut detail = String::new();
    for r in events.iter() {
        detail.clear();
        write!(detail, "{}", events.detail(&r.event)).map_err(io::Error::other)?;
        let entity = events.entity_name(r.event.entity());
        let local = events.local_text(r.time);
        w.write_record([fmt_secs(r.time.0).as_str(), entity, r.event.name(), &detail, &local])?;
    }
    w.flush()
}

/// Writes `metrics.csv`: a header and one row per `(strategy, seed, metrics)`.
pub fn write_metrics<W: io::Write>(out: W, rows: &[(&str, u64, &Metrics)]) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec!["strategy", "seed"];
    header.extend(Metrics::COLUMNS);
    w.write_record(&header)?;
    for (strategy, seed, m) in rows {
        let mut rec = vec![strategy.to_string(), seed.to_string()];
        rec.extend(m.values());
        w.write_record(&rec)?;
    }
    w.flush()
}

/// Writes the `regions.csv` of one run (see [`crate::regions`]): its
/// header and one row per region of `figures`, named `regions`.
pub fn write_regions<W: io::Write>(
    out: W,
    strategy: &str,
    seed: u64,
    regions: &[String],
    figures: &[crate::sim::RegionFigures],
) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    crate::regions::write_header(&mut w)?;
    crate::regions::write_rows(&mut w, &[strategy.to_string()], regions, 0, seed, &[figures.to_vec()])?;
    w.flush()
}

/// The header of `runs.csv`.
pub fn runs_header() -> Vec<&'static str> {
    let mut h = vec!["strategy", "replication", "seed"];
    h.extend(Metrics::COLUMNS);
    h
}

/// Why a CSV header `found` is not `want`, in words a user can act on.
/// A header that stops short of `want` was written by an older version of
/// cutover (metrics are only ever appended): it names the columns it lacks
/// and says to run again. Anything else names the first column that
/// differs.
pub fn header_mismatch(found: &[&str], want: &[&str]) -> String {
    let common = found.iter().zip(want).take_while(|(a, b)| a == b).count();
    if common == found.len() && common < want.len() {
        let missing = &want[common..];
        let shown: Vec<&str> = missing.iter().take(4).copied().collect();
        let more = if missing.len() > shown.len() {
            format!(" and {} more", missing.len() - shown.len())
        } else {
            String::new()
        };
        return format!(
            "written by an older version of cutover: it lacks the column{} {}{more} that this version writes; run it again with this version",
            if missing.len() == 1 { "" } else { "s" },
            shown.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "),
        );
    }
    if common == want.len() {
        return format!(
            "has {} column{} more than this version writes (from `{}`): written by a newer version of cutover?",
            found.len() - common,
            if found.len() - common == 1 { "" } else { "s" },
            found[common],
        );
    }
    format!(
        "unexpected header: column {} is `{}` where this version writes `{}`",
        common + 1,
        cut(found[common]),
        want[common],
    )
}

/// `s` cut to 40 characters (with `…` when cut), for a message.
fn cut(s: &str) -> String {
    match s.char_indices().nth(40) {
        None => s.to_string(),
        Some((i, _)) => format!("{}…", &s[..i]),
    }
}

/// Appends the rows of one replication to `runs.csv` (one per strategy).
pub fn write_runs<W: io::Write>(
    w: &mut csv::Writer<W>,
    strategies: &[String],
    seed: u64,
    rep: &Replication,
) -> io::Result<()> {
    for (name, values) in strategies.iter().zip(&rep.values) {
        let mut rec = Vec::with_capacity(values.len() + 3);
        rec.push(name.clone());
        rec.push(rep.index.to_string());
        rec.push(seed.to_string());
        rec.extend(values.iter().cloned());
        w.write_record(&rec)?;
    }
    Ok(())
}

/// A statistic with at least six decimals and six significant digits;
/// not-a-number as an empty cell.
pub fn num(x: f64) -> String {
    if !x.is_finite() {
        return String::new();
    }
    // Six decimals, or more for small values so that every value keeps at
    // least six significant digits (0.000302033, not 0.000302); values
    // below 1e-24 print as zero. `+ 0.0` turns a negative zero into zero,
    // so "-0.000000" never appears.
    let decimals = if x == 0.0 {
        6
    } else {
        (5 - x.abs().log10().floor() as i64).clamp(6, 30) as usize
    };
    format!("{:.*}", decimals, x + 0.0)
}

/// Writes `summary.csv`.
pub fn write_summary<W: io::Write>(out: W, rows: &[SummaryRow]) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "strategy",
        "population",
        "metric",
        "n",
        "mean",
        "sd",
        "ci95_low",
        "ci95_high",
        "p50",
        "p95",
        "p99",
        "min",
        "max",
        "threshold",
        "p_exceed",
    ])?;
    for r in rows {
        let (t, p) = match r.threshold {
            Some((t, p)) => (num(t), num(p)),
            None => (String::new(), String::new()),
        };
        w.write_record([
            r.strategy.clone(),
            r.population.name().to_string(),
            r.metric.to_string(),
            r.n.to_string(),
            num(r.mean),
            num(r.sd),
            num(r.ci95_low),
            num(r.ci95_high),
            num(r.p50),
            num(r.p95),
            num(r.p99),
            num(r.min),
            num(r.max),
            t,
            p,
        ])?;
    }
    w.flush()
}

/// Writes `diff.csv`.
pub fn write_diff<W: io::Write>(out: W, rows: &[DiffRow]) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "strategy",
        "baseline",
        "population",
        "metric",
        "n",
        "mean_diff",
        "sd_diff",
        "ci95_low",
        "ci95_high",
    ])?;
    for r in rows {
        w.write_record([
            r.strategy.clone(),
            r.baseline.clone(),
            r.population.name().to_string(),
            r.metric.to_string(),
            r.n.to_string(),
            num(r.mean),
            num(r.sd),
            num(r.ci95_low),
            num(r.ci95_high),
        ])?;
    }
    w.flush()
}

/// `manifest.json`: everything needed to reproduce a result, and to check
/// that shards belong together.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `cutover`.
    pub tool: String,
    /// The tool's version.
    pub version: String,
    /// What produced the folder: `compare`, `merge` or `sweep`.
    pub kind: String,
    /// The command line.
    pub command: Vec<String>,
    /// The scenario's name.
    pub scenario: String,
    /// The scenario file as given, or `null` for the built-in default.
    pub scenario_file: Option<String>,
    /// SHA-256 of the scenario text.
    pub scenario_sha256: String,
    /// Master seed.
    pub seed: u64,
    /// Strategies, in order.
    pub strategies: Vec<String>,
    /// The strategy differences are taken against.
    pub baseline: String,
    /// Total replications of the study (all shards).
    pub runs: u64,
    /// First replication in this folder.
    pub first_replication: u64,
    /// Replications in this folder.
    pub replications: u64,
    /// `[k, n]` for shard k of n.
    pub shard: Option<[u64; 2]>,
    /// Thresholds used for exceedance probabilities.
    pub thresholds: Vec<(String, f64)>,
    /// The precision target, when replications were added until it was met.
    pub ci_target: Option<f64>,
    /// SHA-256 of every file written into the folder, by path relative to
    /// it (`runs.csv`, `charts/diff.png`), the manifest itself excepted.
    /// Format 1 manifests listed only the CSV files.
    pub files: Vec<(String, String)>,
    /// 2 (this version) or 1 (older, where the field is absent): see
    /// [`crate::results::MANIFEST_FORMAT`].
    #[serde(default = "format_1")]
    pub format: u32,
    /// The scenario file relative to this folder (or absolute when no
    /// relative path exists), so that it is found from any working folder;
    /// `null` for the built-in default and in format 1 manifests.
    #[serde(default)]
    pub scenario_path: Option<String>,
}

fn format_1() -> u32 {
    1
}

/// Writes a manifest as pretty JSON.
pub fn write_manifest<W: io::Write>(mut out: W, m: &Manifest) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut out, m).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

/// A whole number with thousands separators: `1,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::Step;
    use crate::sim::events::{DropCause, Event, Record};
    use crate::time::SimTime;

    #[test]
    fn a_header_mismatch_says_what_differs() {
        let want = ["a", "b", "c", "d"];
        let older = header_mismatch(&["a", "b"], &want);
        assert!(older.contains("older version") && older.contains("`c`, `d`"), "{older}");
        let one = header_mismatch(&["a", "b", "c"], &want);
        assert!(one.contains("the column `d`"), "{one}");
        let newer = header_mismatch(&["a", "b", "c", "d", "e"], &want);
        assert!(newer.contains("1 column more") && newer.contains("`e`"), "{newer}");
        let other = header_mismatch(&["a", "x", "c"], &want);
        assert!(
            other.contains("column 2 is `x` where this version writes `b`"),
            "{other}"
        );
        let empty = header_mismatch(&[], &want);
        assert!(empty.contains("older version"), "{empty}");
    }

    #[test]
    fn events_are_quoted_csv() {
        let mut buf = Vec::new();
        let mut log = EventLog::new(
            vec!["A".into(), "B".into()],
            vec![Step::Notify {
                what: "say \"hi\", twice".into(),
            }],
        );
        let at = |ms: u64, event: Event| Record {
            time: SimTime(ms),
            event,
        };
        log.push(at(
            1_500,
            Event::SessionsDropped {
                node: 1,
                sessions: 3,
                cause: DropCause::Upgrade,
            },
        ));
        log.push(at(2_000, Event::Notify { step: 0 }));
        log.push(at(2_000, Event::SiteDown));
        write_events(&mut buf, &log).unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "time_s,entity,event,detail,local\n1.500,B,sessions_dropped,3 sessions (upgrade),mon 00:00:01\n\
             2.000,runbook,notify,\"say \"\"hi\"\", twice\",mon 00:00:02\n2.000,site,down,,mon 00:00:02\n"
        );
    }

    #[test]
    fn metrics_columns_are_fixed() {
        let mut buf = Vec::new();
        let m = Metrics {
            downtime_ms: 2_700_000,
            ..Metrics::default()
        };
        write_metrics(&mut buf, &[("single", 7, &m)]).unwrap();
        let text = String::from_utf8(buf).unwrap();
        let mut lines = text.lines();
        assert!(
            lines
                .next()
                .unwrap()
                .starts_with("strategy,seed,downtime_s,failed_connects,")
        );
        assert!(lines.next().unwrap().starts_with("single,7,2700.000,0,"));
    }
}

#[cfg(test)]
mod num_tests {
    use super::{num, thousands};

    #[test]
    fn thousands_are_grouped_by_three_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(100_000), "100,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn statistics_keep_six_significant_digits() {
        assert_eq!(num(0.0), "0.000000");
        assert_eq!(num(-0.0), "0.000000");
        assert_eq!(num(3_600_000.0), "3600000.000000");
        assert_eq!(num(1.5), "1.500000");
        assert_eq!(num(0.123456789), "0.123457");
        assert_eq!(num(0.000302033), "0.000302033");
        assert_eq!(num(-0.0000123456789), "-0.0000123457");
        assert_eq!(num(f64::NAN), "");
        // Every value from 1e-20 to 1e9 reads back within 5e-6 relative.
        let mut x = 1.234567891e-20;
        while x < 1e9 {
            let back: f64 = num(x).parse().unwrap();
            assert!((back / x - 1.0).abs() < 5e-6, "{x} -> {}", num(x));
            x *= 3.7;
        }
    }
}
