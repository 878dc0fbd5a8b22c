//! Swept fields as people read them: a label with its unit instead of the
//! TOML path (`Stored data (GB)`, not `site.data_gb`), and each value in
//! words (`400 GB`, `1.5 days`, `5 %`). A field not in [`LABELS`] keeps its
//! path, and its values as given.

use crate::report::chart::Scale;
use crate::report::sensitivity::{capitalised, duration_words, fmt_number};
use crate::time::parse_duration;

/// What a swept field's numbers are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Gigabytes.
    Gb,
    /// Megabytes.
    Mb,
    /// Megabytes per second.
    MbPerS,
    /// A time (`"3d"`, `"90s"`): the label's unit follows the values.
    Time,
    /// A probability or share from 0 to 1, read as a percentage.
    Share,
    /// An hour of the day, 0 to 23.
    Hour,
    /// A rate per hour.
    PerHour,
    /// A number of things.
    Count,
    /// Names or yes/no.
    Plain,
}

impl Unit {
    /// The unit in a label's brackets, when it has one.
    fn bracket(self) -> Option<&'static str> {
        match self {
            Unit::Gb => Some("GB"),
            Unit::Mb => Some("MB"),
            Unit::MbPerS => Some("MB/s"),
            Unit::Share => Some("%"),
            Unit::Hour => Some("hour of day"),
            Unit::PerHour => Some("per hour"),
            Unit::Time | Unit::Count | Unit::Plain => None,
        }
    }
}

/// A known field: its path (a list's index written `[]`), its words, and
/// the unit of its values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Label {
    /// The TOML path, `calendar.windows[].length` for any window's.
    pub path: &'static str,
    /// Its name for people, as a sentence says it; `#` stands for a list
    /// item's number (from 1).
    pub words: &'static str,
    /// What its values are.
    pub unit: Unit,
}

const fn label(path: &'static str, words: &'static str, unit: Unit) -> Label {
    Label { path, words, unit }
}

/// The fields a sweep is likely to vary, with their words (the words of
/// the sensitivity study's inputs where it has them, so that a sweep and
/// a tornado chart speak alike).
pub const LABELS: &[Label] = &[
    label("site.data_gb", "stored data", Unit::Gb),
    label("site.keys_match", "keys match", Unit::Plain),
    label("site.capacity", "capacity in sessions", Unit::Count),
    label("site.backup_primary", "backup primary", Unit::Plain),
    label("site.switch", "switch method", Unit::Plain),
    label("site.offline_fraction", "nodes taken offline first", Unit::Share),
    label("site.drain_timeout", "drain timeout", Unit::Time),
    label("calendar.interim", "interim period", Unit::Time),
    label("calendar.cutoff", "window cut-off", Unit::Time),
    label("calendar.on_overrun", "at a window's end", Unit::Plain),
    label("calendar.cooldown", "cool-down", Unit::Time),
    label("calendar.time_zone", "time zone", Unit::Plain),
    label("calendar.windows[].length", "length of window #", Unit::Time),
    label("calendar.windows[].hour", "start of window #", Unit::Hour),
    label("calendar.windows[].weekday", "day of window #", Unit::Plain),
    label("upgrade.install_per_gb", "install time per GB", Unit::Time),
    label("failover.sync_interval", "sync interval", Unit::Time),
    label("failover.first_sync_delay", "first sync delay", Unit::Time),
    label("failover.sync_overhead", "sync overhead", Unit::Time),
    label("failover.throughput_mb_s", "sync throughput", Unit::MbPerS),
    label("failover.record_mb", "record size", Unit::Mb),
    label("network.dns_ttl", "DNS TTL", Unit::Time),
    label(
        "network.dns_stale_fraction",
        "resolvers keeping stale answers",
        Unit::Share,
    ),
    label("operators.count", "operators", Unit::Count),
    label("workload.support.rate_per_hour", "support sessions", Unit::PerHour),
    label("workload.console.rate_per_hour", "console logins", Unit::PerHour),
    label("workload.console.technicians", "technicians", Unit::Count),
    label("workload.console.msi_locked_share", "consoles locked down", Unit::Share),
    label("faults.mtbf", "crash MTBF", Unit::Time),
    label("faults.crashes", "crashes simulated", Unit::Plain),
    label("faults.upgrade_failure", "upgrade failure probability", Unit::Share),
    label("faults.upgrade_retries", "upgrade retries", Unit::Count),
    label("faults.sync_failure", "sync failure probability", Unit::Share),
    label("faults.sync_retry", "sync retry wait", Unit::Time),
    label("faults.precheck_failure", "precheck failure probability", Unit::Share),
    label("faults.precheck_deadline", "precheck deadline", Unit::Time),
    label("faults.latent_defect", "latent defect probability", Unit::Share),
    label("pod.miss_probability", "scheduler miss probability", Unit::Share),
    label("pod.lead_time", "lead time", Unit::Time),
    label("pod.spread", "slot spread", Unit::Time),
    label("pod.allotment", "allotted time", Unit::Time),
    label("pod.close_immediately_fraction", "farms closing at once", Unit::Share),
    label("pod.reconnect_probability", "reconnect probability", Unit::Share),
];

