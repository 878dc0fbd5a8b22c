//! A run with its event log, read back from `events.csv` as the user
//! reads it: the helpers of the tests that check a rule by its events.

use cutover::scenario::Scenario;
use cutover::sim::{RunOptions, RunOutput, simulate};

/// One line of `events.csv`: time in ms, entity, event, detail.
#[derive(Debug, Clone)]
pub struct Line {
    pub ms: u64,
    pub entity: String,
    pub event: String,
    pub detail: String,
}

/// A run of `strategy` (replication 0 of `seed`) with its event log, its
/// sessions traced when `trace`.
pub fn run(sc: &Scenario, strategy: &str, seed: u64, trace: bool) -> (RunOutput, Vec<Line>) {
    let rb = sc.runbook(strategy).unwrap();
    let out = simulate(
        sc,
        rb,
        seed,
        0,
        RunOptions {
            log_events: true,
            trace_sessions: trace,
        },
    );
    let mut buf = Vec::new();
    cutover::export::write_events(&mut buf, &out.events).unwrap();
    let mut r = csv::Reader::from_reader(buf.as_slice());
    let lines = r
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            let secs: f64 = rec[0].parse().unwrap();
            Line {
                ms: (secs * 1000.0).round() as u64,
                entity: rec[1].to_string(),
                event: rec[2].to_string(),
                detail: rec[3].to_string(),
            }
        })
        .collect();
    (out, lines)
}

/// The lines of `entity`'s `event`, in order.
pub fn find<'a>(lines: &'a [Line], entity: &str, event: &str) -> Vec<&'a Line> {
    lines
        .iter()
        .filter(|l| l.entity == entity && l.event == event)
        .collect()
}
