//! The change-board report (filled in below).
