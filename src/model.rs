//! Pieces of the world that do not need the event loop: distributions, the
//! calendar, and the arrival process. The world itself lives in [`crate::sim`].

pub mod calendar;
pub mod dist;
pub mod workload;
