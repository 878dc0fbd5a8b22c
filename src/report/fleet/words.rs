//! The fleet report's words: the bottom line, what was simulated, the
//! stop, the tables of numbers.

use std::fmt::Write;

use super::Block;
use super::axis::fleet_day;
use super::chart_captions;
use crate::fleet::Fleet;
use crate::fleet::campaign::CampaignRun;
use crate::fleet::study::FleetStats;
use crate::fleet::table::{CAMPAIGN_METRICS, CampaignMetric};
use crate::metrics::Unit;
use crate::montecarlo::{Aggregator, SummaryRow};
use crate::report::page::{percent, share_of_runs, thousands};
use crate::stats::proportion_interval;
use crate::time::MS_PER_DAY;

pub(super) fn row<'a>(rows: &'a [SummaryRow], plan: &str, metric: &str) -> Option<&'a SummaryRow> {
    rows.iter().find(|r| r.strategy == plan && r.metric == metric)
}

/// P(done by deadline) of a plan, with its 95 % interval, when there is a
/// deadline and runs.
pub(super) fn done_share(rows: &[SummaryRow], plan: &str) -> Option<(u64, u64, f64, f64)> {
    let r = row(rows, plan, "done_by_deadline")?;
    if r.n == 0 {
        return None;
    }
    let (lo, hi) = proportion_interval(r.nonzero, r.n);
    Some((r.nonzero, r.n, lo, hi))
}

/// Empirical CDFs of the campaign length, one per plan.
fn days(s: f64) -> String {
    format!("{:.1} days", s / 86_400.0)
}

/// How a time metric reads in a row: days, hours or minutes by size.
fn time_scale(s: f64) -> (f64, &'static str) {
    if s >= 2.0 * 86_400.0 {
        (86_400.0, "days")
    } else if s >= 2.0 * 3600.0 {
        (3600.0, "h")
    } else {
        (60.0, "min")
    }
}

fn number(x: f64) -> String {
    let a = x.abs();
    if a >= 1000.0 {
        thousands(x.round() as u64)
    } else if a >= 100.0 || x.fract() == 0.0 {
        format!("{x:.0}")
    } else if a >= 1.0 {
        format!("{x:.1}")
    } else if a == 0.0 {
        "0".into()
    } else {
        format!("{x:.2}")
    }
}

/// A metric value in the row's unit.
fn cell(m: &CampaignMetric, x: f64, scale: (f64, &str)) -> String {
    match m.unit {
        Unit::Seconds | Unit::Instant => format!("{} {}", number(x / scale.0), scale.1),
        _ => number(x),
    }
}

fn metric_rows(rows: &[SummaryRow], plan: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for m in CAMPAIGN_METRICS.iter() {
        let Some(r) = row(rows, plan, m.name) else { continue };
        if r.n == 0 {
            continue;
        }
        let words = m.words.to_string();
        let cells = match m.name {
            "done_by_deadline" => vec![share_of_runs(r.nonzero, r.n), "—".into(), "—".into()],
            "stopped_at_wave" => vec![
                format!("stopped in {}", share_of_runs(r.nonzero, r.n)),
                if r.p50 > 0.0 {
                    format!("wave {:.0}", r.p50)
                } else {
                    "no stop".into()
                },
                if r.p95 > 0.0 {
                    format!("wave {:.0}", r.p95)
                } else {
                    "no stop".into()
                },
            ],
            _ => {
                let scale = time_scale(r.p50.max(r.mean));
                vec![
                    format!(
                        "{} [{}, {}]",
                        cell(m, r.mean, scale),
                        cell(m, r.ci95_low, scale),
                        cell(m, r.ci95_high, scale)
                    ),
                    cell(m, r.p50, scale),
                    cell(m, r.p95, scale),
                ]
            }
        };
        let mut line = vec![words];
        line.extend(cells);
        out.push(line);
    }
    out
}

