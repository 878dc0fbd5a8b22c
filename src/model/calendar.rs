//! The weekly calendar: maintenance windows and the hour-of-week clock.
//!
//! Simulation time 0 is the calendar start instant, `start_offset` after a
//! Monday 00:00 UTC. Weekdays count from Monday = 0.

use crate::time::{MS_PER_HOUR, MS_PER_WEEK, SimDuration, SimTime};

/// Weekday names as written in scenario files, Monday first.
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A weekly maintenance window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    /// Monday = 0 .. Sunday = 6 (UTC).
    pub weekday: u8,
    /// Opening hour, 0..24 (UTC).
    pub hour: u8,
    /// How long it stays open.
    pub length: SimDuration,
}

impl Window {
    /// Opening, in milliseconds after Monday 00:00.
    fn open_in_week(&self) -> u64 {
        (self.weekday as u64 * 24 + self.hour as u64) * MS_PER_HOUR
    }
}

/// One occurrence of a window: `[open, close)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Occurrence {
    /// Opening instant.
    pub open: SimTime,
    /// Closing instant.
    pub close: SimTime,
}

/// The calendar of a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Calendar {
    /// Milliseconds from a Monday 00:00 UTC to simulation time 0.
    pub start_offset_ms: u64,
    /// Weekly maintenance windows (validated: non-empty, no overlaps).
    pub windows: Vec<Window>,
}

impl Calendar {
    /// Hour of the week (0 = Monday 00:00-01:00) at `t`.
    pub fn hour_of_week(&self, t: SimTime) -> usize {
        (((t.0 + self.start_offset_ms) % MS_PER_WEEK) / MS_PER_HOUR) as usize
    }

    /// The first window occurrence that closes after `t`, i.e. the window
    /// open at `t` or, failing that, the next one to open.
    pub fn current_or_next(&self, t: SimTime) -> Option<Occurrence> {
        // Work in signed milliseconds after the Monday 00:00 before time 0,
        // so that the occurrence of the previous week is representable.
        let week = MS_PER_WEEK as i128;
        let abs = t.0 as i128 + self.start_offset_ms as i128;
        let week_start = abs - abs.rem_euclid(week);
        let mut best: Option<Occurrence> = None;
        for w in &self.windows {
            for base in [week_start - week, week_start, week_start + week] {
                let open = base + w.open_in_week() as i128;
                let close = open + w.length.0 as i128;
                if close <= abs {
                    continue;
                }
                let to_sim = |x: i128| SimTime((x - self.start_offset_ms as i128).max(0) as u64);
                let occ = Occurrence {
                    open: to_sim(open),
                    close: to_sim(close),
                };
                if best.is_none_or(|b| occ.open < b.open) {
                    best = Some(occ);
                }
            }
        }
        best
    }

    /// The first window opening at or after `t`.
    pub fn next_open(&self, t: SimTime) -> Option<SimTime> {
        let mut probe = t;
        // An open window whose opening is before `t` does not count: look
        // past its close for the next one.
        for _ in 0..self.windows.len() + 2 {
            let occ = self.current_or_next(probe)?;
            if occ.open >= t {
                return Some(occ.open);
            }
            probe = occ.close;
        }
        None
    }

    /// True when `t` lies inside a window.
    pub fn in_window(&self, t: SimTime) -> bool {
        self.current_or_next(t).is_some_and(|o| o.open <= t && t < o.close)
    }

    /// Every occurrence overlapping `[from, to)`, in order.
    pub fn occurrences(&self, from: SimTime, to: SimTime) -> Vec<Occurrence> {
        let mut out = Vec::new();
        let mut t = from;
        while t < to {
            match self.current_or_next(t) {
                Some(o) if o.open < to => {
                    out.push(o);
                    t = o.close;
                }
                _ => break,
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal() -> Calendar {
        Calendar {
            start_offset_ms: 0,
            windows: vec![
                Window {
                    weekday: 1,
                    hour: 22,
                    length: SimDuration::from_hours(4),
                },
                Window {
                    weekday: 3,
                    hour: 22,
                    length: SimDuration::from_hours(4),
                },
            ],
        }
    }

    const H: u64 = MS_PER_HOUR;

    #[test]
    fn finds_next_opening() {
        let c = cal();
        assert_eq!(c.next_open(SimTime(0)), Some(SimTime(46 * H)));
        assert_eq!(c.next_open(SimTime(46 * H)), Some(SimTime(46 * H)));
        assert_eq!(c.next_open(SimTime(47 * H)), Some(SimTime(94 * H)));
        // Past Thursday's window: next Tuesday.
        assert_eq!(c.next_open(SimTime(99 * H)), Some(SimTime((168 + 46) * H)));
    }

    #[test]
    fn windows_crossing_midnight_and_week_end() {
        let c = Calendar {
            start_offset_ms: 0,
            windows: vec![Window {
                weekday: 6,
                hour: 22,
                length: SimDuration::from_hours(4),
            }],
        };
        // Sunday 22:00 to Monday 02:00: at Monday 01:00 of week 2 we are inside.
        assert!(c.in_window(SimTime((168 + 1) * H)));
        assert!(!c.in_window(SimTime((168 + 3) * H)));
        // The calendar is real before time 0: Sunday's window is still open
        // on Monday 01:00 of the first week, clipped to start at time 0.
        assert!(c.in_window(SimTime(H)));
        let occ = c.occurrences(SimTime(3 * H), SimTime(400 * H));
        assert_eq!(occ.len(), 2);
        assert_eq!(occ[0].open, SimTime(166 * H));
    }

    #[test]
    fn start_offset_shifts_the_week() {
        let c = Calendar {
            start_offset_ms: 46 * H,
            windows: cal().windows,
        };
        assert_eq!(c.next_open(SimTime(0)), Some(SimTime(0)));
        assert_eq!(c.hour_of_week(SimTime(0)), 46);
    }
}
