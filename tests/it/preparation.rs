//! Preparation, pre-staged consoles and Jump Clients (docs/model.md,
//! "Preparation" and "Jump Clients"), read from the `events.csv` of runs
//! where they happen and checked by hand: the procedure starts at the
//! first window after the preparation, a rehearsal that catches everything
//! leaves no failed upgrade and no latent defect, a pre-staged MSI spares
//! the locked-down consoles their wait, and Jump Clients reconnect at the
//! appliance's throttle: N clients at R a minute take ⌈N/R⌉ minutes. The
//! download right before each install lands in the procedure, a lost one
//! waits for support and is done again, and support's answer on the
//! install order adds to the preparation.

use cutover::scenario::Scenario;
use cutover::sim::{RunOptions, RunOutput, simulate};

use crate::{scenario, shipped, with};

const S: u64 = 1000;
const MIN: u64 = 60 * S;
const HOUR: u64 = 60 * MIN;
const DAY: u64 = 24 * HOUR;
const WEEK: u64 = 7 * DAY;

use crate::logged::{Line, find};

fn run_logged(sc: &Scenario, strategy: &str, seed: u64) -> (RunOutput, Vec<Line>) {
    crate::logged::run(sc, strategy, seed, false)
}

#[test]
fn the_procedure_starts_at_the_first_window_after_the_preparation() {
    // The shipped single appliance: one window a week, Tuesday 22:00
    // (1 d 22 h after the calendar's Monday start). A manual path of 3 days
    // and a rehearsal of 2 days, both constant: 5 days from the warm-up's end.
    let base = shipped("single.toml");
    let prepared = with(
        &base,
        "data_gb = 200",
        "\n[preparation]\nmanual_path = \"3d\"\nrehearsal = { duration = \"2d\", catches = 0.6 }",
    );
    let plain = scenario(&base);
    let sc = scenario(&prepared);
    assert_eq!(sc.warmup, plain.warmup);
    let warmup = sc.warmup.0;
    assert!(warmup < DAY + 22 * HOUR, "the first Tuesday window follows the warm-up");
    let (_, before) = run_logged(&plain, "single", 1);
    let (out, lines) = run_logged(&sc, "single", 1);

    let start = find(&lines, "runbook", "preparation_start");
    let done = find(&lines, "runbook", "preparation_done");
    let proc = find(&lines, "runbook", "procedure_start");
    assert_eq!((start.len(), done.len(), proc.len()), (1, 1, 1), "{lines:?}");
    assert_eq!(start[0].ms, warmup);
    assert_eq!(start[0].detail, "manual path 3d, rehearsal 2d");
    assert_eq!(done[0].ms, warmup + 5 * DAY);
    // Without the preparation the procedure starts at the first Tuesday;
    // with it, the first Tuesday after warm-up + 5 days: a week later.
    let first = find(&before, "runbook", "procedure_start")[0].ms;
    assert_eq!(first, DAY + 22 * HOUR);
    assert_eq!(proc[0].ms, first + WEEK);
    assert!(done[0].ms < proc[0].ms && proc[0].ms - WEEK < done[0].ms);
    // In the file: the preparation comes before the procedure.
    let pos = |e: &str| lines.iter().position(|l| l.event == e).unwrap();
    assert!(pos("preparation_start") < pos("preparation_done"));
    assert!(pos("preparation_done") < pos("procedure_start"));
    assert_eq!(out.metrics.preparation_ms, 5 * DAY);
    assert_eq!(out.metrics.procedure_start_ms, first + WEEK);
}

