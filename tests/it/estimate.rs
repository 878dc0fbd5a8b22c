//! An estimate before long work: pilot replications, the estimate on
//! stderr, the refusal beyond a limit and how to go on, outputs the same
//! with and without it; a fleet's `sites.csv` turned off.

use std::path::Path;

use crate::cutover;

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn read(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(file).display()))
}

const FLEET: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/fleet-regional.toml");

#[test]
fn a_study_over_a_small_cpu_limit_is_refused_with_how_to_go_on() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // A thousandth of a CPU-second is less than one replication of the
    // default scenario's five strategies: the pilot goes over it.
    let args = [
        "compare",
        "--runs",
        "40",
        "--no-sensitivity",
        "--max-cpu-hours",
        "0.0000003",
        "--out",
        "x",
    ];
    let o = cutover(dir, &args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("estimate for compare: 40 replications × 5 strategies"),
        "{err}"
    );
    assert!(err.contains("runs.csv"), "the output's size by file: {err}");
    assert!(err.contains("over the limit of"), "{err}");
    assert!(err.contains("--yes") && err.contains("--max-cpu-hours "), "{err}");
    assert!(!dir.join("x").exists(), "nothing written");
    // Quiet: the refusal alone.
    let mut quiet = args.to_vec();
    quiet.push("--quiet");
    let o = cutover(dir, &quiet);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!err.contains("estimate for"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: compare: 40 replications"), "{err}");
    // A limit in output size too.
    let o = cutover(
        dir,
        &[
            "compare",
            "--runs",
            "40",
            "--no-sensitivity",
            "--max-output",
            "2KB",
            "--out",
            "x",
        ],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("of output, over the limit of 2.0 KB"), "{err}");
    assert!(err.contains("--max-output "), "{err}");
}

#[test]
fn yes_goes_on_and_the_outputs_are_the_same_with_and_without_the_estimate() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // Short work within the default limits: no estimate, not a word.
    let o = cutover(
        dir,
        &[
            "compare",
            "--runs",
            "12",
            "--no-sensitivity",
            "--threads",
            "2",
            "--out",
            "plain",
        ],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(!err.contains("estimate"), "{err}");
    // Over a tiny limit, with --yes: the estimate printed, the study run,
    // on another thread count.
    let o = cutover(
        dir,
        &[
            "compare",
            "--runs",
            "12",
            "--no-sensitivity",
            "--threads",
            "1",
            "--max-cpu-hours",
            "0.0000003",
            "--yes",
            "--out",
            "yes",
        ],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("estimate for compare"), "{err}");
    for f in ["runs.csv", "summary.csv", "diff.csv"] {
        assert_eq!(read(&dir.join("plain"), f), read(&dir.join("yes"), f), "{f}");
    }
    // A higher limit than the estimate goes on as --yes does.
    let o = cutover(
        dir,
        &[
            "compare",
            "--runs",
            "12",
            "--no-sensitivity",
            "--max-output",
            "1GB",
            "--out",
            "roomy",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        read(&dir.join("plain"), "runs.csv"),
        read(&dir.join("roomy"), "runs.csv")
    );
}

#[test]
fn limits_that_are_not_numbers_or_sizes_are_refused_naming_the_flag() {
    let tmp = tempfile::tempdir().unwrap();
    for (flag, value) in [
        ("--max-cpu-hours", "0"),
        ("--max-cpu-hours", "-1"),
        ("--max-cpu-hours", "NaN"),
        ("--max-output", "ten"),
        ("--max-output", "5PB"),
    ] {
        let o = cutover(tmp.path(), &["compare", "--runs", "2", flag, value, "--out", "x"]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{flag} {value}: {err}");
        assert!(err.contains(flag), "{flag} {value}: {err}");
        assert!(!tmp.path().join("x").exists());
    }
    let o = cutover(
        tmp.path(),
        &["compare", "--runs", "2", "--sites-csv", "off", "--out", "x"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--sites-csv is for fleet files"));
}

#[test]
fn a_fleet_over_its_output_limit_is_refused_and_sites_csv_can_be_turned_off() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let o = cutover(
        dir,
        &["compare", FLEET, "--runs", "4", "--max-output", "1KB", "--out", "x"],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("estimate for compare: 24 sites, 4 replications × 5 plans"),
        "{err}"
    );
    assert!(err.contains("sites.csv"), "{err}");
    assert!(err.contains("--sites-csv off"), "a way to go on: {err}");
    assert!(!dir.join("x").exists());
    // Full, then off: the same files but sites.csv.
    let o = cutover(dir, &["compare", FLEET, "--runs", "4", "--quiet", "--out", "full"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = cutover(
        dir,
        &[
            "compare",
            FLEET,
            "--runs",
            "4",
            "--quiet",
            "--sites-csv",
            "off",
            "--threads",
            "1",
            "--out",
            "off",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(dir.join("full/sites.csv").exists());
    assert!(!dir.join("off/sites.csv").exists(), "no sites.csv");
    let manifest = String::from_utf8(read(&dir.join("off"), "manifest.json")).unwrap();
    assert!(!manifest.contains("\"sites.csv\""), "nor listed: {manifest}");
    for f in ["runs.csv", "summary.csv", "diff.csv", "report.md"] {
        assert_eq!(read(&dir.join("full"), f), read(&dir.join("off"), f), "{f}");
    }
    // Shards run alike merge without it; a mix is refused.
    for (k, sites) in [("1/2", "off"), ("2/2", "off"), ("2/2", "full")] {
        let out = format!("s{}-{sites}", &k[..1]);
        let o = cutover(
            dir,
            &[
                "compare",
                FLEET,
                "--runs",
                "4",
                "--shard",
                k,
                "--sites-csv",
                sites,
                "--quiet",
                "--out",
                &out,
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let o = cutover(dir, &["merge", "s1-off", "s2-off", "--out", "merged"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!dir.join("merged/sites.csv").exists());
    assert_eq!(
        read(&dir.join("off"), "runs.csv"),
        read(&dir.join("merged"), "runs.csv")
    );
    let o = cutover(dir, &["merge", "s1-off", "s2-full", "--out", "mixed"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--sites-csv off"), "{err}");
}
