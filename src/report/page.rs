//! The change-board report: `report.html` (self-contained: styles inline,
//! charts inlined as SVG, nothing fetched) and `report.md` (plain Markdown,
//! charts as images beside it).
//!
//! The report says, in order: the bottom line (one strategy for the
//! scenario's priorities, why, and what it costs), what was simulated in
//! plain words, which strategies were compared, the key numbers with their
//! 95 % intervals, the tails (median, p95, worst; how often each threshold
//! is exceeded; the fit in the window; the risk class), the faults when any
//! happened, what is particular to the site (a pod's slot and notice), a
//! recommendation for each goal with its trade-off, the charts, the
//! assumptions that apply with their sources, what is not simulated, and a
//! glossary. Both files are rendered from one list of blocks, so they say
//! the same thing.
//!
//! Metrics are handled by what the metric table says of them (unit,
//! direction, key presentation, goal, fault, risk impact, sites), not by
//! name, but for the window fit and a pod's lost work.

use std::fmt::Write;

use super::chart::metric_words;
use super::doc::{Block, ChartFiles, Document};
use super::study::{Cdf, Diffs, Distribution, StudyChart, cdf_metrics, charted_metrics};
use crate::decision::{self, Band, BottomLine, Evidence, Risk, RiskEvent, Verdict, applies, bottom_line, verdict};
pub use crate::export::thousands;
use crate::metrics::{self, Better, Impact, METRICS, Metric, Sites, Unit};
use crate::model::calendar::WEEKDAYS;
use crate::model::dist::Dist;
use crate::model::site::SiteKind;
use crate::montecarlo::{Aggregator, DiffRow, Runs, SummaryRow};
use crate::scenario::Scenario;
use crate::stats::proportion_interval;
use crate::time::{MS_PER_MIN, SimDuration};

pub mod summary;

/// The metric of the fit in the maintenance window.
const WINDOW_OVERRUN: &str = "window_overrun_s";
/// The metric of sessions that lose their work (a pod's cutover).
const LOST_WORK: &str = "lost_work_sessions";

/// A chart of the report: its file stem, caption and SVG text.
pub struct ReportChart {
    /// File name without extension (`charts/dist-downtime_s`).
    pub file: String,
    /// What it shows.
    pub caption: String,
    /// The SVG document.
    pub svg: String,
}

/// The study charts of a report, each with its file stem (under `charts/`),
/// caption and chart: the distributions of the metrics the table gives a
/// place in the report (those zero everywhere left out unless always
/// shown), the empirical CDFs, and the paired differences against the
/// baseline when there is more than one strategy.
pub fn study_charts(agg: &Aggregator, summary: &[SummaryRow], diffs: &[DiffRow]) -> Vec<(String, String, StudyChart)> {
    let mut out = Vec::new();
    let population = summary.first().map_or(Runs::All, |r| r.population);
    let over = runs_words(agg, population);
    let charted = charted_metrics(summary);
    let mut placed: Vec<(u8, &Metric)> = METRICS
        .iter()
        .filter_map(|m| m.key.and_then(|k| k.report_chart).map(|place| (place, m)))
        .collect();
    placed.sort_by_key(|(place, _)| *place);
    for (_, m) in placed {
        if !charted.contains(&m.name) && !m.reported_when_zero() {
            continue;
        }
        if let Some(d) = Distribution::from_aggregator(agg, summary, m.name) {
            let caption = format!(
                "Distribution of {} over {over}: box p25-p75 with the median, whiskers p5-p95, the mean with its 95% CI.",
                m.words,
            );
            out.push((format!("dist-{}", m.name), caption, StudyChart::Distribution(d)));
        }
    }
    for m in cdf_metrics() {
        let caption = format!(
            "Empirical CDF of {} over {over}: the share of them at or below each value.",
            metric_words(m)
        );
        out.push((
            format!("cdf-{m}"),
            caption,
            StudyChart::Cdf(Cdf::from_aggregator(agg, m, population)),
        ));
    }
    if agg.strategies().len() > 1 && !charted.is_empty() {
        let caption = format!(
            "Paired differences against {} (replication by replication, common random numbers{}), mean and 95% CI.",
            agg.strategies()[agg.baseline()],
            if over.contains("completed") {
                "; the replications both completed"
            } else {
                ""
            }
        );
        out.push((
            "diff".into(),
            caption,
            StudyChart::Diffs(Diffs::from_rows(agg, diffs, &charted)),
        ));
    }
    out
}

/// Which runs a chart or table covers, in words: `1,000 replications`, or
/// with aborted runs, `the completed replications (834 of 1,000 for X; all
/// 1,000 for the others); the aborted ones apart, under Faults`.
pub fn runs_words(agg: &Aggregator, population: Runs) -> String {
    let n = agg.replications();
    let aborting: Vec<usize> = (0..agg.strategies().len())
        .filter(|s| agg.aborted_runs(*s) > 0)
        .collect();
    if population != Runs::Completed || aborting.is_empty() {
        return format!("{} replications", thousands(n));
    }
    let parts: Vec<String> = aborting
        .iter()
        .map(|s| {
            format!(
                "{} of {} for {}",
                thousands(n - agg.aborted_runs(*s)),
                thousands(n),
                agg.strategies()[*s]
            )
        })
        .collect();
    let others = if aborting.len() < agg.strategies().len() {
        format!("; all {} for the others", thousands(n))
    } else {
        String::new()
    };
    format!(
        "the completed replications ({}{others}); the aborted ones apart, under Faults",
        parts.join(", ")
    )
}

/// The caption of the timeline of one run of `strategy`: which run (`a
/// typical run`, `a bad run`), its replication, and its outcome in one line
/// ([`crate::study::pick::outcome`]).
pub fn timeline_caption(strategy: &str, run: &str, replication: u64, outcome: &str) -> String {
    format!("Timeline of {run} of {strategy} (replication {replication}): {outcome}.")
}

fn dist(d: &Dist) -> String {
    d.describe()
}

/// The scenario in plain words, one bullet per aspect.
pub fn describe_scenario(sc: &Scenario) -> Vec<String> {
    let mut out = Vec::new();
    let site = &sc.site;
    out.push(match site.kind {
        SiteKind::Single => format!("Site: a single appliance A with {:.0} GB of stored data.", site.data_gb),
        SiteKind::FailoverPair => format!(
            "Site: a failover pair, A primary and B backup, {:.0} GB of stored data each; inter-appliance keys {}.",
            site.data_gb,
            if site.keys_match { "match" } else { "DO NOT match" }
        ),
        SiteKind::Atlas => format!(
            "Site: an Atlas cluster, primary A{}, with {} traffic nodes in {} regions ({}){}.",
            if site.has_backup() {
                " and backup primary B"
            } else {
                " without a backup primary"
            },
            site.regions.iter().map(|r| r.nodes).sum::<u32>(),
            site.regions.len(),
            site.regions
                .iter()
                .map(|r| format!(
                    "{} ×{} of {} sessions, {:.0}% of clients",
                    r.name,
                    r.nodes,
                    r.capacity,
                    r.share * 100.0
                ))
                .collect::<Vec<_>>()
                .join("; "),
            if site.has_backup() {
                format!("; the site moves by {} on failover", site.switch_method.name())
            } else {
                String::new()
            }
        ),
        SiteKind::Pod => format!(
            "Site: a blue-green pod{}; the service allots {} to its maintenance.",
            site.nodes[0]
                .capacity
                .map(|c| format!(" for up to {c} sessions"))
                .unwrap_or_default(),
            sc.pod.allotment
        ),
    });
    let wl = &sc.workload;
    let peak_mult = wl.profile.iter().cloned().fold(0.0, f64::max);
    let mut clients = format!(
        "Workload: support sessions at up to {:.0} per hour ({}), ",
        wl.support.rate_per_hour * peak_mult,
        dist(&wl.support.duration)
    );
    if wl.console.rate_per_hour > 0.0 {
        let _ = write!(
            clients,
            "representative consoles at up to {:.0} per hour ({}); ",
            wl.console.rate_per_hour * peak_mult,
            dist(&wl.console.duration)
        );
    }
    let _ = write!(
        clients,
        "a failed connect is retried {} times; arrivals follow a weekly profile ({}).",
        wl.support.retry.attempts,
        if wl.deterministic { "evenly spaced" } else { "Poisson" }
    );
    out.push(clients);
    if !site.kind.scheduled_by_service() {
        let windows = sc.calendar.window_texts();
        out.push(format!(
            "Maintenance windows: {}; interim period between two windows at least {}; warm-up {}.",
            windows.join(", "),
            sc.interim,
            SimDuration(sc.warmup.0 / MS_PER_MIN * MS_PER_MIN)
        ));
        let up = &sc.upgrade;
        out.push(format!(
            "Upgrade of one appliance: base {}, product {} plus {} per GB of data, reboot {}.",
            dist(&up.base),
            dist(&up.product),
            up.install_per_gb,
            dist(&up.reboot)
        ));
        out.push(format!(
            "Operator: {} per manual step, {} to verify and test, {} for a backup.",
            dist(&sc.operator.step),
            dist(&sc.operator.verify),
            dist(&sc.operator.backup)
        ));
    } else {
        let p = &sc.pod;
        out.push(format!(
            "Maintenance: scheduled with {} notice{}; cutover {}; {:.0}% of sessions are in farms that close disconnected sessions immediately.",
            p.lead_time,
            match p.preferred {
                Some((d, h)) => format!(
                    ", preferred window {} {h:02}:00 {} (missed with probability {:.0}%, an assumption)",
                    WEEKDAYS[d as usize],
                    p.preferred_zone.name(&sc.calendar),
                    p.miss_probability * 100.0
                ),
                None => ", no preferred window".into(),
            },
            dist(&p.cutover),
            p.close_immediately_fraction * 100.0
        ));
    }
    if site.has_backup() {
        let fo = &sc.failover;
        out.push(format!(
            "Failover sync: every {}, first sync {} after establishing, {:.0} MB/s; DNS TTL {} with {:.0}% of resolvers holding answers longer ({}); shared-IP gap {}; NAT delay {}.",
            fo.sync_interval,
            fo.first_sync_delay,
            fo.throughput_mb_s,
            sc.network.dns_ttl,
            sc.network.dns_stale_fraction * 100.0,
            dist(&sc.network.dns_stale_extra),
            dist(&sc.network.shared_ip_gap),
            dist(&sc.network.nat_delay)
        ));
    }
    if let Some(line) = around_the_upgrade(sc) {
        out.push(line);
    }
    if let Some(line) = pod_plan(sc) {
        out.push(line);
    }
    let f = &sc.faults;
    let mut faults = Vec::new();
    if site.has_backup() {
        faults.push(format!("MTBF {} per appliance (for the exposure risk)", f.mtbf));
    }
    if f.crashes {
        faults.push(format!(
            "crashes simulated (MTBF {} per node), repair {}",
            f.mtbf,
            dist(&f.mttr)
        ));
    }
    if f.upgrade_failure > 0.0 {
        faults.push(format!(
            "an upgrade fails with probability {:.0}% (rollback {})",
            f.upgrade_failure * 100.0,
            dist(&f.rollback)
        ));
    }
    if f.sync_failure > 0.0 {
        faults.push(format!("a sync fails with probability {:.0}%", f.sync_failure * 100.0));
    }
    if f.precheck_failure > 0.0 {
        faults.push(format!(
            "a precheck fails with probability {:.0}% (admin fix {}, deadline {})",
            f.precheck_failure * 100.0,
            dist(&f.admin_fix),
            f.precheck_deadline
        ));
    }
    for inj in &f.inject {
        faults.push(format!("injected in every run: {}", inj.describe(site)));
    }
    if faults.is_empty() {
        out.push("Faults: none simulated.".into());
    } else {
        out.push(format!("Faults: {}.", faults.join("; ")));
    }
    out
}

