//! The change-board report: `report.html` (self-contained: styles inline,
//! charts inlined as SVG, nothing fetched) and `report.md` (plain Markdown,
//! charts as images beside it).
//!
//! The report says, in order: what was simulated in plain words, which
//! strategies were compared, the key numbers with their confidence
//! intervals, a recommendation for each goal with its trade-off in one
//! sentence, the charts, and the assumptions with their sources.

use std::fmt::Write;

use super::chart::{fmt_metric, metric_words};
use super::study::{Cdf, Diffs, Distribution, StudyChart, cdf_metrics, charted_metrics};
use crate::metrics::{self, METRICS, Metric};
use crate::model::calendar::WEEKDAYS;
use crate::model::dist::Dist;
use crate::model::site::SiteKind;
use crate::montecarlo::{Aggregator, DiffRow, SummaryRow};
use crate::scenario::Scenario;
use crate::time::{MS_PER_MIN, SimDuration};

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
                "Distribution of {} over {} replications: box p25-p75 with the median, whiskers p5-p95, the mean with its 95% CI.",
                m.words,
                agg.replications()
            );
            out.push((format!("dist-{}", m.name), caption, StudyChart::Distribution(d)));
        }
    }
    for m in cdf_metrics() {
        let caption = format!(
            "Empirical CDF of {}: the share of replications at or below each value.",
            metric_words(m)
        );
        out.push((
            format!("cdf-{m}"),
            caption,
            StudyChart::Cdf(Cdf::from_aggregator(agg, m)),
        ));
    }
    if agg.strategies().len() > 1 && !charted.is_empty() {
        let caption = format!(
            "Paired differences against {} (replication by replication, common random numbers), mean and 95% CI.",
            agg.strategies()[agg.baseline()]
        );
        out.push((
            "diff".into(),
            caption,
            StudyChart::Diffs(Diffs::from_rows(agg, diffs, &charted)),
        ));
    }
    out
}

/// The caption of the timeline of one replication of `strategy`.
pub fn timeline_caption(strategy: &str) -> String {
    format!("Timeline of one replication of {strategy}: node states, failover, windows, runbook steps, sessions.")
}

/// Everything a report is made from.
pub struct ReportInput<'a> {
    pub scenario: &'a Scenario,
    pub scenario_sha256: String,
    pub version: String,
    pub seed: u64,
    pub replications: u64,
    pub strategies: Vec<String>,
    pub summary: &'a [SummaryRow],
    pub diffs: &'a [DiffRow],
    pub charts: Vec<ReportChart>,
}

fn dist(d: &Dist) -> String {
    d.describe()
}

