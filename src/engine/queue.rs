//! The future-event list: a radix heap on integer time, sixteen ways wide.
//!
//! A discrete-event simulation only ever schedules at or after the current
//! time, so the keys it pops never decrease. A radix heap exploits that:
//! an entry sits in a bucket named by the highest 4-bit digit (nibble) in
//! which its time differs from the last time popped, and by its value of
//! that digit. Buckets in (digit position, digit value) order hold ever
//! later times, so the earliest entry is in the first non-empty bucket (two
//! bitmask scans away). When the entries equal to the last time run out,
//! that bucket is spread over the lower positions. An entry moves down at
//! most once per digit position: about five times for delays of minutes to
//! hours in milliseconds, where a binary radix heap moves it about twenty
//! times and a binary heap sifts it through every level.
//!
//! **Equal times run in scheduling order.** Entries equal to the last time
//! wait in a FIFO; every move keeps the relative order of the entries moved;
//! and entries with equal times always share a bucket. So they leave in the
//! order they were scheduled, without a sequence number.

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
    /// `buckets[16 * position + value]`: entries whose time first differs
    /// from `last` in nibble `position`, where it has `value`.
    buckets: Vec<Vec<(u64, E)>>,
    /// An empty vector with capacity, swapped in when a bucket is spread.
    spare: Vec<(u64, E)>,
    /// Bit `value` of `values[position]` set when that bucket holds entries.
    values: [u16; 16],
    /// Bit `position` set when `values[position]` is not zero.
    positions: u16,
    /// The last time popped (the simulation's current time).
    last: u64,
    len: usize,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

/// The bucket of `t` relative to `last` (`t != last`).
#[inline]
fn bucket(t: u64, last: u64) -> (usize, usize) {
    let position = (63 - (t ^ last).leading_zeros() as usize) / 4;
    let value = ((t >> (4 * position)) & 15) as usize;
    (position, value)
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue {
            now: VecDeque::new(),
            buckets: (0..256).map(|_| Vec::new()).collect(),
            spare: Vec::new(),
            values: [0; 16],
            positions: 0,
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

    /// The first non-empty bucket, if any.
    #[inline]
    fn first(&self) -> Option<(usize, usize)> {
        if self.positions == 0 {
            return None;
        }
        let p = self.positions.trailing_zeros() as usize;
        Some((p, self.values[p].trailing_zeros() as usize))
    }

    /// The time of the next event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        if !self.now.is_empty() {
            return Some(SimTime(self.last));
        }
        let (p, v) = self.first()?;
        self.buckets[16 * p + v].iter().map(|e| e.0).min().map(SimTime)
    }

    #[inline]
    fn put(&mut self, t: u64, event: E) {
        if t == self.last {
            self.now.push_back((t, event));
        } else {
            let (p, v) = bucket(t, self.last);
            self.buckets[16 * p + v].push((t, event));
            self.values[p] |= 1 << v;
            self.positions |= 1 << p;
        }
    }

    /// Schedules `event` at `time`. Events at equal times run in the order
    /// of their `schedule` calls. A simulation never schedules before the
    /// time of the last event popped; such a time is treated as that time.
    #[inline]
    pub fn schedule(&mut self, time: SimTime, event: E) {
        debug_assert!(time.0 >= self.last, "scheduled in the past: {} < {}", time.0, self.last);
        self.len += 1;
        self.put(time.0.max(self.last), event);
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
    /// first non-empty bucket over the lower digit positions.
    fn refill(&mut self) -> Option<()> {
        let (p, v) = self.first()?;
        let k = 16 * p + v;
        let min = self.buckets[k].iter().map(|e| e.0).min()?;
        self.last = min;
        self.values[p] &= !(1 << v);
        if self.values[p] == 0 {
            self.positions &= !(1 << p);
        }
        let mut items = std::mem::replace(&mut self.buckets[k], std::mem::take(&mut self.spare));
        for (t, e) in items.drain(..) {
            self.put(t, e);
        }
        self.spare = items;
        Some(())
    }

    /// Removes every pending event, in no particular order.
    pub fn drain(&mut self) -> impl Iterator<Item = E> + '_ {
        self.len = 0;
        self.values = [0; 16];
        self.positions = 0;
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
