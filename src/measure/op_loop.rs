//! One worker's loop of ops: the timed region. Everything it touches is
//! allocated before the loop; per op it only records a command buffer,
//! submits it and syncs as the point's sync mode says, timing each phase.
//!
//! Outputs are checked after the clock stops: in `readback` mode the
//! sampled ops' host copies, in the other modes each input slot's output
//! buffer, which is cleared before the trial so that a missing op shows.
//! A loop serving requests (`queue`, `server`) runs each op on the
//! requests' rows and reads every output back; the requests' owners check.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::check::relative_error;
use super::sync::SyncMode;
use crate::experiment::Settings;
use crate::gpu::readback::Readback;
use crate::gpu::{GpuContext, GpuError};
use crate::workload::program::decode_values;
use crate::workload::{Precision, Prepared, SLOTS, Workload};

/// Ops per trial whose GPU execution time is taken with timestamp queries.
const GPU_SAMPLES: u64 = 64;

/// Where each op's host time went, per op, in nanoseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Phases {
    /// Creating the command encoder, encoding the op, finishing the buffer.
    pub encode_ns: Vec<u64>,
    /// `queue.submit`.
    pub submit_ns: Vec<u64>,
    /// Blocked until the GPU finished (this op, the device, or the oldest in flight).
    pub wait_ns: Vec<u64>,
    /// Copying the mapped output to host memory and unmapping (`readback` only).
    pub readback_ns: Vec<u64>,
}

/// What one worker measured in one trial.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TrialRecord {
    /// Wall-clock start and end (ns since the Unix epoch), comparable across
    /// the processes of one machine.
    pub start_unix_ns: u64,
    pub end_unix_ns: u64,
    pub ops_completed: u64,
    /// Per-op latency in nanoseconds: from starting to encode the op until
    /// the host saw it complete (at once, or when its wait came round).
    pub latencies_ns: Vec<u64>,
    pub phases: Phases,
    /// GPU execution time of sampled ops (timestamp queries), in ns; empty
    /// where the adapter has no timestamps.
    pub gpu_ns: Vec<u64>,
    pub ops_checked: u64,
    pub ops_wrong: u64,
    /// Largest relative error among checked ops.
    pub max_rel_error: f64,
    /// `queue`/`server` clients: per request, ns from sending it until its
    /// batch started on the GPU owner, and ns the batch's op took there.
    #[serde(default)]
    pub queue_ns: Vec<u64>,
    #[serde(default)]
    pub service_ns: Vec<u64>,
    /// `queue`/`server` owner: how many batches of each size it formed.
    #[serde(default)]
    pub batch_sizes: std::collections::BTreeMap<u32, u64>,
    /// Why the trial stopped early, if it did.
    pub error: Option<String>,
}

/// How long setting a worker up took, outside every timed region.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct WorkerSetup {
    /// Opening the worker's own device (0 when it shares one).
    #[serde(default)]
    pub device_s: f64,
    pub prepare_s: f64,
    pub warmup_s: f64,
}

/// Timestamp queries for sampled ops: two per op, resolved after the trial.
struct Timestamps {
    query_set: wgpu::QuerySet,
    resolve: wgpu::Buffer,
    readback: Readback,
    period_ns: f64,
}

impl Timestamps {
    fn new(ctx: &GpuContext) -> Option<Self> {
        if !ctx.info.timestamp_query {
            return None;
        }
        let count = 2 * GPU_SAMPLES as u32;
        let bytes = u64::from(count) * 8;
        Some(Self {
            query_set: ctx.device.create_query_set(&wgpu::QuerySetDescriptor {
                label: Some("op.timestamps"),
                ty: wgpu::QueryType::Timestamp,
                count,
            }),
            resolve: ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("op.timestamps.resolve"),
                size: bytes,
                usage: wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
                mapped_at_creation: false,
            }),
            readback: Readback::new(&ctx.device, "op.timestamps.staging", bytes),
            period_ns: f64::from(ctx.queue.get_timestamp_period()),
        })
    }
}

/// A submitted op whose output answers requests.
struct InFlightAnswer {
    staging: usize,
    submission: wgpu::SubmissionIndex,
    /// Whether the sync mode already mapped its staging buffer.
    mapped: bool,
    /// Its index in the trial's phases.
    op: usize,
    started: Instant,
}

