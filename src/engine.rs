//! The discrete-event engine: a future-event queue and a clock.
//!
//! **Ordering guarantee.** Events run in order of their time; events at the
//! same time run in the order they were scheduled (first scheduled, first
//! run). The queue keys every entry by `(time, sequence number)`, where the
//! sequence number grows by one at each `schedule` call, so the order is total
//! and never depends on the heap's layout.
//!
//! The engine knows nothing of appliances or sessions: a model owns an
//! [`EventQueue`] of its own closed event enum and pops from it. The core does
//! no I/O.

mod queue;

pub use queue::EventQueue;