fn plan_words(fleet: &Fleet, p: usize) -> String {
    let plan = &fleet.plans[p];
    let sizes: Vec<String> = plan.waves.iter().map(|w| w.len().to_string()).collect();
    let stop = if plan.stop_on.is_empty() {
        "never stops".to_string()
    } else {
        format!(
            "stops on {}",
            plan.stop_on
                .iter()
                .map(|s| format!("`{}`", s.word()))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let mut s = format!(
        "**{}**: {} waves of {} sites, at most {} site{} per window, bake {}, {stop}",
        plan.name,
        plan.waves.len(),
        sizes.join(", "),
        plan.max_sites_per_window,
        if plan.max_sites_per_window == 1 { "" } else { "s" },
        plan.bake
    );
    if !plan.description.is_empty() {
        let _ = write!(s, " ({})", plan.description);
    }
    s
}

fn simulated(fleet: &Fleet, runs: u64, seed: u64) -> Vec<String> {
    let mut out = Vec::new();
    out.push(format!(
        "{} sites of {} type{}; the campaign starts {} {:02}:{:02} ({})",
        thousands(fleet.sites.len() as u64),
        fleet.groups.len(),
        if fleet.groups.len() == 1 { "" } else { "s" },
        fleet.start.date(),
        fleet.start.hour(),
        fleet.start.minute(),
        fleet.zone_name
    ));
    for (g, group) in fleet.groups.iter().enumerate() {
        let members: Vec<usize> = (0..fleet.sites.len()).filter(|k| fleet.sites[*k].group == g).collect();
        let mut strategies: Vec<&str> = members.iter().map(|k| fleet.sites[*k].strategy.as_str()).collect();
        strategies.sort_unstable();
        strategies.dedup();
        out.push(format!(
            "**{}**: {} site{}, scenario `{}`, strategy {}",
            group.name,
            members.len(),
            if members.len() == 1 { "" } else { "s" },
            group.source,
            strategies
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for p in 0..fleet.plans.len() {
        out.push(format!("Plan {}", plan_words(fleet, p)));
    }
    out.push(match &fleet.operators {
        Some(o) => format!(
            "{} shared operator{}, each on one site at a time",
            o.count,
            if o.count == 1 { "" } else { "s" }
        ),
        None => "operators: not shared (each site has its own)".into(),
    });
    out.push(match (&fleet.deadline_text, fleet.deadline_unix_ms) {
        (Some(t), Some(d)) => format!(
            "deadline {t} ({} days after the start; done by it means every site done)",
            number(((d - fleet.start_unix_ms) as f64 / MS_PER_DAY as f64 * 10.0).round() / 10.0)
        ),
        _ => "no deadline".into(),
    });
    out.push(format!(
        "{} runs per plan, seed {seed}; every plan sees the same draws for the same site",
        thousands(runs)
    ));
    out
}

/// The report's bottom line across plans as plain text, for a terminal
/// (the report's emphasis and code marks left out).
pub fn bottom_line_text(fleet: &Fleet, stats: &FleetStats) -> String {
    let agg = &stats.agg;
    bottom_line(fleet, agg, &agg.summary())
        .replace("**", "")
        .replace('`', "")
}

/// The bottom line across plans.
fn bottom_line(fleet: &Fleet, agg: &Aggregator, rows: &[SummaryRow]) -> String {
    let plans = agg.strategies();
    if plans.is_empty() || agg.replications() == 0 {
        return "No runs were simulated.".into();
    }
    let get = |p: usize, m: &str| row(rows, &plans[p], m);
    let median = |p: usize| get(p, "campaign_s").map_or(f64::INFINITY, |r| r.p50);
    let mean = |p: usize| get(p, "campaign_s").map_or(f64::INFINITY, |r| r.mean);
    let mut order: Vec<usize> = (0..plans.len()).collect();
    order.sort_by(|a, b| median(*a).total_cmp(&median(*b)).then(mean(*a).total_cmp(&mean(*b))));
    let fast = order[0];
    let fname = &plans[fast];
    let mut s = String::new();
    let length = |p: usize| {
        get(p, "campaign_s").map_or(String::new(), |r| {
            format!(
                "{} (median; mean {} [{}, {}], p95 {})",
                days(r.p50),
                days(r.mean),
                days(r.ci95_low),
                days(r.ci95_high),
                days(r.p95)
            )
        })
    };
    if plans.len() == 1 {
        let _ = write!(s, "The campaign of plan **{fname}** takes {}.", length(fast));
    } else {
        let mut clear = Vec::new();
        let mut alike = Vec::new();
        for &o in &order[1..] {
            let d = agg.paired(o, fast, "campaign_s");
            match d {
                Some(d) if d.ci95_low > 0.0 => clear.push((o, d)),
                Some(d) => alike.push((o, Some(d))),
                None => alike.push((o, None)),
            }
        }
        if alike.is_empty() {
            let _ = write!(s, "**{fname}** finishes first: {}", length(fast));
            let others: Vec<String> = clear
                .iter()
                .map(|(o, d)| {
                    format!(
                        "**{}** takes {} more on average [{}, {}] (median {})",
                        plans[*o],
                        days(d.mean),
                        days(d.ci95_low),
                        days(d.ci95_high),
                        days(median(*o))
                    )
                })
                .collect();
            let _ = write!(s, "; {} (paired by run).", others.join("; "));
        } else {
            let names: Vec<String> = std::iter::once(fast)
                .chain(alike.iter().map(|(o, _)| *o))
                .map(|p| format!("**{}** ({})", plans[p], days(median(p))))
                .collect();
            let _ = write!(
                s,
                "The plans {} are alike in campaign length within their 95 % intervals (medians shown)",
                names.join(", ")
            );
            let diffs: Vec<String> = alike
                .iter()
                .filter_map(|(o, d)| {
                    d.as_ref().map(|d| {
                        format!(
                            "{} minus {}: {} [{}, {}]",
                            plans[*o],
                            fname,
                            days(d.mean),
                            days(d.ci95_low),
                            days(d.ci95_high)
                        )
                    })
                })
                .collect();
            if !diffs.is_empty() {
                let _ = write!(s, "; paired differences of means {}", diffs.join("; "));
            }
            s.push('.');
            if !clear.is_empty() {
                let slower: Vec<String> = clear
                    .iter()
                    .map(|(o, d)| {
                        format!(
                            "**{}** (+{} [{}, {}])",
                            plans[*o],
                            days(d.mean),
                            days(d.ci95_low),
                            days(d.ci95_high)
                        )
                    })
                    .collect();
                let _ = write!(s, " Clearly slower: {}.", slower.join(", "));
            }
            let _ = write!(s, " The shortest median is **{fname}**'s: {}.", length(fast));
        }
    }
    // The deadline.
    if fleet.deadline_unix_ms.is_some()
        && let Some((x, n, _, _)) = done_share(rows, fname)
    {
        let _ = write!(
            s,
            " **{fname}** is done by the deadline ({}) in {}.",
            fleet.deadline_text.as_deref().unwrap_or("?"),
            share_of_runs(x, n)
        );
        if plans.len() > 1 {
            let best = (0..plans.len())
                .filter_map(|p| done_share(rows, &plans[p]).map(|d| (p, d)))
                .max_by(|a, b| (a.1.0 as f64 / a.1.1 as f64).total_cmp(&(b.1.0 as f64 / b.1.1 as f64)));
            if let Some((b, (bx, bn, blo, _))) = best
                && b != fast
                && blo > proportion_interval(x, n).1
            {
                let _ = write!(
                    s,
                    " **{}** is done by it more often: {}.",
                    plans[b],
                    share_of_runs(bx, bn)
                );
            }
        }
    }
    // What it costs.
    let peak = |p: usize| get(p, "peak_sites_without_failover");
    let um = |p: usize| get(p, "user_minutes_lost");
    // The sites' time without failover, added up, in site-days.
    let exposed = |p: usize| get(p, "site_exposure_s").map(|r| r.mean / 86_400.0);
    if let (Some(pk), Some(u)) = (peak(fast), um(fast)) {
        let _ = write!(
            s,
            " What it costs: at its peak {} site{} without a working failover at once (mean [{}, {}], worst run {}), {} site-days without failover in all, and {} user-minutes lost (mean [{}, {}])",
            number(pk.mean),
            if pk.mean == 1.0 { "" } else { "s" },
            number(pk.ci95_low),
            number(pk.ci95_high),
            number(pk.max),
            exposed(fast).map_or("—".into(), |d| format!("{d:.1}")),
            number(u.mean),
            number(u.ci95_low),
            number(u.ci95_high)
        );
        let others: Vec<String> = order[1..]
            .iter()
            .filter_map(|&o| {
                Some(format!(
                    "**{}**: peak {}, {:.1} site-days, {} user-minutes",
                    plans[o],
                    number(peak(o)?.mean),
                    exposed(o)?,
                    number(um(o)?.mean)
                ))
            })
            .collect();
        if others.is_empty() {
            s.push('.');
        } else {
            let _ = write!(s, "; against {}.", others.join("; "));
        }
    }
    // A stopped campaign looks short: say so, first when most runs stopped.
    if let Some(st) = get(fast, "stopped_at_wave")
        && st.nonzero > 0
    {
        let at = stop_mode(agg, fast).map_or(String::new(), |(w, c)| {
            if c == st.nonzero {
                format!(" at wave {w}")
            } else {
                format!(", most often at wave {w}")
            }
        });
        let note = format!(
            "**{fname}** stopped in {}{at}: its campaign length is the time to the stop, not to a finished fleet.",
            share_of_runs(st.nonzero, st.n)
        );
        if 2 * st.nonzero >= st.n {
            s = format!("{note} {s}");
        } else {
            let _ = write!(s, " Beware: {note}");
        }
    }
    s
}

/// The wave most runs of plan `p` stopped at, and in how many runs.
fn stop_mode(agg: &Aggregator, p: usize) -> Option<(u64, u64)> {
    let n = agg.replications();
    let mut prev = 0.0;
    let mut best: Option<(u64, u64)> = None;
    for (x, f) in agg.ecdf(p, "stopped_at_wave") {
        let count = ((f - prev) * n as f64).round() as u64;
        prev = f;
        if x >= 0.5 && best.is_none_or(|b| count > b.1) {
            best = Some((x.round() as u64, count));
        }
    }
    best
}

/// The stop, in words, for each plan that stopped in some run.
fn stop_words(fleet: &Fleet, agg: &Aggregator, rows: &[SummaryRow], traces: &[CampaignRun]) -> Vec<String> {
    let mut out = Vec::new();
    for (p, name) in agg.strategies().iter().enumerate() {
        let Some(st) = row(rows, name, "stopped_at_wave") else {
            continue;
        };
        if st.nonzero == 0 {
            continue;
        }
        let Some((wave, count)) = stop_mode(agg, p) else {
            continue;
        };
        let plan = fleet.plans.get(p);
        let waves = plan.map_or(0, |pl| pl.waves.len());
        let ns = row(rows, name, "sites_not_started").map_or(0.0, |r| r.mean);
        let all_same = count == st.nonzero;
        let mut s = format!(
            "Plan **{name}**: in {} of {} runs the campaign stopped",
            percent(st.nonzero as f64 / st.n as f64),
            thousands(st.n)
        );
        if all_same {
            let _ = write!(s, " at wave {wave}");
        } else {
            let _ = write!(s, ", most often at wave {wave} ({} runs)", thousands(count));
        }
        if let Some(pl) = plan
            && !pl.stop_on.is_empty()
        {
            let words: Vec<String> = pl.stop_on.iter().map(|w| format!("`{}`", w.word())).collect();
            let _ = write!(
                s,
                ", when a site's outcome was one of its stop_on ({})",
                words.join(", ")
            );
        }
        s.push('.');
        // The traced run, when it stopped: which site, how, when.
        if let Some(run) = traces.get(p)
            && run.metrics.stopped_at_wave > 0
        {
            let w = run.metrics.stopped_at_wave as usize - 1;
            let stopper = run
                .sites
                .iter()
                .filter(|x| x.wave == w)
                .filter_map(|x| {
                    x.triggers
                        .iter()
                        .filter(|(_, why)| plan.is_some_and(|pl| pl.stop_on.contains(why)))
                        .map(|(t, why)| (*t, *why, x.site))
                        .min()
                })
                .min();
            if let Some((t, why, k)) = stopper {
                let _ = write!(
                    s,
                    " In replication 0 (the Gantt's), site {} ended `{}` on {}.",
                    fleet.sites.get(k).map_or("?", |x| x.name.as_str()),
                    why.word(),
                    fleet_day(fleet, t)
                );
            }
        }
        let never = if all_same {
            "The later waves never started"
        } else {
            "The waves after the stop never started"
        };
        if wave as usize >= waves && all_same {
            let _ = write!(
                s,
                " It was the last wave: on average {} sites were not started.",
                number(ns)
            );
        } else {
            let _ = write!(
                s,
                " {never}: on average {} of the {} sites were not started.",
                number(ns),
                thousands(fleet.sites.len() as u64)
            );
        }
        out.push(s);
    }
    out
}

pub(super) fn document(fleet: &Fleet, agg: &Aggregator, traces: &[CampaignRun], runs: u64, seed: u64) -> Vec<Block> {
    let rows = agg.summary();
    let mut out = vec![
        Block::H2("Bottom line".into()),
        Block::Bottom(bottom_line(fleet, agg, &rows)),
        Block::H2("What was simulated".into()),
        Block::List(simulated(fleet, runs, seed)),
    ];
    let stops = stop_words(fleet, agg, &rows, traces);
    if !stops.is_empty() {
        out.push(Block::H2("The stop".into()));
        for s in stops {
            out.push(Block::P(s));
        }
    }
    out.push(Block::H2("Key numbers by plan".into()));
    out.push(Block::Note(format!(
        "Mean with its 95 % interval, median and 95th percentile over {} runs per plan.",
        thousands(agg.replications())
    )));
    if agg.strategies().len() > 1 {
        out.push(Block::H3("The plans side by side".into()));
        out.push(side_by_side(fleet, agg, &rows));
    }
    for name in agg.strategies() {
        out.push(Block::H3(format!("Plan {name}")));
        out.push(Block::Table(
            vec![
                "metric".into(),
                "mean [95 % interval]".into(),
                "median".into(),
                "p95".into(),
            ],
            metric_rows(&rows, name),
        ));
    }
    out.push(Block::H2("Charts".into()));
    for (file, caption) in chart_captions(fleet, traces) {
        out.push(Block::Figure(file, caption));
    }
    out.push(Block::H2("The metrics".into()));
    out.push(Block::List(
        CAMPAIGN_METRICS
            .iter()
            .map(|m| format!("**{}** (`{}`): {}", m.words, m.name, m.meaning))
            .collect(),
    ));
    out
}

/// One row per plan: the numbers the bottom line weighs.
fn side_by_side(fleet: &Fleet, agg: &Aggregator, rows: &[SummaryRow]) -> Block {
    let mut head = vec!["plan".to_string(), "campaign length, median (p95)".into()];
    if fleet.deadline_unix_ms.is_some() {
        head.push("done by the deadline".into());
    }
    head.extend([
        "peak sites without failover, mean".into(),
        "user-minutes lost, mean".into(),
        "runs stopped".into(),
    ]);
    let body = agg
        .strategies()
        .iter()
        .map(|name| {
            let get = |m: &str| row(rows, name, m);
            let mut r = vec![format!("**{name}**")];
            r.push(get("campaign_s").map_or("—".into(), |x| format!("{} ({})", days(x.p50), days(x.p95))));
            if fleet.deadline_unix_ms.is_some() {
                r.push(done_share(rows, name).map_or("—".into(), |(x, n, _, _)| share_of_runs(x, n)));
            }
            r.push(get("peak_sites_without_failover").map_or("—".into(), |x| number(x.mean)));
            r.push(get("user_minutes_lost").map_or("—".into(), |x| number(x.mean)));
            r.push(get("stopped_at_wave").map_or("—".into(), |x| share_of_runs(x.nonzero, x.n)));
            r
        })
        .collect();
    Block::Table(head, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::table::{COLUMNS, units};

    #[test]
    fn the_stop_most_runs_share_is_found() {
        let mut agg = Aggregator::with_columns(COLUMNS.to_vec(), units(), None, vec!["p".into()], 0, &[]);
        let j = crate::fleet::table::index("stopped_at_wave").unwrap();
        for wave in [1, 2, 1, 0, 1] {
            let m = crate::fleet::table::CampaignMetrics {
                stopped_at_wave: wave,
                ..Default::default()
            };
            let v = m.values();
            assert_eq!(v[j], wave.to_string());
            agg.push(&[v]);
        }
        assert_eq!(stop_mode(&agg, 0), Some((1, 3)));
    }
}
