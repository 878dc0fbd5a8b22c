//! The comparison table `compare` prints: per key metric, the mean and its
//! 95 % CI for each strategy, and the strategy with the lowest mean.
//!
//! Rows follow the key metrics of [`crate::metrics::METRICS`] by rank; a
//! metric that is zero in every replication is left out unless the table
//! marks it as always printed. Values are shown by their unit: times in
//! s, m, h or d with one decimal, probabilities as percentages with three
//! decimals, ratios as whole percentages, counts with one decimal.

use crate::metrics::{self, Unit};
use crate::montecarlo::SummaryRow;

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
        Unit::Count | Unit::Flag => format!("{x:.1}"),
    }
}

/// The comparison table: mean and 95 % CI per strategy, and the strategy
/// with the lowest mean for each key metric (every key metric is one where
/// lower is better).
pub fn render(names: &[String], summary: &[SummaryRow]) -> String {
    let width = names.iter().map(|n| n.len()).max().unwrap_or(8).max(22);
    let mut out = format!("{:<20}", "metric (mean, 95% CI)");
    for n in names {
        out.push_str(&format!("  {n:<width$}"));
    }
    out.push_str("  lowest\n");
    for m in metrics::key_metrics() {
        let metric = m.name;
        let rows: Vec<Option<&SummaryRow>> = names
            .iter()
            .map(|n| summary.iter().find(|r| &r.strategy == n && r.metric == metric))
            .collect();
        let means: Vec<f64> = rows.iter().map(|r| r.map_or(0.0, |r| r.mean)).collect();
        let always_zero = rows.iter().all(|r| r.is_none_or(|r| r.max == 0.0 && r.min == 0.0));
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
        let best = means.iter().cloned().fold(f64::INFINITY, f64::min);
        let winners: Vec<&str> = names
            .iter()
            .zip(&means)
            .filter(|(_, m)| **m == best)
            .map(|(n, _)| n.as_str())
            .collect();
        let verdict = if winners.len() == names.len() && names.len() > 1 {
            "(all equal)".to_string()
        } else {
            winners.join(", ")
        };
        out.push_str(&format!("  {verdict}\n"));
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
    }

    fn row(strategy: &str, metric: &'static str, mean: f64, max: f64) -> SummaryRow {
        SummaryRow {
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
            threshold: None,
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
        let t = render(&names, &summary);
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[0].starts_with("metric (mean, 95% CI)") && lines[0].ends_with("lowest"));
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
        assert!(lines[1].ends_with("(all equal)"), "{}", lines[1]);
        assert!(lines[5].ends_with("  b"), "{}", lines[5]);
        assert!(lines[2].contains("  -  "), "{}", lines[2]);
    }
}
