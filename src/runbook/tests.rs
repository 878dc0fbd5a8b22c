use super::*;
use crate::model::site::{Region, Site, SiteKind};

fn pair(keys_match: bool) -> Site {
    Site::new(SiteKind::FailoverPair, 10.0, keys_match, false, None, vec![], 0.5)
}

fn cluster(backup: bool) -> Site {
    let regions = vec![
        Region {
            name: "eu".into(),
            share: 0.5,
            nodes: 3,
            capacity: 10,
        },
        Region {
            name: "us".into(),
            share: 0.5,
            nodes: 2,
            capacity: 10,
        },
    ];
    Site::new(SiteKind::Atlas, 10.0, true, backup, None, regions, 0.5)
}

fn raw(site: &str, steps: &str) -> RawRunbook {
    toml::from_str(&format!("name = \"x\"\nsite = \"{site}\"\nsteps = [{steps}]")).unwrap()
}

fn refused(site_kind: &str, site: &Site, steps: &str) -> RunbookError {
    resolve(&raw(site_kind, steps), site).unwrap_err()
}

#[test]
fn every_builtin_resolves_on_its_site() {
    let names = builtin_names();
    assert_eq!(
        names,
        [
            "single",
            "failover-sync",
            "failover-sync-one-window",
            "failover-async-shared-ip",
            "failover-async-dns",
            "failover-async-nat",
            "atlas-failover",
            "atlas-standalone",
            "blue-green"
        ]
    );
    for raw in builtin() {
        let site = match raw.site.as_str() {
            "single" => Site::new(SiteKind::Single, 1.0, true, false, None, vec![], 0.5),
            "failover-pair" => pair(true),
            "atlas" => cluster(raw.name == "atlas-failover"),
            _ => Site::new(SiteKind::Pod, 1.0, true, false, None, vec![], 0.5),
        };
        let rb = resolve(&raw, &site).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rb.steps.len(), raw.steps.len());
    }
}

#[test]
fn groups_keep_a_serving_node_per_region() {
    let c = cluster(false);
    let names = |g: &str| -> Vec<String> {
        c.group(g)
            .unwrap()
            .iter()
            .map(|i| c.node_name(*i).to_string())
            .collect()
    };
    // 3 nodes × 0.5 = 1.5, rounded down: 1 offline; 2 nodes: 1 offline.
    assert_eq!(names("offline"), ["eu-1", "us-1"]);
    assert_eq!(names("remaining"), ["eu-2", "eu-3", "us-2"]);
    assert_eq!(names("us"), ["us-1", "us-2"]);
    assert_eq!(crate::model::site::offline_count(1, 0.5), 0);
    assert_eq!(crate::model::site::offline_count(4, 1.0), 3);
}

#[test]
fn refuses_a_node_that_does_not_exist() {
    let e = refused(
        "failover-pair",
        &pair(true),
        r#"{ do = "break_failover" }, { do = "upgrade", node = "C" }"#,
    );
    assert_eq!(e.step, Some(2));
    assert!(e.reason.contains("\"C\" does not exist"), "{e}");
    let e = refused(
        "atlas",
        &cluster(false),
        r#"{ do = "distribute_package" }, { do = "upgrade", group = "apac" }"#,
    );
    assert!(e.reason.contains("group \"apac\" does not exist"), "{e}");
}

#[test]
fn refuses_a_switch_to_an_appliance_that_is_down() {
    let e = refused(
        "failover-pair",
        &pair(true),
        r#"{ do = "break_failover" }, { do = "upgrade", node = "B", wait = false }, { do = "switch", method = "dns", to = "B" }, { do = "wait_upgraded", node = "B" }"#,
    );
    assert_eq!(e.step, Some(3));
    assert!(e.reason.contains("down"), "{e}");
    let e = refused(
        "failover-pair",
        &pair(true),
        r#"{ do = "switch", method = "dns", to = "B" }"#,
    );
    assert!(e.reason.contains("backup"), "{e}");
}

#[test]
fn refuses_establish_without_matching_keys() {
    let e = refused(
        "failover-pair",
        &pair(false),
        r#"{ do = "break_failover" }, { do = "establish_failover", primary = "A", backup = "B" }"#,
    );
    assert_eq!(e.step, Some(2));
    assert!(e.reason.contains("inter-appliance keys"), "{e}");
}

#[test]
fn refuses_upgrading_the_acting_primary_while_its_backup_is_down() {
    let e = refused(
        "atlas",
        &cluster(true),
        r#"{ do = "distribute_package" }, { do = "upgrade", node = "B", wait = false }, { do = "upgrade", node = "A" }, { do = "wait_upgraded", node = "B" }"#,
    );
    assert_eq!(e.step, Some(3));
    assert!(
        e.reason.contains("acting primary A while its backup B is also down"),
        "{e}"
    );
    let e = refused(
        "atlas",
        &cluster(true),
        r#"{ do = "distribute_package" }, { do = "upgrade", nodes = ["A", "B"] }"#,
    );
    assert!(e.reason.contains("also down"), "{e}");
}

#[test]
fn refuses_other_impossible_steps() {
    let e = refused("failover-pair", &pair(true), r#"{ do = "upgrade", node = "A" }"#);
    assert!(e.reason.contains("break it first"), "{e}");
    let e = refused("atlas", &cluster(false), r#"{ do = "upgrade", group = "offline" }"#);
    assert!(e.reason.contains("distribute_package"), "{e}");
    let e = refused("failover-pair", &pair(true), r#"{ do = "reboot" }"#);
    assert!(e.reason.contains("unknown step"), "{e}");
    let e = refused(
        "failover-pair",
        &pair(true),
        r#"{ do = "upgrade", node = "B", wait = false }"#,
    );
    assert!(e.reason.contains("still upgrading"), "{e}");
    let e = refused("failover-pair", &pair(true), r#"{ do = "sync_now", node = "A" }"#);
    assert!(e.reason.contains("takes no `node`"), "{e}");
    let e = refused("atlas", &cluster(false), r#"{ do = "sync_now" }"#);
    assert!(e.reason.contains("no failover relationship"), "{e}");
    let e = resolve(&raw("pod", r#"{ do = "cutover" }"#), &pair(true)).unwrap_err();
    assert!(e.reason.contains("needs a pod site"), "{e}");
}
