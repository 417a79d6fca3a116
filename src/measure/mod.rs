//! Timing, sync modes, statistics and output checking: how a point is
//! measured, independent of which strategy supplies the parallelism.

pub mod check;
pub mod op_loop;
pub mod stats;
pub mod summary;
pub mod sync;
pub mod usl;
