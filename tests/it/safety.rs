//! Nothing lost, nothing unbounded: hostile folders and files on the
//! command line. Output folders holding what cutover did not write,
//! commits stopped at every point, two writers on one folder, endless and
//! special input files, tampered shards, hand-edited manifests, and caps on
//! threads, runs and grids.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::cutover;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: &Output) {
    assert!(o.status.success(), "{}", stderr(o));
}

/// Exit code 2, and an error that contains every one of `says`.
fn refused(o: &Output, says: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    for s in says {
        assert!(err.contains(s), "the error does not say {s:?}: {err}");
    }
}

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// A copy of the single-appliance scenario as `s.toml` in `dir` (fast studies).
fn single(dir: &Path) {
    std::fs::copy(repo("scenarios/single.toml"), dir.join("s.toml")).unwrap();
}

/// Every file under `dir` (hidden ones aside) and its bytes, by relative path.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            if e.file_type().unwrap().is_dir() {
                out.insert(format!("{rel}/"), Vec::new());
                walk(root, &p, out);
            } else {
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The hidden entries of a folder.
fn hidden(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|r| {
            r.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

fn write_manifest(dir: &Path, m: &serde_json::Value) {
    std::fs::write(dir.join("manifest.json"), serde_json::to_vec_pretty(m).unwrap()).unwrap();
}

/// Checks that the manifest lists exactly the visible files of the folder,
/// each with its SHA-256.
fn manifest_lists_every_file(dir: &Path) {
    let m = manifest(dir);
    let listed: BTreeMap<String, String> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f[0].as_str().unwrap().to_string(), f[1].as_str().unwrap().to_string()))
        .collect();
    let present: BTreeMap<String, String> = snapshot(dir)
        .into_iter()
        .filter(|(n, _)| !n.ends_with('/') && n != "manifest.json")
        .map(|(n, b)| (n, cutover::results::sha256_hex(&b)))
        .collect();
    assert_eq!(listed, present, "{}: the manifest lists every file", dir.display());
}

#[test]
fn studies_refuse_an_output_folder_holding_files_they_did_not_write() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    single(t);
    // A project folder with a charts/ folder of the user's own.
    std::fs::create_dir_all(t.join("proj/charts")).unwrap();
    std::fs::write(t.join("proj/charts/budget.png"), "x").unwrap();
    let before = snapshot(&t.join("proj"));
    ok(&cutover(
        t,
        &[
            "compare",
            "s.toml",
            "--runs",
            "4",
            "--shard",
            "1/1",
            "--quiet",
            "--no-charts",
            "--out",
            "shard",
        ],
    ));
    for args in [
        &["compare", "s.toml", "--runs", "3", "--quiet", "--out", "proj"][..],
        &[
            "sweep",
            "s.toml",
            "--set",
            "site.data_gb=1,2",
            "--runs",
            "2",
            "--quiet",
            "--out",
            "proj",
        ],
        &["merge", "shard", "--out", "proj"],
        &["run", "s.toml", "--quiet", "--out", "proj"],
    ] {
        let o = cutover(t, args);
        refused(&o, &["proj/charts/budget.png", "not written by cutover"]);
        assert_eq!(snapshot(&t.join("proj")), before, "{args:?} changed the folder");
        assert!(
            hidden(&t.join("proj")).is_empty(),
            "{args:?} left {:?}",
            hidden(&t.join("proj"))
        );
    }
    // `--out .` in a project root: nothing is written beside its files.
    std::fs::write(t.join("proj/notes.txt"), "mine").unwrap();
    let before = snapshot(&t.join("proj"));
    let s = t.join("s.toml").display().to_string();
    for args in [
        &["compare", &s, "--runs", "3", "--quiet", "--out", "."][..],
        &["run", &s, "--quiet", "--out", "."],
    ] {
        refused(&cutover(&t.join("proj"), args), &["not written by cutover"]);
        assert_eq!(snapshot(&t.join("proj")), before, "{args:?} changed the folder");
    }
}

#[test]
fn run_refuses_to_overwrite_a_users_events_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    std::fs::create_dir(t.join("r")).unwrap();
    std::fs::write(t.join("r/events.csv"), "my notes").unwrap();
    refused(
        &cutover(t, &["run", "--quiet", "--out", "r"]),
        &["r/events.csv", "not written by cutover"],
    );
    assert_eq!(std::fs::read_to_string(t.join("r/events.csv")).unwrap(), "my notes");
    assert_eq!(snapshot(&t.join("r")).len(), 1);
    // A folder cutover wrote is replaced by the next run, whatever its seed.
    ok(&cutover(t, &["run", "--quiet", "--out", "r2"]));
    ok(&cutover(
        t,
        &["run", "--quiet", "--seed", "9", "--no-charts", "--out", "r2"],
    ));
    let names: Vec<String> = snapshot(&t.join("r2")).into_keys().collect();
    assert_eq!(names, ["events.csv", "manifest.json", "metrics.csv"]);
    manifest_lists_every_file(&t.join("r2"));
}

