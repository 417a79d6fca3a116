//! wgpu scaling curves: when many requests hit one GPU, what scales —
//! threads, batches or processes — and why.
//!
//! Data flows one way: experiment file → plan of points → runner
//! (prepare, warm up, measure, check) → result files → charts.

pub mod analysis;
pub mod experiment;
pub mod gpu;
pub mod measure;
pub mod plot;
pub mod report;
pub mod results;
pub mod runner;
pub mod shaders;
pub mod strategy;
pub mod stress;
pub mod table;
pub mod workload;
