//! A 4-ary min-heap of events keyed by `(time, sequence)`.
//!
//! A 4-ary heap is shallower than a binary heap (half the levels), and its
//! four children sit next to each other in memory, so a sift-down touches
//! fewer cache lines. Keys are packed apart from payloads so that comparisons
//! read only 16-byte keys.

use crate::time::SimTime;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    time: u64,
    seq: u64,
}

/// The future-event list.
///
/// ```
/// use cutover::engine::EventQueue;
/// use cutover::time::SimTime;
/// let mut q = EventQueue::new();
/// q.schedule(SimTime(5), "b");
/// q.schedule(SimTime(1), "a");
/// q.schedule(SimTime(5), "c");
/// assert_eq!(q.pop(), Some((SimTime(1), "a")));
/// assert_eq!(q.pop(), Some((SimTime(5), "b"))); // same time: scheduling order
/// assert_eq!(q.pop(), Some((SimTime(5), "c")));
/// assert_eq!(q.pop(), None);
/// ```
#[derive(Debug, Clone)]
pub struct EventQueue<E> {
    keys: Vec<Key>,
    items: Vec<E>,
    next_seq: u64,
}

const ARITY: usize = 4;

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue {
            keys: Vec::new(),
            items: Vec::new(),
            next_seq: 0,
        }
    }

    /// An empty queue with room for `n` events.
    pub fn with_capacity(n: usize) -> Self {
        EventQueue {
            keys: Vec::with_capacity(n),
            items: Vec::with_capacity(n),
            next_seq: 0,
        }
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when no event is pending.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The time of the next event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.keys.first().map(|k| SimTime(k.time))
    }

    /// Schedules `event` at `time`. Events at equal times run in the order
    /// of their `schedule` calls.
    pub fn schedule(&mut self, time: SimTime, event: E) {
        let key = Key {
            time: time.0,
            seq: self.next_seq,
        };
        self.next_seq += 1;
        self.keys.push(key);
        self.items.push(event);
        self.sift_up(self.keys.len() - 1);
    }

    /// Removes and returns the earliest event.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let n = self.keys.len();
        if n == 0 {
            return None;
        }
        let key = self.keys.swap_remove(0);
        let item = self.items.swap_remove(0);
        if n > 1 {
            self.sift_down(0);
        }
        Some((SimTime(key.time), item))
    }

    /// Removes every pending event, in no particular order.
    pub fn drain(&mut self) -> impl Iterator<Item = E> + '_ {
        self.keys.clear();
        self.items.drain(..)
    }

    fn sift_up(&mut self, mut i: usize) {
        let key = self.keys[i];
        while i > 0 {
            let parent = (i - 1) / ARITY;
            if self.keys[parent] <= key {
                break;
            }
            self.keys[i] = self.keys[parent];
            self.items.swap(i, parent);
            i = parent;
        }
        self.keys[i] = key;
    }

    fn sift_down(&mut self, mut i: usize) {
        let n = self.keys.len();
        let key = self.keys[i];
        loop {
            let first = i * ARITY + 1;
            if first >= n {
                break;
            }
            let last = (first + ARITY).min(n);
            let mut best = first;
            let mut best_key = self.keys[first];
            for c in first + 1..last {
                let k = self.keys[c];
                if k < best_key {
                    best = c;
                    best_key = k;
                }
            }
            if key <= best_key {
                break;
            }
            self.keys[i] = best_key;
            self.items.swap(i, best);
            i = best;
        }
        self.keys[i] = key;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn pops_in_time_then_schedule_order() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let mut q = EventQueue::new();
        let mut expected = Vec::new();
        for i in 0..5_000u64 {
            let t = rng.next_u64() % 50;
            q.schedule(SimTime(t), i);
            expected.push((t, i));
        }
        expected.sort();
        let got: Vec<(u64, u64)> = std::iter::from_fn(|| q.pop().map(|(t, e)| (t.0, e))).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn interleaved_push_pop_stays_ordered() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
        let mut q = EventQueue::new();
        let mut now = 0;
        for i in 0..1_000u64 {
            q.schedule(SimTime(now + rng.next_u64() % 100), i);
        }
        for i in 0..20_000u64 {
            let (t, _) = q.pop().unwrap();
            assert!(t.0 >= now, "time went backwards");
            now = t.0;
            q.schedule(SimTime(now + rng.next_u64() % 100), i);
        }
    }
}
