//! What the commands print: the comparison table of `compare`, the summary
//! of one `run`, and the runbooks `strategies` lists.
//!
//! The comparison table gives, per key metric, the mean and its 95 %
//! interval for each strategy, and the best strategy: named only when the
//! paired difference against every other excludes zero (and is not
//! negligible by the scenario's priorities), otherwise a tie. Rows follow
//! the key metrics of [`crate::metrics::METRICS`] by rank; a metric that is
//! zero in every replication is left out unless the table marks it as
//! always printed; the faults follow whenever one happened. Values are
//! shown by their unit: times in s, m, h or d with one decimal,
//! probabilities as percentages with three decimals, shares of runs and
//! ratios as percentages, counts with one decimal. The bottom line of the
//! report follows the table.

use std::fmt::Write;

use crate::decision::{Evidence, Verdict, applies, verdict};
use crate::metrics::{self, Metrics, Unit};
use crate::model::calendar::WEEKDAYS;
use crate::model::site::Site;
use crate::montecarlo::{Aggregator, DiffRow, Imprecise, SummaryRow};
use crate::scenario::Scenario;
use crate::time::{MS_PER_DAY, MS_PER_HOUR, MS_PER_MIN, SimDuration, SimTime};

/// A value of `unit` as the printed table shows it.
pub fn show(unit: Unit, x: f64) -> String {
    let x = if x.abs() < 5e-7 { 0.0 } else { x };
    match unit {
        Unit::Seconds | Unit::Instant => {
            let s = x.abs();
            let v = if s >= 86_400.0 {
                format!("{:.1}d", s / 86_400.0)
            } else if s >= 3600.0 {
                format!("{:.1}h", s / 3600.0)
            } else if s >= 60.0 {
                format!("{:.1}m", s / 60.0)
            } else {
                format!("{s:.0}s")
            };
            if x < 0.0 { format!("-{v}") } else { v }
        }
        Unit::Probability => format!("{:.3}%", x * 100.0),
        Unit::Ratio => format!("{:.0}%", x * 100.0),
        Unit::Flag => format!("{:.1}%", x * 100.0),
        Unit::Count => format!("{x:.1}"),
    }
}

/// The comparison table: mean and 95 % interval per strategy, and the best
/// strategy of each key metric and fault shown, or a tie (see the module
/// doc). `pairs` are the paired differences known; `negligible` the
/// differences of means too small to matter, by column. Metrics that do
/// not apply to `site` (exposure without a backup) are left out. When some
/// procedures were aborted, a note after the table says how many: their
/// figures stop at the abort.
pub fn comparison(
    names: &[String],
    summary: &[SummaryRow],
    pairs: &[DiffRow],
    negligible: &[f64],
    site: &Site,
) -> String {
    let width = names.iter().map(|n| n.len()).max().unwrap_or(8).max(22);
    let ev = Evidence {
        strategies: names,
        summary,
        pairs,
        negligible,
    };
    let all: Vec<usize> = (0..names.len()).collect();
    let mut out = format!("{:<20}", "metric (mean, 95% CI)");
    for n in names {
        out.push_str(&format!("  {n:<width$}"));
    }
    out.push_str("  best\n");
    let shown = metrics::key_metrics()
        .into_iter()
        .chain(metrics::faults().filter(|m| m.key.is_none()));
    for m in shown.filter(|m| applies(m.sites, site)) {
        let metric = m.name;
        let rows: Vec<Option<&SummaryRow>> = names
            .iter()
            .map(|n| summary.iter().find(|r| &r.strategy == n && r.metric == metric))
            .collect();
        let always_zero = rows.iter().all(|r| r.is_none_or(|r| r.all_zero()));
        if always_zero && !m.printed_when_zero() {
            continue;
        }
        out.push_str(&format!("{metric:<20}"));
        for r in &rows {
            let cell = match r {
                Some(r) => format!(
                    "{} [{}, {}]",
                    show(m.unit, r.mean),
                    show(m.unit, r.ci95_low),
                    show(m.unit, r.ci95_high)
                ),
                None => "-".into(),
            };
            out.push_str(&format!("  {cell:<width$}"));
        }
        let verdict = match verdict(&ev, &all, m) {
            Verdict::Best(s) if names.len() > 1 => names[s].clone(),
            Verdict::Tie(t) if t.len() == names.len() => "tie".to_string(),
            Verdict::Tie(t) => format!(
                "tie ({})",
                t.iter().map(|s| names[*s].as_str()).collect::<Vec<_>>().join(", ")
            ),
            _ => "-".to_string(),
        };
        out.push_str(&format!("  {verdict}\n"));
    }
    let aborted: Vec<String> = names
        .iter()
        .filter_map(|n| {
            let r = summary.iter().find(|r| &r.strategy == n && r.metric == "aborted")?;
            (r.nonzero > 0).then(|| format!("{n} in {} of {} runs", r.nonzero, r.n))
        })
        .collect();
    if !aborted.is_empty() {
        let _ = writeln!(
            out,
            "aborted: {}; the means above include those runs up to the abort (the report shows them apart)",
            aborted.join(", ")
        );
    }
    out
}

