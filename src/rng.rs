//! Random streams: one ChaCha8 stream per (seed, replication, purpose).
//!
//! The algorithm is named and fixed: [`rand_chacha::ChaCha8Rng`]. The 256-bit
//! key comes from the master seed; the 64-bit ChaCha stream number encodes the
//! replication and the purpose. Two purposes therefore never share a stream,
//! and drawing more numbers for one purpose (say, a new operator step) cannot
//! shift the draws of another (the arrivals stay exactly where they were).
//! Replication `i` of every strategy gets the same streams: this is what makes
//! comparisons use common random numbers.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// What a stream is used for. The discriminant is part of the stream number:
/// never renumber an existing purpose, only append new ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Purpose {
    /// Arrival instants and client kinds.
    Arrivals = 0,
    /// Session durations, one draw per arrival.
    Durations = 1,
    /// Upgrade phase durations, drawn per appliance before the run.
    Upgrade = 2,
    /// Network: switch gaps, sync times, package distribution.
    Network = 3,
    /// Operator step and verify durations.
    Operator = 4,
    /// Faults (crashes, failed upgrades); reserved for fault scenarios.
    Faults = 5,
    /// Client retries, and reconnect choices after a cutover.
    Retries = 6,
    /// The pod maintenance scheduler.
    Scheduler = 7,
    /// Each client's DNS propagation delay, one draw set per arrival, only
    /// in runbooks that swing DNS (a stream of its own, so that runbooks
    /// without a DNS swing skip it without shifting any other draw).
    Dns = 8,
    /// Latent defects of the new version (whether there is one, when it is
    /// found) and the restores of the recovery: drawn only in scenarios with
    /// `faults.latent_defect` above 0 or runbooks that restore, so that
    /// every other stream is the same with or without them.
    Defects = 9,
    /// Representative consoles: whether each console arrival was deployed
    /// by MSI on a locked-down machine, and the redeployment delay (a
    /// stream of its own: sites without such consoles draw nothing).
    Consoles = 10,
    /// Fleets: the seed of each site of a replication (word `k` is site
    /// `k`'s seed), so that a site's runs do not depend on the others.
    Sites = 11,
    /// Representative consoles after the upgrade: whether a console login
    /// to the new version is its technician's first (a stream of its own,
    /// so that drawing it shifts no other draw).
    Technicians = 12,
    /// Fleets: whether the new version carries a defect (word 0) and when
    /// each site would show it (word `2(k + 1)` for site `k`), shared by
    /// every plan of a replication.
    Version = 13,
    /// Crashes: when each appliance fails, its repair, the takeover's
    /// delay (a stream of its own, so that a change of the upgrade failure
    /// probability or of the prechecks does not move the crashes: common
    /// random numbers across a sensitivity swing).
    Crashes = 14,
    /// `cutover optimise`: the seed of the verification runs (word 0),
    /// so that the chosen plan is measured again on draws the search
    /// never saw.
    Verification = 15,
}

/// Number of purposes; the stream number is `replication * PURPOSES + purpose`.
const PURPOSES: u64 = 16;

/// Most replications a study may have (2^60): the stream number
/// `replication * 16 + purpose` of replication 2^60 would wrap round to
/// replication 0's, and reuse its random numbers. The command line refuses
/// run counts beyond it.
pub const MAX_REPLICATIONS: u64 = u64::MAX / PURPOSES + 1;

/// Makes the stream for one purpose of one replication.
pub fn stream(seed: u64, replication: u64, purpose: Purpose) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(replication.wrapping_mul(PURPOSES).wrapping_add(purpose as u64));
    rng
}

/// The preparation's stream (`[preparation]`: the manual path's and the
/// rehearsal's lengths) of one replication. Every stream number of the
/// master seed's key belongs to a [`Purpose`] (see [`MAX_REPLICATIONS`]),
/// and appending one would renumber them all: this one is keyed apart, by
/// the master seed and a tag of its own, so that it shifts no other draw.
pub fn preparation_stream(seed: u64, replication: u64) -> ChaCha8Rng {
    tagged_stream(seed, replication, b"cutover:prepare!")
}

/// The old MSI's stream (`[consoles] old_msi`: its redeployment and the
/// support wait to obtain it after a return to the old version, and which
/// console logins after the return are their technician's first) of one
/// replication, keyed apart as [`preparation_stream`] is.
pub fn old_msi_stream(seed: u64, replication: u64) -> ChaCha8Rng {
    tagged_stream(seed, replication, b"cutover:old_msi!")
}

/// The integrations' stream (`[integrations]`: the operator's time to
/// re-point each one configured by IP) of one replication, keyed apart as
/// [`preparation_stream`] is.
pub fn integrations_stream(seed: u64, replication: u64) -> ChaCha8Rng {
    tagged_stream(seed, replication, b"cutover:integrat")
}

