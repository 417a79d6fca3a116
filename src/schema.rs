//! The result records: what a run writes and what charts and reports read.
//!
//! Plain serde types and the enums that name the design's vocabulary
//! (strategy, sync mode, wait style, precision, status, timing method).
//! This module imports nothing of the project, so charts and reports
//! compile without wgpu, and every layer above can share these types.
//! It holds measurements only: figures derived across points (speedup,
//! efficiency, fits, verdicts) live in `analysis`, never in result files.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------- strategies

/// How parallelism N is obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StrategyKind {
    /// N threads share one device and queue, batch 1 each.
    Threads,
    /// One thread, batch N.
    Batch,
    /// N OS processes, each with its own device, batch 1 each.
    Processes,
    /// N threads sharing one device, each running ops of `worker_batch` samples.
    Hybrid,
    /// N threads in one process, each with its own device, batch 1 each.
    Devices,
    /// N client threads hand batch-1 requests to one GPU owner thread.
    Queue,
    /// N clients' requests coalesced by one GPU owner into batched
    /// dispatches of at most `max_batch`, waiting at most `max_delay_us`.
    Server,
    /// N workers spread round robin over several adapters of one host.
    Gpus,
}

/// How a strategy's N is laid out into workers and samples per op.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShapeRule {
    /// N threads, batch 1 each.
    Threads,
    /// One worker, batch N.
    Batch,
    /// N processes, batch 1 each.
    Processes,
    /// N workers of `worker_batch` samples each (threads, or processes
    /// with `launch = "processes"`).
    Workers,
    /// N client threads of batch-1 requests (the GPU owner batches).
    Clients,
}

/// How a strategy starts its workers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LaunchKind {
    /// Threads of this process on the run's shared device.
    SharedDevice,
    /// Threads of this process, each opening its own device.
    OwnDevice,
    /// Processes of this program, each opening its own device.
    Processes,
    /// One GPU owner thread serving client threads.
    GpuOwner,
    /// Workers spread over the chosen adapters (threads or processes, as
    /// the point's `launch` says).
    Spread,
}

/// What a point's efficiency is measured against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BaselineRule {
    /// N=1 of the same curve.
    OwnN1,
    /// `batch` at the size the owner could batch to (min(N, max_batch)),
    /// same workload, sync and wait: a server's lone client waits out the
    /// batching delay, so its own N=1 is no baseline.
    BatchAtSize,
}

/// One strategy's facts: the one place that says what a strategy is.
#[derive(Clone, Copy, Debug)]
pub struct StrategyInfo {
    pub kind: StrategyKind,
    pub name: &'static str,
    /// What N counts, for table headers and axes.
    pub n_label: &'static str,
    /// Its colour on every chart (RGB).
    pub colour: (u8, u8, u8),
    pub shape: ShapeRule,
    pub launch: LaunchKind,
    /// Whether N counts workers contending for the GPU, the contention the
    /// Universal Scalability Law describes.
    pub scaling_model: bool,
    pub baseline: BaselineRule,
    /// Whether its workers answer requests (so `end`, no wait, cannot apply).
    pub answers_requests: bool,
    /// Whether the sweep may set `worker_batch` (samples per op of each worker).
    pub takes_worker_batch: bool,
}

