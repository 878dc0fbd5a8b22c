//! The site: what kind it is, its nodes, regions and node groups, and how
//! clients move between its appliances.
//!
//! Both the scenario (which builds a [`Site`] from a file) and the runbooks
//! (which are resolved against one) use these types; they depend on neither.
//!
//! Everything that differs between kinds of site is asked of the kind
//! through a capability method ([`SiteKind::failover_peer`],
//! [`SiteKind::routes_through_traffic_nodes`], ...) named after what the
//! caller decides, each an exhaustive `match` without a catch-all arm: a
//! new kind does not compile until every one of them says what it does.
//! [`SiteKind::ALL`] lists the kinds, for parsing and for messages.

use crate::model::dist::Dist;
use crate::time::SimDuration;

/// Index of a node in the site's node list (`A` = 0).
pub type NodeId = usize;

/// What serves the site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SiteKind {
    /// One appliance, `A`.
    Single,
    /// A primary `A` and a backup `B` in a failover relationship.
    FailoverPair,
    /// An Atlas cluster: primary node `A`, optionally a backup primary `B`,
    /// and traffic nodes grouped by region.
    Atlas,
    /// A blue-green pod (Horizon Cloud style), `pod`.
    Pod,
}

/// Whether a kind of site has a backup appliance `B`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailoverPeer {
    /// Never: no failover relationship can exist.
    None,
    /// Always.
    Always,
    /// When the file asks for one (`site.backup_primary`).
    Optional,
}

impl SiteKind {
    /// Every kind, in the order the documentation lists them.
    pub const ALL: [SiteKind; 4] = [SiteKind::Single, SiteKind::FailoverPair, SiteKind::Atlas, SiteKind::Pod];

    /// Parses the file name of a kind.
    pub fn parse(s: &str) -> Option<SiteKind> {
        SiteKind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// The file names of every kind, for messages: `single, failover-pair,
    /// atlas or pod`.
    pub fn choices() -> String {
        let names = SiteKind::ALL.map(SiteKind::name);
        match names.split_last() {
            Some((last, [])) => last.to_string(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        }
    }

    /// The file name of the kind.
    pub fn name(self) -> &'static str {
        match self {
            SiteKind::Single => "single",
            SiteKind::FailoverPair => "failover-pair",
            SiteKind::Atlas => "atlas",
            SiteKind::Pod => "pod",
        }
    }

    /// Whether the site has a backup appliance `B` in a failover
    /// relationship with `A`: decides the node list, the initial
    /// relationship, syncs, records waiting to be synced and exposure.
    pub fn failover_peer(self) -> FailoverPeer {
        match self {
            SiteKind::Single | SiteKind::Pod => FailoverPeer::None,
            SiteKind::FailoverPair => FailoverPeer::Always,
            SiteKind::Atlas => FailoverPeer::Optional,
        }
    }

    /// True when a runbook may move the site's clients from one appliance
    /// to another (`switch`).
    pub fn switches_appliances(self) -> bool {
        match self {
            SiteKind::FailoverPair | SiteKind::Atlas => true,
            SiteKind::Single | SiteKind::Pod => false,
        }
    }

    /// True when the appliance a client reaches bridges its session to a
    /// traffic node: the site has regions, traffic nodes and node groups,
    /// each appliance keeps a configuration of which traffic nodes accept
    /// (an appliance's upgrade clears it), the site is up only while some
    /// traffic node takes sessions, and the steps about traffic nodes
    /// (`set_accepting`, `wait_drained`, `cluster_sync`) apply.
    pub fn routes_through_traffic_nodes(self) -> bool {
        match self {
            SiteKind::Atlas => true,
            SiteKind::Single | SiteKind::FailoverPair | SiteKind::Pod => false,
        }
    }

    /// True when the upgrade package must be pushed to every node
    /// (`distribute_package`) before any node is upgraded.
    pub fn distributes_package(self) -> bool {
        match self {
            SiteKind::Atlas => true,
            SiteKind::Single | SiteKind::FailoverPair | SiteKind::Pod => false,
        }
    }

    /// True when the site is upgraded by a blue-green cutover of the whole
    /// site instead of node by node: `upgrade` is refused, the pod steps
    /// (`schedule`, `build_green`, `cutover`, `delete_blue`) and the
    /// `[pod]` settings apply, and each arrival draws whether its farm
    /// closes disconnected sessions at once.
    pub fn upgrades_by_cutover(self) -> bool {
        match self {
            SiteKind::Pod => true,
            SiteKind::Single | SiteKind::FailoverPair | SiteKind::Atlas => false,
        }
    }

    /// True when latent defects of the new version are modelled
    /// (`faults.latent_defect`, refused elsewhere) and an appliance can be
    /// restored to the old version from its backup (`restore`): each
    /// appliance serves the whole site by itself, so finding a defect means
    /// falling back to one still on the old version or restoring them.
    pub fn restores_appliances(self) -> bool {
        match self {
            SiteKind::Single | SiteKind::FailoverPair => true,
            SiteKind::Atlas | SiteKind::Pod => false,
        }
    }

    /// True when a service, not the operator's calendar, picks the
    /// maintenance slot: the procedure starts right after the warm-up,
    /// the service's allotment is the only window (the calendar's are
    /// neither used nor logged), and it sends reminders before the slot.
    pub fn scheduled_by_service(self) -> bool {
        match self {
            SiteKind::Pod => true,
            SiteKind::Single | SiteKind::FailoverPair | SiteKind::Atlas => false,
        }
    }
}

/// How clients are moved from one appliance to another (docs/model.md §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SwitchMethod {
    /// Disable the shared IP on the old appliance, enable it on the new one.
    SharedIp,
    /// Edit the DNS record; each client follows when its cached answer expires.
    Dns,
    /// Edit the NAT entry; everybody follows at once after a short delay.
    Nat,
}

