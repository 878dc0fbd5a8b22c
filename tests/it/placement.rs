//! Placement (docs/model.md §7, "Placing the sites"): each site of a wave
//! goes to the earliest window its own calendar and the rules allow,
//! whatever order the file lists the sites in — by hand on a small fleet,
//! and on forty pairs in three zones listed two ways.

use std::sync::atomic::AtomicBool;

use cutover::fleet::Fleet;
use cutover::fleet::campaign::{CampaignRun, simulate_campaign};

use crate::fleet::{fleet, pair};

const S: i64 = 1000;
const H: i64 = 3600;

fn campaign(f: &Fleet, i: u64) -> CampaignRun {
    simulate_campaign(f, 0, f.seed, i, &AtomicBool::new(false)).expect("not stopped")
}

/// Two sites in UTC listed before one in Tokyo, one window a night each
/// (the hand-computed pair, `failover-sync-one-window`: 8,620 s of work
/// from the opening), at most one site per window, one operator.
fn two_zones(placement: &str) -> Fleet {
    let text = format!(
        r#"
[fleet]
start = "2025-03-03T00:00"   # a Monday, UTC
sites = [
  {{ name = "utc", scenario = "pair.toml", count = 2, strategy = "failover-sync-one-window", time_zone = "UTC" }},
  {{ name = "tokyo", scenario = "pair.toml", count = 1, strategy = "failover-sync-one-window", time_zone = "Asia/Tokyo" }},
]
[campaign]
max_sites_per_window = 1
placement = "{placement}"
[operators]
count = 1
"#
    );
    fleet(&text, &pair())
}

/// By hand. The windows open on Tuesdays and Thursdays at 22:00 local
/// time: in UTC at 46 h and 94 h after the start; in Tokyo (UTC+9) at
/// 13:00 UTC, 37 h and 85 h, and 205 h the next Tuesday. Each site works
/// 8,620 s from its opening.
///
/// Earliest: the Tokyo site can start first (37 h) and does; utc-1 then
/// takes Tuesday (46 h; Tokyo's work ended at 39.4 h); utc-2 finds
/// Tuesday's window full (cap 1) and takes Thursday (94 h). The campaign
/// ends at 94 h + 8,620 s = 347,020 s.
///
/// Listed: utc-1 at 46 h, utc-2 at 94 h (Tuesday is full); Tokyo may not
/// start before utc-2, and its first opening from 94 h on is the next
/// Tuesday's, 205 h: the campaign ends at 205 h + 8,620 s = 746,620 s.
#[test]
fn earliest_placement_by_hand() {
    let r = campaign(&two_zones("earliest"), 0);
    let starts: Vec<i64> = r.sites.iter().map(|s| s.work_start.unwrap() / S).collect();
    assert_eq!(starts, [46 * H, 94 * H, 37 * H]);
    assert_eq!(r.metrics.campaign_ms as i64, (94 * H + 8_620) * S);

    let r = campaign(&two_zones("listed"), 0);
    let starts: Vec<i64> = r.sites.iter().map(|s| s.work_start.unwrap() / S).collect();
    assert_eq!(starts, [46 * H, 94 * H, 205 * H]);
    assert_eq!(r.metrics.campaign_ms as i64, (205 * H + 8_620) * S);
}

/// Forty pairs: a canary in Berlin, then thirteen in each of Berlin,
/// Chicago and Singapore, two operators, at most two sites a window; the
/// sites listed region by region (`count = 13` each, the natural way) or
/// interleaved by hand.
fn forty(interleaved: bool, placement: &str) -> Fleet {
    let root = env!("CARGO_MANIFEST_DIR");
    let pair = std::fs::read_to_string(format!("{root}/scenarios/failover-pair.toml")).unwrap();
    let zones = [
        ("berlin", "Europe/Berlin"),
        ("chicago", "America/Chicago"),
        ("singapore", "Asia/Singapore"),
    ];
    let mut sites = String::from(
        "  { name = \"canary\", scenario = \"pair.toml\", strategy = \"failover-async-nat\", time_zone = \"Europe/Berlin\", labels = { ring = \"canary\" } },\n",
    );
    if interleaved {
        for i in 1..=13 {
            for (name, zone) in zones {
                sites.push_str(&format!(
                    "  {{ name = \"{name}-{i:02}\", scenario = \"pair.toml\", strategy = \"failover-async-nat\", time_zone = \"{zone}\" }},\n"
                ));
            }
        }
    } else {
        for (name, zone) in zones {
            sites.push_str(&format!(
                "  {{ name = \"{name}\", scenario = \"pair.toml\", count = 13, strategy = \"failover-async-nat\", time_zone = \"{zone}\" }},\n"
            ));
        }
    }
    let text = format!(
        r#"
seed = 3
[fleet]
start = "2025-03-03T00:00"
time_zone = "Europe/Berlin"
sites = [
{sites}]
[campaign]
waves = ["ring=canary", "*"]
max_sites_per_window = 2
bake = "3d"
placement = "{placement}"
[operators]
count = 2
"#
    );
    fleet(&text, &pair)
}

#[test]
fn forty_pairs_take_as_long_however_the_file_lists_them() {
    let day = 86_400_000.0;
    let by_region = forty(false, "earliest");
    let by_hand = forty(true, "earliest");
    let listed = forty(false, "listed");
    for i in 0..3 {
        let a = campaign(&by_region, i).metrics;
        let b = campaign(&by_hand, i).metrics;
        let c = campaign(&listed, i).metrics;
        assert_eq!((a.sites_done, b.sites_done, c.sites_done), (40, 40, 40), "run {i}");
        let (a, b, c) = (
            a.campaign_ms as f64 / day,
            b.campaign_ms as f64 / day,
            c.campaign_ms as f64 / day,
        );
        assert!(
            (a - b).abs() <= 1.0,
            "run {i}: {a:.1} days region by region, {b:.1} interleaved"
        );
        // In the listed order, a region's sites wait for the one before
        // them: Chicago's for Berlin's last, Singapore's for Chicago's.
        assert!(c > a + 7.0, "run {i}: listed {c:.1} days against {a:.1}");
    }
}