const STRATEGIES: [StrategyInfo; 8] = [
    StrategyInfo {
        kind: StrategyKind::Threads,
        name: "threads",
        n_label: "Threads",
        colour: (214, 39, 40),
        shape: ShapeRule::Threads,
        launch: LaunchKind::SharedDevice,
        scaling_model: true,
        baseline: BaselineRule::OwnN1,
        answers_requests: false,
        takes_worker_batch: false,
    },
    StrategyInfo {
        kind: StrategyKind::Batch,
        name: "batch",
        n_label: "Batch",
        colour: (31, 119, 180),
        shape: ShapeRule::Batch,
        launch: LaunchKind::SharedDevice,
        scaling_model: false,
        baseline: BaselineRule::OwnN1,
        answers_requests: false,
        takes_worker_batch: false,
    },
    StrategyInfo {
        kind: StrategyKind::Processes,
        name: "processes",
        n_label: "Processes",
        colour: (44, 160, 44),
        shape: ShapeRule::Processes,
        launch: LaunchKind::Processes,
        scaling_model: true,
        baseline: BaselineRule::OwnN1,
        answers_requests: false,
        takes_worker_batch: false,
    },
    StrategyInfo {
        kind: StrategyKind::Hybrid,
        name: "hybrid",
        n_label: "Threads",
        colour: (148, 103, 189),
        shape: ShapeRule::Workers,
        launch: LaunchKind::SharedDevice,
        scaling_model: false,
        baseline: BaselineRule::OwnN1,
        answers_requests: false,
        takes_worker_batch: true,
    },
    StrategyInfo {
        kind: StrategyKind::Devices,
        name: "devices",
        n_label: "Threads",
        colour: (255, 127, 14),
        shape: ShapeRule::Threads,
        launch: LaunchKind::OwnDevice,
        scaling_model: true,
        baseline: BaselineRule::OwnN1,
        answers_requests: false,
        takes_worker_batch: false,
    },
    StrategyInfo {
        kind: StrategyKind::Queue,
        name: "queue",
        n_label: "Clients",
        colour: (140, 86, 75),
        shape: ShapeRule::Clients,
        launch: LaunchKind::GpuOwner,
        scaling_model: false,
        baseline: BaselineRule::BatchAtSize,
        answers_requests: true,
        takes_worker_batch: false,
    },
    StrategyInfo {
        kind: StrategyKind::Server,
        name: "server",
        n_label: "Clients",
        colour: (227, 119, 194),
        shape: ShapeRule::Clients,
        launch: LaunchKind::GpuOwner,
        scaling_model: false,
        baseline: BaselineRule::BatchAtSize,
        answers_requests: true,
        takes_worker_batch: false,
    },
    StrategyInfo {
        kind: StrategyKind::Gpus,
        name: "gpus",
        n_label: "Workers",
        colour: (23, 190, 207),
        shape: ShapeRule::Workers,
        launch: LaunchKind::Spread,
        scaling_model: true,
        baseline: BaselineRule::OwnN1,
        answers_requests: false,
        takes_worker_batch: true,
    },
];

impl StrategyKind {
    pub const ALL: [StrategyKind; 8] = [
        Self::Threads,
        Self::Batch,
        Self::Processes,
        Self::Hybrid,
        Self::Devices,
        Self::Queue,
        Self::Server,
        Self::Gpus,
    ];

    pub fn info(self) -> &'static StrategyInfo {
        STRATEGIES
            .iter()
            .find(|s| s.kind == self)
            .expect("every strategy has an entry")
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }
}

impl fmt::Display for StrategyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a point's N is laid out: `threads × processes` workers, each
/// running ops of `batch` samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub threads: u32,
    pub processes: u32,
    pub batch: u32,
}

impl Shape {
    pub fn workers(self) -> u32 {
        self.threads * self.processes
    }

    /// The shape of `strategy` at `n`, with the sweep's `worker_batch`
    /// (hybrid, gpus) and `launch` (gpus).
    pub fn of(strategy: StrategyKind, n: u32, worker_batch: Option<u32>, launch: Launch) -> Self {
        let per_worker = worker_batch.unwrap_or(1);
        match strategy.info().shape {
            ShapeRule::Threads | ShapeRule::Clients => Self {
                threads: n,
                processes: 1,
                batch: 1,
            },
            ShapeRule::Batch => Self {
                threads: 1,
                processes: 1,
                batch: n,
            },
            ShapeRule::Processes => Self {
                threads: 1,
                processes: n,
                batch: 1,
            },
            ShapeRule::Workers => match launch {
                Launch::Threads => Self {
                    threads: n,
                    processes: 1,
                    batch: per_worker,
                },
                Launch::Processes => Self {
                    threads: 1,
                    processes: n,
                    batch: per_worker,
                },
            },
        }
    }
}

/// How `gpus` starts its workers: threads of one process, or a process each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Launch {
    #[default]
    Threads,
    Processes,
}

