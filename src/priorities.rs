//! What a change board decides with, as a scenario states it: its
//! **priorities** (`[priorities]`: metrics in order of importance, and
//! differences too small to matter) and its **risk matrix** (`[risk]`:
//! likelihood bands, the impact of each risk event, and the class of each
//! likelihood × impact cell). Both are validated with the scenario;
//! omitted, they take the documented defaults ([`Priorities`],
//! [`RiskMatrix`]), which come from the metric table. The judgements made
//! with them from a study's results are in [`crate::decision`].

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::metrics::{self, Better, Impact, METRICS, Metric};

/// The `[priorities]` table of a scenario file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPriorities {
    /// Metric names, most important first.
    pub order: Option<Vec<String>>,
    /// Metric name → the difference of means too small to matter.
    pub negligible: Option<BTreeMap<String, f64>>,
}

/// The `[risk]` table of a scenario file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRisk {
    /// Where the likelihood bands start.
    pub likelihood: Option<RawLikelihood>,
    /// Metric name → `low`, `moderate` or `high`.
    pub impact: Option<BTreeMap<String, String>>,
    /// Three rows (rare, possible, likely) of three classes (low, moderate
    /// and high impact).
    pub matrix: Option<Vec<Vec<String>>>,
}

/// `[risk] likelihood = { possible = 0.01, likely = 0.1 }`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLikelihood {
    pub possible: Option<f64>,
    pub likely: Option<f64>,
}

/// What matters most, in order, for the bottom line.
#[derive(Clone, Debug, PartialEq)]
pub struct Priorities {
    /// Metrics, most important first.
    pub order: Vec<&'static Metric>,
    /// The difference of means too small to matter, by column (0: any
    /// difference the intervals show counts).
    pub negligible: Vec<f64>,
    /// True when the scenario stated them; false for the default.
    pub stated: bool,
}

/// The default priorities, most important first: what the site's users
/// lose (downtime, dropped sessions, lost work), then an escaped defect
/// (both appliances restored, the site down meanwhile), then the time and
/// the risk without a working failover, then work outside the window.
pub const DEFAULT_ORDER: [&str; 7] = [
    "downtime_s",
    "dropped_sessions",
    "lost_work_sessions",
    "defect_escaped",
    "exposure_s",
    "exposure_risk",
    "window_overrun_s",
];

/// The difference of means too small to matter by default, by unit: a
/// minute of time, one whole thing (a session, a record), half a
/// percentage point of a probability or a share, a hundredth of a ratio.
/// `[priorities] negligible` sets a metric's own.
pub fn default_negligible(m: &Metric) -> f64 {
    match m.unit {
        metrics::Unit::Seconds | metrics::Unit::Instant => 60.0,
        metrics::Unit::Count => 1.0,
        metrics::Unit::Flag | metrics::Unit::Probability => 0.005,
        metrics::Unit::Ratio => 0.01,
    }
}

impl Default for Priorities {
    /// [`DEFAULT_ORDER`], and [`default_negligible`] for every metric.
    fn default() -> Priorities {
        let order = DEFAULT_ORDER
            .iter()
            .filter_map(|n| METRICS.iter().find(|m| m.name == *n))
            .collect();
        Priorities {
            order,
            negligible: METRICS.iter().map(default_negligible).collect(),
            stated: false,
        }
    }
}

/// A likelihood band.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Band {
    /// Below `possible`.
    Rare,
    /// From `possible`, below `likely`.
    Possible,
    /// From `likely`.
    Likely,
}

impl Band {
    /// Every band, least likely first.
    pub const ALL: [Band; 3] = [Band::Rare, Band::Possible, Band::Likely];

    /// The band's name.
    pub fn name(self) -> &'static str {
        match self {
            Band::Rare => "rare",
            Band::Possible => "possible",
            Band::Likely => "likely",
        }
    }
}

