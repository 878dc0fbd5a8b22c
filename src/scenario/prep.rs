//! Work before and around the upgrade that the appliance's own procedure
//! does not show: the preparation (`[preparation]`: the manual path and a
//! rehearsal), pre-staged consoles and the old MSI (`[consoles]`), the
//! Jump Clients that reconnect and update afterwards (`[jump_clients]`)
//! and integrations configured by IP (`[integrations]`). Every field is
//! off by default: a scenario without these tables runs as before.
//! The rules are in docs/model.md ("Preparation", "Jump Clients",
//! "Integrations", and "Consoles after the upgrade").

use rand::Rng;
use serde::Deserialize;

use super::raw::RawDist;
use crate::model::dist::Dist;
use crate::time::SimDuration;

/// `[preparation]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPreparation {
    pub manual_path: Option<RawDist>,
    pub rehearsal: Option<RawRehearsal>,
    pub order_question: Option<RawDist>,
    pub download: Option<RawDist>,
    pub download_lost: Option<f64>,
}

/// `preparation.rehearsal` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRehearsal {
    pub duration: Option<RawDist>,
    pub catches: Option<f64>,
}

/// `[consoles]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConsoles {
    pub prestage_msi: Option<bool>,
    pub old_msi: Option<String>,
}

/// `[integrations]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIntegrations {
    pub by_ip: Option<i64>,
    pub repoint: Option<RawDist>,
}

/// `[jump_clients]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawJumpClients {
    pub count: Option<i64>,
    pub reconnect_per_minute: Option<i64>,
    pub update: Option<String>,
}

/// A rehearsal of the upgrade in a controlled environment.
#[derive(Clone, Debug, PartialEq)]
pub struct Rehearsal {
    /// How long it takes.
    pub duration: Dist,
    /// The share of upgrade failures and latent defects it catches before
    /// production (0 to 1).
    pub catches: f64,
}

/// The preparation before the first window: the manual path (download
/// key, transfer from an unrestricted system, removable media), then a
/// rehearsal, then support's answer on the install order; and the download
/// of the update right before each appliance's install, in the window.
/// None of it by default.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PreparationSpec {
    /// Lead time of the manual path.
    pub manual_path: Option<Dist>,
    /// The rehearsal, after the manual path.
    pub rehearsal: Option<Rehearsal>,
    /// Lead time of a question to support on the order of the installs
    /// (base before licensing), after the rehearsal.
    pub order_question: Option<Dist>,
    /// The download of the update, directly before each appliance's
    /// install (not lead time: it lands in the procedure).
    pub download: Option<Dist>,
    /// The chance that a download is lost and must be done again, after
    /// technical support's answer (`faults.support`); below 1.
    pub download_lost: f64,
}

/// The lengths of one preparation, as drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Prepared {
    /// The manual path's.
    pub manual: SimDuration,
    /// The rehearsal's.
    pub rehearsal: SimDuration,
    /// The wait for support's answer on the install order.
    pub question: SimDuration,
}

impl Prepared {
    /// The preparation's whole length.
    pub fn total(&self) -> SimDuration {
        self.manual + self.rehearsal + self.question
    }
}

impl PreparationSpec {
    /// True when there is anything to prepare before the first window.
    pub fn is_set(&self) -> bool {
        self.manual_path.is_some() || self.rehearsal.is_some() || self.order_question.is_some()
    }

    /// Draws the manual path's, the rehearsal's and the order question's
    /// lengths, in that order (zero for what is not set; a constant draws
    /// nothing).
    pub fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> Prepared {
        let manual = self.manual_path.as_ref().map_or(SimDuration::ZERO, |d| d.sample(rng));
        let rehearsal = self
            .rehearsal
            .as_ref()
            .map_or(SimDuration::ZERO, |r| r.duration.sample(rng));
        let question = self
            .order_question
            .as_ref()
            .map_or(SimDuration::ZERO, |d| d.sample(rng));
        Prepared {
            manual,
            rehearsal,
            question,
        }
    }

    /// The preparation's mean length, rounded to the millisecond (what a
    /// fleet's campaign places sites by).
    pub fn mean(&self) -> SimDuration {
        let manual = self.manual_path.as_ref().map_or(0.0, Dist::mean_ms);
        let rehearsal = self.rehearsal.as_ref().map_or(0.0, |r| r.duration.mean_ms());
        let question = self.order_question.as_ref().map_or(0.0, Dist::mean_ms);
        SimDuration::from_ms_f64(manual + rehearsal + question)
    }

    /// The share of upgrade failures and latent defects the rehearsal
    /// catches (0 without one).
    pub fn catches(&self) -> f64 {
        self.rehearsal.as_ref().map_or(0.0, |r| r.catches)
    }

    /// Probability `p` of a fault in production once the rehearsal has
    /// caught its share: `p` × (1 − `catches`), exactly `p` without one.
    pub fn residual(&self, p: f64) -> f64 {
        match &self.rehearsal {
            Some(r) => p * (1.0 - r.catches),
            None => p,
        }
    }
}

/// `[consoles]`: how the representative consoles are handled around the
/// upgrade.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConsolesSpec {
    /// The extractable console MSI is downloaded before the server upgrade
    /// and deployed on the locked-down machines: they wait for no
    /// redeployment.
    pub prestage_msi: bool,
    /// Whether a copy of the old console MSI was kept, for a return to the
    /// old version after the site served the new one (none: such a return
    /// costs the locked-down consoles nothing, as before).
    pub old_msi: Option<OldMsi>,
}

/// `consoles.old_msi`: the copy of the old console MSI, which the new MSI
/// cannot stand in for (it cannot remove or replace the new installations).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OldMsi {
    /// Kept: after a return, the locked-down consoles wait for its
    /// redeployment (`workload.console.redeploy`).
    Kept,
    /// Not kept: they wait for support to provide it (`faults.support`),
    /// then for its redeployment.
    NotKept,
}

impl OldMsi {
    /// Parses `kept` or `not_kept`.
    pub fn from_word(word: &str) -> Option<OldMsi> {
        match word {
            "kept" => Some(OldMsi::Kept),
            "not_kept" => Some(OldMsi::NotKept),
            _ => None,
        }
    }
}

/// `[integrations]`: Integration Clients that extract the site's data,
/// those configured by the appliance's IP address rather than its host
/// name. None by default.
#[derive(Clone, Debug, PartialEq)]
pub struct IntegrationsSpec {
    /// How many integrations are configured by IP (0: none).
    pub by_ip: u64,
    /// The operator's time to re-point one of them at the appliance now
    /// serving, one after another after a switch.
    pub repoint: Dist,
}

impl Default for IntegrationsSpec {
    fn default() -> IntegrationsSpec {
        IntegrationsSpec {
            by_ip: 0,
            repoint: Dist::Constant(SimDuration::ZERO),
        }
    }
}

/// `[jump_clients]`: Jump Clients that reconnect to the site and update
/// after it comes back. None by default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JumpClientsSpec {
    /// How many Jump Clients the site has.
    pub count: u64,
    /// The appliance's throttle: at most this many reconnect a minute
    /// (none: every one reconnects at once).
    pub reconnect_per_minute: Option<u64>,
    /// Time for one Jump Client to update itself once reconnected to the
    /// new version.
    pub update: SimDuration,
}