#[cfg(unix)]
#[test]
fn symlinks_and_unknown_folders_in_an_output_folder_are_refused() {
    use std::os::unix::fs::symlink;
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    single(t);
    let compare = |out: &str| cutover(t, &["compare", "s.toml", "--runs", "3", "--quiet", "--out", out]);
    // A dangling charts symlink: refused, not followed, not removed.
    std::fs::create_dir(t.join("a")).unwrap();
    symlink(t.join("nowhere"), t.join("a/charts")).unwrap();
    refused(&compare("a"), &["a/charts", "symbolic link"]);
    assert!(std::fs::symlink_metadata(t.join("a/charts")).is_ok());
    assert!(!t.join("nowhere").exists());
    // In a folder cutover wrote: a symlink in charts/, a folder of the user's.
    ok(&compare("b"));
    let before = snapshot(&t.join("b"));
    symlink(t.join("s.toml"), t.join("b/charts/extra.png")).unwrap();
    refused(&compare("b"), &["b/charts/extra.png", "symbolic link"]);
    std::fs::remove_file(t.join("b/charts/extra.png")).unwrap();
    std::fs::create_dir(t.join("b/drafts")).unwrap();
    refused(&compare("b"), &["b/drafts", "a folder cutover did not make"]);
    std::fs::remove_dir(t.join("b/drafts")).unwrap();
    assert_eq!(snapshot(&t.join("b")), before);
    ok(&compare("b"));
}

#[test]
fn a_rerun_replaces_exactly_the_files_the_manifest_lists() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    single(t);
    ok(&cutover(
        t,
        &["compare", "s.toml", "--runs", "3", "--quiet", "--out", "d"],
    ));
    manifest_lists_every_file(&t.join("d"));
    let m = manifest(&t.join("d"));
    assert!(
        m["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f[0] == "charts/cdf-downtime_s.png"),
        "charts are listed: {m}"
    );
    // The report joins the folder: its files are listed too.
    ok(&cutover(t, &["report", "d", "--quiet"]));
    manifest_lists_every_file(&t.join("d"));
    assert!(t.join("d/report.html").is_file() && t.join("d/charts/timeline-single-typical.png").is_file());
    assert!(t.join("d/summary.pdf").is_file());
    // A rerun without charts removes the previous ones and the report (its
    // own files, which would no longer match), and nothing else.
    ok(&cutover(
        t,
        &[
            "compare",
            "s.toml",
            "--runs",
            "5",
            "--quiet",
            "--no-charts",
            "--out",
            "d",
        ],
    ));
    let names: Vec<String> = snapshot(&t.join("d")).into_keys().collect();
    assert_eq!(
        names,
        [
            "diff.csv",
            "manifest.json",
            "runs.csv",
            "sensitivity.csv",
            "summary.csv"
        ]
    );
    manifest_lists_every_file(&t.join("d"));
    assert!(hidden(&t.join("d")).is_empty(), "{:?}", hidden(&t.join("d")));
    // Sweeps and report folders of their own list every file as well.
    ok(&cutover(
        t,
        &[
            "sweep",
            "s.toml",
            "--set",
            "site.data_gb=1,2",
            "--runs",
            "2",
            "--quiet",
            "--out",
            "sw",
        ],
    ));
    manifest_lists_every_file(&t.join("sw"));
    ok(&cutover(t, &["report", "d", "--quiet", "--out", "rep"]));
    manifest_lists_every_file(&t.join("rep"));
    assert_eq!(manifest(&t.join("rep"))["kind"], "report");
}

#[test]
fn a_folder_of_an_older_version_is_still_replaced() {
    // Format 1 manifests listed only the CSV files; the charts and report
    // files older versions wrote beside them are still theirs to replace.
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    single(t);
    // Older versions made no sensitivity study.
    ok(&cutover(
        t,
        &[
            "compare",
            "s.toml",
            "--runs",
            "3",
            "--quiet",
            "--no-sensitivity",
            "--out",
            "d",
        ],
    ));
    ok(&cutover(t, &["report", "d", "--quiet", "--no-sensitivity"]));
    let mut m = manifest(&t.join("d"));
    let o = m.as_object_mut().unwrap();
    o.remove("format");
    o.remove("scenario_path");
    o["files"] = serde_json::Value::Array(
        o["files"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f[0].as_str().unwrap().ends_with(".csv"))
            .cloned()
            .collect(),
    );
    write_manifest(&t.join("d"), &m);
    // Older versions wrote no summary.pdf: one there now is not theirs.
    std::fs::remove_file(t.join("d/summary.pdf")).unwrap();
    ok(&cutover(
        t,
        &[
            "compare",
            "s.toml",
            "--runs",
            "5",
            "--quiet",
            "--no-charts",
            "--out",
            "d",
        ],
    ));
    let names: Vec<String> = snapshot(&t.join("d")).into_keys().collect();
    assert_eq!(
        names,
        [
            "diff.csv",
            "manifest.json",
            "runs.csv",
            "sensitivity.csv",
            "summary.csv"
        ]
    );
}

