//! The scenario file's fields, described once: their table, default and
//! meaning. The book's field table (`docs/src/scenarios.md`) is rendered
//! from [`TABLES`] by [`markdown_table`], and a test checks both that the
//! book holds exactly that table and that every table's keys are the ones
//! the parser accepts, so that a field added to the file format without a
//! line here (or a line here for a field that is gone) fails the tests.

/// One table of a scenario file (`[calendar]`, `[faults]`, …), or the
/// top level (`name` empty).
#[derive(Debug)]
pub struct Table {
    /// The table's dotted path (`"calendar"`, `"runbooks"`); empty for the
    /// top level.
    pub name: &'static str,
    /// How the file writes its header (`"[calendar]"`, `"[[runbooks]]"`).
    pub header: &'static str,
    /// The table's default, in Markdown (most have none).
    pub default: &'static str,
    /// What the table is for, in Markdown.
    pub meaning: &'static str,
    /// Its fields, in the order the book gives them.
    pub fields: &'static [Field],
    /// Keys the parser reads in this table only to refuse them with a
    /// message of their own (they belong to another table).
    pub refused: &'static [&'static str],
}

/// One row of the field table: one field, or a few read together.
#[derive(Debug)]
pub struct Field {
    /// The keys, relative to the table (`"support.rate_per_hour"` is the
    /// key `rate_per_hour` of `[workload.support]`).
    pub names: &'static [&'static str],
    /// The default, in Markdown.
    pub default: &'static str,
    /// What it means, in Markdown.
    pub meaning: &'static str,
}

impl Table {
    /// True when the table's keys are fixed names (not a map of metric
    /// names, as `[thresholds]`, nor described elsewhere, as
    /// `[[runbooks]]`), so that the parser's list of keys can be checked
    /// against [`Table::fields`].
    pub fn keys_are_fields(&self) -> bool {
        !self.fields.is_empty() || self.name.is_empty()
    }
}

