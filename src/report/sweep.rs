//! What a sweep says, printed: a table of the first priority's mean per
//! strategy at each point, the recommendation at each point in words (the
//! bottom line's rule, [`crate::decision::bottom_line`]), and where the
//! recommendation changes across the sweep.
//!
//! Plain data in, text out: the study fills [`SweepPoint`]s, so tests can
//! word them from fixed numbers.

use std::fmt::Write;

use super::chart::fmt_metric;
use super::doc::{Span, Text, wrap};
use super::sensitivity::and_list;
use crate::decision::{BottomLine, Evidence};
use crate::metrics::Metric;
use crate::montecarlo::SummaryRow;

/// One point of a sweep, as the printed table needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepPoint {
    /// The swept fields' values in words (`400 GB`, `3 days`).
    pub values: Vec<String>,
    /// The strategies compared there, in order.
    pub strategies: Vec<String>,
    /// The summary rows the bottom line read.
    pub rows: Vec<SummaryRow>,
    /// The bottom line there.
    pub line: BottomLine,
}

impl SweepPoint {
    fn evidence(&self) -> Evidence<'_> {
        Evidence {
            strategies: &self.strategies,
            summary: &self.rows,
            pairs: &[],
            negligible: &[],
        }
    }

    fn name(&self, s: usize) -> &str {
        self.strategies.get(s).map_or("?", String::as_str)
    }

    /// The recommended strategy.
    pub fn pick(&self) -> &str {
        self.name(self.line.pick)
    }

    /// The point's values, joined: `400 GB` or `400 GB, 3 days`.
    pub fn at(&self) -> String {
        self.values.join(", ")
    }

    /// The recommendation at this point and why, in one sentence:
    /// `400 GB: failover-async-dns, best on downtime (0 min against 0.37
    /// min for failover-async-shared-ip).`
    pub fn sentence(&self) -> String {
        let line = &self.line;
        let ev = self.evidence();
        let mut out = format!("{}: {}", self.at(), self.pick());
        let mean = |s: usize, m: &Metric| ev.mean(s, m.name).map_or("–".to_string(), |v| fmt_metric(m.name, v));
        if self.strategies.len() == 1 {
            out.push_str(", the only strategy compared");
        } else if line.steps.is_empty() {
            out.push_str(", the strategies tie on every priority");
        } else {
            let steps: Vec<String> = line
                .steps
                .iter()
                .map(|st| {
                    let m = st.metric;
                    let others: Vec<String> = st
                        .kept
                        .iter()
                        .filter(|s| **s != line.pick)
                        .map(|s| self.name(*s).to_string())
                        .collect();
                    let out_of: Vec<usize> = st.before.iter().copied().filter(|s| !st.kept.contains(s)).collect();
                    let best = if others.is_empty() {
                        format!("best on {}", m.words)
                    } else {
                        format!("tied best on {} with {}", m.words, and_list(&others))
                    };
                    match ev.best(&out_of, m) {
                        Some(r) => format!(
                            "{best} ({} against {} for {})",
                            mean(line.pick, m),
                            mean(r, m),
                            self.name(r)
                        ),
                        None => best,
                    }
                })
                .collect();
            let _ = write!(out, ", {}", steps.join("; then "));
        }
        if !line.equivalent.is_empty() {
            let tied: Vec<String> = line.equivalent.iter().map(|s| self.name(*s).to_string()).collect();
            let _ = write!(out, "; as good on every priority: {}", and_list(&tied));
        }
        for b in &line.breaches {
            let _ = write!(
                out,
                "; beware: over your {} limit of {} in {} of {} runs",
                b.metric.words,
                fmt_metric(b.metric.name, b.limit),
                b.over,
                b.n
            );
        }
        if !line.breaches.is_empty() && line.within_limits.is_empty() {
            out.push_str(", and no strategy keeps within all your limits");
        }
        out.push('.');
        out
    }
}

