//! `[sensitivity]`: the inputs a sensitivity study may swing, and a
//! scenario's own ranges for them.
//!
//! Each [`Input`] is a field of the scenario (or, for the workload, both
//! arrival rates scaled together) with a unit. A scenario may give an input
//! its own low and high values, turn it off, and set the replications per
//! point and the bisection steps:
//!
//! ```toml
//! [sensitivity]
//! runs = 200
//! steps = 5
//! inputs = { "site.data_gb" = [50, 800], "calendar.interim" = ["12h", "3d"], "faults.mtbf" = false }
//! ```
//!
//! The table is checked like every other one: unknown keys refused, every
//! problem with its field path. The default ranges, and which inputs a site
//! does not use, are the study's (`study::sensitivity`).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::validate::{MAX_DATA_GB, MAX_DURATION_MS};
use crate::time::{SimDuration, parse_duration};

/// An input a sensitivity study swings, one at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Input {
    /// `site.data_gb`: the stored data (session recordings).
    DataGb,
    /// `calendar.interim`: the interim period between the two windows.
    Interim,
    /// `network.dns_ttl`: the TTL of the site's DNS record.
    DnsTtl,
    /// `faults.upgrade_failure`: the probability that one upgrade fails.
    UpgradeFailure,
    /// `faults.mtbf`: the mean time between crashes of one node.
    Mtbf,
    /// `workload.scale`: both arrival rates (`workload.support.rate_per_hour`
    /// and `workload.console.rate_per_hour`) times a factor.
    Workload,
}

/// What an input's values are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Gigabytes.
    Gb,
    /// A duration, in milliseconds.
    Duration,
    /// A probability, 0 to 1.
    Probability,
    /// A factor on the scenario's own value (1 = as given).
    Factor,
}

impl Input {
    /// Every input, in the order the study lists them.
    pub const ALL: [Input; 6] = [
        Input::DataGb,
        Input::Interim,
        Input::DnsTtl,
        Input::UpgradeFailure,
        Input::Mtbf,
        Input::Workload,
    ];

    /// The key in `[sensitivity] inputs` (the field's path, but for the workload).
    pub fn key(self) -> &'static str {
        match self {
            Input::DataGb => "site.data_gb",
            Input::Interim => "calendar.interim",
            Input::DnsTtl => "network.dns_ttl",
            Input::UpgradeFailure => "faults.upgrade_failure",
            Input::Mtbf => "faults.mtbf",
            Input::Workload => "workload.scale",
        }
    }

    /// The input in words.
    pub fn words(self) -> &'static str {
        match self {
            Input::DataGb => "stored data",
            Input::Interim => "interim period",
            Input::DnsTtl => "DNS TTL",
            Input::UpgradeFailure => "upgrade failure probability",
            Input::Mtbf => "crash MTBF",
            Input::Workload => "workload",
        }
    }

    /// What its values are.
    pub fn kind(self) -> Kind {
        match self {
            Input::DataGb => Kind::Gb,
            Input::Interim | Input::DnsTtl | Input::Mtbf => Kind::Duration,
            Input::UpgradeFailure => Kind::Probability,
            Input::Workload => Kind::Factor,
        }
    }

    /// The input of a key.
    pub fn from_key(key: &str) -> Option<Input> {
        Input::ALL.into_iter().find(|i| i.key() == key)
    }

    /// The smallest value it may take (included unless `above`).
    fn floor(self) -> (f64, bool) {
        match self {
            Input::DataGb | Input::Interim | Input::UpgradeFailure => (0.0, false),
            Input::DnsTtl | Input::Mtbf | Input::Workload => (0.0, true),
        }
    }

    /// The largest value it may take.
    fn ceiling(self) -> f64 {
        match self.kind() {
            Kind::Gb => MAX_DATA_GB,
            Kind::Duration => MAX_DURATION_MS as f64,
            Kind::Probability => 1.0,
            Kind::Factor => MAX_FACTOR,
        }
    }
}

/// The largest workload factor a scenario may ask for.
pub const MAX_FACTOR: f64 = 1000.0;
/// Most replications per point of a sensitivity study.
pub const MAX_RUNS: i64 = 100_000;
/// Most bisection steps towards a break-even.
pub const MAX_STEPS: i64 = 20;

/// A scenario's own range for an input.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Range {
    /// Not swung.
    Off,
    /// From `low` to `high` (in the input's unit: GB, milliseconds, a
    /// probability, a factor), `low < high`.
    Between(f64, f64),
}

