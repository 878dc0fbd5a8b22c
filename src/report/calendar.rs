//! The calendar of one run in words: the windows the procedure worked in,
//! the ones it could not use and why (a freeze), and how long the site
//! waited between windows — without a working failover, for a pair — and
//! how much of that wait the skipped windows added. Read from the run's
//! typed event log and its spans; no I/O.

use crate::model::calendar::LocalTime;
use crate::runbook::StepKind;
use crate::scenario::Scenario;
use crate::sim::RunOutput;
use crate::sim::events::Event;
use crate::time::{MS_PER_DAY, MS_PER_HOUR, MS_PER_MIN, SimTime};

/// One stretch between two windows during which the procedure waited.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wait {
    /// When the last step before it ended.
    pub from: SimTime,
    /// The opening the procedure went on at.
    pub to: SimTime,
    /// Of it, without a working failover, ms.
    pub exposed_ms: u64,
    /// The openings skipped meanwhile, with the freeze that closed each.
    pub skipped: Vec<(SimTime, String)>,
    /// Of the wait, from the first skipped opening on (the time the
    /// skipped windows added), ms.
    pub added_ms: u64,
}

/// The calendar of one run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Story {
    /// The window occurrences the procedure worked in, in order.
    pub used: Vec<(SimTime, SimTime)>,
    /// Waits for a window between two stretches of work.
    pub waits: Vec<Wait>,
    /// Openings skipped (frozen) while the procedure was under way.
    pub skipped: Vec<(SimTime, String)>,
}

/// The calendar of `out`, a run of `sc` with its event log.
pub fn story(sc: &Scenario, out: &RunOutput) -> Story {
    let log = &out.events;
    let reasons = sc.calendar.freeze_reasons();
    let mut story = Story::default();
    if sc.site.kind.scheduled_by_service() || sc.calendar.windows.is_empty() && sc.calendar.local.is_none() {
        return story;
    }
    // Stretches of work: an operator's step under way.
    let mut work: Vec<(SimTime, SimTime)> = Vec::new();
    let mut open: Option<SimTime> = None;
    let mut skipped: Vec<(SimTime, String)> = Vec::new();
    for r in log.iter() {
        match r.event {
            Event::StepStart { step } => {
                if log.step(step).map(|s| s.kind()) == Some(StepKind::Operator) {
                    open.get_or_insert(r.time);
                } else if let Some(a) = open.take() {
                    work.push((a, r.time));
                }
            }
            Event::StepDone { .. } | Event::StepsDone | Event::ProcedureDone | Event::Aborted { .. } => {
                if let Some(a) = open.take() {
                    work.push((a, r.time));
                }
            }
            Event::WindowSkipped { freeze } => {
                let why = reasons.get(freeze).cloned().unwrap_or_else(|| "a freeze".into());
                skipped.push((r.time, why));
            }
            _ => {}
        }
    }
    if let Some(a) = open {
        work.push((a, a));
    }
    work.retain(|(a, b)| b >= a);
    let (Some(first), Some(last)) = (work.first().map(|w| w.0), work.iter().map(|w| w.1).max()) else {
        return story;
    };
    story.skipped = skipped
        .iter()
        .filter(|(t, _)| *t >= first && *t <= last)
        .cloned()
        .collect();
    // The occurrences worked in.
    for &(a, _) in &work {
        if let Some(o) = sc.calendar.current_or_next(a)
            && o.open <= a
            && a < o.close
            && !story.used.contains(&(o.open, o.close))
        {
            story.used.push((o.open, o.close));
        }
    }
    // The waits: from the end of one stretch to the start of the next one
    // that began in a later window.
    for pair in work.windows(2) {
        let (end, next) = (pair[0].1, pair[1].0);
        let same = story
            .used
            .iter()
            .any(|&(a, b)| a <= end && end <= b && a <= next && next < b);
        if same || next <= end {
            continue;
        }
        let exposed_ms = out
            .spans
            .exposure
            .iter()
            .map(|&(a, b)| {
                let (a, b) = (a.max(end), b.min(next));
                if b > a { b.0 - a.0 } else { 0 }
            })
            .sum();
        let within: Vec<(SimTime, String)> = skipped.iter().filter(|(t, _)| *t > end && *t < next).cloned().collect();
        let added_ms = within.first().map_or(0, |(t, _)| next.0 - t.0);
        story.waits.push(Wait {
            from: end,
            to: next,
            exposed_ms,
            skipped: within,
            added_ms,
        });
    }
    story
}

/// A duration in words: `22.7 h`, `9.0 days`, `45 min`.
fn span(ms: u64) -> String {
    if ms >= 2 * MS_PER_DAY {
        format!("{:.1} days", ms as f64 / MS_PER_DAY as f64)
    } else if ms >= MS_PER_HOUR {
        format!("{:.1} h", ms as f64 / MS_PER_HOUR as f64)
    } else {
        format!("{} min", ms / MS_PER_MIN)
    }
}