/// The bottom line of the report, as plain text after the table.
pub fn bottom_line(sc: &Scenario, agg: &Aggregator) -> String {
    let text = crate::report::doc::Text::parse(&crate::report::page::bottom_line_for(sc, agg));
    format!("\nBottom line: {}\n\n", crate::report::doc::wrap(&text, 13, 100, 2))
}

/// A value of `unit` to three significant digits, in seconds for times
/// and percent for probabilities and shares: precision, not presentation.
fn significant(unit: Unit, x: f64) -> String {
    let (x, suffix) = match unit {
        Unit::Seconds | Unit::Instant => (x, " s"),
        Unit::Probability | Unit::Flag | Unit::Ratio => (x * 100.0, " %"),
        Unit::Count => (x, ""),
    };
    let digits = if x == 0.0 || !x.is_finite() {
        0
    } else {
        (2.0 - x.abs().log10().floor()).clamp(0.0, 12.0) as usize
    };
    format!("{x:.digits$}{suffix}")
}

/// What `compare` says when a precision target was not met: the means that
/// miss it, ten at most, and what to do.
/// `rel` is the relative target, `abs` the absolute tolerances by column,
/// `misses` the means that miss both.
pub fn precision_missed(rel: f64, abs: &[f64], misses: &[Imprecise], done: u64) -> String {
    let mut out = format!(
        "warning: precision target ±{:.1}% NOT met after {done} replications (the --max-runs cap): {} mean{} miss it:\n",
        rel * 100.0,
        misses.len(),
        if misses.len() == 1 { "" } else { "s" }
    );
    for m in misses.iter().take(crate::model::site::MAX_LISTED) {
        let unit = metrics::find(m.metric).map_or(Unit::Count, |x| x.unit);
        let j = metrics::index(m.metric).unwrap_or(0);
        let _ = writeln!(
            out,
            "  {} of {}: {} ± {} (target ± {})",
            m.metric,
            m.strategy,
            significant(unit, m.mean),
            significant(unit, m.half),
            significant(unit, (rel * m.mean.abs()).max(abs.get(j).copied().unwrap_or(0.0)))
        );
    }
    if misses.len() > crate::model::site::MAX_LISTED {
        let _ = writeln!(out, "  and {} more", misses.len() - crate::model::site::MAX_LISTED);
    }
    out.push_str(
        "  set an absolute tolerance for a mean near zero (--ci-abs METRIC=VALUE), leave a metric out (--ci-metrics), or raise --max-runs\n",
    );
    out
}

/// A duration in whole seconds, as a scenario writes it (`1h5m`).
fn human(ms: u64) -> String {
    SimDuration(ms - ms % 1000).to_string()
}

/// An instant as weekday, time and week (`tue 22:00 (week 1)`).
fn weekday_time(ms: u64, offset: u64) -> String {
    let abs = ms + offset;
    let day = (abs / MS_PER_DAY) % 7;
    let week = abs / (7 * MS_PER_DAY);
    format!(
        "{} {:02}:{:02} (week {})",
        WEEKDAYS[day as usize],
        (abs % MS_PER_DAY) / MS_PER_HOUR,
        (abs % MS_PER_HOUR) / MS_PER_MIN,
        week + 1
    )
}

