//! A segment tree of `u64` keys answering "smallest key in a range" in
//! O(log n), updated in O(log n): the least-loaded node of a region without
//! scanning the region (a cluster may have thousands of traffic nodes and a
//! new session arrives every few milliseconds).

use std::ops::Range;

/// Keys of positions `0..n`; [`MinTree::EMPTY`] marks a position that does
/// not count.
#[derive(Clone, Debug)]
pub(super) struct MinTree {
    /// Leaves at `size..size + n`; node `i` holds the smaller of `2i` and `2i + 1`.
    tree: Vec<u64>,
    size: usize,
}

impl MinTree {
    /// The key of a position that does not count.
    pub(super) const EMPTY: u64 = u64::MAX;

    /// `n` positions, all empty.
    pub(super) fn new(n: usize) -> MinTree {
        let size = n.max(1).next_power_of_two();
        MinTree {
            tree: vec![Self::EMPTY; 2 * size],
            size,
        }
    }

    /// Sets the key of position `i`.
    pub(super) fn set(&mut self, i: usize, key: u64) {
        let mut k = self.size + i;
        if self.tree[k] == key {
            return;
        }
        self.tree[k] = key;
        while k > 1 {
            k /= 2;
            let m = self.tree[2 * k].min(self.tree[2 * k + 1]);
            if self.tree[k] == m {
                break;
            }
            self.tree[k] = m;
        }
    }

    /// Sets every key from `keys` (position order) and rebuilds the inner
    /// nodes at once: O(n) instead of n updates.
    pub(super) fn fill(&mut self, keys: impl Iterator<Item = u64>) {
        for (i, key) in keys.enumerate() {
            self.tree[self.size + i] = key;
        }
        for k in (1..self.size).rev() {
            self.tree[k] = self.tree[2 * k].min(self.tree[2 * k + 1]);
        }
    }

    /// The smallest key in `range` ([`MinTree::EMPTY`] when none counts).
    pub(super) fn min(&self, range: Range<usize>) -> u64 {
        let (mut lo, mut hi) = (range.start + self.size, range.end.min(self.size) + self.size);
        let mut best = Self::EMPTY;
        while lo < hi {
            if lo & 1 == 1 {
                best = best.min(self.tree[lo]);
                lo += 1;
            }
            if hi & 1 == 1 {
                hi -= 1;
                best = best.min(self.tree[hi]);
            }
            lo /= 2;
            hi /= 2;
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    #[test]
    fn range_minima_match_a_scan_after_random_updates() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for n in [1usize, 2, 3, 7, 8, 9, 100] {
            let mut t = MinTree::new(n);
            let mut keys = vec![MinTree::EMPTY; n];
            for step in 0..2_000 {
                if step == 1_000 {
                    for k in keys.iter_mut() {
                        *k = rng.random_range(0..50u64);
                    }
                    t.fill(keys.iter().copied());
                }
                let i = rng.random_range(0..n);
                let key = if rng.random_bool(0.2) {
                    MinTree::EMPTY
                } else {
                    rng.random_range(0..50u64)
                };
                keys[i] = key;
                t.set(i, key);
                let a = rng.random_range(0..=n);
                let b = rng.random_range(a..=n);
                let scan = keys[a..b].iter().copied().min().unwrap_or(MinTree::EMPTY);
                assert_eq!(t.min(a..b), scan, "n {n}, {a}..{b}");
            }
        }
    }
}