/// The likelihood × impact matrix that classes each strategy's risk.
#[derive(Clone, Debug, PartialEq)]
pub struct RiskMatrix {
    /// Likelihoods from this one are possible (default 1 %).
    pub possible: f64,
    /// Likelihoods from this one are likely (default 10 %).
    pub likely: f64,
    /// The risk events and their impact, in column order.
    pub impact: Vec<(&'static Metric, Impact)>,
    /// The class of each cell: `classes[band][impact]`.
    pub classes: [[Impact; 3]; 3],
    /// True when the scenario set any of it.
    pub stated: bool,
}

/// The default classes: rare events are low risk unless their impact is
/// high; likely ones are high risk unless their impact is low.
pub const DEFAULT_CLASSES: [[Impact; 3]; 3] = [
    [Impact::Low, Impact::Low, Impact::Moderate],
    [Impact::Low, Impact::Moderate, Impact::High],
    [Impact::Moderate, Impact::High, Impact::High],
];

impl Default for RiskMatrix {
    /// Bands at 1 % and 10 %, the impacts of the metric table
    /// ([`Metric::impact`]) and [`DEFAULT_CLASSES`].
    fn default() -> RiskMatrix {
        RiskMatrix {
            possible: 0.01,
            likely: 0.10,
            impact: METRICS.iter().filter_map(|m| m.impact.map(|i| (m, i))).collect(),
            classes: DEFAULT_CLASSES,
            stated: false,
        }
    }
}

impl RiskMatrix {
    /// The band of a likelihood.
    pub fn band(&self, p: f64) -> Band {
        if p >= self.likely {
            Band::Likely
        } else if p >= self.possible {
            Band::Possible
        } else {
            Band::Rare
        }
    }

    /// The class of a cell.
    pub fn class(&self, band: Band, impact: Impact) -> Impact {
        self.classes[band as usize][impact as usize]
    }
}

/// Most characters of a name or level echoed in a message (as `results`).
const MAX_ECHO_CHARS: usize = 200;

/// `s` cut to [`MAX_ECHO_CHARS`] characters (with `…` when cut).
fn shorten(s: &str) -> String {
    match s.char_indices().nth(MAX_ECHO_CHARS) {
        None => s.to_string(),
        Some((i, _)) => format!("{}… ({} bytes in all)", &s[..i], s.len()),
    }
}

/// A problem in `[priorities]` or `[risk]`: its field path and what is wrong.
pub type FieldProblem = (String, String);

/// A metric named in a scenario, or what is wrong with the name.
fn known_metric(name: &str) -> Result<&'static Metric, String> {
    metrics::find(name).ok_or_else(|| {
        format!(
            "unknown metric {:?} (one of: {})",
            shorten(name),
            crate::model::site::short_list(&metrics::Metrics::COLUMNS)
        )
    })
}

/// Validates `[priorities]`; every problem with its field path.
pub fn check_priorities(raw: Option<RawPriorities>, problems: &mut Vec<FieldProblem>) -> Priorities {
    let Some(raw) = raw else {
        return Priorities::default();
    };
    let mut out = Priorities {
        stated: true,
        ..Priorities::default()
    };
    if let Some(order) = raw.order {
        let mut picked: Vec<&'static Metric> = Vec::new();
        if order.is_empty() {
            problems.push(("priorities.order".into(), "is empty: list at least one metric".into()));
        }
        for (i, name) in order.iter().enumerate() {
            let path = format!("priorities.order[{i}]");
            match known_metric(name) {
                Err(e) => problems.push((path, e)),
                Ok(m) if m.better == Better::Neither => problems.push((
                    path,
                    format!("{name} describes the run and is neither better low nor high: it cannot be a priority"),
                )),
                Ok(m) if picked.iter().any(|p| p.name == m.name) => {
                    problems.push((path, format!("{name} is listed twice")))
                }
                Ok(m) => picked.push(m),
            }
        }
        if !picked.is_empty() {
            out.order = picked;
        }
    }
    for (name, value) in raw.negligible.iter().flatten() {
        let path = format!("priorities.negligible.{name}");
        match known_metric(name) {
            Err(e) => problems.push((path, e)),
            Ok(_) if !value.is_finite() || *value < 0.0 => problems.push((
                path,
                format!("{value} must be a number, 0 or more, in the metric's unit (seconds for _s)"),
            )),
            Ok(m) => {
                if let Some(j) = metrics::index(m.name) {
                    out.negligible[j] = *value;
                }
            }
        }
    }
    out
}