/// The `[sensitivity]` table of a scenario file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSensitivity {
    /// Replications per strategy at each point.
    pub runs: Option<i64>,
    /// Bisection steps towards a break-even.
    pub steps: Option<i64>,
    /// Input key → `[low, high]` or `false`.
    pub inputs: Option<BTreeMap<String, toml::Value>>,
}

/// A scenario's `[sensitivity]`, checked.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SensitivitySpec {
    /// Replications per point, when the scenario sets them.
    pub runs: Option<u64>,
    /// Bisection steps, when the scenario sets them.
    pub steps: Option<u32>,
    /// The inputs the scenario gives a range of its own (or turns off), in
    /// [`Input::ALL`] order.
    pub ranges: Vec<(Input, Range)>,
}

impl SensitivitySpec {
    /// The scenario's own range for `input`, if it gives one.
    pub fn range(&self, input: Input) -> Option<Range> {
        self.ranges.iter().find(|(i, _)| *i == input).map(|(_, r)| *r)
    }
}

/// Most characters of a key echoed in a message.
const MAX_ECHO_CHARS: usize = 100;

fn shorten(s: &str) -> String {
    match s.char_indices().nth(MAX_ECHO_CHARS) {
        None => s.to_string(),
        Some((i, _)) => format!("{}…", &s[..i]),
    }
}

/// One end of a range: its value in the input's unit, or what is wrong.
fn end_value(input: Input, v: &toml::Value) -> Result<f64, String> {
    let x = match (input.kind(), v) {
        (Kind::Duration, toml::Value::String(s)) => {
            let d = parse_duration(s).map_err(|e| format!("{:?}: {e}", shorten(s)))?;
            d.0 as f64
        }
        (Kind::Duration, other) => {
            return Err(format!(
                "{}: expected a duration such as \"12h\" or \"3d\"",
                shorten(&other.to_string())
            ));
        }
        (_, toml::Value::Integer(i)) => *i as f64,
        (_, toml::Value::Float(f)) => *f,
        (kind, other) => {
            return Err(format!(
                "{}: expected a number ({})",
                shorten(&other.to_string()),
                match kind {
                    Kind::Gb => "GB",
                    Kind::Probability => "a probability, 0 to 1",
                    _ => "a factor on the scenario's own rates, e.g. 0.5 or 2",
                }
            ));
        }
    };
    let (floor, above) = input.floor();
    let shown = |x: f64| match input.kind() {
        Kind::Duration => SimDuration::from_ms_f64(x).to_string(),
        _ => format!("{x}"),
    };
    let too_low = if above { x <= floor } else { x < floor };
    if !x.is_finite() || too_low || x > input.ceiling() {
        return Err(format!(
            "{} is out of range ({} {} to {})",
            shown(x),
            if above { "above" } else { "from" },
            shown(floor),
            shown(input.ceiling())
        ));
    }
    Ok(x)
}

