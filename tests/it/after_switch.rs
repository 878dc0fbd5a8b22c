//! What a switch leaves behind (docs/model.md, "Consoles after the
//! upgrade" and "Integrations"), read from the `events.csv` of runs where
//! it happens and checked by hand with constant durations: locked-down
//! consoles that need the old MSI redeployed when the site falls back to
//! the old version (`[consoles] old_msi`), and integrations configured by
//! IP that miss data from a DNS or NAT swing until re-pointed one after
//! another (`[integrations]`).

use cutover::scenario::Scenario;

use crate::{scenario, shipped, with};

const S: u64 = 1000;
const MIN: u64 = 60 * S;
const HOUR: u64 = 60 * MIN;

use crate::logged::{Line, find, run as run_logged};

/// The shipped pair with every console locked down (one technician,
/// redeployed `redeploy` after the site first serves the new version), a
/// latent defect found a day after B serves the new version (A, not yet
/// upgraded, is fallen back to), support taking 6 hours, a 2-day
/// cool-down; `extra` appended.
fn fallback_pair(redeploy: &str, extra: &str) -> Scenario {
    let text = with(
        &shipped("failover-pair.toml"),
        "[workload.console]",
        &format!("msi_locked_share = 1\nredeploy = \"{redeploy}\"\ntechnicians = 1"),
    );
    let text = with(
        &text,
        "[faults]",
        "latent_defect = 1\ndefect_detect = \"1d\"\nsupport = \"6h\"",
    );
    let text = text.replacen("cooldown = \"0s\"", "cooldown = \"2d\"", 1);
    scenario(&format!("{text}\n{extra}\n"))
}

/// The first console login at or after `from` in a traced run: when its
/// session started (a console connects at once while the site is up).
fn first_console_login(lines: &[Line], from: u64) -> u64 {
    lines
        .iter()
        .find(|l| l.event == "session_start" && l.detail.starts_with("Console") && l.ms >= from)
        .map(|l| l.ms)
        .expect("a console logs in after the return")
}

#[test]
fn a_fall_back_makes_the_locked_consoles_wait_for_the_old_msi() {
    // The new console was redeployed 12 hours after B first served the new
    // version; the defect shows a day after that, and the operator falls
    // back to A by DNS at R. The locked-down consoles run the new console:
    // the old MSI, kept, is redeployed at R + 12 h; not kept, support
    // provides it first, at R + 6 h + 12 h. The one technician's first
    // login after R, at t, waits until then: technician_unavailable_s
    // grows by exactly (ready - t) over the same run without `old_msi`.
    let base = fallback_pair("12h", "");
    let kept = fallback_pair("12h", "[consoles]\nold_msi = \"kept\"");
    let lost = fallback_pair("12h", "[consoles]\nold_msi = \"not_kept\"");
    let mut checked = 0;
    for seed in 1..=4 {
        let (b, lines_b) = run_logged(&base, "failover-async-dns", seed, true);
        assert_eq!(find(&lines_b, "defect", "fallback").len(), 1, "seed {seed}");
        assert!(lines_b.iter().all(|l| l.entity != "consoles"), "seed {seed}");
        for (sc, wait, words) in [
            (&kept, 12 * HOUR, "the kept old MSI is redeployed in 12h"),
            (
                &lost,
                18 * HOUR,
                "the old MSI was not kept: support provides it, then it is redeployed, in 18h",
            ),
        ] {
            let (o, lines) = run_logged(sc, "failover-async-dns", seed, true);
            let back = find(&lines, "consoles", "consoles_redeploy_old");
            assert_eq!(back.len(), 1, "seed {seed}: {lines:?}");
            let r = back[0].ms;
            // The return is the fall-back's DNS change to A (the second one).
            let dns = find(&lines, "network", "dns_record_changed");
            assert_eq!(dns.len(), 2, "seed {seed}");
            assert_eq!(dns[1].ms, r, "seed {seed}");
            assert_eq!(dns[1].detail, "-> A");
            let fallback = find(&lines, "defect", "fallback")[0].ms;
            assert!(fallback <= r);
            // The same run up to the return.
            assert_eq!(find(&lines_b, "network", "dns_record_changed")[1].ms, r);
            assert!(back[0].detail.ends_with(words), "{}", back[0].detail);
            let ready = r + wait;
            let done = find(&lines, "consoles", "consoles_redeployed_old");
            assert_eq!(done.iter().map(|l| l.ms).collect::<Vec<_>>(), [ready], "seed {seed}");
            let t = first_console_login(&lines_b, r);
            if t >= ready {
                continue; // nobody logged in before the redeployment: no wait
            }
            checked += 1;
            let (x, y) = (b.metrics.technician_unavailable_ms, o.metrics.technician_unavailable_ms);
            assert_eq!(y - x, ready - t, "seed {seed}: first login after the return at {t}");
            // The waiting console connects the moment the old one is back.
            assert!(
                lines
                    .iter()
                    .any(|l| l.event == "session_start" && l.detail.starts_with("Console") && l.ms == ready),
                "seed {seed}"
            );
            // Nothing else moved: the same downtime and sessions.
            assert_eq!(o.metrics.downtime_ms, b.metrics.downtime_ms);
            assert_eq!(o.metrics.arrivals, b.metrics.arrivals);
        }
    }
    assert!(
        checked >= 4,
        "only {checked} runs had a login before the old MSI was back"
    );
}

