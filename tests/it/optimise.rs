//! `cutover optimise`: the plan found on a space whose best plan is known
//! by construction, against the exhaustive evaluation (every plan at 100
//! fresh campaigns) and for at most half its campaigns; a constraint that
//! moves the answer; constraints no plan meets (the binding one named,
//! exit 0); the same files at any thread count; the plan pasted back into
//! the fleet file.

use std::path::{Path, PathBuf};

use crate::cutover;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/optimise")
        .join(name)
}

/// The cap-only fleet with `subject_to` set to `constraints`, written in
/// `dir` (its site file named by absolute path).
fn cap_only(dir: &Path, constraints: &str) -> PathBuf {
    let scenarios = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let text = std::fs::read_to_string(data("cap-only.toml"))
        .unwrap()
        .replace("../../../scenarios", &scenarios.display().to_string())
        .replace(
            "minimise = \"campaign_s\"",
            &format!("minimise = \"campaign_s\"\nsubject_to = [{constraints}]"),
        );
    let p = dir.join("cap-only.toml");
    std::fs::write(&p, text).unwrap();
    p
}

fn optimise(dir: &Path, fleet: &Path, out: &str, extra: &[&str]) -> (String, PathBuf) {
    let f = fleet.display().to_string();
    let mut args = vec!["optimise", f.as_str(), "--out", out, "--quiet"];
    args.extend(extra);
    let o = cutover(dir, &args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "optimise failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    (String::from_utf8_lossy(&o.stdout).into_owned(), dir.join(out))
}

/// The rows of a CSV file as maps from column to cell.
fn rows(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let h = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            h.iter()
                .zip(rec.unwrap().iter())
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        })
        .collect()
}

fn cap_of(best_plan: &str) -> usize {
    best_plan
        .lines()
        .find_map(|l| l.strip_prefix("max_sites_per_window = "))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("best-plan.toml sets max_sites_per_window")
}

/// The chosen plan's objective on fresh seeds (verified.csv).
fn chosen_mean(dir: &Path) -> f64 {
    rows(&dir.join("verified.csv"))
        .into_iter()
        .find(|r| r["role"] == "chosen")
        .expect("a chosen plan")["objective_mean"]
        .parse()
        .unwrap()
}

#[test]
fn the_search_finds_the_best_cap_for_at_most_half_the_exhaustive_campaigns() {
    let tmp = tempfile::tempdir().unwrap();
    let fleet = cap_only(tmp.path(), "");
    let (_, found) = optimise(tmp.path(), &fleet, "found", &["--threads", "2"]);
    let (_, all) = optimise(tmp.path(), &fleet, "all", &["--threads", "2", "--exhaustive"]);
    // Known by construction: every site in the first window is shortest.
    let best = std::fs::read_to_string(found.join("best-plan.toml")).unwrap();
    assert_eq!(cap_of(&best), 8, "{best}");
    assert!(best.contains("name = \"optimised\""), "{best}");
    // Within 3 % of the exhaustive best, both on fresh seeds.
    let exhaustive: Vec<f64> = rows(&all.join("search.csv"))
        .iter()
        .map(|r| {
            assert_eq!(r["replications"], "100");
            r["objective_mean"].parse().unwrap()
        })
        .collect();
    assert_eq!(exhaustive.len(), 10, "five caps × two bakes");
    let truth = exhaustive.iter().copied().fold(f64::INFINITY, f64::min);
    let got = chosen_mean(&found);
    assert!(got <= truth * 1.03, "found {got}, exhaustive best {truth}");
    // At most half the exhaustive campaigns.
    let spent: u64 = rows(&found.join("search.csv"))
        .iter()
        .map(|r| r["replications"].parse::<u64>().unwrap())
        .sum();
    assert!(spent * 2 <= 1000, "spent {spent} of the exhaustive 1000");
    // Plans beaten on the objective say when they left the race.
    let csv = rows(&found.join("search.csv"));
    let one = csv.iter().find(|r| r["max_sites_per_window"] == "1").unwrap();
    assert_eq!(one["eliminated_by"], "objective");
    assert!(!one["eliminated_at"].is_empty());
}

#[test]
fn a_constraint_moves_the_answer() {
    // Two nights at least: eight sites in one window are out; four per
    // window (two nights) is the shortest plan left.
    let tmp = tempfile::tempdir().unwrap();
    let fleet = cap_only(tmp.path(), "\"nights_used >= 2\"");
    let (text, found) = optimise(tmp.path(), &fleet, "found", &[]);
    let best = std::fs::read_to_string(found.join("best-plan.toml")).unwrap();
    assert_eq!(cap_of(&best), 4, "{best}\n{text}");
    let csv = rows(&found.join("search.csv"));
    let eight = csv.iter().find(|r| r["max_sites_per_window"] == "8").unwrap();
    assert_eq!(eight["feasible"], "no");
    assert_eq!(eight["eliminated_by"], "nights_used >= 2");
}

