//! One worker's loop of ops: the timed region. Everything it touches is
//! allocated before the loop; per op it only records a command buffer,
//! submits it and syncs as the point's sync mode says.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::check::{F32_TOLERANCE, relative_error};
use super::sync::SyncMode;
use crate::gpu::readback::Readback;
use crate::gpu::{GpuContext, GpuError};
use crate::workload::{Prepared, SLOTS, Workload};

/// What one worker measured in one trial.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TrialRecord {
    /// Wall-clock start and end (ns since the Unix epoch), comparable across
    /// the processes of one machine.
    pub start_unix_ns: u64,
    pub end_unix_ns: u64,
    pub ops_completed: u64,
    /// Per-op latency, submit to result on the host, in nanoseconds.
    pub latencies_ns: Vec<u64>,
    pub ops_checked: u64,
    pub ops_wrong: u64,
    /// Largest relative error among checked ops.
    pub max_rel_error: f64,
    /// Why the trial stopped early, if it did.
    pub error: Option<String>,
}

/// How long setting a worker up took, outside every timed region.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct WorkerSetup {
    pub prepare_s: f64,
    pub warmup_s: f64,
}

pub struct OpLoop {
    ctx: Arc<GpuContext>,
    prepared: Box<dyn Prepared>,
    readback: Readback,
    sync: SyncMode,
    timeout: Duration,
    /// Where unchecked outputs land (the host copy the sync mode asks for).
    host_out: Vec<f32>,
    /// Outputs kept for checking after the trial, and their slots.
    kept: Vec<f32>,
    kept_slots: Vec<usize>,
    pub setup: WorkerSetup,
}

fn unix_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

impl OpLoop {
    /// Prepares `workload` for `batch` samples per op on `ctx`.
    pub fn prepare(
        ctx: Arc<GpuContext>,
        workload: &Workload,
        batch: u32,
        seed: u64,
        sync: SyncMode,
        timeout: Duration,
    ) -> Self {
        let started = Instant::now();
        let prepared = workload.prepare(&ctx, batch, seed);
        let out_len = prepared.output_len();
        let readback = Readback::new(&ctx.device, "readback.staging", (out_len * 4) as u64);
        Self {
            ctx,
            prepared,
            readback,
            sync,
            timeout,
            host_out: vec![0.0; out_len],
            kept: Vec::new(),
            kept_slots: Vec::new(),
            setup: WorkerSetup {
                prepare_s: started.elapsed().as_secs_f64(),
                warmup_s: 0.0,
            },
        }
    }

    pub fn warm_up(&mut self, ops: u64) -> Result<(), GpuError> {
        let started = Instant::now();
        for i in 0..ops {
            self.op(i as usize % SLOTS, None)?;
        }
        if let Some(e) = self.ctx.take_error() {
            return Err(e);
        }
        self.setup.warmup_s = started.elapsed().as_secs_f64();
        Ok(())
    }

    /// Runs `ops` ops, keeping about `checks` outputs (spread evenly) and
    /// comparing them with the reference after the clock stops.
    pub fn run_trial(&mut self, ops: u64, checks: u64) -> TrialRecord {
        let out_len = self.prepared.output_len();
        let checks = checks.min(ops);
        let stride = ops.checked_div(checks).map_or(u64::MAX, |s| s.max(1));
        self.kept.resize(checks as usize * out_len, 0.0);
        self.kept_slots.clear();
        self.kept_slots.reserve(checks as usize);
        let mut record = TrialRecord {
            latencies_ns: Vec::with_capacity(ops as usize),
            ..Default::default()
        };

        record.start_unix_ns = unix_ns();
        for i in 0..ops {
            let slot = i as usize % SLOTS;
            let keep = i % stride == 0 && (self.kept_slots.len() as u64) < checks;
            let started = Instant::now();
            let result = if keep {
                let k = self.kept_slots.len();
                self.kept_slots.push(slot);
                self.op(slot, Some(k * out_len))
            } else {
                self.op(slot, None)
            };
            if let Err(e) = result {
                record.error = Some(e.to_string());
                self.kept_slots.pop_if(|_| keep);
                break;
            }
            record
                .latencies_ns
                .push(started.elapsed().as_nanos() as u64);
            record.ops_completed += 1;
        }
        record.end_unix_ns = unix_ns();

        if record.error.is_none()
            && let Some(e) = self.ctx.take_error()
        {
            record.error = Some(e.to_string());
        }
        for (k, &slot) in self.kept_slots.iter().enumerate() {
            let got = &self.kept[k * out_len..(k + 1) * out_len];
            let err = relative_error(got, self.prepared.expected(slot));
            record.ops_checked += 1;
            record.max_rel_error = record.max_rel_error.max(err);
            if err > F32_TOLERANCE || err.is_nan() {
                record.ops_wrong += 1;
            }
        }
        record
    }

    /// One op over `slot`; its output goes to `kept[offset..]` when given,
    /// else to the scratch host buffer.
    fn op(&mut self, slot: usize, keep_at: Option<usize>) -> Result<(), GpuError> {
        let mut encoder = self
            .ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("op") });
        self.prepared.encode(&mut encoder, slot);
        match self.sync {
            SyncMode::Readback => {
                self.readback
                    .record_copy(&mut encoder, self.prepared.output(slot));
                let submission = self.ctx.queue.submit([encoder.finish()]);
                let out = match keep_at {
                    Some(at) => &mut self.kept[at..at + self.host_out.len()],
                    None => &mut self.host_out[..],
                };
                self.readback
                    .read_into(&self.ctx.device, submission, out, self.timeout)
            }
        }
    }
}