/// The summary `run` prints of one replication of `strategy`.
pub fn run_summary(sc: &Scenario, strategy: &str, seed: u64, m: &Metrics) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{} / {strategy}, seed {seed}", sc.name);
    let _ = writeln!(
        s,
        "  procedure         starts {}, takes {}; {} window(s), {} outside windows",
        match sc.calendar.clock() {
            // The dated form: the local date and time, daylight saving included.
            Some(_) => format!(
                "{} {}",
                sc.calendar.local_time().label(SimTime(m.procedure_start_ms)),
                sc.calendar.local_time().zone()
            ),
            None => weekday_time(m.procedure_start_ms, sc.calendar.start_offset_ms),
        },
        human(m.procedure_ms),
        m.windows_used,
        human(m.window_overrun_ms)
    );
    let _ = writeln!(s, "  downtime          {}", human(m.downtime_ms));
    let _ = writeln!(
        s,
        "  failed connects   {} ({} retries made)",
        m.failed_connects, m.retries
    );
    let _ = writeln!(s, "  dropped sessions  {}{}", m.dropped_sessions, drop_causes(m));
    let _ = writeln!(
        s,
        "  exposure          {} without failover (crash risk {:.4}%)",
        human(m.exposure_ms),
        m.exposure_risk * 100.0
    );
    let _ = writeln!(s, "  unsynced peak     {} records", m.unsynced_peak);
    let _ = writeln!(
        s,
        "  sessions          {} arrivals ({} reconnects), {} served, {} completed, {} active at end, over {}",
        m.arrivals,
        m.reconnects,
        m.served,
        m.completed,
        m.active_at_end,
        human(m.span_ms)
    );
    s
}

/// The dropped sessions by cause, those that happened: `` (drain timeout
/// 3, upgrade 22)``; nothing when none was dropped.
fn drop_causes(m: &Metrics) -> String {
    let causes = [
        ("drain timeout", m.dropped_drain_timeout),
        ("upgrade", m.dropped_upgrade),
        ("switch", m.dropped_switch),
        ("crash", m.dropped_crash),
        ("restore", m.dropped_restore),
        ("cutover", m.dropped_cutover),
    ];
    let parts: Vec<String> = causes
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(w, n)| format!("{w} {n}"))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

/// The figures per region `run` prints for an Atlas cluster (nothing for
/// other sites): time with no accepting node from the procedure's start
/// to the run's end, peak load during the procedure, sessions spilled to
/// another region.
pub fn run_regions(sc: &Scenario, regions: &[crate::sim::RegionFigures]) -> String {
    let mut s = String::new();
    if regions.is_empty() {
        return s;
    }
    let _ = writeln!(
        s,
        "  per region        {:<20}{:<24}spilled to another region",
        "no accepting node", "peak load (procedure)"
    );
    for (r, f) in sc.site.regions.iter().zip(regions) {
        let _ = writeln!(
            s,
            "    {:<16}{:<20}{:<24}{}",
            r.name,
            human(f.no_accepting_ms),
            show(Unit::Ratio, f.peak_load),
            f.spilled_sessions
        );
    }
    s
}

/// The strategies a scenario enables, step by step, resolved against its site.
pub fn strategies(s: &Scenario) -> String {
    let mut out = String::new();
    for rb in &s.runbooks {
        out.push_str(&format!("{}\n  {}\n", rb.name, rb.summary));
        for i in 0..rb.steps.len() {
            out.push_str(&format!("  {:>2}. {}\n", i + 1, rb.describe_step(i, &s.site)));
        }
        out.push('\n');
    }
    out
}

