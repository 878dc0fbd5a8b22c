//! Pieces of the world that do not need the event loop: distributions, the
//! calendar, the arrival process, and the site (its kind, nodes, regions
//! and groups). The world itself lives in [`crate::sim`].

pub mod calendar;
pub mod dist;
pub mod site;
pub mod workload;
