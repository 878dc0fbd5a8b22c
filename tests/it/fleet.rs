//! Fleets: campaigns computed by hand, the stop rule, and a site of a
//! fleet equal to the same site run alone.

use std::sync::atomic::AtomicBool;

use cutover::fleet::campaign::{SiteState, simulate_campaign};
use cutover::fleet::{Fleet, site_seed};
use cutover::scenario::Scenario;
use cutover::sim::{RunOptions, simulate};

use crate::runbooks::PAIR;

const S: i64 = 1000;
const H: i64 = 3600;
const D: i64 = 86_400;

/// The hand-computed pair of `runbooks.rs`, its windows moved to Tuesday
/// and Thursday 22:00 UTC for 4 h.
pub fn pair() -> String {
    PAIR.replace(
        "  { weekday = \"mon\", hour = 10, length = \"8h\" },\n  { weekday = \"wed\", hour = 10, length = \"8h\" },",
        "  { weekday = \"tue\", hour = 22, length = \"4h\" },\n  { weekday = \"thu\", hour = 22, length = \"4h\" },",
    )
}

/// The fleet `text`, whose `pair.toml` is `site` (no other file exists).
pub fn fleet(text: &str, site: &str) -> Fleet {
    let site = site.to_string();
    Fleet::parse(text, "fleet.toml", "fleet", &move |path| {
        if path == "pair.toml" {
            Ok(site.clone())
        } else {
            Err(format!("{path}: no such file"))
        }
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

fn nine(cap: usize, extra_site: &str, stop_on: &str) -> String {
    format!(
        r#"
name = "nine"
seed = 5
[fleet]
start = "2025-03-03T00:00"   # a Monday, UTC
sites = [
  {{ name = "first", scenario = "pair.toml", count = 1, strategy = "failover-async-dns"{extra_site} }},
  {{ name = "pair", scenario = "pair.toml", count = 8, strategy = "failover-async-dns" }},
]
[campaign]
waves = [1, 2, 6]
max_sites_per_window = {cap}
bake = "7d"
stop_on = [{stop_on}]
deadline = "2025-04-30"
"#
    )
}

fn run(f: &Fleet) -> cutover::fleet::campaign::CampaignRun {
    simulate_campaign(f, 0, f.seed, 0, &AtomicBool::new(false)).expect("not stopped")
}

// One site's procedure, from the runbooks test (`async_common`), seconds
// after its first window opens: break at 390 (exposed from then), the
// interim, the second window two days later (172,800), re-established at
// 176,400 (exposure ends), the full sync done at 177,490 (the end).
const BREAK: i64 = 390;
const ESTABLISHED: i64 = 176_400;
const PROCEDURE: i64 = 177_490;

// Campaign time of the Tuesday 22:00 windows: the start is Monday 00:00.
fn tuesday(week: i64) -> i64 {
    46 * H + week * 7 * D
}

#[test]
fn nine_pairs_in_three_waves_by_hand() {
    let f = fleet(&nine(2, "", "\"aborted\""), &pair());
    let r = run(&f);
    // Wave 1, site 1: Tuesday of week 0, both halves (Tue, Thu).
    let end1 = tuesday(0) + PROCEDURE; // 343,090: Thursday 23:18:10
    // Bake 7 days: wave 2 may start Thursday 13 March 23:18:10, inside
    // that night's window; procedures start at openings, so at Tuesday of
    // week 2. Both sites fit (cap 2) in Tuesday and in Thursday.
    let wave2 = end1 + 7 * D;
    assert!(wave2 > tuesday(1) + 2 * D && wave2 < tuesday(2));
    let end2 = tuesday(2) + PROCEDURE;
    // Bake: Thursday 27 March 23:18:10, so Tuesday of week 4 (1 April).
    let wave3 = end2 + 7 * D;
    assert!(wave3 > tuesday(3) + 2 * D && wave3 < tuesday(4));
    // Wave 3, six sites, two per window and each site in two windows:
    // sites 4-5 Tue/Thu of week 4; 6-7 find Tuesday and Thursday of week 4
    // full, so week 5; 8-9 week 6.
    let starts: Vec<i64> = r.sites.iter().map(|s| s.work_start.unwrap() / S).collect();
    let firsts = [0, 2, 2, 4, 4, 5, 5, 6, 6].map(tuesday);
    // Each site's first work is its backup's start, at the opening.
    assert_eq!(starts, firsts.to_vec());
    let campaign = tuesday(6) + PROCEDURE; // 3,971,890 s
    assert_eq!(campaign, 3_971_890);
    assert_eq!(r.metrics.campaign_ms, campaign as u64 * 1000);
    // Without failover: from each break to re-established; the sites of
    // one week overlap two by two, weeks do not.
    assert_eq!(r.metrics.peak_sites_without_failover, 2);
    assert_eq!(r.metrics.site_exposure_ms, 9 * (ESTABLISHED - BREAK) as u64 * 1000);
    assert_eq!(r.metrics.sites_done, 9);
    assert_eq!(r.metrics.stopped_at_wave, 0);
    // 45.97 days: done by 30 April 24:00 (58 days after the start).
    assert_eq!(r.metrics.done_by_deadline, Some(true));
    // Nights: weeks 0, 2, 4, 5 and 6, Tuesday and Thursday.
    assert_eq!(r.metrics.nights_used, 10);
    assert_eq!(
        r.waves,
        vec![
            Some((0, end1 * S)),
            Some((wave2 * S, end2 * S)),
            Some((wave3 * S, campaign * S))
        ]
    );
}

#[test]
fn a_higher_cap_packs_the_last_wave_into_fewer_weeks() {
    let f = fleet(&nine(4, "", "\"aborted\""), &pair());
    let r = run(&f);
    // Cap 4: sites 4-7 in week 4; 8-9 find week 4's Tuesday and Thursday
    // full (4 each), so week 5. Four sites are exposed at once in week 4.
    let campaign = tuesday(5) + PROCEDURE;
    assert_eq!(r.metrics.campaign_ms, campaign as u64 * 1000);
    assert_eq!(r.metrics.peak_sites_without_failover, 4);
}

#[test]
fn a_failed_first_wave_stops_the_campaign() {
    // Only the wave-1 site fails: the override is on its entry.
    let text = nine(2, ", set = { \"faults.upgrade_failure\" = 1.0 }", "\"aborted\"");
    let f = fleet(&text, &pair());
    let r = run(&f);
    assert_eq!(r.sites[0].state, SiteState::Aborted);
    assert_eq!(r.metrics.sites_done, 0);
    assert_eq!(r.metrics.sites_aborted, 1);
    assert_eq!(r.metrics.sites_not_started, 8);
    assert_eq!(r.metrics.stopped_at_wave, 1);
    assert_eq!(r.metrics.done_by_deadline, Some(false));
    assert!(r.waves[1].is_none() && r.waves[2].is_none(), "later waves never start");
    assert!(
        r.sites[1..]
            .iter()
            .all(|s| s.state == SiteState::NotStarted && s.metrics.is_none())
    );
    // Without the stop rule the other eight go on.
    let f = fleet(&nine(2, ", set = { \"faults.upgrade_failure\" = 1.0 }", ""), &pair());
    let r = run(&f);
    assert_eq!(
        (r.metrics.sites_done, r.metrics.sites_aborted, r.metrics.stopped_at_wave),
        (8, 1, 0)
    );
}

#[test]
fn a_site_of_a_fleet_is_the_same_site_run_alone() {
    // The shipped default pair (random durations, a real workload), three
    // sites sharing windows, no shared operator.
    let default =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/failover-pair.toml")).unwrap();
    let text = r#"
seed = 11
[fleet]
start = "2025-03-03T00:00"
time_zone = "Europe/Paris"
sites = [{ scenario = "pair.toml", count = 3, strategy = "failover-sync" }]
[campaign]
waves = [1, 2]
max_sites_per_window = 1
bake = "2d"
"#;
    let f = fleet(text, &default);
    for replication in [0, 3] {
        let r = simulate_campaign(&f, 0, f.seed, replication, &AtomicBool::new(false)).unwrap();
        for s in &r.sites {
            assert_eq!(s.seed, site_seed(f.seed, replication, s.site));
            // The single-site run: the same file with the run's start as
            // calendar.start (in the fleet's zone), the site's seed, as
            // replication 0.
            let start = s.run_start.expect("started");
            let alone = default
                .replace(
                    "start_weekday = \"mon\"",
                    &format!("start = \"{start}\"\ntime_zone = \"Europe/Paris\""),
                )
                .replace("start_hour = 0", "");
            let sc = Scenario::parse(&alone, "alone.toml", "alone").unwrap();
            let m = simulate(
                &sc,
                sc.runbook("failover-sync").unwrap(),
                s.seed,
                0,
                RunOptions::default(),
            )
            .metrics;
            assert_eq!(
                s.metrics.as_ref().unwrap().values(),
                m.values(),
                "site {} of replication {replication}",
                s.site
            );
        }
    }
}

fn ok(o: &std::process::Output) {
    assert!(
        o.status.success(),
        "exit {:?}\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A small fleet on disk: the shipped pair and single, two plans.
pub fn small_fleet(dir: &std::path::Path) {
    let root = env!("CARGO_MANIFEST_DIR");
    for f in ["failover-pair.toml", "single.toml"] {
        std::fs::copy(format!("{root}/scenarios/{f}"), dir.join(f)).unwrap();
    }
    std::fs::write(
        dir.join("fleet.toml"),
        r#"
seed = 3
[fleet]
start = "2025-03-03T00:00"
sites = [
  { scenario = "failover-pair.toml", count = 3, strategy = "failover-async-dns", labels = { ring = "canary" } },
  { scenario = "single.toml", count = 2, time_zone = "America/New_York" },
]
[campaign]
waves = ["ring=canary", "*"]
max_sites_per_window = 2
bake = "2d"
deadline = "2025-04-15"
[[plans]]
name = "slow"
[[plans]]
name = "fast"
max_sites_per_window = 5
bake = "0s"
"#,
    )
    .unwrap();
}

#[test]
fn fleet_outputs_do_not_depend_on_threads_or_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    small_fleet(t);
    let common = ["compare", "fleet.toml", "--runs", "12", "--quiet"];
    for (out, threads) in [("t1", "1"), ("t2", "2")] {
        let mut args = common.to_vec();
        args.extend(["--threads", threads, "--out", out]);
        ok(&crate::cutover(t, &args));
    }
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let out = format!("s{k}");
        let mut args = common.to_vec();
        args.extend(["--threads", "2", "--shard", &shard, "--out", &out]);
        ok(&crate::cutover(t, &args));
    }
    ok(&crate::cutover(t, &["merge", "s2", "s3", "s1", "--out", "merged"]));
    let mut files = vec![
        "runs.csv".to_string(),
        "sites.csv".into(),
        "summary.csv".into(),
        "diff.csv".into(),
        "report.html".into(),
        "report.md".into(),
    ];
    for e in std::fs::read_dir(t.join("t1/charts")).into_iter().flatten() {
        files.push(format!("charts/{}", e.unwrap().file_name().to_string_lossy()));
    }
    for f in &files {
        let reference = std::fs::read(t.join("t1").join(f)).unwrap();
        for other in ["t2", "merged"] {
            assert!(
                std::fs::read(t.join(other).join(f)).unwrap() == reference,
                "{f}: {other} differs from the one-thread run"
            );
        }
    }
    // 12 replications × 2 plans; 5 sites each.
    let runs = std::fs::read_to_string(t.join("merged/runs.csv")).unwrap();
    assert_eq!(runs.lines().count(), 1 + 24);
    let sites = std::fs::read_to_string(t.join("merged/sites.csv")).unwrap();
    assert_eq!(sites.lines().count(), 1 + 24 * 5);
    // A shard of a site study does not merge with fleet shards.
    let o = crate::cutover(t, &["merge", "s1", "t1", "--out", "m2"]);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn bad_fleets_are_refused_with_the_field_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    small_fleet(t);
    let good = std::fs::read_to_string(t.join("fleet.toml")).unwrap();
    for (from, to, field) in [
        ("waves = [\"ring=canary\", \"*\"]", "waves = [1, 2]", "campaign.waves"),
        (
            "waves = [\"ring=canary\", \"*\"]",
            "waves = [\"ring=none\", \"*\"]",
            "campaign.waves[0]",
        ),
        ("count = 3,", "count = 0,", "fleet.sites[0].count"),
        ("\"single.toml\"", "\"missing.toml\"", "fleet.sites[1].scenario"),
        ("bake = \"2d\"", "bake = \"2 fortnights\"", "campaign.bake"),
        (
            "max_sites_per_window = 2",
            "max_sites_per_window = 0",
            "campaign.max_sites_per_window",
        ),
        (
            "deadline = \"2025-04-15\"",
            "deadline = \"2025-02-01\"",
            "campaign.deadline",
        ),
        (
            "strategy = \"failover-async-dns\"",
            "strategy = \"big-bang\"",
            "fleet.sites[0].strategy",
        ),
        ("name = \"fast\"", "name = \"slow\"", "plans[1].name"),
    ] {
        assert!(good.contains(from), "{from}");
        std::fs::write(t.join("bad.toml"), good.replace(from, to)).unwrap();
        let before: Vec<_> = std::fs::read_dir(t).unwrap().map(|e| e.unwrap().file_name()).collect();
        let o = crate::cutover(t, &["compare", "bad.toml", "--runs", "2", "--quiet"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{to}: {err}");
        assert!(err.contains("bad.toml:") && err.contains(field), "{to}: {err}");
        let after: Vec<_> = std::fs::read_dir(t).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(before, after, "{to}: nothing written");
    }
}

#[test]
fn a_defect_found_during_the_bake_stops_the_campaign() {
    // The wave-1 site's new version has a defect that shows 10 days after
    // it first serves: long after the interim (both appliances upgraded by
    // then). The campaign stops when it is found.
    let defect = ", set = { \"faults.latent_defect\" = 1.0, \"faults.defect_detect\" = \"10d\" }";
    let f = fleet(&nine(2, defect, "\"defect_escaped\""), &pair());
    let r = run(&f);
    assert_eq!(r.metrics.defects_escaped, 1);
    let found = r.sites[0].triggers[0].0;
    // B serves from the DNS record's change, 3,990 s after Tuesday's
    // opening (the switch step then waits one TTL); 10 days on:
    // 1,033,590 s, the Monday of week 1.
    assert_eq!(found, (tuesday(0) + 3_990 + 10 * D) * S);
    // With the 7-day bake, wave 2 would start at the first opening after
    // site 1's end (343,090 s) + 7 days: Tuesday of week 2, after the
    // defect is found. Nothing more starts.
    assert!(found < tuesday(2) * S);
    assert_eq!(r.metrics.stopped_at_wave, 1);
    // The site restored to the old version is not done (it was counted
    // done before: a fleet "finished" with its canary rolled back).
    assert_eq!(r.sites[0].state, SiteState::Recovered);
    assert_eq!(
        (
            r.metrics.sites_done,
            r.metrics.sites_recovered,
            r.metrics.sites_not_started
        ),
        (0, 1, 8)
    );
    assert_eq!(r.metrics.outcome, cutover::fleet::table::Outcome::Stopped);
    assert!(r.waves[1].is_none() && r.waves[2].is_none());
    // Without the bake, wave 2 starts on Tuesday of week 1, before the
    // defect shows: its two sites go on (a site under way finishes); wave
    // 3 would start on Tuesday of week 2, after it: it never starts.
    let no_bake = nine(2, defect, "\"defect_escaped\"").replace("bake = \"7d\"", "bake = \"0s\"");
    let r = run(&fleet(&no_bake, &pair()));
    assert!(tuesday(1) * S < found);
    assert_eq!(r.metrics.stopped_at_wave, 1);
    assert_eq!(
        (
            r.metrics.sites_done,
            r.metrics.sites_recovered,
            r.metrics.sites_not_started
        ),
        (2, 1, 6)
    );
    assert!(r.waves[1].is_some() && r.waves[2].is_none());
}

#[test]
fn shared_operators_work_one_site_each_at_a_time() {
    let with_ops = |count: usize| {
        format!(
            r#"
[fleet]
start = "2025-03-03T00:00"
sites = [{{ scenario = "pair.toml", count = 4, strategy = "failover-async-dns" }}]
[campaign]
max_sites_per_window = 10
[operators]
count = {count}
"#
        )
    };
    // One operator: site 1 takes Tuesday and Thursday of week 0; site 2
    // finds the operator busy at both openings of week 0 (site 1's work
    // starts there), so it takes week 1; and so on: one site a week.
    let r = run(&fleet(&with_ops(1), &pair()));
    let starts: Vec<i64> = r.sites.iter().map(|s| s.work_start.unwrap() / S).collect();
    assert_eq!(starts, [0, 1, 2, 3].map(tuesday).to_vec());
    assert_eq!(r.metrics.campaign_ms, (tuesday(3) + PROCEDURE) as u64 * 1000);
    assert_eq!(r.metrics.peak_sites_without_failover, 1);
    // No two sites' work overlaps.
    let mut spans: Vec<(i64, i64)> = r.sites.iter().flat_map(|s| s.work.clone()).collect();
    spans.sort();
    assert!(spans.windows(2).all(|w| w[0].1 <= w[1].0), "{spans:?}");
    // Each site's run had one operator (count = 1) and the campaign's
    // operator hours are the sites' own, added up.
    let sum: f64 = r.sites.iter().map(|s| s.metrics.as_ref().unwrap().operator_hours).sum();
    assert!((r.metrics.operator_hours - sum).abs() < 1e-9);
    // Two operators: two sites a week.
    let r = run(&fleet(&with_ops(2), &pair()));
    let starts: Vec<i64> = r.sites.iter().map(|s| s.work_start.unwrap() / S).collect();
    assert_eq!(starts, [0, 0, 1, 1].map(tuesday).to_vec());
    assert_eq!(r.metrics.peak_sites_without_failover, 2);
    // Nights used: Tuesday and Thursday of weeks 0 and 1.
    assert_eq!(r.metrics.nights_used, 4);
}

/// The placement rules hold in random campaigns of the shipped pair and
/// single (random durations, sessions, two zones), placed earliest-first
/// or in the listed order: every site accounted for, the cap in every
/// window, the operators, the order within a wave (listed), the bake
/// between waves.
#[test]
fn random_campaigns_keep_the_placement_rules() {
    use rand::{RngExt, SeedableRng};
    let root = env!("CARGO_MANIFEST_DIR");
    let files: Vec<(String, String)> = ["failover-pair.toml", "single.toml"]
        .iter()
        .map(|f| {
            (
                f.to_string(),
                std::fs::read_to_string(format!("{root}/scenarios/{f}")).unwrap(),
            )
        })
        .collect();
    let read = move |p: &str| {
        files
            .iter()
            .find(|(n, _)| n == p)
            .map(|(_, t)| t.clone())
            .ok_or_else(|| format!("{p}: no such file"))
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2026);
    for case in 0..12 {
        let pairs = rng.random_range(1..8usize);
        let singles = rng.random_range(1..5usize);
        let cap = rng.random_range(1..5usize);
        let ops = rng.random_range(1..4usize);
        let bake_h = rng.random_range(0..100u32);
        let strategy = [
            "failover-sync",
            "failover-async-dns",
            "failover-async-nat",
            "failover-sync-one-window",
        ][rng.random_range(0..4usize)];
        let zone = ["UTC", "Europe/Paris", "America/New_York"][rng.random_range(0..3usize)];
        let placement = ["earliest", "listed"][case as usize % 2];
        let text = format!(
            r#"
[fleet]
start = "2025-03-05T13:00"
sites = [
  {{ name = "p", scenario = "failover-pair.toml", count = {pairs}, strategy = "{strategy}", time_zone = "{zone}" }},
  {{ name = "s", scenario = "single.toml", count = {singles}, time_zone = "{zone}" }},
]
[campaign]
waves = [0.3, 0.7]
max_sites_per_window = {cap}
bake = "{bake_h}h"
placement = "{placement}"
[operators]
count = {ops}
"#
        );
        let f = Fleet::parse(&text, "fleet.toml", "fleet", &read).unwrap_or_else(|e| panic!("{e}"));
        let r = simulate_campaign(&f, 0, case, case, &AtomicBool::new(false)).unwrap();
        let n = pairs + singles;
        let m = &r.metrics;
        let what = format!(
            "case {case}: {pairs} pairs ({strategy}), {singles} singles, cap {cap}, {ops} operators, {placement}"
        );
        assert_eq!(
            (m.sites_done + m.sites_aborted + m.sites_recovered + m.sites_not_started) as usize,
            n,
            "{what}"
        );
        assert_eq!(m.sites_not_started, 0, "{what}");
        // The cap: in every window a site works in, at most `cap` sites.
        for s in &r.sites {
            for &(a, b) in &s.nights {
                let sharing = r
                    .sites
                    .iter()
                    .filter(|o| o.nights.iter().any(|&(c, d)| c < b && a < d))
                    .count();
                assert!(sharing <= cap, "{what}: {sharing} sites in one window");
            }
        }
        // The operators: at most `ops` sites worked at one instant.
        let work = r.sites.iter().flat_map(|s| s.work.iter().copied());
        let peak = cutover::fleet::campaign::peak_overlap(work);
        assert!(peak as usize <= ops, "{what}: {peak} sites worked at once");
        // Within a wave, in the order listed; a wave after the one before
        // it, plus the bake.
        for (w, members) in f.plans[0].waves.iter().enumerate() {
            let starts: Vec<i64> = members.iter().map(|&k| r.sites[k].work_start.unwrap()).collect();
            if placement == "listed" {
                assert!(starts.windows(2).all(|p| p[0] <= p[1]), "{what}: wave {w} out of order");
            }
            if w > 0 {
                let (_, prev_end) = r.waves[w - 1].unwrap();
                let first = starts.iter().min().unwrap();
                assert!(
                    *first >= prev_end + bake_h as i64 * 3_600_000,
                    "{what}: wave {w} before the bake ended"
                );
            }
        }
        // The sums are the sites' own.
        let exposure: u64 = r.sites.iter().map(|s| s.metrics.as_ref().unwrap().exposure_ms).sum();
        assert_eq!(m.site_exposure_ms, exposure, "{what}");
        let spans: u64 = r
            .sites
            .iter()
            .flat_map(|s| s.exposure.iter())
            .map(|(a, b)| (b - a) as u64)
            .sum();
        assert_eq!(
            spans, exposure,
            "{what}: the exposure spans add up to the sites' exposure"
        );
    }
}

/// Every shipped kind of site in one fleet (pods, whose service picks
/// their slot, Atlas clusters, a custom runbook, singles), two operators,
/// two sites per window: all done, the cap kept (a pod's cutover counts),
/// never more than two sites worked at once.
#[test]
fn every_kind_of_site_in_one_campaign() {
    let root = env!("CARGO_MANIFEST_DIR");
    let read = |p: &str| std::fs::read_to_string(format!("{root}/scenarios/{p}")).map_err(|e| e.to_string());
    let text = r#"
[fleet]
start = "2025-03-03T00:00"
sites = [
  { scenario = "horizon-pod.toml", count = 3 },
  { scenario = "atlas-3-regions.toml", count = 2 },
  { scenario = "atlas-standalone.toml", count = 2 },
  { scenario = "custom-runbook.toml", count = 2 },
  { scenario = "single.toml", count = 2, time_zone = "Asia/Tokyo" },
]
[campaign]
waves = [0.5, 0.5]
max_sites_per_window = 2
bake = "1d"
[operators]
count = 2
"#;
    let f = Fleet::parse(text, "fleet.toml", "fleet", &read).unwrap_or_else(|e| panic!("{e}"));
    for i in 0..3 {
        let r = simulate_campaign(&f, 0, 9, i, &AtomicBool::new(false)).unwrap();
        // The custom runbook's sites carry a latent defect of their own one
        // time in five: those fell back and run the old version, not done.
        assert_eq!(r.metrics.sites_done + r.metrics.sites_recovered, 11, "replication {i}");
        for s in &r.sites {
            let fell_back = s.metrics.as_ref().is_some_and(|m| m.fallbacks + m.defect_escaped > 0);
            assert_eq!(
                s.state == SiteState::Recovered,
                fell_back,
                "replication {i}, site {}",
                s.site
            );
        }
        for s in &r.sites {
            assert!(s.tries < 20, "site {} took {} runs to place", s.site, s.tries);
            for &(a, b) in &s.nights {
                let sharing = r
                    .sites
                    .iter()
                    .filter(|o| o.nights.iter().any(|&(c, d)| c < b && a < d))
                    .count();
                assert!(sharing <= 2, "replication {i}: {sharing} sites in one window");
            }
        }
        let peak = cutover::fleet::campaign::peak_overlap(r.sites.iter().flat_map(|s| s.work.iter().copied()));
        assert!(peak <= 2, "replication {i}: {peak} sites worked at once");
        // The three pods' cutovers: the third is not in the others' slot.
        let pods: Vec<&Vec<(i64, i64)>> = r.sites[..3].iter().map(|s| &s.nights).collect();
        assert!(pods.iter().all(|n| !n.is_empty()));
    }
}

#[test]
fn start_days_keep_a_two_window_upgrade_off_the_weekend() {
    // The campaign starts on a Wednesday: the first opening is Thursday's.
    // Started then, the pair's second half waits for Tuesday: exposed from
    // Thursday to Tuesday. With start_days = ["tue"] it waits for Tuesday
    // and is exposed from Tuesday to Thursday only.
    let text = |days: &str| {
        format!(
            r#"
[fleet]
start = "2025-03-05T00:00"
sites = [{{ scenario = "pair.toml", strategy = "failover-async-dns" }}]
[campaign]
{days}
"#
        )
    };
    let thursday = 22 * H + D; // Thursday 22:00, from Wednesday 00:00
    let any = run(&fleet(&text(""), &pair()));
    assert_eq!(any.sites[0].work_start, Some(thursday * S));
    // Thursday's half, the interim to Friday night, the next window on
    // Tuesday (5 days after Thursday): re-established 3,600 s into it.
    assert_eq!(any.metrics.site_exposure_ms, (5 * D + 3_600 - BREAK) as u64 * 1000);
    let tue = run(&fleet(&text("start_days = [\"tue\"]"), &pair()));
    assert_eq!(tue.sites[0].work_start, Some((thursday + 5 * D) * S));
    assert_eq!(tue.metrics.site_exposure_ms, (ESTABLISHED - BREAK) as u64 * 1000);
    // A day that is not one is refused, naming the field.
    let bad = Fleet::parse(&text("start_days = [\"tuesday\"]"), "fleet.toml", "fleet", &|_| {
        Ok(pair())
    });
    let err = bad.unwrap_err().to_string();
    assert!(err.contains("fleet.toml:6: campaign.start_days[0]"), "{err}");
}

#[test]
fn site_only_commands_say_what_to_do_with_a_fleet() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    small_fleet(t);
    for (args, says) in [
        (
            vec!["run", "fleet.toml", "--strategy", "single"],
            "--strategy is for a site scenario",
        ),
        (
            vec!["run", "fleet.toml", "--trace-sessions"],
            "--trace-sessions is for a site scenario",
        ),
        (
            vec!["strategies", "fleet.toml"],
            "cutover validate` lists its sites and plans",
        ),
        (
            vec!["sweep", "fleet.toml", "--set", "site.data_gb=1,2"],
            "compare a fleet's variants as [[plans]]",
        ),
        (
            vec!["compare", "fleet.toml", "--strategies", "single"],
            "--strategies is for site studies",
        ),
    ] {
        let o = crate::cutover(t, &args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    // `run` of a fleet is one replication of every plan, with its report.
    ok(&crate::cutover(t, &["run", "fleet.toml", "--quiet", "--out", "one"]));
    let runs = std::fs::read_to_string(t.join("one/runs.csv")).unwrap();
    assert_eq!(runs.lines().count(), 1 + 2);
    assert!(t.join("one/report.html").is_file() && t.join("one/charts/gantt-slow.svg").is_file());
    // Without charts, the Markdown links to no chart file (the page holds
    // its charts inline all the same).
    ok(&crate::cutover(
        t,
        &["run", "fleet.toml", "--quiet", "--no-charts", "--out", "bare"],
    ));
    let md = std::fs::read_to_string(t.join("bare/report.md")).unwrap();
    assert!(
        !md.contains("charts/") && md.contains("not written: `--no-charts`"),
        "{md}"
    );
    assert!(!t.join("bare/charts").exists());
    let html = std::fs::read_to_string(t.join("bare/report.html")).unwrap();
    assert_eq!(html.matches("<figure>\n<svg").count(), 5);
    // `validate` names the sites and plans.
    let o = crate::cutover(t, &["validate", "fleet.toml"]);
    ok(&o);
    assert!(String::from_utf8_lossy(&o.stdout).contains("valid fleet (5 sites in 2 groups; plans: slow, fast)"));
}

#[test]
fn ctrl_c_stops_a_fleet_study_and_leaves_no_folder() {
    use std::process::{Command, Stdio};
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    small_fleet(t);
    // 5,000 pairs: each replication takes seconds; the stop comes within
    // one site's run.
    let text = std::fs::read_to_string(t.join("fleet.toml"))
        .unwrap()
        .replace("count = 3,", "count = 5000,")
        .replace("max_sites_per_window = 2", "max_sites_per_window = 500");
    std::fs::write(t.join("big.toml"), text).unwrap();
    for threads in ["1", "2"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cutover"))
            .args([
                "compare",
                "big.toml",
                "--runs",
                "50",
                "--threads",
                threads,
                "--quiet",
                "--out",
                "o",
            ])
            .current_dir(t)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1000));
        let pid = child.id().to_string();
        assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
        let sent = std::time::Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break Some(s);
            }
            if sent.elapsed() > std::time::Duration::from_secs(30) {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        assert_eq!(status.and_then(|s| s.code()), Some(130), "--threads {threads}");
        assert!(
            !t.join("o").join("runs.csv").exists(),
            "--threads {threads}: a half study was left"
        );
    }
}

/// The stop rule against probability: five single appliances whose
/// upgrade fails half the time (no retry: a failure is rolled back and the
/// procedure aborted), waves of 2 and 3 in the same windows, stop on an
/// abort. A wave-1 abort stops the campaign with probability
/// 1 − 0.5² = 0.75; a wave-2 one (all three start at the same opening)
/// with 0.25 × (1 − 0.5³) = 0.21875; none with 0.5⁵ = 0.03125.
#[test]
fn the_stop_rule_matches_the_probabilities_of_failure() {
    let root = env!("CARGO_MANIFEST_DIR");
    let single = std::fs::read_to_string(format!("{root}/scenarios/single.toml")).unwrap();
    let text = r#"
[fleet]
start = "2025-03-03T00:00"
sites = [{ scenario = "pair.toml", count = 5, set = { "faults.upgrade_failure" = 0.5, "faults.upgrade_retries" = 0 } }]
[campaign]
waves = [2, 3]
stop_on = ["aborted"]
"#;
    let f = fleet(text, &single);
    let n = 400;
    let mut at = [0u32; 3];
    let mut done_all = 0;
    for i in 0..n {
        let r = simulate_campaign(&f, 0, 17, i, &AtomicBool::new(false)).unwrap();
        at[r.metrics.stopped_at_wave as usize] += 1;
        if r.metrics.stopped_at_wave == 2 {
            // Every wave-2 site started (same opening): none is left out.
            assert_eq!(r.metrics.sites_not_started, 0);
        }
        if r.metrics.sites_done == 5 {
            done_all += 1;
        }
    }
    for (k, p) in [(1usize, 0.75), (2, 0.21875), (0, 0.03125)] {
        let share = at[k] as f64 / n as f64;
        let se = (p * (1.0 - p) / n as f64).sqrt();
        assert!(
            (share - p).abs() < 4.0 * se,
            "stopped at wave {k}: {share} against {p} (4 se = {})",
            4.0 * se
        );
    }
    assert_eq!(done_all, at[0], "a campaign that never stopped did every site");
}

/// The shipped fleet with every site's run ending `cooldown` after its
/// procedure (the shipped files end it at once).
fn shipped_with_cooldown(cooldown: &str) -> Fleet {
    let root = env!("CARGO_MANIFEST_DIR");
    let cooldown = cooldown.to_string();
    let read = move |p: &str| {
        let text = std::fs::read_to_string(format!("{root}/scenarios/{p}")).map_err(|e| e.to_string())?;
        let text = text.replace("cooldown = \"0s\"\n", "");
        Ok(text.replacen("[calendar]\n", &format!("[calendar]\ncooldown = \"{cooldown}\"\n"), 1))
    };
    let text = std::fs::read_to_string(format!("{root}/scenarios/fleet-regional.toml")).unwrap();
    Fleet::parse(&text, "fleet-regional.toml", "fleet", &read).unwrap_or_else(|e| panic!("{e}"))
}

/// Regression: technicians' console updates were counted at every console
/// login after the upgrade, so a plan whose sites' runs ended later looked
/// costlier (a 4-site fleet: 210 user-minutes with no cool-down, 779 with
/// seven days). Now each technician updates once and the rest are counted
/// at the end: the cost does not depend on when a site's run ends.
#[test]
fn user_minutes_do_not_depend_on_when_a_site_run_ends() {
    let short = shipped_with_cooldown("0s");
    let long = shipped_with_cooldown("7d");
    // Crashes during the longer runs are the one thing that may differ.
    let (mut a, mut b) = (0.0, 0.0);
    for i in 0..20 {
        a += simulate_campaign(&short, 0, short.seed, i, &AtomicBool::new(false))
            .unwrap()
            .metrics
            .user_minutes_lost;
        b += simulate_campaign(&long, 0, long.seed, i, &AtomicBool::new(false))
            .unwrap()
            .metrics
            .user_minutes_lost;
    }
    assert!(a > 0.0);
    assert!(
        (b - a).abs() < 0.1 * a,
        "{a:.0} user-minutes with no cool-down, {b:.0} with seven days"
    );
}

#[test]
fn peak_night_operator_hours_counts_operator_work_on_its_night_by_hand() {
    // Two pairs in the same windows (Tuesday and Thursday 22:00 UTC, no
    // cap, no shared operators): one upgraded asynchronously with a DNS
    // swing, one synchronously. A night runs from noon to noon (UTC here).
    let text = r#"
[fleet]
start = "2025-03-03T00:00"
sites = [
  { name = "async", scenario = "pair.toml", count = 1, strategy = "failover-async-dns" },
  { name = "sync", scenario = "pair.toml", count = 1, strategy = "failover-sync" },
]
[campaign]
max_sites_per_window = 10
"#;
    let r = run(&fleet(text, &pair()));
    let starts: Vec<i64> = r.sites.iter().map(|s| s.work_start.unwrap() / S).collect();
    assert_eq!(starts, [tuesday(0), tuesday(0)]);
    // The operators' work, seconds after Tuesday 22:00 (operator.step 60,
    // operator.backup 180, operator.verify 600; installs 2,880 s):
    // async: backup 0..240 (click and download), Sync Now click 240..300,
    //   break 330..390, upgrade B click 390..450, verify B 3,330..3,930,
    //   switch click 3,930..3,990: 240 + 60 + 60 + 60 + 600 + 60 = 1,080 s;
    //   Thursday 22:00 (+172,800): upgrade A click 0..60, verify A
    //   2,940..3,540, establish click 3,540..3,600: 720 s.
    // sync: backup 240, Sync Now click 60, break 60, upgrade A click 60,
    //   verify A 600: 1,020 s on Tuesday; upgrade B click 60, verify B 600,
    //   establish click 60: 720 s on Thursday.
    // Tuesday's night (Tue 12:00 to Wed 12:00): 1,080 + 1,020 = 2,100 s;
    // Thursday's: 720 + 720 = 1,440 s. The busiest night: 2,100 s =
    // 0.58333 h. (Shared by work time as before, installs and syncs
    // included, the sites' 0.5 h each went 4,050 : 4,690 and 3,930 : 4,690
    // to the two nights, and Thursday looked the busiest at 0.540 h.)
    let op_s = |k: usize| -> Vec<i64> { r.sites[k].operator.iter().map(|&(a, b)| (b - a) / S).collect() };
    assert_eq!(op_s(0).iter().sum::<i64>(), 1_080 + 720);
    assert_eq!(op_s(1).iter().sum::<i64>(), 1_020 + 720);
    for s in &r.sites {
        let spans_h: i64 = s.operator.iter().map(|&(a, b)| b - a).sum();
        let hours = s.metrics.as_ref().unwrap().operator_hours;
        assert!(
            (spans_h as f64 / (H * S) as f64 - hours).abs() < 1e-12,
            "the spans are the operator hours"
        );
    }
    // Back-to-back work is one span: the async site's backup and Sync Now click.
    assert_eq!(r.sites[0].operator[0], (tuesday(0) * S, (tuesday(0) + 300) * S));
    // The work spans behind the old figure: (4,050 × 0.5 / 8,740 + 3,930 ×
    // 0.5 / 8,620) h on Tuesday, (4,690 × 0.5 / 8,740 + 4,690 × 0.5 /
    // 8,620) h = 0.540 h on Thursday.
    let work_s = |k: usize| -> Vec<i64> { r.sites[k].work.iter().map(|&(a, b)| (b - a) / S).collect() };
    assert_eq!((work_s(0), work_s(1)), (vec![4_050, 4_690], vec![3_930, 4_690]));
    let peak = r.metrics.peak_night_operator_hours;
    assert!((peak - 2_100.0 / 3_600.0).abs() < 1e-12, "peak {peak}");
    assert_eq!(r.metrics.nights_used, 2);
    assert!((r.metrics.operator_hours - 3_540.0 / 3_600.0).abs() < 1e-12);
}