// ---------------------------------------------------------------- sync and waiting

/// When the host waits for the GPU. Efficiency is only ever computed
/// between points of the same sync mode: sync cost is exactly what the
/// seeds mistook for parallel scaling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum SyncMode {
    /// Every op copies its output back to the host and waits for it, like
    /// PyTorch's `.cpu()` after each call.
    Readback,
    /// Every op waits for its own submission, like waiting on an event.
    Wait,
    /// Every op waits for everything submitted to the device so far, by any
    /// thread, like `torch.cuda.synchronize()`.
    Device,
    /// Up to D ops in flight per worker; the oldest is waited for before
    /// another is submitted.
    Pipeline(u32),
    /// No wait until the end of the trial.
    End,
}

impl SyncMode {
    pub const NAMES: &'static str = "readback, wait, device, pipeline:D (D ≥ 1), end";

    /// Whether every op's result reaches the host before the next op:
    /// the modes a user who needs each answer could run.
    pub fn answers_every_op(self) -> bool {
        matches!(self, SyncMode::Readback | SyncMode::Wait)
    }

    /// Whether the host waits after every op (`readback`, `wait`,
    /// `device`): the modes whose per-op latency means what a caller waits.
    pub fn waits_per_op(self) -> bool {
        !matches!(self, SyncMode::End | SyncMode::Pipeline(_))
    }

    /// Ops one worker may have in flight.
    pub fn depth(self) -> usize {
        match self {
            SyncMode::Pipeline(d) => d as usize,
            _ => 1,
        }
    }
}

impl fmt::Display for SyncMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncMode::Readback => f.write_str("readback"),
            SyncMode::Wait => f.write_str("wait"),
            SyncMode::Device => f.write_str("device"),
            SyncMode::Pipeline(depth) => write!(f, "pipeline:{depth}"),
            SyncMode::End => f.write_str("end"),
        }
    }
}

impl FromStr for SyncMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "readback" => Ok(SyncMode::Readback),
            "wait" => Ok(SyncMode::Wait),
            "device" => Ok(SyncMode::Device),
            "end" => Ok(SyncMode::End),
            "spin" => Err(
                "sync = \"spin\" is now how the host waits, not when: write sync = \"wait\" and wait = \"spin\""
                    .into(),
            ),
            other => match other.strip_prefix("pipeline:").map(str::parse::<u32>) {
                Some(Ok(depth)) if depth >= 1 => Ok(SyncMode::Pipeline(depth)),
                _ => Err(format!(
                    "unknown sync mode {other:?}; known: {}",
                    Self::NAMES
                )),
            },
        }
    }
}

impl TryFrom<String> for SyncMode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<SyncMode> for String {
    fn from(mode: SyncMode) -> Self {
        mode.to_string()
    }
}

/// How the host waits, whenever its sync mode says to wait.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WaitStyle {
    /// Block in the driver: `device.poll(Wait)`, a fence wait.
    #[default]
    Block,
    /// Spin on `device.poll(Poll)` until the op's completion callback fires.
    Spin,
    /// Sleep until the op's completion callback fires, while a poller
    /// thread drives the device (an event loop's way of waiting).
    Callback,
}

impl WaitStyle {
    pub const ALL: [WaitStyle; 3] = [WaitStyle::Block, WaitStyle::Spin, WaitStyle::Callback];

    pub fn name(self) -> &'static str {
        match self {
            WaitStyle::Block => "block",
            WaitStyle::Spin => "spin",
            WaitStyle::Callback => "callback",
        }
    }
}

impl fmt::Display for WaitStyle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

// ---------------------------------------------------------------- workloads

/// A workload's name in experiment files and results.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkloadKind {
    Linear,
    Mlp,
    Transformer,
}

impl WorkloadKind {
    pub fn name(self) -> &'static str {
        match self {
            WorkloadKind::Linear => "linear",
            WorkloadKind::Mlp => "mlp",
            WorkloadKind::Transformer => "transformer",
        }
    }

    /// `linear 256→128`, `transformer d256 h4 seq32 ff2048`.
    pub fn label(self, dims: &[u32]) -> String {
        match (self, dims) {
            (WorkloadKind::Transformer, &[d, h, s, f]) => {
                format!("transformer d{d} h{h} seq{s} ff{f}")
            }
            _ => {
                let dims: Vec<String> = dims.iter().map(u32::to_string).collect();
                format!("{} {}", self.name(), dims.join("→"))
            }
        }
    }
}

