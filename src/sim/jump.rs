//! Jump Clients after the site comes back (docs/model.md, "Jump
//! Clients"): worked out from the run's down spans once it has ended, in
//! batches of a minute, never one event per client, so that thousands of
//! clients cost a few loops.
//!
//! Every Jump Client is connected while the site serves. When the site
//! goes down they all go offline; when it is back they reconnect, at most
//! `reconnect_per_minute` a minute (the appliance's throttle), the
//! clients offline longest first: the `k`-th minute's batch is back `k`
//! minutes after the site (so `N` clients at `R` a minute take
//! ⌈`N`/`R`⌉ minutes); without a throttle all reconnect at once. On the
//! new version, which they have not run yet, each then updates itself
//! (`update`, one client's own time, all in parallel). Moving the site to
//! the new version without a down span (a switch to an upgraded backup)
//! disconnects them too, at that instant. A client still offline when the
//! site goes down again stays offline. The last return is counted in full,
//! even past the run's end; a site down at the end counts its clients
//! offline until the end.

use std::collections::VecDeque;

use super::events::{Event, Record};
use crate::scenario::prep::JumpClientsSpec;
use crate::time::{MS_PER_MIN, SimDuration, SimTime};

/// What the Jump Clients cost a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct JumpOutcome {
    /// Offline time added over the clients, ms.
    pub offline_ms: u64,
    /// Most reconnects in one minute.
    pub peak_per_minute: u64,
    /// `reconnecting` and `reconnected` records, in time order (some may
    /// come after the run's end: the caller logs those within it).
    pub records: Vec<Record>,
}

