//! One worker's loop of ops: the timed region. Everything it touches is
//! allocated before the loop; per op it only records a command buffer,
//! submits it and waits as the point's sync mode and wait style say,
//! timing each phase.
//!
//! Outputs are checked after the clock stops: in `readback` mode the
//! sampled ops' host copies, in the other modes each input slot's output
//! buffer, which is cleared before the trial so that a missing op shows.
//! The loop that serves requests (`queue`, `server`) is beside this one,
//! in `request_loop.rs`, and shares its encoding and trial bookkeeping.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod ops;

use super::check::check_output;
use super::record::{Phases, TrialRecord, WorkerSetup, unix_ns};
use super::stop::Stop;
use super::sync::Waiter;
use crate::gpu::completion::Completion;
use crate::gpu::readback::Readback;
use crate::gpu::timestamps::Timestamps;
use crate::gpu::upload::MappedInput;
use crate::gpu::{GpuContext, GpuError};
use crate::schema::{Precision, SyncMode, WaitStyle};
use crate::workload::{Prepared, SLOTS, Workload};

/// Ops per trial whose GPU execution time is taken with timestamp queries.
pub const GPU_SAMPLES: u32 = 64;

/// Longest a worker waits for an input still read by an op in flight
/// before it writes it again (mapped inputs).
const INPUT_WAIT: Duration = Duration::from_secs(10);

/// Preallocated room per trial, at most: a longer trial grows its vectors.
const PREALLOCATED_OPS: u64 = 1 << 20;

/// How a worker warms up before its first trial.
#[derive(Clone, Copy, Debug)]
pub struct WarmUp {
    /// Untimed ops at least.
    pub ops: u64,
    /// And for at least this long.
    pub min_s: f64,
    /// For slow adapters (`trial_s`): rounds grow 1, 2, 4 … ops and
    /// warm-up stops once this long has passed, even short of `ops`.
    pub budget_s: Option<f64>,
}

/// An op whose commands were recorded ahead, while the op before it ran.
struct Encoded {
    /// The op's index in its trial.
    index: u64,
    commands: wgpu::CommandBuffer,
    signal: Option<Arc<Completion>>,
    /// Which staging buffer its output is copied into (`readback`).
    staging: usize,
    encode_ns: u64,
}

/// A submitted op not waited for yet (`pipeline`, `end`).
struct InFlight {
    submission: wgpu::SubmissionIndex,
    started: Instant,
    signal: Option<Arc<Completion>>,
}

/// A trial in progress (see [`OpLoop::begin_trial`]).
pub struct Trial {
    pub record: TrialRecord,
    pub stop: Stop,
    checks: u64,
    check_stride: u64,
    gpu_stride: u64,
    gpu_sampled: u32,
    /// Index of the next op.
    pub next: u64,
}

impl Trial {
    /// The timestamp pair the next op writes, if it is one of the sampled.
    pub fn gpu_index(&self) -> Option<u32> {
        (self.next.is_multiple_of(self.gpu_stride) && self.gpu_sampled < GPU_SAMPLES)
            .then_some(self.gpu_sampled)
    }

    /// The timestamp pair of the op after the next, if the next one (with
    /// `gpu_index` from [`Self::gpu_index`]) runs.
    fn gpu_index_after(&self, gpu_index: Option<u32>) -> Option<u32> {
        let sampled = self.gpu_sampled + u32::from(gpu_index.is_some());
        ((self.next + 1).is_multiple_of(self.gpu_stride) && sampled < GPU_SAMPLES)
            .then_some(sampled)
    }

    /// Moves past an op that ran, with `gpu_index` from [`Self::gpu_index`].
    pub fn advance(&mut self, gpu_index: Option<u32>) {
        self.gpu_sampled += u32::from(gpu_index.is_some());
        self.next += 1;
    }

    /// The slot (input set) of the next op.
    pub fn slot(&self) -> usize {
        (self.next % SLOTS as u64) as usize
    }
}

pub fn ns(from: Instant, to: Instant) -> u64 {
    to.saturating_duration_since(from).as_nanos() as u64
}

pub struct OpLoop {
    ctx: Arc<GpuContext>,
    prepared: Box<dyn Prepared>,
    waiter: Waiter,
    /// Staging buffers for outputs read back: one, or two taken in turn
    /// when ops are encoded ahead (the next op's mapping is armed while
    /// this op's is pending).
    readbacks: Vec<Readback>,
    /// The next op, recorded while this one runs (`encode_ahead`).
    ahead: Option<Encoded>,
    encode_ahead: bool,
    /// Each slot's input, written from the host before every op
    /// (`upload_inputs`); none when the inputs stay on the GPU.
    inputs: Option<Vec<MappedInput>>,
    timestamps: Option<Timestamps>,
    /// Where unchecked outputs land (the host copy `readback` asks for), as
    /// raw bytes in the point's precision.
    host_out: Vec<u8>,
    /// Outputs kept for checking after the trial, and their slots.
    kept: Vec<u8>,
    kept_slots: Vec<usize>,
    in_flight: VecDeque<InFlight>,
    /// Completion signals ready for reuse, so the timed loop allocates none.
    spare: Vec<Arc<Completion>>,
    pub setup: WorkerSetup,
    /// The adapter (by index) this loop runs on.
    pub adapter: Option<u32>,
    /// Whether each slot's output still answers the slot's own input (not
    /// when requests' rows were written into it).
    pub(super) check_slots: bool,
}