impl SwitchMethod {
    /// Parses a method name.
    pub fn parse(s: &str) -> Option<SwitchMethod> {
        match s {
            "shared-ip" => Some(SwitchMethod::SharedIp),
            "dns" => Some(SwitchMethod::Dns),
            "nat" => Some(SwitchMethod::Nat),
            _ => None,
        }
    }

    /// The name used in files and logs.
    pub fn name(self) -> &'static str {
        match self {
            SwitchMethod::SharedIp => "shared-ip",
            SwitchMethod::Dns => "dns",
            SwitchMethod::Nat => "nat",
        }
    }
}

/// What a node is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeClass {
    /// An appliance of a single site or a failover pair, or a primary node
    /// of a cluster.
    Appliance,
    /// A cluster traffic node of region `region` (an index into `regions`).
    Traffic {
        /// Index of the region.
        region: usize,
        /// Taken offline in the first half of a cluster upgrade.
        offline: bool,
    },
    /// The pod of a blue-green site.
    Pod,
}

/// One node of the site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeInfo {
    /// Its name: `A`, `B`, `pod`, or `<region>-<n>` for traffic nodes.
    pub name: String,
    /// What it is.
    pub class: NodeClass,
    /// Most concurrent sessions, when limited.
    pub capacity: Option<u32>,
}

/// A region of a cluster.
#[derive(Clone, Debug, PartialEq)]
pub struct Region {
    /// Its name, also a node group.
    pub name: String,
    /// Share of clients from this region (the shares sum to 1).
    pub share: f64,
    /// Number of traffic nodes.
    pub nodes: u32,
    /// Most concurrent sessions per traffic node.
    pub capacity: u32,
}