#[test]
fn a_rehearsal_that_catches_everything_leaves_no_failure_and_no_defect() {
    let faulty = with(
        &shipped("single.toml"),
        "data_gb = 200",
        "\n[faults]\nupgrade_failure = 1\nupgrade_retries = 0\nlatent_defect = 1\ndefect_detect = \"1h\"",
    );
    let caught = with(
        &faulty,
        "data_gb = 200",
        "\n[preparation]\nrehearsal = { duration = \"1d\", catches = 1 }",
    );
    for seed in 1..=3 {
        let (_, lines) = run_logged(&scenario(&faulty), "single", seed);
        assert!(
            !lines.iter().all(|l| l.event != "upgrade_failed"),
            "seed {seed}: the fault is there"
        );
        let (out, lines) = run_logged(&scenario(&caught), "single", seed);
        for e in [
            "upgrade_failed",
            "defect_found",
            "defect_escaped",
            "recovery_start",
            "aborted",
        ] {
            assert!(
                lines.iter().all(|l| l.event != e),
                "seed {seed}: {e} after the rehearsal"
            );
        }
        assert_eq!(out.metrics.aborted, 0);
        assert_eq!(out.metrics.defects_found, 0);
        assert!(find(&lines, "runbook", "procedure_done").len() == 1);
    }
    // With the defect alone, not caught: it shows (a single appliance has
    // no old version to fall back to: it escapes, and A is restored).
    let defect_only = with(
        &shipped("single.toml"),
        "data_gb = 200",
        "\n[faults]\nlatent_defect = 1\ndefect_detect = \"1h\"",
    );
    let (_, lines) = run_logged(&scenario(&defect_only), "single", 1);
    assert_eq!(find(&lines, "defect", "defect_escaped").len(), 1);
    assert_eq!(find(&lines, "runbook", "recovery_start").len(), 1);
}

#[test]
fn a_rehearsal_leaves_p_times_one_minus_catches_of_the_failures() {
    // upgrade_failure 0.5, catches 0.6: a first attempt fails with
    // probability 0.2. Over 600 runs: 120 expected, sd 9.8.
    let text = with(
        &shipped("single.toml"),
        "data_gb = 200",
        "\n[faults]\nupgrade_failure = 0.5\nupgrade_retries = 0\n\n[preparation]\nrehearsal = { duration = \"1h\", catches = 0.6 }",
    );
    let sc = scenario(&with(&text, "[calendar]", "cooldown = \"0s\""));
    let runs = 600;
    let failed = (0..runs)
        .filter(|&r| {
            let rb = sc.runbook("single").unwrap();
            simulate(&sc, rb, 7, r, RunOptions::default()).metrics.aborted == 1
        })
        .count() as f64;
    let (mean, sd) = (runs as f64 * 0.2, (runs as f64 * 0.2 * 0.8).sqrt());
    assert!(
        (failed - mean).abs() < 4.0 * sd,
        "{failed} failed, {mean} ± {sd} expected"
    );
}

#[test]
fn a_prestaged_msi_spares_the_locked_consoles_their_wait() {
    // Half the consoles locked down, redeployed a day after the site first
    // serves the new version; 8 technicians, 2-minute updates.
    let base = with(
        &shipped("single.toml"),
        "[workload.console]",
        "msi_locked_share = 0.5\nredeploy = \"1d\"\ntechnicians = 8\nreconnect = { client_update = \"2m\" }",
    );
    let base = with(&base, "[calendar]", "cooldown = \"3d\"");
    let prestaged = format!("{base}\n[consoles]\nprestage_msi = true\n");
    let (locked, staged) = (scenario(&base), scenario(&prestaged));
    let mut waited = 0;
    for seed in 1..=5 {
        let (a, lines_a) = run_logged(&locked, "single", seed);
        let (b, lines_b) = run_logged(&staged, "single", seed);
        // The same run up to the consoles: the same upgrade.
        assert_eq!(
            find(&lines_a, "runbook", "procedure_done")[0].ms,
            find(&lines_b, "runbook", "procedure_done")[0].ms
        );
        let (x, y) = (a.metrics.technician_unavailable_ms, b.metrics.technician_unavailable_ms);
        assert!(y <= x, "seed {seed}: {y} > {x}");
        // Pre-staged, no first login waits past a few updates: at most
        // every technician's update.
        assert!(y <= 8 * 2 * MIN, "seed {seed}: {y}");
        if x > 8 * 2 * MIN {
            waited += 1;
        }
    }
    assert!(waited > 0, "no locked console waited for its redeployment in five runs");
}