/// Stops the new command's commit at every numbered point (the test hook),
/// over a copy of the folder `d` the old command left in `old`; checks that
/// each stop left the old outputs, the new ones, or a journal that the next
/// command that opens the folder completes on its own.
#[cfg(unix)]
fn stop_at_every_point(t: &Path, old: &Path, new_args: &[&str]) {
    use std::os::unix::process::ExitStatusExt;
    // The new outputs, made without a stop from a copy of the same start.
    let reference = t.join("reference");
    copy_dir(old, &reference);
    ok(&cutover(&reference, new_args));
    let (before, after) = (snapshot(&old.join("d")), snapshot(&reference.join("d")));
    assert_ne!(before, after);
    // Another command on the folder: a cheap comparison of the same scenario.
    let next_args = [
        "compare",
        "s.toml",
        "--runs",
        "1",
        "--quiet",
        "--no-charts",
        "--out",
        "d",
    ];
    let run_args = |cwd: &Path, args: &[&str], at: Option<u32>| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_cutover"));
        c.args(args).current_dir(cwd);
        if let Some(n) = at {
            c.env("CUTOVER_TEST_ABORT_AT", format!("commit:{n}"));
        }
        c.output().unwrap()
    };
    let run = |cwd: &Path, at: Option<u32>| run_args(cwd, new_args, at);
    let (mut olds, mut journals, mut news) = (0, 0, 0);
    for n in 1.. {
        assert!(n < 200, "the commit has fewer points");
        let work = t.join(format!("stop-{n}"));
        copy_dir(old, &work);
        let o = run(&work, Some(n));
        if o.status.success() {
            // Past the last point: the commit ran to its end.
            assert_eq!(snapshot(&work.join("d")), after);
            assert!(n > 10, "only {n} points");
            break;
        }
        assert_eq!(o.status.signal(), Some(6), "point {n}: {}", stderr(&o));
        let now = snapshot(&work.join("d"));
        let journal = work.join("d/.cutover-journal.json").exists();
        if journal {
            journals += 1;
        } else if now == before {
            olds += 1;
        } else {
            assert!(
                now == after,
                "point {n}: neither the old nor the new outputs, and no journal"
            );
            news += 1;
        }
        // The next command on the folder completes the commit as it opens
        // it (it is stopped at the first point of its own commit, before
        // that changes anything visible); a rerun then clears all leftovers.
        let o = run_args(&work, &next_args, Some(1));
        assert_eq!(o.status.signal(), Some(6), "point {n}, next run: {}", stderr(&o));
        let now = snapshot(&work.join("d"));
        assert!(
            now == after || (!journal && now == before),
            "point {n}: the next run did not complete the commit"
        );
        assert!(!work.join("d/.cutover-journal.json").exists());
        ok(&run(&work, None));
        assert_eq!(snapshot(&work.join("d")), after, "point {n}: after two runs");
        assert!(
            hidden(&work.join("d")).is_empty(),
            "point {n}: {:?}",
            hidden(&work.join("d"))
        );
        std::fs::remove_dir_all(&work).unwrap();
    }
    assert!(olds > 0 && journals > 5 && news > 0, "{olds} {journals} {news}");
}

#[cfg(unix)]
#[test]
fn a_compare_stopped_at_any_point_of_its_commit_leaves_old_or_new_outputs_or_a_journal() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let old = t.join("old");
    std::fs::create_dir(&old).unwrap();
    single(&old);
    // Charts before, none after: files replaced, files removed, charts/ removed.
    ok(&cutover(
        &old,
        &[
            "compare", "s.toml", "--runs", "3", "--seed", "1", "--quiet", "--out", "d",
        ],
    ));
    stop_at_every_point(
        t,
        &old,
        &[
            "compare",
            "s.toml",
            "--runs",
            "4",
            "--seed",
            "2",
            "--quiet",
            "--no-charts",
            "--out",
            "d",
        ],
    );
}

#[cfg(unix)]
#[test]
fn a_merge_stopped_at_any_point_of_its_commit_leaves_old_or_new_outputs_or_a_journal() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let old = t.join("old");
    std::fs::create_dir(&old).unwrap();
    single(&old);
    // No charts before, charts after: files added into a new charts/.
    ok(&cutover(
        &old,
        &[
            "compare",
            "s.toml",
            "--runs",
            "3",
            "--seed",
            "1",
            "--quiet",
            "--no-charts",
            "--out",
            "d",
        ],
    ));
    for k in ["1/2", "2/2"] {
        let out = format!("s{}", &k[..1]);
        ok(&cutover(
            &old,
            &[
                "compare",
                "s.toml",
                "--runs",
                "4",
                "--seed",
                "2",
                "--shard",
                k,
                "--quiet",
                "--no-charts",
                "--out",
                &out,
            ],
        ));
    }
    stop_at_every_point(t, &old, &["merge", "s1", "s2", "--out", "d"]);
}

#[cfg(unix)]
#[test]
fn a_second_writer_on_one_folder_is_refused_and_the_first_keeps_its_staging() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    single(t);
    let compare = || cutover(t, &["compare", "s.toml", "--runs", "3", "--quiet", "--out", "d"]);
    ok(&compare());
    let before = snapshot(&t.join("d"));
    // Another compare is at work on d: it holds the lock and writes into its staging folder.
    let staging = t.join("d/.cutover-staging-other");
    std::fs::create_dir(&staging).unwrap();
    std::fs::write(staging.join("runs.csv"), "half").unwrap();
    let lock = std::fs::File::create(t.join("d/.cutover-lock")).unwrap();
    lock.try_lock().unwrap();
    refused(&compare(), &["d is in use by another cutover process"]);
    assert_eq!(std::fs::read_to_string(staging.join("runs.csv")).unwrap(), "half");
    assert_eq!(snapshot(&t.join("d")), before);
    // A merge into it, or a report from it, is refused as well.
    refused(
        &cutover(t, &["report", "d", "--quiet", "--out", "rep"]),
        &["in use by another cutover process"],
    );
    assert!(!t.join("rep").exists());
    drop(lock);
    // Once it is gone, the next run clears its leftovers.
    std::fs::remove_file(t.join("d/.cutover-lock")).unwrap();
    ok(&compare());
    assert!(hidden(&t.join("d")).is_empty(), "{:?}", hidden(&t.join("d")));
}

