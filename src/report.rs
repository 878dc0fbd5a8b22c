//! Charts and the change-board report: they read results, never the engine.
//!
//! - [`chart`]: rendering to SVG and PNG with an embedded font, colours.
//! - [`timeline`]: the timeline of one run.
//! - [`study`]: distributions, CDFs, paired differences, sweeps.
//! - [`page`]: `report.html` (self-contained) and `report.md`.
//! - [`table`]: the comparison table `compare` prints.

pub mod chart;
pub mod page;
pub mod study;
pub mod table;
pub mod timeline;
