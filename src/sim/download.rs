//! The download of the update directly before each appliance's install
//! (`preparation.download`, docs/model.md "Preparation"): the vendor text
//! asks to "be prepared to install software updates directly after
//! download", so the download is part of the procedure, in the window. The
//! appliance serves on while it downloads. A download may be lost
//! (`preparation.download_lost`): the update is no longer offered, and a
//! new download waits for technical support's answer (`faults.support`).
//! Every draw comes from the downloads' stream of its own: a scenario
//! without downloads draws nothing from it, and no other draw moves.

use rand::RngExt;

use super::events::Event;
use super::{Ev, World};
use crate::model::site::{NodeClass, NodeId};

impl World<'_> {
    /// The install of `node` an `upgrade` step asks for: the download
    /// first when the scenario has one and `node` is an appliance, else
    /// the install at once.
    pub(super) fn install(&mut self, node: NodeId) {
        let appliance = self.sc.site.nodes[node].class == NodeClass::Appliance;
        if self.sc.preparation.download.is_some() && appliance {
            // Waited for as an install is: the step's wait, and a
            // `wait_upgraded`, hold until it is done.
            self.nodes[node].upgrade_pending = true;
            self.begin_download(node, false);
        } else {
            self.start_upgrade(node);
        }
    }

    /// Starts a download on `node` (`again`: after support's answer on a
    /// lost one).
    pub(super) fn begin_download(&mut self, node: NodeId, again: bool) {
        let Some(dist) = &self.sc.preparation.download else {
            return;
        };
        if self.download_dropped(node) {
            return;
        }
        let takes = dist.sample(&mut self.rng.download);
        let n = &mut self.nodes[node];
        n.downloading = Some(self.now);
        let epoch = n.epoch;
        self.log(if again {
            Event::Redownload { node, takes }
        } else {
            Event::DownloadStart { node, takes }
        });
        self.q.schedule(
            self.now + takes,
            Ev::DownloadDone {
                node: node as u32,
                epoch,
            },
        );
    }

    /// A download ends: lost (support is asked for a new one), or done and
    /// the install starts. A procedure that ended, backs out or recovers
    /// from a defect meanwhile installs nothing more: the download is
    /// dropped.
    pub(super) fn on_download_done(&mut self, node: NodeId) {
        let Some(since) = self.nodes[node].downloading else {
            return;
        };
        self.m.download_ms += self.now.since(since).0;
        if self.download_dropped(node) {
            return;
        }
        let p = self.sc.preparation.download_lost;
        if p > 0.0 && self.rng.download.random::<f64>() < p {
            let support = self.sc.faults.support.sample(&mut self.rng.download);
            self.m.redownloads += 1;
            self.log(Event::DownloadLost { node, support });
            let epoch = self.nodes[node].epoch;
            self.q.schedule(
                self.now + support,
                Ev::Redownload {
                    node: node as u32,
                    epoch,
                },
            );
            return;
        }
        self.nodes[node].downloading = None;
        self.log(Event::DownloadDone { node });
        self.start_upgrade(node);
    }

    /// True, and the download of `node` dropped, when the procedure has
    /// ended, backs out or recovers from a defect: no install follows.
    fn download_dropped(&mut self, node: NodeId) -> bool {
        if self.exec.finished.is_none() && !self.exec.recovering && self.exec.backout.is_none() {
            return false;
        }
        let n = &mut self.nodes[node];
        n.downloading = None;
        n.upgrade_pending = false;
        true
    }

    /// `node` is back from a repair: a download (or a wait for support's
    /// answer) the crash cut starts over, from the start.
    pub(super) fn resume_download(&mut self, node: NodeId) {
        if self.nodes[node].downloading.is_some() {
            self.begin_download(node, false);
        }
    }
}
