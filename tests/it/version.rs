//! The version's defect in a fleet (docs/model.md §7, "The new version"):
//! the chance that canaries find it before the next wave against the
//! exponential law 1 − exp(−E/m), a defect carried by every site or by
//! none, the stop that keeps the later waves on the old version, and the
//! campaign that resumes after the fix.

use std::sync::atomic::AtomicBool;

use cutover::fleet::Fleet;
use cutover::fleet::campaign::{CampaignRun, SiteState, simulate_campaign};
use cutover::fleet::table::Outcome;

use crate::fleet::{fleet, pair};

const S: i64 = 1000;
const H: i64 = 3600;
const D: i64 = 86_400;

/// Campaign seconds of the Tuesday 22:00 window of `week` (the campaign
/// starts on a Monday at 00:00 UTC).
fn tuesday(week: i64) -> i64 {
    46 * H + week * 7 * D
}

/// Two canary pairs, then two more; the hand-computed pair of
/// `runbooks.rs` with its windows on Tuesday and Thursday 22:00 UTC (no
/// sessions: a site that runs the new version until its defect shows costs
/// little to simulate).
fn canaries(p: f64, detect: &str, stop_on: &str, fix: &str) -> Fleet {
    let text = format!(
        r#"
name = "canaries"
seed = 11
[fleet]
start = "2025-03-03T00:00"
sites = [
  {{ name = "canary", scenario = "pair.toml", count = 2, strategy = "failover-async-dns", labels = {{ ring = "canary" }} }},
  {{ name = "main", scenario = "pair.toml", count = 2, strategy = "failover-async-dns", labels = {{ ring = "main" }} }},
]
[version]
latent_defect = {p}
defect_detect = "{detect}"
{fix}
[campaign]
waves = ["ring=canary", "ring=main"]
bake = "2d"
stop_on = [{stop_on}]
"#
    );
    fleet(&text, &pair())
}

fn campaign(f: &Fleet, i: u64) -> CampaignRun {
    simulate_campaign(f, 0, f.seed, i, &AtomicBool::new(false)).expect("not stopped")
}

/// The canaries' time on the new version before the second wave starts,
/// by hand: each serves it from the DNS record's change, 3,990 s after
/// Tuesday's opening (`fleet.rs`); the wave ends with their procedure on
/// Thursday (177,490 s after Tuesday's opening), the 2-day bake runs to
/// Saturday, and the next opening is Tuesday of week 1.
const SERVES: i64 = 3_990;
const NEXT_WAVE: i64 = 7 * D;

/// E = 2 × (Tuesday of week 1 − the canaries' first instant on the new
/// version), seconds.
fn exposure_by_hand() -> f64 {
    2.0 * (tuesday(1) - (tuesday(0) + SERVES)) as f64
}

/// Runs `n` campaigns; the share found before the second wave started.
/// Checks along the way, in every run, that a stop by the found defect
/// kept every later site off the new version.
fn found_before_next_wave(f: &Fleet, n: u64) -> f64 {
    let mut found = 0;
    for i in 0..n {
        let r = campaign(f, i);
        let m = &r.metrics;
        if m.stop_cause.is_none() {
            continue;
        }
        let at = m.stop_ms.unwrap() as i64;
        // Every site that started after the defect was known never ran it.
        for s in r.all_runs() {
            if s.work_start.is_some_and(|w| w > at) {
                assert!(
                    s.serving_new.is_none() || !s.defective,
                    "run {i}: site {} ran it",
                    s.site
                );
            }
        }
        if at < tuesday(1) * S {
            found += 1;
            // Found before the second wave: it never started, and only the
            // canaries ran the defective version.
            assert!(r.sites[2..].iter().all(|s| s.state == SiteState::NotStarted), "run {i}");
            assert_eq!(m.defect_sites, 2, "run {i}");
            assert_eq!(m.outcome, Outcome::Stopped, "run {i}");
            assert_eq!(m.stopped_at_wave, 1, "run {i}");
        }
    }
    found as f64 / n as f64
}

/// Within 3 standard errors of `p` over `n` runs.
fn close(got: f64, p: f64, n: u64, what: &str) {
    let se = (p * (1.0 - p) / n as f64).sqrt();
    assert!(
        (got - p).abs() <= 3.0 * se,
        "{what}: {got:.4} against {p:.4} (3 SE = {:.4})",
        3.0 * se
    );
}

#[test]
fn the_schedule_the_law_is_checked_on_is_the_one_computed_by_hand() {
    let f = canaries(0.0, "10d", "\"defect_found\"", "");
    let r = campaign(&f, 0);
    for s in &r.sites[..2] {
        assert_eq!(s.serving_new, Some((tuesday(0) + SERVES) * S));
    }
    for s in &r.sites[2..] {
        assert_eq!(s.work_start, Some(tuesday(0) * S + NEXT_WAVE * S));
    }
    assert_eq!(r.metrics.defect_sites, 0);
}

