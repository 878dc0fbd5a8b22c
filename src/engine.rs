//! The discrete-event engine: the future-event queue.
//!
//! **Ordering guarantee.** Events leave in order of their time; events at the
//! same time leave in the order they were scheduled (first scheduled, first
//! out). The queue is a radix heap on integer time ([`EventQueue`]) that keeps
//! that order by construction, without a sequence number: see `queue.rs`.
//!
//! The engine knows nothing of appliances or sessions and keeps no clock: a
//! model owns an [`EventQueue`] of its own closed event enum, pops from it and
//! keeps its own current time (`sim::World::now`). The core does no I/O.

mod queue;

pub use queue::EventQueue;
