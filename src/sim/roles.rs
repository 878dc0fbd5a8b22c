//! Steps naming a role (docs/model.md §2, "Roles"): each is read when it
//! starts, from who holds the roles at that moment, and keeps that reading
//! until it is done.

use super::{Wait, World};
use crate::runbook::{Holders, Step};

impl<'a> World<'a> {
    /// Who holds the roles now: the acting primary (the relationship's,
    /// else the appliance the site's address leads to) and the appliance
    /// the address leads to. `None` while it leads nowhere (within a
    /// shared-IP switch, when no step starts).
    pub(super) fn holders(&self) -> Option<Holders> {
        let serving = self.front.target?;
        Some(Holders {
            primary: self.acting_primary(),
            serving,
        })
    }

    /// Reads the current step's roles, if it names any, as they stand now,
    /// keeps that reading for the step and returns the step. A reading the
    /// holders do not allow (refused before the run, since the plan reaches
    /// the same states up to naming A and B the other way round) keeps the
    /// planned step.
    pub(super) fn read_roles(&mut self) -> &'a Step {
        let (i, roles, steps) = (self.exec.idx, self.exec.roles, self.exec.steps);
        self.exec.chosen = roles
            .binary_search_by_key(&i, |r| r.index)
            .ok()
            .map(|k| self.holders().and_then(|h| roles[k].reading(h)).unwrap_or(&steps[i]));
        self.current_step()
    }

    /// The current step, as read when it started.
    pub(super) fn current_step(&self) -> &'a Step {
        let steps = self.exec.steps;
        self.exec.chosen.unwrap_or(&steps[self.exec.idx])
    }

    /// After a takeover: a step naming a role that waits for a repair looks
    /// again, as it does after each repair (the role may have moved to an
    /// appliance that is up).
    pub(super) fn reread_roles(&mut self) {
        if self.exec.wait == Wait::Repair && self.exec.chosen.is_some() {
            self.exec.wait = Wait::None;
            self.begin_step();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use super::super::events::Event;
    use super::super::{Ev, Limits, RunOptions, RunOutput, World};
    use crate::runbook::{RawRunbook, resolve};
    use crate::scenario::Scenario;
    use crate::time::{MS_PER_HOUR, MS_PER_MIN, SimDuration};

    /// A failover pair with constant durations and no clients (downtime is
    /// the time a fresh client could not connect, whoever comes): every
    /// figure below follows from these lines.
    const SCENARIO: &str = r#"
[workload.support]
rate_per_hour = 0
[workload.console]
rate_per_hour = 0
[upgrade]
base = "20m"
reboot = "5m"
product = "30m"
install_per_gb = "0s"
[operator]
step = "1m"
verify = "10m"
backup = "3m"
[faults]
failover_delay = "2m"
mttr = "30m"
[network]
shared_ip_gap = "45s"
nat_delay = "30s"
[calendar]
warmup = "6h"
"#;

    /// Runs `runbook` with appliance A crashing 1 h into the warm-up: the
    /// backup B takes over `failover_delay` later and A, repaired after
    /// `mttr`, is the backup when the procedure starts 5 h later.
    fn crash_before(sc: &Scenario, runbook: &crate::runbook::Runbook) -> RunOutput {
        let opts = RunOptions {
            log_events: true,
            trace_sessions: false,
        };
        let mut w = World::new(sc, runbook, 1, 0, opts, Limits::DEFAULT, false);
        let at = w.start + SimDuration(MS_PER_HOUR);
        let epoch = w.nodes[0].epoch;
        w.q.schedule(at, Ev::Crash { node: 0, epoch });
        assert!(w.run(&AtomicBool::new(false)));
        w.finish()
    }

    /// The nodes whose upgrade started, in order.
    fn upgraded(out: &RunOutput) -> Vec<usize> {
        out.events
            .iter()
            .filter_map(|r| match r.event {
                Event::UpgradeStart { node, .. } => Some(node),
                _ => None,
            })
            .collect()
    }

    /// The takeover comes before the procedure, and A is back by then.
    fn took_over_before_start(out: &RunOutput) {
        let start = out.metrics.procedure_start_ms;
        let took = out
            .events
            .iter()
            .find(|r| matches!(r.event, Event::TookOver { node: 1 }));
        let repaired = out
            .events
            .iter()
            .find(|r| matches!(r.event, Event::Repaired { node: 0 }));
        assert!(
            took.is_some_and(|r| r.time.0 < start),
            "B took over before the procedure"
        );
        assert!(repaired.is_some_and(|r| r.time.0 < start), "A was repaired before it");
    }

    #[test]
    fn an_async_upgrade_after_a_takeover_upgrades_the_backup_first() {
        let sc = Scenario::parse(SCENARIO, "t.toml", "t").unwrap();
        // Downtime by hand. The crash: A is the site's address and down from
        // the crash to B's takeover, failover_delay = 2 min = 120 000 ms.
        // Then B serves, A (repaired) is the backup: `upgrade backup`
        // upgrades A, which serves nobody: no downtime. The switch to the
        // backup (A) costs, by method:
        // - dns: the record points at A at once, and A is up: 0;
        // - nat: B serves until the entry takes effect, then A: 0;
        // - shared-ip: the address is on neither appliance for the gap,
        //   45 s = 45 000 ms.
        // After the interim B, now the backup, is upgraded serving nobody:
        // no downtime either.
        let crash = 2 * MS_PER_MIN;
        for (name, switch) in [
            ("failover-async-dns", 0),
            ("failover-async-nat", 0),
            ("failover-async-shared-ip", 45_000),
        ] {
            let out = crash_before(&sc, sc.runbook(name).unwrap());
            took_over_before_start(&out);
            assert_eq!(upgraded(&out), [0, 1], "{name}: A (the backup then) first, then B");
            assert_eq!(out.metrics.downtime_ms, crash + switch, "{name}");
            assert_eq!(out.metrics.aborted, 0, "{name}");
        }
    }

    #[test]
    fn a_runbook_naming_appliances_acts_on_those_names_after_a_takeover() {
        let sc = Scenario::parse(SCENARIO, "t.toml", "t").unwrap();
        // The asynchronous DNS procedure written with names, as the built-in
        // one was: after the takeover, B serves and `upgrade B` takes the
        // site down for B's whole install, base + reboot + backup download
        // + product = 20 + 5 + 3 + 30 = 58 min, after the crash's 2 min:
        // 60 min = 3 600 000 ms. (The switch to B, already serving, moves
        // nobody; A is upgraded after the interim, serving nobody.)
        let raw: RawRunbook = toml::from_str(
            r#"
name = "async-dns-by-name"
site = "failover-pair"
steps = [
  { do = "backup", node = "A" },
  { do = "sync_now" },
  { do = "break_failover" },
  { do = "upgrade", node = "B" },
  { do = "verify", node = "B" },
  { do = "switch", method = "dns", to = "B" },
  { do = "interim" },
  { do = "upgrade", node = "A" },
  { do = "verify", node = "A" },
  { do = "establish_failover", primary = "B", backup = "A" },
  { do = "wait_sync" },
]"#,
        )
        .unwrap();
        let rb = resolve(&raw, &sc.site).unwrap();
        assert!(rb.roles.is_empty());
        let out = crash_before(&sc, &rb);
        took_over_before_start(&out);
        assert_eq!(upgraded(&out), [1, 0], "B first, as named");
        assert_eq!(out.metrics.downtime_ms, 60 * MS_PER_MIN);
        // Without the crash, names and roles read the same: the same run.
        let opts = RunOptions::default();
        let by_name = super::super::simulate(&sc, &rb, 3, 0, opts).metrics;
        let by_role = super::super::simulate(&sc, sc.runbook("failover-async-dns").unwrap(), 3, 0, opts).metrics;
        assert_eq!(by_name, by_role);
    }

    #[test]
    fn a_step_waiting_for_a_crashed_holder_follows_the_takeover() {
        let sc = Scenario::parse(SCENARIO, "t.toml", "t").unwrap();
        let opts = RunOptions {
            log_events: true,
            trace_sessions: false,
        };
        // A crashes a minute before the procedure: its first step, `backup
        // primary`, reads A (still the primary, crashed) and waits. B takes
        // over at the start + 1 min (failover_delay 2 min): the step reads
        // again, B now, and starts then, not at A's repair (start + 29 min).
        let rb = sc.runbook("failover-async-dns").unwrap();
        let mut w = World::new(&sc, rb, 1, 0, opts, Limits::DEFAULT, false);
        let start = w.m.procedure_start_ms;
        let epoch = w.nodes[0].epoch;
        w.q.schedule(crate::time::SimTime(start - MS_PER_MIN), Ev::Crash { node: 0, epoch });
        assert!(w.run(&AtomicBool::new(false)));
        let out = w.finish();
        let at = |want: fn(&Event) -> bool| out.events.iter().find(|r| want(&r.event)).map(|r| r.time.0);
        assert_eq!(at(|e| matches!(e, Event::WaitingForRepair { node: 0 })), Some(start));
        assert_eq!(
            at(|e| matches!(e, Event::TookOver { node: 1 })),
            Some(start + MS_PER_MIN)
        );
        assert_eq!(
            at(|e| matches!(e, Event::StepStart { step: 0 })),
            Some(start + MS_PER_MIN)
        );
        assert_eq!(out.events.describe_step(0), "backup B");
        // Then the backup, A once repaired, is upgraded first.
        assert_eq!(upgraded(&out), [0, 1]);
    }
}