/// Every table of a scenario file, the top level first.
pub const TABLES: &[Table] = &[
    Table {
        name: "",
        header: "",
        default: "",
        meaning: "",
        fields: &[
            Field {
                names: &["name"],
                default: "file stem",
                meaning: "names the output folder (letters, digits, `-`, `_`, `.`)",
            },
            Field {
                names: &["description"],
                default: "`\"\"`",
                meaning: "one line on what the scenario shows",
            },
            Field {
                names: &["seed"],
                default: "`1`",
                meaning: "master seed (0 to 2^63−1)",
            },
            Field {
                names: &["strategies"],
                default: "all built-ins for the site kind",
                meaning: "which runbooks the scenario enables, in order",
            },
        ],
        refused: &[],
    },
    Table {
        name: "calendar",
        header: "[calendar]",
        default: "",
        meaning: "",
        fields: &[
            Field {
                names: &["start_weekday", "start_hour"],
                default: "`\"mon\"`, `0`",
                meaning: "the UTC instant simulation time 0 stands for (weekly form; not with `start`)",
            },
            Field {
                names: &["start"],
                default: "none",
                meaning: "a local date-time, `\"2025-03-03T00:00\"` (no offset; years 1970 to 2200): simulation time 0; turns on the dated form of [the calendar](calendar.md)",
            },
            Field {
                names: &["time_zone"],
                default: "`\"UTC\"`",
                meaning: "IANA name (`\"Europe/Paris\"`) from the time-zone database compiled into the binary; needs `start`",
            },
            Field {
                names: &["windows"],
                default: "Tue and Thu 22:00, `\"4h\"`",
                meaning: "maintenance windows, no overlaps: weekly `{ weekday, at = \"22:30\", length }` (or `hour = 22` instead of `at`, not both) and, with `start`, one-off `{ date = \"2025-03-10\", at, length }`; at most a week long, at most 1,000 windows; UTC, or local time with `start`",
            },
            Field {
                names: &["freezes"],
                default: "none",
                meaning: "with `start`: `[{ from = \"2025-12-20\", to = \"2026-01-05\", reason = \"year end\" }]`, local dates, both included, at most 1,000; a window that would overlap a freeze does not open",
            },
            Field {
                names: &["interim"],
                default: "`\"1d\"`",
                meaning: "least time between the two windows of a two-window upgrade (the `interim` step)",
            },
            Field {
                names: &["cutoff"],
                default: "`\"0s\"`",
                meaning: "a work step starts only while its window has more than this left, else it waits for the next window; shorter than the longest window (docs/model.md §3)",
            },
            Field {
                names: &["on_overrun"],
                default: "`\"continue\"`",
                meaning: "what a window closing with work left does: `continue` (work goes on, counted as overrun), `pause` (the next work step waits for the next window; the running step finishes), `backout` (every upgraded appliance is restored from its backup, `faults.rollback` each, and the procedure aborts; with a cutoff, at the cutoff)",
            },
            Field {
                names: &["warmup"],
                default: "`\"auto\"`",
                meaning: "workload time before the procedure; `auto` = 99.9th percentile of the longest session duration among the client kinds whose rate is above 0 (0 without clients)",
            },
            Field {
                names: &["cooldown"],
                default: "`\"0s\"`",
                meaning: "time after the procedure before the run ends",
            },
        ],
        refused: &[],
    },
    Table {
        name: "site",
        header: "[site]",
        default: "",
        meaning: "",
        fields: &[
            Field {
                names: &["kind"],
                default: "`\"failover-pair\"`",
                meaning: "`single` (appliance A), `failover-pair` (A primary, B backup), `atlas` (primary A, optional backup primary B, traffic nodes) or `pod`",
            },
            Field {
                names: &["data_gb"],
                default: "`200`",
                meaning: "stored data per appliance (recordings, logs, file store)",
            },
            Field {
                names: &["keys_match"],
                default: "`true`",
                meaning: "identical inter-appliance keys (needed to establish failover)",
            },
            Field {
                names: &["capacity"],
                default: "none",
                meaning: "most concurrent sessions of an appliance or pod",
            },
            Field {
                names: &["backup_primary"],
                default: "`true`",
                meaning: "atlas: whether there is a backup primary `B`",
            },
            Field {
                names: &["switch"],
                default: "`\"shared-ip\"`",
                meaning: "how the site moves to the other appliance: for a fall-back after a latent defect when the runbook made no switch of its own (pairs: the synchronous upgrade), or for `method = \"auto\"` (atlas)",
            },
            Field {
                names: &["regions"],
                default: "(required for atlas)",
                meaning: "`[{ name, share, nodes, capacity, time_zone }]`: traffic nodes `<name>-1..n`, share of clients (normalised), sessions per node (defaults: share 1, 2 nodes, 100); `time_zone` (needs `calendar.start`): the region's clients follow the workload profile in that zone",
            },
            Field {
                names: &["offline_fraction"],
                default: "`0.5`",
                meaning: "share of each region's nodes taken offline first, rounded down, at most all but one",
            },
            Field {
                names: &["drain_timeout"],
                default: "`\"none\"`",
                meaning: "none: `wait_drained` waits until the sessions end, as the vendor text says; a duration (up to 3650 days): the remaining sessions are cut after it",
            },
            Field {
                names: &["distribute"],
                default: "lognormal 5m / p95 15m",
                meaning: "pushing the package to one node (all in parallel)",
            },
        ],
        refused: &[],
    },
    Table {
        name: "upgrade",
        header: "[upgrade]",
        default: "",
        meaning: "",
        fields: &[
            Field {
                names: &["base"],
                default: "lognormal 10m / p95 20m",
                meaning: "base software update",
            },
            Field {
                names: &["product"],
                default: "lognormal 15m / p95 35m",
                meaning: "product update",
            },
            Field {
                names: &["reboot"],
                default: "uniform 3m–6m",
                meaning: "reboot",
            },
            Field {
                names: &["install_per_gb"],
                default: "`\"6s\"`",
                meaning: "extra install time per GB of stored data (appliances; traffic nodes store no recordings)",
            },
            Field {
                names: &["same_on_both"],
                default: "`true`",
                meaning: "both appliances of a pair (A and B of a cluster) take the same time: one draw of their phases; `false` draws each on its own",
            },
        ],
        refused: &[],
    },
    Table {
        name: "failover",
        header: "[failover]",
        default: "",
        meaning: "",
        fields: &[
            Field {
                names: &["sync_interval"],
                default: "`\"15m\"`",
                meaning: "time between periodic syncs while established",
            },
            Field {
                names: &["first_sync_delay"],
                default: "`\"60s\"`",
                meaning: "from establishing to the first (full) sync",
            },
            Field {
                names: &["sync_overhead"],
                default: "`\"30s\"`",
                meaning: "fixed cost of a sync",
            },
            Field {
                names: &["throughput_mb_s"],
                default: "`100`",
                meaning: "sync throughput",
            },
            Field {
                names: &["record_mb"],
                default: "`25`",
                meaning: "size of the record one ended session leaves",
            },
            Field {
                names: &["mixed_versions"],
                default: "`false`",
                meaning: "a backup on another version than its primary counts as a working backup and takes syncs; by default it does not (the vendor texts do not say a pair works across versions): the time counts as exposure",
            },
        ],
        refused: &[],
    },
    Table {
        name: "network",
        header: "[network]",
        default: "",
        meaning: "",
        fields: &[
            Field {
                names: &["shared_ip_gap"],
                default: "lognormal 15s / p95 60s",
                meaning: "operator latency between disabling the shared IP on A and enabling it on B",
            },
            Field {
                names: &["dns_ttl"],
                default: "`\"60s\"`",
                meaning: "TTL of the site's record",
            },
            Field {
                names: &["dns_stale_fraction"],
                default: "`0.10`",
                meaning: "share of resolvers that keep answers past the TTL",
            },
            Field {
                names: &["dns_stale_extra"],
                default: "lognormal 5m / p95 42m",
                meaning: "how long past the TTL they hold on",
            },
            Field {
                names: &["nat_delay"],
                default: "uniform 2s–10s",
                meaning: "until a NAT edit takes effect",
            },
        ],
        refused: &[],
    },
    Table {
        name: "operator",
        header: "[operator]",
        default: "",
        meaning: "",
        fields: &[
            Field {
                names: &["step"],
                default: "lognormal 1m / p95 3m",
                meaning: "one manual step (clicks, checks)",
            },
            Field {
                names: &["verify"],
                default: "lognormal 10m / p95 30m",
                meaning: "verify and test",
            },
            Field {
                names: &["backup"],
                default: "lognormal 3m / p95 10m",
                meaning: "download a settings backup (the `backup` step, and the download between an appliance's base and product updates, drawn with its phases)",
            },
        ],
        refused: &[],
    },
    Table {
        name: "operators",
        header: "[operators]",
        default: "",
        meaning: "",
        fields: &[
            Field {
                names: &["count"],
                default: "unlimited",
                meaning: "operators working at once, 1 to 10000; with a count, each node of a group `upgrade` takes its own click (`operator.step`) and its install starts when the click is done, as operators come free (unlimited: one click starts the whole group)",
            },
            Field {
                names: &["shifts"],
                default: "always on shift",
                meaning: "`[{ from = \"20:00\", to = \"04:00\" }]`, the calendar's local time (UTC in the weekly form), every day; `to` before `from` ends the next day; `from` ≠ `to`; at most 1,000 shifts. A step needing an operator (every manual step: backup, sync_now, break, establish, upgrade's click, verify, switch, set_accepting, distribute, roles, backup operations, cluster_sync, precheck, restore; not installs, not waits) waits off shift for the next shift (`waiting_for_operator`); a step begun on shift finishes past its end",
            },
        ],
        refused: &[],
    },
    Table {
        name: "workload",
        header: "[workload]",
        default: "",
        meaning: "",
        fields: &[
            Field {
                names: &["arrivals"],
                default: "`\"poisson\"`",
                meaning: "`\"deterministic\"`: one arrival per unit of expected count, no randomness (for hand checks)",
            },
            Field {
                names: &["days"],
                default: "`[1,1,1,1,1,0.25,0.15]`",
                meaning: "rate multiplier per weekday, Monday first",
            },
            Field {
                names: &["hours"],
                default: "business-day shape, 0.1 at night, 1 from 08 to 17 UTC",
                meaning: "rate multiplier per UTC hour (24 values)",
            },
            Field {
                names: &["support.rate_per_hour"],
                default: "`30`",
                meaning: "support sessions per hour at multiplier 1",
            },
            Field {
                names: &["support.duration"],
                default: "lognormal 12m / p95 1h",
                meaning: "how long a support session lasts",
            },
            Field {
                names: &["support.retry"],
                default: "`{ attempts = 2, backoff = \"30s\", factor = 2 }`",
                meaning: "retries after a failed connect, waits growing by `factor`",
            },
            Field {
                names: &["console.rate_per_hour"],
                default: "`2`",
                meaning: "representative console logins per hour",
            },
            Field {
                names: &["console.duration"],
                default: "lognormal 3h / p95 8h",
                meaning: "how long a console session lasts",
            },
            Field {
                names: &["console.retry"],
                default: "`{ attempts = 3, backoff = \"10s\", factor = 2 }`",
                meaning: "retries after a failed connect, as for support",
            },
            Field {
                names: &["console.reconnect"],
                default: "`{ interval = \"30s\", attempts = 240, client_update = \"1m\" }`",
                meaning: "a dropped console retries every `interval`; each technician's console updates itself for `client_update` at their first login to the new version (dropped or not); `enabled = false` turns reconnects and updates off",
            },
            Field {
                names: &["console.technicians"],
                default: "the consoles connected at once at the busiest hour: `rate_per_hour` × the profile's highest `days` × `hours` multiplier × the mean of `duration`, rounded up (at least 1 when the rate is above 0; 8 for the defaults)",
                meaning: "the number of technicians (distinct consoles), 0 to 1,000,000: each updates their console once after the upgrade; a console login to the new version is a technician's first with probability (technicians not yet logged in) / `technicians`; those not logged in when a run ends on the new version are counted then (`technician_unavailable_s`)",
            },
            Field {
                names: &["console.msi_locked_share"],
                default: "`0`",
                meaning: "share of consoles deployed by MSI on locked-down machines (0 to 1): a technician's first login to the new version waits until they are redeployed",
            },
            Field {
                names: &["console.redeploy"],
                default: "lognormal 1d / p95 3d",
                meaning: "redeploying those consoles, from the moment the site first serves the new version",
            },
        ],
        refused: &[
            "support.msi_locked_share",
            "support.redeploy",
            "support.technicians",
            "support.reconnect",
        ],
    },
    Table {
        name: "faults",
        header: "[faults]",
        default: "",
        meaning: "every fault is off by default",
        fields: &[
            Field {
                names: &["mtbf"],
                default: "`\"8760h\"`",
                meaning: "mean time between crashes of one node (for `exposure_risk`, and for simulated crashes)",
            },
            Field {
                names: &["crashes"],
                default: "`false`",
                meaning: "simulate crashes at rate 1/MTBF while a node is up",
            },
            Field {
                names: &["mttr"],
                default: "lognormal 2h / p95 8h",
                meaning: "repair time",
            },
            Field {
                names: &["failover_delay"],
                default: "uniform 30s–2m",
                meaning: "the backup takes over from a crashed primary after it",
            },
            Field {
                names: &["upgrade_failure"],
                default: "`0`",
                meaning: "probability that one upgrade of one node fails (found at the end of its product update)",
            },
            Field {
                names: &["support"],
                default: "lognormal 2h / p95 8h",
                meaning: "wait for technical support after a failed upgrade, before the retry or, with no retry left, before the rollback",
            },
            Field {
                names: &["rollback"],
                default: "lognormal 30m / p95 90m",
                meaning: "restoring the backup after the last failed attempt",
            },
            Field {
                names: &["upgrade_retries"],
                default: "`1`",
                meaning: "further attempts (each after support) before the rollback and the abort",
            },
            Field {
                names: &["sync_failure"],
                default: "`0`",
                meaning: "probability that a sync fails",
            },
            Field {
                names: &["sync_retry"],
                default: "`\"5m\"`",
                meaning: "wait before a failed sync is retried",
            },
            Field {
                names: &["precheck_failure"],
                default: "`0`",
                meaning: "probability that a precheck fails and needs the admin",
            },
            Field {
                names: &["admin_fix"],
                default: "lognormal 4h / p95 24h",
                meaning: "time the admin needs",
            },
            Field {
                names: &["precheck_deadline"],
                default: "`\"2d\"`",
                meaning: "past it the update fails (the procedure is aborted)",
            },
            Field {
                names: &["latent_defect"],
                default: "`0`",
                meaning: "probability (0 to 1) that the new version carries a defect that shows only in production; single appliances and failover pairs only (refused elsewhere: not modelled)",
            },
            Field {
                names: &["defect_detect"],
                default: "exponential, mean 2d",
                meaning: "time in production until such a defect is found, from the first instant the site serves the new version (an assumption: set it from your own records)",
            },
            Field {
                names: &["crash_loses_data"],
                default: "`1`",
                meaning: "probability that a crash destroys the appliance's disk and the records only it held; else they wait for its repair and sync then, unless the backup takes over meanwhile (its first sync overwrites them). The default is the worst case: set it from your own records",
            },
            Field {
                names: &["inject"],
                default: "none",
                meaning: "`[[faults.inject]]` tables `{ at_step, occurrence, after, crash \\| fail_upgrade \\| fail_precheck \\| defect }`: a fault `after` (default 0) into the `occurrence`-th (default first) step whose label, without its number, starts with `at_step` (`\"upgrade A\"`): `crash = \"B\"` (down for `mttr`), `fail_upgrade = \"A\"` (its upgrade fails at its end), `fail_precheck = true` (pods), `defect = true` (the new version carries a latent defect); no draw decides it, the report names it as an assumption",
            },
        ],
        refused: &[],
    },
    Table {
        name: "pod",
        header: "[pod]",
        default: "",
        meaning: "blue-green maintenance (pods only)",
        fields: &[
            Field {
                names: &["preferred_window"],
                default: "none",
                meaning: "`{ weekday, hour }` in `preferred_window_zone`; none = any time",
            },
            Field {
                names: &["preferred_window_zone"],
                default: "`\"UTC\"`",
                meaning: "the zone the preferred window is read in: `\"UTC\"` (as the service's console takes it), `\"local\"` (the calendar's zone) or an IANA name (needs `calendar.start`)",
            },
            Field {
                names: &["miss_probability"],
                default: "`0.1`",
                meaning: "chance the scheduler picks another slot anyway",
            },
            Field {
                names: &["lead_time"],
                default: "`\"7d\"`",
                meaning: "notice between scheduling and the slot",
            },
            Field {
                names: &["spread"],
                default: "`\"7d\"`",
                meaning: "range of hourly slots after the lead time when the preference is not used",
            },
            Field {
                names: &["allotment"],
                default: "`\"4h\"`",
                meaning: "time the service allots to the maintenance",
            },
            Field {
                names: &["cutover"],
                default: "lognormal 12m / p95 20m",
                meaning: "the cutover (\"usually up to twenty minutes\")",
            },
            Field {
                names: &["build_green"],
                default: "lognormal 1h / p95 3h",
                meaning: "building green, in parallel before the slot",
            },
            Field {
                names: &["validate"],
                default: "lognormal 3m / p95 8m",
                meaning: "validation after the cutover",
            },
            Field {
                names: &["delete_blue"],
                default: "lognormal 5m / p95 15m",
                meaning: "deleting the blue VMs",
            },
            Field {
                names: &["reminder_interval"],
                default: "`\"1d\"`",
                meaning: "reminders before the slot",
            },
            Field {
                names: &["farms"],
                default: "one farm, `never`",
                meaning: "`[{ share, logoff, after }]`: each farm's share of sessions (normalised; default 1) and its \"close disconnected sessions\" policy: `\"never\"` (default), `\"immediately\"`, or `\"after\"` with `after` a duration; at most 1,000 farms",
            },
            Field {
                names: &["close_immediately_fraction"],
                default: "`0`",
                meaning: "shorthand for `farms = [{ share = f, logoff = \"immediately\" }, { share = 1 − f, logoff = \"never\" }]` (0 to 1); not with `farms`",
            },
            Field {
                names: &["reconnect_probability"],
                default: "`0.9`",
                meaning: "chance a disconnected user comes back after the cutover",
            },
            Field {
                names: &["reconnect_delay"],
                default: "lognormal 2m / p95 15m",
                meaning: "when they come back",
            },
            Field {
                names: &["emergency_per_year"],
                default: "`0`",
                meaning: "emergency maintenances a year: the update is one with probability 1 - e^(-rate x `lead_time`), slotted `emergency_notice` ahead at any hour, the preferred window ignored, and not moved",
            },
            Field {
                names: &["emergency_notice"],
                default: "`\"1d\"`",
                meaning: "notice of an emergency maintenance (the slot is the next full hour after it)",
            },
            Field {
                names: &["reschedule_probability"],
                default: "`0`",
                meaning: "chance the admin asks support to move the slot, on the scheduling notice",
            },
            Field {
                names: &["support_delay"],
                default: "lognormal 1d / p95 3d",
                meaning: "support's answer: the slot moves to the first preferred window (or the same hour a week on) after both the answer and the old slot; an answer at or after the old slot comes too late",
            },
            Field {
                names: &["preconditions.agents", "preconditions.vcores"],
                default: "`0`",
                meaning: "chance some VM lacks the latest agent, or the subscription lacks vCores of the series: the precheck finds it, and the admin fixes it as a failed precheck (`faults.admin_fix`, `faults.precheck_deadline`: late, the update fails into the unsupported state)",
            },
            Field {
                names: &["preconditions.locks"],
                default: "`0`",
                meaning: "chance management locks remain on the pod's VMs: the precheck misses them, the update fails at the slot after the cutover's time (users disconnected), blue serves on the old version, unsupported until the admin's fix (`faults.admin_fix`)",
            },
            Field {
                names: &["post_update.agents"],
                default: "none",
                meaning: "the admin's update of the agents after the cutover: the pod is unsupported meanwhile (`unsupported_s`)",
            },
            Field {
                names: &["post_update.radius"],
                default: "none",
                meaning: "until the Radius server accepts the new gateways' addresses after the cutover, every connection attempt fails (`radius_failed_connects`)",
            },
            Field {
                names: &["validation_failure"],
                default: "`0`",
                meaning: "chance the green validation fails (below 1): the pod falls back to blue (users disconnected again for a cutover's time), and the update is retried at the next slot",
            },
            Field {
                names: &["post_update.dns"],
                default: "none",
                meaning: "the admin's remap of the pod's DNS name to the load balancer's address after the update (set it for a pod configured for direct connections whose name points at the tenant appliance's address, manifest 1493.1 or earlier, updated to 1600 or later): until it is done, from the cutover's end, direct connections work but lack the HA failover (`dns_unremapped_s`); a point release does not need it again",
            },
            Field {
                names: &["green_build_failure"],
                default: "`0`",
                meaning: "chance a green build fails (changes in the Azure portal or the subscription that break it; below 1): found at the build's end, blue serves on with no disconnection, and the update is retried at the next slot, from the build (`green_build_failures`); five failed builds and validations in a row give the update up",
            },
            Field {
                names: &["point_release"],
                default: "`0`",
                meaning: "chance the update is followed by a point release (such as 2632.1), drawn when blue is deleted: maintained at the next slot after it as the update was (green build, cutover, validation, deletion of blue, with their disconnections and failures), counted in the same metrics (`point_releases`); the post-update steps are not repeated",
            },
        ],
        refused: &[],
    },
    Table {
        name: "preparation",
        header: "[preparation]",
        default: "none",
        meaning: "work before the first window (docs/model.md, \"Preparation\"): it starts at the warm-up's end, and the procedure starts at the first window opening after it; in a fleet, each site prepares from the campaign's start and starts no sooner than its mean length. The download before each install is in the window",
        fields: &[
            Field {
                names: &["manual_path"],
                default: "none (0)",
                meaning: "lead time of the manual path (download key, transfer from an unrestricted system, removable media): a duration or a distribution",
            },
            Field {
                names: &["rehearsal.duration", "rehearsal.catches"],
                default: "none",
                meaning: "`rehearsal = { duration = <dist>, catches = <0 to 1> }`, both required: a rehearsal in a controlled environment after the manual path, which catches that share of the upgrade failures and latent defects before production (`faults.upgrade_failure` and `faults.latent_defect` × (1 − `catches`))",
            },
            Field {
                names: &["order_question"],
                default: "none (0)",
                meaning: "lead time of a question to support on the order of the installs (base before licensing), after the rehearsal: a duration or a distribution",
            },
            Field {
                names: &["download"],
                default: "none",
                meaning: "the download of the update directly before each appliance's install (every `upgrade` step, automatic or manual path): in the window, not lead time; the appliance serves on meanwhile (`download_s`). A duration or a distribution",
            },
            Field {
                names: &["download_lost"],
                default: "`0`",
                meaning: "chance a download is lost (below 1; needs `download`): the update is no longer offered, technical support is asked (`faults.support`), then the download is done again (`redownloads`)",
            },
        ],
        refused: &[],
    },
    Table {
        name: "consoles",
        header: "[consoles]",
        default: "",
        meaning: "representative consoles around the upgrade",
        fields: &[
            Field {
                names: &["prestage_msi"],
                default: "`false`",
                meaning: "the extractable console MSI is downloaded before the server upgrade and deployed with it: consoles on locked-down machines (`workload.console.msi_locked_share`) wait for no redeployment (`workload.console.redeploy`) and need no update",
            },
            Field {
                names: &["old_msi"],
                default: "none (a return costs nothing)",
                meaning: "`\"kept\"` or `\"not_kept\"`: the copy of the old console MSI, for a return to the old version after the site served the new one (a fall-back, a restore, a backout) once the locked-down consoles run the new console (redeployed or pre-staged): their first logins after the return wait for its redeployment (`workload.console.redeploy`), and, not kept, for support to provide it first (`faults.support`) (docs/model.md, \"Consoles after the upgrade\")",
            },
        ],
        refused: &[],
    },
    Table {
        name: "jump_clients",
        header: "[jump_clients]",
        default: "",
        meaning: "Jump Clients that reconnect and update when the site comes back (docs/model.md, \"Jump Clients\")",
        fields: &[
            Field {
                names: &["count"],
                default: "`0` (none)",
                meaning: "Jump Clients connected to the site (0 to 10,000,000)",
            },
            Field {
                names: &["reconnect_per_minute"],
                default: "none (all at once)",
                meaning: "the appliance's throttle: at most this many reconnect a minute, the `k`-th minute's batch back `k` minutes after the site (1 to 10,000,000)",
            },
            Field {
                names: &["update"],
                default: "`0s`",
                meaning: "time for one Jump Client to update itself once reconnected to the new version (each on its own, all in parallel)",
            },
        ],
        refused: &[],
    },
    Table {
        name: "integrations",
        header: "[integrations]",
        default: "",
        meaning: "Integration Clients configured by the appliance's IP address rather than its host name (docs/model.md, \"Integrations\")",
        fields: &[
            Field {
                names: &["by_ip"],
                default: "`0` (none)",
                meaning: "integrations configured by IP (0 to 1000): a DNS or NAT swing to the other appliance leaves each one extracting from the old address, missing data until re-pointed (`integration_gap_s`); a shared IP moves with the site and breaks none",
            },
            Field {
                names: &["repoint"],
                default: "`0s`",
                meaning: "the operator's time to re-point one of them at the appliance now serving, one after another from the switch step's end: a duration or a distribution",
            },
        ],
        refused: &[],
    },
    Table {
        name: "runbooks",
        header: "[[runbooks]]",
        default: "none",
        meaning: "runbooks of your own: see [Runbooks of your own](strategies.md#runbooks-of-your-own)",
        fields: &[],
        refused: &[],
    },
    Table {
        name: "thresholds",
        header: "[thresholds]",
        default: "none",
        meaning: "`metric = value` (in the metric's unit, seconds for `_s`): the report gives P(metric > value) per strategy, and the risk matrix measures the metric's risk event against it",
        fields: &[],
        refused: &[],
    },
    Table {
        name: "priorities",
        header: "[priorities]",
        default: "",
        meaning: "what matters most for the report's bottom line",
        fields: &[
            Field {
                names: &["order"],
                default: "downtime, dropped sessions, lost work sessions, exposure, exposure risk, window overrun (each that applies to the site)",
                meaning: "metric names, most important first (metrics that are better low or high; at least one; each once)",
            },
            Field {
                names: &["negligible"],
                default: "none (`0`)",
                meaning: "`{ metric = amount }`: differences of means no larger than this are a tie (e.g. `downtime_s = 30`)",
            },
        ],
        refused: &[],
    },
    Table {
        name: "risk",
        header: "[risk]",
        default: "",
        meaning: "the likelihood × impact matrix of the risk classes",
        fields: &[
            Field {
                names: &["likelihood"],
                default: "`{ possible = 0.01, likely = 0.1 }`",
                meaning: "a risk event is *rare* below `possible`, *possible* from it, *likely* from `likely` (0 < possible < likely ≤ 1)",
            },
            Field {
                names: &["impact"],
                default: "the metric table's",
                meaning: "`{ metric = \"low\" \\| \"moderate\" \\| \"high\" }`: the risk events and their impact; replaces the defaults (exposure risk, exposure crashes, records lost, aborted, defect escaped: high; window overrun, rollbacks, crashes: moderate)",
            },
            Field {
                names: &["matrix"],
                default: "the matrix after this table",
                meaning: "three rows (rare, possible, likely) of three classes (low, moderate, high impact); a class may not fall as the likelihood or the impact grows",
            },
        ],
        refused: &[],
    },
    Table {
        name: "sensitivity",
        header: "[sensitivity]",
        default: "",
        meaning: "the sensitivity study of `compare` and `report` (docs/model.md §8)",
        fields: &[
            Field {
                names: &["inputs"],
                default: "the defaults of §8",
                meaning: "`{ \"site.data_gb\" = [50, 800], \"calendar.interim\" = [\"12h\", \"3d\"], \"faults.mtbf\" = false }`: an input's own `[low, high]` (numbers for `site.data_gb`, `faults.upgrade_failure` and the factor `workload.scale`; durations for `calendar.interim`, `network.dns_ttl`, `faults.mtbf`), or `false` to leave it out",
            },
            Field {
                names: &["runs"],
                default: "`200`",
                meaning: "replications per strategy at each point (1 to 100,000; at most the comparison's `--runs`)",
            },
            Field {
                names: &["steps"],
                default: "`5`",
                meaning: "bisection steps towards each break-even (0 to 20)",
            },
        ],
        refused: &[],
    },
];

/// The field table as the book prints it: a row per field, each table
/// opened by a bold row of its own.
pub fn markdown_table() -> String {
    let mut t = String::from("| field | default | meaning |\n|---|---|---|\n");
    for table in TABLES {
        if !table.header.is_empty() {
            t.push_str(&format!(
                "| **`{}`** | {} | {} |\n",
                table.header, table.default, table.meaning
            ));
        }
        for f in table.fields {
            let names: Vec<String> = f.names.iter().map(|n| format!("`{n}`")).collect();
            t.push_str(&format!("| {} | {} | {} |\n", names.join(", "), f.default, f.meaning));
        }
    }
    t
}
