//! Per-region figures of an Atlas cluster (docs/model.md §4, "Per-region
//! figures"): how long each region had no traffic node accepting new
//! client connections, the region's peak load while the procedure ran, and
//! the sessions of its clients served by another region's node.
//!
//! A region's *load* at an instant is the sessions its clients hold,
//! wherever they are served (on its own nodes, draining ones included, or
//! spilled to another region), over the capacity of its nodes that are up
//! and accepting new client connections through the appliance the site's
//! front door points at. It is not capped: above 1, the region's clients
//! hold more sessions than its accepting nodes can carry.

use super::{Role, World};
use crate::model::site::NodeId;
use crate::time::SimTime;

/// What one run says of one region of an Atlas cluster.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RegionFigures {
    /// Time, from the procedure's start to the run's end instant, during
    /// which no traffic node of the region was up and accepting new client
    /// connections through the appliance the site points at (that
    /// appliance up and not a backup), ms.
    pub no_accepting_ms: u64,
    /// Highest load of the region (see the module's comment) from the
    /// procedure's start to its finish; instants when no node of the
    /// region accepts are left out (the time above counts them). 0 when
    /// never measured.
    pub peak_load: f64,
    /// Sessions of the region's clients started on another region's node,
    /// from the procedure's start to the run's end instant.
    pub spilled_sessions: u64,
}

/// A region's running state in a replication.
#[derive(Clone, Debug, Default)]
pub(super) struct RegionState {
    /// The figures so far.
    figures: RegionFigures,
    /// Sessions of the region's clients open now.
    open: u64,
    /// The region's nodes up and accepting now.
    accepting: u32,
    /// Their capacity.
    capacity: u64,
    /// Since when no node of the region accepts.
    none_since: Option<SimTime>,
}

/// What the regions' accepting nodes were last read against: the appliance
/// the site points at (up and not a backup) and its version.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Against {
    front: Option<(NodeId, u32)>,
}

impl World<'_> {
    /// True from the procedure's start to its finish.
    fn procedure_running(&self) -> bool {
        self.exec.started.is_some() && self.exec.finished.is_none()
    }

    /// The procedure's start (the instant it is due, before it starts).
    fn procedure_start(&self) -> SimTime {
        SimTime(self.m.procedure_start_ms)
    }

    /// The appliance clients reach now, when it can bridge them.
    fn regions_against(&self) -> Against {
        let front = self
            .front
            .target
            .filter(|&f| self.nodes[f].up() && self.nodes[f].role != Role::Backup);
        Against {
            front: front.map(|f| (f, self.nodes[f].version)),
        }
    }

    /// True when traffic node `t` accepts against `a`.
    fn accepts(&self, a: Against, t: NodeId) -> bool {
        a.front.is_some_and(|(f, _)| self.traffic_serves(f, t))
    }

    /// Call where `refresh` is called: when the appliance clients reach
    /// changed (another one, its state or its version), every node is read
    /// again; otherwise nothing is done ([`World::region_touch`] keeps the
    /// counts as nodes change).
    pub(super) fn refresh_regions(&mut self) {
        if !self.regions.is_empty() && self.regions_against() != self.against {
            self.regions_reread();
        }
        #[cfg(debug_assertions)]
        if self.nodes.len() <= 512 {
            for (r, st) in self.regions.iter().enumerate() {
                let count = self.region_nodes[r]
                    .clone()
                    .filter(|&t| self.accepts(self.against, t))
                    .count();
                debug_assert_eq!(st.accepting as usize, count, "region {r}: a change was not counted");
            }
        }
    }

    /// Reads every traffic node again (the appliance clients reach, or its
    /// configuration, changed: [`World::rebuild`]).
    pub(super) fn regions_reread(&mut self) {
        if self.regions.is_empty() {
            return;
        }
        self.against = self.regions_against();
        for r in 0..self.regions.len() {
            let mut count = 0;
            let mut capacity = 0;
            for t in self.region_nodes[r].clone() {
                let yes = self.accepts(self.against, t);
                self.region_serving[t] = yes;
                if yes {
                    count += 1;
                    capacity += u64::from(self.nodes[t].capacity.unwrap_or(0));
                }
            }
            self.set_accepting_count(r, count, capacity);
        }
    }

    /// Call after anything about node `t` changed (from `touch`): a traffic
    /// node's accepting state is read again, and its region's counts kept;
    /// an appliance's change may be the front's.
    pub(super) fn region_touch(&mut self, t: NodeId) {
        if self.regions.is_empty() {
            return;
        }
        let node = &self.nodes[t];
        if !node.traffic {
            self.refresh_regions();
            return;
        }
        let yes = self.accepts(self.against, t);
        if yes == self.region_serving[t] {
            return;
        }
        self.region_serving[t] = yes;
        let r = node.region;
        let cap = u64::from(node.capacity.unwrap_or(0));
        let st = &self.regions[r];
        let (count, capacity) = if yes {
            (st.accepting + 1, st.capacity + cap)
        } else {
            (st.accepting - 1, st.capacity - cap)
        };
        self.set_accepting_count(r, count, capacity);
    }

    /// Region `r` has `count` accepting nodes of `capacity` from now: opens
    /// or closes its span without one, and looks at its load.
    fn set_accepting_count(&mut self, r: usize, count: u32, capacity: u64) {
        let (now, from) = (self.now, self.procedure_start());
        let st = &mut self.regions[r];
        st.accepting = count;
        st.capacity = capacity;
        match (count > 0, st.none_since) {
            (false, None) => st.none_since = Some(now),
            (true, Some(since)) => {
                st.figures.no_accepting_ms += now.since(since.max(from).min(now)).0;
                st.none_since = None;
            }
            _ => {}
        }
        self.sample_load(r);
    }

    /// Looks at region `r`'s load now (only while the procedure runs).
    pub(super) fn sample_load(&mut self, r: usize) {
        if !self.procedure_running() {
            return;
        }
        let st = &mut self.regions[r];
        if st.accepting > 0 && st.capacity > 0 {
            let load = st.open as f64 / st.capacity as f64;
            if load > st.figures.peak_load {
                st.figures.peak_load = load;
            }
        }
    }

    /// Looks at every region's load: at the procedure's start.
    pub(super) fn sample_loads(&mut self) {
        for r in 0..self.regions.len() {
            self.sample_load(r);
        }
    }

    /// A session of a client of region `r` started (`spilled`: on another
    /// region's node).
    pub(super) fn region_session_started(&mut self, r: u32, spilled: bool) {
        let counting = self.exec.started.is_some() && !self.closing;
        let Some(st) = self.regions.get_mut(r as usize) else {
            return;
        };
        st.open += 1;
        if spilled && counting {
            st.figures.spilled_sessions += 1;
        }
        self.sample_load(r as usize);
    }

    /// A session of a client of region `r` ended or was dropped.
    pub(super) fn region_session_ended(&mut self, r: u32) {
        if let Some(st) = self.regions.get_mut(r as usize) {
            st.open -= 1;
        }
    }

    /// The figures of every region, the spans without an accepting node
    /// closed at `end` (the run's end instant).
    pub(super) fn region_figures(&mut self, end: SimTime) -> Vec<RegionFigures> {
        let from = self.procedure_start();
        self.regions
            .iter_mut()
            .map(|st| {
                if let Some(since) = st.none_since.take() {
                    let a = since.max(from);
                    if end > a {
                        st.figures.no_accepting_ms += end.since(a).0;
                    }
                }
                st.figures
            })
            .collect()
    }
}