/// An instant for readers: the local label, with the day of the run in
/// the weekly form as the timeline's axis gives it (`day 1 · tue 22:00`).
fn when(local: &LocalTime, t: SimTime) -> String {
    let label = local.label(t);
    if local.clock.is_some() {
        label
    } else {
        format!("day {} · {label}", t.0 / MS_PER_DAY)
    }
}

/// The story in sentences, for the report (empty when the site has no
/// windows, or the procedure did not run).
pub fn words(sc: &Scenario, out: &RunOutput) -> Vec<String> {
    let s = story(sc, out);
    if s.used.is_empty() {
        return Vec::new();
    }
    let local = sc.calendar.local_time();
    let at = |t: SimTime| when(&local, t);
    let mut lines = Vec::new();
    let used: Vec<String> = s
        .used
        .iter()
        .map(|&(a, b)| format!("{} to {}", at(a), local.label(b)))
        .collect();
    lines.push(format!(
        "Worked in {} window{}: {}.",
        s.used.len(),
        if s.used.len() == 1 { "" } else { "s" },
        used.join("; ")
    ));
    for w in &s.waits {
        let mut line = format!(
            "Waited {} between windows, from {} to {}",
            span(w.to.0 - w.from.0),
            at(w.from),
            at(w.to)
        );
        let interim = sc.interim.0;
        if interim > 0 && out.events.iter().any(|r| {
            matches!(r.event, Event::StepStart { step } if out.events.step(step).is_some_and(|s| matches!(s, crate::runbook::Step::Interim)))
                && r.time >= w.from
                && r.time < w.to
        }) {
            line.push_str(&format!(" (the interim of {} included)", span(interim)));
        }
        if sc.site.has_backup() {
            if w.exposed_ms > 0 {
                line.push_str(&format!(", {} of it without a working failover", span(w.exposed_ms)));
            } else {
                line.push_str(", the failover working throughout");
            }
        }
        if !w.skipped.is_empty() {
            let mut why: Vec<&str> = w.skipped.iter().map(|(_, r)| r.as_str()).collect();
            why.dedup();
            line.push_str(&format!(
                "; {} window{} skipped ({}) added {}",
                w.skipped.len(),
                if w.skipped.len() == 1 { "" } else { "s" },
                why.join(", "),
                span(w.added_ms)
            ));
        }
        line.push('.');
        lines.push(line);
    }
    if s.waits.is_empty() && s.skipped.is_empty() {
        lines.push("No wait for a window: the procedure ran in one stretch.".into());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{RunOptions, simulate};

    fn run(text: &str, strategy: &str) -> (Scenario, RunOutput) {
        let sc = Scenario::parse(text, "t.toml", "t").unwrap();
        let rb = sc.runbook(strategy).unwrap();
        let out = simulate(
            &sc,
            rb,
            1,
            0,
            RunOptions {
                log_events: true,
                trace_sessions: false,
            },
        );
        (sc, out)
    }

    /// A two-window upgrade with constant durations: Tuesday's window, the
    /// one-day interim, then Thursday's; with a freeze over Thursday the
    /// next Tuesday's, a week later, and the wait says so.
    #[test]
    fn the_waits_and_the_frozen_windows_of_a_two_window_upgrade() {
        let base = r#"
[calendar]
start = "2025-03-03T00:00"
time_zone = "UTC"
windows = [{ weekday = "tue", hour = 22, length = "4h" }, { weekday = "thu", hour = 22, length = "4h" }]
interim = "1d"
FREEZE
[upgrade]
base = "10m"
product = "20m"
reboot = "5m"
[operator]
step = "1m"
backup = "3m"
verify = "10m"
[workload.support]
rate_per_hour = 0
[workload.console]
rate_per_hour = 0
"#;
        let (sc, out) = run(&base.replace("FREEZE", ""), "failover-async-dns");
        let s = story(&sc, &out);
        assert_eq!(s.used.len(), 2);
        assert_eq!(s.waits.len(), 1);
        let w = &s.waits[0];
        // The wait runs to Thursday's opening, the failover broken all along.
        assert_eq!(w.to, s.used[1].0);
        assert_eq!(w.exposed_ms, w.to.0 - w.from.0);
        assert!(w.skipped.is_empty() && w.added_ms == 0);
        let frozen = base.replace(
            "FREEZE",
            "freezes = [{ from = \"2025-03-06\", to = \"2025-03-07\", reason = \"Audit\" }]",
        );
        let (sc, out) = run(&frozen, "failover-async-dns");
        let s = story(&sc, &out);
        let w = &s.waits[0];
        assert_eq!(w.skipped.len(), 1, "{s:?}");
        assert!(w.skipped[0].1.contains("Audit"), "{:?}", w.skipped);
        // From Thursday's frozen opening to the next Tuesday's: 5 days.
        assert_eq!(w.added_ms, 5 * MS_PER_DAY);
        let text = words(&sc, &out).join(" ");
        assert!(
            text.contains("1 window skipped (") && text.contains("added 5.0 days"),
            "{text}"
        );
        assert!(text.contains("without a working failover"), "{text}");
    }
}
