//! Writers for run outputs: pure functions from results to bytes.
//!
//! They write to any `io::Write`; the caller decides where the bytes go (the
//! command line writes them to a temporary file and renames it into place).

use std::io;

use crate::metrics::Metrics;
use crate::sim::LogRecord;
use crate::time::fmt_secs;

/// Writes `events.csv`: `time_s,entity,event,detail`.
pub fn write_events<W: io::Write>(out: W, events: &[LogRecord]) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["time_s", "entity", "event", "detail"])?;
    for e in events {
        w.write_record([fmt_secs(e.time.0).as_str(), &e.entity, e.event, &e.detail])?;
    }
    w.flush()
}

/// Writes `metrics.csv`: a header and one row per `(strategy, seed, metrics)`.
pub fn write_metrics<W: io::Write>(out: W, rows: &[(&str, u64, &Metrics)]) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec!["strategy", "seed"];
    header.extend(Metrics::COLUMNS);
    w.write_record(&header)?;
    for (strategy, seed, m) in rows {
        let mut rec = vec![strategy.to_string(), seed.to_string()];
        rec.extend(m.values());
        w.write_record(&rec)?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SimTime;

    #[test]
    fn events_are_quoted_csv() {
        let mut buf = Vec::new();
        let ev = [LogRecord {
            time: SimTime(1_500),
            entity: "A".into(),
            event: "sessions_dropped",
            detail: "3 sessions (upgrade, forced)".into(),
        }];
        write_events(&mut buf, &ev).unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "time_s,entity,event,detail\n1.500,A,sessions_dropped,\"3 sessions (upgrade, forced)\"\n"
        );
    }

    #[test]
    fn metrics_columns_are_fixed() {
        let mut buf = Vec::new();
        let m = Metrics {
            downtime_ms: 2_700_000,
            ..Metrics::default()
        };
        write_metrics(&mut buf, &[("single", 7, &m)]).unwrap();
        let text = String::from_utf8(buf).unwrap();
        let mut lines = text.lines();
        assert!(
            lines
                .next()
                .unwrap()
                .starts_with("strategy,seed,downtime_s,failed_connects,")
        );
        assert!(lines.next().unwrap().starts_with("single,7,2700.000,0,"));
    }
}