#[test]
fn a_return_before_the_new_console_was_redeployed_costs_nothing() {
    // Redeployed 2 days after B first serves the new version: the defect
    // shows after 1 day, before it, and the locked-down machines still run
    // the old console. Pre-staged, they run the new one from the start:
    // the return costs the 2-day redeployment of the old MSI.
    let base = fallback_pair("2d", "");
    let kept = fallback_pair("2d", "[consoles]\nold_msi = \"kept\"");
    let staged = fallback_pair("2d", "[consoles]\nold_msi = \"kept\"\nprestage_msi = true");
    for seed in 1..=3 {
        let (b, _) = run_logged(&base, "failover-async-dns", seed, false);
        let (k, lines) = run_logged(&kept, "failover-async-dns", seed, false);
        assert!(lines.iter().all(|l| l.entity != "consoles"), "seed {seed}");
        assert_eq!(k.metrics, b.metrics, "seed {seed}");
        let (_, lines) = run_logged(&staged, "failover-async-dns", seed, false);
        let back = find(&lines, "consoles", "consoles_redeploy_old");
        assert_eq!(back.len(), 1, "seed {seed}");
        assert!(back[0].detail.ends_with("redeployed in 2d"), "{}", back[0].detail);
    }
}

/// The shipped pair with `by_ip` integrations configured by IP, each
/// re-pointed in 10 minutes, and a day's cool-down; `faults` added to
/// its `[faults]`.
fn integrations(by_ip: u64, faults: &str) -> Scenario {
    let text = with(&plain_pair(), "[faults]", faults);
    scenario(&format!("{text}\n[integrations]\nby_ip = {by_ip}\nrepoint = \"10m\"\n"))
}

/// The shipped pair with a day's cool-down.
fn plain_pair() -> String {
    shipped("failover-pair.toml").replacen("cooldown = \"0s\"", "cooldown = \"1d\"", 1)
}

/// When the step whose description contains `what` ended.
fn step_done(lines: &[Line], what: &str) -> u64 {
    let start = lines
        .iter()
        .find(|l| l.event == "step_start" && l.detail.contains(what))
        .unwrap_or_else(|| panic!("no step {what}"));
    let index = start.detail.split(' ').next().unwrap();
    lines
        .iter()
        .find(|l| l.event == "step_done" && l.detail == index && l.ms >= start.ms)
        .unwrap()
        .ms
}

#[test]
fn integrations_by_ip_miss_data_from_the_swing_until_re_pointed() {
    // Two integrations, 10 minutes each, re-pointed one after another from
    // the switch step's end d. DNS: they miss data from the record's
    // change c (the step then waits one TTL); NAT: from the entry taking
    // effect, which ends the step (c = d). Gaps (d + 10m - c) and
    // (d + 20m - c).
    let sc = integrations(2, "");
    for (strategy, change, what) in [
        ("failover-async-dns", "dns_record_changed", "switch dns -> B"),
        ("failover-async-nat", "nat_effective", "switch nat -> B"),
    ] {
        for seed in 1..=3 {
            let (out, lines) = run_logged(&sc, strategy, seed, false);
            let c = find(&lines, "network", change);
            assert_eq!(c.len(), 1, "{strategy} seed {seed}");
            let c = c[0].ms;
            let d = step_done(&lines, what);
            if change == "nat_effective" {
                assert_eq!(c, d);
            } else {
                assert_eq!(d - c, 60 * S, "one TTL");
            }
            let broken = find(&lines, "integrations", "integration_broken");
            assert_eq!(broken.len(), 1, "{strategy} seed {seed}");
            assert_eq!(broken[0].ms, c);
            assert_eq!(
                broken[0].detail,
                "2 integrations configured by IP extract from the old address, not from B"
            );
            let fixed = find(&lines, "integrations", "integration_repointed");
            let times: Vec<u64> = fixed.iter().map(|l| l.ms).collect();
            assert_eq!(times, [d + 10 * MIN, d + 20 * MIN], "{strategy} seed {seed}");
            let after = cutover::time::SimDuration(d + 20 * MIN - c);
            assert_eq!(fixed[1].detail, format!("re-pointed at B after {after}; 0 left"));
            let want = (d + 10 * MIN - c) + (d + 20 * MIN - c);
            assert_eq!(out.metrics.integration_gap_ms, want, "{strategy} seed {seed}");
        }
    }
}

