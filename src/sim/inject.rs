//! Faults at a chosen step (`[[faults.inject]]`, docs/model.md §4,
//! "Injected faults"): each happens `after` into the `occurrence`-th
//! (default first) step whose label starts with its `at_step`, with no draw to decide it. What
//! follows is drawn as for a random fault.

use super::events::Event;
use super::{Ev, World};
use crate::runbook::Step;
use crate::scenario::inject::Injected;

/// What the injections of one run have done so far.
#[derive(Default)]
pub(super) struct Injections {
    /// By injection: the steps labelled so that have started (it is
    /// scheduled when they reach its `occurrence`).
    seen: Vec<u32>,
    /// By node: its upgrade under way, or next, fails at its end.
    fail_upgrade: Vec<bool>,
    /// The next precheck fails.
    fail_precheck: bool,
    /// A precheck has run.
    prechecked: bool,
}

impl Injections {
    /// The state of a run of a scenario with `count` injections on `nodes` nodes.
    pub(super) fn new(count: usize, nodes: usize) -> Injections {
        Injections {
            seen: vec![0; count],
            fail_upgrade: if count > 0 { vec![false; nodes] } else { Vec::new() },
            ..Injections::default()
        }
    }

    /// Takes the forced failure of `node`'s upgrade, if one was injected.
    pub(super) fn take_upgrade_failure(&mut self, node: usize) -> bool {
        self.fail_upgrade.get_mut(node).is_some_and(std::mem::take)
    }

    /// Takes the forced failure of the precheck now running, if one was injected.
    pub(super) fn take_precheck_failure(&mut self) -> bool {
        self.prechecked = true;
        std::mem::take(&mut self.fail_precheck)
    }
}

impl World<'_> {
    /// A runbook step starts, read as `step`: every injection waiting for
    /// a step labelled so is scheduled `after` from now.
    pub(super) fn arm_injections(&mut self, step: &Step) {
        let list = &self.sc.faults.inject;
        if list.is_empty() || self.exec.recovering {
            return;
        }
        let label = step.describe(&self.sc.site);
        for (i, inj) in list.iter().enumerate() {
            if self.inject.seen[i] < inj.occurrence && inj.matches(&label) {
                self.inject.seen[i] += 1;
                if self.inject.seen[i] == inj.occurrence {
                    self.q.schedule(self.now + inj.after, Ev::Inject { index: i as u32 });
                }
            }
        }
    }

    /// Injection `i` happens now.
    pub(super) fn on_inject(&mut self, i: usize) {
        let inj = &self.sc.faults.inject[i];
        let applied = match inj.what {
            Injected::Crash(n) => self.nodes[n].up(),
            Injected::FailUpgrade(n) => self.nodes[n].upgrade_pending || self.nodes[n].version < 2,
            Injected::FailPrecheck => !self.inject.prechecked,
            Injected::Defect => {
                self.defect.detect.is_none()
                    && self.defect.serving_since.is_none()
                    && !self.defect.found
                    && self.exec.finished.is_none()
            }
        };
        self.log(Event::Injected {
            what: inj.what,
            after: inj.after,
            applied,
        });
        if !applied {
            return;
        }
        match inj.what {
            Injected::Crash(n) => self.on_crash(n),
            Injected::FailUpgrade(n) => self.inject.fail_upgrade[n] = true,
            Injected::FailPrecheck => self.inject.fail_precheck = true,
            Injected::Defect => {
                self.defect.detect = Some(self.sc.faults.defect_detect.sample(&mut self.rng.defects));
                self.refresh();
            }
        }
    }
}
