//! Charts and the change-board report: they read results, never the engine.
//!
//! - [`calendar`]: the calendar of one run in words: windows used,
//!   skipped, and the waits between them.
//! - [`chart`]: rendering to SVG and PNG with an embedded font, colours.
//! - [`timeline`]: the timeline of one run.
//! - [`study`]: distributions, CDFs, paired differences, sweeps.
//! - [`doc`]: the report as a document, rendered to Markdown, HTML and
//!   the terminal: written once.
//! - [`page`]: the site report's content (`report.html`, `report.md`).
//! - [`sensitivity`]: what would change the decision: the tornado chart
//!   and its findings in words.
//! - [`pdf`]: `summary.pdf`, the site report's one-page summary
//!   ([`page::summary`]) laid out on one A4 page.
//! - [`fleet`]: a campaign's Gantt and exposure, campaign lengths per
//!   plan, and the fleet report.
//! - [`fit`]: the fitted weekly profile and durations against the data.
//! - [`terminal`]: what the commands print: the comparison table, a run's
//!   summary, the runbooks.

pub mod calendar;
pub mod chart;
pub mod doc;
pub mod fit;
pub mod fleet;
pub mod optimise;
pub mod page;
pub mod pdf;
pub mod sensitivity;
pub mod study;
pub mod sweep;
pub mod terminal;
pub mod timeline;
