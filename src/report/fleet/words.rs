//! The fleet report's words: the bottom line, what was simulated, the
//! table of stops, the tables of numbers.
//!
//! Every count of runs here comes from the plans' [`Tally`]s (the rows of
//! `runs.csv`): a stopped run is never a done one, and lengths are ranked
//! on the runs that finished. The costs (sites without failover,
//! user-minutes) are the aggregated metrics, over every run.

use std::fmt::Write;

use super::chart_captions;
use super::tally::{Paired, StopKey, Tally, paired_done};
use crate::fleet::campaign::CampaignRun;
use crate::fleet::study::FleetStats;
use crate::fleet::table::{CAMPAIGN_METRICS, CampaignMetric, Outcome};
use crate::fleet::{Fleet, Placement, StopOn};
use crate::metrics::Unit;
use crate::montecarlo::SummaryRow;
use crate::report::doc::{Block, Text};
use crate::report::page::{percent, share_of_runs, thousands};
use crate::stats::Moments;
use crate::time::MS_PER_DAY;

pub(super) fn row<'a>(rows: &'a [SummaryRow], plan: &str, metric: &str) -> Option<&'a SummaryRow> {
    rows.iter().find(|r| r.strategy == plan && r.metric == metric)
}

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

/// `x of n (share)`, the share without its interval (the tables of stops).
fn x_of_n(x: u64, n: u64) -> String {
    format!(
        "{} of {} ({})",
        thousands(x),
        thousands(n),
        percent(x as f64 / n.max(1) as f64)
    )
}

/// `**a**`, `**a** and **b**`, `**a**, **b** and **c**`.
fn plan_list(names: &[&str]) -> String {
    let bold: Vec<String> = names.iter().map(|n| format!("**{n}**")).collect();
    match bold.len() {
        0 => String::new(),
        1 => bold[0].clone(),
        k => format!("{} and {}", bold[..k - 1].join(", "), bold[k - 1]),
    }
}

/// The plans that give the same text, together, in the order of their
/// first plan: `(plan indices, text)`.
fn grouped(texts: Vec<String>) -> Vec<(Vec<usize>, String)> {
    let mut out: Vec<(Vec<usize>, String)> = Vec::new();
    for (p, t) in texts.into_iter().enumerate() {
        match out.iter_mut().find(|(_, u)| *u == t) {
            Some((ps, _)) => ps.push(p),
            None => out.push((vec![p], t)),
        }
    }
    out
}

/// Per-plan texts after `lead`: `lead, in every plan: text` when every
/// plan gives the same (`lead: text` for one plan), else `lead: **a** and
/// **b**: text; **c**: other`.
fn per_plan(names: &[&str], texts: Vec<String>, lead: &str) -> String {
    let groups = grouped(texts);
    if groups.len() == 1 {
        let text = &groups[0].1;
        return if names.len() > 1 {
            format!("{lead}, in every plan: {text}")
        } else {
            format!("{lead}: {text}")
        };
    }
    let parts: Vec<String> = groups
        .iter()
        .map(|(ps, t)| {
            let who: Vec<&str> = ps.iter().map(|&p| names[p]).collect();
            format!("{}: {t}", plan_list(&who))
        })
        .collect();
    format!("{lead}: {}", parts.join("; "))
}

/// A stop's cause in plain words, with its `stop_on` word.
fn cause_words(c: StopOn) -> String {
    let words = match c {
        StopOn::DefectFound => "the version's defect found",
        StopOn::Aborted => "a site's upgrade aborted",
        StopOn::DefectEscaped => "a latent defect escaped a site's interim",
        StopOn::Rollback => "a site's upgrade rolled back",
        StopOn::Backout => "a site backed out of its window",
    };
    format!("{words} (`{}`)", c.word())
}

/// What became of a campaign after its stop, in words.
fn after_stop(cause: Option<StopOn>, outcome: Outcome) -> &'static str {
    match (cause, outcome) {
        (None, Outcome::Done) => "every site done",
        (None, _) => "no stop, yet some site not done",
        (Some(StopOn::DefectFound), Outcome::Done) => "resumed with the fixed version; every site done",
        (Some(StopOn::DefectFound), Outcome::Unfinished) => "resumed with the fixed version; some site not done",
        (Some(_), Outcome::Done) => "every site done all the same (no site was left to start)",
        (Some(_), _) => "ended the campaign: the sites not started never were",
    }
}