impl fmt::Display for WorkloadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The scalar type the kernels store values in (they accumulate in f32).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    #[default]
    F32,
    /// Needs the adapter's `SHADER_F16`; points are `unsupported` without it.
    F16,
}

impl Precision {
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::F16 => "f16",
        }
    }

    pub fn bytes(self) -> usize {
        match self {
            Precision::F32 => 4,
            Precision::F16 => 2,
        }
    }

    /// Largest relative error (‖got − want‖ / ‖want‖) an op may have.
    pub fn tolerance(self) -> f64 {
        match self {
            Precision::F32 => 1e-4,
            Precision::F16 => 1e-2,
        }
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

// ---------------------------------------------------------------- outcomes

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
}

impl Status {
    /// The status in one lower-case word, as result files spell it.
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Wrong => "wrong",
            Status::Failed => "failed",
            Status::Unsupported => "unsupported",
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

// ---------------------------------------------------------------- figures

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

// ---------------------------------------------------------------- adapters and runs

/// What a run records about an adapter, so results from different
/// machines can be merged and compared.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct AdapterSummary {
    /// Its position in `curves adapters`; stable on one machine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u32>,
    pub name: String,
    pub backend: String,
    pub device_type: String,
    pub driver: String,
    pub driver_info: String,
    pub vendor_id: u32,
    pub device_id: u32,
    /// The PCI bus the device sits on, where the backend says: what tells
    /// two identical GPUs of one host apart.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pci_bus_id: String,
    pub shader_f16: bool,
    pub timestamp_query: bool,
    #[serde(default)]
    pub subgroups: bool,
    #[serde(default)]
    pub cooperative_matrix: bool,
}

