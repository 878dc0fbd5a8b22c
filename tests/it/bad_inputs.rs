//! The catalogue of broken scenarios in `tests/data/bad/`: every file must be
//! refused by `validate` and by `run` with exit code 2, an error naming the
//! file and containing the substring its first line promises
//! (`# expect: ...`), no panic, and nothing written. Add a case by adding a
//! file; no code changes.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::cutover;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The catalogue's files, sorted by name.
fn bad_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/bad");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

/// The substring promised by the file's first line, `# expect: <substring>`.
fn expectation(file: &Path, name: &str) -> String {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{name}: {e}"));
    let first = text.lines().next().unwrap_or_default();
    let expect = first
        .strip_prefix("# expect:")
        .unwrap_or_else(|| panic!("{name}: the first line is not `# expect: <substring>`: {first:?}"))
        .trim();
    assert!(!expect.is_empty(), "{name}: the `# expect:` substring is empty");
    expect.to_string()
}

/// Checks one refusal; returns the problems found (empty when all is well).
fn check(name: &str, args: &[&str], o: &Output, expect: &str, dir: &Path, out: &Path) -> Vec<String> {
    let err = stderr(o);
    let cmd = args[0];
    let mut problems = Vec::new();
    if o.status.code() != Some(2) {
        problems.push(format!("{cmd}: exit code {:?}, not 2", o.status.code()));
    }
    if !err.contains(expect) {
        problems.push(format!("{cmd}: the error does not contain {expect:?}"));
    }
    if !err.contains(name) {
        problems.push(format!("{cmd}: the error does not name the file"));
    }
    if err.contains("panicked") {
        problems.push(format!("{cmd}: panicked"));
    }
    if out.exists() {
        problems.push(format!("{cmd}: {} was created despite the error", out.display()));
    }
    let mut created: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    if !created.is_empty() {
        created.sort();
        problems.push(format!(
            "{cmd}: wrote {created:?} in its working folder despite the error"
        ));
    }
    if !problems.is_empty() {
        problems.push(format!("{cmd}: stderr was:\n{err}"));
    }
    problems
}

#[test]
fn every_bad_scenario_is_refused_with_its_message() {
    let files = bad_files();
    assert!(
        files.len() >= 40,
        "tests/data/bad holds {} scenarios, expected at least 40",
        files.len()
    );
    let mut failures = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let expect = expectation(file, &name);
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let path = file.display().to_string();
        let out_arg = out.display().to_string();
        let mut problems = Vec::new();
        for args in [vec!["validate", path.as_str()], vec!["run", &path, "--out", &out_arg]] {
            let o = cutover(tmp.path(), &args);
            problems.extend(check(&name, &args, &o, &expect, tmp.path(), &out));
        }
        if !problems.is_empty() {
            failures.push(format!("{name}:\n  {}", problems.join("\n  ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} bad scenarios were not refused as expected:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