/// The work around the upgrade that the scenario sets (`[preparation]`,
/// `[consoles]`, `[jump_clients]`, `[integrations]`), in one sentence;
/// `None` when it sets none of it.
fn around_the_upgrade(sc: &Scenario) -> Option<String> {
    let p = &sc.preparation;
    let mut parts = Vec::new();
    if let Some(d) = &p.manual_path {
        parts.push(format!("the manual update path before the first window ({})", dist(d)));
    }
    if let Some(r) = &p.rehearsal {
        parts.push(format!(
            "a rehearsal ({}) that catches {:.0}% of failed upgrades and latent defects",
            dist(&r.duration),
            r.catches * 100.0
        ));
    }
    if let Some(d) = &p.order_question {
        parts.push(format!("support's answer on the install order ({})", dist(d)));
    }
    if let Some(d) = &p.download {
        let lost = if p.download_lost > 0.0 {
            format!(", lost with probability {:.0}%", p.download_lost * 100.0)
        } else {
            String::new()
        };
        parts.push(format!(
            "the download before each install, in the window ({}{lost})",
            dist(d)
        ));
    }
    let c = &sc.consoles;
    if c.prestage_msi {
        parts.push("console MSIs pre-staged".to_string());
    }
    if let Some(old) = c.old_msi {
        parts.push(
            match old {
                crate::scenario::prep::OldMsi::Kept => "the old console MSI kept for a return to the old version",
                crate::scenario::prep::OldMsi::NotKept => {
                    "the old console MSI not kept (support provides it after a return)"
                }
            }
            .to_string(),
        );
    }
    let j = &sc.jump_clients;
    if j.count > 0 {
        parts.push(format!(
            "{} Jump Clients reconnecting{} and updating ({} each)",
            j.count,
            j.reconnect_per_minute
                .map(|r| format!(" at up to {} a minute", r))
                .unwrap_or_default(),
            j.update
        ));
    }
    let i = &sc.integrations;
    if i.by_ip > 0 {
        parts.push(format!(
            "{} integration{} configured by IP, re-pointed by hand ({} each)",
            i.by_ip,
            if i.by_ip == 1 { "" } else { "s" },
            dist(&i.repoint)
        ));
    }
    (!parts.is_empty()).then(|| format!("Around the upgrade: {}.", parts.join("; ")))
}

/// The pod's plan beyond its slot (emergencies, rescheduling,
/// preconditions, the steps after the update, failed validations and
/// builds, point releases), in one sentence; `None` for other sites and
/// for a pod that sets none of it.
fn pod_plan(sc: &Scenario) -> Option<String> {
    if !sc.site.kind.upgrades_by_cutover() {
        return None;
    }
    let p = &sc.pod;
    let pct = |x: f64| format!("{:.0}%", x * 100.0);
    let mut parts = Vec::new();
    if p.emergency_per_year > 0.0 {
        parts.push(format!(
            "{} emergency maintenances a year ({} notice)",
            super::chart::fmt_number(p.emergency_per_year),
            p.emergency_notice
        ));
    }
    if p.reschedule_probability > 0.0 {
        parts.push(format!(
            "the slot moved through support with probability {} ({})",
            pct(p.reschedule_probability),
            dist(&p.support_delay)
        ));
    }
    let pre = &p.preconditions;
    for (what, x) in [
        ("an agent", pre.agents),
        ("vCores", pre.vcores),
        ("a management lock", pre.locks),
    ] {
        if x > 0.0 {
            parts.push(format!("{what} unmet with probability {}", pct(x)));
        }
    }
    let post = &p.post_update;
    for (what, d) in [
        ("the agents' update", &post.agents),
        ("Radius accepting the new gateways", &post.radius),
        ("the DNS remap to the load balancer", &post.dns),
    ] {
        if let Some(d) = d {
            parts.push(format!("{what} after the update ({})", dist(d)));
        }
    }
    if p.validation_failure > 0.0 {
        parts.push(format!(
            "green's validation fails with probability {}",
            pct(p.validation_failure)
        ));
    }
    if p.green_build_failure > 0.0 {
        parts.push(format!(
            "green's build fails with probability {}",
            pct(p.green_build_failure)
        ));
    }
    if p.point_release > 0.0 {
        parts.push(format!(
            "a point release follows with probability {}",
            pct(p.point_release)
        ));
    }
    (!parts.is_empty()).then(|| format!("The pod's plan: {}.", parts.join("; ")))
}

/// Everything a report is made from.
pub struct ReportInput<'a> {
    pub scenario: &'a Scenario,
    pub scenario_sha256: String,
    pub version: String,
    pub seed: u64,
    /// The study's replications, aggregated.
    pub agg: &'a Aggregator,
    pub charts: Vec<ReportChart>,
    /// What the sensitivity study found, when one was run.
    pub sensitivity: Option<super::sensitivity::Findings>,
    /// The calendar of a typical run of each strategy, in words
    /// ([`super::calendar::words`]): strategy, replication, sentences.
    pub calendar: Vec<(String, u64, Vec<String>)>,
    /// An Atlas cluster's figures per strategy and region over the runs
    /// (from `regions.csv`); empty for other sites and for results
    /// without one.
    pub regions: Vec<crate::regions::RegionSummary>,
}

// ---------------------------------------------------------------------
// Numbers in words.

/// A share as a percentage with as many decimals as it needs: `56 %`,
/// `9.4 %`, `0.56 %`, `0.026 %`.
pub fn percent(p: f64) -> String {
    let x = p * 100.0;
    // The digits are chosen by the value as printed: a share of 2 in 200
    // (0.0099999…) is "1.0 %", not "1.00 %".
    let a = x.abs() * (1.0 + 1e-9);
    if a == 0.0 {
        "0 %".into()
    } else if a >= 10.0 {
        format!("{x:.0} %")
    } else if a >= 1.0 {
        format!("{x:.1} %")
    } else if a >= 0.1 {
        format!("{x:.2} %")
    } else {
        format!("{x:.3} %")
    }
}

/// A duration in seconds, in words people use: `22 s`, `53 min`,
/// `2.2 h`, `2.0 days`.
fn duration(s: f64) -> String {
    let a = s.abs();
    let v = if a >= 86_400.0 {
        format!("{:.1} days", a / 86_400.0)
    } else if a >= 3600.0 {
        format!("{:.1} h", a / 3600.0)
    } else if a >= 60.0 {
        format!("{:.0} min", a / 60.0)
    } else {
        format!("{a:.0} s")
    };
    if s < -0.0005 { format!("-{v}") } else { v }
}

/// A value of `unit` in words.
pub fn value(unit: Unit, x: f64) -> String {
    let x = if x.abs() < 5e-10 { 0.0 } else { x };
    match unit {
        Unit::Seconds | Unit::Instant => duration(x),
        Unit::Probability | Unit::Flag => percent(x),
        Unit::Ratio => format!("{:.0} %", x * 100.0),
        Unit::Count if x.abs() >= 1000.0 => thousands(x.round() as u64),
        Unit::Count if x.fract() == 0.0 || x.abs() >= 100.0 => format!("{x:.0}"),
        // Two significant digits below 0.1: 0.023, not 0.0.
        Unit::Count if x.abs() < 0.1 => {
            let digits = (1.0 - x.abs().log10().floor()) as usize;
            format!("{x:.digits$}")
        }
        Unit::Count => format!("{x:.1}"),
    }
}

/// A value of metric `m` in words; a time in the metric's one shown unit
/// (the unit of its chart axes).
fn val(m: &Metric, x: f64) -> String {
    if m.unit.is_time() {
        let x = if x.abs() < 5e-4 { 0.0 } else { x };
        // A long time in the next unit up: 37.1 h, not 2224 min; 11.3
        // days, not 270 h.
        let (name, _) = m.shown_unit();
        if name == "min" && x.abs() >= 600.0 * 60.0 || name == "h" && x.abs() >= 72.0 * 3600.0 {
            return duration(x);
        }
        return super::chart::fmt_metric(m.name, x);
    }
    value(m.unit, x)
}

