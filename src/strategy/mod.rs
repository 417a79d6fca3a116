//! How parallelism N is obtained. Each strategy says how N maps onto
//! workers and batch ([`Strategy::shape`]) and starts its workers in
//! [`Strategy::prepare`], outside every timed region; the runner then asks
//! the [`Workers`] for trials and measures nothing else.

pub mod batch;
pub mod devices;
pub mod hybrid;
pub mod pool;
pub mod processes;
pub mod queue;
pub mod requests;
pub mod threads;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::experiment::PointSpec;
use crate::gpu::{AdapterSelection, GpuContext};
use crate::measure::op_loop::TrialRecord;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StrategyKind {
    /// N threads share one device and queue, batch 1 each.
    Threads,
    /// One thread, batch N.
    Batch,
    /// N OS processes, each with its own device, batch 1 each.
    Processes,
    /// N threads sharing one device, each running ops of `batch` samples.
    Hybrid,
    /// N threads in one process, each with its own device, batch 1 each.
    Devices,
    /// N client threads hand batch-1 requests to one GPU worker thread.
    Queue,
    /// N clients' requests coalesced by one GPU worker into batched
    /// dispatches of at most `max_batch`, waiting at most `max_delay_us`.
    Server,
}

impl StrategyKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Threads => "threads",
            Self::Batch => "batch",
            Self::Processes => "processes",
            Self::Hybrid => "hybrid",
            Self::Devices => "devices",
            Self::Queue => "queue",
            Self::Server => "server",
        }
    }

    pub fn strategy(self) -> &'static dyn Strategy {
        match self {
            Self::Threads => &threads::Threads,
            Self::Batch => &batch::Batch,
            Self::Processes => &processes::Processes,
            Self::Hybrid => &hybrid::Hybrid,
            Self::Devices => &devices::DevicesStrategy,
            Self::Queue => &queue::GpuOwner { kind: Self::Queue },
            Self::Server => &queue::GpuOwner { kind: Self::Server },
        }
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
}

/// What strategies may use: the run's shared device, and how to reach the
/// same adapter from a new device or process.
pub struct Env {
    pub ctx: Arc<GpuContext>,
    pub selection: AdapterSelection,
    /// This program, re-executed as a hidden worker by `processes`.
    pub exe: PathBuf,
}

impl Env {
    /// Opens the run's shared device on the selected adapter.
    pub fn open(selection: &AdapterSelection) -> anyhow::Result<Self> {
        let ctx = Arc::new(GpuContext::open(selection)?);
        Ok(Self {
            selection: AdapterSelection::exact(&ctx.info),
            ctx,
            exe: std::env::current_exe().map_err(|e| {
                anyhow::anyhow!("finding this program, to start worker processes: {e}")
            })?,
        })
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

pub trait Strategy: Sync {
    fn kind(&self) -> StrategyKind;
    /// How the point's N (and per-worker batch, for `hybrid`) map onto workers.
    fn shape(&self, point: &PointSpec) -> Shape;
    /// Starts the workers, prepares the workload on each and warms up.
    fn prepare(
        &self,
        point: &PointSpec,
        env: &Env,
        deadline: Instant,
    ) -> Result<Box<dyn Workers>, String>;
}

/// Prepared workers, waiting for trials.
pub trait Workers {
    fn setup(&self) -> SetupTimes;
    /// Starts every worker at once on `ops` ops each and returns each
    /// worker's record; an error if a worker dies or the deadline passes.
    fn run_trial(
        &mut self,
        ops: u64,
        checks: u64,
        deadline: Instant,
    ) -> Result<Vec<TrialRecord>, String>;
}

/// Time left until `deadline`, for waits that must not outlive the point.
pub(crate) fn remaining(deadline: Instant) -> std::time::Duration {
    deadline.saturating_duration_since(Instant::now())
}