#[cfg(unix)]
#[test]
fn endless_and_special_files_are_refused_as_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    single(t);
    std::os::unix::fs::symlink("/dev/zero", t.join("zero.toml")).unwrap();
    for scenario in ["/dev/zero", "/dev/urandom", "zero.toml", "."] {
        for cmd in ["validate", "run", "compare"] {
            let o = cutover(t, &[cmd, scenario, "--quiet"][..if cmd == "validate" { 2 } else { 3 }]);
            refused(&o, &[scenario, "not a regular file"]);
        }
    }
    // A scenario past the size limit is refused without being read whole.
    let big = std::fs::File::create(t.join("big.toml")).unwrap();
    big.set_len(17 << 20).unwrap();
    refused(
        &cutover(t, &["validate", "big.toml"]),
        &["big.toml", "larger than 2 MiB"],
    );
    // A manifest naming /dev/zero as its scenario; a shard whose runs.csv is /dev/zero.
    ok(&cutover(
        t,
        &[
            "compare",
            "s.toml",
            "--runs",
            "4",
            "--shard",
            "1/1",
            "--quiet",
            "--no-charts",
            "--out",
            "c",
        ],
    ));
    let mut m = manifest(&t.join("c"));
    m["scenario_path"] = "/dev/zero".into();
    m["shard"] = serde_json::Value::Null;
    write_manifest(&t.join("c"), &m);
    refused(
        &cutover(t, &["report", "c", "--quiet"]),
        &["/dev/zero", "not a regular file"],
    );
    m["shard"] = serde_json::json!([1, 1]);
    write_manifest(&t.join("c"), &m);
    std::fs::remove_file(t.join("c/runs.csv")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", t.join("c/runs.csv")).unwrap();
    refused(
        &cutover(t, &["merge", "c", "--out", "m"]),
        &["c/runs.csv", "not a regular file"],
    );
    // A manifest that is a device, or too big.
    std::fs::remove_file(t.join("c/manifest.json")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", t.join("c/manifest.json")).unwrap();
    refused(
        &cutover(t, &["merge", "c", "--out", "m"]),
        &["c/manifest.json", "not a regular file"],
    );
    std::fs::remove_file(t.join("c/manifest.json")).unwrap();
    std::fs::File::create(t.join("c/manifest.json"))
        .unwrap()
        .set_len(2 << 20)
        .unwrap();
    refused(
        &cutover(t, &["merge", "c", "--out", "m"]),
        &["c/manifest.json", "larger than 1 MiB"],
    );
    assert!(!t.join("m").exists());
}

/// Two shards of one study (single appliance, 6 runs, seed 5), no charts.
fn two_shards(t: &Path) {
    single(t);
    for k in ["1/2", "2/2"] {
        let out = format!("a{}", &k[..1]);
        ok(&cutover(
            t,
            &[
                "compare",
                "s.toml",
                "--runs",
                "6",
                "--seed",
                "5",
                "--shard",
                k,
                "--quiet",
                "--no-charts",
                "--out",
                &out,
            ],
        ));
    }
}

/// Replaces line `line` (1-based) of `dir/runs.csv` by what `edit` makes of
/// its cells, and records the new file's hash in the manifest when `rehash`.
fn edit_runs(dir: &Path, line: usize, rehash: bool, edit: impl Fn(&mut Vec<String>)) {
    let text = std::fs::read_to_string(dir.join("runs.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let mut cells: Vec<String> = lines[line - 1].split(',').map(String::from).collect();
    edit(&mut cells);
    lines[line - 1] = cells.join(",");
    let new = lines.join("\n") + "\n";
    std::fs::write(dir.join("runs.csv"), &new).unwrap();
    if rehash {
        rehash_file(dir, "runs.csv");
    }
}

fn rehash_file(dir: &Path, name: &str) {
    let bytes = std::fs::read(dir.join(name)).unwrap();
    let mut m = manifest(dir);
    for f in m["files"].as_array_mut().unwrap() {
        if f[0] == name {
            f[1] = cutover::results::sha256_hex(&bytes).into();
        }
    }
    write_manifest(dir, &m);
}

#[test]
fn merge_refuses_shards_changed_after_they_were_written() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    two_shards(t);
    let case = |name: &str, tamper: &dyn Fn(&Path), says: &[&str]| {
        let c = t.join(name);
        copy_dir(&t.join("a1"), &c.join("a1"));
        copy_dir(&t.join("a2"), &c.join("a2"));
        tamper(&c);
        let o = cutover(&c, &["merge", "a1", "a2", "--out", "m"]);
        refused(&o, says);
        assert!(!c.join("m").exists(), "{name}: nothing is written");
    };
    // A changed number: the hash no longer matches.
    case(
        "number",
        &|c| edit_runs(&c.join("a2"), 3, false, |cells| cells[3] = "1.000".into()),
        &["a2/runs.csv", "SHA-256", "a2/manifest.json"],
    );
    case(
        "summary",
        &|c| std::fs::write(c.join("a1/summary.csv"), "strategy\n").unwrap(),
        &["a1/summary.csv", "SHA-256"],
    );
    // Values no study writes, even with the hash made to match: each named
    // with its shard, file, line and column.
    for (value, col) in [("NaN", 3), ("inf", 3), ("1e308", 3), ("abc", 4), ("-1", 4), ("", 4)] {
        case(
            &format!("value{col}{value}"),
            &|c| edit_runs(&c.join("a1"), 2, true, |cells| cells[col] = value.into()),
            &[
                "a1/runs.csv: line 2",
                if col == 3 { "downtime_s" } else { "failed_connects" },
            ],
        );
    }
    case(
        "seed",
        &|c| edit_runs(&c.join("a1"), 3, true, |cells| cells[2] = "6".into()),
        &["a1/runs.csv: line 3", "seed \"6\" where the manifest's seed 5"],
    );
    case(
        "replication",
        &|c| edit_runs(&c.join("a2"), 2, true, |cells| cells[1] = "4".into()),
        &["a2/runs.csv: line 2", "replication \"4\" where 3 was expected"],
    );
    case(
        "short",
        &|c| {
            let text = std::fs::read_to_string(c.join("a1/runs.csv")).unwrap();
            let kept: String = text.lines().take(3).map(|l| format!("{l}\n")).collect();
            std::fs::write(c.join("a1/runs.csv"), kept).unwrap();
            rehash_file(&c.join("a1"), "runs.csv");
        },
        &["a1/runs.csv", "holds 2 of the 3 replications"],
    );
    // A shard written by an older version, before the last metric was
    // added: its rows stop one column short. Refused, naming the column
    // and what to do, not "unexpected header".
    case(
        "older",
        &|c| {
            let text = std::fs::read_to_string(c.join("a1/runs.csv")).unwrap();
            let last = cutover::export::runs_header().last().unwrap().to_string();
            let old: String = text
                .lines()
                .map(|l| format!("{}\n", &l[..l.rfind(',').unwrap()]))
                .collect();
            assert!(!old.contains(&last));
            std::fs::write(c.join("a1/runs.csv"), old).unwrap();
            rehash_file(&c.join("a1"), "runs.csv");
        },
        &[
            "a1/runs.csv: line 1",
            "older version of cutover",
            &format!("`{}`", cutover::export::runs_header().last().unwrap()),
            "run it again",
        ],
    );
    // An edited seed in both manifests: the rows disagree with it.
    case(
        "manifest-seed",
        &|c| {
            for s in ["a1", "a2"] {
                let mut m = manifest(&c.join(s));
                m["seed"] = 6.into();
                write_manifest(&c.join(s), &m);
            }
        },
        &["a1/runs.csv: line 2", "seed"],
    );
    // A baseline that is not a strategy, in both.
    case(
        "baseline",
        &|c| {
            for s in ["a1", "a2"] {
                let mut m = manifest(&c.join(s));
                m["baseline"] = "nope".into();
                write_manifest(&c.join(s), &m);
            }
        },
        &["a1/manifest.json", "baseline", "not one of the strategies"],
    );
    // A 1 MB malformed row is refused without being echoed whole.
    case(
        "long",
        &|c| edit_runs(&c.join("a1"), 2, true, |cells| cells[0] = "z".repeat(1 << 20)),
        &["a1/runs.csv: line 2", "longer than 8192 bytes"],
    );
    let c = t.join("long2");
    copy_dir(&t.join("a1"), &c.join("a1"));
    copy_dir(&t.join("a2"), &c.join("a2"));
    edit_runs(&c.join("a1"), 2, true, |cells| cells[0] = "z".repeat(5000));
    let o = cutover(&c, &["merge", "a1", "a2", "--out", "m"]);
    refused(&o, &["a1/runs.csv: line 2", "strategy \"zzz"]);
    assert!(stderr(&o).len() < 1000, "{} bytes of error", stderr(&o).len());
    // The untouched shards merge.
    ok(&cutover(t, &["merge", "a1", "a2", "--out", "m"]));
}

/// Replaces line `line` (1-based) of `dir/name` by what `edit` makes of
/// its cells, and records the new file's hash in the manifest (as someone
/// covering their tracks would).
fn edit_csv(dir: &Path, name: &str, line: usize, edit: impl Fn(&mut Vec<String>)) {
    let text = std::fs::read_to_string(dir.join(name)).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let mut cells: Vec<String> = lines[line - 1].split(',').map(String::from).collect();
    edit(&mut cells);
    lines[line - 1] = cells.join(",");
    std::fs::write(dir.join(name), lines.join("\n") + "\n").unwrap();
    rehash_file(dir, name);
}

/// The column `name` of `dir/file`'s header.
fn column(dir: &Path, file: &str, name: &str) -> usize {
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    let header = text.lines().next().unwrap();
    header
        .split(',')
        .position(|c| c == name)
        .unwrap_or_else(|| panic!("{file} has no column {name}"))
}

#[test]
fn fleet_merge_checks_every_value_of_its_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    crate::fleet::small_fleet(t);
    for k in ["1/2", "2/2"] {
        let out = format!("s{}", &k[..1]);
        ok(&cutover(
            t,
            &[
                "compare",
                "fleet.toml",
                "--runs",
                "4",
                "--shard",
                k,
                "--quiet",
                "--no-charts",
                "--out",
                &out,
            ],
        ));
    }
    let s1 = t.join("s1");
    let runs_col = |name: &str| column(&s1, "runs.csv", name);
    let sites_col = |name: &str| column(&s1, "sites.csv", name);
    // A line of sites.csv of a site that ran (its metrics are given).
    let sites = std::fs::read_to_string(s1.join("sites.csv")).unwrap();
    let state = sites_col("state");
    let ran = 1 + sites
        .lines()
        .position(|l| l.split(',').nth(state) == Some("done"))
        .expect("a site done");
    let case = |name: &str, tamper: &dyn Fn(&Path), says: &[&str]| {
        let c = t.join(name);
        std::fs::create_dir(&c).unwrap();
        crate::fleet::small_fleet(&c);
        copy_dir(&t.join("s1"), &c.join("s1"));
        copy_dir(&t.join("s2"), &c.join("s2"));
        tamper(&c.join("s1"));
        let o = cutover(&c, &["merge", "s1", "s2", "--out", "m"]);
        refused(&o, says);
        assert!(!stderr(&o).contains("internal error"), "{name}: {}", stderr(&o));
        assert!(!c.join("m").exists(), "{name}: nothing is written");
    };
    // Each value no study writes, with the hashes made to match, is named
    // by its file, line and column.
    for (n, (col, value, says)) in [
        ("campaign_s", "NaN", "not a time in seconds"),
        ("user_minutes_lost", "NaN", "not a ratio"),
        ("dropped_sessions", "abc", "not a count"),
        ("downtime_s", "-5", "not a time in seconds"),
        ("operator_hours", "1e308", "not a ratio"),
        ("site_exposure_s", "1e308", "not a time in seconds"),
        ("sites_done", "999", "999 is more than the fleet's 5 sites"),
        ("sites_done", "2.5", "not a count"),
        ("stopped_at_wave", "7", "past the plan's last wave (2)"),
        ("done_by_deadline", "", "empty, yet the fleet has a deadline"),
        ("outcome", "maybe", "not one of done, stopped, unfinished"),
        ("stop_cause", "boredom", "not one of defect_found"),
        ("seed", "4", "where the manifest's seed 3"),
        ("plan", "fast", "where plan \"slow\" was expected"),
        ("lost_work_sessions", "7", "7 where sites.csv's rows add up to 0"),
    ]
    .into_iter()
    .enumerate()
    {
        let i = runs_col(col);
        let expect = format!("s1/runs.csv: line 2, column {col}: ");
        case(
            &format!("runs-{n}"),
            &|d| edit_csv(d, "runs.csv", 2, |cells| cells[i] = value.into()),
            &[&expect, says],
        );
    }
    // Counts that no longer add up to the fleet's sites.
    let i = runs_col("sites_not_started");
    case(
        "runs-sum",
        &|d| {
            edit_csv(d, "runs.csv", 2, |cells| {
                cells[i] = (cells[i].parse::<u64>().unwrap() + 1).to_string()
            })
        },
        &["s1/runs.csv: line 2", "add up to"],
    );
    // A dropped replication (both plans' rows), the hash made to match.
    case(
        "dropped",
        &|d| {
            let text = std::fs::read_to_string(d.join("runs.csv")).unwrap();
            let kept: String = text.lines().take(3).map(|l| format!("{l}\n")).collect();
            std::fs::write(d.join("runs.csv"), kept).unwrap();
            rehash_file(d, "runs.csv");
        },
        &["s1/runs.csv", "holds 1 of the 2 replications"],
    );
    // The same in sites.csv: values, words, the fleet's own facts.
    for (col, value, says) in [
        ("downtime_s", "NaN", "not a time in seconds"),
        ("failed_connects", "abc", "not a count"),
        ("exposure_risk", "1.5", "not a probability"),
        ("state", "finished", "not one of done, aborted"),
        ("wave", "9", "\"9\" where"),
        ("seed", "12", "was expected"),
        ("attempt", "3", "not 1 or 2"),
        ("end_s", "soon", "not a time in seconds"),
        ("site", "elsewhere", "was expected"),
    ] {
        let i = sites_col(col);
        let expect = format!("s1/sites.csv: line {ran}, column {col}: ");
        case(
            &format!("sites-{col}"),
            &|d| edit_csv(d, "sites.csv", ran, |cells| cells[i] = value.into()),
            &[&expect, says],
        );
    }
    // A site's state that disagrees with the campaign's counts.
    let i = sites_col("state");
    case(
        "sites-count",
        &|d| {
            edit_csv(d, "sites.csv", ran, |cells| {
                cells[i] = "not_started".into();
                for c in cells.iter_mut().skip(10) {
                    c.clear();
                }
            })
        },
        &["s1/runs.csv: line", "column sites_done", "where sites.csv holds"],
    );
    // A row of sites.csv dropped.
    case(
        "sites-dropped",
        &|d| {
            let text = std::fs::read_to_string(d.join("sites.csv")).unwrap();
            let kept: String = text
                .lines()
                .enumerate()
                .filter(|(n, _)| *n + 1 != ran)
                .map(|(_, l)| format!("{l}\n"))
                .collect();
            std::fs::write(d.join("sites.csv"), kept).unwrap();
            rehash_file(d, "sites.csv");
        },
        &["s1/sites.csv: line"],
    );
    // A report of a fleet folder is refused before any value is read.
    let c = t.join("runs-0");
    let o = cutover(&c, &["report", "s1", "--out", "r"]);
    refused(&o, &["a fleet study's folder holds its report already"]);
    assert!(!c.join("r").exists());
    // A shard given twice, or the output among the shards.
    let before = snapshot(&s1);
    refused(
        &cutover(t, &["merge", "s1", "./s1/", "s2", "--out", "m"]),
        &["is given twice"],
    );
    refused(
        &cutover(t, &["merge", "s1", "s2", "--out", "s1"]),
        &["is the shard folder"],
    );
    assert_eq!(snapshot(&s1), before);
    assert!(!t.join("m").exists());
    // The untouched shards merge, to what an unsplit study writes.
    ok(&cutover(t, &["merge", "s2", "s1", "--out", "m"]));
    ok(&cutover(
        t,
        &[
            "compare",
            "fleet.toml",
            "--runs",
            "4",
            "--quiet",
            "--no-charts",
            "--out",
            "whole",
        ],
    ));
    for f in ["runs.csv", "sites.csv", "summary.csv"] {
        assert_eq!(
            std::fs::read(t.join("m").join(f)).unwrap(),
            std::fs::read(t.join("whole").join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn merge_refuses_its_output_among_its_inputs_and_a_shard_given_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    two_shards(t);
    let before = snapshot(&t.join("a1"));
    refused(
        &cutover(t, &["merge", "a1", "a2", "--out", "a1"]),
        &["--out a1 is the shard folder a1"],
    );
    refused(
        &cutover(t, &["merge", "a1", "./a1/", "--out", "m"]),
        &["is given twice", "a1"],
    );
    assert_eq!(snapshot(&t.join("a1")), before);
    assert!(!t.join("m").exists());
}

#[test]
fn hand_edited_manifests_are_refused_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    two_shards(t);
    ok(&cutover(
        t,
        &[
            "compare",
            "s.toml",
            "--runs",
            "3",
            "--quiet",
            "--no-charts",
            "--out",
            "c",
        ],
    ));
    ok(&cutover(
        t,
        &[
            "sweep",
            "s.toml",
            "--set",
            "site.data_gb=1,2",
            "--runs",
            "2",
            "--quiet",
            "--no-charts",
            "--out",
            "sw",
        ],
    ));
    ok(&cutover(t, &["merge", "a1", "a2", "--out", "mg"]));
    // A non-ASCII hash in an output folder's manifest (it once panicked
    // slicing it for the message).
    let odd = format!("a{}a", "é".repeat(31));
    for (dir, args) in [
        ("c", &["compare", "--runs", "3", "--quiet", "--out", "c"][..]),
        (
            "sw",
            &[
                "sweep",
                "s.toml",
                "--set",
                "site.data_gb=1,2",
                "--runs",
                "2",
                "--quiet",
                "--out",
                "sw",
            ],
        ),
        ("mg", &["merge", "a1", "a2", "--out", "mg"]),
    ] {
        let before = std::fs::read(t.join(dir).join("manifest.json")).unwrap();
        let mut m = manifest(&t.join(dir));
        m["scenario_sha256"] = odd.clone().into();
        write_manifest(&t.join(dir), &m);
        refused(&cutover(t, args), &[&format!("{dir}/manifest.json"), "scenario_sha256"]);
        std::fs::write(t.join(dir).join("manifest.json"), before).unwrap();
    }
    // No strategies: merge and report once panicked indexing them.
    for s in ["a1", "a2"] {
        let mut m = manifest(&t.join(s));
        m["strategies"] = serde_json::json!([]);
        write_manifest(&t.join(s), &m);
    }
    refused(
        &cutover(t, &["merge", "a1", "a2", "--out", "m2"]),
        &["a1/manifest.json", "strategies: empty"],
    );
    let mut m = manifest(&t.join("c"));
    m["strategies"] = serde_json::json!([]);
    write_manifest(&t.join("c"), &m);
    refused(
        &cutover(t, &["report", "c", "--quiet"]),
        &["c/manifest.json", "strategies: empty"],
    );
    assert!(!t.join("m2").exists() && !t.join("c/report.html").exists());
}

#[test]
fn thread_run_and_grid_counts_beyond_their_caps_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    single(t);
    refused(
        &cutover(t, &["report", "--threads", "1025", "--runs", "3"]),
        &["at most 1024"],
    );
    refused(
        &cutover(t, &["compare", "--threads", "18446744073709551615", "--runs", "3"]),
        &["--threads", "at most 1024"],
    );
    // Replication 2^60 would reuse replication 0's random numbers.
    refused(
        &cutover(t, &["compare", "--runs", "1152921504606846977"]),
        &["--runs", "at most 1152921504606846976"],
    );
    refused(
        &cutover(
            t,
            &["compare", "--ci-target", "0.1", "--max-runs", "18446744073709551615"],
        ),
        &["--max-runs", "at most"],
    );
    // A 40 × 30 grid is refused before any point is made or run.
    let xs: Vec<String> = (1..=40).map(|i| i.to_string()).collect();
    let ys: Vec<String> = (1..=30).map(|i| format!("{i}h")).collect();
    let (sx, sy) = (
        format!("site.data_gb={}", xs.join(",")),
        format!("calendar.interim={}", ys.join(",")),
    );
    refused(
        &cutover(
            t,
            &[
                "sweep",
                "s.toml",
                "--set",
                &sx,
                "--set",
                &sy,
                "--runs",
                "1",
                "--no-charts",
                "--quiet",
                "--out",
                "g",
            ],
        ),
        &["40 × 30 points", "at most 1000"],
    );
    assert!(!t.join("output").exists() && !t.join("g").exists());
}

#[test]
fn a_file_name_with_a_space_gives_a_safe_default_name() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    // The single-appliance scenario without its `name`.
    let text = std::fs::read_to_string(repo("scenarios/single.toml")).unwrap();
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with("name ="))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(t.join("my plan.toml"), text).unwrap();
    ok(&cutover(t, &["validate", "my plan.toml"]));
    ok(&cutover(t, &["run", "my plan.toml", "--quiet", "--no-charts"]));
    assert!(t.join("output/my-plan/single/events.csv").is_file());
}

