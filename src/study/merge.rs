//! The checks `merge` makes before it combines shards: each is a compare
//! folder, all come from one study (same scenario, seed, run count,
//! strategies, baseline, thresholds and shard count), and every shard is
//! there exactly once.
//!
//! The manifests have been read and checked one by one
//! ([`crate::results::parse_manifest`]); the files they list are verified
//! by the command line as it reads them.

use crate::export::Manifest;

/// Refuses a folder that is not a compare folder (a sweep, a run, a report).
pub fn check_kind(name: &str, m: &Manifest) -> Result<(), String> {
    if m.kind != "compare" {
        return Err(format!("{name}: a {} folder, not a compare shard", m.kind));
    }
    Ok(())
}

fn shard_of(m: &Manifest) -> (u64, u64) {
    m.shard.map_or((1, 1), |[k, n]| (k, n))
}

/// Checks that `shards` (any order, at least one) belong to one study and
/// hold every shard once, and sorts them by shard number. `name` names a
/// shard's folder in messages.
pub fn check_shards<T>(shards: &mut [(T, Manifest)], name: impl Fn(&T) -> String) -> Result<(), String> {
    let Some((first_name, first)) = shards.first() else {
        return Err("no shard to merge".into());
    };
    let n = shard_of(first).1;
    for (d, m) in shards.iter() {
        let differs = |what: &str| {
            format!(
                "{} and {} come from different studies: their {what} differ",
                name(first_name),
                name(d)
            )
        };
        if m.scenario_sha256 != first.scenario_sha256 {
            return Err(differs("scenarios"));
        }
        if m.seed != first.seed {
            return Err(differs("seeds"));
        }
        if m.runs != first.runs {
            return Err(differs("run counts"));
        }
        if m.strategies != first.strategies || m.baseline != first.baseline {
            return Err(differs("strategies"));
        }
        if m.thresholds != first.thresholds {
            return Err(differs("thresholds"));
        }
        if shard_of(m).1 != n {
            return Err(differs("shard counts"));
        }
    }
    shards.sort_by_key(|(_, m)| shard_of(m).0);
    let have = shards.len();
    for (i, (d, m)) in shards.iter().enumerate() {
        let k = shard_of(m).0;
        if k != i as u64 + 1 {
            let missing = (1..=n).find(|k| !shards.iter().any(|(_, m)| shard_of(m).0 == *k));
            return Err(match missing {
                Some(k) if (k as usize) <= have || have < n as usize => {
                    format!("shard {k}/{n} is missing (have {have} of {n})")
                }
                _ => format!("{}: shard {k}/{n} is given twice", name(d)),
            });
        }
    }
    if have as u64 != n {
        return Err(format!("shard {}/{n} is missing (have {have} of {n})", have + 1));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard(k: u64, n: u64) -> Manifest {
        Manifest {
            tool: "cutover".into(),
            version: "0".into(),
            kind: "compare".into(),
            command: vec![],
            scenario: "s".into(),
            scenario_file: None,
            scenario_sha256: "a".repeat(64),
            seed: 5,
            strategies: vec!["x".into(), "y".into()],
            baseline: "x".into(),
            runs: 90,
            first_replication: 0,
            replications: 90,
            shard: Some([k, n]),
            thresholds: vec![],
            ci_target: None,
            files: vec![],
            format: 2,
            scenario_path: None,
        }
    }

    fn check(shards: Vec<Manifest>) -> Result<Vec<u64>, String> {
        let mut named: Vec<(String, Manifest)> = shards
            .into_iter()
            .enumerate()
            .map(|(i, m)| (format!("d{i}"), m))
            .collect();
        check_shards(&mut named, |d| d.clone())?;
        Ok(named.iter().map(|(_, m)| m.shard.map_or(1, |s| s[0])).collect())
    }

    #[test]
    fn shards_of_one_study_are_put_in_order() {
        assert_eq!(check(vec![shard(3, 3), shard(1, 3), shard(2, 3)]), Ok(vec![1, 2, 3]));
        let mut whole = shard(1, 1);
        whole.shard = None;
        assert_eq!(check(vec![whole]).map(|_| ()), Ok(()));
    }

    #[test]
    fn shards_of_other_studies_are_named() {
        type Change = fn(&mut Manifest);
        let cases: [(&str, Change); 6] = [
            ("scenarios", |m| m.scenario_sha256 = "b".repeat(64)),
            ("seeds", |m| m.seed = 6),
            ("run counts", |m| m.runs = 91),
            ("strategies", |m| m.baseline = "y".into()),
            ("thresholds", |m| m.thresholds = vec![("downtime_s".into(), 1.0)]),
            ("shard counts", |m| m.shard = Some([2, 4])),
        ];
        for (what, change) in cases {
            let mut other = shard(2, 3);
            change(&mut other);
            assert_eq!(
                check(vec![shard(1, 3), other, shard(3, 3)]),
                Err(format!("d0 and d1 come from different studies: their {what} differ"))
            );
        }
    }

    #[test]
    fn a_missing_or_repeated_shard_is_named() {
        assert_eq!(
            check(vec![shard(1, 3), shard(3, 3)]),
            Err("shard 2/3 is missing (have 2 of 3)".into())
        );
        assert_eq!(
            check(vec![shard(1, 3), shard(2, 3)]),
            Err("shard 3/3 is missing (have 2 of 3)".into())
        );
        assert_eq!(
            check(vec![shard(1, 2), shard(2, 2), shard(2, 2)]),
            Err("d2: shard 2/2 is given twice".into())
        );
        assert!(check(vec![]).is_err());
        let mut sweep = shard(1, 1);
        sweep.kind = "sweep".into();
        assert_eq!(
            check_kind("d", &sweep),
            Err("d: a sweep folder, not a compare shard".into())
        );
        assert_eq!(check_kind("d", &shard(1, 1)), Ok(()));
    }
}