/// The site.
#[derive(Clone, Debug, PartialEq)]
pub struct Site {
    /// What serves it.
    pub kind: SiteKind,
    /// Stored data per appliance (recordings, logs, file store), in GB.
    pub data_gb: f64,
    /// Whether both appliances hold identical inter-appliance keys.
    pub keys_match: bool,
    /// Regions of a cluster (empty otherwise).
    pub regions: Vec<Region>,
    /// How the site moves to the other appliance when a runbook says
    /// `method = "auto"`, and for a fall-back after a latent defect when the
    /// runbook made no switch of its own (`site.switch`).
    pub switch_method: SwitchMethod,
    /// Fraction of each region's traffic nodes taken offline first.
    pub offline_fraction: f64,
    /// Drain timeout after which remaining sessions are cut; none (the
    /// default, as the vendor text says): wait until they end.
    pub drain_timeout: Option<SimDuration>,
    /// Time to push the upgrade package to one node.
    pub distribute: Dist,
    /// The nodes, in order: `A`, then `B` when present, then traffic nodes
    /// region by region (or `pod`).
    pub nodes: Vec<NodeInfo>,
}

impl Site {
    /// Builds the node list of a site.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        kind: SiteKind,
        data_gb: f64,
        keys_match: bool,
        backup_primary: bool,
        capacity: Option<u32>,
        regions: Vec<Region>,
        offline_fraction: f64,
    ) -> Site {
        let mut nodes = Vec::new();
        let app = |name: &str| NodeInfo {
            name: name.to_string(),
            class: NodeClass::Appliance,
            capacity,
        };
        match kind {
            SiteKind::Single => nodes.push(app("A")),
            SiteKind::FailoverPair => {
                nodes.push(app("A"));
                nodes.push(app("B"));
            }
            SiteKind::Atlas => {
                nodes.push(app("A"));
                if backup_primary {
                    nodes.push(app("B"));
                }
                for (r, region) in regions.iter().enumerate() {
                    let offline = offline_count(region.nodes, offline_fraction);
                    for i in 0..region.nodes {
                        nodes.push(NodeInfo {
                            name: format!("{}-{}", region.name, i + 1),
                            class: NodeClass::Traffic {
                                region: r,
                                offline: i < offline,
                            },
                            capacity: Some(region.capacity),
                        });
                    }
                }
            }
            SiteKind::Pod => nodes.push(NodeInfo {
                name: "pod".into(),
                class: NodeClass::Pod,
                capacity,
            }),
        }
        Site {
            kind,
            data_gb,
            keys_match,
            regions,
            switch_method: SwitchMethod::SharedIp,
            offline_fraction,
            drain_timeout: None,
            distribute: Dist::Constant(SimDuration::from_mins(5)),
            nodes,
        }
    }

    /// Names of the nodes, in order.
    pub fn node_names(&self) -> Vec<&str> {
        self.nodes.iter().map(|n| n.name.as_str()).collect()
    }

    /// The name of node `id`.
    pub fn node_name(&self, id: usize) -> &str {
        self.nodes.get(id).map(|n| n.name.as_str()).unwrap_or("?")
    }

    /// The index of the node called `name`.
    pub fn node_id(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name == name)
    }

    /// True when the site has a backup appliance `B` (a pair, or a cluster
    /// with a backup primary). `B`, when present, is node 1.
    pub fn has_backup(&self) -> bool {
        match self.kind.failover_peer() {
            FailoverPeer::None => false,
            FailoverPeer::Always => true,
            FailoverPeer::Optional => self.nodes.get(1).is_some_and(|n| n.name == "B"),
        }
    }

    /// The nodes of a group: `traffic` (every traffic node), `offline` (the
    /// fraction taken offline first in each region), `remaining` (the
    /// others), or a region's name.
    pub fn group(&self, name: &str) -> Option<Vec<usize>> {
        let pick = |f: &dyn Fn(&NodeClass) -> bool| -> Vec<usize> {
            self.nodes
                .iter()
                .enumerate()
                .filter(|(_, n)| f(&n.class))
                .map(|(i, _)| i)
                .collect()
        };
        let traffic = |c: &NodeClass| matches!(c, NodeClass::Traffic { .. });
        match name {
            "traffic" => Some(pick(&traffic)),
            "offline" => Some(pick(&|c| matches!(c, NodeClass::Traffic { offline: true, .. }))),
            "remaining" => Some(pick(&|c| matches!(c, NodeClass::Traffic { offline: false, .. }))),
            region => {
                let r = self.regions.iter().position(|x| x.name == region)?;
                Some(pick(
                    &|c| matches!(c, NodeClass::Traffic { region, .. } if *region == r),
                ))
            }
        }
    }

    /// Group names this site offers.
    pub fn group_names(&self) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        if self.kind.routes_through_traffic_nodes() {
            v.extend(["traffic", "offline", "remaining"].map(String::from));
            v.extend(self.regions.iter().map(|r| r.name.clone()));
        }
        v
    }
}

