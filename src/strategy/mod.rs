//! How parallelism N is obtained. What each strategy is (its layout, how
//! it launches, its colour, its N label, whether a scaling model applies)
//! is one table in `schema` (`StrategyKind::info`); this module starts the
//! workers a launch kind needs, outside every timed region, and hands the
//! runner a [`Workers`] that runs trials. Threads and processes speak one
//! protocol ([`cohort`]); the GPU owner of `queue` and `server` serves its
//! clients ([`owner`], [`clients`]).

pub mod clients;
pub mod cohort;
pub mod cores;
pub mod owner;
pub mod processes;
pub mod request_set;
pub mod threads;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crate::gpu::{AdapterSelection, GpuContext};
use crate::measure::op_loop::{OpLoop, WarmUp};
use crate::measure::record::TrialRecord;
use crate::measure::stop::Stop;
use crate::plan::{PointSpec, Settings};
use serde::{Deserialize, Serialize};

use crate::schema::{
    AdapterSummary, Launch, OwnerCores, Precision, SetupTimes, Spawn, SyncMode, Upload, WaitStyle,
};
use crate::workload::Workload;

/// What strategies may use: the run's shared device, how to reach the
/// same adapter (or the chosen set, for `gpus`) from a new device or
/// process, and this program, to start worker processes.
pub struct Env {
    pub ctx: Arc<GpuContext>,
    pub selection: AdapterSelection,
    /// The adapters a multi-GPU point may spread over (`--adapters`).
    pub adapters: Vec<AdapterSummary>,
    pub exe: PathBuf,
}

impl Env {
    /// Opens the run's shared device on the selected adapter.
    pub fn open(selection: &AdapterSelection) -> anyhow::Result<Self> {
        let ctx = Arc::new(GpuContext::open(selection)?);
        Ok(Self {
            selection: AdapterSelection::exact(&ctx.info),
            adapters: vec![ctx.info.clone()],
            ctx,
            exe: std::env::current_exe().map_err(|e| {
                anyhow::anyhow!("finding this program, to start worker processes: {e}")
            })?,
        })
    }

    /// A fresh shared device on the same adapter: after a worker was left
    /// behind on the old one, later points do not run beside it.
    pub fn reopen(&mut self) -> anyhow::Result<()> {
        self.ctx = Arc::new(GpuContext::open(&self.selection)?);
        Ok(())
    }
}

/// Prepared workers, waiting for trials.
pub trait Workers {
    fn setup(&self) -> SetupTimes;
    /// Starts every worker at once on `ops` ops each and returns each
    /// worker's record; an error if a worker dies or `deadline` passes.
    fn run_trial(
        &mut self,
        ops: u64,
        checks: u64,
        deadline: Instant,
    ) -> Result<Vec<TrialRecord>, String>;
    /// Whether a worker could not be stopped and was left running on the
    /// shared device (stuck in the driver past the deadline).
    fn left_behind(&self) -> bool {
        false
    }
    /// The kernel variants the workers' ops run.
    fn kernels(&self) -> Vec<String>;
    /// Where a spinning GPU owner and its clients were pinned.
    fn owner_cores(&self) -> Option<OwnerCores> {
        None
    }
    /// How a GPU owner's requests' rows reach the GPU.
    fn upload(&self) -> Option<Upload> {
        None
    }
}

/// Each worker's inputs differ, so a worker answered with another's
/// output is caught.
pub fn worker_seed(base: u64, worker: usize) -> u64 {
    base.wrapping_add(1_000_003u64.wrapping_mul(worker as u64))
}

/// The warm-up a point's settings ask for.
pub fn warm_up_of(settings: &Settings) -> WarmUp {
    WarmUp {
        ops: settings.warmup_ops,
        min_s: settings.warmup_s,
        budget_s: settings.trial_s.map(|t| (2.0 * t).max(settings.warmup_s)),
    }
}

/// What one worker's op loop needs of a point: what crosses to a worker
/// process.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LoopSpec {
    pub workload: Workload,
    pub precision: Precision,
    pub sync: SyncMode,
    pub wait: WaitStyle,
    pub settings: Settings,
}

impl LoopSpec {
    pub fn of(point: &PointSpec) -> Self {
        Self {
            workload: point.workload.clone(),
            precision: point.precision,
            sync: point.sync,
            wait: point.wait,
            settings: point.settings.clone(),
        }
    }
}

/// Prepares and warms up one op loop at `batch` on `ctx`.
pub fn prepare_loop(
    ctx: Arc<GpuContext>,
    spec: &LoopSpec,
    batch: u32,
    seed: u64,
    stop: &Stop,
) -> Result<OpLoop, String> {
    let mut op_loop = OpLoop::prepare(
        ctx,
        &spec.workload,
        batch,
        spec.precision,
        seed,
        spec.sync,
        spec.wait,
    );
    if !spec.settings.pool {
        op_loop.allocate_per_op();
    }
    if spec.settings.encode_ahead {
        op_loop.encode_ahead();
    }
    if spec.settings.upload_inputs {
        op_loop.upload_inputs()?;
    }
    op_loop.warm_up(warm_up_of(&spec.settings), stop)?;
    Ok(op_loop)
}

/// Starts the workers of `point`, prepares the workload on each and warms
/// up, all before `stop`'s deadline. `adapters` are the ones a multi-GPU
/// point spreads over.
pub fn prepare(
    point: &PointSpec,
    env: &Env,
    adapters: &[AdapterSummary],
    stop: &Stop,
) -> Result<Box<dyn Workers>, String> {
    let layout = point.layout();
    let shared = || threads::DeviceSource::Shared(Arc::clone(&env.ctx));
    let own = |_| threads::DeviceSource::Own(env.selection.clone());
    match point.strategy.info().spawn {
        Spawn::SharedDevice => threads::start(point, layout, |_| shared(), stop),
        Spawn::OwnDevice => threads::start(point, layout, own, stop),
        Spawn::Processes => {
            processes::start(point, layout, &env.exe, |_| env.ctx.info.clone(), stop)
        }
        Spawn::GpuOwner => owner::start(point, env, stop),
        Spawn::Spread => {
            if adapters.is_empty() {
                return Err("no adapters to spread over".into());
            }
            let on = |worker: usize| adapters[worker % adapters.len()].clone();
            match point.launch {
                Launch::Threads => threads::start(
                    point,
                    layout,
                    |w| threads::DeviceSource::Own(AdapterSelection::exact(&on(w))),
                    stop,
                ),
                Launch::Processes => processes::start(point, layout, &env.exe, on, stop),
            }
        }
    }
}
