//! wgpu scaling curves: when many requests hit one GPU, what scales —
//! threads, batches or processes — and why.
//!
//! Data flows one way: experiment file → plan of points → runner
//! (prepare, warm up, measure, check) → result records → analysis →
//! charts and report. Imports point one way too:
//! `runner → strategy → measure → workload → gpu`, and
//! `plot, report → analysis → schema`; `schema` imports nothing of the
//! project (`tests/layers.rs` checks it).

pub mod analysis;
pub mod gpu;
pub mod interrupt;
pub mod measure;
pub mod peak;
pub mod plan;
pub mod plot;
pub mod printable;
pub mod report;
pub mod runner;
pub mod schema;
pub mod stats;
pub mod store;
pub mod strategy;
pub mod stress;
pub mod units;
pub mod workload;
