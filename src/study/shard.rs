//! `--shard K/N`: the K-th of N contiguous slices of a study's
//! replications, run on its own and merged later ([`super::merge`]).

use std::ops::Range;

use crate::montecarlo::shard_range;

/// Shard `k` of `n` (1 ≤ k ≤ n).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, from 1.
    pub k: u64,
    /// How many shards.
    pub n: u64,
}

impl Shard {
    /// Parses `K/N`, e.g. `2/8`.
    pub fn parse(s: &str) -> Result<Shard, String> {
        let bad = || format!("--shard {s:?}: expected K/N with 1 ≤ K ≤ N, e.g. 2/8");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let k: u64 = k.trim().parse().map_err(|_| bad())?;
        let n: u64 = n.trim().parse().map_err(|_| bad())?;
        if k == 0 || n == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }

    /// Refuses more shards than replications (some would be empty).
    pub fn check(&self, runs: u64) -> Result<(), String> {
        if self.n > runs {
            return Err(format!("--shard: {} shards for {runs} runs leaves some empty", self.n));
        }
        Ok(())
    }

    /// The replications this shard holds out of `runs`.
    pub fn range(&self, runs: u64) -> Range<u64> {
        shard_range(runs, self.k, self.n)
    }

    /// The output folder's name when none is given: `compare-shard-K-of-N`.
    pub fn folder(&self) -> String {
        format!("compare-shard-{}-of-{}", self.k, self.n)
    }

    /// `[k, n]`, as a manifest records it.
    pub fn pair(&self) -> [u64; 2] {
        [self.k, self.n]
    }
}

/// The replications a study of `runs` holds: all of them, or those of its shard.
pub fn replications(runs: u64, shard: Option<Shard>) -> Range<u64> {
    match shard {
        Some(s) => s.range(runs),
        None => 0..runs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_strictly() {
        assert_eq!(Shard::parse("2/3"), Ok(Shard { k: 2, n: 3 }));
        assert_eq!(Shard::parse(" 1 / 8 "), Ok(Shard { k: 1, n: 8 }));
        for bad in ["4/3", "0/3", "1/0", "a/3", "3", "", "1/2/3", "-1/3"] {
            let e = Shard::parse(bad).unwrap_err();
            assert!(e.starts_with("--shard ") && e.contains("expected K/N"), "{bad}: {e}");
        }
    }

    #[test]
    fn shards_fit_the_runs_and_cover_them() {
        let s = Shard { k: 3, n: 3 };
        assert!(s.check(3).is_ok());
        assert_eq!(
            Shard { k: 1, n: 4 }.check(3).unwrap_err(),
            "--shard: 4 shards for 3 runs leaves some empty"
        );
        assert_eq!(replications(90, Some(Shard { k: 2, n: 3 })), 30..60);
        assert_eq!(replications(90, None), 0..90);
        assert_eq!(s.folder(), "compare-shard-3-of-3");
        assert_eq!(s.pair(), [3, 3]);
    }
}