#[test]
fn report_checks_everything_before_writing_anything() {
    // A strategy the scenario does not enable, in a consistent (re-hashed)
    // compare folder: refused before any chart is written.
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    single(t);
    ok(&cutover(
        t,
        &[
            "compare",
            "s.toml",
            "--runs",
            "3",
            "--quiet",
            "--no-charts",
            "--out",
            "c",
        ],
    ));
    let text = std::fs::read_to_string(t.join("c/runs.csv")).unwrap();
    std::fs::write(t.join("c/runs.csv"), text.replace("\nsingle,", "\nbogus,")).unwrap();
    rehash_file(&t.join("c"), "runs.csv");
    let mut m = manifest(&t.join("c"));
    m["strategies"] = serde_json::json!(["bogus"]);
    m["baseline"] = "bogus".into();
    write_manifest(&t.join("c"), &m);
    refused(&cutover(t, &["report", "c", "--quiet", "--out", "r"]), &["bogus"]);
    assert!(!t.join("r").exists(), "written: {:?}", snapshot(&t.join("r")));
    let before = snapshot(&t.join("c"));
    refused(&cutover(t, &["report", "c", "--quiet"]), &["bogus"]);
    assert_eq!(snapshot(&t.join("c")), before);
}

#[test]
fn report_finds_the_scenario_from_the_results_folder() {
    // The compare ran in `proj` with a relative scenario path; the report
    // runs from elsewhere.
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    std::fs::create_dir(t.join("proj")).unwrap();
    single(&t.join("proj"));
    ok(&cutover(
        &t.join("proj"),
        &[
            "compare",
            "s.toml",
            "--runs",
            "3",
            "--quiet",
            "--no-charts",
            "--out",
            "out/c",
        ],
    ));
    ok(&cutover(t, &["report", "proj/out/c", "--quiet"]));
    assert!(t.join("proj/out/c/report.html").is_file());
    assert_eq!(manifest(&t.join("proj/out/c"))["scenario_path"], "../../s.toml");
    // Moved together, they still find each other.
    std::fs::rename(t.join("proj"), t.join("moved")).unwrap();
    ok(&cutover(t, &["report", "moved/out/c", "--quiet", "--out", "rep"]));
}

