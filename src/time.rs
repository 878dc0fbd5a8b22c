//! Integer simulation time.
//!
//! The clock counts whole **milliseconds** since the scenario's calendar start
//! instant (by default a Monday 00:00 UTC). There is no floating-point clock:
//! two runs that schedule the same events see exactly the same instants, and
//! comparisons never depend on rounding.

use std::fmt;

/// Milliseconds in one second.
pub const MS_PER_S: u64 = 1_000;
/// Milliseconds in one minute.
pub const MS_PER_MIN: u64 = 60 * MS_PER_S;
/// Milliseconds in one hour.
pub const MS_PER_HOUR: u64 = 60 * MS_PER_MIN;
/// Milliseconds in one day.
pub const MS_PER_DAY: u64 = 24 * MS_PER_HOUR;
/// Milliseconds in one week.
pub const MS_PER_WEEK: u64 = 7 * MS_PER_DAY;

/// Longest duration any input may give (ten years, 3,650 days): larger
/// values are typos, and would take the simulation past its horizon.
pub const MAX_DURATION_MS: u64 = 3650 * MS_PER_DAY;

/// An instant of simulated time, in milliseconds since the calendar start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

/// A length of simulated time, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(pub u64);

impl SimTime {
    /// The calendar start instant.
    pub const ZERO: SimTime = SimTime(0);

    /// Milliseconds since the calendar start.
    pub fn as_ms(self) -> u64 {
        self.0
    }

    /// Seconds since the calendar start, as a float for reports.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MS_PER_S as f64
    }

    /// The time elapsed since `earlier`, or zero when `earlier` is later.
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    /// The empty duration.
    pub const ZERO: SimDuration = SimDuration(0);

    /// A duration of whole seconds.
    pub const fn from_secs(s: u64) -> SimDuration {
        SimDuration(s * MS_PER_S)
    }

    /// A duration of whole minutes.
    pub const fn from_mins(m: u64) -> SimDuration {
        SimDuration(m * MS_PER_MIN)
    }

    /// A duration of whole hours.
    pub const fn from_hours(h: u64) -> SimDuration {
        SimDuration(h * MS_PER_HOUR)
    }

    /// Milliseconds.
    pub fn as_ms(self) -> u64 {
        self.0
    }

    /// Seconds, as a float for reports and for rates.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MS_PER_S as f64
    }

    /// Rounds a non-negative number of milliseconds to the clock's resolution.
    /// Negative and NaN inputs give zero; huge inputs saturate.
    pub fn from_ms_f64(ms: f64) -> SimDuration {
        if ms.is_nan() || ms <= 0.0 {
            SimDuration(0)
        } else if ms >= u64::MAX as f64 {
            SimDuration(u64::MAX)
        } else {
            // Round half up; `as` truncates natively, where `round` is a
            // library call on the baseline x86-64 target.
            SimDuration((ms + 0.5) as u64)
        }
    }
}

impl std::ops::Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl std::ops::Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(d.0))
    }
}

impl std::ops::AddAssign for SimDuration {
    fn add_assign(&mut self, d: SimDuration) {
        self.0 = self.0.saturating_add(d.0);
    }
}

impl fmt::Display for SimDuration {
    /// Human form: `1h30m`, `45s`, `250ms`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ms = self.0;
        if ms == 0 {
            return f.write_str("0s");
        }
        let mut out = String::new();
        for (unit, size) in [
            ("d", MS_PER_DAY),
            ("h", MS_PER_HOUR),
            ("m", MS_PER_MIN),
            ("s", MS_PER_S),
            ("ms", 1),
        ] {
            if ms >= size {
                out.push_str(&format!("{}{}", ms / size, unit));
                ms %= size;
            }
        }
        f.write_str(&out)
    }
}

/// Formats milliseconds as seconds with three decimals (`"3600.000"`), the
/// fixed form used in every CSV column named `*_s`.
pub fn fmt_secs(ms: u64) -> String {
    format!("{}.{:03}", ms / MS_PER_S, ms % MS_PER_S)
}

/// What every reader of a time of day says of a leap second.
pub const LEAP_SECOND: &str = "leap seconds are not supported: give a second from 00 to 59";

