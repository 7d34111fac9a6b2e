//! Shared ground of Convene's load generators: the HTTP calls that set up
//! accounts, meetings and room tokens the way the browser does, the
//! server's resource use read from `/proc`, and latency percentiles.
//!
//! Each benchmark is a binary in `src/bin/`, started by `scripts/bench
//! NAME` against a release server it runs on a free port.

pub mod api;
pub mod procfs;
pub mod stats;