#[cfg(unix)]
#[test]
fn reading_a_folder_finishes_the_commit_a_killed_command_left_in_it() {
    // A first compare into a new folder, stopped after its journal is in
    // place and before its manifest is: report and merge complete it as
    // they open it, then read it.
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    single(t);
    for (out, shard) in [("c", "1/1"), ("s", "1/1")] {
        let mut args = vec![
            "compare",
            "s.toml",
            "--runs",
            "3",
            "--quiet",
            "--no-charts",
            "--out",
            out,
        ];
        if out == "s" {
            args.extend(["--shard", shard]);
        }
        let o = Command::new(env!("CARGO_BIN_EXE_cutover"))
            .args(&args)
            .current_dir(t)
            .env("CUTOVER_TEST_ABORT_AT", "commit:4")
            .output()
            .unwrap();
        assert!(!o.status.success());
        assert!(t.join(out).join(".cutover-journal.json").exists());
        assert!(!t.join(out).join("manifest.json").exists());
    }
    ok(&cutover(t, &["report", "c", "--quiet", "--out", "r"]));
    assert!(t.join("r/report.html").is_file());
    ok(&cutover(t, &["merge", "s", "--out", "m"]));
    for d in ["c", "s"] {
        manifest_lists_every_file(&t.join(d));
        assert!(hidden(&t.join(d)).is_empty(), "{d}: {:?}", hidden(&t.join(d)));
    }
}