/// The Jump Clients of `spec` over a run whose site was down during
/// `down` (closed spans in time order; the last one still open at `end`
/// when `down_at_end`), and first served the new version at `new_since`.
pub(super) fn jump_clients(
    spec: &JumpClientsSpec,
    down: &[(SimTime, SimTime)],
    down_at_end: bool,
    new_since: Option<SimTime>,
    end: SimTime,
) -> JumpOutcome {
    let mut out = JumpOutcome::default();
    let n = spec.count;
    if n == 0 {
        return out;
    }
    // Each time the clients are cut: (gone at, back at; none if never).
    let mut cuts: Vec<(SimTime, Option<SimTime>)> = down
        .iter()
        .enumerate()
        .map(|(i, &(a, b))| (a, (!(down_at_end && i + 1 == down.len())).then_some(b)))
        .collect();
    if let Some(t) = new_since
        && !down.iter().any(|&(_, b)| b == t)
    {
        cuts.push((t, Some(t)));
        cuts.sort_by_key(|c| c.0);
    }
    let minute = SimDuration(MS_PER_MIN);
    // Offline clients, longest offline first: (how many, since when).
    let mut pool: VecDeque<(u64, SimTime)> = VecDeque::new();
    let mut offline: u128 = 0;
    let mut updated = false;
    for (i, &(gone, back)) in cuts.iter().enumerate() {
        let waiting: u64 = pool.iter().map(|p| p.0).sum();
        if n > waiting {
            pool.push_back((n - waiting, gone));
        }
        let Some(back) = back else {
            // Down at the end: offline until then.
            for &(c, since) in &pool {
                offline += u128::from(c) * u128::from(end.since(since).0);
            }
            pool.clear();
            break;
        };
        let next = cuts.get(i + 1).map(|c| c.0);
        let update = !updated && new_since.is_some_and(|t| t <= back);
        let extra = if update { spec.update } else { SimDuration::ZERO };
        let count: u64 = pool.iter().map(|p| p.0).sum();
        out.records.push(Record {
            time: back,
            event: Event::JumpClientsReconnecting {
                count,
                per_minute: spec.reconnect_per_minute.unwrap_or(0),
                update,
            },
        });
        let mut k = 0u64;
        let mut done = 0u64;
        let mut last = None;
        while !pool.is_empty() {
            let (at, quota) = match spec.reconnect_per_minute {
                Some(r) => {
                    k += 1;
                    (back + SimDuration(minute.0 * k), r)
                }
                None => (back, u64::MAX),
            };
            if next.is_some_and(|t| at >= t) {
                break;
            }
            let mut batch = 0u64;
            while batch < quota
                && let Some(front) = pool.front_mut()
            {
                let take = front.0.min(quota - batch);
                let until = next.map_or(at + extra, |t| (at + extra).min(t));
                offline += u128::from(take) * u128::from(until.since(front.1).0);
                batch += take;
                front.0 -= take;
                if front.0 == 0 {
                    pool.pop_front();
                }
            }
            out.peak_per_minute = out.peak_per_minute.max(batch);
            done += batch;
            last = Some(at);
            if spec.reconnect_per_minute.is_none() {
                break;
            }
        }
        if let Some(at) = last {
            out.records.push(Record {
                time: at,
                event: Event::JumpClientsReconnected {
                    count: done,
                    minutes: at.since(back).0 / MS_PER_MIN,
                },
            });
        }
        if update && pool.is_empty() {
            updated = true;
        }
    }
    out.offline_ms = u64::try_from(offline).unwrap_or(u64::MAX);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(count: u64, per_minute: Option<u64>, update_s: u64) -> JumpClientsSpec {
        JumpClientsSpec {
            count,
            reconnect_per_minute: per_minute,
            update: SimDuration::from_secs(update_s),
        }
    }

    const MIN: u64 = 60_000;

    #[test]
    fn none_cost_nothing() {
        let out = jump_clients(
            &spec(0, Some(5), 10),
            &[(SimTime(0), SimTime(MIN))],
            false,
            None,
            SimTime(9 * MIN),
        );
        assert_eq!(out, JumpOutcome::default());
    }

    #[test]
    fn a_throttled_return_takes_ceil_n_over_r_minutes() {
        // 1000 clients at 300 a minute: batches of 300, 300, 300, 100 at
        // minutes 1 to 4 after the return; down for 10 minutes before it.
        let down = [(SimTime(0), SimTime(10 * MIN))];
        let out = jump_clients(&spec(1000, Some(300), 0), &down, false, None, SimTime(60 * MIN));
        assert_eq!(out.peak_per_minute, 300);
        let want = 300 * (11 + 12 + 13) * MIN + 100 * 14 * MIN;
        assert_eq!(out.offline_ms, want);
        let last = out.records.last().unwrap();
        assert_eq!(last.time, SimTime(14 * MIN));
        assert_eq!(
            last.event,
            Event::JumpClientsReconnected {
                count: 1000,
                minutes: 4
            }
        );
    }

    #[test]
    fn the_new_version_adds_each_clients_update() {
        let down = [(SimTime(0), SimTime(10 * MIN))];
        let plain = jump_clients(
            &spec(10, Some(10), 0),
            &down,
            false,
            Some(SimTime(10 * MIN)),
            SimTime(MIN),
        );
        let upd = jump_clients(
            &spec(10, Some(10), 30),
            &down,
            false,
            Some(SimTime(10 * MIN)),
            SimTime(MIN),
        );
        assert_eq!(plain.offline_ms, 10 * 11 * MIN);
        assert_eq!(upd.offline_ms - plain.offline_ms, 10 * 30_000);
        // The update is paid once: a later return on the same version is not.
        let twice = [(SimTime(0), SimTime(10 * MIN)), (SimTime(20 * MIN), SimTime(30 * MIN))];
        let out = jump_clients(
            &spec(10, Some(10), 30),
            &twice,
            false,
            Some(SimTime(10 * MIN)),
            SimTime(MIN),
        );
        assert_eq!(out.offline_ms, upd.offline_ms + 10 * 11 * MIN);
    }

    #[test]
    fn without_a_throttle_all_reconnect_at_once() {
        let down = [(SimTime(0), SimTime(10 * MIN))];
        let out = jump_clients(&spec(500, None, 0), &down, false, None, SimTime(MIN));
        assert_eq!(out.peak_per_minute, 500);
        assert_eq!(out.offline_ms, 500 * 10 * MIN);
    }

    #[test]
    fn a_site_down_at_the_end_counts_until_the_end() {
        let down = [(SimTime(MIN), SimTime(5 * MIN))];
        let out = jump_clients(&spec(4, Some(1), 0), &down, true, None, SimTime(5 * MIN));
        assert_eq!(out.offline_ms, 4 * 4 * MIN);
        assert_eq!(out.peak_per_minute, 0);
    }

    #[test]
    fn clients_still_offline_at_the_next_outage_stay_offline() {
        // 3 clients at 1 a minute; the site goes down again 2.5 minutes
        // after it came back: two reconnected, the third waits for the
        // second return and is first in line then.
        let down = [
            (SimTime(0), SimTime(10 * MIN)),
            (SimTime(12 * MIN + 30_000), SimTime(20 * MIN)),
        ];
        let out = jump_clients(&spec(3, Some(1), 0), &down, false, None, SimTime(MIN));
        // First return: 11 and 12 minutes offline. Second: the third client
        // since 0 back at 21; the two others since 12.5, back at 22 and 23.
        let want = 11 * MIN + 12 * MIN + 21 * MIN + (22 * MIN - 12 * MIN - 30_000) + (23 * MIN - 12 * MIN - 30_000);
        assert_eq!(out.offline_ms, want);
    }
}