/// A trial in progress (see [`OpLoop::begin_trial`]).
pub struct Trial {
    pub record: TrialRecord,
    checks: u64,
    check_stride: u64,
    gpu_stride: u64,
    gpu_sampled: u32,
    /// Index of the next op.
    next: u64,
}

impl Trial {
    /// The timestamp pair the next op writes, if it is one of the sampled.
    fn gpu_index(&self) -> Option<u32> {
        (self.next.is_multiple_of(self.gpu_stride) && u64::from(self.gpu_sampled) < GPU_SAMPLES)
            .then_some(self.gpu_sampled)
    }

    /// Moves past an op that ran, with `gpu_index` from [`Self::gpu_index`].
    fn advance(&mut self, gpu_index: Option<u32>) {
        self.gpu_sampled += u32::from(gpu_index.is_some());
        self.next += 1;
    }
}

pub struct OpLoop {
    ctx: Arc<GpuContext>,
    prepared: Box<dyn Prepared>,
    readback: Readback,
    timestamps: Option<Timestamps>,
    sync: SyncMode,
    timeout: Duration,
    /// Where unchecked outputs land (the host copy `readback` asks for), as
    /// raw bytes in the point's precision.
    host_out: Vec<u8>,
    /// Outputs kept for checking after the trial, and their slots.
    kept: Vec<u8>,
    kept_slots: Vec<usize>,
    in_flight: VecDeque<(wgpu::SubmissionIndex, Instant)>,
    /// Set by the queue when the work `spin` waits for is done.
    done: Arc<AtomicBool>,
    /// Serving requests: a staging buffer per op that may be in flight
    /// (empty when not serving); every op's output is read back, whatever
    /// the sync mode, and checked per request by whoever asked for it.
    answers: Vec<Readback>,
    answers_in_flight: VecDeque<InFlightAnswer>,
    next_answer: usize,
    pub setup: WorkerSetup,
}

/// Wall-clock ns since the Unix epoch: comparable across threads and processes.
pub(crate) fn unix_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

