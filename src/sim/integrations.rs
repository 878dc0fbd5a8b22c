//! Integrations configured by IP (docs/model.md, "Integrations"): worked
//! out from the run's switches once it has ended.
//!
//! An Integration Client configured by an appliance's IP address rather
//! than the site's host name extracts from that appliance, wherever the
//! site's address points. A shared IP moves with the site and breaks none.
//! A DNS swing or a NAT swing moves the site to the other appliance, at
//! its own address: every integration pointed elsewhere misses the site's
//! data from the swing (the record's change, the NAT entry taking effect)
//! until the operator re-points it, one after another from the switch
//! step's end, each taking `repoint`. A later swing to the appliance an
//! integration still points at mends it then, and cuts the operator's
//! re-pointing short (those re-pointed by then break in their turn). The
//! last re-pointing is counted in full, even past the run's end.

use rand_chacha::ChaCha8Rng;

use super::events::{Event, Record};
use crate::model::site::NodeId;
use crate::scenario::prep::IntegrationsSpec;
use crate::time::SimTime;

/// A DNS or NAT swing of the site to appliance `to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Swing {
    /// When the site's address began to lead to `to`.
    pub at: SimTime,
    /// When the switch step ended: the operator re-points from then.
    pub done: SimTime,
    /// The appliance now serving.
    pub to: NodeId,
}

/// What the integrations configured by IP cost a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct IntegrationsOutcome {
    /// Time without data, added over the integrations, ms.
    pub gap_ms: u64,
    /// `integration_broken` and `integration_repointed` records, in time
    /// order (some may come after the run's end: the caller logs those
    /// within it).
    pub records: Vec<Record>,
}

/// The integrations of `spec` over a run whose site swung as `swings` say
/// (in time order), all pointed at appliance `home` at first; the
/// re-pointing times are drawn from `rng`, in order.
pub(super) fn integrations(
    spec: &IntegrationsSpec,
    home: NodeId,
    swings: &[Swing],
    rng: &mut ChaCha8Rng,
) -> IntegrationsOutcome {
    let mut out = IntegrationsOutcome::default();
    let n = spec.by_ip as usize;
    if n == 0 {
        return out;
    }
    let mut pointed = vec![home; n];
    // Since when each one has missed data (none: it works).
    let mut broken: Vec<Option<SimTime>> = vec![None; n];
    for (k, s) in swings.iter().enumerate() {
        for (p, b) in pointed.iter().zip(broken.iter_mut()) {
            if *p == s.to {
                // The site is back at the address it extracts from.
                if let Some(since) = b.take() {
                    out.gap_ms += s.at.since(since).0;
                }
            } else if b.is_none() {
                *b = Some(s.at);
            }
        }
        let mut left = broken.iter().filter(|b| b.is_some()).count() as u64;
        if left == 0 {
            continue;
        }
        out.records.push(Record {
            time: s.at,
            event: Event::IntegrationBroken { count: left, to: s.to },
        });
        let next = swings.get(k + 1).map(|s| s.at);
        let mut t = s.done;
        for (p, b) in pointed.iter_mut().zip(broken.iter_mut()) {
            let Some(since) = *b else { continue };
            let fixed = t + spec.repoint.sample(rng);
            if next.is_some_and(|next| fixed > next) {
                break; // the next swing comes first
            }
            t = fixed;
            out.gap_ms += fixed.since(since).0;
            *b = None;
            *p = s.to;
            left -= 1;
            out.records.push(Record {
                time: fixed,
                event: Event::IntegrationRepointed {
                    to: s.to,
                    after: fixed.since(since),
                    left,
                },
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::dist::Dist;
    use crate::time::SimDuration;
    use rand::SeedableRng;

    const MIN: u64 = 60_000;

    fn spec(by_ip: u64, repoint_min: u64) -> IntegrationsSpec {
        IntegrationsSpec {
            by_ip,
            repoint: Dist::Constant(SimDuration(repoint_min * MIN)),
        }
    }

    fn swing(at: u64, done: u64, to: NodeId) -> Swing {
        Swing {
            at: SimTime(at * MIN),
            done: SimTime(done * MIN),
            to,
        }
    }

    fn run(spec: &IntegrationsSpec, swings: &[Swing]) -> IntegrationsOutcome {
        integrations(spec, 0, swings, &mut ChaCha8Rng::seed_from_u64(1))
    }

    #[test]
    fn one_swing_three_integrations_re_pointed_one_after_another() {
        // Swing at 100, step done at 101, 10 minutes each: fixed at 111,
        // 121, 131; gaps 11 + 21 + 31 = 63 minutes.
        let out = run(&spec(3, 10), &[swing(100, 101, 1)]);
        assert_eq!(out.gap_ms, 63 * MIN);
        let times: Vec<u64> = out.records.iter().map(|r| r.time.0 / MIN).collect();
        assert_eq!(times, [100, 111, 121, 131]);
        assert_eq!(out.records[0].event, Event::IntegrationBroken { count: 3, to: 1 });
        assert_eq!(
            out.records[3].event,
            Event::IntegrationRepointed {
                to: 1,
                after: SimDuration(31 * MIN),
                left: 0
            }
        );
    }

    #[test]
    fn a_swing_back_mends_those_not_yet_re_pointed_and_breaks_the_others() {
        // To B at 100 (done 100), 10 minutes each: the first at 110; back
        // to A at 115: the second and third, still on A, work again (15
        // minutes each), the first (on B) breaks and is re-pointed at A
        // at 125. Gaps: 10 + 15 + 15 + 10 = 50 minutes.
        let out = run(&spec(3, 10), &[swing(100, 100, 1), swing(115, 115, 0)]);
        assert_eq!(out.gap_ms, 50 * MIN);
        let words: Vec<(u64, &str)> = out.records.iter().map(|r| (r.time.0 / MIN, r.event.name())).collect();
        assert_eq!(
            words,
            [
                (100, "integration_broken"),
                (110, "integration_repointed"),
                (115, "integration_broken"),
                (125, "integration_repointed"),
            ]
        );
        assert_eq!(out.records[2].event, Event::IntegrationBroken { count: 1, to: 0 });
    }

    #[test]
    fn none_configured_by_ip_costs_nothing() {
        let out = run(&spec(0, 10), &[swing(100, 101, 1)]);
        assert_eq!(out, IntegrationsOutcome::default());
        // A swing to the appliance they point at breaks none.
        let out = run(&spec(2, 10), &[swing(100, 101, 0)]);
        assert_eq!(out, IntegrationsOutcome::default());
    }
}