/// A one-sided bound on a small share, to two significant digits with
/// trailing zeros dropped: 0.2991 % is `0.3`.
fn small_percent(p: f64) -> String {
    let x = p * 100.0;
    let digits = if x >= 10.0 {
        0
    } else {
        (1.0 - x.log10().floor()).max(0.0) as usize
    };
    let s = format!("{x:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// `x of n runs (share)`, the share with its 95 % interval; none or all of
/// them give the one-sided bound: `0 of 1,000 (< 0.3 %)`, `1,000 of 1,000
/// (> 99.7 %)`.
pub fn share_of_runs(x: u64, n: u64) -> String {
    let (lo, hi) = proportion_interval(x, n);
    let share = if x == 0 {
        format!("< {} %", small_percent(hi))
    } else if x == n {
        let gap: f64 = small_percent(1.0 - lo).parse().unwrap_or(0.0);
        let left = format!("{:.6}", 100.0 - gap);
        format!("> {} %", left.trim_end_matches('0').trim_end_matches('.'))
    } else {
        format!("{} [{}, {}]", percent(x as f64 / n as f64), percent(lo), percent(hi))
    };
    format!("{} of {} ({share})", thousands(x), thousands(n))
}

/// A mean with its 95 % interval: `53 min [52 min, 54 min]`; a metric that
/// is zero in every run reads `none`, with the count's upper bound.
fn mean_cell(m: &Metric, r: &SummaryRow) -> String {
    if r.all_zero() {
        return match m.unit {
            Unit::Count => format!("none (< {} per run)", bound(r.ci95_high)),
            _ => "none".into(),
        };
    }
    if m.unit == Unit::Flag {
        return share_of_runs(r.nonzero, r.n);
    }
    format!("{} [{}, {}]", val(m, r.mean), val(m, r.ci95_low), val(m, r.ci95_high))
}

/// A small upper bound on a count per run: `0.003`.
fn bound(x: f64) -> String {
    if x >= 0.1 {
        format!("{x:.1}")
    } else {
        let digits = (-x.log10()).ceil().max(1.0) as usize;
        format!("{x:.digits$}")
    }
}

/// First, second, ...
fn ordinal(i: usize) -> String {
    const W: [&str; 10] = [
        "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
    ];
    W.get(i).map_or_else(|| format!("{}th", i + 1), |w| w.to_string())
}

/// `a`, `a and b`, `a, b and c`.
fn and_list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [a] => a.as_ref().to_string(),
        [rest @ .., last] => format!(
            "{} and {}",
            rest.iter().map(|s| s.as_ref()).collect::<Vec<_>>().join(", "),
            last.as_ref()
        ),
    }
}

/// "least" or "most" of a metric, by its direction and unit.
fn least(m: &Metric) -> &'static str {
    match (m.better, m.unit) {
        (Better::Higher, _) => "most",
        (_, Unit::Count) => "fewest",
        _ => "least",
    }
}

// ---------------------------------------------------------------------
// What the report is about.

/// The facts the report states, worked out once.
struct Facts<'a> {
    sc: &'a Scenario,
    strategies: Vec<String>,
    /// Replications per strategy.
    n: u64,
    /// The rows the report shows: every replication, or the completed ones
    /// for a strategy whose procedure was aborted in some (see `aborted`).
    rows: Vec<SummaryRow>,
    /// Paired differences of every pair known.
    pairs: Vec<DiffRow>,
    /// Per strategy: aborted replications.
    aborted: Vec<u64>,
    /// The rows of the aborted replications.
    aborted_rows: Vec<SummaryRow>,
    /// All replications' rows (`summary.csv`), for the faults.
    all_rows: Vec<SummaryRow>,
    bottom: BottomLine,
    risks: Vec<Risk>,
}

impl<'a> Facts<'a> {
    fn new(sc: &'a Scenario, agg: &Aggregator) -> Facts<'a> {
        let strategies = agg.strategies().to_vec();
        let all_rows = agg.summary();
        let aborted: Vec<u64> = (0..strategies.len()).map(|s| agg.aborted_runs(s)).collect();
        // One population for the tables, the charts and the decision: the
        // completed runs of each strategy (every run of one never aborted);
        // the aborted runs apart.
        let rows = agg.summary_of(Runs::Completed);
        let pairs = agg.all_pairs_of(Runs::Completed);
        let (bottom, risks) = {
            let ev = Evidence {
                strategies: &strategies,
                summary: &rows,
                pairs: &pairs,
                negligible: &sc.priorities.negligible,
            };
            // Risk events over the same runs, but for the abort itself,
            // counted over every run.
            let risk_rows: Vec<SummaryRow> = rows
                .iter()
                .filter(|r| r.metric != "aborted")
                .chain(all_rows.iter().filter(|r| r.metric == "aborted"))
                .cloned()
                .collect();
            let every = Evidence {
                summary: &risk_rows,
                ..ev
            };
            (
                bottom_line(&ev, &sc.priorities, &sc.site),
                decision::risk(&every, &sc.risk, &sc.site),
            )
        };
        Facts {
            sc,
            n: agg.replications(),
            aborted,
            aborted_rows: agg.summary_of(Runs::Aborted),
            all_rows,
            rows,
            pairs,
            strategies,
            bottom,
            risks,
        }
    }

    fn ev(&self) -> Evidence<'_> {
        Evidence {
            strategies: &self.strategies,
            summary: &self.rows,
            pairs: &self.pairs,
            negligible: &self.sc.priorities.negligible,
        }
    }

    fn row(&self, s: usize, metric: &str) -> Option<&SummaryRow> {
        self.rows
            .iter()
            .find(|r| r.strategy == self.strategies[s] && r.metric == metric)
    }

    fn mean(&self, s: usize, m: &Metric) -> Option<f64> {
        self.row(s, m.name).map(|r| r.mean)
    }

    fn name(&self, s: usize) -> &str {
        &self.strategies[s]
    }

    /// True when the metric applies to the site and is not zero in every
    /// run of every strategy.
    fn shows(&self, m: &Metric) -> bool {
        applies(m.sites, &self.sc.site) && self.rows.iter().any(|r| r.metric == m.name && !r.all_zero())
    }

    /// The key metrics of the report's tables, by rank.
    fn key_metrics(&self) -> Vec<&'static Metric> {
        metrics::key_metrics()
            .into_iter()
            .filter(|m| m.key.is_some_and(|k| k.in_report) || m.fault)
            .filter(|m| applies(m.sites, &self.sc.site) && (self.shows(m) || m.reported_when_zero()))
            .collect()
    }

    /// The priorities that apply to the site, in order.
    fn priorities(&self) -> Vec<&'static Metric> {
        self.sc
            .priorities
            .order
            .iter()
            .copied()
            .filter(|m| applies(m.sites, &self.sc.site))
            .collect()
    }

    /// The faults that happened in some run.
    fn faults(&self) -> Vec<&'static Metric> {
        metrics::faults()
            .filter(|m| applies(m.sites, &self.sc.site))
            .filter(|m| self.all_rows.iter().any(|r| r.metric == m.name && !r.all_zero()))
            .collect()
    }

    /// The runs the tables cover, in words.
    fn population(&self) -> String {
        if self.aborted.iter().all(|a| *a == 0) {
            format!("{} runs per strategy", thousands(self.n))
        } else {
            format!(
                "each strategy's completed runs ({} of each, less those aborted: ‡ marks a strategy with aborted runs, reported apart under Faults)",
                thousands(self.n)
            )
        }
    }

    /// `name` for a strategy whose report rows leave its aborted runs out.
    fn marked(&self, s: usize) -> String {
        let name = self.name(s);
        if self.aborted[s] > 0 && self.rows.iter().any(|r| r.strategy == name && r.n < self.n) {
            format!("{} ‡", self.name(s))
        } else {
            self.name(s).to_string()
        }
    }
}

// ---------------------------------------------------------------------
// The bottom line.

/// A mean in words: `3.1 on average`, or `none in any run`.
fn on_average(f: &Facts, m: &Metric, s: usize) -> String {
    match f.row(s, m.name) {
        Some(r) if r.all_zero() => format!("no {} in any run", m.words),
        Some(r) => format!("{} on average", val(m, r.mean)),
        None => "–".into(),
    }
}

/// The bottom line's two or three sentences for a scenario and its
/// study, with Markdown's `**bold**`.
pub fn bottom_line_for(sc: &Scenario, agg: &Aggregator) -> String {
    bottom_text(&Facts::new(sc, agg))
}

fn bottom_text(f: &Facts) -> String {
    let mut text = bottom_sentences(f);
    let inject = &f.sc.faults.inject;
    if !inject.is_empty() {
        let what: Vec<String> = inject.iter().map(|i| i.describe(&f.sc.site)).collect();
        let _ = write!(
            text,
            " Every run assumes the injected {}: {}.",
            if what.len() == 1 { "fault" } else { "faults" },
            and_list(&what)
        );
    }
    text
}