fn ns(from: Instant, to: Instant) -> u64 {
    to.saturating_duration_since(from).as_nanos() as u64
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
        timeout: Duration,
    ) -> Self {
        let started = Instant::now();
        let prepared = workload.prepare(&ctx, batch, precision, seed);
        let out_bytes = prepared.output_bytes();
        let readback = Readback::new(&ctx.device, "op.readback.staging", out_bytes as u64);
        let timestamps = Timestamps::new(&ctx);
        Self {
            ctx,
            prepared,
            readback,
            timestamps,
            sync,
            timeout,
            host_out: vec![0; out_bytes],
            kept: Vec::new(),
            kept_slots: Vec::new(),
            in_flight: VecDeque::new(),
            done: Arc::default(),
            answers: Vec::new(),
            answers_in_flight: VecDeque::new(),
            next_answer: 0,
            setup: WorkerSetup {
                device_s: 0.0,
                prepare_s: started.elapsed().as_secs_f64(),
                warmup_s: 0.0,
            },
        }
    }

    /// Allocates each op's buffers and bind groups afresh from now on (the
    /// `pool = false` setting), instead of reusing the prepared ones.
    pub fn allocate_per_op(&mut self) {
        self.prepared.allocate_per_op();
    }

    /// Serves requests from now on: each op runs on rows the caller writes
    /// ([`Self::submit_request_op`]) and its whole output is read back
    /// ([`Self::answer_oldest`]) for the caller to split and check. Under
    /// `pipeline:D` up to D ops are in flight, each with its own staging
    /// buffer; other modes wait for each op as they always do.
    pub fn answer_requests(&mut self) {
        let depth = match self.sync {
            SyncMode::Pipeline(d) => d as usize,
            _ => 1,
        };
        let bytes = self.prepared.output_bytes() as u64;
        self.answers = (0..depth.max(1))
            .map(|_| Readback::new(&self.ctx.device, "op.answer.staging", bytes))
            .collect();
    }

    fn serving(&self) -> bool {
        !self.answers.is_empty()
    }

    /// The prepared workload (for its sample sizes and reference).
    pub fn prepared(&self) -> &dyn Prepared {
        self.prepared.as_ref()
    }

    /// Whether GPU execution times come from timestamp queries.
    pub fn has_gpu_timestamps(&self) -> bool {
        self.timestamps.is_some()
    }

    /// Untimed ops: at least `warmup_ops`, and for at least `warmup_s`
    /// seconds. With `trial_s` (a slow adapter, where one op may take
    /// seconds) rounds grow 1, 2, 4 … ops and warm-up stops once the longer
    /// of `trial_s` and `warmup_s` has passed, even short of `warmup_ops`.
    pub fn warm_up(&mut self, settings: &Settings) -> Result<(), String> {
        let ops = settings.warmup_ops.max(1);
        let budget_s = settings.trial_s.map(|t| t.max(settings.warmup_s));
        let started = Instant::now();
        let (mut done, mut round) = (0, if budget_s.is_some() { 1 } else { ops });
        loop {
            let record = self.run_trial(round, 0);
            if let Some(e) = record.error {
                return Err(format!("warm-up failed: {e}"));
            }
            done += round;
            let elapsed = started.elapsed().as_secs_f64();
            if (done >= ops && elapsed >= settings.warmup_s)
                || budget_s.is_some_and(|b| elapsed >= b)
            {
                break;
            }
            round = (round * 2).min(ops);
        }
        self.setup.warmup_s = started.elapsed().as_secs_f64();
        Ok(())
    }

    /// Runs `ops` ops, then checks outputs against the reference (about
    /// `checks` of them in `readback` mode, each slot's last in the others).
    pub fn run_trial(&mut self, ops: u64, checks: u64) -> TrialRecord {
        let mut trial = self.begin_trial(ops, checks);
        while trial.record.error.is_none() && trial.next < ops {
            self.next_op(&mut trial);
        }
        self.end_trial(trial)
    }

    /// Readies a trial of `ops` ops (allocating everything it records into)
    /// and starts its clock. [`Self::next_op`] runs the ops one at a time,
    /// for callers that run them as requests arrive; [`Self::end_trial`]
    /// stops the clock and checks.
    pub fn begin_trial(&mut self, ops: u64, checks: u64) -> Trial {
        let out_len = self.prepared.output_bytes();
        let readback_mode = self.sync == SyncMode::Readback;
        let checks = if readback_mode { checks.min(ops) } else { 0 };
        self.kept.resize(checks as usize * out_len, 0);
        self.kept_slots.clear();
        self.kept_slots.reserve(checks as usize);
        self.in_flight.clear();
        self.in_flight.reserve(ops as usize);
        self.answers_in_flight.clear();
        let n = ops as usize;
        let mut trial = Trial {
            record: TrialRecord {
                latencies_ns: Vec::with_capacity(n),
                phases: Phases {
                    encode_ns: Vec::with_capacity(n),
                    submit_ns: Vec::with_capacity(n),
                    wait_ns: Vec::with_capacity(n),
                    readback_ns: Vec::with_capacity(n),
                },
                ..Default::default()
            },
            checks,
            check_stride: ops.checked_div(checks).map_or(u64::MAX, |s| s.max(1)),
            gpu_stride: if self.timestamps.is_some() {
                (ops / GPU_SAMPLES).max(1)
            } else {
                u64::MAX
            },
            gpu_sampled: 0,
            next: 0,
        };
        if !readback_mode && let Err(e) = self.clear_outputs() {
            trial.record.error = Some(e.to_string());
        }
        trial.record.start_unix_ns = unix_ns();
        trial
    }

    /// Runs the trial's next op; an error is kept in the trial's record.
    pub fn next_op(&mut self, trial: &mut Trial) {
        let i = trial.next;
        let slot = i as usize % SLOTS;
        let keep = self.sync == SyncMode::Readback
            && i.is_multiple_of(trial.check_stride)
            && (self.kept_slots.len() as u64) < trial.checks;
        let gpu_index = trial.gpu_index();
        if let Err(e) = self.op(slot, keep, gpu_index, &mut trial.record) {
            trial.record.error = Some(e.to_string());
            return;
        }
        trial.advance(gpu_index);
    }

    /// Submits the trial's next op on `rows` (whole samples in the storage
    /// format, at most the batch) and syncs as the mode says, without
    /// reading the output yet; `false` after an error, kept in the trial's
    /// record. Needs [`Self::answer_requests`].
    pub fn submit_request_op(&mut self, trial: &mut Trial, rows: &[u8]) -> bool {
        debug_assert!(self.serving(), "submit_request_op without answer_requests");
        let slot = trial.next as usize % SLOTS;
        self.prepared.write_input(&self.ctx.queue, slot, rows);
        let gpu_index = trial.gpu_index();
        if let Err(e) = self.request_op(slot, gpu_index, &mut trial.record) {
            trial.record.error = Some(e.to_string());
            return false;
        }
        trial.advance(gpu_index);
        true
    }

    /// Waits for the oldest op [`Self::submit_request_op`] submitted and
    /// returns its output, whose first rows answer its requests; `None`
    /// after an error, kept in the trial's record.
    pub fn answer_oldest(&mut self, trial: &mut Trial) -> Option<&[u8]> {
        let Some(op) = self.answers_in_flight.pop_front() else {
            trial.record.error = Some("no op in flight to answer".into());
            return None;
        };
        let staging = &self.answers[op.staging];
        let t0 = Instant::now();
        let read = if op.mapped {
            Ok(())
        } else {
            staging.wait(&self.ctx.device, op.submission, self.timeout)
        };
        let t1 = Instant::now();
        if let Err(e) = read.and_then(|()| staging.copy_out(&mut self.host_out)) {
            trial.record.error = Some(e.to_string());
            return None;
        }
        let t2 = Instant::now();
        let record = &mut trial.record;
        record.phases.wait_ns[op.op] += ns(t0, t1);
        record.phases.readback_ns[op.op] = ns(t1, t2);
        record.latencies_ns.push(ns(op.started, t2));
        record.ops_completed += 1;
        Some(&self.host_out[..])
    }

    /// Ops submitted to answer requests and not answered yet.
    pub fn answers_in_flight(&self) -> usize {
        self.answers_in_flight.len()
    }

    /// Waits for ops still in flight, stops the clock, then checks outputs
    /// and resolves GPU times.
    pub fn end_trial(&mut self, trial: Trial) -> TrialRecord {
        let Trial {
            mut record,
            gpu_sampled,
            next,
            ..
        } = trial;
        if record.error.is_none()
            && let Err(e) = self.drain(&mut record)
        {
            record.error = Some(e.to_string());
        }
        record.end_unix_ns = unix_ns();

        if record.error.is_none()
            && let Some(e) = self.ctx.take_error()
        {
            record.error = Some(e.to_string());
        }
        if record.error.is_none() {
            // Only as many slots as ops that ran hold an output to check;
            // requests' answers are checked by the requests' owners.
            if !self.serving()
                && let Err(e) = self.check(&mut record, next)
            {
                record.error = Some(e.to_string());
            }
            match self.gpu_times(gpu_sampled) {
                Ok(times) => record.gpu_ns = times,
                Err(e) => record.error = Some(e.to_string()),
            }
        }
        record
    }

    /// Records op `slot` into a new encoder, with timestamp pair
    /// `gpu_index` if given; returns the encoder and the output buffer.
    fn encode(&self, slot: usize, gpu_index: Option<u32>) -> (wgpu::CommandEncoder, wgpu::Buffer) {
        let mut encoder = self
            .ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("op") });
        let writes = match (&self.timestamps, gpu_index) {
            (Some(ts), Some(k)) => Some(wgpu::ComputePassTimestampWrites {
                query_set: &ts.query_set,
                beginning_of_pass_write_index: Some(2 * k),
                end_of_pass_write_index: Some(2 * k + 1),
            }),
            _ => None,
        };
        let output = self.prepared.encode(&mut encoder, slot, writes);
        (encoder, output)
    }

    /// One op: encode, submit, sync. `gpu_index` is its timestamp pair.
    fn op(
        &mut self,
        slot: usize,
        keep: bool,
        gpu_index: Option<u32>,
        record: &mut TrialRecord,
    ) -> Result<(), GpuError> {
        let t0 = Instant::now();
        let (mut encoder, output) = self.encode(slot, gpu_index);
        if self.sync == SyncMode::Readback {
            self.readback.record_copy(&mut encoder, &output);
        }
        let commands = encoder.finish();
        let t1 = Instant::now();
        // A full pipeline waits for its oldest op before taking another.
        if let SyncMode::Pipeline(depth) = self.sync
            && self.in_flight.len() >= depth as usize
        {
            self.wait_oldest(record)?;
        }
        let t2 = Instant::now();
        let submission = self.ctx.queue.submit([commands]);
        let t3 = Instant::now();
        match self.sync {
            SyncMode::Readback => self
                .readback
                .wait(&self.ctx.device, submission, self.timeout)?,
            SyncMode::Wait => self.poll(Some(submission))?,
            SyncMode::Device => self.poll(None)?,
            SyncMode::Spin => self.spin()?,
            SyncMode::Pipeline(_) | SyncMode::End => self.in_flight.push_back((submission, t0)),
        }
        let t4 = Instant::now();
        let mut t5 = t4;
        if self.sync == SyncMode::Readback {
            let out = if keep {
                let at = self.kept_slots.len() * self.host_out.len();
                self.kept_slots.push(slot);
                &mut self.kept[at..at + self.host_out.len()]
            } else {
                &mut self.host_out[..]
            };
            self.readback.copy_out(out)?;
            t5 = Instant::now();
        }

        let phases = &mut record.phases;
        phases.encode_ns.push(ns(t0, t1));
        phases.wait_ns.push(ns(t1, t2) + ns(t3, t4));
        phases.submit_ns.push(ns(t2, t3));
        phases.readback_ns.push(ns(t4, t5));
        if !matches!(self.sync, SyncMode::Pipeline(_) | SyncMode::End) {
            record.latencies_ns.push(ns(t0, t5));
            record.ops_completed += 1;
        }
        Ok(())
    }

    /// One op answering requests: encode with the copy of its output into
    /// the next staging buffer, submit, and sync as the mode says (pipeline
    /// modes leave it in flight, to [`Self::answer_oldest`]).
    fn request_op(
        &mut self,
        slot: usize,
        gpu_index: Option<u32>,
        record: &mut TrialRecord,
    ) -> Result<(), GpuError> {
        let t0 = Instant::now();
        let (mut encoder, output) = self.encode(slot, gpu_index);
        let staging = self.next_answer;
        self.next_answer = (staging + 1) % self.answers.len();
        self.answers[staging].record_copy(&mut encoder, &output);
        let commands = encoder.finish();
        let t1 = Instant::now();
        let submission = self.ctx.queue.submit([commands]);
        let t2 = Instant::now();
        let mapped = self.sync == SyncMode::Readback;
        match self.sync {
            SyncMode::Readback => {
                self.answers[staging].wait(&self.ctx.device, submission.clone(), self.timeout)?
            }
            SyncMode::Wait => self.poll(Some(submission.clone()))?,
            SyncMode::Device => self.poll(None)?,
            SyncMode::Spin => self.spin()?,
            SyncMode::Pipeline(_) | SyncMode::End => {}
        }
        let t3 = Instant::now();
        let phases = &mut record.phases;
        phases.encode_ns.push(ns(t0, t1));
        phases.submit_ns.push(ns(t1, t2));
        phases.wait_ns.push(ns(t2, t3));
        phases.readback_ns.push(0);
        self.answers_in_flight.push_back(InFlightAnswer {
            staging,
            submission,
            mapped,
            op: phases.encode_ns.len() - 1,
            started: t0,
        });
        Ok(())
    }

    fn poll(&self, submission: Option<wgpu::SubmissionIndex>) -> Result<(), GpuError> {
        self.ctx.device.poll(wgpu::PollType::Wait {
            submission_index: submission,
            timeout: Some(self.timeout),
        })?;
        Ok(())
    }

    /// Busy-polls until the queue's work submitted so far is done.
    fn spin(&self) -> Result<(), GpuError> {
        self.done.store(false, Ordering::Release);
        let done = Arc::clone(&self.done);
        self.ctx
            .queue
            .on_submitted_work_done(move || done.store(true, Ordering::Release));
        let started = Instant::now();
        while !self.done.load(Ordering::Acquire) {
            self.ctx.device.poll(wgpu::PollType::Poll)?;
            if started.elapsed() > self.timeout {
                return Err(GpuError::Timeout(self.timeout));
            }
            std::hint::spin_loop();
        }
        Ok(())
    }

    fn wait_oldest(&mut self, record: &mut TrialRecord) -> Result<(), GpuError> {
        if let Some((submission, started)) = self.in_flight.pop_front() {
            self.poll(Some(submission))?;
            record.latencies_ns.push(ns(started, Instant::now()));
            record.ops_completed += 1;
        }
        Ok(())
    }

    /// Waits for every op still in flight (`pipeline`, `end`).
    fn drain(&mut self, record: &mut TrialRecord) -> Result<(), GpuError> {
        let started = Instant::now();
        while !self.in_flight.is_empty() {
            self.wait_oldest(record)?;
        }
        if let Some(last) = record.phases.wait_ns.last_mut() {
            *last += ns(started, Instant::now());
        }
        Ok(())
    }

    fn clear_outputs(&self) -> Result<(), GpuError> {
        let mut encoder = self.ctx.device.create_command_encoder(&Default::default());
        for slot in 0..SLOTS {
            encoder.clear_buffer(&self.prepared.output(slot), 0, None);
        }
        let submission = self.ctx.queue.submit([encoder.finish()]);
        self.poll(Some(submission))
    }

    fn check(&mut self, record: &mut TrialRecord, ops: u64) -> Result<(), GpuError> {
        let out_len = self.prepared.output_bytes();
        let precision = self.prepared.precision();
        let values = self.prepared.output_len();
        let compare = |got: &[u8], slot: usize, record: &mut TrialRecord| {
            let mut got = decode_values(got, precision);
            got.truncate(values);
            let err = relative_error(&got, self.prepared.expected(slot));
            record.ops_checked += 1;
            record.max_rel_error = record.max_rel_error.max(err);
            if err > precision.tolerance() || err.is_nan() {
                record.ops_wrong += 1;
            }
        };
        if self.sync == SyncMode::Readback {
            for (k, &slot) in self.kept_slots.iter().enumerate() {
                compare(&self.kept[k * out_len..(k + 1) * out_len], slot, record);
            }
            return Ok(());
        }
        // Each slot's buffer holds its last op's output, or zeros if none ran.
        for slot in 0..SLOTS.min(ops as usize) {
            let mut encoder = self.ctx.device.create_command_encoder(&Default::default());
            self.readback
                .record_copy(&mut encoder, &self.prepared.output(slot));
            let submission = self.ctx.queue.submit([encoder.finish()]);
            self.readback.read_into(
                &self.ctx.device,
                submission,
                &mut self.host_out,
                self.timeout,
            )?;
            compare(&self.host_out, slot, record);
        }
        Ok(())
    }

    /// Resolves the trial's timestamp pairs into GPU times in nanoseconds.
    fn gpu_times(&self, pairs: u32) -> Result<Vec<u64>, GpuError> {
        let Some(ts) = &self.timestamps else {
            return Ok(Vec::new());
        };
        if pairs == 0 {
            return Ok(Vec::new());
        }
        let mut encoder = self.ctx.device.create_command_encoder(&Default::default());
        encoder.resolve_query_set(&ts.query_set, 0..2 * pairs, &ts.resolve, 0);
        ts.readback.record_copy(&mut encoder, &ts.resolve);
        let submission = self.ctx.queue.submit([encoder.finish()]);
        let mut raw = vec![0u64; 2 * GPU_SAMPLES as usize];
        ts.readback
            .read_into(&self.ctx.device, submission, &mut raw, self.timeout)?;
        Ok(raw[..2 * pairs as usize]
            .chunks(2)
            .filter(|pair| pair[1] > pair[0])
            .map(|pair| ((pair[1] - pair[0]) as f64 * ts.period_ns) as u64)
            .collect())
    }
}