#[test]
fn constraints_no_plan_meets_name_the_binding_one_and_exit_0() {
    let tmp = tempfile::tempdir().unwrap();
    let fleet = cap_only(tmp.path(), "\"sites_done >= 9\", \"nights_used >= 1\"");
    let f = fleet.display().to_string();
    let o = cutover(tmp.path(), &["optimise", f.as_str(), "--out", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("No plan of the space meets every constraint")
            && text.contains("The binding constraint: sites_done >= 9"),
        "{text}"
    );
    let best = std::fs::read_to_string(tmp.path().join("out/best-plan.toml")).unwrap();
    assert!(best.contains("NO plan of the space met every constraint"), "{best}");
    // The report says the same as the terminal.
    let report = std::fs::read_to_string(tmp.path().join("out/report.md")).unwrap();
    assert!(report.contains("The binding constraint: sites_done >= 9"), "{report}");
    // The closest plan: all miss by as much, so the shortest of them.
    assert_eq!(cap_of(&best), 8, "{best}");
}

#[test]
fn the_same_seed_gives_the_same_files_at_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let fleet = cap_only(tmp.path(), "\"nights_used >= 2\"");
    let (_, one) = optimise(tmp.path(), &fleet, "one", &["--threads", "1", "--seed", "11"]);
    let (_, two) = optimise(tmp.path(), &fleet, "two", &["--threads", "2", "--seed", "11"]);
    for name in ["best-plan.toml", "search.csv", "verified.csv", "report.md"] {
        let a = std::fs::read(one.join(name)).unwrap();
        let b = std::fs::read(two.join(name)).unwrap();
        assert!(a == b, "{name} differs between --threads 1 and 2");
    }
}

#[test]
fn best_plan_pastes_into_the_fleet_file() {
    let tmp = tempfile::tempdir().unwrap();
    let fleet = cap_only(tmp.path(), "");
    let (_, found) = optimise(tmp.path(), &fleet, "found", &["--no-charts"]);
    let best = std::fs::read_to_string(found.join("best-plan.toml")).unwrap();
    let text = std::fs::read_to_string(&fleet).unwrap();
    let pasted = tmp.path().join("pasted.toml");
    std::fs::write(&pasted, format!("{text}\n{best}")).unwrap();
    let p = pasted.display().to_string();
    let o = cutover(tmp.path(), &["validate", p.as_str()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("plans: optimised"));
}

#[test]
fn a_fleet_without_search_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let fleet = cap_only(tmp.path(), "");
    let text = std::fs::read_to_string(&fleet).unwrap();
    let cut = text.find("[search]").unwrap();
    std::fs::write(&fleet, &text[..cut]).unwrap();
    let p = fleet.display().to_string();
    let o = cutover(tmp.path(), &["optimise", p.as_str(), "--out", "out"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no [search] table"));
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn on_a_noisy_fleet_the_plan_found_is_within_3_percent_of_the_exhaustive_best() {
    // Failed upgrades make every campaign's length its own: the race must
    // tell the plans apart through the noise.
    let tmp = tempfile::tempdir().unwrap();
    let scenarios = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let text = std::fs::read_to_string(data("noisy-pairs.toml"))
        .unwrap()
        .replace("../../../scenarios", &scenarios.display().to_string());
    let fleet = tmp.path().join("noisy-pairs.toml");
    std::fs::write(&fleet, text).unwrap();
    let (_, found) = optimise(tmp.path(), &fleet, "found", &["--no-charts"]);
    let (_, all) = optimise(tmp.path(), &fleet, "all", &["--exhaustive", "--no-charts"]);
    let exhaustive = rows(&all.join("search.csv"));
    let means: Vec<f64> = exhaustive
        .iter()
        .map(|r| r["objective_mean"].parse().unwrap())
        .collect();
    let truth = means.iter().copied().fold(f64::INFINITY, f64::min);
    let worst = means.iter().copied().fold(0.0, f64::max);
    assert!(worst > truth * 1.2, "the space holds plans far apart: {means:?}");
    let got = chosen_mean(&found);
    assert!(got <= truth * 1.03, "found {got}, exhaustive best {truth}");
    let spent: u64 = rows(&found.join("search.csv"))
        .iter()
        .map(|r| r["replications"].parse::<u64>().unwrap())
        .sum();
    assert!(spent * 2 <= 100 * means.len() as u64, "spent {spent}");
}

/// Ctrl-C during a search (here the exhaustive evaluation of the shipped
/// fleet, tens of seconds) stops it with exit code 130 and leaves its
/// output folder empty, as `compare` does.
#[test]
fn ctrl_c_stops_a_search_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let fleet = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/fleet-regional.toml");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(["optimise", fleet, "--exhaustive", "--quiet", "--out", "opt"])
        .current_dir(tmp.path())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let pid = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130));
    let left: Vec<_> = match std::fs::read_dir(tmp.path().join("opt")) {
        Ok(d) => d.map(|e| e.unwrap().file_name()).collect(),
        Err(_) => Vec::new(),
    };
    assert!(left.is_empty(), "left behind: {left:?}");
}
