//! `cutover new`: every template validates as written, `compare` runs on
//! it, a fleet's site file is written beside it, and nothing is ever
//! overwritten.

use crate::cutover;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn every_template_validates_and_compares() {
    let tmp = tempfile::tempdir().unwrap();
    for kind in ["pair", "single", "atlas", "pod", "fleet"] {
        let file = format!("{kind}-new.toml");
        let o = cutover(tmp.path(), &["new", kind, "--out", &file]);
        assert!(o.status.success(), "new {kind}: {}", text(&o.stderr));
        let body = std::fs::read_to_string(tmp.path().join(&file)).unwrap();
        assert!(body.contains("CHANGE"), "{kind}: the template says what to change");
        let o = cutover(tmp.path(), &["validate", &file]);
        assert!(o.status.success(), "validate {kind}: {}", text(&o.stderr));
        assert!(text(&o.stdout).contains("valid"), "{}", text(&o.stdout));
        let out = format!("out-{kind}");
        let o = cutover(
            tmp.path(),
            &["compare", &file, "--runs", "3", "--quiet", "--no-charts", "--out", &out],
        );
        assert!(o.status.success(), "compare {kind}: {}", text(&o.stderr));
        assert!(tmp.path().join(&out).join("runs.csv").is_file(), "{kind}");
    }
    // The fleet's site file sits beside it, named after it.
    assert!(tmp.path().join("fleet-new-site.toml").is_file());
    let fleet = std::fs::read_to_string(tmp.path().join("fleet-new.toml")).unwrap();
    assert!(fleet.contains("scenario = \"fleet-new-site.toml\""), "{fleet}");
}

#[test]
fn new_never_overwrites_and_writes_nothing_when_one_file_exists() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("mine.toml"), "# mine\n").unwrap();
    let o = cutover(tmp.path(), &["new", "pair", "--out", "mine.toml"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("exists"), "{}", text(&o.stderr));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("mine.toml")).unwrap(),
        "# mine\n"
    );
    // A fleet whose site file exists: neither file is written.
    std::fs::write(tmp.path().join("f-site.toml"), "# mine\n").unwrap();
    let o = cutover(tmp.path(), &["new", "fleet", "--out", "f.toml"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(!tmp.path().join("f.toml").exists());
    // Without --out: `<kind>.toml` in the current folder.
    let o = cutover(tmp.path(), &["new", "single"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(tmp.path().join("single.toml").is_file());
    // An unknown kind is a usage error.
    let o = cutover(tmp.path(), &["new", "cluster"]);
    assert_eq!(o.status.code(), Some(2));
}