#[test]
fn canaries_find_the_version_defect_by_the_exponential_law() {
    let n = 2_000;
    let e = exposure_by_hand();
    // A defect certain, shown after 10 days on average by one site.
    let m = 10.0 * D as f64;
    let p = 1.0 - (-e / m).exp();
    let got = found_before_next_wave(&canaries(1.0, "10d", "\"defect_found\"", ""), n);
    close(got, p, n, "latent_defect = 1, 10 days");
    // A defect in 30 % of versions: the same chance times 0.3.
    let got = found_before_next_wave(&canaries(0.3, "10d", "\"defect_found\"", ""), n);
    close(got, 0.3 * p, n, "latent_defect = 0.3, 10 days");
    // A defect that takes far longer than the bake to show: rarely caught.
    let m = 200.0 * D as f64;
    let p = 1.0 - (-e / m).exp();
    assert!(p < 0.1);
    let got = found_before_next_wave(&canaries(1.0, "200d", "\"defect_found\"", ""), n);
    close(got, p, n, "latent_defect = 1, 200 days");
}

#[test]
fn every_site_that_runs_the_version_carries_its_defect_or_none_does() {
    let n = 2_000;
    let f = canaries(0.4, "10d", "", "");
    let mut with = 0;
    for i in 0..n {
        let r = campaign(&f, i);
        let ran = r.all_runs().filter(|s| s.serving_new.is_some()).count() as u64;
        let d = r.metrics.defect_sites;
        assert!(
            d == 0 || d == ran,
            "run {i}: {d} of the {ran} sites that ran the new version"
        );
        assert_eq!(ran, 4, "run {i}: nothing stops the campaign");
        if d > 0 {
            with += 1;
            // Each site shows it on its own and falls back: none is done,
            // and nothing stops the others.
            assert_eq!(r.metrics.sites_recovered, 4, "run {i}");
            assert_eq!(r.metrics.outcome, Outcome::Unfinished, "run {i}");
        } else {
            assert_eq!(r.metrics.outcome, Outcome::Done, "run {i}");
        }
    }
    close(with as f64 / n as f64, 0.4, n, "share of runs with the defect");
}

#[test]
fn a_fix_resumes_the_campaign_with_the_sites_that_ran_the_defect_first() {
    // The canaries find it in most runs before the second wave; the fixed
    // version comes 14 days after it was found.
    let f = canaries(1.0, "1d", "\"defect_found\"", "fix = \"14d\"");
    let mut resumed = 0;
    for i in 0..40 {
        let r = campaign(&f, i);
        let m = &r.metrics;
        let stop = r.stops.first().expect("a certain defect is found");
        let resume = stop.at + 14 * D * S;
        assert_eq!(r.resumed_at, Some(resume), "run {i}");
        assert_eq!(m.outcome, Outcome::Done, "run {i}: {m:?}");
        assert_eq!(m.stop_cause, Some(cutover::fleet::StopOn::DefectFound), "run {i}");
        // Every site ends on the fixed version; those that ran the defect
        // ran twice, the second time after the fix, from a seed of its own.
        assert!(r.sites.iter().all(|s| s.state == SiteState::Done), "run {i}");
        assert_eq!(r.earlier.len() as u64, m.defect_sites, "run {i}");
        for e in &r.earlier {
            assert_eq!(e.state, SiteState::Recovered, "run {i}");
            let again = &r.sites[e.site];
            assert_eq!(again.attempt, 2);
            assert_ne!(again.seed, e.seed);
            assert!(again.work_start.unwrap() >= resume, "run {i}");
            assert!(!again.defective, "run {i}: the fixed version has no defect");
        }
        // The sites run again came before the second wave's first site
        // (when that wave had not started yet).
        if stop.at < tuesday(1) * S {
            resumed += 1;
            let first_again = r
                .earlier
                .iter()
                .map(|e| r.sites[e.site].work_start.unwrap())
                .min()
                .unwrap();
            let main = r.sites[2..].iter().map(|s| s.work_start.unwrap()).min().unwrap();
            assert!(first_again <= main, "run {i}");
            assert_eq!(m.defect_sites, 2, "run {i}");
        }
        assert!(m.campaign_ms as i64 > resume, "run {i}");
    }
    assert!(resumed > 30, "found before the second wave in {resumed} of 40");
}

#[test]
fn without_the_stop_rule_the_fix_changes_nothing() {
    // `fix` only matters when a plan stops on defect_found.
    let a = canaries(1.0, "1d", "", "fix = \"14d\"");
    let b = canaries(1.0, "1d", "", "");
    for i in 0..5 {
        assert_eq!(campaign(&a, i), campaign(&b, i));
    }
}