#[test]
fn jump_clients_reconnect_at_the_throttles_pace_and_update() {
    // 1000 Jump Clients at 300 a minute, 30 s to update: ⌈1000/300⌉ = 4
    // minutes after the site is back, batches of 300, 300, 300 and 100.
    let text = format!(
        "{}\n[jump_clients]\ncount = 1000\nreconnect_per_minute = 300\nupdate = \"30s\"\n",
        with(&shipped("single.toml"), "[calendar]", "cooldown = \"1h\"")
    );
    let sc = scenario(&text);
    for seed in 1..=3 {
        let (out, lines) = run_logged(&sc, "single", seed);
        let down = find(&lines, "site", "down");
        let up = find(&lines, "site", "up");
        assert_eq!((down.len(), up.len()), (1, 1), "seed {seed}: one outage, the upgrade's");
        let (a, b) = (down[0].ms, up[0].ms);
        let start = find(&lines, "jump_clients", "reconnecting");
        let back = find(&lines, "jump_clients", "reconnected");
        assert_eq!((start.len(), back.len()), (1, 1), "seed {seed}");
        assert_eq!(start[0].ms, b);
        assert_eq!(
            start[0].detail,
            "1000 Jump Clients, at most 300 a minute, each updating to the new version"
        );
        assert_eq!(back[0].ms, b + 4 * MIN);
        assert_eq!(back[0].detail, "1000 Jump Clients in 4 min");
        let each = |k: u64| b + k * MIN + 30 * S - a;
        let want = 300 * (each(1) + each(2) + each(3)) + 100 * each(4);
        assert_eq!(out.metrics.jump_clients_offline_ms, want, "seed {seed}");
        assert_eq!(out.metrics.peak_reconnects_per_minute, 300);
    }
    // A wave longer than the run: 1000 clients at 10 a minute take 100
    // minutes, the run ends at the verification's end (no cool-down). The
    // `reconnected` line past the end is not logged; the time offline is
    // counted in full all the same.
    let text = format!(
        "{}\n[jump_clients]\ncount = 1000\nreconnect_per_minute = 10\n",
        with(&shipped("single.toml"), "[calendar]", "cooldown = \"0s\"")
    );
    let (out, lines) = run_logged(&scenario(&text), "single", 1);
    let (a, b) = (find(&lines, "site", "down")[0].ms, find(&lines, "site", "up")[0].ms);
    let end = find(&lines, "run", "end")[0].ms;
    assert!(end < b + 100 * MIN);
    assert_eq!(find(&lines, "jump_clients", "reconnecting").len(), 1);
    assert!(find(&lines, "jump_clients", "reconnected").is_empty());
    let want: u64 = (1..=100).map(|k| 10 * (b + k * MIN - a)).sum();
    assert_eq!(out.metrics.jump_clients_offline_ms, want);
    assert_eq!(out.metrics.peak_reconnects_per_minute, 10);

    // The defaults: no Jump Clients, nothing logged, nothing counted.
    let (out, lines) = run_logged(&scenario(&shipped("single.toml")), "single", 1);
    assert!(lines.iter().all(|l| l.entity != "jump_clients"));
    assert_eq!(out.metrics.jump_clients_offline_ms, 0);
    assert_eq!(out.metrics.peak_reconnects_per_minute, 0);
}

#[test]
fn bad_fields_are_refused_by_name() {
    let base = shipped("single.toml");
    for (add, path) in [
        (
            "[preparation]\nrehearsal = { duration = \"1d\" }",
            "preparation.rehearsal.catches",
        ),
        (
            "[preparation]\nrehearsal = { catches = 0.5 }",
            "preparation.rehearsal.duration",
        ),
        (
            "[preparation]\nrehearsal = { duration = \"1d\", catches = 1.5 }",
            "preparation.rehearsal.catches",
        ),
        ("[preparation]\nmanual_path = \"soon\"", "preparation.manual_path"),
        ("[jump_clients]\ncount = -1", "jump_clients.count"),
        (
            "[jump_clients]\nreconnect_per_minute = 0",
            "jump_clients.reconnect_per_minute",
        ),
        ("[consoles]\nprestage = true", "prestage"),
        ("[preparation]\ndownload = \"soon\"", "preparation.download"),
        (
            "[preparation]\ndownload = \"20m\"\ndownload_lost = 1",
            "preparation.download_lost",
        ),
        (
            "[preparation]\ndownload = \"20m\"\ndownload_lost = -0.1",
            "preparation.download_lost",
        ),
        ("[preparation]\ndownload_lost = 0.1", "preparation.download_lost"),
        (
            "[preparation]\norder_question = \"later\"",
            "preparation.order_question",
        ),
    ] {
        let err = Scenario::parse(&format!("{base}\n{add}\n"), "bad.toml", "bad").unwrap_err();
        assert!(err.to_string().contains(path), "{add}: {err}");
        assert!(err.to_string().contains("bad.toml:"), "{add}: {err}");
    }
}