/// Every built-in runbook, as written (groups and nodes unresolved).
pub fn builtins() -> String {
    let mut out = String::from("Built-in runbooks (give a scenario to see them resolved against its site):\n\n");
    for rb in crate::runbook::builtin() {
        out.push_str(&format!("{} [{} site]\n  {}\n", rb.name, rb.site, rb.summary));
        for (i, step) in rb.steps.iter().enumerate() {
            let mut args = Vec::new();
            for (k, v) in [
                ("node", &step.node),
                ("group", &step.group),
                ("method", &step.method),
                ("to", &step.to),
                ("primary", &step.primary),
                ("backup", &step.backup),
                ("duration", &step.duration),
                ("timeout", &step.timeout),
                ("what", &step.what),
            ] {
                if let Some(v) = v {
                    args.push(format!("{k}={v}"));
                }
            }
            if let Some(v) = &step.nodes {
                args.push(format!("nodes={}", v.join(",")));
            }
            if let Some(v) = step.value {
                args.push(format!("value={v}"));
            }
            if let Some(v) = step.wait {
                args.push(format!("wait={v}"));
            }
            let line = format!("  {:>2}. {} {}", i + 1, step.verb, args.join(" "));
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_shown_by_unit() {
        assert_eq!(show(Unit::Seconds, 90_000.0), "1.0d");
        assert_eq!(show(Unit::Seconds, -5400.0), "-1.5h");
        assert_eq!(show(Unit::Seconds, 90.0), "1.5m");
        assert_eq!(show(Unit::Seconds, 4e-7), "0s");
        assert_eq!(show(Unit::Probability, 0.0056), "0.560%");
        assert_eq!(show(Unit::Ratio, 0.53), "53%");
        assert_eq!(show(Unit::Count, 2.25), "2.2");
        assert_eq!(significant(Unit::Count, 0.012_345), "0.0123");
        assert_eq!(significant(Unit::Seconds, 1234.4), "1234 s");
        assert_eq!(significant(Unit::Probability, 0.000_123_4), "0.0123 %");
    }

    fn row(strategy: &str, metric: &'static str, mean: f64, max: f64) -> SummaryRow {
        SummaryRow {
            population: crate::montecarlo::Runs::All,
            strategy: strategy.into(),
            metric,
            n: 10,
            mean,
            sd: 0.0,
            ci95_low: mean,
            ci95_high: mean,
            p50: mean,
            p95: mean,
            p99: mean,
            min: 0.0,
            max,
            nonzero: if max > 0.0 { 10 } else { 0 },
            threshold: None,
            exceed: 0,
        }
    }

    #[test]
    fn zero_rows_are_left_out_unless_always_printed() {
        let names = vec!["a".to_string(), "b".to_string()];
        let summary = vec![
            row("a", "downtime_s", 0.0, 0.0),
            row("b", "downtime_s", 0.0, 0.0),
            row("a", "records_lost", 0.0, 0.0),
            row("b", "records_lost", 0.0, 0.0),
            row("a", "unsynced_peak", 3.0, 5.0),
            row("b", "unsynced_peak", 2.0, 4.0),
        ];
        let t = comparison(&names, &summary, &[], &[], &Scenario::default_scenario().site);
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[0].starts_with("metric (mean, 95% CI)") && lines[0].ends_with("best"));
        // Always printed although zero: downtime, failed connects, dropped sessions, exposure.
        let firsts: Vec<&str> = lines[1..].iter().map(|l| l.split(' ').next().unwrap()).collect();
        assert_eq!(
            firsts,
            [
                "downtime_s",
                "failed_connects",
                "dropped_sessions",
                "exposure_s",
                "unsynced_peak"
            ]
        );
        assert!(lines[1].ends_with("  tie"), "{}", lines[1]);
        assert!(lines[5].ends_with("  b"), "{}", lines[5]);
        assert!(lines[2].contains("  -  "), "{}", lines[2]);
    }

    #[test]
    fn a_run_summary_and_the_runbooks_read_as_text() {
        let sc = Scenario::default_scenario();
        let m = Metrics {
            procedure_start_ms: 2 * MS_PER_HOUR,
            procedure_ms: 65 * MS_PER_MIN + 999,
            downtime_ms: 90_000,
            ..Metrics::default()
        };
        let text = run_summary(&sc, "failover-sync", 7, &m);
        assert!(text.starts_with("failover-pair / failover-sync, seed 7\n"), "{text}");
        assert!(text.contains(", takes 1h5m; "), "{text}");
        assert!(text.contains("  downtime          1m30s\n"), "{text}");
        assert_eq!(weekday_time(0, 0), "mon 00:00 (week 1)");
        assert_eq!(weekday_time(8 * MS_PER_DAY + 90 * MS_PER_MIN, 0), "tue 01:30 (week 2)");
        let listed = strategies(&sc);
        for name in &sc.strategies {
            assert!(listed.contains(&format!("{name}\n  ")), "{name}");
        }
        assert!(builtins().starts_with("Built-in runbooks"));
        assert!(builtins().contains("failover-sync [failover-pair site]"));
    }
}