fn bottom_sentences(f: &Facts) -> String {
    let b = &f.bottom;
    let pick = b.pick;
    let order = f.priorities();
    let rank = |m: &Metric| order.iter().position(|p| p.name == m.name).unwrap_or(0);
    let mut text = String::new();
    if f.strategies.len() == 1 {
        let _ = write!(text, "**Recommended: {}**, the only strategy compared. ", f.name(pick));
        let mut parts = Vec::new();
        for m in order.iter().filter(|m| f.shows(m)).take(2) {
            if let Some(r) = f.row(pick, m.name) {
                parts.push(format!(
                    "{} {} on average ({} in 1 run of 20, {} at worst)",
                    val(m, r.mean),
                    m.words,
                    val(m, r.p95),
                    val(m, r.max)
                ));
            }
        }
        let none: Vec<&str> = order.iter().filter(|m| !f.shows(m)).map(|m| m.words).collect();
        if parts.is_empty() {
            let _ = write!(text, "Expect no {} in any run. ", and_list(&none));
        } else {
            let _ = write!(text, "Expect {}", and_list(&parts));
            if !none.is_empty() {
                let _ = write!(text, ", and no {}", and_list(&none));
            }
            text.push_str(". ");
        }
        let _ = write!(
            text,
            "Its risk class is {}; compare it with another strategy to see what a different plan would cost.",
            risk_words(f, pick)
        );
        return text;
    }
    let _ = write!(text, "**Recommended: {}.** ", f.name(pick));
    let mut clauses: Vec<String> = Vec::new();
    for (i, step) in b.steps.iter().enumerate() {
        let m = step.metric;
        let runner = step
            .before
            .iter()
            .copied()
            .filter(|s| !step.kept.contains(s))
            .min_by(|x, y| {
                let (a, b) = (f.mean(*x, m).unwrap_or(f64::MAX), f.mean(*y, m).unwrap_or(f64::MAX));
                if m.better == Better::Higher {
                    b.total_cmp(&a)
                } else {
                    a.total_cmp(&b)
                }
            });
        let lead = if i == 0 {
            let before: Vec<&str> = order[..rank(m)].iter().map(|p| p.words).collect();
            if before.is_empty() {
                format!("Your {} priority is {}: ", ordinal(rank(m)), m.words)
            } else {
                format!(
                    "The strategies cannot be told apart on {}; your {} priority is {}: ",
                    and_list(&before),
                    ordinal(rank(m)),
                    m.words
                )
            }
        } else {
            format!("of those, on {} (your {} priority), ", m.words, ordinal(rank(m)))
        };
        let rest = runner.map_or(String::new(), |r| {
            format!(", against {} for {}", on_average(f, m, r), f.name(r))
        });
        if step.kept.len() == 1 {
            clauses.push(format!(
                "{lead}{} has the {} ({}{rest})",
                f.name(pick),
                least(m),
                on_average(f, m, pick)
            ));
        } else {
            let names: Vec<&str> = step.kept.iter().map(|s| f.name(*s)).collect();
            let means: Vec<f64> = step.kept.iter().filter_map(|s| f.mean(*s, m)).collect();
            let (lo, hi) = means
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(*x), b.max(*x)));
            if hi > lo {
                // Apart, but by less than matters or than the runs can tell.
                clauses.push(format!(
                    "{lead}{} tie, from {} to {} on average{rest}",
                    and_list(&names),
                    val(m, lo),
                    val(m, hi)
                ));
            } else {
                clauses.push(format!(
                    "{lead}{} tie with {}{rest}",
                    and_list(&names),
                    on_average(f, m, step.best)
                ));
            }
        }
    }
    if !b.equivalent.is_empty() {
        let names: Vec<&str> = b.equivalent.iter().map(|s| f.name(*s)).collect();
        let rest = if b.steps.is_empty() {
            "any of your priorities"
        } else {
            "the other priorities"
        };
        clauses.push(format!(
            "{}{} cannot be told apart from {} on {rest}, and comes first on the first of them where the means differ at all",
            if b.steps.is_empty() { "" } else { "and " },
            f.name(pick),
            and_list(&names)
        ));
    }
    let mut why = clauses.join("; ");
    if let Some(first) = why.get(..1) {
        why = first.to_uppercase() + &why[1..];
    }
    let _ = write!(text, "{why}. ");
    if let Some(limits) = limits_words(f) {
        let _ = write!(text, "{limits} ");
    }
    let costs: Vec<String> = b
        .costs
        .iter()
        .take(2)
        .map(|c| {
            let m = c.metric;
            format!(
                "{} of {} on average, against {} with {}",
                m.words,
                val(m, f.mean(pick, m).unwrap_or(0.0)),
                val(m, f.mean(c.best, m).unwrap_or(0.0)),
                f.name(c.best)
            )
        })
        .collect();
    if costs.is_empty() {
        let _ = write!(
            text,
            "It costs nothing on your priorities: no other strategy does clearly better on any of them; its risk class is {}.",
            risk_words(f, pick)
        );
    } else {
        let _ = write!(
            text,
            "What it costs: {}; its risk class is {}.",
            costs.join("; "),
            risk_words(f, pick)
        );
    }
    if f.aborted[pick] > 0 {
        let _ = write!(
            text,
            " Its procedure was aborted in {} (see Faults).",
            share_of_runs(f.aborted[pick], f.n)
        );
    }
    text
}

/// What the board's limits say of the pick: the limits it goes over, with
/// the share of runs, or the strategies the limits ruled out.
fn limits_words(f: &Facts) -> Option<String> {
    let b = &f.bottom;
    let n = f.strategies.len();
    let over = |s: usize| -> Vec<String> {
        decision::breaches(&f.ev(), s, &f.sc.site)
            .iter()
            .map(|x| {
                format!(
                    "goes over your {} limit of {} in {}",
                    x.metric.words,
                    val(x.metric, x.limit),
                    share_of_runs(x.over, x.n)
                )
            })
            .collect()
    };
    if !b.breaches.is_empty() {
        return Some(format!(
            "**Beware: {} {}**; no strategy keeps within all your limits.",
            f.name(b.pick),
            and_list(&over(b.pick))
        ));
    }
    if b.within_limits.len() < n {
        let out: Vec<String> = (0..n)
            .filter(|s| !b.within_limits.contains(s))
            .map(|s| format!("{} {}", f.name(s), and_list(&over(s))))
            .collect();
        return Some(format!(
            "It keeps within your limits (`[thresholds]`); {}, so {} not recommended.",
            and_list(&out),
            if out.len() == 1 { "it is" } else { "they are" }
        ));
    }
    None
}

/// `high (window overrun in 663 of 1,000 runs: likely, moderate impact;
/// defect escaped …)`: the class and every event that reaches it.
fn risk_words(f: &Facts, s: usize) -> String {
    let r = &f.risks[s];
    let at: Vec<String> = r
        .events
        .iter()
        .filter(|e| e.class == r.class)
        .map(|e| event_words(e, f.n))
        .collect();
    if at.is_empty() {
        format!("{} (no risk event in any run)", r.class.name())
    } else {
        format!("{} ({})", r.class.name(), at.join("; "))
    }
}

/// A risk event in words: `exposure risk 0.56 %: rare, high impact`.
fn event_words(e: &RiskEvent, total: u64) -> String {
    // A share of fewer runs than the study's is of the completed ones.
    let runs = |n: u64| if n < total { "completed runs" } else { "runs" };
    let what = match (e.runs, e.threshold) {
        (None, _) => format!("{} {}", e.metric.words, percent(e.likelihood)),
        (Some((x, n)), Some(t)) => format!(
            "{} above {} in {} of {} {}",
            e.metric.words,
            val(e.metric, t),
            thousands(x),
            thousands(n),
            runs(n)
        ),
        (Some((x, n)), None) => format!("{} in {} of {} {}", e.metric.words, thousands(x), thousands(n), runs(n)),
    };
    format!("{what}: {}, {} impact", e.band.name(), e.impact.name())
}

// ---------------------------------------------------------------------
// The document.

/// Per strategy, the Markdown header cells.
fn header(f: &Facts, first: &str) -> Vec<String> {
    std::iter::once(first.to_string())
        .chain((0..f.strategies.len()).map(|s| f.marked(s)))
        .collect()
}

fn key_results(f: &Facts, out: &mut Vec<Block>) {
    out.push(Block::Section("Key results".into()));
    out.push(Block::p(format!(
        "Mean and 95% interval of the mean over {} (the interval never leaves what the metric can be: see the glossary).",
        f.population()
    )));
    let rows: Vec<Vec<String>> = f
        .key_metrics()
        .into_iter()
        .map(|m| {
            std::iter::once(m.words.to_string())
                .chain((0..f.strategies.len()).map(|s| f.row(s, m.name).map_or("–".into(), |r| mean_cell(m, r))))
                .collect()
        })
        .collect();
    out.push(Block::table(header(f, "metric"), rows));
    let marked: Vec<usize> = (0..f.strategies.len()).filter(|s| f.marked(*s) != f.name(*s)).collect();
    if !marked.is_empty() {
        let which: Vec<String> = marked
            .iter()
            .map(|s| format!("{} was aborted in {}", f.name(*s), share_of_runs(f.aborted[*s], f.n)))
            .collect();
        out.push(Block::note(format!(
            "‡ Over the completed runs only: {}. The aborted runs are reported apart, under Faults.",
            and_list(&which)
        )));
    }
}