fn row<'a>(summary: &'a [SummaryRow], strategy: &str, metric: &str) -> Option<&'a SummaryRow> {
    summary.iter().find(|r| r.strategy == strategy && r.metric == metric)
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
            "Site: an Atlas cluster, primary A{}, with {} traffic nodes in {} regions ({}); the site moves by {} on failover.",
            if site.has_backup() { " and backup primary B" } else { " without a backup primary" },
            site.regions.iter().map(|r| r.nodes).sum::<u32>(),
            site.regions.len(),
            site.regions
                .iter()
                .map(|r| format!("{} ×{} of {} sessions, {:.0}% of clients", r.name, r.nodes, r.capacity, r.share * 100.0))
                .collect::<Vec<_>>()
                .join("; "),
            site.switch_method.name()
        ),
        SiteKind::Pod => format!(
            "Site: a blue-green pod{}; the service allots {} to its maintenance.",
            site.nodes[0].capacity.map(|c| format!(" for up to {c} sessions")).unwrap_or_default(),
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
        let windows: Vec<String> = sc
            .calendar
            .windows
            .iter()
            .map(|w| format!("{} {:02}:00 UTC for {}", WEEKDAYS[w.weekday as usize], w.hour, w.length))
            .collect();
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
                    ", preferred window {} {h:02}:00 UTC (missed with probability {:.0}%)",
                    WEEKDAYS[d as usize],
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
    let f = &sc.faults;
    let mut faults = vec![format!("MTBF {} per appliance (for the exposure risk)", f.mtbf)];
    if f.crashes {
        faults.push(format!("crashes simulated, repair {}", dist(&f.mttr)));
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
    out.push(format!("Faults: {}.", faults.join("; ")));
    out
}

/// A recommendation per goal, each with its trade-off in one sentence.
pub fn recommendations(strategies: &[String], summary: &[SummaryRow], diffs: &[DiffRow]) -> Vec<(String, String)> {
    let mean = |s: &str, m: &str| row(summary, s, m).map(|r| r.mean);
    // Every goal's metric is one where lower is better (a test checks it).
    let best_of = |m: &str| -> Option<(String, f64)> {
        strategies
            .iter()
            .filter_map(|s| mean(s, m).map(|v| (s.clone(), v)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
    };
    let goals: Vec<(&str, &str)> = metrics::goals().map(|(g, m)| (g, m.name)).collect();
    let mut out = Vec::new();
    for &(goal, metric) in &goals {
        let Some((winner, value)) = best_of(metric) else {
            continue;
        };
        let values: Vec<f64> = strategies.iter().filter_map(|s| mean(s, metric)).collect();
        if values.iter().all(|v| (*v - value).abs() < 1e-9) {
            out.push((
                goal.to_string(),
                format!(
                    "No difference: every strategy has a mean {} of {}.",
                    metric_words(metric),
                    fmt_metric(metric, value)
                ),
            ));
            continue;
        }
        let same: Vec<&String> = strategies
            .iter()
            .filter(|s| mean(s, metric).is_some_and(|v| (v - value).abs() < 1e-9))
            .collect();
        let runner_up = strategies
            .iter()
            .filter(|s| mean(s, metric).is_some_and(|v| (v - value).abs() >= 1e-9))
            .filter_map(|s| mean(s, metric).map(|v| (s.clone(), v)))
            .min_by(|a, b| a.1.total_cmp(&b.1));
        let names: Vec<String> = same.iter().map(|s| format!("**{s}**")).collect();
        let mut text = format!(
            "{}: mean {} {}",
            names.join(", "),
            metric_words(metric),
            fmt_metric(metric, value)
        );
        if same.len() > 1 {
            text.push_str(" (tied)");
        }
        if let Some((other, v)) = &runner_up {
            let _ = write!(text, " against {} for {other}", fmt_metric(metric, *v));
            // Is the gap real? The paired difference's CI when one of the two
            // is the baseline; otherwise whether their own CIs overlap.
            let paired = diffs.iter().find(|d| {
                d.metric == metric
                    && ((d.strategy == winner && d.baseline == *other)
                        || (d.strategy == *other && d.baseline == winner))
            });
            let tied = match paired {
                Some(d) => d.ci95_low <= 0.0 && d.ci95_high >= 0.0,
                None => match (row(summary, &winner, metric), row(summary, other, metric)) {
                    (Some(a), Some(b)) => a.ci95_high >= b.ci95_low,
                    _ => false,
                },
            };
            if tied {
                text.push_str(" (within the 95% confidence intervals: not a clear difference)");
            }
        }
        text.push_str(". ");
        // The trade-off: the other goal where the winner falls furthest behind.
        let mut worst: Option<(f64, &str, String, f64, f64)> = None;
        for (_, m) in goals.iter().filter(|(_, m)| *m != metric) {
            let (Some(w), Some((b, bv))) = (mean(&winner, m), best_of(m)) else {
                continue;
            };
            let spread = strategies
                .iter()
                .filter_map(|s| mean(s, m))
                .fold(0.0f64, |a, v| a.max(v))
                - bv;
            if spread <= 0.0 || w <= bv {
                continue;
            }
            let behind = (w - bv) / spread;
            if worst.as_ref().is_none_or(|x| behind > x.0) {
                worst = Some((behind, m, b, bv, w));
            }
        }
        match worst {
            Some((_, m, b, bv, w)) => {
                let _ = write!(
                    text,
                    "Trade-off: {} {} is {} where {b} has {}.",
                    if same.len() > 1 { "their" } else { "its" },
                    metric_words(m),
                    fmt_metric(m, w),
                    fmt_metric(m, bv)
                );
            }
            None => {
                text.push_str("Trade-off: none among these goals; it is also the best or tied on each of the others.")
            }
        }
        out.push((goal.to_string(), text));
    }
    out
}

/// The assumptions behind the defaults and where they come from.
pub const ASSUMPTIONS: [&str; 8] = [
    "Install time \"usually 15 minutes to an hour\", much longer with large stored data such as session recordings; the same on both appliances (vendor upgrade guide, English and French editions).",
    "The first sync starts about 60 s after the relationship is established; a sync takes seconds to hours with the data volume (vendor upgrade guide).",
    "The backup does not accept connections until it takes the primary role; a shared IP needs both appliances on one subnet (vendor failover documentation).",
    "DNS: with a 20 s TTL about 90% of requests moved within 60 s but about 2% still used the stale answer after 15 minutes (Flavel et al., LANMAN 2014).",
    "Blue-green pods: 4 hours allotted, the cutover usually up to 20 minutes; sessions in farms that close disconnected sessions immediately lose their work (Horizon Cloud pod maintenance documentation).",
    "Remote-support sessions: lognormal with a median of minutes and a p95 of about an hour; service-desk calls average about 7 minutes.",
    "Upgrade error rates: configuration errors in about 15% and procedural errors in about 17% of upgrades in one study (Dumitraş & Narasimhan, CMU-PDL-08-115), an upper range.",
    "Exposure risk assumes a constant crash rate: P(crash during T) = 1 − e^(−T/MTBF). Operator timings, workload shape and MTBF are assumptions of the scenario: replace them with your own records.",
];

fn key_table(strategies: &[String], summary: &[SummaryRow]) -> Vec<(String, Vec<String>)> {
    metrics::key_metrics()
        .into_iter()
        .filter(|m| m.key.is_some_and(|k| k.in_report))
        .filter(|m| {
            summary
                .iter()
                .any(|r| r.metric == m.name && (r.max != 0.0 || r.min != 0.0))
                || m.reported_when_zero()
        })
        .map(|m| {
            let cells = strategies
                .iter()
                .map(|s| match row(summary, s, m.name) {
                    Some(r) => format!(
                        "{} [{}, {}]",
                        fmt_metric(m.name, r.mean),
                        fmt_metric(m.name, r.ci95_low.max(r.min)),
                        fmt_metric(m.name, r.ci95_high)
                    ),
                    None => "–".into(),
                })
                .collect();
            (m.name.to_string(), cells)
        })
        .collect()
}

/// Rows `P(metric > threshold)` with one cell per strategy.
fn threshold_table(strategies: &[String], summary: &[SummaryRow]) -> Vec<(String, Vec<String>)> {
    let mut metrics: Vec<(&str, f64)> = Vec::new();
    for r in summary {
        if let Some((t, _)) = r.threshold
            && !metrics.iter().any(|(m, _)| *m == r.metric)
        {
            metrics.push((r.metric, t));
        }
    }
    metrics
        .into_iter()
        .map(|(m, t)| {
            let cells = strategies
                .iter()
                .map(|s| {
                    row(summary, s, m)
                        .and_then(|r| r.threshold)
                        .map_or("–".into(), |(_, p)| format!("{:.1}%", p * 100.0))
                })
                .collect();
            (format!("P({} > {})", metric_words(m), fmt_metric(m, t)), cells)
        })
        .collect()
}

fn title(input: &ReportInput) -> String {
    format!("Upgrade plan: {}", input.scenario.name)
}

fn provenance(input: &ReportInput) -> String {
    format!(
        "Simulated with cutover {} over {} replications per strategy (seed {}, common random numbers), scenario SHA-256 {}.",
        input.version,
        input.replications,
        input.seed,
        &input.scenario_sha256[..16.min(input.scenario_sha256.len())]
    )
}

/// The Markdown report; charts are linked as `FILE.png` beside it.
pub fn markdown(input: &ReportInput) -> String {
    let sc = input.scenario;
    let mut md = String::new();
    let _ = writeln!(md, "# {}\n", title(input));
    if !sc.description.is_empty() {
        let _ = writeln!(md, "{}\n", sc.description);
    }
    let _ = writeln!(md, "{}\n", provenance(input));
    let _ = writeln!(md, "## The scenario\n");
    for line in describe_scenario(sc) {
        let _ = writeln!(md, "- {line}");
    }
    let _ = writeln!(md, "\n## Strategies compared\n");
    for s in &input.strategies {
        let summary = sc.runbook(s).map(|r| r.summary.clone()).unwrap_or_default();
        let _ = writeln!(md, "- **{s}**: {summary}");
    }
    let _ = writeln!(
        md,
        "\n## Key results\n\nMean and 95% confidence interval of the mean.\n"
    );
    let _ = writeln!(md, "| metric | {} |", input.strategies.join(" | "));
    let _ = writeln!(md, "|---|{}", "---|".repeat(input.strategies.len()));
    for (m, cells) in key_table(&input.strategies, input.summary) {
        let _ = writeln!(md, "| {} | {} |", metric_words(&m), cells.join(" | "));
    }
    let thresholds = threshold_table(&input.strategies, input.summary);
    if !thresholds.is_empty() {
        let _ = writeln!(md, "\nProbability of exceeding the scenario's thresholds:\n");
        let _ = writeln!(md, "| threshold | {} |", input.strategies.join(" | "));
        let _ = writeln!(md, "|---|{}", "---|".repeat(input.strategies.len()));
        for (label, cells) in thresholds {
            let _ = writeln!(md, "| {label} | {} |", cells.join(" | "));
        }
    }
    let _ = writeln!(md, "\n## Recommendation by goal\n");
    for (goal, text) in recommendations(&input.strategies, input.summary, input.diffs) {
        let _ = writeln!(md, "- {goal}: {text}");
    }
    let _ = writeln!(md, "\n## Charts\n");
    for c in &input.charts {
        let _ = writeln!(md, "### {}\n\n![{}]({}.png)\n", c.caption, c.caption, c.file);
    }
    let _ = writeln!(md, "## Assumptions and sources\n");
    for a in ASSUMPTIONS {
        let _ = writeln!(md, "- {a}");
    }
    md
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Markdown's `**bold**` to HTML, after escaping.
fn bold(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in esc(s).split("**").enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<strong>{part}</strong>");
        } else {
            out.push_str(part);
        }
    }
    out
}

/// Removes an XML prolog so the SVG can sit inside HTML.
fn inline_svg(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}

/// The self-contained HTML report.
pub fn html(input: &ReportInput) -> String {
    let sc = input.scenario;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>\n\
body {{ font-family: sans-serif; max-width: 1180px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }}\n\
h1 {{ font-size: 1.7em; margin-bottom: 0.2em; }}\n\
table {{ border-collapse: collapse; margin: 1em 0; font-size: 0.92em; }}\n\
th, td {{ border: 1px solid #bbb; padding: 0.35em 0.6em; text-align: left; }}\n\
th {{ background: #f0f0f0; }}\n\
.note {{ color: #555; font-size: 0.9em; }}\n\
figure {{ margin: 1.5em 0; }} figure svg {{ max-width: 100%; height: auto; border: 1px solid #ddd; }}\n\
figcaption {{ color: #444; font-size: 0.95em; margin-top: 0.3em; }}\n\
</style>\n</head>\n<body>\n",
        esc(&title(input))
    );
    let _ = writeln!(h, "<h1>{}</h1>", esc(&title(input)));
    if !sc.description.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", esc(&sc.description));
    }
    let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(&provenance(input)));
    let _ = writeln!(h, "<h2>The scenario</h2>\n<ul>");
    for line in describe_scenario(sc) {
        let _ = writeln!(h, "<li>{}</li>", esc(&line));
    }
    let _ = writeln!(h, "</ul>\n<h2>Strategies compared</h2>\n<ul>");
    for s in &input.strategies {
        let summary = sc.runbook(s).map(|r| r.summary.clone()).unwrap_or_default();
        let _ = writeln!(h, "<li><strong>{}</strong>: {}</li>", esc(s), esc(&summary));
    }
    let _ = writeln!(
        h,
        "</ul>\n<h2>Key results</h2>\n<p>Mean and 95% confidence interval of the mean.</p>\n<table>"
    );
    let _ = write!(h, "<tr><th>metric</th>");
    for s in &input.strategies {
        let _ = write!(h, "<th>{}</th>", esc(s));
    }
    let _ = writeln!(h, "</tr>");
    for (m, cells) in key_table(&input.strategies, input.summary) {
        let _ = write!(h, "<tr><td>{}</td>", esc(&metric_words(&m)));
        for c in cells {
            let _ = write!(h, "<td>{}</td>", esc(&c));
        }
        let _ = writeln!(h, "</tr>");
    }
    let _ = writeln!(h, "</table>");
    let thresholds = threshold_table(&input.strategies, input.summary);
    if !thresholds.is_empty() {
        let _ = writeln!(
            h,
            "<p>Probability of exceeding the scenario's thresholds:</p>\n<table>\n<tr><th>threshold</th>"
        );
        for s in &input.strategies {
            let _ = write!(h, "<th>{}</th>", esc(s));
        }
        let _ = writeln!(h, "</tr>");
        for (label, cells) in thresholds {
            let _ = write!(h, "<tr><td>{}</td>", esc(&label));
            for c in cells {
                let _ = write!(h, "<td>{}</td>", esc(&c));
            }
            let _ = writeln!(h, "</tr>");
        }
        let _ = writeln!(h, "</table>");
    }
    let _ = writeln!(h, "<h2>Recommendation by goal</h2>\n<ul>");
    for (goal, text) in recommendations(&input.strategies, input.summary, input.diffs) {
        let _ = writeln!(h, "<li><strong>{}</strong>: {}</li>", esc(&goal), bold(&text));
    }
    let _ = writeln!(h, "</ul>\n<h2>Charts</h2>");
    for c in &input.charts {
        let _ = writeln!(
            h,
            "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>",
            inline_svg(&c.svg),
            esc(&c.caption)
        );
    }
    let _ = writeln!(h, "<h2>Assumptions and sources</h2>\n<ul>");
    for a in ASSUMPTIONS {
        let _ = writeln!(h, "<li>{}</li>", esc(a));
    }
    let _ = writeln!(h, "</ul>\n</body>\n</html>");
    h
}
