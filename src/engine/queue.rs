//! The future-event list: a radix heap on integer time.
//!
//! A discrete-event simulation only ever schedules at or after the current
//! time, so the keys it pops never decrease. A radix heap exploits that:
//! entries sit in 65 buckets by the highest bit in which their time differs
//! from the last time popped. Scheduling is a bit scan and a push; popping
//! takes from bucket 0 (times equal to the last one popped) or, when it is
//! empty, finds the smallest time in the first non-empty bucket and spreads
//! that one bucket over the lower ones. Each entry moves down at most 64
//! times in its life, and in practice once or twice: amortised, both
//! operations are cheap and touch little memory, unlike a heap's sift.
//!
//! **Equal times run in scheduling order.** Bucket 0 is a FIFO; every move
//! between buckets keeps the relative order of the entries moved; and two
//! entries with the same time always share a bucket. So entries with equal
//! times leave in the order they were scheduled, without a sequence number.

use std::collections::VecDeque;

use crate::time::SimTime;

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
    /// Entries whose time equals `last`, in scheduling order.
    now: VecDeque<(u64, E)>,
    /// `buckets[k]`: entries whose time differs from `last` first in bit k.
    buckets: Vec<Vec<(u64, E)>>,
    /// `mins[k]`: the smallest time in `buckets[k]` (`u64::MAX` when empty),
    /// kept up to date on every push, so a refill never scans for it.
    mins: [u64; 64],
    /// Bit k set when `buckets[k]` holds entries: the first non-empty
    /// bucket is one `trailing_zeros` away.
    occupied: u64,
    /// The last time popped (the simulation's current time).
    last: u64,
    len: usize,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

/// The bucket of `t` relative to `last`: 0 when equal, else 1 + the index of
/// the highest differing bit.
#[inline]
fn bucket(t: u64, last: u64) -> usize {
    64 - (t ^ last).leading_zeros() as usize
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue {
            now: VecDeque::new(),
            buckets: (0..64).map(|_| Vec::new()).collect(),
            mins: [u64::MAX; 64],
            occupied: 0,
            last: 0,
            len: 0,
        }
    }

    /// An empty queue with room for about `n` events.
    pub fn with_capacity(n: usize) -> Self {
        let mut q = Self::new();
        q.now.reserve(n.min(1024));
        q
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no event is pending.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The time of the next event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        if !self.now.is_empty() {
            return Some(SimTime(self.last));
        }
        if self.occupied == 0 {
            return None;
        }
        Some(SimTime(self.mins[self.occupied.trailing_zeros() as usize]))
    }

    /// Schedules `event` at `time`. Events at equal times run in the order
    /// of their `schedule` calls. A simulation never schedules before the
    /// time of the last event popped; such a time is treated as that time.
    #[inline]
    pub fn schedule(&mut self, time: SimTime, event: E) {
        debug_assert!(time.0 >= self.last, "scheduled in the past: {} < {}", time.0, self.last);
        let t = time.0.max(self.last);
        self.len += 1;
        match bucket(t, self.last) {
            0 => self.now.push_back((t, event)),
            k => {
                self.buckets[k - 1].push((t, event));
                self.mins[k - 1] = self.mins[k - 1].min(t);
                self.occupied |= 1 << (k - 1);
            }
        }
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        if self.now.is_empty() {
            self.refill()?;
        }
        let (t, e) = self.now.pop_front()?;
        self.len -= 1;
        Some((SimTime(t), e))
    }

    /// Moves the entries with the smallest time into `now`, spreading the
    /// first non-empty bucket over the lower ones.
    fn refill(&mut self) -> Option<()> {
        if self.occupied == 0 {
            return None;
        }
        let k = self.occupied.trailing_zeros() as usize;
        self.occupied &= !(1 << k);
        let min = std::mem::replace(&mut self.mins[k], u64::MAX);
        if self.buckets[k].len() == 1 {
            // Common when events are sparse: the one entry is the next event.
            let (t, e) = self.buckets[k].pop()?;
            self.last = t;
            self.now.push_back((t, e));
            return Some(());
        }
        self.last = min;
        // Every entry of bucket k agrees with `min` above bit k and in bit k
        // itself, so each one moves to a lower bucket (or to `now`).
        let (lower, upper) = self.buckets.split_at_mut(k);
        for (t, e) in upper[0].drain(..) {
            match bucket(t, min) {
                0 => self.now.push_back((t, e)),
                j => {
                    lower[j - 1].push((t, e));
                    self.mins[j - 1] = self.mins[j - 1].min(t);
                    self.occupied |= 1 << (j - 1);
                }
            }
        }
        Some(())
    }

    /// Removes every pending event, in no particular order.
    pub fn drain(&mut self) -> impl Iterator<Item = E> + '_ {
        self.len = 0;
        self.occupied = 0;
        self.mins = [u64::MAX; 64];
        let now = self.now.drain(..).map(|e| e.1);
        let rest = self.buckets.iter_mut().flat_map(|b| b.drain(..).map(|e| e.1));
        now.chain(rest)
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
    fn interleaved_push_pop_matches_a_reference_heap() {
        // Against std's BinaryHeap keyed by (time, sequence): same order,
        // including every tie, over a long hold run with many equal times.
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
        let mut q = EventQueue::new();
        let mut r = BinaryHeap::new();
        let mut seq = 0u64;
        let mut now = 0;
        for i in 0..1_000u64 {
            let t = now + rng.next_u64() % 100;
            q.schedule(SimTime(t), i);
            r.push(Reverse((t, seq, i)));
            seq += 1;
        }
        for i in 0..50_000u64 {
            let (t, e) = q.pop().unwrap();
            let Reverse((rt, _, re)) = r.pop().unwrap();
            assert_eq!((t.0, e), (rt, re), "step {i}");
            assert!(t.0 >= now, "time went backwards");
            now = t.0;
            // Wide spread of delays, including zero and huge ones.
            let d = match rng.next_u64() % 4 {
                0 => 0,
                1 => rng.next_u64() % 3,
                2 => rng.next_u64() % 1_000,
                _ => rng.next_u64() % (1 << 40),
            };
            q.schedule(SimTime(now + d), i);
            r.push(Reverse((now + d, seq, i)));
            seq += 1;
            assert_eq!(q.len(), r.len());
        }
        assert_eq!(q.peek_time().map(|t| t.0), r.peek().map(|x| x.0.0));
    }

    #[test]
    fn drains_everything() {
        let mut q = EventQueue::new();
        for i in 0..100u64 {
            q.schedule(SimTime(i * 7919 % 1000), i);
        }
        q.pop();
        let mut rest: Vec<u64> = q.drain().collect();
        rest.sort();
        assert_eq!(rest.len(), 99);
        assert!(q.is_empty());
    }
}