fn tails(f: &Facts, out: &mut Vec<Block>) {
    out.push(Block::Section("Tails: median, p95 and worst case".into()));
    out.push(Block::p(
        format!(
            "Over {}: half the runs do better than the median; 1 run in 20 does worse than the p95; the worst is the worst run seen.",
            f.population()
        ),
    ));
    let rows: Vec<Vec<String>> = f
        .key_metrics()
        .into_iter()
        .filter(|m| m.unit != Unit::Flag)
        .map(|m| {
            std::iter::once(m.words.to_string())
                .chain((0..f.strategies.len()).map(|s| {
                    f.row(s, m.name).map_or("–".into(), |r| {
                        if r.all_zero() {
                            "none".into()
                        } else {
                            format!("{} / {} / {}", val(m, r.p50), val(m, r.p95), val(m, r.max))
                        }
                    })
                }))
                .collect()
        })
        .collect();
    out.push(Block::table(header(f, "median / p95 / worst"), rows));

    // Thresholds.
    let mut rows = Vec::new();
    for m in METRICS {
        let Some(t) = f
            .rows
            .iter()
            .find(|r| r.metric == m.name)
            .and_then(|r| r.threshold)
            .map(|t| t.0)
        else {
            continue;
        };
        if !applies(m.sites, &f.sc.site) {
            continue;
        }
        let mut row = vec![format!("P({} > {})", m.words, val(m, t))];
        for s in 0..f.strategies.len() {
            row.push(f.row(s, m.name).map_or("–".into(), |r| share_of_runs(r.exceed, r.n)));
        }
        rows.push(row);
    }
    if !rows.is_empty() {
        out.push(Block::Subsection("How often each threshold is exceeded".into()));
        out.push(Block::p(
            format!("Runs above the scenario's thresholds (`[thresholds]`), of {}, with the 95% interval of the share; when no run (or every run) is above, the one-sided bound.", f.population())
                ,
        ));
        out.push(Block::table(header(f, "threshold"), rows));
    }

    // Window fit.
    if let Some(m) = metrics::find(WINDOW_OVERRUN).filter(|m| applies(m.sites, &f.sc.site)) {
        let pod = f.sc.site.kind.scheduled_by_service();
        out.push(Block::Subsection(if pod {
            "Fit in the service's allotment".into()
        } else {
            "Fit in the maintenance window".into()
        }));
        let mut overrun = vec![if pod {
            "runs past the allotment".to_string()
        } else {
            "runs that overrun the window".to_string()
        }];
        let mut p95 = vec!["p95 overrun".to_string()];
        let mut warnings = Vec::new();
        for s in 0..f.strategies.len() {
            let Some(r) = f.row(s, m.name) else {
                overrun.push("–".into());
                p95.push("–".into());
                continue;
            };
            overrun.push(share_of_runs(r.nonzero, r.n));
            p95.push(val(m, r.p95));
            if r.p95 > 0.0 {
                warnings.push(format!(
                    "**Warning:** {} does not fit {} in 1 run of 20 or more: its p95 overrun is {} (worst {}).",
                    f.name(s),
                    if pod { "the allotment" } else { "its window" },
                    val(m, r.p95),
                    val(m, r.max)
                ));
            }
        }
        out.push(Block::p(format!(
            "{}: {}",
            if pod {
                format!(
                    "The maintenance (cutover and validation) past the {} the service allots",
                    f.sc.pod.allotment
                )
            } else {
                "Working time of the procedure outside any maintenance window (the waits between windows are not work)"
                    .into()
            },
            match (warnings.is_empty(), f.strategies.len()) {
                (true, 1) => "the p95 procedure fits.",
                (true, _) => "the p95 procedure fits for every strategy.",
                (false, 1) => "the p95 procedure does not fit.",
                (false, _) => "the p95 procedure does not fit for some strategies.",
            }
        )));
        out.push(Block::table(header(f, "window"), vec![overrun, p95]));
        for w in warnings {
            out.push(Block::p(w));
        }
    }

    // Risk classes.
    out.push(Block::Subsection("Risk class".into()));
    let rows: Vec<Vec<String>> = (0..f.strategies.len())
        .map(|s| {
            let r = &f.risks[s];
            let at: Vec<String> = r
                .events
                .iter()
                .filter(|e| e.class == r.class)
                .map(|e| event_words(e, f.n))
                .collect();
            vec![
                f.marked(s),
                r.class.name().to_string(),
                if at.is_empty() {
                    "no risk event in any run".into()
                } else {
                    at.join("; ")
                },
            ]
        })
        .collect();
    out.push(Block::table(["strategy", "risk", "what sets it"], rows));
    out.push(Block::note(risk_matrix_words(f)));
}

/// The risk matrix in words.
fn risk_matrix_words(f: &Facts) -> String {
    let rm = &f.sc.risk;
    let events: Vec<String> = rm
        .impact
        .iter()
        .filter(|(m, _)| applies(m.sites, &f.sc.site))
        .map(|(m, i)| {
            let what = if m.unit == Unit::Probability {
                format!("{} (its mean is the likelihood)", m.words)
            } else if let Some((_, t)) = f.sc.thresholds.iter().find(|(n, _)| n == m.name) {
                format!("{} above {}", m.words, val(m, *t))
            } else {
                format!("{} above 0", m.words)
            };
            format!("{what}: {}", i.name())
        })
        .collect();
    let cells: Vec<String> = Band::ALL
        .iter()
        .map(|b| {
            let c: Vec<&str> = Impact::ALL.iter().map(|i| rm.class(*b, *i).name()).collect();
            format!("{} {}", b.name(), c.join("/"))
        })
        .collect();
    format!(
        "How the class is set: an event's likelihood is rare below {}, possible from {}, likely from {}; its impact is {}. The class of likelihood × impact (low/moderate/high impact) is {}; a strategy's risk is its highest class. {}",
        percent(rm.possible),
        percent(rm.possible),
        percent(rm.likely),
        if events.is_empty() {
            "none (no event is set)".into()
        } else {
            events.join("; ")
        },
        cells.join("; "),
        if rm.stated {
            "The scenario sets them in `[risk]`."
        } else {
            "These are the defaults; a scenario sets its own in `[risk]`."
        }
    )
}

fn faults(f: &Facts, out: &mut Vec<Block>) {
    let faults = f.faults();
    if faults.is_empty() {
        return;
    }
    out.push(Block::Section("Faults".into()));
    out.push(Block::p(
        format!(
            "Runs in which each fault happened, of all {} runs of each strategy, aborted ones included (a fault is often what aborts a run), with the 95% interval of the share, and the mean per run.",
            thousands(f.n)
        ),
    ));
    let rows: Vec<Vec<String>> = faults
        .iter()
        .map(|m| {
            std::iter::once(m.words.to_string())
                .chain((0..f.strategies.len()).map(|s| {
                    f.all_rows
                        .iter()
                        .find(|r| r.strategy == f.strategies[s] && r.metric == m.name)
                        .map_or("–".into(), |r| {
                            let runs = share_of_runs(r.nonzero, r.n);
                            if m.unit == Unit::Flag || r.all_zero() {
                                runs
                            } else {
                                format!("{runs}, {} per run", val(m, r.mean))
                            }
                        })
                }))
                .collect()
        })
        .collect();
    let names: Vec<String> = std::iter::once("fault".to_string())
        .chain(f.strategies.iter().cloned())
        .collect();
    out.push(Block::table(names, rows));
    for s in 0..f.strategies.len() {
        if f.aborted[s] == 0 {
            continue;
        }
        let times: Vec<String> = f
            .key_metrics()
            .into_iter()
            .filter(|m| m.unit == Unit::Seconds)
            .filter_map(|m| {
                let r = f
                    .aborted_rows
                    .iter()
                    .find(|r| r.strategy == f.strategies[s] && r.metric == m.name)?;
                Some(format!("{} {}", m.words, val(m, r.mean)))
            })
            .collect();
        out.push(Block::p(format!(
            "**{}**: aborted in {}. An aborted run's figures stop at the abort, and the site is left as the abort found it{}, so they would read as a short, cheap upgrade: they are kept apart. The tables above describe its completed runs; in the aborted runs, up to the abort, the means were {} (lower bounds).",
            f.name(s),
            share_of_runs(f.aborted[s], f.n),
            if f.sc.site.has_backup() {
                " (for example still without a working failover)"
            } else if f.sc.site.kind.upgrades_by_cutover() {
                " (a pod whose update failed, a precheck fixed too late or management locks left: still on the old version, and unsupported until the fix, under unsupported)"
            } else {
                " (for example still on the old version)"
            },
            and_list(&times)
        )));
    }
}

fn site_story(f: &Facts, agg: &Aggregator, out: &mut Vec<Block>) {
    let sc = f.sc;
    if !sc.site.kind.upgrades_by_cutover() {
        return;
    }
    out.push(Block::Section("The maintenance slot".into()));
    let p = &sc.pod;
    let mut items = Vec::new();
    // Every metric of the pods only: shares of runs and durations.
    for m in METRICS.iter().filter(|m| m.sites == Sites::Pods) {
        for s in 0..f.strategies.len() {
            let Some(r) = f.row(s, m.name) else { continue };
            let who = if f.strategies.len() > 1 {
                format!(" ({})", f.name(s))
            } else {
                String::new()
            };
            match m.unit {
                // The slot in the preferred window is the scenario's
                // `miss_probability` read back: an assumption, said once.
                Unit::Flag if m.name == "in_preferred_window" => {
                    if let (Some((d, h)), 0) = (p.preferred, s) {
                        items.push(format!(
                            "The preferred window, {} {h:02}:00 {}: an assumption, not a finding. miss_probability = {} comes from the scenario (the service's best effort, which its text does not quantify); the slot fell in the window in {}, as assumed.",
                            WEEKDAYS[d as usize],
                            p.preferred_zone.name(&f.sc.calendar),
                            p.miss_probability,
                            share_of_runs(r.nonzero, r.n),
                        ));
                        if let Some(text) = missed_slots(agg, &f.sc.calendar, p, d as usize * 24 + h as usize) {
                            items.push(text);
                        }
                    }
                }
                // An emergency or a move through support the scenario
                // leaves off is under Not simulated, not a line of zeros.
                Unit::Flag if m.name == "emergency" && p.emergency_per_year == 0.0 => {}
                Unit::Flag if m.name == "rescheduled" && p.reschedule_probability == 0.0 => {}
                Unit::Flag => items.push(format!("P({}){who}: {}.", m.words, share_of_runs(r.nonzero, r.n))),
                // At most one a run: the share of runs with one.
                Unit::Count if m.name == "point_releases" && p.point_release > 0.0 => items.push(format!(
                    "A point release after the update, at `pod.point_release` = {}{who}: {}.",
                    p.point_release,
                    share_of_runs(r.nonzero, r.n)
                )),
                // A run left unsupported is an aborted one: the faults
                // section tells it, over every run.
                Unit::Seconds if m.name == "unsupported_s" => {}
                // Without the remap, under Not simulated.
                Unit::Seconds if m.name == "dns_unremapped_s" && p.post_update.dns.is_none() => {}
                Unit::Seconds => items.push(format!(
                    "{}{who}: {} on average, {} in 1 run of 20.",
                    capitalised(m.words),
                    val(m, r.mean),
                    val(m, r.p95)
                )),
                _ => {}
            }
        }
    }
    if p.preferred.is_none() {
        items.push("No preferred window is set: the service picks any hourly slot.".into());
    }
    items.push(format!(
        "Notice: users are told when the slot is scheduled, at least {} ahead{}, reminded every {}, and at the start and the end.",
        p.lead_time,
        if p.preferred.is_some() {
            format!(
                " (up to {} when the preferred window is missed)",
                crate::time::SimDuration(p.lead_time.0 + p.spread.0)
            )
        } else {
            format!(" (up to {})", crate::time::SimDuration(p.lead_time.0 + p.spread.0))
        },
        p.reminder_interval
    ));
    if p.emergency_per_year > 0.0 {
        items.push(format!(
            "An emergency maintenance comes with {} notice instead, at any hour (`pod.emergency_per_year` = {}).",
            p.emergency_notice, p.emergency_per_year
        ));
    }
    if let Some(m) = metrics::find(LOST_WORK) {
        for s in 0..f.strategies.len() {
            let Some(r) = f.row(s, m.name) else { continue };
            items.push(if r.all_zero() {
                format!(
                    "Sessions that lose work: none in any run ({} of sessions are in farms that close disconnected sessions at once).",
                    percent(p.close_immediately_fraction)
                )
            } else {
                format!(
                    "Sessions that lose work{}: {} on average, {} in 1 run of 20 — those whose farm closes disconnected sessions before their user is back ({} of sessions are in farms that close them at once; users come back when they next work, by the workload's weekly profile); the others resume when their user comes back.",
                    if f.strategies.len() > 1 { format!(" ({})", f.name(s)) } else { String::new() },
                    val(m, r.mean),
                    val(m, r.p95),
                    percent(p.close_immediately_fraction)
                )
            });
        }
    }
    out.push(Block::list(items));
}