/// Waves in words: `at wave 2`, or `at wave 1 (12) and wave 2 (6)`.
fn at_waves(waves: &[(u64, u64)]) -> String {
    match waves {
        [] => String::new(),
        [(w, _)] => format!("at wave {w}"),
        _ => {
            let parts: Vec<String> = waves
                .iter()
                .map(|(w, n)| format!("wave {w} ({})", thousands(*n)))
                .collect();
            format!("at {}", parts.join(" and "))
        }
    }
}

/// Why a plan's runs miss the deadline (or, without one, are not done):
/// stopped (by cause and wave), done but late, unfinished.
fn misses(t: &Tally) -> String {
    let mut parts = Vec::new();
    let mut causes: Vec<StopOn> = t
        .stops
        .iter()
        .filter(|(k, _)| k.outcome == Outcome::Stopped)
        .map(|(k, _)| k.cause)
        .collect();
    causes.sort();
    causes.dedup();
    for c in causes {
        let waves: Vec<(u64, u64)> = t
            .stops
            .iter()
            .filter(|(k, _)| k.outcome == Outcome::Stopped && k.cause == c)
            .map(|(k, n)| (k.wave, *n))
            .collect();
        let n: u64 = waves.iter().map(|w| w.1).sum();
        parts.push(format!(
            "{} stopped {} when {}",
            thousands(n),
            at_waves(&waves),
            cause_words(c)
        ));
    }
    if t.late > 0 {
        parts.push(format!("{} done, but after the deadline", thousands(t.late)));
    }
    if t.unfinished > 0 {
        let mut why = Vec::new();
        if t.unfinished_aborted > 0 {
            why.push(format!("{} with a site aborted", thousands(t.unfinished_aborted)));
        }
        if t.unfinished_recovered > 0 {
            why.push(format!(
                "{} with a site back on the old version",
                thousands(t.unfinished_recovered)
            ));
        }
        let why = if why.is_empty() {
            "a site found no room in time".to_string()
        } else {
            why.join(", ")
        };
        parts.push(format!(
            "{} unfinished (no stop, yet some site not done: {why})",
            thousands(t.unfinished)
        ));
    }
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join("; ")
    }
}