impl OpLoop {
    /// Prepares `workload` for `batch` samples per op on `ctx`.
    pub fn prepare(
        ctx: Arc<GpuContext>,
        workload: &Workload,
        batch: u32,
        precision: Precision,
        seed: u64,
        sync: SyncMode,
        wait: WaitStyle,
    ) -> Self {
        let started = Instant::now();
        let prepared = workload.prepare(&ctx, batch, precision, seed);
        let out_bytes = prepared.output_bytes();
        let readbacks = vec![Readback::new(
            &ctx.device,
            "op.readback.staging",
            out_bytes as u64,
        )];
        let timestamps = Timestamps::new(&ctx, GPU_SAMPLES);
        let waiter = Waiter::new(&ctx, sync, wait);
        let adapter = ctx.info.index;
        Self {
            ctx,
            prepared,
            waiter,
            readbacks,
            ahead: None,
            encode_ahead: false,
            inputs: None,
            timestamps,
            host_out: vec![0; out_bytes],
            kept: Vec::new(),
            kept_slots: Vec::new(),
            in_flight: VecDeque::new(),
            spare: Vec::new(),
            setup: WorkerSetup {
                device_s: 0.0,
                prepare_s: started.elapsed().as_secs_f64(),
                warmup_s: 0.0,
            },
            adapter,
            check_slots: true,
        }
    }

    /// Allocates each op's buffers and bind groups afresh from now on (the
    /// `pool = false` setting), instead of reusing the prepared ones.
    pub fn allocate_per_op(&mut self) {
        self.prepared.allocate_per_op();
    }

    /// Records each op's command buffer while the previous op runs (the
    /// `encode_ahead` setting), so that encoding leaves the round trip.
    /// Only for sync modes that wait after every op, and with the pool
    /// (without it, recording an op allocates its output, so a last op
    /// recorded and never run would stand for its slot); the plan refuses
    /// it elsewhere.
    pub fn encode_ahead(&mut self) {
        if self.readbacks.len() < 2 {
            let bytes = self.prepared.output_bytes() as u64;
            let second = Readback::new(&self.ctx.device, "op.readback.staging", bytes);
            self.readbacks.push(second);
        }
        self.encode_ahead = self.waiter.sync.waits_per_op();
    }

    /// Moves each slot's input into a buffer the host maps and writes in
    /// place before every op's submit: for the `upload_inputs` setting
    /// (this loop writes the slot's own input) and for a GPU owner (it
    /// writes its requests' rows). Each op recorded from now on asks wgpu
    /// to map its input again once it is done. Callers keep fewer ops in
    /// flight than slots (the plan, and the owner's request loop): an
    /// input is rewritten once the op before it in its slot is done.
    pub fn upload_inputs(&mut self) -> Result<(), String> {
        let inputs = self.prepared.map_inputs().ok_or_else(|| {
            format!(
                "{} cannot bind a buffer the host maps (MAPPABLE_PRIMARY_BUFFERS), which upload_inputs writes",
                self.ctx.info.label()
            )
        })?;
        self.inputs = Some(inputs);
        Ok(())
    }

    /// Each slot's input, where the host writes them ([`Self::upload_inputs`]).
    pub fn mapped_inputs(&self) -> Option<&[MappedInput]> {
        self.inputs.as_deref()
    }