/// The metrics that split `dropped_sessions` by cause, in column order.
const DROP_CAUSES: [&str; 6] = [
    "dropped_drain_timeout",
    "dropped_upgrade",
    "dropped_switch",
    "dropped_crash",
    "dropped_restore",
    "dropped_cutover",
];

/// Dropped sessions by cause, when some run dropped any: per cause that
/// happened, its mean and 95th percentile per strategy (the causes add up
/// to the dropped sessions of each run).
fn drops_by_cause(f: &Facts, out: &mut Vec<Block>) {
    let Some(total) = metrics::find("dropped_sessions") else {
        return;
    };
    let all_zero = |name: &str| (0..f.strategies.len()).all(|s| f.row(s, name).is_none_or(|r| r.all_zero()));
    if all_zero(total.name) {
        return;
    }
    out.push(Block::Section("Dropped sessions by cause".into()));
    out.push(Block::note(format!(
        "Mean / 95th percentile per run, over {}; the causes of a run add up to its dropped sessions.",
        f.population()
    )));
    let cell = |m: &Metric, s: usize| match f.row(s, m.name) {
        Some(r) => format!("{} / {}", value(m.unit, r.mean), value(m.unit, r.p95)),
        None => "-".into(),
    };
    let mut rows = Vec::new();
    for m in DROP_CAUSES.iter().filter_map(|n| metrics::find(n)) {
        if all_zero(m.name) {
            continue;
        }
        let mut row = vec![capitalised(m.words.trim_start_matches("dropped "))];
        row.extend((0..f.strategies.len()).map(|s| cell(m, s)));
        rows.push(row);
    }
    let mut row = vec![format!("**All ({})**", total.words)];
    row.extend((0..f.strategies.len()).map(|s| cell(total, s)));
    rows.push(row);
    out.push(Block::table(header(f, "cause"), rows));
}

/// The figures of the work around the upgrade the scenario sets (the
/// preparation, the download, the consoles' old MSI, Jump Clients,
/// integrations by IP): per figure, its mean and 95th percentile per
/// strategy. Nothing when the scenario sets none of it.
fn around_the_upgrade_story(f: &Facts, out: &mut Vec<Block>) {
    let sc = f.sc;
    let p = &sc.preparation;
    let mut names: Vec<&str> = Vec::new();
    if p.manual_path.is_some() || p.rehearsal.is_some() || p.order_question.is_some() {
        names.push("preparation_s");
    }
    if p.download.is_some() {
        names.push("download_s");
    }
    if sc.consoles.old_msi.is_some() {
        names.push("technician_unavailable_s");
    }
    if sc.jump_clients.count > 0 {
        names.extend(["jump_clients_offline_s", "peak_reconnects_per_minute"]);
    }
    if sc.integrations.by_ip > 0 {
        names.push("integration_gap_s");
    }
    let shown: Vec<&Metric> = names.into_iter().filter_map(metrics::find).collect();
    if shown.is_empty() {
        return;
    }
    out.push(Block::Section("Around the upgrade".into()));
    out.push(Block::note(format!(
        "Mean / 95th percentile per run, over {}, of the work around the upgrade that the scenario sets (see The scenario).",
        f.population()
    )));
    let rows = shown
        .iter()
        .map(|m| {
            let over = match m.name {
                "jump_clients_offline_s" => format!(" (added over the {} clients)", sc.jump_clients.count),
                "integration_gap_s" => format!(
                    " (added over the {} integration{})",
                    sc.integrations.by_ip,
                    if sc.integrations.by_ip == 1 { "" } else { "s" }
                ),
                _ => String::new(),
            };
            let mut row = vec![format!("{}{over}", capitalised(m.words))];
            row.extend((0..f.strategies.len()).map(|s| match f.row(s, m.name) {
                Some(r) => format!("{} / {}", value(m.unit, r.mean), value(m.unit, r.p95)),
                None => "-".into(),
            }));
            row
        })
        .collect();
    out.push(Block::table(header(f, "figure"), rows));
}

/// An Atlas cluster's figures per region over the runs (from
/// `regions.csv`): time with no accepting node, peak load during the
/// procedure, sessions spilled to another region.
fn regions_story(f: &Facts, regions: &[crate::regions::RegionSummary], out: &mut Vec<Block>) {
    if regions.is_empty() {
        return;
    }
    out.push(Block::Section("Regions".into()));
    let runs = regions.iter().map(|r| r.runs).max().unwrap_or(0);
    out.push(Block::note(format!(
        "Mean / 95th percentile over {} runs (aborted ones included). No accepting node: time from the procedure's start to the run's end when no traffic node of the region was up and accepting new client connections. Peak load: while the procedure ran, the most sessions the region's clients held (on its own nodes, draining ones included, or elsewhere) over the capacity of its nodes accepting at that moment; above 100 % its clients held more sessions than those nodes can carry. Spilled: sessions of the region's clients served by another region's node, from the procedure's start.",
        thousands(runs)
    )));
    let several = f.strategies.len() > 1;
    let mut head = vec!["region".to_string()];
    if several {
        head.push("strategy".into());
    }
    head.extend([
        "no accepting node".into(),
        "peak load".into(),
        "spilled sessions".into(),
    ]);
    let pair = |a: String, b: String| format!("{a} / {b}");
    let rows: Vec<Vec<String>> = regions
        .iter()
        .map(|r| {
            let mut row = vec![r.region.clone()];
            if several {
                row.push(r.strategy.clone());
            }
            row.push(pair(duration(r.no_accepting_s.mean), duration(r.no_accepting_s.p95)));
            row.push(pair(percent(r.peak_load.mean), percent(r.peak_load.p95)));
            row.push(pair(
                value(Unit::Count, r.spilled_sessions.mean),
                value(Unit::Count, r.spilled_sessions.p95),
            ));
            row
        })
        .collect();
    out.push(Block::table(head, rows));
    // The region that went longest without an accepting node, in words
    // (when one did, alone: not when the whole site was down alike).
    let longest = regions.iter().map(|r| r.no_accepting_s.mean).fold(0.0, f64::max);
    let at_longest: Vec<_> = regions.iter().filter(|r| r.no_accepting_s.mean == longest).collect();
    if let [worst] = at_longest[..]
        && longest > 0.0
    {
        out.push(Block::p(format!(
            "Longest without an accepting node: {}{}, {} on average ({} in 1 run of 20); its clients are served by another region meanwhile, or not at all when no region accepts.",
            worst.region,
            if several { format!(" ({})", worst.strategy) } else { String::new() },
            duration(worst.no_accepting_s.mean),
            duration(worst.no_accepting_s.p95)
        )));
    }
}

