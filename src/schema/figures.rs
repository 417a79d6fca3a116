//! The summaries a point records of its raw samples: median and spread
//! over trials, latency percentiles, histograms, per-phase centres.

use serde::{Deserialize, Serialize};

/// Median and spread of repeated measurements of one figure.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    /// Interquartile range (p75 − p25).
    pub iqr: f64,
}

/// Per-op latency summary, in microseconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    pub avg: f64,
    pub p50: f64,
    /// Missing in result files written before they were recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p90: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p95: Option<f64>,
    pub p99: f64,
    pub max: f64,
}

/// Median and mean of a per-op figure, in microseconds. Both are kept: in
/// `end` and `pipeline` modes the wait falls on few ops, so the median
/// hides it and the mean shows it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Center {
    pub median: f64,
    pub mean: f64,
    /// The slow tail: where a stall sits shows in the phase whose p99 and
    /// max jump (missing in files written before they were recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p99: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

/// One bin of a latency histogram: ops whose latency is below `le_us` and
/// at least the previous bin's bound. Bins are quarter-octaves (×2^¼).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistogramBin {
    pub le_us: f64,
    pub count: u64,
}

/// Where an op's time goes, per phase, in microseconds (median and mean
/// over every op of every trial and worker).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhaseBreakdown {
    pub encode: Center,
    pub submit: Center,
    /// GPU execution from timestamp queries; `None` without them.
    pub gpu: Option<Center>,
    pub wait: Center,
    pub readback: Center,
}

/// A GPU owner's own costs per batch, beside its op's phases, in
/// microseconds (median and mean over every batch).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct OwnerBreakdown {
    /// Copying the requests' rows into the batch's input (`mapped`), or
    /// into the buffer it uploads (`staged`): part of the encode phase.
    pub rows: Center,
    /// Splitting the output among the requests and waking their clients.
    pub answer: Center,
    /// Nothing on the GPU between an answer and the next batch: waiting
    /// for requests. `None` where no batch waited so.
    pub idle: Option<Center>,
}

/// A confidence interval of a median: the true median lies between `lo`
/// and `hi` with probability `level` (0.95 is 95%). From order
/// statistics, so it assumes nothing of the distribution; with few
/// values `level` is what they allow, below the one asked for.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConfidenceInterval {
    pub lo: f64,
    pub hi: f64,
    pub level: f64,
}

/// What could change a point's speed, read while it ran.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Conditions {
    /// The GPU's SM clock, MHz, the lower of its readings at each trial's
    /// start and end (NVML, where present), in trial order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gpu_clock_mhz: Vec<f64>,
    /// The highest SM clock the GPU can run at, MHz.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu_clock_max_mhz: Option<f64>,
    /// The host's one-minute load average at each trial's start.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub load_1m: Vec<f64>,
}