    /// Writes `rows` into slot `slot`'s mapped input for the op about to
    /// be submitted, waiting for it no longer than `stop` leaves (nor
    /// [`INPUT_WAIT`]); nothing where the inputs are not mapped.
    pub fn write_input<'r>(
        &self,
        slot: usize,
        rows: impl IntoIterator<Item = &'r [u8]>,
        stop: &Stop,
    ) -> Result<(), GpuError> {
        let Some(inputs) = &self.inputs else {
            return Ok(());
        };
        let deadline = Instant::now() + stop.left().min(INPUT_WAIT);
        inputs[slot].write(&self.ctx.device, rows, deadline)
    }

    pub fn ctx(&self) -> &Arc<GpuContext> {
        &self.ctx
    }

    pub fn waiter(&self) -> &Waiter {
        &self.waiter
    }

    /// The prepared workload (its sample sizes, reference and kernels).
    pub fn prepared(&self) -> &dyn Prepared {
        self.prepared.as_ref()
    }

    pub fn prepared_mut(&mut self) -> &mut dyn Prepared {
        self.prepared.as_mut()
    }

    /// Untimed ops before the first trial (see [`WarmUp`]).
    pub fn warm_up(&mut self, warm: WarmUp, stop: &Stop) -> Result<(), String> {
        let ops = warm.ops.max(1);
        let started = Instant::now();
        let (mut done, mut round) = (0, if warm.budget_s.is_some() { 1 } else { ops });
        loop {
            let record = self.run_trial(round, 0, stop.clone());
            if let Some(e) = record.error {
                return Err(format!("warm-up failed: {e}"));
            }
            done += round;
            let elapsed = started.elapsed().as_secs_f64();
            if (done >= ops && elapsed >= warm.min_s) || warm.budget_s.is_some_and(|b| elapsed >= b)
            {
                break;
            }
            round = round.saturating_mul(2).min(ops);
        }
        self.setup.warmup_s = started.elapsed().as_secs_f64();
        Ok(())
    }

    /// Runs `ops` ops, then checks outputs against the reference (about
    /// `checks` of them in `readback` mode, each slot's last in the others).
    pub fn run_trial(&mut self, ops: u64, checks: u64, stop: Stop) -> TrialRecord {
        let mut trial = self.begin_trial(ops, checks, stop);
        while trial.record.error.is_none() && trial.next < ops {
            self.next_op(&mut trial);
        }
        self.end_trial(trial)
    }

    /// Readies a trial of `ops` ops (allocating everything it records into)
    /// and starts its clock. [`Self::next_op`] runs the ops one at a time;
    /// [`Self::end_trial`] stops the clock and checks.
    pub fn begin_trial(&mut self, ops: u64, checks: u64, stop: Stop) -> Trial {
        let out_len = self.prepared.output_bytes();
        let readback_mode = self.waiter.sync == SyncMode::Readback;
        let checks = if readback_mode { checks.min(ops) } else { 0 };
        self.kept.resize(checks as usize * out_len, 0);
        self.kept_slots.clear();
        self.kept_slots.reserve(checks as usize);
        self.in_flight.clear();
        self.discard_ahead();
        let room = ops.min(PREALLOCATED_OPS) as usize;
        self.in_flight.reserve(match self.waiter.sync {
            SyncMode::End => room,
            other => other.depth(),
        });
        if self.waiter.needs_signal() {
            let want = match self.waiter.sync {
                SyncMode::End => room,
                other => other.depth() + 1,
            };
            while self.spare.len() < want {
                self.spare.push(Arc::default());
            }
        }
        let mut trial = Trial {
            record: TrialRecord {
                latencies_ns: Vec::with_capacity(room),
                phases: Phases::with_capacity(room),
                adapter: self.adapter,
                ..Default::default()
            },
            stop,
            checks,
            check_stride: ops.checked_div(checks).map_or(u64::MAX, |s| s.max(1)),
            gpu_stride: if self.timestamps.is_some() {
                (ops / u64::from(GPU_SAMPLES)).max(1)
            } else {
                u64::MAX
            },
            gpu_sampled: 0,
            next: 0,
        };
        if !readback_mode && let Err(e) = self.clear_outputs(&trial.stop) {
            trial.record.error = Some(e.to_string());
        }
        trial.record.start_unix_ns = unix_ns();
        trial
    }

    /// Runs the trial's next op; an error is kept in the trial's record.
    pub fn next_op(&mut self, trial: &mut Trial) {
        if let Err(e) = trial.stop.check() {
            trial.record.error = Some(e.to_string());
            return;
        }
        let i = trial.next;
        let slot = trial.slot();
        let keep = self.waiter.sync == SyncMode::Readback
            && i.is_multiple_of(trial.check_stride)
            && (self.kept_slots.len() as u64) < trial.checks;
        let gpu_index = trial.gpu_index();
        if let Err(e) = self.op(slot, keep, gpu_index, trial) {
            trial.record.error = Some(e.to_string());
            return;
        }
        trial.advance(gpu_index);
    }

    /// Waits for what is still in flight, stops the clock, and checks the
    /// outputs and reads the GPU times (both outside the timed region).
    pub fn end_trial(&mut self, trial: Trial) -> TrialRecord {
        let Trial {
            mut record,
            stop,
            gpu_sampled,
            next,
            ..
        } = trial;
        if record.error.is_none()
            && let Err(e) = self.drain(&mut record, &stop)
        {
            record.error = Some(e.to_string());
        }
        record.end_unix_ns = unix_ns();
        self.discard_ahead();
        if record.error.is_none()
            && let Some(e) = self.ctx.take_error()
        {
            record.error = Some(e.to_string());
        }
        if record.error.is_none() {
            if let Err(e) = self.check(&mut record, next, &stop) {
                record.error = Some(e.to_string());
            }
            if let Some(ts) = &self.timestamps {
                match ts.read(
                    &self.ctx,
                    gpu_sampled,
                    stop.left().max(Duration::from_secs(1)),
                ) {
                    Ok(times) => record.gpu_ns = times,
                    Err(e) => record.error = Some(e.to_string()),
                }
            }
        }
        record
    }
}