/// A path's list indices: `calendar.windows[1].length` is
/// (`calendar.windows[].length`, the first index).
fn without_indices(path: &str) -> (String, Option<usize>) {
    let mut out = String::new();
    let mut first = None;
    let mut rest = path;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find(']') else {
            out.push_str(&rest[open..]);
            return (out, first);
        };
        if first.is_none() {
            first = rest[open + 1..open + close].trim().parse().ok();
        }
        out.push_str("[]");
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    (out, first)
}

/// The known field at `path`, and its words (a list item numbered).
pub fn find(path: &str) -> Option<(&'static Label, String)> {
    let (key, index) = without_indices(path.trim());
    let l = LABELS.iter().find(|l| l.path == key)?;
    Some((
        l,
        l.words
            .replace('#', &index.map_or(String::new(), |i| (i + 1).to_string())),
    ))
}

/// A swept field as a sentence says it: `stored data`, `interim period`,
/// or the path.
pub fn words(path: &str) -> String {
    find(path).map_or_else(|| path.to_string(), |(_, w)| w)
}

/// A swept field's label on an axis or a table: its words and unit,
/// `Stored data (GB)`, `Interim period (days)` (a time in the unit its
/// largest value reads in, `shown` the values as given), or the path.
pub fn axis_label(path: &str, shown: &[String]) -> String {
    let Some((l, words)) = find(path) else {
        return path.to_string();
    };
    let unit = match l.unit {
        Unit::Time => {
            let max = shown
                .iter()
                .filter_map(|s| parse_duration(s).ok())
                .map(|d| d.as_secs_f64())
                .fold(0.0, f64::max);
            Some(Scale::for_unit(crate::metrics::Unit::Seconds, max).unit)
        }
        u => u.bracket(),
    };
    match unit {
        Some(u) => format!("{} ({u})", capitalised(&words)),
        None => capitalised(&words),
    }
}

/// A swept value in words: `400 GB`, `1.5 days`, `5 %`, `22:00`, `yes`;
/// a value of a field not in [`LABELS`] as given, but times and yes/no.
pub fn human(path: &str, shown: &str, value: &toml::Value) -> String {
    let unit = find(path).map(|(l, _)| l.unit);
    let number = match value {
        toml::Value::Integer(i) => Some(*i as f64),
        toml::Value::Float(f) => Some(*f),
        toml::Value::Boolean(b) => return if *b { "yes" } else { "no" }.into(),
        _ => None,
    };
    if let Ok(d) = parse_duration(shown)
        && number.is_none()
    {
        return duration_words(d.as_secs_f64() * 1000.0);
    }
    let Some(x) = number else {
        return shown.to_string();
    };
    match unit {
        Some(Unit::Gb) => format!("{} GB", fmt_number(x)),
        Some(Unit::Mb) => format!("{} MB", fmt_number(x)),
        Some(Unit::MbPerS) => format!("{} MB/s", fmt_number(x)),
        Some(Unit::Share) => format!("{} %", fmt_number(x * 100.0)),
        Some(Unit::Hour) if x.fract() == 0.0 => format!("{x:02}:00"),
        Some(Unit::PerHour) => format!("{} per hour", fmt_number(x)),
        _ => shown.to_string(),
    }
}