/// True when `text` holds a time of day whose second is 60 (`23:59:60`,
/// `2016-12-31T23:59:60Z`): a leap second. The date-time parser would read
/// it as second 59; every reader refuses it instead, naming it.
pub fn has_leap_second(text: &str) -> bool {
    let b = text.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    (5..b.len()).any(|i| {
        b[i..].starts_with(b":60")
            && !digit(i + 3)
            && digit(i - 1)
            && digit(i - 2)
            && b[i - 3] == b':'
            && digit(i - 4)
            && digit(i - 5)
    })
}

/// Why a duration string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DurationError {
    /// The string is empty.
    Empty,
    /// The string starts with a minus sign.
    Negative,
    /// A number without a unit, or an unknown unit.
    BadUnit(String),
    /// Something that is not a number where a number belongs.
    BadNumber(String),
    /// The value does not fit the clock (more than about 584 million years).
    TooLarge,
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DurationError::Empty => f.write_str("empty duration"),
            DurationError::Negative => f.write_str("a duration cannot be negative"),
            DurationError::BadUnit(u) if u.is_empty() => f.write_str(
                "a duration needs a unit: ms, s, m, h, d or w, as in \"90s\", \"45m\", \"2h\", \"3d\" (or \"90 min\", \"6 hours\", \"2 days\")",
            ),
            DurationError::BadUnit(u) if matches!(u.as_str(), "mo" | "mon" | "month" | "months" | "y" | "yr" | "year" | "years") => write!(
                f,
                "unknown unit {u:?}: months and years have no fixed length; use days or weeks, as in \"30d\" or \"52w\""
            ),
            DurationError::BadUnit(u) => write!(
                f,
                "unknown unit {u:?}: use ms, s, m, h, d or w, as in \"90s\", \"45m\", \"2h\", \"3d\" (or \"90 min\", \"6 hours\", \"2 days\")"
            ),
            DurationError::BadNumber(n) => write!(f, "{n:?} is not a number"),
            DurationError::TooLarge => f.write_str("duration too large"),
        }
    }
}