/// A fleet: the two-zone fleet of the placement tests (docs/model.md §7),
/// each site preparing 3 days (constant: its mean) from the campaign's
/// start. The windows open on Tuesdays and Thursdays at 22:00 local time:
/// in UTC at 46 h, 94 h, 214 h; in Tokyo (UTC+9) at 37 h, 85 h, 205 h.
/// Without the preparation the sites start at 46 h, 94 h and 37 h (by hand
/// in the placement tests); with it none starts before 72 h: Tokyo at 85 h,
/// utc-1 at 94 h, and utc-2, whose Thursday window is full (at most one
/// site a window), the next Tuesday at 214 h.
#[test]
fn a_fleets_site_starts_no_sooner_than_its_preparation_ends() {
    use std::sync::atomic::AtomicBool;
    const H: i64 = 3600;
    let text = r#"
[fleet]
start = "2025-03-03T00:00"   # a Monday, UTC
sites = [
  { name = "utc", scenario = "pair.toml", count = 2, strategy = "failover-sync-one-window", time_zone = "UTC" },
  { name = "tokyo", scenario = "pair.toml", count = 1, strategy = "failover-sync-one-window", time_zone = "Asia/Tokyo" },
]
[campaign]
max_sites_per_window = 1
placement = "earliest"
[operators]
count = 1
"#;
    let starts = |site: &str| {
        let f = crate::fleet::fleet(text, site);
        let r = cutover::fleet::campaign::simulate_campaign(&f, 0, f.seed, 0, &AtomicBool::new(false)).unwrap();
        let prep: Vec<u64> = r
            .sites
            .iter()
            .map(|s| s.metrics.as_ref().unwrap().preparation_ms)
            .collect();
        let starts: Vec<i64> = r.sites.iter().map(|s| s.work_start.unwrap() / 1000).collect();
        (starts, prep)
    };
    let plain = crate::fleet::pair();
    let (before, prep) = starts(&plain);
    assert_eq!(before, [46 * H, 94 * H, 37 * H]);
    assert_eq!(prep, [0, 0, 0]);
    let prepared = format!("{plain}\n[preparation]\nmanual_path = \"3d\"\n");
    let (after, prep) = starts(&prepared);
    assert_eq!(after, [94 * H, 214 * H, 85 * H]);
    assert_eq!(prep, [72 * HOUR; 3]);
}

/// The events of `lines` about `entity` named `event`, as their instants.
fn times(lines: &[Line], entity: &str, event: &str) -> Vec<u64> {
    find(lines, entity, event).iter().map(|l| l.ms).collect()
}

#[test]
fn the_order_question_adds_to_the_preparation_after_the_rehearsal() {
    // Manual path 2 days, rehearsal 1 day, support's answer on the install
    // order 2 days, all constant: 5 days from the warm-up's end, past the
    // first Tuesday window (1 d 22 h): the procedure starts a week later.
    let base = shipped("single.toml");
    let text = with(
        &base,
        "data_gb = 200",
        "\n[preparation]\nmanual_path = \"2d\"\nrehearsal = { duration = \"1d\", catches = 0 }\norder_question = \"2d\"",
    );
    let sc = scenario(&text);
    assert_eq!(sc.preparation.mean().0, 5 * DAY);
    let warmup = sc.warmup.0;
    let (_, plain) = run_logged(&scenario(&base), "single", 1);
    let (out, lines) = run_logged(&sc, "single", 1);
    let start = find(&lines, "runbook", "preparation_start");
    assert_eq!(start.len(), 1);
    assert_eq!(
        start[0].detail,
        "manual path 2d, rehearsal 1d, support's answer on the install order 2d"
    );
    assert_eq!(times(&lines, "runbook", "preparation_done"), [warmup + 5 * DAY]);
    assert_eq!(out.metrics.preparation_ms, 5 * DAY);
    let first = times(&plain, "runbook", "procedure_start")[0];
    assert_eq!(times(&lines, "runbook", "procedure_start"), [first + WEEK]);

    // Drawn after the manual path and the rehearsal: a drawn manual path
    // is as long with the question as without it.
    let drawn = with(
        &base,
        "data_gb = 200",
        "\n[preparation]\nmanual_path = { dist = \"exponential\", mean = \"2d\" }",
    );
    let asked = with(
        &drawn,
        "[preparation]",
        "order_question = { dist = \"uniform\", min = \"1d\", max = \"3d\" }",
    );
    for seed in 1..=5 {
        let (a, la) = run_logged(&scenario(&drawn), "single", seed);
        let (b, lb) = run_logged(&scenario(&asked), "single", seed);
        let detail = |l: &[Line]| find(l, "runbook", "preparation_start")[0].detail.clone();
        let (da, db) = (detail(&la), detail(&lb));
        assert!(db.starts_with(&da), "seed {seed}: {da} / {db}");
        let question = b.metrics.preparation_ms - a.metrics.preparation_ms;
        assert!((DAY..=3 * DAY).contains(&question), "seed {seed}: {question}");
    }
}