/// A swept value for a machine: a time in seconds, anything else as given.
pub fn machine(shown: &str, value: &toml::Value) -> String {
    match value {
        toml::Value::String(_) => match parse_duration(shown) {
            Ok(d) if d.as_secs_f64().fract() == 0.0 => format!("{:.0}", d.as_secs_f64()),
            Ok(d) => format!("{:.3}", d.as_secs_f64()),
            Err(_) => shown.to_string(),
        },
        _ => shown.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::sensitivity::Input;

    fn v(s: &str) -> toml::Value {
        toml::from_str::<toml::Table>(&format!("v = {s}"))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or_else(|| toml::Value::String(s.into()))
    }

    #[test]
    fn known_fields_read_as_words_with_units_and_others_keep_their_path() {
        let shown = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(axis_label("site.data_gb", &shown(&["50", "800"])), "Stored data (GB)");
        assert_eq!(
            axis_label("calendar.interim", &shown(&["12h", "3d"])),
            "Interim period (days)"
        );
        assert_eq!(
            axis_label("network.dns_ttl", &shown(&["20s", "60s"])),
            "DNS TTL (seconds)"
        );
        assert_eq!(
            axis_label("faults.upgrade_failure", &shown(&["0", "0.3"])),
            "Upgrade failure probability (%)"
        );
        assert_eq!(
            axis_label("calendar.windows[1].length", &shown(&["2h", "6h"])),
            "Length of window 2 (hours)"
        );
        assert_eq!(
            axis_label("calendar.windows[0].hour", &shown(&["1", "22"])),
            "Start of window 1 (hour of day)"
        );
        assert_eq!(axis_label("operators.count", &shown(&["1", "3"])), "Operators");
        assert_eq!(axis_label("site.colour", &shown(&["1"])), "site.colour");
        assert_eq!(words("site.data_gb"), "stored data");
        assert_eq!(words("network.dns_ttl"), "DNS TTL");
        assert_eq!(words("upgrade.base"), "upgrade.base");
    }

    #[test]
    fn values_read_in_words_and_times_in_seconds_for_machines() {
        assert_eq!(human("site.data_gb", "400", &v("400")), "400 GB");
        assert_eq!(human("calendar.interim", "36h", &v("36h")), "36 h");
        assert_eq!(human("calendar.interim", "60h", &v("60h")), "2.5 days");
        assert_eq!(human("calendar.interim", "2h", &v("2h")), "2 h");
        assert_eq!(human("network.dns_ttl", "20s", &v("20s")), "20 s");
        assert_eq!(human("faults.upgrade_failure", "0.05", &v("0.05")), "5 %");
        assert_eq!(human("calendar.windows[0].hour", "1", &v("1")), "01:00");
        assert_eq!(human("faults.crashes", "true", &v("true")), "yes");
        assert_eq!(human("site.switch", "dns", &v("dns")), "dns");
        // A field not in the table: its times in words, its numbers as given.
        assert_eq!(human("upgrade.reboot", "90m", &v("90m")), "90 min");
        assert_eq!(human("site.colour", "7", &v("7")), "7");
        assert_eq!(machine("36h", &v("36h")), "129600");
        assert_eq!(machine("1.5s", &v("1.5s")), "1.500");
        assert_eq!(machine("400", &v("400")), "400");
        assert_eq!(machine("dns", &v("dns")), "dns");
    }

    #[test]
    fn the_sensitivity_inputs_read_alike_in_a_sweep() {
        for input in [
            Input::DataGb,
            Input::Interim,
            Input::DnsTtl,
            Input::UpgradeFailure,
            Input::Mtbf,
        ] {
            assert_eq!(words(input.key()), input.words(), "{}", input.key());
        }
    }

    #[test]
    fn every_label_is_a_field_of_the_scenario_file() {
        use crate::scenario::fields::TABLES;
        for l in LABELS {
            let (table, key) = l
                .path
                .replace("[]", "")
                .rsplit_once('.')
                .map_or((String::new(), String::new()), |(t, k)| (t.to_string(), k.to_string()));
            let known = TABLES.iter().any(|t| {
                let nested = table.split_once('.');
                (t.name == table && t.fields.iter().any(|f| f.names.contains(&key.as_str())))
                    || nested.is_some_and(|(tt, sub)| {
                        t.name == tt
                            && t.fields
                                .iter()
                                .any(|f| f.names.contains(&format!("{sub}.{key}").as_str()))
                    })
                    || (table == "calendar.windows" && t.name == "calendar")
            });
            assert!(known, "{} is not a scenario field", l.path);
        }
    }
}