impl AdapterSummary {
    /// "name (backend)", as reports and charts name an adapter.
    pub fn label(&self) -> String {
        format!("{} ({})", self.name, self.backend)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RunInfo {
    /// A file name, never a path (checked on load).
    pub run_id: String,
    pub experiment_name: String,
    pub experiment_path: String,
    /// The experiment file's text, so the run can be repeated exactly.
    pub experiment_text: String,
    /// Settings given on the command line over the file's (`trials = 3`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<String>,
    /// The adapter the run measured on (the first, for multi-GPU runs).
    pub adapter: AdapterSummary,
    /// Every adapter the run's points used (multi-GPU points use several).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adapters: Vec<AdapterSummary>,
    pub os: String,
    pub arch: String,
    pub cpu_count: usize,
    pub crate_version: String,
    /// `git describe` of the build, `-dirty` when it had uncommitted changes.
    pub git_revision: String,
    pub timing_method: TimingMethod,
    pub started_at: DateTime<Utc>,
    /// `None` while the run is going on, or if it was interrupted.
    pub finished_at: Option<DateTime<Utc>>,
    /// Why the run stopped early (a signal), if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<String>,
    /// Things that happened to the run as a whole (a fresh device opened
    /// after a worker was left behind, a resume), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

// ---------------------------------------------------------------- points

/// Everything that decides what an op does and how it is driven, except
/// N: points that share a config and differ in N are one curve. A setting
/// added later belongs here, and so joins a curve's identity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointConfig {
    pub workload: WorkloadKind,
    /// The workload's dimensions (`[in, out]` for linear).
    pub dims: Vec<u32>,
    pub strategy: StrategyKind,
    pub sync: SyncMode,
    /// How the host waits (missing in files written before it existed: block).
    #[serde(default)]
    pub wait: WaitStyle,
    pub precision: Precision,
    /// The sweep's label (a step of a sequence), if it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// `false` when every op allocated its buffers and bind groups.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub pool: bool,
    /// Each op's commands recorded while the previous op ran (the
    /// `encode_ahead` setting); `false` in files written before it existed.
    #[serde(default, skip_serializing_if = "is_false")]
    pub encode_ahead: bool,
    /// Each op's input written from the host before its submit (the
    /// `upload_inputs` setting); `false` in files written before it existed.
    #[serde(default, skip_serializing_if = "is_false")]
    pub upload_inputs: bool,
    /// Samples per op of each worker, for strategies that take it (hybrid, gpus).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_batch: Option<u32>,
    /// `server`'s most requests per dispatch and longest wait (µs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_batch: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_delay_us: Option<u64>,
    /// Open-loop clients' mean request rate each (requests/s), if open loop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrival_rate_per_s: Option<f64>,
    /// `gpus`: threads of one process or a process each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch: Option<Launch>,
    /// `gpus`: the adapters (by index) the workers are spread over.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adapters: Vec<u32>,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl PointConfig {
    /// `linear 256→128`.
    pub fn workload_label(&self) -> String {
        self.workload.label(&self.dims)
    }

    /// The strategy as shown in tables and legends: `hybrid ×32`,
    /// `server ≤16 / 200 µs`, with `(no pool)` and open-loop rates named.
    pub fn strategy_label(&self) -> String {
        let open = self.arrival_rate_per_s.map_or(String::new(), |r| {
            format!(" · open loop {r:.0}/s per client")
        });
        let mut label = match self.strategy {
            StrategyKind::Server => format!(
                "server ≤{} / {} µs{open}",
                self.max_batch.unwrap_or(0),
                self.max_delay_us.unwrap_or(0)
            ),
            StrategyKind::Queue => format!("queue{open}"),
            StrategyKind::Hybrid => format!("hybrid ×{}", self.worker_batch.unwrap_or(1)),
            StrategyKind::Gpus => format!(
                "gpus ×{} ({}, {} adapters)",
                self.worker_batch.unwrap_or(1),
                match self.launch.unwrap_or_default() {
                    Launch::Threads => "threads",
                    Launch::Processes => "processes",
                },
                self.adapters.len()
            ),
            other => other.name().to_string(),
        };
        if !self.pool {
            label.push_str(" (no pool)");
        }
        if self.upload_inputs {
            label.push_str(" (inputs written each op)");
        }
        label
    }

    /// Whether the one thread batching that a GPU owner's curve is read
    /// against records its ops ahead too: when the owner does and the
    /// sync mode waits after every op (under `pipeline` a worker's
    /// encoding overlaps the GPU already, and it records nothing ahead).
    pub fn baseline_encodes_ahead(&self) -> bool {
        self.encode_ahead && self.sync.waits_per_op()
    }

    /// `readback` or `wait · spin`: the sync mode, with the wait style
    /// where it is not the default, and `encoded ahead` where it applies.
    pub fn sync_label(&self) -> String {
        let mut label = self.sync.to_string();
        if self.wait != WaitStyle::Block {
            label.push_str(&format!(" · {}", self.wait));
        }
        if self.encode_ahead {
            label.push_str(" · encoded ahead");
        }
        label
    }
}

/// One (workload, strategy, N, sync, precision) measurement on one adapter.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Point {
    #[serde(flatten)]
    pub config: PointConfig,
    /// Parallelism level: threads, processes, clients or batch size, per strategy.
    pub n: u32,
    /// Samples per op.
    pub batch: u32,
    /// Worker threads per process.
    pub threads: u32,
    pub processes: u32,
    /// The kernels that ran, with the variant chosen for this shape
    /// (`matmul 256×128×256: tile 64×64/4×4`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kernels: Vec<String>,
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
    pub trials: u32,
    /// Ops per worker per trial.
    pub ops_per_worker: u64,
    /// Median over trials of samples (batch rows) per second, all workers together.
    pub samples_per_s: Option<f64>,
    /// Median, min, max and IQR of samples/s over trials.
    pub samples_per_s_spread: Option<Spread>,
    /// Every trial's samples/s, raw.
    pub samples_per_s_trials: Vec<f64>,
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
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub batch_sizes: BTreeMap<u32, u64>,
    /// `queue`/`server`: the owner's own costs per batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_us: Option<OwnerBreakdown>,
    /// `queue`/`server` under `spin`: the cores the GPU owner and its
    /// clients were pinned to (none where the host could not pin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_cores: Option<OwnerCores>,
    /// `queue`/`server`: how the requests' rows reached the GPU (none in
    /// files written before it was recorded: staged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload: Option<Upload>,
    /// `gpus`: ops completed on each adapter (by index), all trials.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub adapter_ops: BTreeMap<u32, u64>,
    pub ops_expected: u64,
    pub ops_completed: u64,
    pub ops_checked: u64,
    pub ops_wrong: u64,
    /// Largest relative error (‖gpu − reference‖ / ‖reference‖) among checked ops.
    pub max_rel_error: Option<f64>,
    pub setup_s: SetupTimes,
    /// Timed seconds, all trials together (setup and checks excluded).
    #[serde(default)]
    pub measured_s: f64,
    /// The whole point, setup included, in seconds.
    pub wall_s: f64,
    pub status: Status,
    pub error: Option<String>,
}

impl Point {
    /// The stress verification's verdict: ok, every expected op completed,
    /// and no checked output wrong.
    pub fn verified(&self) -> bool {
        self.status == Status::Ok && self.ops_completed == self.ops_expected && self.ops_wrong == 0
    }