#[test]
fn the_download_sits_directly_before_each_install_and_lengthens_the_procedure() {
    // A single appliance: a 20-minute download before its one install.
    // The same draws otherwise: every instant from the install on is 20
    // minutes later, the site goes down at the install, not the download.
    let base = shipped("single.toml");
    let text = with(&base, "data_gb = 200", "\n[preparation]\ndownload = \"20m\"");
    let (plain_sc, sc) = (scenario(&base), scenario(&text));
    for seed in 1..=3 {
        let (a, la) = run_logged(&plain_sc, "single", seed);
        let (b, lb) = run_logged(&sc, "single", seed);
        let install = times(&la, "A", "upgrade_start");
        assert_eq!(install.len(), 1, "seed {seed}");
        assert_eq!(times(&lb, "A", "download_start"), install, "seed {seed}");
        assert_eq!(times(&lb, "A", "download_done"), [install[0] + 20 * MIN]);
        assert_eq!(times(&lb, "A", "upgrade_start"), [install[0] + 20 * MIN]);
        assert_eq!(
            find(&lb, "A", "download_start")[0].detail,
            "the update, takes 20m; the install follows"
        );
        assert_eq!(times(&lb, "site", "down"), [install[0] + 20 * MIN]);
        assert_eq!(b.metrics.downtime_ms, a.metrics.downtime_ms, "seed {seed}");
        assert_eq!(b.metrics.procedure_ms, a.metrics.procedure_ms + 20 * MIN, "seed {seed}");
        assert_eq!(b.metrics.procedure_start_ms, a.metrics.procedure_start_ms);
        assert_eq!((b.metrics.download_ms, b.metrics.redownloads), (20 * MIN, 0));
        assert_eq!(b.metrics.preparation_ms, 0, "not lead time");
        assert!(lb.iter().all(|l| l.event != "preparation_start"));
    }
    // With a limited crew the install starts at the end of its click: the
    // download then, the install 20 minutes on.
    let crew = "\n[operators]\ncount = 1\n";
    let (a, la) = run_logged(&scenario(&format!("{base}{crew}")), "single", 1);
    let (b, lb) = run_logged(&scenario(&format!("{text}{crew}")), "single", 1);
    let install = times(&la, "A", "upgrade_start");
    assert_eq!(times(&lb, "A", "download_start"), install);
    assert_eq!(times(&lb, "A", "upgrade_start"), [install[0] + 20 * MIN]);
    assert_eq!(b.metrics.procedure_ms, a.metrics.procedure_ms + 20 * MIN);

    // A pair upgraded in one night: two installs, two downloads. The
    // site serves on while A downloads; the failover stays broken (the
    // exposure) 40 minutes longer, and B's install starts 40 minutes on.
    let pair = shipped("failover-pair.toml");
    let text = format!("{pair}\n[preparation]\ndownload = \"20m\"\n");
    let (plain_sc, sc) = (scenario(&pair), scenario(&text));
    let rb = "failover-sync-one-window";
    for seed in 1..=3 {
        let (a, la) = run_logged(&plain_sc, rb, seed);
        let (b, lb) = run_logged(&sc, rb, seed);
        let (ia, ib) = (times(&la, "A", "upgrade_start"), times(&la, "B", "upgrade_start"));
        assert_eq!((ia.len(), ib.len()), (1, 1), "seed {seed}");
        assert_eq!(times(&lb, "A", "download_start"), ia);
        assert_eq!(times(&lb, "A", "upgrade_start"), [ia[0] + 20 * MIN]);
        assert_eq!(times(&lb, "B", "download_start"), [ib[0] + 20 * MIN]);
        assert_eq!(times(&lb, "B", "upgrade_start"), [ib[0] + 40 * MIN]);
        // Broken at the same instant, established again 40 minutes later.
        let broken = |l: &[Line]| times(l, "failover", "broken")[0];
        assert_eq!(broken(&lb), broken(&la), "seed {seed}");
        let est = |l: &[Line]| *times(l, "failover", "established").last().unwrap();
        assert_eq!(est(&lb), est(&la) + 40 * MIN, "seed {seed}");
        assert!(b.metrics.exposure_ms >= a.metrics.exposure_ms + 40 * MIN, "seed {seed}");
        // The site goes down when A installs, as long as without the download.
        assert_eq!(times(&lb, "site", "down")[0], ia[0] + 20 * MIN);
        assert_eq!(b.metrics.downtime_ms, a.metrics.downtime_ms, "seed {seed}");
        assert_eq!(b.metrics.download_ms, 40 * MIN);
    }
}

