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

/// The built-in asynchronous DNS procedure as it was written with names.
const ASYNC_DNS_BY_NAME: &str = r#"{ do = "backup", node = "A" }, { do = "sync_now" }, { do = "break_failover" },
  { do = "upgrade", node = "B" }, { do = "verify", node = "B" }, { do = "switch", method = "dns", to = "B" },
  { do = "interim" }, { do = "upgrade", node = "A" }, { do = "verify", node = "A" },
  { do = "establish_failover", primary = "B", backup = "A" }, { do = "wait_sync" }"#;

#[test]
fn roles_read_as_the_vendor_names_when_nothing_else_moves_the_site() {
    let site = pair(true);
    let by_name = resolve(&raw("failover-pair", ASYNC_DNS_BY_NAME), &site).unwrap();
    let by_role = builtin().into_iter().find(|r| r.name == "failover-async-dns").unwrap();
    let by_role = resolve(&by_role, &site).unwrap();
    // The plan: B (the backup) first, then A, the backup once B serves.
    assert_eq!(by_role.steps, by_name.steps);
    assert!(by_name.roles.is_empty());
    let described: Vec<String> = (0..by_role.steps.len())
        .map(|i| by_role.describe_step(i, &site))
        .collect();
    assert_eq!(described[3], "upgrade backup");
    assert_eq!(described[5], "switch dns -> backup");
    assert_eq!(described[7], "upgrade backup");
    assert_eq!(by_name.describe_step(3, &site), "upgrade B");
    // Read with B primary and serving (after a takeover), the first upgrade
    // is A's; with A serving again, B's.
    let first = by_role.role_step(3).unwrap();
    let swapped = Holders { primary: 1, serving: 1 };
    assert_eq!(
        first.reading(swapped),
        Some(&Step::Upgrade {
            nodes: vec![0],
            wait: true
        })
    );
    assert_eq!(
        by_role
            .role_step(9)
            .unwrap()
            .reading(Holders { primary: 0, serving: 0 }),
        Some(&Step::EstablishFailover { primary: 0, backup: 1 })
    );
    // No appliance 2 holds a role.
    assert_eq!(first.reading(Holders { primary: 2, serving: 0 }), None);
}

#[test]
fn every_builtin_names_its_appliances_by_role() {
    for raw in builtin() {
        let named: Vec<&str> = raw
            .steps
            .iter()
            .flat_map(|s| [&s.node, &s.to, &s.primary, &s.backup])
            .flatten()
            .map(String::as_str)
            .collect();
        if raw.site == "pod" {
            assert_eq!(named, ["pod"], "{}: a pod has no appliances", raw.name);
        } else {
            assert!(!named.is_empty(), "{}", raw.name);
            for n in named {
                assert!(Role::parse(n).is_some(), "{}: {n:?} is a name, not a role", raw.name);
            }
        }
    }
}

#[test]
fn refuses_a_role_nobody_can_hold() {
    let single = Site::new(SiteKind::Single, 1.0, true, false, None, vec![], 0.5);
    let e = refused("single", &single, r#"{ do = "upgrade", node = "backup" }"#);
    assert_eq!(e.step, Some(1));
    assert!(
        e.reason
            .contains("the single site has a single appliance, A, so no appliance is ever the backup"),
        "{e}"
    );
    let e = refused(
        "atlas",
        &cluster(false),
        r#"{ do = "distribute_package" }, { do = "upgrade", node = "idle" }"#,
    );
    assert!(e.reason.contains("no appliance is ever idle"), "{e}");
    let pod = Site::new(SiteKind::Pod, 1.0, true, false, None, vec![], 0.5);
    let e = refused("pod", &pod, r#"{ do = "verify", node = "serving" }"#);
    assert!(
        e.reason.contains("no appliances to name by role (name the node: pod)"),
        "{e}"
    );
    let e = refused(
        "failover-pair",
        &pair(true),
        r#"{ do = "break_failover" }, { do = "upgrade", nodes = ["A", "idle"] }"#,
    );
    assert!(e.reason.contains("write `node = \"idle\"`, not a `nodes` list"), "{e}");
    // An unknown word is an unknown node, and the message offers the roles.
    let e = refused(
        "failover-pair",
        &pair(true),
        r#"{ do = "break_failover" }, { do = "upgrade", node = "standby" }"#,
    );
    assert!(
        e.reason.contains(
            "node \"standby\" does not exist (the site has A, B; or name a role: primary, backup, serving or idle)"
        ),
        "{e}"
    );
    // The site's address leads to a traffic node: nobody is serving or idle.
    let e = refused(
        "atlas",
        &cluster(true),
        r#"{ do = "switch", method = "nat", to = "eu-1" }, { do = "verify", node = "idle" }"#,
    );
    assert_eq!(e.step, Some(2));
    assert!(
        e.reason
            .contains("no appliance is idle at this point: the site's address leads to eu-1"),
        "{e}"
    );
}

#[test]
fn a_role_is_checked_as_it_reads_at_its_point_of_the_plan() {
    // While established, the backup does not accept connections: a switch
    // to it is refused, as by name; after the break it is allowed.
    let e = refused(
        "failover-pair",
        &pair(true),
        r#"{ do = "switch", method = "dns", to = "backup" }"#,
    );
    assert!(
        e.reason.contains("B is the backup and does not accept connections"),
        "{e}"
    );
    // The primary keeps its role while established: refused, as by name.
    let e = refused("failover-pair", &pair(true), r#"{ do = "upgrade", node = "primary" }"#);
    assert!(e.reason.contains("cannot upgrade the acting primary A"), "{e}");
    // After the break the primary is the serving appliance, the backup the
    // idle one: establishing them the other way round is refused.
    let e = refused(
        "failover-pair",
        &pair(true),
        r#"{ do = "break_failover" }, { do = "establish_failover", primary = "idle", backup = "serving" }"#,
    );
    assert!(
        e.reason
            .contains("the primary must be the appliance serving the site (A), not B"),
        "{e}"
    );
}