#[test]
fn a_shared_ip_breaks_no_integration_and_none_by_ip_costs_nothing() {
    let sc = integrations(3, "");
    for strategy in ["failover-async-shared-ip", "failover-sync"] {
        let (out, lines) = run_logged(&sc, strategy, 1, false);
        assert!(lines.iter().all(|l| l.entity != "integrations"), "{strategy}");
        assert_eq!(out.metrics.integration_gap_ms, 0);
    }
    // None configured by IP: the DNS swing leaves nothing to log or count,
    // and the run is the plain scenario's.
    let plain = scenario(&plain_pair());
    let (a, lines) = run_logged(&integrations(0, ""), "failover-async-dns", 1, false);
    let (b, _) = run_logged(&plain, "failover-async-dns", 1, false);
    assert!(lines.iter().all(|l| l.entity != "integrations"));
    assert_eq!(a.metrics, b.metrics);
}

#[test]
fn a_fall_back_by_dns_breaks_the_re_pointed_integrations_again() {
    // A latent defect found a day after B serves: the operator swings DNS
    // back to A. Both integrations were re-pointed at B by then; both
    // break again at the second change c2 and are re-pointed at A from
    // the fall-back's switch end d2: the gap adds (d2 + 10m - c2) and
    // (d2 + 20m - c2) to the first swing's.
    let sc = integrations(2, "latent_defect = 1\ndefect_detect = \"1d\"");
    for seed in 1..=3 {
        let (out, lines) = run_logged(&sc, "failover-async-dns", seed, false);
        let changes = find(&lines, "network", "dns_record_changed");
        assert_eq!(changes.len(), 2, "seed {seed}");
        let (c1, c2) = (changes[0].ms, changes[1].ms);
        let d1 = step_done(&lines, "switch dns -> B");
        let d2 = find(&lines, "runbook", "recovery_step_done")
            .into_iter()
            .find(|l| l.ms > c2)
            .unwrap()
            .ms;
        assert_eq!(d2 - c2, 60 * S, "one TTL");
        let broken = find(&lines, "integrations", "integration_broken");
        assert_eq!(broken.iter().map(|l| l.ms).collect::<Vec<_>>(), [c1, c2]);
        assert!(broken[1].detail.ends_with("not from A"));
        let fixed: Vec<u64> = find(&lines, "integrations", "integration_repointed")
            .iter()
            .map(|l| l.ms)
            .collect();
        assert_eq!(fixed, [d1 + 10 * MIN, d1 + 20 * MIN, d2 + 10 * MIN, d2 + 20 * MIN]);
        let want = (d1 + 10 * MIN - c1) + (d1 + 20 * MIN - c1) + (d2 + 10 * MIN - c2) + (d2 + 20 * MIN - c2);
        assert_eq!(out.metrics.integration_gap_ms, want, "seed {seed}");
    }
}

#[test]
fn a_restore_after_an_escaped_defect_is_a_return_too() {
    // A single appliance has no old version to fall back to: the defect
    // escapes and A is restored from its backup, the site down meanwhile.
    // The return is the instant the site is up again, on the old version.
    let text = with(
        &shipped("single.toml"),
        "data_gb = 200",
        "\n[faults]\nlatent_defect = 1\ndefect_detect = \"1d\"",
    );
    let text = with(&text, "[workload.console]", "msi_locked_share = 0.5\nredeploy = \"1h\"");
    let text = with(&text, "[calendar]", "cooldown = \"1d\"");
    let sc = scenario(&format!("{text}\n[consoles]\nold_msi = \"kept\"\n"));
    for seed in 1..=3 {
        let (_, lines) = run_logged(&sc, "single", seed, false);
        let restored = find(&lines, "A", "restore_done");
        assert_eq!(restored.len(), 1, "seed {seed}");
        let up = find(&lines, "site", "up");
        let back = up.iter().find(|l| l.ms >= restored[0].ms).unwrap().ms;
        let redeploy = find(&lines, "consoles", "consoles_redeploy_old");
        assert_eq!(redeploy.len(), 1, "seed {seed}");
        assert_eq!(redeploy[0].ms, back, "seed {seed}");
        assert_eq!(find(&lines, "consoles", "consoles_redeployed_old")[0].ms, back + HOUR);
    }
}