#[test]
fn reading_a_folder_removes_what_a_command_killed_before_its_journal_left() {
    // A second compare into a results folder, killed before its journal
    // (the first point of its commit): its staging folder and the lock file
    // stay behind. Report and merge, which only read the folder, remove
    // them (nobody holds the lock) and leave the results as they were.
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    single(t);
    for (out, shard) in [("c", None), ("s", Some("1/1"))] {
        let mut args = vec![
            "compare",
            "s.toml",
            "--runs",
            "3",
            "--quiet",
            "--no-charts",
            "--out",
            out,
        ];
        if let Some(k) = shard {
            args.extend(["--shard", k]);
        }
        ok(&cutover(t, &args));
        let before = snapshot(&t.join(out));
        args[3] = "4";
        let o = Command::new(env!("CARGO_BIN_EXE_cutover"))
            .args(&args)
            .current_dir(t)
            .env("CUTOVER_TEST_ABORT_AT", "commit:1")
            .output()
            .unwrap();
        assert!(!o.status.success());
        let left = hidden(&t.join(out));
        assert!(left.contains(&".cutover-lock".to_string()), "{out}: {left:?}");
        assert!(
            left.iter().any(|n| n.starts_with(".cutover-staging-")),
            "{out}: {left:?}"
        );
        assert!(!left.contains(&".cutover-journal.json".to_string()), "{out}: {left:?}");
        assert_eq!(snapshot(&t.join(out)), before, "{out}: the results are the old ones");
    }
    ok(&cutover(
        t,
        &["report", "c", "--quiet", "--no-sensitivity", "--out", "r"],
    ));
    ok(&cutover(t, &["merge", "s", "--out", "m"]));
    for d in ["c", "s"] {
        assert!(hidden(&t.join(d)).is_empty(), "{d}: {:?}", hidden(&t.join(d)));
        manifest_lists_every_file(&t.join(d));
    }
}