/// Validates `[risk]`; every problem with its field path.
pub fn check_risk(raw: Option<RawRisk>, problems: &mut Vec<FieldProblem>) -> RiskMatrix {
    let Some(raw) = raw else {
        return RiskMatrix::default();
    };
    let mut out = RiskMatrix {
        stated: true,
        ..RiskMatrix::default()
    };
    if let Some(l) = raw.likelihood {
        let mut band = |path: &str, v: Option<f64>, default: f64| -> f64 {
            match v {
                None => default,
                Some(x) if x > 0.0 && x <= 1.0 => x,
                Some(x) => {
                    problems.push((path.into(), format!("{x} is not a likelihood above 0 and at most 1")));
                    default
                }
            }
        };
        let possible = band("risk.likelihood.possible", l.possible, out.possible);
        let likely = band("risk.likelihood.likely", l.likely, out.likely);
        if possible >= likely {
            problems.push((
                "risk.likelihood.likely".into(),
                format!("{likely} must be above risk.likelihood.possible ({possible})"),
            ));
        } else {
            (out.possible, out.likely) = (possible, likely);
        }
    }
    if let Some(impact) = raw.impact {
        let mut events = Vec::new();
        for (name, level) in &impact {
            let path = format!("risk.impact.{name}");
            match (known_metric(name), Impact::parse(level)) {
                (Err(e), _) => problems.push((path, e)),
                (Ok(m), _) if m.better != Better::Lower => problems.push((
                    path,
                    format!("{name} is not a metric where lower is better: it cannot be a risk event"),
                )),
                (Ok(_), None) => problems.push((path, format!("{:?}: expected low, moderate or high", shorten(level)))),
                (Ok(m), Some(i)) => events.push((m, i)),
            }
        }
        events.sort_by_key(|(m, _)| metrics::index(m.name));
        out.impact = events;
    }
    if let Some(rows) = raw.matrix {
        let mut classes = DEFAULT_CLASSES;
        let mut ok = rows.len() == 3;
        if !ok {
            problems.push((
                "risk.matrix".into(),
                format!(
                    "has {} rows: expected 3 (rare, possible, likely), each of 3 classes (low, moderate, high impact)",
                    rows.len()
                ),
            ));
        }
        for (b, row) in rows.iter().enumerate().take(3) {
            if row.len() != 3 {
                problems.push((
                    format!("risk.matrix[{b}]"),
                    format!("has {} classes: expected 3 (low, moderate, high impact)", row.len()),
                ));
                ok = false;
                continue;
            }
            for (i, cell) in row.iter().enumerate() {
                match Impact::parse(cell) {
                    Some(c) => classes[b][i] = c,
                    None => {
                        problems.push((
                            format!("risk.matrix[{b}][{i}]"),
                            format!("{:?}: expected low, moderate or high", shorten(cell)),
                        ));
                        ok = false;
                    }
                }
            }
        }
        if ok {
            // A class may not fall as the likelihood or the impact grows.
            for b in 0..3 {
                for i in 0..3 {
                    if b > 0 && classes[b][i] < classes[b - 1][i] {
                        problems.push((
                            format!("risk.matrix[{b}][{i}]"),
                            format!(
                                "{} is below {} for a less likely event (risk.matrix[{}][{i}]): a class may not fall as the likelihood grows",
                                classes[b][i].name(),
                                classes[b - 1][i].name(),
                                b - 1
                            ),
                        ));
                        ok = false;
                    }
                    if i > 0 && classes[b][i] < classes[b][i - 1] {
                        problems.push((
                            format!("risk.matrix[{b}][{i}]"),
                            format!(
                                "{} is below {} for a smaller impact (risk.matrix[{b}][{}]): a class may not fall as the impact grows",
                                classes[b][i].name(),
                                classes[b][i - 1].name(),
                                i - 1
                            ),
                        ));
                        ok = false;
                    }
                }
            }
        }
        if ok {
            out.classes = classes;
        }
    }
    out
}