/// A stream keyed by the master seed and a 16-byte `tag` of its own, apart
/// from every [`Purpose`]'s.
fn tagged_stream(seed: u64, replication: u64, tag: &[u8; 16]) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..24].copy_from_slice(tag);
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(replication);
    rng
}

/// The downloads' stream (`preparation.download`: each download's length,
/// whether it is lost, support's answer then) of one replication: keyed
/// apart, as [`preparation_stream`], with a tag of its own, so that a
/// scenario with downloads keeps every other draw of one without.
pub fn download_stream(seed: u64, replication: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..24].copy_from_slice(b"cutover:download");
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(replication);
    rng
}

/// All the streams of one replication.
pub struct Streams {
    /// Arrival instants and kinds.
    pub arrivals: ChaCha8Rng,
    /// Session durations.
    pub durations: ChaCha8Rng,
    /// Upgrade phases.
    pub upgrade: ChaCha8Rng,
    /// Network delays.
    pub network: ChaCha8Rng,
    /// Operator steps.
    pub operator: ChaCha8Rng,
    /// Faults.
    pub faults: ChaCha8Rng,
    /// Retries and reconnect choices.
    pub retries: ChaCha8Rng,
    /// The pod maintenance scheduler.
    pub scheduler: ChaCha8Rng,
    /// Clients' DNS propagation delays.
    pub dns: ChaCha8Rng,
    /// Latent defects and restores.
    pub defects: ChaCha8Rng,
    /// Representative consoles (MSI deployments).
    pub consoles: ChaCha8Rng,
    /// Technicians' first logins after the upgrade.
    pub technicians: ChaCha8Rng,
    /// Crashes, repairs and takeovers.
    pub crashes: ChaCha8Rng,
    /// The pod's emergencies, rescheduling, preconditions, post-update
    /// steps and validation failures: the scheduler's stream read from
    /// word [`POD_WORD`] on (see [`pod_stream`]).
    pub pod: ChaCha8Rng,
    /// The downloads before the installs (see [`download_stream`]).
    pub download: ChaCha8Rng,
    /// The old MSI after a return to the old version ([`old_msi_stream`]).
    pub old_msi: ChaCha8Rng,
    /// Re-pointing the integrations configured by IP ([`integrations_stream`]).
    pub integrations: ChaCha8Rng,
    /// The pod's failed green builds, point releases and DNS remaps: the
    /// scheduler's stream read from word [`POD_UPDATE_WORD`] on, so that
    /// they shift none of [`Streams::pod`]'s draws.
    pub pod_update: ChaCha8Rng,
}

/// Where the pod's own draws start in the scheduler's stream: 2^64 words
/// on, further than a run ever reads it, so that they shift no draw of the
/// scheduler (the 16 purposes fill the stream numbers already).
pub const POD_WORD: u128 = 1 << 64;

/// Where the pod's update draws (`pod.green_build_failure`,
/// `pod.point_release`, `pod.post_update.dns`) start in the scheduler's
/// stream: 2^64 words past [`POD_WORD`].
pub const POD_UPDATE_WORD: u128 = 2 << 64;

/// The stream of the pod's draws of replication `replication`.
pub fn pod_stream(seed: u64, replication: u64) -> ChaCha8Rng {
    let mut rng = stream(seed, replication, Purpose::Scheduler);
    rng.set_word_pos(POD_WORD);
    rng
}

/// The stream of the pod's update draws of replication `replication`.
pub fn pod_update_stream(seed: u64, replication: u64) -> ChaCha8Rng {
    let mut rng = stream(seed, replication, Purpose::Scheduler);
    rng.set_word_pos(POD_UPDATE_WORD);
    rng
}