/// Parses a duration such as `"90s"`, `"45m"`, `"2h"`, `"3d"`, `"1w"`,
/// `"250ms"`, `"1.5h"` or a sum of parts such as `"1h30m"`. Units may also
/// be written as words, after a space or not: `"90 min"`, `"6 hours"`,
/// `"2 days"`, `"1 week"`, `"30 seconds"`.
///
/// ```
/// use cutover::time::{parse_duration, SimDuration};
/// assert_eq!(parse_duration("1h30m"), Ok(SimDuration::from_mins(90)));
/// assert!(parse_duration("-5m").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<SimDuration, DurationError> {
    let s = text.trim();
    if s.is_empty() {
        return Err(DurationError::Empty);
    }
    if s.starts_with('-') {
        return Err(DurationError::Negative);
    }
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut total: f64 = 0.0;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
            i += 1;
        }
        let num = &s[start..i];
        while i < bytes.len() && bytes[i] == b' ' {
            i += 1;
        }
        let ustart = i;
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        let unit = &s[ustart..i];
        while i < bytes.len() && bytes[i] == b' ' {
            i += 1;
        }
        if num.is_empty() {
            // Name what stands where a number belongs (whole characters:
            // the text may hold any Unicode).
            let what: String = s[start..].chars().take_while(|c| !c.is_ascii_digit()).take(8).collect();
            return Err(DurationError::BadNumber(what));
        }
        let value: f64 = num.parse().map_err(|_| DurationError::BadNumber(num.to_string()))?;
        let size = match unit {
            "ms" | "msec" | "millisecond" | "milliseconds" => 1,
            "s" | "sec" | "secs" | "second" | "seconds" => MS_PER_S,
            "m" | "min" | "mins" | "minute" | "minutes" => MS_PER_MIN,
            "h" | "hr" | "hrs" | "hour" | "hours" => MS_PER_HOUR,
            "d" | "day" | "days" => MS_PER_DAY,
            "w" | "wk" | "week" | "weeks" => MS_PER_WEEK,
            other => return Err(DurationError::BadUnit(other.to_string())),
        };
        total += value * size as f64;
    }
    if !total.is_finite() || total >= 1.8e19 {
        return Err(DurationError::TooLarge);
    }
    Ok(SimDuration(total.round() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leap_seconds_are_found_wherever_a_time_of_day_is() {
        for t in [
            "23:59:60",
            "2016-12-31T23:59:60",
            "2016-12-31T23:59:60Z",
            "2016-12-31 23:59:60.5+01:00",
        ] {
            assert!(has_leap_second(t), "{t}");
        }
        for t in [
            "23:59:59",
            "23:59",
            "2016-12-31T23:59:600",
            "12:60",
            "1:59:60",
            "x:60",
            "",
            ":60",
        ] {
            assert!(!has_leap_second(t), "{t}");
        }
    }

    #[test]
    fn parses_every_unit() {
        assert_eq!(parse_duration("90s"), Ok(SimDuration::from_secs(90)));
        assert_eq!(parse_duration("45m"), Ok(SimDuration::from_mins(45)));
        assert_eq!(parse_duration("2h"), Ok(SimDuration::from_hours(2)));
        assert_eq!(parse_duration("3d"), Ok(SimDuration::from_hours(72)));
        assert_eq!(parse_duration("1w"), Ok(SimDuration::from_hours(168)));
        assert_eq!(parse_duration("250ms"), Ok(SimDuration(250)));
        assert_eq!(parse_duration("1.5h"), Ok(SimDuration::from_mins(90)));
        assert_eq!(parse_duration("1h 30m"), Ok(SimDuration::from_mins(90)));
        assert_eq!(parse_duration("0s"), Ok(SimDuration::ZERO));
    }

    #[test]
    fn parses_units_written_as_words() {
        assert_eq!(parse_duration("6 hours"), Ok(SimDuration::from_hours(6)));
        assert_eq!(parse_duration("90 min"), Ok(SimDuration::from_mins(90)));
        assert_eq!(parse_duration("2 days"), Ok(SimDuration::from_hours(48)));
        assert_eq!(parse_duration("1 week"), Ok(SimDuration::from_hours(168)));
        assert_eq!(parse_duration("30 seconds"), Ok(SimDuration::from_secs(30)));
        assert_eq!(parse_duration("1 hour 30 minutes"), Ok(SimDuration::from_mins(90)));
        assert_eq!(parse_duration("2hrs"), Ok(SimDuration::from_hours(2)));
        // Months and years are refused with the reason.
        let e = parse_duration("3 months").unwrap_err();
        assert!(e.to_string().contains("no fixed length"), "{e}");
        // A bare number is asked for its unit.
        let e = parse_duration("90").unwrap_err();
        assert!(e.to_string().starts_with("a duration needs a unit"), "{e}");
    }

    #[test]
    fn refuses_bad_text() {
        assert_eq!(parse_duration("-5m"), Err(DurationError::Negative));
        assert_eq!(parse_duration(""), Err(DurationError::Empty));
        assert!(matches!(parse_duration("90"), Err(DurationError::BadUnit(_))));
        assert!(matches!(parse_duration("5y"), Err(DurationError::BadUnit(_))));
        assert!(matches!(parse_duration("m"), Err(DurationError::BadNumber(_))));
        assert!(matches!(parse_duration("1.2.3s"), Err(DurationError::BadNumber(_))));
        // Regression (found by the fuzzer): a multi-byte character where a
        // number belongs panicked on a slice inside the character.
        assert_eq!(
            parse_duration("\u{fffd}h"),
            Err(DurationError::BadNumber("\u{fffd}h".into()))
        );
        assert!(parse_duration("4h\u{e9}").is_err());
        assert_eq!(parse_duration("1000000000000w"), Err(DurationError::TooLarge));
    }

    #[test]
    fn displays_compactly() {
        assert_eq!(SimDuration::from_mins(90).to_string(), "1h30m");
        assert_eq!(SimDuration(1_250).to_string(), "1s250ms");
        assert_eq!(fmt_secs(3_600_005), "3600.005");
    }
}