#[test]
fn a_lost_download_waits_for_support_then_is_done_again() {
    // Downloads of 20 minutes, each lost with probability 0.5, support
    // answering in 4 hours: with k losses the install starts
    // 20m + k × (4h + 20m) after the step, one `redownload` after each
    // `download_lost`, 4 hours after it.
    let base = with(&shipped("single.toml"), "[calendar]", "cooldown = \"0s\"");
    let text = with(
        &base,
        "data_gb = 200",
        "\n[faults]\nsupport = \"4h\"\n\n[preparation]\ndownload = \"20m\"\ndownload_lost = 0.5",
    );
    let (plain_sc, sc) = (scenario(&base), scenario(&text));
    // The loss is drawn from the downloads' own stream: a run where no
    // download is lost is the run of a scenario where none can be.
    let never = scenario(&text.replace("download_lost = 0.5", "download_lost = 0"));
    let mut seen = [false; 2];
    for seed in 1..=12 {
        let (a, la) = run_logged(&plain_sc, "single", seed);
        let (b, lb) = run_logged(&sc, "single", seed);
        let t0 = times(&la, "A", "upgrade_start")[0];
        let lost = times(&lb, "A", "download_lost");
        let again = times(&lb, "A", "redownload");
        let k = lost.len() as u64;
        seen[(k > 0) as usize] = true;
        assert_eq!(times(&lb, "A", "download_start"), [t0], "seed {seed}");
        assert_eq!(again.len() as u64, k, "seed {seed}");
        for (i, (&l, &r)) in lost.iter().zip(&again).enumerate() {
            let i = i as u64;
            assert_eq!(l, t0 + 20 * MIN + i * (4 * HOUR + 20 * MIN), "seed {seed}");
            assert_eq!(r, l + 4 * HOUR, "seed {seed}");
        }
        let install = t0 + 20 * MIN + k * (4 * HOUR + 20 * MIN);
        assert_eq!(times(&lb, "A", "download_done"), [install], "seed {seed}");
        assert_eq!(times(&lb, "A", "upgrade_start"), [install], "seed {seed}");
        assert_eq!(b.metrics.redownloads, k);
        if k == 0 {
            assert_eq!(b.metrics, run_logged(&never, "single", seed).0.metrics, "seed {seed}");
        }
        assert_eq!(b.metrics.download_ms, (k + 1) * 20 * MIN);
        assert_eq!(
            b.metrics.procedure_ms,
            a.metrics.procedure_ms + 20 * MIN + k * (4 * HOUR + 20 * MIN),
            "seed {seed}"
        );
    }
    assert_eq!(seen, [true, true], "twelve runs with and without a lost download");

    // Losses per download are independent: the count of redownloads is
    // geometric, mean p / (1 − p) = 1 and variance p / (1 − p)² = 2; over
    // 400 runs the mean is 1 ± 0.071 (one standard deviation).
    let runs = 400;
    let rb = sc.runbook("single").unwrap();
    let total: u64 = (0..runs)
        .map(|r| simulate(&sc, rb, 11, r, RunOptions::default()).metrics.redownloads)
        .sum();
    let mean = total as f64 / runs as f64;
    assert!((mean - 1.0).abs() < 4.0 * (2.0 / runs as f64).sqrt(), "mean {mean}");
}