#[test]
fn a_report_of_a_scenario_writes_only_under_its_out_folder_and_a_compare_removes_it() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    single(t);
    ok(&cutover(
        t,
        &["report", "s.toml", "--runs", "20", "--quiet", "--out", "rep"],
    ));
    // Everything under --out, nothing under output/.
    assert!(!t.join("output").exists(), "report --out wrote into output/");
    let rep = t.join("rep");
    for f in [
        "report.md",
        "report.html",
        "summary.pdf",
        "runs.csv",
        "summary.csv",
        "diff.csv",
        "manifest.json",
    ] {
        assert!(rep.join(f).is_file(), "{f}");
    }
    manifest_lists_every_file(&rep);
    assert_eq!(manifest(&rep)["kind"], "compare");
    // A folder of another scenario is refused, as by compare; nothing moves.
    let before = snapshot(&rep);
    refused(
        &cutover(t, &["report", "--runs", "20", "--quiet", "--out", "rep"]),
        &["rep", "different scenario"],
    );
    assert_eq!(snapshot(&rep), before);
    assert!(!t.join("output").exists());
    // A compare into the folder leaves no report describing other results.
    ok(&cutover(
        t,
        &[
            "compare",
            "s.toml",
            "--runs",
            "30",
            "--no-charts",
            "--quiet",
            "--out",
            "rep",
        ],
    ));
    for f in ["report.md", "report.html", "summary.pdf", "charts"] {
        assert!(!rep.join(f).exists(), "{f} of the earlier results is still there");
    }
    manifest_lists_every_file(&rep);
    let listed = manifest(&rep)["files"].to_string();
    assert!(!listed.contains("report"), "{listed}");
    // A report into the folder again describes the new results.
    ok(&cutover(t, &["report", "rep", "--quiet"]));
    let md = std::fs::read_to_string(rep.join("report.md")).unwrap();
    assert!(md.contains("over 30 replications"), "{md}");
}