/// Validates `[sensitivity]`; every problem with its field path.
pub fn check_sensitivity(raw: Option<RawSensitivity>, problems: &mut Vec<(String, String)>) -> SensitivitySpec {
    let Some(raw) = raw else {
        return SensitivitySpec::default();
    };
    let mut out = SensitivitySpec::default();
    if let Some(r) = raw.runs {
        if (1..=MAX_RUNS).contains(&r) {
            out.runs = Some(r as u64);
        } else {
            problems.push((
                "sensitivity.runs".into(),
                format!("{r} is out of range (1 to {MAX_RUNS})"),
            ));
        }
    }
    if let Some(s) = raw.steps {
        if (0..=MAX_STEPS).contains(&s) {
            out.steps = Some(s as u32);
        } else {
            problems.push((
                "sensitivity.steps".into(),
                format!("{s} is out of range (0 to {MAX_STEPS})"),
            ));
        }
    }
    for (key, value) in raw.inputs.iter().flatten() {
        let path = format!("sensitivity.inputs.{key:?}");
        let Some(input) = Input::from_key(key) else {
            let known: Vec<&str> = Input::ALL.iter().map(|i| i.key()).collect();
            problems.push((
                format!("sensitivity.inputs.{:?}", shorten(key)),
                format!("unknown input (one of: {})", known.join(", ")),
            ));
            continue;
        };
        match value {
            toml::Value::Boolean(false) => out.ranges.push((input, Range::Off)),
            toml::Value::Array(ends) if ends.len() == 2 => {
                let low = end_value(input, &ends[0]).map_err(|e| problems.push((format!("{path}[0]"), e)));
                let high = end_value(input, &ends[1]).map_err(|e| problems.push((format!("{path}[1]"), e)));
                if let (Ok(low), Ok(high)) = (low, high) {
                    if low < high {
                        out.ranges.push((input, Range::Between(low, high)));
                    } else {
                        problems.push((path, format!("{} is not above {}: give [low, high]", ends[1], ends[0])));
                    }
                }
            }
            other => problems.push((
                path,
                format!(
                    "{}: expected [low, high] (e.g. {}) or false",
                    match other {
                        toml::Value::Array(a) if a.len() == 1 => "a list of 1 value".to_string(),
                        toml::Value::Array(a) => format!("a list of {} values", a.len()),
                        v => shorten(&v.to_string()),
                    },
                    match input.kind() {
                        Kind::Duration => "[\"12h\", \"3d\"]",
                        Kind::Gb => "[50, 800]",
                        Kind::Probability => "[0, 0.3]",
                        Kind::Factor => "[0.5, 2]",
                    }
                ),
            )),
        }
    }
    out.ranges.sort_by_key(|(i, _)| *i);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> (SensitivitySpec, Vec<(String, String)>) {
        #[derive(Deserialize)]
        struct Doc {
            sensitivity: Option<RawSensitivity>,
        }
        let doc: Doc = toml::from_str(text).unwrap();
        let mut problems = Vec::new();
        let spec = check_sensitivity(doc.sensitivity, &mut problems);
        (spec, problems)
    }

    #[test]
    fn ranges_are_read_in_the_inputs_units() {
        let (spec, problems) = check(
            "[sensitivity]\nruns = 50\nsteps = 3\ninputs = { \"calendar.interim\" = [\"12h\", \"3d\"], \"site.data_gb\" = [50, 800.5], \"network.dns_ttl\" = false }\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!((spec.runs, spec.steps), (Some(50), Some(3)));
        assert_eq!(
            spec.ranges,
            [
                (Input::DataGb, Range::Between(50.0, 800.5)),
                (Input::Interim, Range::Between(12.0 * 3_600_000.0, 3.0 * 86_400_000.0)),
                (Input::DnsTtl, Range::Off),
            ]
        );
        assert_eq!(spec.range(Input::Mtbf), None);
        assert_eq!(check("").0, SensitivitySpec::default());
    }

    #[test]
    fn every_problem_is_named_by_its_path() {
        let (_, problems) = check(
            "[sensitivity]\nruns = 0\nsteps = 99\ninputs = { \"site.data\" = [1, 2], \"faults.upgrade_failure\" = [0, 1.5], \"faults.mtbf\" = [\"2d\", \"1d\"], \"calendar.interim\" = [1, 2], \"workload.scale\" = [0.5], \"network.dns_ttl\" = true }\n",
        );
        let paths: Vec<&str> = problems.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(
            paths,
            [
                "sensitivity.runs",
                "sensitivity.steps",
                "sensitivity.inputs.\"calendar.interim\"[0]",
                "sensitivity.inputs.\"calendar.interim\"[1]",
                "sensitivity.inputs.\"faults.mtbf\"",
                "sensitivity.inputs.\"faults.upgrade_failure\"[1]",
                "sensitivity.inputs.\"network.dns_ttl\"",
                "sensitivity.inputs.\"site.data\"",
                "sensitivity.inputs.\"workload.scale\"",
            ],
            "{problems:#?}"
        );
        let msg = |p: &str| problems.iter().find(|x| x.0 == p).unwrap().1.clone();
        assert_eq!(msg("sensitivity.runs"), "0 is out of range (1 to 100000)");
        assert!(msg("sensitivity.inputs.\"site.data\"").starts_with("unknown input (one of: site.data_gb, "));
        assert_eq!(
            msg("sensitivity.inputs.\"faults.upgrade_failure\"[1]"),
            "1.5 is out of range (from 0 to 1)"
        );
        assert_eq!(
            msg("sensitivity.inputs.\"faults.mtbf\""),
            "\"1d\" is not above \"2d\": give [low, high]"
        );
        assert!(msg("sensitivity.inputs.\"calendar.interim\"[0]").contains("expected a duration"));
        assert!(msg("sensitivity.inputs.\"workload.scale\"").starts_with("a list of 1 value: expected [low, high]"));
        // A TTL or an MTBF of zero is refused; an interim of zero is not.
        let (_, problems) = check(
            "[sensitivity]\ninputs = { \"network.dns_ttl\" = [\"0s\", \"1h\"], \"calendar.interim\" = [\"0s\", \"1d\"] }\n",
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].1, "0s is out of range (above 0s to 3650d)");
    }
}