/// Where the slots that missed the preferred window fell (every run of
/// the first strategy: the scheduler draws the same slots for all): the
/// share of runs by weekday, and how many fell in the daytime (08:00 to
/// 18:00) of a weekday, in the preferred window's zone. `None` when no slot
/// missed.
fn missed_slots(
    agg: &Aggregator,
    calendar: &crate::model::calendar::Calendar,
    p: &crate::scenario::PodSpec,
    preferred: usize,
) -> Option<String> {
    let mut per_hour = [0.0; 168];
    let mut last = 0.0;
    for (x, cum) in agg.ecdf_of(0, "scheduled_hour", Runs::All) {
        let h = x.round();
        if (0.0..168.0).contains(&h) {
            per_hour[h as usize] += cum - last;
        }
        last = cum;
    }
    per_hour[preferred] = 0.0;
    let missed: f64 = per_hour.iter().sum();
    if missed <= 0.0 {
        return None;
    }
    let days: Vec<String> = (0..7)
        .filter_map(|d| {
            let share: f64 = per_hour[d * 24..d * 24 + 24].iter().sum();
            (share > 0.0).then(|| format!("{} {}", WEEKDAYS[d], percent(share)))
        })
        .collect();
    let daytime: f64 = (0..5).flat_map(|d| d * 24 + 8..d * 24 + 18).map(|h| per_hour[h]).sum();
    Some(format!(
        "Missed slots ({} of runs) fell on, in {}: {} (shares of all runs); {} of them between 08:00 and 18:00 on a weekday, when users are likely at work.",
        percent(missed),
        p.preferred_zone.name(calendar),
        days.join(", "),
        percent(daytime / missed)
    ))
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A recommendation per goal that applies to the site, each with its
/// trade-off in one sentence; one that differs from the bottom line says why.
fn recommendations(f: &Facts) -> Vec<(String, String)> {
    let ev = f.ev();
    let all: Vec<usize> = (0..f.strategies.len()).collect();
    let goals: Vec<(&str, &'static Metric)> = metrics::goals()
        .filter(|(_, m)| applies(m.sites, &f.sc.site) && (f.shows(m) || m.reported_when_zero()))
        .collect();
    let mut out = Vec::new();
    for &(goal, m) in &goals {
        let winners = match verdict(&ev, &all, m) {
            Verdict::Best(w) => vec![w],
            Verdict::Tie(t) => t,
            Verdict::None => continue,
        };
        let w = winners[0];
        let mut text = String::new();
        if winners.len() == all.len() {
            let values: Vec<String> = all
                .iter()
                .map(|s| format!("{} {}", f.name(*s), val(m, f.mean(*s, m).unwrap_or(0.0))))
                .collect();
            let _ = write!(
                text,
                "No difference that matters: the paired differences' 95% intervals include zero, or the means differ by less than matters ({}).",
                values.join(", ")
            );
            out.push((goal.to_string(), text));
            continue;
        }
        let names: Vec<String> = winners.iter().map(|s| format!("**{}**", f.name(*s))).collect();
        let runner = ev.best(
            &all.iter().copied().filter(|s| !winners.contains(s)).collect::<Vec<_>>(),
            m,
        );
        let means: Vec<f64> = winners.iter().filter_map(|s| f.mean(*s, m)).collect();
        let (lo, hi) = means
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(*x), b.max(*x)));
        let _ = write!(
            text,
            "{}: mean {} {}",
            and_list(&names),
            m.words,
            if hi > lo {
                format!("{} to {}", val(m, lo), val(m, hi))
            } else {
                val(m, f.mean(w, m).unwrap_or(0.0))
            }
        );
        if winners.len() > 1 {
            text.push_str(
                " (tied: their paired differences' 95% intervals include zero, or they differ by less than matters)",
            );
        }
        if let Some(r) = runner {
            let _ = write!(
                text,
                " against {} for {}",
                val(m, f.mean(r, m).unwrap_or(0.0)),
                f.name(r)
            );
        }
        text.push_str(". ");
        // The trade-off: the other goal where the winners fall furthest
        // behind a strategy outside them that does clearly better than
        // each of them (a contrast never names one strategy on both sides).
        let mut worst: Option<(f64, &Metric, usize, usize)> = None;
        for (_, o) in goals.iter().filter(|(_, o)| o.name != m.name) {
            let Some(b) = ev.best(&all, o) else { continue };
            if winners.iter().any(|x| *x == b || ev.tied(*x, b, o.name)) {
                continue;
            }
            // The winners' best on it: what "their" trade-off is at least.
            let Some(near) = ev.best(&winners, o) else { continue };
            let Some(mine) = f.mean(near, o) else { continue };
            let best = f.mean(b, o).unwrap_or(0.0);
            let values: Vec<f64> = all.iter().filter_map(|s| f.mean(*s, o)).collect();
            let spread = values.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
                - values.iter().cloned().fold(f64::INFINITY, f64::min);
            let behind = if spread > 0.0 {
                (mine - best).abs() / spread
            } else {
                0.0
            };
            if worst.as_ref().is_none_or(|x| behind > x.0) {
                worst = Some((behind, o, b, near));
            }
        }
        match worst {
            Some((_, o, b, near)) => {
                let _ = write!(
                    text,
                    "Trade-off: {} {} is {}{} where {} has {}.",
                    if winners.len() > 1 { "their" } else { "its" },
                    o.words,
                    if winners.len() > 1 { "at least " } else { "" },
                    val(o, f.mean(near, o).unwrap_or(0.0)),
                    f.name(b),
                    val(o, f.mean(b, o).unwrap_or(0.0))
                );
            }
            None => {
                text.push_str("Trade-off: none among these goals; it is also the best or tied on each of the others.")
            }
        }
        let pick = f.bottom.pick;
        if !winners.contains(&pick) {
            let why = f
                .bottom
                .steps
                .iter()
                .find(|st| winners.iter().all(|x| !st.kept.contains(x)) && st.kept.contains(&pick))
                .map(|st| st.metric.words);
            let _ = write!(
                text,
                " The bottom line recommends {} instead: {}.",
                f.name(pick),
                match why {
                    Some(w) if w != m.words => format!("your priorities put {w} before {}", m.words),
                    _ => format!("{} is not among your priorities' deciding ones", m.words),
                }
            );
        }
        out.push((goal.to_string(), text));
    }
    out
}

/// The caption of a sensitivity study's tornado chart.
pub fn tornado_caption(t: &super::sensitivity::Tornado, runs: u64) -> String {
    format!(
        "Sensitivity: mean {} of {} with each input at the low (blue) and the high (orange) end of its range, the others as given, over {runs} runs per point; the line is the scenario as given, a diamond where the recommendation changes (see What would change the decision).",
        metric_words(&t.metric),
        t.strategy
    )
}

/// The section "The calendar": per strategy, the windows a typical run
/// worked in, its waits for a window and what skipped windows added.
fn calendar(runs: &[(String, u64, Vec<String>)], out: &mut Vec<Block>) {
    if runs.iter().all(|(_, _, lines)| lines.is_empty()) {
        return;
    }
    out.push(Block::Section("The calendar".into()));
    out.push(Block::p(
        "The windows each strategy's typical run worked in, the waits between them (a two-window procedure waits for its second window; a freeze can skip windows and lengthen the wait), and how much of each wait the site ran without a working failover.",
    ));
    out.push(Block::list(runs.iter().filter(|(_, _, l)| !l.is_empty()).map(
        |(s, rep, lines)| format!("**{s}** (replication {rep}): {}", lines.join(" ")),
    )));
}

/// The section "What would change the decision": one sentence per input
/// that changes the recommendation within its range, one for those that do
/// not, and how it was found.
fn what_would_change(f: &Facts, s: Option<&super::sensitivity::Findings>) -> Vec<Block> {
    let mut out = vec![Block::Section("What would change the decision".into())];
    let Some(s) = s else {
        out.push(Block::p(
            "Not studied: the report was made without its sensitivity study (`--no-sensitivity`).",
        ));
        return out;
    };
    out.push(Block::list(s.sentences()));
    let mut note = s.note();
    if s.pick != f.name(f.bottom.pick) {
        let _ = write!(
            note,
            " Over {} runs the scenario as given recommends {}, where the bottom line over {} runs recommends {}: the two are close, and the changes above are from {}.",
            s.runs,
            s.pick,
            thousands(f.n),
            f.name(f.bottom.pick),
            s.pick
        );
    }
    out.push(Block::note(note));
    out
}

/// The assumptions behind the defaults and where they come from, those
/// that apply to the scenario.
pub fn assumptions(sc: &Scenario) -> Vec<&'static str> {
    let site = &sc.site;
    let pod = site.kind.upgrades_by_cutover();
    let dns = sc
        .runbooks
        .iter()
        .any(|r| r.switches_by(crate::model::site::SwitchMethod::Dns));
    let mut out = Vec::new();
    if !pod {
        out.push(
            "Install time \"usually 15 minutes to an hour\", much longer with large stored data such as session recordings; the same on both appliances (vendor upgrade guide, English and French editions).",
        );
    }
    if site.has_backup() {
        out.push("The first sync starts about 60 s after the relationship is established; a sync takes seconds to hours with the data volume (vendor upgrade guide).");
        out.push("The backup does not accept connections until it takes the primary role; a shared IP needs both appliances on one subnet (vendor failover documentation).");
    }
    if dns {
        out.push("DNS: with a 20 s TTL about 90% of requests moved within 60 s but about 2% still used the stale answer after 15 minutes (Flavel et al., LANMAN 2014).");
    }
    if pod {
        out.push("Blue-green pods: 4 hours allotted, the cutover usually up to 20 minutes; sessions in farms that close disconnected sessions immediately lose their work (Horizon Cloud pod maintenance documentation).");
    }
    out.push("Remote-support sessions: lognormal with a median of minutes and a p95 of about an hour; service-desk calls average about 7 minutes.");
    if sc.faults.upgrade_failure > 0.0 {
        out.push("Upgrade error rates: configuration errors in about 15% and procedural errors in about 17% of upgrades in one study (Dumitraş & Narasimhan, CMU-PDL-08-115), an upper range.");
    }
    if site.has_backup() {
        out.push("Exposure risk assumes a constant crash rate: P(crash during T) = 1 − e^(−T/MTBF); the MTBF is an assumption of the scenario.");
    } else if sc.faults.crashes {
        out.push("Crashes come at a constant rate, 1/MTBF per node; the MTBF is an assumption of the scenario.");
    }
    if !pod {
        out.push("Operator timings are assumptions of the scenario: replace them with your own records.");
    }
    out.push(
        "The workload's weekly shape and rates are assumptions of the scenario: replace them with your own records.",
    );
    out
}

/// The faults `[[faults.inject]]` makes happen in every run: assumptions
/// of the question asked, first in the list.
pub fn injected(sc: &Scenario) -> Vec<String> {
    sc.faults
        .inject
        .iter()
        .map(|inj| {
            format!(
                "Injected fault (in every run, not drawn): {}; what follows it is drawn as for any such fault.",
                inj.describe(&sc.site)
            )
        })
        .collect()
}

