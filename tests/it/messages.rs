//! Messages that help: every mistake of a file in one run, in the order of
//! the file, and a suggestion for a misspelled key or strategy, in site
//! scenarios and in fleet files.

use crate::cutover;

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn three_mistakes_give_three_messages_in_one_run() {
    let tmp = tempfile::tempdir().unwrap();
    // A misspelled key (a parse error), a value out of range and a
    // misspelled strategy (validation errors): one run names all three,
    // each at its line, and the time in words is read.
    let text = "strategies = [\"failover-asyn-dns\"]\n\
                [calendar]\n\
                interim = \"6 hours\"\n\
                [site]\n\
                data_gbb = 400\n\
                [faults]\n\
                upgrade_failure = 1.5\n";
    std::fs::write(tmp.path().join("three.toml"), text).unwrap();
    let o = cutover(tmp.path(), &["validate", "three.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("three.toml:")).collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert!(
        lines[0].starts_with("three.toml:1:") && lines[0].contains("did you mean \"failover-async-dns\"?"),
        "{err}"
    );
    assert!(
        lines[1].starts_with("three.toml:5:") && lines[1].contains("did you mean `data_gb`?"),
        "{err}"
    );
    assert!(
        lines[2].starts_with("three.toml:7:") && lines[2].contains("upgrade_failure"),
        "{err}"
    );
    assert!(!err.contains("interim"), "6 hours is a duration: {err}");
}

#[test]
fn a_fleet_file_names_every_misspelled_key_with_a_suggestion() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "[fleet]\n\
                start = \"2025-03-03T00:00\"\n\
                sites = [{ name = \"a\", count = 2, scenario = {} }]\n\
                [campaign]\n\
                max_sites = 3\n\
                bakee = \"7d\"\n";
    std::fs::write(tmp.path().join("f.toml"), text).unwrap();
    let o = cutover(tmp.path(), &["validate", "f.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("f.toml:5:") && err.contains("did you mean `max_sites_per_window`?"),
        "{err}"
    );
    assert!(
        err.contains("f.toml:6:") && err.contains("did you mean `bake`?"),
        "{err}"
    );
}

#[test]
fn a_misspelled_strategy_in_a_fleet_plan_gets_a_suggestion() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "[fleet]\n\
                start = \"2025-03-03T00:00\"\n\
                sites = [{ name = \"a\", count = 2, scenario = {}, strategy = \"failover-async-dsn\" }]\n";
    std::fs::write(tmp.path().join("f.toml"), text).unwrap();
    let o = cutover(tmp.path(), &["validate", "f.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("did you mean \"failover-async-dns\"?"), "{err}");
}

#[test]
fn every_command_has_two_examples_and_the_fleet_commands_say_so() {
    let tmp = tempfile::tempdir().unwrap();
    for command in [
        "run",
        "compare",
        "merge",
        "sweep",
        "report",
        "fit-workload",
        "validate",
        "strategies",
        "new",
        "optimise",
    ] {
        let o = cutover(tmp.path(), &[command, "--help"]);
        assert!(o.status.success(), "{command}: {}", stderr(&o));
        let help = String::from_utf8_lossy(&o.stdout).into_owned();
        let examples = help
            .split("Examples:\n")
            .nth(1)
            .unwrap_or_else(|| panic!("{command} --help has no examples:\n{help}"));
        let lines = examples
            .lines()
            .filter(|l| l.trim_start().starts_with("cutover "))
            .count();
        assert!(lines >= 2, "{command} --help has {lines} examples:\n{help}");
        if ["run", "compare", "validate", "report"].contains(&command) {
            assert!(
                help.contains("fleet file"),
                "{command} --help does not say it takes a fleet file:\n{help}"
            );
        }
    }
}