/// The report's bottom line across plans as plain text, for a terminal
/// (the report's emphasis and code marks left out): the text of the
/// report's "Bottom line", its paragraphs separated by a blank line.
pub fn bottom_line_text(fleet: &Fleet, stats: &FleetStats) -> String {
    bottom_line(fleet, stats)
        .split("\n\n")
        .map(|p| Text::parse(p).plain())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The bottom line across plans, in paragraphs (separated by a blank
/// line), each led by its words in bold: the deadline first (and why runs
/// miss it), then the lengths of the runs that finished, then the costs,
/// then what catching the version's defect cost and saved.
pub(super) fn bottom_line(fleet: &Fleet, stats: &FleetStats) -> String {
    let names: Vec<&str> = fleet.plans.iter().map(|p| p.name.as_str()).collect();
    let deadline = fleet.deadline_unix_ms.is_some();
    let tallies = Tally::all(stats, deadline);
    if names.is_empty() || stats.replications() == 0 || tallies.iter().any(|t| t.n == 0) {
        return "No runs were simulated.".into();
    }
    let mut s = String::new();

    // The deadline, and why runs miss it.
    let shares: Vec<String> = tallies
        .iter()
        .map(|t| match t.deadline_share() {
            Some((x, n, _, _)) => share_of_runs(x, n),
            None => share_of_runs(t.done, t.n),
        })
        .collect();
    let miss: Vec<String> = tallies.iter().map(misses).collect();
    if deadline {
        let lead = format!(
            "**Done by the deadline** ({}), every site on the new version",
            fleet.deadline_text.as_deref().unwrap_or("?")
        );
        let _ = write!(s, "{}.", per_plan(&names, shares, &lead));
        let _ = write!(s, " {}.", per_plan(&names, miss, "Runs that miss it"));
    } else {
        let _ = write!(
            s,
            "{}.",
            per_plan(&names, shares, "**Runs done**, every site on the new version")
        );
        let _ = write!(s, " {}.", per_plan(&names, miss, "Runs not done"));
    }

    // The lengths of the runs that finished.
    s.push_str("\n\n");
    let mut order: Vec<usize> = (0..names.len()).filter(|&p| tallies[p].done > 0).collect();
    let key = |p: usize| {
        (
            tallies[p].done_median().unwrap_or(f64::INFINITY),
            tallies[p].done_mean().unwrap_or(f64::INFINITY),
        )
    };
    order.sort_by(|a, b| {
        let (ka, kb) = (key(*a), key(*b));
        ka.0.total_cmp(&kb.0).then(ka.1.total_cmp(&kb.1)).then(a.cmp(b))
    });
    let length = |p: usize| {
        let t = &tallies[p];
        format!(
            "median {} over its {} done run{} (p95 {})",
            days(t.done_median().unwrap_or(0.0)),
            thousands(t.done),
            if t.done == 1 { "" } else { "s" },
            days(t.done_p95().unwrap_or(0.0))
        )
    };
    match order.as_slice() {
        [] => s.push_str("**No run of any plan finished**: there is no campaign length to rank the plans on."),
        [only] if names.len() == 1 => {
            let _ = write!(s, "**The runs that finished** took {}.", length(*only));
        }
        [first, rest @ ..] => {
            let fast = *first;
            let median = |p: usize| days(tallies[p].done_median().unwrap_or(0.0));
            let paired: Vec<(usize, Option<Paired>)> = rest
                .iter()
                .map(|&o| (o, paired_done(&stats.runs[o], &stats.runs[fast])))
                .collect();
            let mut counts: Vec<u64> = paired.iter().filter_map(|(_, d)| d.map(|d| d.n)).collect();
            counts.sort_unstable();
            counts.dedup();
            // The runs both finished, said once when the same for all.
            let one_n = counts.len() == 1;
            let over = |n: u64| {
                if one_n {
                    String::new()
                } else {
                    format!("; paired over the {} runs both finished", thousands(n))
                }
            };
            let mut longer = Vec::new();
            let mut alike = Vec::new();
            let mut unpaired = Vec::new();
            for &(o, d) in &paired {
                match d {
                    Some(Paired {
                        n,
                        mean,
                        low: lo,
                        high: hi,
                    }) if lo > 0.0 || hi < 0.0 => longer.push(format!(
                        "**{}** takes {} {} on average [{}, {}] (median {}{})",
                        names[o],
                        days(mean.abs()),
                        if mean > 0.0 { "longer" } else { "shorter" },
                        days(lo),
                        days(hi),
                        median(o),
                        over(n)
                    )),
                    Some(Paired {
                        n,
                        mean,
                        low: lo,
                        high: hi,
                    }) => alike.push((
                        format!("**{}** ({})", names[o], median(o)),
                        format!(
                            "{} minus {}: {} [{}, {}]{}",
                            names[o],
                            names[fast],
                            days(mean),
                            days(lo),
                            days(hi),
                            over(n)
                        ),
                    )),
                    None => unpaired.push(format!("**{}** (median {})", names[o], median(o))),
                }
            }
            let paired_note = match (one_n, counts.first()) {
                (true, Some(n)) => format!(
                    " Differences are paired by run, over the {} runs where both plans finished.",
                    thousands(*n)
                ),
                _ => String::new(),
            };
            if alike.is_empty() {
                let _ = write!(
                    s,
                    "**Among the runs that finished**, **{}** is the shortest: {}",
                    names[fast],
                    length(fast)
                );
                if !longer.is_empty() {
                    let _ = write!(s, "; {}", longer.join("; "));
                }
                s.push('.');
            } else {
                let who: Vec<String> = std::iter::once(format!("**{}** ({})", names[fast], median(fast)))
                    .chain(alike.iter().map(|a| a.0.clone()))
                    .collect();
                let diffs: Vec<String> = alike.iter().map(|a| a.1.clone()).collect();
                let _ = write!(
                    s,
                    "**Among the runs that finished**, the plans {} are alike in length (medians shown): the 95 % interval of each paired difference holds zero ({}).",
                    who.join(", "),
                    diffs.join("; ")
                );
                if !longer.is_empty() {
                    let _ = write!(s, " Clearly different: {}.", longer.join("; "));
                }
                let _ = write!(s, " The shortest median is **{}**'s: {}.", names[fast], length(fast));
            }
            s.push_str(&paired_note);
            if !unpaired.is_empty() {
                let _ = write!(
                    s,
                    " Not compared, for want of two runs where both finished: {}.",
                    unpaired.join("; ")
                );
            }
        }
    }
    let never: Vec<&str> = (0..names.len())
        .filter(|&p| tallies[p].done == 0)
        .map(|p| names[p])
        .collect();
    if !never.is_empty() && !order.is_empty() {
        let _ = write!(
            s,
            " {} never finished a campaign: no length to rank {} on.",
            plan_list(&never),
            if never.len() == 1 { "it" } else { "them" }
        );
    }

    // The costs, over every run.
    let rows = stats.agg.summary();
    let get = |p: usize, m: &str| row(&rows, names[p], m);
    let exposed = |p: usize| get(p, "site_exposure_s").map(|r| r.mean / 86_400.0);
    let cost_order: Vec<usize> = order
        .iter()
        .copied()
        .chain((0..names.len()).filter(|p| tallies[*p].done == 0))
        .collect();
    let costs: Vec<String> = cost_order
        .iter()
        .enumerate()
        .filter_map(|(i, &p)| {
            let pk = get(p, "peak_sites_without_failover")?;
            let u = get(p, "user_minutes_lost")?;
            let exposed = exposed(p).map_or("—".into(), |d| format!("{d:.1}"));
            Some(if i == 0 {
                format!(
                    "**{}**: at its peak {} site{} without a working failover at once (worst run {}), {exposed} site-days without failover in all, and {} user-minutes lost [{}, {}]",
                    names[p],
                    number(pk.mean),
                    if pk.mean == 1.0 { "" } else { "s" },
                    number(pk.max),
                    number(u.mean),
                    number(u.ci95_low),
                    number(u.ci95_high)
                )
            } else {
                format!(
                    "**{}**: peak {} (worst {}), {exposed} site-days, {} user-minutes",
                    names[p],
                    number(pk.mean),
                    number(pk.max),
                    number(u.mean)
                )
            })
        })
        .collect();
    if let Some((first, rest)) = costs.split_first() {
        let _ = write!(
            s,
            "\n\n**What it costs**, mean over all {} runs of each plan (stopped and unfinished ones included: they upgrade fewer sites): {first}",
            thousands(stats.replications())
        );
        if rest.is_empty() {
            s.push('.');
        } else {
            let _ = write!(s, "; against {}.", rest.join("; "));
        }
    }

    // The version's defect: what catching it cost and saved.
    if fleet.version.is_some() && tallies.iter().any(|t| t.found_defect_sites.n > 0) {
        let fix = fleet.version.and_then(|v| v.fix);
        let found: Vec<String> = tallies
            .iter()
            .map(|t| {
                let waves: Vec<(u64, u64)> = {
                    let mut w: Vec<(u64, u64)> = Vec::new();
                    for (k, n) in &t.stops {
                        if k.cause != StopOn::DefectFound {
                            continue;
                        }
                        match w.iter_mut().find(|x| x.0 == k.wave) {
                            Some(x) => x.1 += n,
                            None => w.push((k.wave, *n)),
                        }
                    }
                    w
                };
                let n = t.found_defect_sites.n;
                if n == 0 {
                    return "never found".to_string();
                }
                let count = |o: Outcome| {
                    t.stops
                        .iter()
                        .filter(|(k, _)| k.cause == StopOn::DefectFound && k.outcome == o)
                        .map(|(_, n)| n)
                        .sum::<u64>()
                };
                let (done, unfinished, stopped) = (
                    count(Outcome::Done),
                    count(Outcome::Unfinished),
                    count(Outcome::Stopped),
                );
                let mut after = Vec::new();
                if done > 0 {
                    after.push(if done == n {
                        "every one of them resumed with the fixed version and finished".to_string()
                    } else {
                        format!("{} resumed with the fixed version and finished", thousands(done))
                    });
                }
                if unfinished > 0 {
                    after.push(format!("{} resumed and left some site not done", thousands(unfinished)));
                }
                if stopped > 0 {
                    after.push(format!("in {} it ended the campaign", thousands(stopped)));
                }
                format!(
                    "in {} of {} runs, {}; {}",
                    thousands(n),
                    thousands(t.n),
                    at_waves(&waves),
                    after.join(", ")
                )
            })
            .collect();
        let _ = write!(
            s,
            "\n\n{}.",
            per_plan(&names, found, "**The version's defect was found** (`defect_found`)")
        );
        if fix.is_some() {
            let cost: Vec<String> = (0..names.len())
                .filter_map(|p| {
                    let t = &tallies[p];
                    (t.resumed.n > 0 && t.clean.n > 0).then(|| {
                        format!(
                            "**{}** +{} (the {} resumed: {}; the {} with no stop: {})",
                            names[p],
                            days(t.resumed.mean() - t.clean.mean()),
                            thousands(t.resumed.n),
                            days(t.resumed.mean()),
                            thousands(t.clean.n),
                            days(t.clean.mean())
                        )
                    })
                })
                .collect();
            if !cost.is_empty() {
                let _ = write!(
                    s,
                    " **What the catch cost**, in days added (mean length of the done runs that resumed after it minus that of the done runs with no stop): {}.",
                    cost.join("; ")
                );
            }
        }
        let sites = fleet.sites.len() as f64;
        let saved: Vec<String> = tallies
            .iter()
            .map(|t| {
                let m: &Moments = &t.found_defect_sites;
                if m.n == 0 {
                    "never found".into()
                } else {
                    number(sites - m.mean())
                }
            })
            .collect();
        let _ = write!(
            s,
            " {}.",
            per_plan(
                &names,
                saved,
                &format!(
                    "**What it saved**: in the runs where it was found, the sites of the {} that never ran the defective version (mean of {} minus the sites that ran it)",
                    thousands(fleet.sites.len() as u64),
                    thousands(fleet.sites.len() as u64)
                )
            )
        );
    }
    s
}

/// The table of stops: per wave and cause (and what followed), the share
/// of each plan's runs; one column when every plan has the same counts.
/// `None` when no stop fired in any run.
fn stop_table(fleet: &Fleet, tallies: &[Tally]) -> Option<(Vec<String>, Vec<Vec<String>>)> {
    if tallies.iter().all(|t| t.stops.is_empty()) {
        return None;
    }
    // Rows: every stop any plan saw, then the runs with none.
    let mut keys: Vec<StopKey> = tallies.iter().flat_map(|t| t.stops.iter().map(|(k, _)| *k)).collect();
    keys.sort();
    keys.dedup();
    let count = |t: &Tally, k: &StopKey| t.stops.iter().find(|(q, _)| q == k).map_or(0, |(_, n)| *n);
    let no_stop = |t: &Tally, o: Outcome| {
        let stopped: u64 = t.stops.iter().filter(|(k, _)| k.outcome == o).map(|(_, n)| n).sum();
        match o {
            Outcome::Done => t.done - stopped,
            Outcome::Unfinished => t.unfinished - stopped,
            Outcome::Stopped => 0,
        }
    };
    let mut rows: Vec<(String, String, String, Vec<u64>)> = keys
        .iter()
        .map(|k| {
            (
                format!("wave {}", k.wave),
                cause_words(k.cause),
                after_stop(Some(k.cause), k.outcome).to_string(),
                tallies.iter().map(|t| count(t, k)).collect(),
            )
        })
        .collect();
    for o in [Outcome::Done, Outcome::Unfinished] {
        let counts: Vec<u64> = tallies.iter().map(|t| no_stop(t, o)).collect();
        if counts.iter().any(|c| *c > 0) {
            rows.push(("—".into(), "no stop".into(), after_stop(None, o).into(), counts));
        }
    }
    let ns: Vec<u64> = tallies.iter().map(|t| t.n).collect();
    let same = rows.iter().all(|r| r.3.windows(2).all(|w| w[0] == w[1])) && ns.windows(2).all(|w| w[0] == w[1]);
    let mut head = vec!["wave".to_string(), "stop".into(), "then".into()];
    if same && tallies.len() > 1 {
        head.push("every plan".into());
    } else {
        head.extend(fleet.plans.iter().map(|p| p.name.clone()));
    }
    let body = rows
        .into_iter()
        .map(|(w, c, then, counts)| {
            let mut r = vec![w, c, then];
            let cells = if same && tallies.len() > 1 {
                &counts[..1]
            } else {
                &counts[..]
            };
            for (i, x) in cells.iter().enumerate() {
                r.push(if *x == 0 { "—".into() } else { x_of_n(*x, ns[i]) });
            }
            r
        })
        .collect();
    Some((head, body))
}

fn metric_rows(rows: &[SummaryRow], plan: &str, tally: &Tally) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    // The length of the runs that finished, before the metrics of all runs.
    if tally.done > 0 {
        let mut m = Moments::default();
        for x in &tally.done_s {
            m.push(*x);
        }
        let h = m.ci95_half();
        let scale = time_scale(tally.done_median().unwrap_or(0.0).max(m.mean()));
        let c = |x: f64| format!("{} {}", number(x / scale.0), scale.1);
        out.push(vec![
            format!("campaign length, the {} done runs", thousands(tally.done)),
            format!("{} [{}, {}]", c(m.mean()), c(m.mean() - h), c(m.mean() + h)),
            c(tally.done_median().unwrap_or(0.0)),
            c(tally.done_p95().unwrap_or(0.0)),
        ]);
    }
    for m in CAMPAIGN_METRICS.iter() {
        let Some(r) = row(rows, plan, m.name) else { continue };
        if r.n == 0 {
            continue;
        }
        let words = match m.name {
            "campaign_s" => "campaign length, all runs (a stopped one: to its last site's end)".to_string(),
            _ => m.words.to_string(),
        };
        let cells = match m.name {
            "done_by_deadline" => vec![share_of_runs(r.nonzero, r.n), "—".into(), "—".into()],
            "stopped_at_wave" => vec![
                format!(
                    "a stop fired in {} (resumed ones included)",
                    share_of_runs(r.nonzero, r.n)
                ),
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
        "**{}**: {} wave{} of {} site{}, at most {} site{} per window, bake {}, {stop}",
        plan.name,
        plan.waves.len(),
        if plan.waves.len() == 1 { "" } else { "s" },
        sizes.join(", "),
        if sizes.len() == 1 && sizes[0] == "1" { "" } else { "s" },
        plan.max_sites_per_window,
        if plan.max_sites_per_window == 1 { "" } else { "s" },
        plan.bake
    );
    if plan.start_days != 0x7f {
        let days: Vec<&str> = crate::model::calendar::WEEKDAYS
            .iter()
            .enumerate()
            .filter(|(k, _)| plan.start_days & (1 << k) != 0)
            .map(|(_, d)| *d)
            .collect();
        let _ = write!(s, ", procedures start on {} only", days.join(", "));
    }
    if !plan.description.is_empty() {
        let _ = write!(s, " ({})", plan.description);
    }
    s
}

/// The strategies of group `g` under each plan: `strategy `x` in every
/// plan`, or which plans run which.
fn group_strategies(fleet: &Fleet, g: usize) -> String {
    let members: Vec<usize> = (0..fleet.sites.len()).filter(|k| fleet.sites[*k].group == g).collect();
    let names: Vec<&str> = fleet.plans.iter().map(|p| p.name.as_str()).collect();
    let texts: Vec<String> = fleet
        .plans
        .iter()
        .map(|plan| {
            // Each strategy and how many of the group's sites run it.
            let mut seen: Vec<(&str, usize)> = Vec::new();
            for &k in &members {
                let s = plan
                    .strategies
                    .get(k)
                    .map_or(fleet.sites[k].strategy.as_str(), |s| s.as_str());
                match seen.iter_mut().find(|x| x.0 == s) {
                    Some(x) => x.1 += 1,
                    None => seen.push((s, 1)),
                }
            }
            seen.sort();
            if seen.len() == 1 {
                format!("`{}`", seen[0].0)
            } else {
                seen.iter()
                    .map(|(s, n)| format!("`{s}` ({n} site{})", if *n == 1 { "" } else { "s" }))
                    .collect::<Vec<_>>()
                    .join(" and ")
            }
        })
        .collect();
    let groups = grouped(texts);
    if groups.len() == 1 {
        let every = if names.len() > 1 { " in every plan" } else { "" };
        return format!("strategy {}{every}", groups[0].1);
    }
    let parts: Vec<String> = groups
        .iter()
        .map(|(ps, t)| {
            let who: Vec<&str> = ps.iter().map(|&p| names[p]).collect();
            format!(
                "{t} in plan{} {}",
                if who.len() == 1 { "" } else { "s" },
                plan_list(&who)
            )
        })
        .collect();
    format!("strategy {}", parts.join("; "))
}

fn placement_words(p: Placement) -> &'static str {
    match p {
        Placement::Earliest => {
            "each site in the earliest window of its own calendar that the wave order, bake, cap, operators, freezes and start days allow (the listed order only breaks ties)"
        }
        Placement::Listed => {
            "sites start in the order listed: a site's first work never comes before the one listed before it"
        }
    }
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
        let count = fleet.sites.iter().filter(|s| s.group == g).count();
        out.push(format!(
            "**{}**: {} site{}, scenario `{}`, {}",
            group.name,
            count,
            if count == 1 { "" } else { "s" },
            group.source,
            group_strategies(fleet, g)
        ));
    }
    if let Some(v) = fleet.version {
        let fix = match v.fix {
            Some(d) => format!(
                "a fixed version comes {d} after the defect is found, and a plan that stops on `defect_found` resumes with it (the sites that ran the defective version first)"
            ),
            None => "no fix: a found defect ends the campaign of a plan that stops on `defect_found`".into(),
        };
        out.push(format!(
            "The new version (`[version]`), the same at every site: it carries a defect with probability {} (drawn once per run, the same in every plan); a site serving it shows the defect after {} on average (exponential, each site on its own); {fix}",
            percent(v.latent_defect),
            v.defect_detect
        ));
    }
    for p in 0..fleet.plans.len() {
        out.push(format!("Plan {}", plan_words(fleet, p)));
    }
    let names: Vec<&str> = fleet.plans.iter().map(|p| p.name.as_str()).collect();
    let placements: Vec<String> = fleet
        .plans
        .iter()
        .map(|p| format!("`{}`, {}", p.placement.word(), placement_words(p.placement)))
        .collect();
    out.push(per_plan(&names, placements, "Placement"));
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

/// The title of the table of stops (its one section).
pub const STOPS_TITLE: &str = "The stops";

pub(super) fn document(fleet: &Fleet, stats: &FleetStats, traces: &[CampaignRun], runs: u64, seed: u64) -> Vec<Block> {
    let rows = stats.agg.summary();
    let deadline = fleet.deadline_unix_ms.is_some();
    let tallies = Tally::all(stats, deadline);
    let mut out = vec![Block::Section("Bottom line".into())];
    for para in bottom_line(fleet, stats).split("\n\n") {
        out.push(Block::BottomLine(Text::parse(para)));
    }
    out.push(Block::Section("What was simulated".into()));
    out.push(Block::list(simulated(fleet, runs, seed)));
    if let Some((head, body)) = stop_table(fleet, &tallies) {
        out.push(Block::Section(STOPS_TITLE.into()));
        out.push(Block::p(
            "How each run ended, by the stop that fired (`stop_cause` and `stopped_at_wave` of `runs.csv`) and what followed: \
             a stop on `defect_found` with a fix is resumed with the fixed version; any other stop ends the campaign \
             (the sites not started by then never are). A run that resumed and was stopped again counts under its later stop. \
             Each cell: runs of the plan, of all its runs.",
        ));
        out.push(Block::table(head, body));
    }
    out.push(Block::Section("Key numbers by plan".into()));
    out.push(Block::note(format!(
        "Mean with its 95 % interval, median and 95th percentile over {} runs per plan; the campaign length of the done runs over those alone.",
        thousands(stats.replications())
    )));
    if fleet.plans.len() > 1 {
        out.push(Block::Subsection("The plans side by side".into()));
        out.push(side_by_side(fleet, &rows, &tallies));
    }
    for (p, plan) in fleet.plans.iter().enumerate() {
        out.push(Block::Subsection(format!("Plan {}", plan.name)));
        out.push(Block::table(
            ["metric", "mean [95 % interval]", "median", "p95"],
            metric_rows(&rows, &plan.name, &tallies[p]),
        ));
    }
    out.push(Block::Section("Charts".into()));
    for (file, caption) in chart_captions(fleet, traces) {
        out.push(Block::figure(file, caption));
    }
    out.push(Block::Section("The metrics".into()));
    out.push(Block::list(
        CAMPAIGN_METRICS
            .iter()
            .map(|m| format!("**{}** (`{}`): {}", m.words, m.name, m.meaning)),
    ));
    out
}

/// One row per plan: the numbers the bottom line weighs.
fn side_by_side(fleet: &Fleet, rows: &[SummaryRow], tallies: &[Tally]) -> Block {
    let mut head = vec!["plan".to_string()];
    if fleet.deadline_unix_ms.is_some() {
        head.push("done by the deadline".into());
    }
    head.extend([
        "length if done: median (p95), runs done".into(),
        "runs stopped".into(),
        "runs unfinished".into(),
    ]);
    if fleet.version.is_some() {
        head.push("sites that ran the defective version, mean".into());
    }
    head.extend([
        "peak sites without failover, mean".into(),
        "user-minutes lost, mean".into(),
    ]);
    let body = fleet
        .plans
        .iter()
        .zip(tallies)
        .map(|(plan, t)| {
            let get = |m: &str| row(rows, &plan.name, m);
            let mut r = vec![format!("**{}**", plan.name)];
            if fleet.deadline_unix_ms.is_some() {
                r.push(
                    t.deadline_share()
                        .map_or("—".into(), |(x, n, _, _)| share_of_runs(x, n)),
                );
            }
            r.push(match (t.done_median(), t.done_p95()) {
                (Some(m), Some(p)) => format!("{} ({}), {} of {}", days(m), days(p), thousands(t.done), thousands(t.n)),
                _ => format!("none done (0 of {})", thousands(t.n)),
            });
            r.push(x_of_n(t.stopped, t.n));
            r.push(x_of_n(t.unfinished, t.n));
            if fleet.version.is_some() {
                r.push(get("defect_sites").map_or("—".into(), |x| number(x.mean)));
            }
            r.push(get("peak_sites_without_failover").map_or("—".into(), |x| number(x.mean)));
            r.push(get("user_minutes_lost").map_or("—".into(), |x| number(x.mean)));
            r
        })
        .collect();
    Block::table(head, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_with_the_same_words_are_named_together() {
        assert_eq!(plan_list(&["a"]), "**a**");
        assert_eq!(plan_list(&["a", "b", "c"]), "**a**, **b** and **c**");
        let names = ["a", "b", "c"];
        let same = per_plan(&names, vec!["x".into(), "x".into(), "x".into()], "Lead");
        assert_eq!(same, "Lead, in every plan: x");
        let two = per_plan(&names, vec!["x".into(), "y".into(), "x".into()], "Lead");
        assert_eq!(two, "Lead: **a** and **c**: x; **b**: y");
        assert_eq!(per_plan(&["a"], vec!["x".into()], "Lead"), "Lead: x");
        assert_eq!(at_waves(&[(2, 5)]), "at wave 2");
        assert_eq!(at_waves(&[(1, 3), (2, 5)]), "at wave 1 (3) and wave 2 (5)");
    }

    #[test]
    fn every_stop_has_words_and_what_followed() {
        for c in StopOn::ALL {
            assert!(cause_words(c).contains(&format!("`{}`", c.word())));
        }
        assert!(after_stop(Some(StopOn::DefectFound), Outcome::Done).starts_with("resumed"));
        assert!(after_stop(Some(StopOn::Aborted), Outcome::Stopped).starts_with("ended the campaign"));
    }
}