#[test]
fn a_crash_cuts_a_download_which_starts_over_after_the_repair() {
    // A crashes 10 minutes into its upgrade step, its 20-minute download
    // under way (the step's click takes less), and is repaired in an hour:
    // the download starts again at the repair, the install 20 minutes on.
    let text = with(
        &shipped("single.toml"),
        "data_gb = 200",
        "\n[faults]\nmttr = \"1h\"\n[[faults.inject]]\nat_step = \"upgrade A\"\nafter = \"10m\"\ncrash = \"A\"\n\n[preparation]\ndownload = \"20m\"",
    );
    let (out, lines) = run_logged(&scenario(&text), "single", 1);
    let step = lines
        .iter()
        .find(|l| l.event == "step_start" && l.detail.contains("upgrade A"))
        .unwrap()
        .ms;
    let crash = step + 10 * MIN;
    let started = times(&lines, "A", "download_start");
    assert_eq!(started.len(), 2, "{lines:?}");
    assert!(
        step < started[0] && started[0] < crash,
        "the click took under 10 minutes"
    );
    assert_eq!(times(&lines, "A", "crashed"), [crash]);
    assert_eq!(times(&lines, "A", "repaired"), [crash + HOUR]);
    assert_eq!(started[1], crash + HOUR);
    assert_eq!(times(&lines, "A", "download_done"), [crash + HOUR + 20 * MIN]);
    assert_eq!(times(&lines, "A", "upgrade_start"), [crash + HOUR + 20 * MIN]);
    assert_eq!(find(&lines, "A", "upgrade_done").len(), 1);
    assert_eq!(find(&lines, "runbook", "procedure_done").len(), 1);
    // The cut download is not counted; the one that ended is.
    assert_eq!((out.metrics.download_ms, out.metrics.redownloads), (20 * MIN, 0));
}

#[test]
fn a_clusters_traffic_nodes_download_nothing() {
    // Atlas without a backup primary: half the traffic nodes, then the
    // primary, then the rest. Only the primary downloads; the first half
    // installs as without the download, the rest 20 minutes later.
    let base = shipped("atlas-standalone.toml");
    let text = format!("{base}\n[preparation]\ndownload = \"20m\"\n");
    let (a, la) = run_logged(&scenario(&base), "atlas-standalone", 1);
    let (b, lb) = run_logged(&scenario(&text), "atlas-standalone", 1);
    let downloads: Vec<&Line> = lb.iter().filter(|l| l.event == "download_start").collect();
    assert_eq!(downloads.len(), 1, "{downloads:?}");
    let primary = downloads[0].entity.clone();
    let installs = |l: &[Line]| -> Vec<(String, u64)> {
        l.iter()
            .filter(|x| x.event == "upgrade_start")
            .map(|x| (x.entity.clone(), x.ms))
            .collect()
    };
    let (ia, ib) = (installs(&la), installs(&lb));
    assert_eq!(ia.len(), ib.len());
    let p = ia.iter().position(|(e, _)| *e == primary).unwrap();
    assert!(p > 0, "traffic nodes install before the primary");
    assert_eq!(ia[..p], ib[..p], "the first half as without the download");
    assert_eq!(downloads[0].ms, ia[p].1);
    assert_eq!(ib[p], (primary, ia[p].1 + 20 * MIN));
    assert_eq!(b.metrics.download_ms, 20 * MIN);
    assert_eq!(b.metrics.downtime_ms, a.metrics.downtime_ms);
}

#[test]
fn the_reports_scenario_section_states_the_work_around_the_upgrade_when_set() {
    let lines = |text: &str| cutover::report::page::describe_scenario(&scenario(text)).join("\n");
    let plain = shipped("failover-pair.toml");
    assert!(!lines(&plain).contains("Around the upgrade"));
    let set = format!(
        "{plain}\n[preparation]\nmanual_path = \"3d\"\nrehearsal = {{ duration = \"1d\", catches = 0.6 }}\norder_question = \"2d\"\ndownload = \"20m\"\ndownload_lost = 0.1\n\
         [consoles]\nprestage_msi = true\nold_msi = \"not_kept\"\n[jump_clients]\ncount = 2000\nreconnect_per_minute = 300\nupdate = \"45s\"\n\
         [integrations]\nby_ip = 2\nrepoint = \"15m\"\n"
    );
    let on = lines(&set);
    for words in [
        "Around the upgrade: the manual update path before the first window (3d)",
        "a rehearsal (1d) that catches 60% of failed upgrades and latent defects",
        "support's answer on the install order (2d)",
        "the download before each install, in the window (20m, lost with probability 10%)",
        "console MSIs pre-staged",
        "the old console MSI not kept",
        "2000 Jump Clients reconnecting at up to 300 a minute and updating (45s each)",
        "2 integrations configured by IP, re-pointed by hand (15m each)",
    ] {
        assert!(on.contains(words), "{words:?} missing from {on}");
    }
}
