//! How a point is measured, independent of which strategy supplies the
//! parallelism: the timed op loop and the request path beside it, how the
//! host waits (sync mode × wait style), when a worker stops, output
//! checks, and the summary of raw records into a point's figures.

pub mod check;
pub mod op_loop;
pub mod record;
pub mod request_loop;
pub mod stop;
pub mod summary;
pub mod sync;
