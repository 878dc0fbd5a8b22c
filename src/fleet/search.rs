//! `[search]`: the space of plans `cutover optimise` searches, its
//! objective and its constraints (docs/model.md §7, "Choosing the plan").
//!
//! ```toml
//! [search]
//! minimise = "user_minutes_lost"
//! subject_to = ["done_by_deadline >= 0.95", "peak_sites_without_failover.p95 <= 3"]
//! max_sites_per_window = [2, 4, 8]
//! bake = ["3d", "7d"]
//! start_days = [[], ["tue", "wed"]]
//! strategies = [{ select = "kind=pair", among = ["failover-async-dns", "failover-async-nat"] }]
//! ```
//!
//! Each field a `[[plans]]` entry can set may list the values to try; the
//! space is the Cartesian product of those lists over the base
//! `[campaign]` (at most [`MAX_SPACE`] plans). Every plan of the space is
//! checked when the file is read, as a `[[plans]]` entry would be. The
//! racing itself is in [`race`].

pub mod race;

use serde::Deserialize;

use super::table::{CAMPAIGN_METRICS, CampaignMetrics, index};
use super::{Ctx, Group, Plan, RawCampaign, RawPlan, RawPlanStrategy, Site, plan};
use crate::metrics::{Better, Reading, Unit};

/// Most plans a search space may hold (the product of its value lists).
pub const MAX_SPACE: usize = 1_000;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSearch {
    minimise: Option<String>,
    maximise: Option<String>,
    subject_to: Option<Vec<String>>,
    waves: Option<Vec<Vec<toml::Value>>>,
    max_sites_per_window: Option<Vec<i64>>,
    bake: Option<Vec<String>>,
    stop_on: Option<Vec<Vec<String>>>,
    start_days: Option<Vec<Vec<String>>>,
    placement: Option<Vec<String>>,
    strategies: Option<Vec<RawAmong>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAmong {
    select: Option<String>,
    among: Option<Vec<String>>,
}

/// What the search minimises (or maximises): a campaign metric's mean.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Objective {
    /// The metric's column ([`CAMPAIGN_METRICS`]).
    pub metric: usize,
    /// True for `maximise`.
    pub maximise: bool,
}

impl Objective {
    /// The metric's column name.
    pub fn name(&self) -> &'static str {
        CAMPAIGN_METRICS[self.metric].name
    }

    /// +1 when minimising, −1 when maximising: `sign × mean` is a cost.
    pub fn sign(&self) -> f64 {
        if self.maximise { -1.0 } else { 1.0 }
    }
}

/// What a constraint bounds: a metric's mean, the share of runs with a
/// 0/1 metric at 1, or a percentile.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Statistic {
    Mean,
    Share,
    /// The percentile, 0 to 1 (`.p95` is 0.95).
    Percentile(f64),
}

/// Which side of its limit a constraint allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    AtLeast,
    AtMost,
}

/// One `subject_to` entry, such as `"done_by_deadline >= 0.95"`.
#[derive(Clone, Debug, PartialEq)]
pub struct Constraint {
    /// As written.
    pub text: String,
    /// The metric's column ([`CAMPAIGN_METRICS`]).
    pub metric: usize,
    pub statistic: Statistic,
    pub side: Side,
    /// In the unit of `runs.csv` (seconds for times).
    pub limit: f64,
}

impl Constraint {
    /// How far `value` is on the wrong side of the limit, relative to the
    /// limit (0 when met).
    pub fn violation(&self, value: f64) -> f64 {
        let over = match self.side {
            Side::AtLeast => self.limit - value,
            Side::AtMost => value - self.limit,
        };
        if over.is_nan() {
            return f64::INFINITY;
        }
        over.max(0.0) / self.limit.abs().max(1e-9)
    }

    /// True when `value` meets the constraint.
    pub fn met_by(&self, value: f64) -> bool {
        match self.side {
            Side::AtLeast => value >= self.limit,
            Side::AtMost => value <= self.limit,
        }
    }
}

