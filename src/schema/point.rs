//! A point's record: its configuration, its N and layout, the op it ran,
//! how its workers were prepared, and what was measured. Each part comes
//! from one place (the plan, the workers, the summary of the trials) and
//! is flattened into one JSON object per point.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{
    Conditions, ConfidenceInterval, HistogramBin, Latency, Layout, OwnerBreakdown, PhaseBreakdown,
    PointConfig, Spread,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Every expected op completed and every checked output matched.
    Ok,
    /// Every op completed, but some checked outputs were wrong.
    Wrong,
    /// The point could not be measured in full; `error` says why.
    Failed,
    /// The adapter cannot run the point (f16 without `SHADER_F16`, say);
    /// `error` says why. Not a failure of the tool or the driver.
    Unsupported,
    /// The result file holds figures no measurement gives (a negative
    /// throughput, more outputs wrong than checked); `error` says which.
    /// Set when a file is read, never by a run.
    Invalid,
}

impl Status {
    /// The status in one lower-case word, as result files spell it.
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Wrong => "wrong",
            Status::Failed => "failed",
            Status::Unsupported => "unsupported",
            Status::Invalid => "invalid",
        }
    }
}

/// How GPU execution times were taken.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimingMethod {
    /// Timestamp queries around each sampled op's compute pass.
    GpuTimestamps,
    /// Host clocks only: the adapter has no timestamps.
    #[default]
    WallClock,
}

impl TimingMethod {
    pub fn name(self) -> &'static str {
        match self {
            TimingMethod::GpuTimestamps => "gpu-timestamps",
            TimingMethod::WallClock => "wall-clock",
        }
    }
}

/// Where a spinning GPU owner ran: a core of its own, and its clients on
/// the others.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerCores {
    /// The owner's core.
    pub owner: u32,
    /// How many cores the clients shared.
    pub clients: u32,
}

/// How a GPU owner's requests' rows reach the GPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Upload {
    /// Written in place into an input buffer the host maps, which the
    /// kernels read: no copy on the GPU.
    Mapped,
    /// Written into a staging belt's chunk and copied into the input by
    /// the op's own command buffer.
    Staged,
}

impl Upload {
    pub fn name(self) -> &'static str {
        match self {
            Upload::Mapped => "mapped",
            Upload::Staged => "staged",
        }
    }
}

/// Setup costs of a point, in seconds, all outside the timed region.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SetupTimes {
    /// Finding the adapter and opening the device (slowest worker's, or
    /// the run's shared device).
    pub device_s: f64,
    /// Pipelines, buffers, bind groups and reference outputs (slowest worker).
    pub prepare_s: f64,
    /// Warm-up ops (slowest worker).
    pub warmup_s: f64,
    /// From starting the workers (threads or processes) until all are ready.
    pub start_s: f64,
}

/// One (workload, strategy, N, sync, precision) measurement on one adapter.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Point {
    #[serde(flatten)]
    pub config: PointConfig,
    /// Parallelism level: threads, processes, clients or batch size, per strategy.
    pub n: u32,
    #[serde(flatten)]
    pub layout: Layout,
    /// Floating-point operations of one sample's forward pass (a
    /// multiply-add counts two): what reads a throughput against the
    /// device's compute ceiling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flops_per_sample: Option<f64>,
    /// Bytes one op must move at least (weights once, each sample's
    /// activations written and read once): with the flops, the op's
    /// arithmetic intensity, read against the device's bandwidth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_per_op: Option<f64>,
    #[serde(flatten)]
    pub prepared: Preparation,
    #[serde(flatten)]
    pub measured: Measurement,
    /// The whole point, setup included, in seconds.
    pub wall_s: f64,
}

/// What preparing a point's workers decided and cost, before any trial.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Preparation {
    /// The kernels that ran, with the variant chosen for this layout
    /// (`matmul 256×128×256: tile 64×64/4×4`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kernels: Vec<String>,
    #[serde(default)]
    pub setup_s: SetupTimes,
    /// `queue`/`server` under `spin`: the cores the GPU owner and its
    /// clients were pinned to (none where the host could not pin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_cores: Option<OwnerCores>,
    /// `queue`/`server`: how the requests' rows reached the GPU (none in
    /// files written before it was recorded: staged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload: Option<Upload>,
}

