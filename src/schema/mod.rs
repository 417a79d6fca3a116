//! The result records: what a run writes and what charts and reports read.
//!
//! Plain serde types and the enums that name the design's vocabulary
//! (strategy, sync mode, wait style, precision, status, timing method).
//! This module imports nothing of the project, so charts and reports
//! compile without wgpu, and every layer above can share these types.
//! It holds measurements only: figures derived across points (speedup,
//! efficiency, fits, verdicts) live in `analysis`, never in result files.

mod ceilings;
mod config;
mod figures;
mod modes;
mod point;
mod run;
mod strategy;
#[cfg(test)]
mod tests;

pub use ceilings::*;
pub use config::*;
pub use figures::*;
pub use modes::*;
pub use point::*;
pub use run::*;
pub use strategy::*;