/// One plan of the space.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// `search-1`, `search-2`, ...
    pub name: String,
    /// Its value of each field of [`Search::fields`]: a word as it is,
    /// a list as TOML writes it.
    pub settings: Vec<String>,
    /// The strategies it picks, `(selector, strategy)`, in the order of
    /// `[search] strategies`.
    pub strategies: Vec<(String, String)>,
    /// The plan, checked.
    pub plan: Plan,
}

/// A fleet file's `[search]`, read and checked.
#[derive(Clone, Debug)]
pub struct Search {
    pub objective: Objective,
    pub constraints: Vec<Constraint>,
    /// The fields varied, in file order of the format (`waves`,
    /// `max_sites_per_window`, ..., `strategies[ring=main]`).
    pub fields: Vec<String>,
    /// Every plan of the space, in product order (the last field varies
    /// fastest).
    pub candidates: Vec<Candidate>,
}

/// The value of campaign metric `metric` in `m`, in the unit of
/// `runs.csv` (seconds for times); NaN when empty.
pub fn value(metric: usize, m: &CampaignMetrics) -> f64 {
    match (CAMPAIGN_METRICS[metric].read)(m) {
        Reading::Millis(ms) => ms as f64 / 1000.0,
        Reading::Whole(n) => n as f64,
        Reading::Real(x) => x,
        Reading::Absent => f64::NAN,
    }
}

/// One value of one field: how it sets a `[[plans]]` entry.
#[derive(Clone, Debug)]
enum Setting {
    Waves(Vec<toml::Value>),
    Cap(i64),
    Bake(String),
    StopOn(Vec<String>),
    StartDays(Vec<String>),
    Placement(String),
    Strategy(String, String),
}

impl Setting {
    fn apply(&self, rp: &mut RawPlan) {
        match self {
            Setting::Waves(w) => rp.waves = Some(w.clone()),
            Setting::Cap(n) => rp.max_sites_per_window = Some(*n),
            Setting::Bake(b) => rp.bake = Some(b.clone()),
            Setting::StopOn(s) => rp.stop_on = Some(s.clone()),
            Setting::StartDays(d) => rp.start_days = Some(d.clone()),
            Setting::Placement(p) => rp.placement = Some(p.clone()),
            Setting::Strategy(sel, st) => rp.strategies.get_or_insert_with(Vec::new).push(RawPlanStrategy {
                select: Some(sel.clone()),
                strategy: Some(st.clone()),
            }),
        }
    }

    /// As `search.csv` holds it: a word as it is, a list in TOML.
    fn text(&self) -> String {
        let list = |v: &[String]| toml::Value::Array(v.iter().map(|s| toml::Value::String(s.clone())).collect());
        match self {
            Setting::Waves(w) => toml::Value::Array(w.clone()).to_string(),
            Setting::Cap(n) => n.to_string(),
            Setting::Bake(b) | Setting::Placement(b) => b.clone(),
            Setting::StopOn(s) | Setting::StartDays(s) => list(s).to_string(),
            Setting::Strategy(_, st) => st.clone(),
        }
    }

    /// The plan field it sets.
    fn field(&self) -> &'static str {
        match self {
            Setting::Waves(_) => "waves",
            Setting::Cap(_) => "max_sites_per_window",
            Setting::Bake(_) => "bake",
            Setting::StopOn(_) => "stop_on",
            Setting::StartDays(_) => "start_days",
            Setting::Placement(_) => "placement",
            Setting::Strategy(..) => "strategies",
        }
    }
}