impl Streams {
    /// The streams of replication `replication` under master seed `seed`.
    pub fn new(seed: u64, replication: u64) -> Streams {
        Streams {
            arrivals: stream(seed, replication, Purpose::Arrivals),
            durations: stream(seed, replication, Purpose::Durations),
            upgrade: stream(seed, replication, Purpose::Upgrade),
            network: stream(seed, replication, Purpose::Network),
            operator: stream(seed, replication, Purpose::Operator),
            faults: stream(seed, replication, Purpose::Faults),
            retries: stream(seed, replication, Purpose::Retries),
            scheduler: stream(seed, replication, Purpose::Scheduler),
            dns: stream(seed, replication, Purpose::Dns),
            defects: stream(seed, replication, Purpose::Defects),
            consoles: stream(seed, replication, Purpose::Consoles),
            crashes: stream(seed, replication, Purpose::Crashes),
            technicians: stream(seed, replication, Purpose::Technicians),
            pod: pod_stream(seed, replication),
            download: download_stream(seed, replication),
            old_msi: old_msi_stream(seed, replication),
            integrations: integrations_stream(seed, replication),
            pod_update: pod_update_stream(seed, replication),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_differ_by_purpose_and_replication() {
        let a = stream(7, 0, Purpose::Arrivals).next_u64();
        let b = stream(7, 0, Purpose::Durations).next_u64();
        let c = stream(7, 1, Purpose::Arrivals).next_u64();
        let d = stream(8, 0, Purpose::Arrivals).next_u64();
        assert!(a != b && a != c && a != d && b != c);
        assert_eq!(a, stream(7, 0, Purpose::Arrivals).next_u64());
    }

    #[test]
    fn the_last_replication_has_streams_of_its_own() {
        // The largest stream number in use does not wrap.
        let last = (MAX_REPLICATIONS - 1)
            .checked_mul(PURPOSES)
            .and_then(|s| s.checked_add(PURPOSES - 1));
        assert_eq!(last, Some(u64::MAX));
        let a = stream(7, 0, Purpose::Arrivals).next_u64();
        assert_ne!(stream(7, MAX_REPLICATIONS - 1, Purpose::Arrivals).next_u64(), a);
        // One more would have been replication 0 again.
        assert_eq!(stream(7, MAX_REPLICATIONS, Purpose::Arrivals).next_u64(), a);
    }

    #[test]
    fn the_pods_draws_leave_the_schedulers_untouched() {
        let mut s = Streams::new(3, 2);
        let mut plain = stream(3, 2, Purpose::Scheduler);
        for _ in 0..100 {
            s.pod.next_u64();
        }
        assert_eq!(s.scheduler.next_u64(), plain.next_u64());
        // The pod's draws are the scheduler's stream far on, not its start.
        let mut far = stream(3, 2, Purpose::Scheduler);
        far.set_word_pos(POD_WORD);
        assert_eq!(Streams::new(3, 2).pod.next_u64(), far.next_u64());
        assert_ne!(
            Streams::new(3, 2).pod.next_u64(),
            stream(3, 2, Purpose::Scheduler).next_u64()
        );
    }

    #[test]
    fn the_downloads_stream_is_apart_from_every_other() {
        let mut d = download_stream(3, 2);
        let first = d.next_u64();
        assert_eq!(Streams::new(3, 2).download.next_u64(), first);
        assert_ne!(preparation_stream(3, 2).next_u64(), first);
        assert_ne!(download_stream(3, 1).next_u64(), first);
        assert_ne!(download_stream(4, 2).next_u64(), first);
        // Drawing from it moves none of the others.
        let mut s = Streams::new(3, 2);
        for _ in 0..100 {
            s.download.next_u64();
        }
        assert_eq!(s.faults.next_u64(), stream(3, 2, Purpose::Faults).next_u64());
        assert_eq!(s.upgrade.next_u64(), stream(3, 2, Purpose::Upgrade).next_u64());
    }

    #[test]
    fn the_tagged_streams_are_their_own() {
        let a = preparation_stream(3, 2).next_u64();
        let b = old_msi_stream(3, 2).next_u64();
        let c = integrations_stream(3, 2).next_u64();
        assert!(a != b && b != c && a != c);
        assert_ne!(b, old_msi_stream(3, 1).next_u64());
        assert_ne!(c, integrations_stream(4, 2).next_u64());
        let mut s = Streams::new(3, 2);
        assert_eq!(s.old_msi.next_u64(), b);
        assert_eq!(s.integrations.next_u64(), c);
    }

    #[test]
    fn the_pods_update_draws_leave_its_other_draws_untouched() {
        let mut s = Streams::new(3, 2);
        let mut plain = Streams::new(3, 2);
        for _ in 0..100 {
            s.pod_update.next_u64();
        }
        assert_eq!(s.pod.next_u64(), plain.pod.next_u64());
        assert_eq!(s.scheduler.next_u64(), plain.scheduler.next_u64());
        let mut far = stream(3, 2, Purpose::Scheduler);
        far.set_word_pos(POD_UPDATE_WORD);
        assert_eq!(Streams::new(3, 2).pod_update.next_u64(), far.next_u64());
        assert_ne!(
            Streams::new(3, 2).pod_update.next_u64(),
            Streams::new(3, 2).pod.next_u64()
        );
    }

    #[test]
    fn using_one_purpose_does_not_shift_another() {
        let mut s1 = Streams::new(3, 2);
        let mut s2 = Streams::new(3, 2);
        for _ in 0..100 {
            s1.operator.next_u64();
        }
        assert_eq!(s1.arrivals.next_u64(), s2.arrivals.next_u64());
        assert_eq!(s1.durations.next_u64(), s2.durations.next_u64());
    }
}
