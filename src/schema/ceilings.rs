//! The device's ceilings, measured by `curves peak`: what curves are
//! read against.

use serde::{Deserialize, Serialize};

use super::{AdapterSummary, Latency, Precision, Spread, WaitStyle};

/// The device's ceilings, measured through wgpu by `curves peak` with
/// this project's kernels: what a curve is read against.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Ceilings {
    pub adapter: Option<AdapterSummary>,
    /// Best f32 matmul TFLOP/s at the measured size, and its kernel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matmul_f32_tflops: Option<Ceiling>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matmul_f16_tflops: Option<Ceiling>,
    /// Device memory bandwidth, GB/s (bytes read plus written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bandwidth_gb_s: Option<Ceiling>,
    /// GPU time of one dispatch among dependent dispatches in one pass, µs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatch_us: Option<Ceiling>,
    /// GPU time of a pass holding one one-invocation dispatch, timed as
    /// every op is (timestamps at the pass's start and end), µs: the
    /// least GPU time any op can read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_floor_us: Option<Ceiling>,
    /// Submissions per second with no wait, by host threads, for empty and
    /// for one-dispatch command buffers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub submits_per_s: Vec<SubmitRate>,
    /// Host round trip of a one-workgroup kernel with a 4-byte readback,
    /// per wait style, µs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub round_trip_us: Vec<RoundTrip>,
    /// GPU time between consecutive submissions queued with no wait
    /// (one-dispatch command buffers, one thread): the GPU's side of the
    /// submission ceiling, µs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submit_gpu_interval_us: Option<Ceiling>,
    /// Every kernel variant measured, for the record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<VariantRate>,
    /// Each workload's GPU time per op with naga's runtime checks (bounds
    /// checks, loop bounding) and without them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workloads: Vec<WorkloadGpuTime>,
    /// Whether this was `--quick` (small shapes: ratios only).
    #[serde(default)]
    pub quick: bool,
}

/// One workload's GPU time per op, with and without runtime checks.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct WorkloadGpuTime {
    /// `linear 768→3072`.
    pub workload: String,
    pub batch: u32,
    pub precision: Precision,
    /// Median GPU µs per op as every point runs it: checked modules but
    /// for the dispatches the host proves in bounds. Absent in ceilings
    /// from before those ran unchecked, when every point ran `checked_us`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_run_us: Option<f64>,
    /// The same with every module checked.
    pub checked_us: f64,
    /// The same without runtime checks.
    pub unchecked_us: f64,
    /// TFLOP/s of the op as run.
    pub tflops: f64,
    pub kernels: Vec<String>,
    /// Each of the op's dispatches timed on its own, as run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dispatches: Vec<DispatchGpuTime>,
}

impl WorkloadGpuTime {
    /// GPU µs per op as every point runs it.
    pub fn as_run(&self) -> f64 {
        self.as_run_us.unwrap_or(self.checked_us)
    }
}

/// One dispatch of a workload's op, timed on its own.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DispatchGpuTime {
    /// `transformer.qkv`.
    pub label: String,
    /// What it runs: `matmul 8192×256→768: f16 cooperative matrices, …`.
    pub kernel: String,
    /// Median GPU µs of a pass holding only this dispatch (as an op is
    /// timed: it includes the pass floor).
    pub alone_us: f64,
    /// Median GPU µs per dispatch when it runs back to back in one pass
    /// (dependent, each after the last): its cost without a pass around it.
    pub in_stream_us: f64,
}

/// A ceiling with how it was reached.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Ceiling {
    pub value: f64,
    /// Median, min and max over repetitions.
    pub spread: Spread,
    /// What produced it (kernel variant, shape).
    pub how: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SubmitRate {
    pub threads: u32,
    /// `empty` or `dispatch`.
    pub command_buffer: String,
    pub submits_per_s: f64,
    /// Host time of one `queue.submit`, median µs.
    pub submit_us: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RoundTrip {
    pub wait: WaitStyle,
    /// `readback` (map the output) or `done` (the submission's work done).
    pub completion: String,
    pub latency_us: Latency,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct VariantRate {
    pub kernel: String,
    /// `m×k×n`.
    pub shape: String,
    pub precision: Precision,
    /// Median GPU µs per op, from timestamps (wall clock without them).
    pub gpu_us: f64,
    pub tflops: f64,
    /// Relative error against the CPU reference on a checked sample.
    pub rel_error: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}