/// What the model leaves out, for this scenario.
pub fn not_simulated(sc: &Scenario) -> Vec<String> {
    let site = &sc.site;
    let f = &sc.faults;
    let pod = site.kind.upgrades_by_cutover();
    let mut out = Vec::new();
    if !f.crashes {
        out.push(if site.has_backup() {
            "Crashes (`faults.crashes` is off): no node crashes during the runs; the exposure risk is the probability of a crash computed from the MTBF, not a simulated one.".to_string()
        } else {
            "Crashes (`faults.crashes` is off): no node crashes during the runs.".to_string()
        });
    }
    if !pod && f.upgrade_failure == 0.0 {
        out.push("Failed upgrades and rollbacks (`faults.upgrade_failure` is 0): every upgrade succeeds.".into());
    }
    if site.has_backup() && f.sync_failure == 0.0 {
        out.push("Failed syncs (`faults.sync_failure` is 0).".into());
    }
    if pod && f.precheck_failure == 0.0 {
        out.push("Failed prechecks (`faults.precheck_failure` is 0).".into());
    }
    if pod {
        let p = &sc.pod;
        if p.emergency_per_year == 0.0 {
            out.push(
                "Emergency maintenance (`pod.emergency_per_year` is 0): the update always comes at a planned slot."
                    .into(),
            );
        }
        if p.reschedule_probability == 0.0 {
            out.push("A slot moved through support (`pod.reschedule_probability` is 0).".into());
        }
        if p.preconditions == Default::default() {
            out.push(
                "Unmet preconditions (`pod.preconditions`): every VM has the latest agent, the subscription has the vCores, no management lock is left."
                    .into(),
            );
        }
        if p.post_update == Default::default() {
            out.push("The admin's steps after the update (`pod.post_update`): updating the agents, the Radius server accepting the new gateways, the DNS name remapped to the load balancer.".into());
        }
        if p.validation_failure == 0.0 {
            out.push("A failed green validation (`pod.validation_failure` is 0): once the prechecks pass, the service's cutover always succeeds.".into());
        }
        if p.green_build_failure == 0.0 {
            out.push("A failed green build (`pod.green_build_failure` is 0): changes in the Azure portal or the subscription never break it.".into());
        }
        if p.point_release == 0.0 {
            out.push("A point release after the update (`pod.point_release` is 0): the update is the pod's only maintenance.".into());
        }
    }
    if site.kind.routes_through_traffic_nodes()
        && let Some(timeout) = site.drain_timeout
    {
        out.push(format!(
            "Waiting for every drained session to end: drains cut the sessions left after {timeout} (`site.drain_timeout`).",
        ));
    }
    if !pod && sc.workload.console.rate_per_hour > 0.0 && sc.workload.console.msi_locked_share == 0.0 {
        out.push(
            "Consoles deployed by MSI on locked-down machines, which cannot connect until redeployed (`workload.console.msi_locked_share` is 0)."
                .into(),
        );
    }
    out.push("Network, power and storage failures, and mistakes other than the faults above; other changes in the same window.".into());
    out
}

/// The glossary: the words the report uses, the metrics' from the table.
fn glossary(f: &Facts) -> Vec<String> {
    let mut out = vec![
        if f.strategies.len() > 1 {
            "**run**: one replication, the whole upgrade simulated once with its own arrivals and install times; every strategy sees the same runs (common random numbers), so their differences are paired.".to_string()
        } else {
            "**run**: one replication, the whole upgrade simulated once with its own arrivals and install times.".to_string()
        },
        "**95% interval**: the range that holds the true mean with 95% confidence. For a mean, the empirical-likelihood interval: it stays within the values seen (never below zero) and is longer on the side the values spread to. For a share of runs, the exact (Clopper–Pearson) interval, and when no run (or every run) shows it, the one-sided bound: \"0 of 1,000 (< 0.3 %)\". A count that is zero in every run gets the Poisson-exact bound.".to_string(),
        "**tie**: two strategies whose paired difference's 95% interval (Student's t) includes zero, or whose means differ by no more than what matters: by default a minute, one session (or record), half a percentage point of a probability or share; the scenario's `[priorities] negligible` sets its own. They cannot be told apart.".to_string(),
        "**median, p95, worst**: half the runs do better than the median, 19 in 20 at least as well as the p95; the worst is the worst run seen.".to_string(),
        "**risk class**: low, moderate or high, from the likelihood of each risk event and its impact (see Risk class).".to_string(),
    ];
    if f.strategies.len() == 1 {
        out.retain(|l| !l.starts_with("**tie**"));
    }
    let mut seen: Vec<&str> = Vec::new();
    let shown = f.key_metrics().into_iter().chain(f.faults()).chain(
        METRICS
            .iter()
            .filter(|m| m.sites == Sites::Pods && applies(m.sites, &f.sc.site) && m.unit != Unit::Instant),
    );
    for m in shown {
        if seen.contains(&m.name) {
            continue;
        }
        seen.push(m.name);
        out.push(format!("**{}** (`{}`): {}.", m.words, m.name, m.meaning));
    }
    out
}

fn priorities_note(f: &Facts) -> String {
    let words: Vec<&str> = f.priorities().iter().map(|m| m.words).collect();
    let mut s = format!(
        "Priorities, most important first: {}{}.",
        words.join(", "),
        if f.sc.priorities.stated {
            " (the scenario's `[priorities]`)"
        } else {
            " (the default order; a scenario states its own in `[priorities]`)"
        }
    );
    let limits: Vec<String> = METRICS
        .iter()
        .filter(|m| applies(m.sites, &f.sc.site))
        .filter_map(|m| {
            let (_, t) = f.sc.thresholds.iter().find(|(n, _)| n == m.name)?;
            Some(format!("{} {}", m.words, val(m, *t)))
        })
        .collect();
    if !limits.is_empty() {
        let _ = write!(
            s,
            " Your limits (`[thresholds]`) come first: a strategy that goes over one in more than 5 % of its runs is recommended only when none keeps within them all ({}).",
            and_list(&limits)
        );
    }
    s
}

fn document(input: &ReportInput) -> Vec<Block> {
    let sc = input.scenario;
    let f = Facts::new(sc, input.agg);
    let mut out = Vec::new();
    out.push(Block::Section("Bottom line".into()));
    out.push(Block::BottomLine(bottom_text(&f).into()));
    out.push(Block::note(priorities_note(&f)));
    out.push(Block::Section("The scenario".into()));
    out.push(Block::list(describe_scenario(sc)));
    out.push(Block::Section("Strategies compared".into()));
    out.push(Block::list(
        f.strategies
            .iter()
            .map(|s| {
                let summary = sc.runbook(s).map(|r| r.summary.clone()).unwrap_or_default();
                format!("**{s}**: {summary}")
            })
            .collect::<Vec<_>>(),
    ));
    key_results(&f, &mut out);
    tails(&f, &mut out);
    faults(&f, &mut out);
    site_story(&f, input.agg, &mut out);
    drops_by_cause(&f, &mut out);
    around_the_upgrade_story(&f, &mut out);
    regions_story(&f, &input.regions, &mut out);
    if f.strategies.len() > 1 {
        out.push(Block::Section("Recommendation by goal".into()));
        out.push(Block::list(
            recommendations(&f)
                .into_iter()
                .map(|(goal, text)| format!("{goal}: {text}"))
                .collect::<Vec<_>>(),
        ));
    }
    calendar(&input.calendar, &mut out);
    out.extend(what_would_change(&f, input.sensitivity.as_ref()));
    out.push(Block::Section("Charts".into()));
    for c in &input.charts {
        let name = c.file.strip_prefix("charts/").unwrap_or(&c.file);
        out.push(Block::figure(name, c.caption.clone()));
    }
    out.push(Block::Section("Assumptions and sources".into()));
    let mut items = injected(sc);
    items.extend(assumptions(sc).into_iter().map(String::from));
    out.push(Block::list(items));
    out.push(Block::Section("Not simulated".into()));
    out.push(Block::list(not_simulated(sc)));
    out.push(Block::Section("Glossary".into()));
    out.push(Block::list(glossary(&f)));
    out
}

fn title(input: &ReportInput) -> String {
    format!("Upgrade plan: {}", input.scenario.name)
}

fn provenance(input: &ReportInput) -> String {
    format!(
        "Simulated with cutover {} over {} replications per strategy (seed {}, common random numbers), scenario SHA-256 {}.",
        input.version,
        thousands(input.agg.replications()),
        input.seed,
        &input.scenario_sha256[..16.min(input.scenario_sha256.len())]
    )
}

pub use super::doc::{esc, md_cell};

/// The report as one document (see [`super::doc`]).
pub fn report_document(input: &ReportInput) -> Document {
    Document {
        title: title(input),
        description: input.scenario.description.clone(),
        provenance: provenance(input),
        blocks: document(input),
    }
}

/// The Markdown report; charts are linked as `charts/NAME.png` beside it.
pub fn markdown(input: &ReportInput) -> String {
    report_document(input).markdown(ChartFiles::Written)
}

/// The report's styles (shared by the fleet report).
pub use super::doc::STYLE;

/// The self-contained HTML report.
pub fn html(input: &ReportInput) -> String {
    let svgs: Vec<(String, String)> = input
        .charts
        .iter()
        .map(|c| {
            let name = c.file.strip_prefix("charts/").unwrap_or(&c.file);
            (name.to_string(), c.svg.clone())
        })
        .collect();
    report_document(input).html(&svgs)
}

/// The HTML report with the date it was generated on (`YYYY-MM-DD`, UTC)
/// after its provenance. `report.md` carries no date: the same results
/// give the same Markdown on any day.
pub fn html_dated(input: &ReportInput, date: &str) -> String {
    let svgs: Vec<(String, String)> = input
        .charts
        .iter()
        .map(|c| {
            let name = c.file.strip_prefix("charts/").unwrap_or(&c.file);
            (name.to_string(), c.svg.clone())
        })
        .collect();
    let mut doc = report_document(input);
    doc.provenance = format!("{} Generated {date} (UTC).", doc.provenance);
    doc.html(&svgs)
}

#[cfg(test)]
mod tests {
    use super::percent;

    #[test]
    fn a_percentage_has_the_digits_of_its_printed_value() {
        // Shares taken as differences of a cumulative distribution, as the
        // report takes them: 0.12 − 0.11 is 0.00999…, 0.41 − 0.31 is 0.0999….
        assert_eq!(percent(0.12 - 0.11), "1.0 %");
        assert_eq!(percent(0.41 - 0.31), "10 %");
        assert_eq!(percent(0.03), "3.0 %");
        assert_eq!(percent(0.0099), "0.99 %");
        assert_eq!(percent(0.5), "50 %");
        assert_eq!(percent(0.0), "0 %");
        assert_eq!(percent(0.0004), "0.040 %");
    }
}