/// Reads a metric reference: `name` (its mean, or its share for a 0/1
/// metric) or `name.pNN` (a percentile).
fn metric_ref(text: &str, deadline: bool) -> Result<(usize, Statistic), String> {
    let t = text.trim();
    let (name, pct) = match t.split_once(".p") {
        Some((n, p)) => (n, Some(p)),
        None => (t, None),
    };
    let Some(k) = index(name) else {
        return Err(format!(
            "{name:?} is not a campaign metric{} (they are the numeric columns of runs.csv: {})",
            crate::scenario::suggest::did_you_mean(name, CAMPAIGN_METRICS.iter().map(|m| m.name)),
            CAMPAIGN_METRICS
                .iter()
                .filter(|m| m.better != Better::Neither)
                .map(|m| m.name)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    };
    let m = &CAMPAIGN_METRICS[k];
    if m.better == Better::Neither {
        return Err(format!(
            "{name}: says when or where a stop fired and is empty when none did; not a cost to search on"
        ));
    }
    if m.name == "done_by_deadline" && !deadline {
        return Err("done_by_deadline: the fleet has no [campaign] deadline".into());
    }
    let flag = m.unit == Unit::Flag;
    match pct {
        None => Ok((k, if flag { Statistic::Share } else { Statistic::Mean })),
        Some(_) if flag => Err(format!(
            "{name} is 0 or 1 in each run: name it alone for the share of runs, e.g. \"{name} >= 0.95\""
        )),
        Some(p) => match p.parse::<f64>() {
            Ok(x) if x > 0.0 && x < 100.0 => Ok((k, Statistic::Percentile(x / 100.0))),
            _ => Err(format!(
                "\"{t}\": a percentile is written .pNN with NN above 0 and below 100 (.p95, .p99.9)"
            )),
        },
    }
}

/// Reads `"metric >= x"` or `"metric.pNN <= x"`.
fn constraint(text: &str, deadline: bool) -> Result<Constraint, String> {
    let (lhs, side, rhs) = if let Some((a, b)) = text.split_once(">=") {
        (a, Side::AtLeast, b)
    } else if let Some((a, b)) = text.split_once("<=") {
        (a, Side::AtMost, b)
    } else {
        return Err(format!(
            "{text:?}: write a metric, >= or <=, and a limit, e.g. \"done_by_deadline >= 0.95\" or \"peak_sites_without_failover.p95 <= 3\""
        ));
    };
    let (metric, statistic) = metric_ref(lhs, deadline)?;
    let r = rhs.trim();
    let unit = CAMPAIGN_METRICS[metric].unit;
    let limit = match r.parse::<f64>() {
        Ok(x) if x.is_finite() => x,
        _ if unit == Unit::Seconds => match crate::time::parse_duration(r) {
            Ok(d) => d.0 as f64 / 1000.0,
            Err(e) => return Err(format!("{text:?}: the limit {r:?}: {e}")),
        },
        _ => return Err(format!("{text:?}: the limit {r:?} is not a number")),
    };
    if statistic == Statistic::Share && !(0.0..=1.0).contains(&limit) {
        return Err(format!("{text:?}: a share of runs is from 0 to 1"));
    }
    Ok(Constraint {
        text: text.trim().to_string(),
        metric,
        statistic,
        side,
        limit,
    })
}

/// Reads and checks `[search]`: each value on its own (at
/// `search.<field>[k]`), then every plan of the space.
pub(super) fn read(
    c: &mut Ctx,
    raw: RawSearch,
    base: &RawCampaign,
    groups: &[Group],
    sites: &[Site],
    deadline: bool,
) -> Option<Search> {
    let objective = match (&raw.minimise, &raw.maximise) {
        (Some(_), Some(_)) => {
            c.bad("search.maximise", "give minimise or maximise, not both");
            None
        }
        (None, None) => {
            c.bad(
                "search",
                "no objective: give minimise = \"<campaign metric>\" (or maximise), e.g. minimise = \"campaign_s\"",
            );
            None
        }
        (Some(t), None) | (None, Some(t)) => {
            let field = if raw.minimise.is_some() {
                "search.minimise"
            } else {
                "search.maximise"
            };
            match metric_ref(t, deadline) {
                Ok((metric, Statistic::Mean | Statistic::Share)) => Some(Objective {
                    metric,
                    maximise: raw.maximise.is_some(),
                }),
                Ok(_) => {
                    c.bad(
                        field,
                        format!("{t:?}: the objective is a metric's mean; name the metric alone"),
                    );
                    None
                }
                Err(e) => {
                    c.bad(field, e);
                    None
                }
            }
        }
    };
    let mut constraints = Vec::new();
    for (i, t) in raw.subject_to.iter().flatten().enumerate() {
        match constraint(t, deadline) {
            Ok(k) => constraints.push(k),
            Err(e) => c.bad(&format!("search.subject_to[{i}]"), e),
        }
    }
    // The axes, in a fixed order.
    let mut axes: Vec<(String, String, Vec<Setting>)> = Vec::new();
    let mut axis =
        |field: &str, values: Vec<Setting>| axes.push((field.to_string(), format!("search.{field}"), values));
    if let Some(v) = raw.waves {
        axis("waves", v.into_iter().map(Setting::Waves).collect());
    }
    if let Some(v) = raw.max_sites_per_window {
        axis("max_sites_per_window", v.into_iter().map(Setting::Cap).collect());
    }
    if let Some(v) = raw.bake {
        axis("bake", v.into_iter().map(Setting::Bake).collect());
    }
    if let Some(v) = raw.stop_on {
        axis("stop_on", v.into_iter().map(Setting::StopOn).collect());
    }
    if let Some(v) = raw.start_days {
        axis("start_days", v.into_iter().map(Setting::StartDays).collect());
    }
    if let Some(v) = raw.placement {
        axis("placement", v.into_iter().map(Setting::Placement).collect());
    }
    for (j, a) in raw.strategies.into_iter().flatten().enumerate() {
        let Some(sel) = a.select else {
            c.bad(
                &format!("search.strategies[{j}].select"),
                "missing: a label selector such as \"kind=pair\" or \"*\"",
            );
            continue;
        };
        let among = a.among.unwrap_or_default();
        let values = among.into_iter().map(|s| Setting::Strategy(sel.clone(), s)).collect();
        axes.push((
            format!("strategies[{sel}]"),
            format!("search.strategies[{j}].among"),
            values,
        ));
    }
    if axes.is_empty() {
        c.bad(
            "search",
            "no field to vary: list the values to try of max_sites_per_window, bake, start_days, waves, placement, stop_on or strategies (with among)",
        );
        return None;
    }
    // Each value on its own.
    let mut size = 1usize;
    for (field, path, values) in &axes {
        if values.is_empty() {
            c.bad(path, "empty: give the values to try");
            continue;
        }
        size = size.saturating_mul(values.len());
        for (k, v) in values.iter().enumerate() {
            let mut rp = RawPlan::default();
            v.apply(&mut rp);
            let mut own = Ctx { problems: Vec::new() };
            plan(&mut own, "@", field.clone(), String::new(), base, &rp, groups, sites);
            let at = format!("@.{}", v.field());
            for p in own.problems {
                let Some(rest) = p.path.strip_prefix(&at) else {
                    continue;
                };
                let path = match v {
                    // `@.strategies[0].strategy` or `.select`.
                    Setting::Strategy(..) if rest.ends_with(".select") => path.replace(".among", ".select"),
                    Setting::Strategy(..) => format!("{path}[{k}]"),
                    _ => format!("{path}[{k}]{rest}"),
                };
                c.bad(&path, p.message);
            }
        }
    }
    if size > MAX_SPACE {
        c.bad(
            "search",
            format!(
                "the space holds {size} plans (the product of the value lists): at most {MAX_SPACE}; drop some values"
            ),
        );
    }
    let objective = objective?;
    if !c.problems.is_empty() {
        return None;
    }
    // Every plan of the space: the last field varies fastest.
    let mut candidates = Vec::with_capacity(size);
    let mut pick = vec![0usize; axes.len()];
    for n in 0..size {
        let mut rest = n;
        for (a, (_, _, values)) in axes.iter().enumerate().rev() {
            pick[a] = rest % values.len();
            rest /= values.len();
        }
        let mut rp = RawPlan::default();
        let mut settings = Vec::new();
        let mut strategies = Vec::new();
        for (a, (_, _, values)) in axes.iter().enumerate() {
            let v = &values[pick[a]];
            v.apply(&mut rp);
            settings.push(v.text());
            if let Setting::Strategy(sel, st) = v {
                strategies.push((sel.clone(), st.clone()));
            }
        }
        let name = format!("search-{}", n + 1);
        let mut own = Ctx { problems: Vec::new() };
        match plan(&mut own, "@", name.clone(), String::new(), base, &rp, groups, sites) {
            Some(p) if own.problems.is_empty() => candidates.push(Candidate {
                name,
                settings,
                strategies,
                plan: p,
            }),
            _ => {
                for p in own.problems {
                    c.bad(
                        "search",
                        format!(
                            "the plan {} of the space: {}: {}",
                            settings.join(", "),
                            p.path.trim_start_matches("@."),
                            p.message
                        ),
                    );
                }
                return None;
            }
        }
    }
    Some(Search {
        objective,
        constraints,
        fields: axes.into_iter().map(|(f, _, _)| f).collect(),
        candidates,
    })
}

/// A plan as a `[[plans]]` entry named `name`, every field explicit:
/// paste it into the fleet file and `compare` runs the same campaign.
pub fn plan_toml(name: &str, description: &str, plan: &Plan, strategies: &[(String, String)], sites: usize) -> String {
    use std::fmt::Write as _;
    let s = |t: &str| toml::Value::String(t.to_string()).to_string();
    let mut out = String::new();
    let _ = writeln!(out, "[[plans]]");
    let _ = writeln!(out, "name = {}", s(name));
    if !description.is_empty() {
        let _ = writeln!(out, "description = {}", s(description));
    }
    let waves: Vec<String> = plan
        .wave_specs
        .iter()
        .map(|w| match w {
            super::WaveSpec::Count(n) => n.to_string(),
            super::WaveSpec::Share(f) => toml::Value::Float(*f).to_string(),
            super::WaveSpec::Select(sel) => s(&sel.text()),
        })
        .collect();
    let _ = writeln!(out, "waves = [{}]", waves.join(", "));
    let cap = plan.max_sites_per_window.min(sites.max(1));
    let _ = writeln!(
        out,
        "max_sites_per_window = {cap}{}",
        if plan.max_sites_per_window >= sites {
            "  # every site: no cap"
        } else {
            ""
        }
    );
    let _ = writeln!(out, "bake = {}", s(&duration_text(plan.bake)));
    let stops: Vec<String> = plan.stop_on.iter().map(|w| s(w.word())).collect();
    let _ = writeln!(out, "stop_on = [{}]", stops.join(", "));
    if plan.start_days == 0x7f {
        let _ = writeln!(out, "start_days = []  # any day");
    } else {
        let days: Vec<String> = (0..7)
            .filter(|k| plan.start_days & (1 << k) != 0)
            .map(|k| s(crate::model::calendar::WEEKDAYS[k]))
            .collect();
        let _ = writeln!(out, "start_days = [{}]", days.join(", "));
    }
    let _ = writeln!(out, "placement = {}", s(plan.placement.word()));
    let st: Vec<String> = strategies
        .iter()
        .map(|(sel, st)| format!("{{ select = {}, strategy = {} }}", s(sel), s(st)))
        .collect();
    let _ = writeln!(
        out,
        "strategies = [{}]{}",
        st.join(", "),
        if st.is_empty() { "  # each site's own" } else { "" }
    );
    out
}

/// A duration as a fleet file reads it: whole days, hours, minutes or
/// seconds.
fn duration_text(d: crate::time::SimDuration) -> String {
    use crate::time::{MS_PER_DAY, MS_PER_HOUR, MS_PER_MIN};
    let ms = d.0;
    if ms == 0 {
        "0s".into()
    } else if ms.is_multiple_of(MS_PER_DAY) {
        format!("{}d", ms / MS_PER_DAY)
    } else if ms.is_multiple_of(MS_PER_HOUR) {
        format!("{}h", ms / MS_PER_HOUR)
    } else if ms.is_multiple_of(MS_PER_MIN) {
        format!("{}min", ms / MS_PER_MIN)
    } else {
        format!("{}s", ms.div_ceil(1000))
    }
}

#[cfg(test)]
mod tests {
    use super::race::{Estimate, estimate};
    use super::*;
    use crate::fleet::Fleet;

    /// A fleet of four single appliances with `extra` appended.
    fn fleet(extra: &str) -> Result<Fleet, String> {
        let text = format!(
            "[fleet]\nstart = \"2025-03-03T00:00\"\nsites = [{{ scenario = \"single.toml\", count = 4 }}]\n{extra}"
        );
        let read = |_: &str| Ok(include_str!("../../scenarios/single.toml").to_string());
        Fleet::parse(&text, "f.toml", "f", &read).map_err(|e| e.to_string())
    }

    #[test]
    fn start_days_empty_in_a_plan_means_any_day_over_the_campaigns() {
        let f = fleet(
            "[campaign]\nstart_days = [\"tue\"]\n[[plans]]\nname = \"a\"\n[[plans]]\nname = \"b\"\nstart_days = []\n",
        )
        .unwrap();
        assert_eq!(f.plans[0].start_days, 1 << 1);
        assert_eq!(f.plans[1].start_days, 0x7f);
    }

    #[test]
    fn the_space_is_the_product_the_last_field_fastest() {
        let f =
            fleet("[search]\nminimise = \"campaign_s\"\nmax_sites_per_window = [1, 2, 4]\nbake = [\"1d\", \"36h\"]\n")
                .unwrap();
        let s = f.search.unwrap();
        assert_eq!(s.fields, ["max_sites_per_window", "bake"]);
        let caps: Vec<usize> = s.candidates.iter().map(|c| c.plan.max_sites_per_window).collect();
        assert_eq!(caps, [1, 1, 2, 2, 4, 4]);
        let bakes: Vec<u64> = s.candidates.iter().map(|c| c.plan.bake.0 / 3_600_000).collect();
        assert_eq!(bakes, [24, 36, 24, 36, 24, 36]);
        // Written back, the bake reads as it was given.
        let t = plan_toml("x", "", &s.candidates[1].plan, &[], 4);
        assert!(t.contains("bake = \"36h\""), "{t}");
        assert!(t.contains("max_sites_per_window = 1\n"), "{t}");
    }

    #[test]
    fn constraints_read_means_shares_percentiles_and_durations() {
        let c = constraint("campaign_s.p95 <= 90d", false).unwrap();
        assert_eq!(c.statistic, Statistic::Percentile(0.95));
        assert_eq!((c.side, c.limit), (Side::AtMost, 90.0 * 86_400.0));
        let c = constraint("done_by_deadline >= 0.9", true).unwrap();
        assert_eq!(c.statistic, Statistic::Share);
        assert!(constraint("done_by_deadline >= 1.5", true).is_err());
        assert!(constraint("stop_s <= 3", false).is_err());
    }

    fn judged(constraint_text: &str, xs: &[f64]) -> Estimate {
        let f = fleet(&format!(
            "[campaign]\ndeadline = \"2025-12-31\"\n[search]\nminimise = \"campaign_s\"\nsubject_to = [\"{constraint_text}\"]\nbake = [\"1d\"]\n"
        ))
        .unwrap();
        let s = f.search.unwrap();
        let k = s.constraints[0].metric;
        let obs: Vec<Vec<f64>> = xs
            .iter()
            .map(|x| {
                let mut row = vec![0.0; CAMPAIGN_METRICS.len()];
                row[k] = *x;
                row
            })
            .collect();
        estimate(&s, &obs)
    }

    #[test]
    fn a_percentile_interval_is_of_order_statistics() {
        // 100 runs, 1 to 100: the 95th percentile is 95; its ranks are
        // 95 ∓ 1.96·√(100·0.95·0.05) = 95 ∓ 4.27, rounded outwards: 90
        // and 100.
        let xs: Vec<f64> = (1..=100).map(f64::from).collect();
        let e = judged("nights_used.p95 <= 3", &xs);
        let j = e.constraints[0];
        assert_eq!((j.value, j.low, j.high), (95.0, 90.0, 100.0));
        // Five runs: no upper bound below the sample's end.
        let e = judged("nights_used.p95 <= 3", &[4.0; 5]);
        assert!(e.constraints[0].high.is_infinite());
        assert_eq!(e.constraints[0].low, 4.0);
    }

    #[test]
    fn a_share_interval_is_exact() {
        let mut xs = vec![1.0; 18];
        xs.extend([0.0, 0.0]);
        let e = judged("done_by_deadline >= 0.95", &xs);
        let j = e.constraints[0];
        assert_eq!(j.value, 0.9);
        let (lo, hi) = crate::stats::proportion_interval(18, 20);
        assert_eq!((j.low, j.high), (lo, hi));
        assert!(j.low < 0.95 && j.high > 0.95, "not decided by 20 runs");
    }
}