/// Traffic nodes taken offline first in a region of `n` nodes: the fraction,
/// rounded down, but never all of them (each region keeps a serving node).
pub fn offline_count(n: u32, fraction: f64) -> u32 {
    if n == 0 {
        return 0;
    }
    (((n as f64) * fraction).floor() as u32).min(n - 1)
}

/// Names a message lists before it says how many more there are.
pub const MAX_LISTED: usize = 10;

/// `a, b, c`, or the first [`MAX_LISTED`] names and `and N more`: an error
/// about one of 20,000 groups (or nodes, or strategies) stays one readable
/// line.
pub fn short_list<S: AsRef<str>>(names: &[S]) -> String {
    let shown: Vec<&str> = names.iter().take(MAX_LISTED).map(|s| s.as_ref()).collect();
    let mut out = shown.join(", ");
    if names.len() > MAX_LISTED {
        out.push_str(&format!(" and {} more", names.len() - MAX_LISTED));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_from_their_names_and_nothing_else() {
        for k in SiteKind::ALL {
            assert_eq!(SiteKind::parse(k.name()), Some(k));
        }
        assert_eq!(SiteKind::parse("Atlas"), None);
        assert_eq!(SiteKind::parse(""), None);
        assert_eq!(SiteKind::choices(), "single, failover-pair, atlas or pod");
    }

    #[test]
    fn a_backup_is_b_at_node_one_where_the_kind_allows_one() {
        let site = |kind, backup| Site::new(kind, 1.0, true, backup, None, Vec::new(), 0.5);
        assert!(!site(SiteKind::Single, true).has_backup());
        assert!(!site(SiteKind::Pod, true).has_backup());
        assert!(site(SiteKind::FailoverPair, false).has_backup());
        assert!(site(SiteKind::Atlas, true).has_backup());
        assert!(!site(SiteKind::Atlas, false).has_backup());
        for kind in SiteKind::ALL {
            for backup in [false, true] {
                let s = site(kind, backup);
                assert_eq!(s.has_backup(), s.node_id("B").is_some(), "{kind:?}, backup {backup}");
            }
        }
    }

    #[test]
    fn only_kinds_with_traffic_nodes_offer_groups() {
        let regions = vec![Region {
            name: "eu".into(),
            share: 1.0,
            nodes: 2,
            capacity: 5,
        }];
        for kind in SiteKind::ALL {
            let s = Site::new(kind, 1.0, true, true, None, regions.clone(), 0.5);
            let traffic = s.nodes.iter().any(|n| matches!(n.class, NodeClass::Traffic { .. }));
            assert_eq!(traffic, kind.routes_through_traffic_nodes(), "{kind:?}");
            assert_eq!(!s.group_names().is_empty(), traffic, "{kind:?}");
        }
    }

    #[test]
    fn short_lists_name_ten_and_count_the_rest() {
        let names: Vec<String> = (0..25).map(|i| format!("n{i}")).collect();
        assert_eq!(short_list(&names[..3]), "n0, n1, n2");
        assert_eq!(short_list(&names[..10]), "n0, n1, n2, n3, n4, n5, n6, n7, n8, n9");
        assert_eq!(short_list(&names), "n0, n1, n2, n3, n4, n5, n6, n7, n8, n9 and 15 more");
    }
}