/// What a point's trials measured: the summary of every worker's raw
/// records (`measure::summary`), and the point's outcome. A new measured
/// figure is a field here and the line that fills it there.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Measurement {
    pub trials: u32,
    /// Ops per worker per trial.
    pub ops_per_worker: u64,
    /// Median over trials of samples (batch rows) per second, all workers together.
    pub samples_per_s: Option<f64>,
    /// Median, min, max and IQR of samples/s over trials.
    pub samples_per_s_spread: Option<Spread>,
    /// The 95% confidence interval of the median samples/s, from the
    /// trials' order statistics (none in files written before it was).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples_per_s_ci: Option<ConfidenceInterval>,
    /// Every complete trial's samples/s, raw, in the order they ran.
    pub samples_per_s_trials: Vec<f64>,
    /// The round each of those trials ran in: the points of one group
    /// take a trial each per round, so two points' trials of one round
    /// ran minutes apart at most, side by side (empty in files written
    /// before rounds).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trial_rounds: Vec<u32>,
    /// What could change its speed, read trial by trial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Conditions>,
    /// Median over trials of ops (dispatches) per second, all workers together.
    pub ops_per_s: Option<f64>,
    /// Per-op latency, host submit to result, over all trials and workers.
    pub latency_us: Option<Latency>,
    /// Every op's latency, binned by quarter-octaves.
    #[serde(default)]
    pub latency_histogram: Vec<HistogramBin>,
    /// Median and mean time per op in encode, submit, GPU, wait and readback.
    #[serde(default)]
    pub phases_us: Option<PhaseBreakdown>,
    /// How GPU time was measured.
    #[serde(default)]
    pub timing_method: TimingMethod,
    /// `queue`/`server`: per request, time waiting before its batch ran,
    /// and the batch's time on the GPU owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_us: Option<Latency>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_us: Option<Latency>,
    /// `queue`/`server`: batches formed, by size.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "counts_by_number"
    )]
    pub batch_sizes: BTreeMap<u32, u64>,
    /// `queue`/`server`: the owner's own costs per batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_us: Option<OwnerBreakdown>,
    /// `gpus`: ops completed on each adapter (by index), all trials.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "counts_by_number"
    )]
    pub adapter_ops: BTreeMap<u32, u64>,
    pub ops_expected: u64,
    pub ops_completed: u64,
    pub ops_checked: u64,
    pub ops_wrong: u64,
    /// Largest relative error (‖gpu − reference‖ / ‖reference‖) among checked ops.
    pub max_rel_error: Option<f64>,
    /// Timed seconds, all trials together (setup and checks excluded).
    #[serde(default)]
    pub measured_s: f64,
    pub status: Status,
    pub error: Option<String>,
}

/// A map of counts keyed by number, as JSON writes it (keys are strings
/// there): a flattened struct hands its fields over as strings, which the
/// plain map would refuse.
fn counts_by_number<'de, D>(deserializer: D) -> Result<BTreeMap<u32, u64>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let by_text: BTreeMap<String, u64> = BTreeMap::deserialize(deserializer)?;
    by_text
        .into_iter()
        .map(|(k, v)| {
            k.parse::<u32>()
                .map(|k| (k, v))
                .map_err(|_| serde::de::Error::custom(format!("{k:?} is not a number")))
        })
        .collect()
}

impl Default for Measurement {
    /// Nothing measured yet, and nothing wrong.
    fn default() -> Self {
        Self {
            trials: 0,
            ops_per_worker: 0,
            samples_per_s: None,
            samples_per_s_spread: None,
            samples_per_s_ci: None,
            samples_per_s_trials: Vec::new(),
            trial_rounds: Vec::new(),
            conditions: None,
            ops_per_s: None,
            latency_us: None,
            latency_histogram: Vec::new(),
            phases_us: None,
            timing_method: TimingMethod::WallClock,
            queue_us: None,
            service_us: None,
            batch_sizes: BTreeMap::new(),
            owner_us: None,
            adapter_ops: BTreeMap::new(),
            ops_expected: 0,
            ops_completed: 0,
            ops_checked: 0,
            ops_wrong: 0,
            max_rel_error: None,
            measured_s: 0.0,
            status: Status::Ok,
            error: None,
        }
    }
}

impl Point {
    /// A point of `config` at `n` laid out as `layout`, with nothing
    /// prepared or measured yet.
    pub fn new(config: PointConfig, n: u32, layout: Layout) -> Self {
        Self {
            config,
            n,
            layout,
            flops_per_sample: None,
            bytes_per_op: None,
            prepared: Preparation::default(),
            measured: Measurement::default(),
            wall_s: 0.0,
        }
    }

    /// The stress verification's verdict: ok, every expected op completed,
    /// and no checked output wrong.
    pub fn verified(&self) -> bool {
        let m = &self.measured;
        m.status == Status::Ok && m.ops_completed == m.ops_expected && m.ops_wrong == 0
    }

    /// What makes the point's figures impossible, if anything: what a
    /// reader marks [`Status::Invalid`] rather than shows as measured.
    pub fn impossible(&self) -> Option<String> {
        let m = &self.measured;
        let rate_ok = |v: f64| v.is_finite() && v >= 0.0;
        if let Some(v) = m.samples_per_s.filter(|v| !rate_ok(*v)) {
            return Some(format!("samples/s is {v}"));
        }
        if let Some(v) = m.samples_per_s_trials.iter().find(|v| !rate_ok(**v)) {
            return Some(format!("a trial's samples/s is {v}"));
        }
        if let Some(v) = m.ops_per_s.filter(|v| !rate_ok(*v)) {
            return Some(format!("ops/s is {v}"));
        }
        if m.ops_wrong > m.ops_checked {
            return Some(format!(
                "{} outputs wrong of {} checked",
                m.ops_wrong, m.ops_checked
            ));
        }
        if m.ops_checked > m.ops_completed {
            return Some(format!(
                "{} outputs checked of {} ops completed",
                m.ops_checked, m.ops_completed
            ));
        }
        if m.status == Status::Ok {
            if m.samples_per_s_trials.is_empty() || m.samples_per_s.is_none() {
                return Some("ok, yet no trial measured a throughput".into());
            }
            if m.samples_per_s == Some(0.0) {
                return Some("ok, yet 0 samples/s".into());
            }
        }
        if let Some(l) = m.latency_us
            && [l.avg, l.p50, l.p99, l.max].iter().any(|v| !rate_ok(*v))
        {
            return Some("a latency is negative or not finite".into());
        }
        None
    }

    pub fn workers(&self) -> u32 {
        self.layout.workers()
    }

    /// `linear 256→128 · threads N=4 · readback · f32`, for messages.
    pub fn describe(&self) -> String {
        format!(
            "{} · {} N={} · {} · {}",
            self.config.workload_label(),
            self.config.strategy_label(),
            self.n,
            self.config.sync_label(),
            self.config.precision
        )
    }
}