/// The printed table: a column per swept field (its label) and per
/// strategy, a row per point with `metric`'s mean for each strategy, `*`
/// beside the recommended one.
pub fn table(labels: &[String], metric: &Metric, points: &[SweepPoint]) -> String {
    let Some(first) = points.first() else {
        return String::new();
    };
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut header: Vec<String> = labels.to_vec();
    header.extend(first.strategies.iter().cloned());
    rows.push(header);
    for p in points {
        let ev = p.evidence();
        let mut row = p.values.clone();
        for (s, _) in first.strategies.iter().enumerate() {
            let cell = ev
                .mean(s, metric.name)
                .map_or("–".to_string(), |v| fmt_metric(metric.name, v));
            row.push(if s == p.line.pick { format!("{cell} *") } else { cell });
        }
        rows.push(row);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |x| x.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = format!("Mean {} at each point (* the recommended strategy):\n", metric.words);
    for r in &rows {
        let cells: Vec<String> = r.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// Where the recommendation stands across the sweep, in one sentence.
/// `ordered`: the points are one field's values in their order, so that
/// a change can be placed between two of them.
pub fn across(points: &[SweepPoint], ordered: bool) -> String {
    let Some(first) = points.first() else {
        return String::new();
    };
    let last = &points[points.len() - 1];
    if points.iter().all(|p| p.pick() == first.pick()) {
        return if points.len() == 1 {
            format!("Across the sweep: {} at its one point.", first.pick())
        } else if ordered {
            format!(
                "Across the sweep: {} at every value, from {} to {}.",
                first.pick(),
                first.at(),
                last.at()
            )
        } else {
            format!("Across the sweep: {} at all {} points.", first.pick(), points.len())
        };
    }
    if ordered {
        // Runs of neighbouring values with the same recommendation.
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for (i, p) in points.iter().enumerate() {
            match runs.last_mut() {
                Some(r) if points[r.0].pick() == p.pick() => r.1 = i,
                _ => runs.push((i, i)),
            }
        }
        let parts: Vec<String> = runs
            .iter()
            .map(|&(a, b)| {
                let pick = points[a].pick();
                match b - a {
                    0 => format!("{pick} at {}", points[a].at()),
                    1 => format!("{pick} at {} and {}", points[a].at(), points[b].at()),
                    _ => format!("{pick} from {} to {}", points[a].at(), points[b].at()),
                }
            })
            .collect();
        let changes: Vec<String> = runs
            .windows(2)
            .map(|w| format!("between {} and {}", points[w[0].1].at(), points[w[1].0].at()))
            .collect();
        return format!(
            "Across the sweep: {}; the recommendation changes {}.",
            parts.join("; "),
            and_list(&changes)
        );
    }
    // Names, yes/no or a grid: how many points each strategy wins, most
    // first, and where the others win.
    let mut picks: Vec<(&str, Vec<String>)> = Vec::new();
    for p in points {
        match picks.iter_mut().find(|(s, _)| *s == p.pick()) {
            Some((_, at)) => at.push(p.at()),
            None => picks.push((p.pick(), vec![p.at()])),
        }
    }
    picks.sort_by_key(|(_, at)| std::cmp::Reverse(at.len()));
    let parts: Vec<String> = picks
        .iter()
        .enumerate()
        .map(|(i, (s, at))| {
            if i == 0 {
                format!("{s} at {} of {} points", at.len(), points.len())
            } else {
                format!("{s} at {}", at.join("; "))
            }
        })
        .collect();
    format!("Across the sweep: {}.", parts.join("; "))
}

/// Text wrapped at 100 columns, its first line starting at column
/// `first`, the next ones indented by `indent`.
fn wrapped(s: &str, first: usize, indent: usize) -> String {
    let text = Text(vec![Span {
        text: s.to_string(),
        strong: false,
        code: false,
    }]);
    wrap(&text, first, 100, indent)
}

/// Most points whose bottom lines are all printed; past it, only the
/// first point's and those where the recommendation changes.
pub const MAX_PRINTED_LINES: usize = 20;

/// All a sweep prints after its run: the [`table`] of `metric` (the first
/// priority), the bottom line at each point ([`SweepPoint::sentence`];
/// with more than [`MAX_PRINTED_LINES`] points, at the first and where the
/// recommendation changes), and [`across`] the sweep.
pub fn printed(labels: &[String], metric: Option<&Metric>, points: &[SweepPoint], ordered: bool) -> String {
    let mut out = String::from("\n");
    if let Some(m) = metric {
        out.push_str(&table(labels, m, points));
        out.push('\n');
    }
    let all = points.len() <= MAX_PRINTED_LINES;
    out.push_str(if all {
        "Bottom line at each point:\n"
    } else {
        "Bottom line at the first point and where the recommendation changes:\n"
    });
    for (i, p) in points.iter().enumerate() {
        if all || i == 0 || points[i - 1].pick() != p.pick() {
            let _ = writeln!(out, "  {}", wrapped(&p.sentence(), 2, 4));
        }
    }
    let _ = writeln!(out, "\n{}", wrapped(&across(points, ordered), 0, 2));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision::{Breach, Step};
    use crate::metrics::find;
    use crate::montecarlo::Runs;

    fn row(strategy: &str, metric: &str, mean: f64) -> SummaryRow {
        SummaryRow {
            strategy: strategy.into(),
            metric: find(metric).unwrap().name,
            n: 50,
            mean,
            ci95_low: mean,
            ci95_high: mean,
            population: Runs::All,
            sd: 0.0,
            p50: mean,
            p95: mean,
            p99: mean,
            min: mean,
            max: mean,
            nonzero: 50,
            threshold: None,
            exceed: 0,
        }
    }

    /// Three strategies at one value: `b` and `c` tie on downtime, `c`
    /// has fewer dropped sessions.
    fn point(value: &str, pick: usize) -> SweepPoint {
        let names = ["a", "b", "c"].map(String::from).to_vec();
        let (down, dropped) = (find("downtime_s").unwrap(), find("dropped_sessions").unwrap());
        SweepPoint {
            values: vec![value.into()],
            rows: vec![
                row("a", "downtime_s", 3000.0),
                row("b", "downtime_s", 12.0),
                row("c", "downtime_s", 0.0),
                row("a", "dropped_sessions", 4.0),
                row("b", "dropped_sessions", 3.0),
                row("c", "dropped_sessions", 0.0),
            ],
            strategies: names,
            line: BottomLine {
                pick,
                within_limits: vec![0],
                breaches: vec![Breach {
                    metric: find("exposure_s").unwrap(),
                    limit: 86_400.0,
                    over: 50,
                    n: 50,
                }],
                steps: vec![
                    Step {
                        metric: down,
                        before: vec![0, 1, 2],
                        kept: vec![1, 2],
                        best: 2,
                    },
                    Step {
                        metric: dropped,
                        before: vec![1, 2],
                        kept: vec![pick],
                        best: 2,
                    },
                ],
                equivalent: vec![],
                costs: vec![],
            },
        }
    }

    #[test]
    fn a_point_says_its_pick_why_and_what_it_breaks() {
        assert_eq!(
            point("50 GB", 2).sentence(),
            "50 GB: c, tied best on downtime with b (0 min against 50 min for a); then best on dropped \
             sessions (0 against 3 for b); beware: over your exposure limit of 24 h in 50 of 50 runs."
        );
        let t = table(
            &["Stored data (GB)".into()],
            find("downtime_s").unwrap(),
            &[point("50 GB", 2)],
        );
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "Mean downtime at each point (* the recommended strategy):");
        assert_eq!(lines[1], "Stored data (GB)  a       b         c");
        assert_eq!(lines[2], "50 GB             50 min  0.20 min  0 min *");
    }

    #[test]
    fn across_the_sweep_the_changes_are_placed_between_neighbours() {
        let pts: Vec<SweepPoint> = [("50 GB", 2), ("100 GB", 2), ("200 GB", 1), ("400 GB", 1), ("800 GB", 1)]
            .iter()
            .map(|(v, p)| point(v, *p))
            .collect();
        assert_eq!(
            across(&pts, true),
            "Across the sweep: c at 50 GB and 100 GB; b from 200 GB to 800 GB; the recommendation changes \
             between 100 GB and 200 GB."
        );
        assert_eq!(
            across(&pts[..2], true),
            "Across the sweep: c at every value, from 50 GB to 100 GB."
        );
        // Names or a grid: no order, counted.
        assert_eq!(
            across(&pts, false),
            "Across the sweep: b at 3 of 5 points; c at 50 GB; 100 GB."
        );
        let out = printed(&["Stored data (GB)".into()], find("downtime_s"), &pts, true);
        assert_eq!(out.matches(": c, ").count() + out.matches(": b, ").count(), 5, "{out}");
        // Many points: a bottom line where the pick changes only.
        let many: Vec<SweepPoint> = (0..30)
            .map(|i| point(&format!("{i} GB"), usize::from(i >= 12) + 1))
            .collect();
        let out = printed(&["Stored data (GB)".into()], None, &many, true);
        let said: Vec<&str> = out
            .lines()
            .filter(|l| l.starts_with("  ") && l.contains("GB: "))
            .collect();
        assert_eq!(said.len(), 2, "{out}");
        assert!(
            said[0].starts_with("  0 GB: b") && said[1].starts_with("  12 GB: c"),
            "{said:?}"
        );
    }
}
