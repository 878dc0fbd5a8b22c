//! Plain progress lines, for when the progress bar cannot be drawn (stderr
//! is a log file or a batch job's output): one line at a time, at most one
//! every so often, so that a study of hours writes a few hundred lines, not
//! millions.
//!
//! The clock is the caller's: [`Lines::tick`] takes the milliseconds since
//! the work began, so the rate limit is tested without waiting.

use crate::export::thousands;

/// The least time between two lines when the caller sets none: 10 s.
pub const DEFAULT_EVERY_MS: u64 = 10_000;

/// Progress lines of one piece of work.
#[derive(Clone, Debug)]
pub struct Lines {
    what: String,
    every_ms: u64,
    last_ms: u64,
    printed: bool,
}

/// `1m40s`, `2h05m`, `45s`.
fn human(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
    }
}

impl Lines {
    /// Lines about `what` (`compare`), at most one every `every_ms`.
    pub fn new(what: &str, every_ms: u64) -> Lines {
        Lines {
            what: what.to_string(),
            every_ms,
            last_ms: 0,
            printed: false,
        }
    }

    /// The line to print now, if one is due: `done` of `total`
    /// replications `now_ms` after the work began. The first comes one
    /// interval after the start, so short work prints nothing.
    pub fn tick(&mut self, done: u64, total: u64, now_ms: u64) -> Option<String> {
        if now_ms < self.last_ms.saturating_add(self.every_ms) || now_ms == 0 {
            return None;
        }
        self.last_ms = now_ms;
        self.printed = true;
        let secs = now_ms as f64 / 1000.0;
        let rate = done as f64 / secs;
        let left = if rate > 0.0 && total > done {
            format!(", about {} left", human((total - done) as f64 / rate))
        } else {
            String::new()
        };
        Some(format!(
            "{}: {} of {} replications ({:.1} %) after {}, {:.0} a second{left}",
            self.what,
            thousands(done),
            thousands(total),
            if total > 0 {
                done as f64 * 100.0 / total as f64
            } else {
                100.0
            },
            human(secs),
            rate
        ))
    }

    /// The closing line, when any progress line was printed.
    pub fn finish(&self, done: u64, now_ms: u64) -> Option<String> {
        self.printed.then(|| {
            format!(
                "{}: done, {} replications in {}",
                self.what,
                thousands(done),
                human(now_ms as f64 / 1000.0)
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_come_at_most_once_an_interval_and_short_work_prints_none() {
        let mut l = Lines::new("compare", 10_000);
        // Work of 9 s: no line at all.
        assert!((0..=9_000).step_by(100).all(|t| l.tick(t / 10, 1000, t).is_none()));
        assert_eq!(l.finish(900, 9_000), None);
        // A tick every millisecond for 100 s gives ten lines, 10 s apart.
        let mut l = Lines::new("compare", 10_000);
        let lines: Vec<(u64, String)> = (0..=100_000u64)
            .filter_map(|t| l.tick(t / 100, 1000, t).map(|s| (t, s)))
            .collect();
        assert_eq!(lines.len(), 10);
        assert!(lines.windows(2).all(|w| w[1].0 - w[0].0 >= 10_000));
        assert_eq!(
            lines[0].1,
            "compare: 100 of 1,000 replications (10.0 %) after 10s, 10 a second, about 1m30s left"
        );
        assert_eq!(
            l.finish(1000, 100_000).unwrap(),
            "compare: done, 1,000 replications in 1m40s"
        );
        assert_eq!(human(7_500.0), "2h05m");
    }
}