    pub fn workers(&self) -> u32 {
        self.threads * self.processes
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

/// The device's ceilings, measured through wgpu by `curves peak` with
/// this project's kernels: what a curve is read against.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Ceilings {
    pub adapter: Option<AdapterSummary>,
    /// Best f32 matmul TFLOP/s at the measured size, and its kernel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matmul_f32_tflops: Option<Measured>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matmul_f16_tflops: Option<Measured>,
    /// Device memory bandwidth, GB/s (bytes read plus written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bandwidth_gb_s: Option<Measured>,
    /// GPU time of one dispatch among dependent dispatches in one pass, µs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatch_us: Option<Measured>,
    /// GPU time of a pass holding one one-invocation dispatch, timed as
    /// every op is (timestamps at the pass's start and end), µs: the
    /// least GPU time any op can read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_floor_us: Option<Measured>,
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
    pub submit_gpu_interval_us: Option<Measured>,
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
pub struct Measured {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_names_round_trip_and_spin_points_at_its_replacement() {
        for mode in [
            SyncMode::Readback,
            SyncMode::Wait,
            SyncMode::Device,
            SyncMode::Pipeline(8),
            SyncMode::End,
        ] {
            assert_eq!(mode.to_string().parse::<SyncMode>(), Ok(mode));
        }
        for bad in ["pipeline:0", "pipeline:", "pipeline:x", "sync"] {
            let e = bad.parse::<SyncMode>().unwrap_err();
            assert!(e.contains("pipeline:D"), "{e}");
        }
        let e = "spin".parse::<SyncMode>().unwrap_err();
        assert!(e.contains("wait = \"spin\""), "{e}");
    }

    #[test]
    fn every_strategy_has_one_entry_and_a_distinct_colour() {
        for (i, a) in StrategyKind::ALL.iter().enumerate() {
            assert_eq!(a.info().kind, *a);
            for b in &StrategyKind::ALL[i + 1..] {
                assert_ne!(a.info().colour, b.info().colour, "{a} and {b}");
                assert_ne!(a.name(), b.name());
            }
        }
    }

    #[test]
    fn shapes_follow_the_table() {
        let s = |k, n, b, l| Shape::of(k, n, b, l);
        use StrategyKind::*;
        assert_eq!(s(Threads, 4, None, Launch::Threads).workers(), 4);
        assert_eq!(s(Batch, 64, None, Launch::Threads).batch, 64);
        assert_eq!(s(Processes, 3, None, Launch::Threads).processes, 3);
        let h = s(Hybrid, 2, Some(32), Launch::Threads);
        assert_eq!((h.threads, h.batch), (2, 32));
        let g = s(Gpus, 4, Some(256), Launch::Processes);
        assert_eq!((g.threads, g.processes, g.batch), (1, 4, 256));
    }
}
