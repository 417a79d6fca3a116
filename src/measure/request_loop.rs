//! The op path of a GPU owner that serves requests (`queue`, `server`),
//! beside the plain loop: each op runs on rows the owner writes into its
//! input, its whole output is read back whatever the sync mode (a request
//! must be answered), and the owner splits it among the requests, whose
//! senders check their own rows. Under `pipeline:D` up to D ops are in
//! flight, each with its own staging buffer, answered oldest first. The
//! rows reach the GPU one of two ways ([`Upload`], recorded in the point):
//!
//! * `mapped`: each slot's input is a storage buffer the host maps
//!   ([`OpLoop::upload_inputs`]); the owner writes the rows into it and
//!   unmaps it before the submit, and wgpu maps it again when the op is
//!   done. The op records no copy, so its command buffer is the plain
//!   loop's.
//! * `staged`, where the device cannot bind a mappable buffer (GL), under
//!   pipelines as deep as the slots (an input is rewritten only once the
//!   op before it in its slot is answered), or where [`STAGED`] is set:
//!   the rows are uploaded in the op's own command buffer from a staging
//!   belt (mapped chunks reused once the GPU is done with them), not with
//!   `queue.write_buffer`, which allocates a staging buffer per write and
//!   submits one more command buffer.
//!
//! The owner writes a batch's rows as soon as it is formed
//! ([`RequestLoop::write_rows`]), before it waits for the batch on the
//! GPU, and submits once that one is answered ([`RequestLoop::submit`]).
//! With `encode_ahead` the loop records its next op while this one runs
//! (as [`OpLoop`] does for a worker of its own), before the requests it
//! will answer have arrived; under `staged` the rows are then copied at
//! the submit into the staging chunk whose upload of the whole input was
//! recorded. The op runs at its size whatever the batch (as it does
//! without), so nothing recorded depends on the requests.

use std::collections::VecDeque;
use std::time::Instant;

use super::op_loop::{OpLoop, Trial, ns};
use super::record::TrialRecord;
use super::stop::Stop;
use crate::gpu::GpuError;
use crate::gpu::readback::Readback;
use crate::schema::{SyncMode, Upload};
use crate::workload::SLOTS;

/// Set, it makes GPU owners upload their requests' rows through a
/// staging belt even where the device could map their inputs, to compare
/// the two ways.
pub const STAGED: &str = "CURVES_STAGED_UPLOAD";

/// An op recorded before its requests arrived (`encode_ahead`).
struct Recorded {
    /// The op's index in its trial.
    index: u64,
    commands: wgpu::CommandBuffer,
    /// Where the batch's rows go before the submit: the staging chunk
    /// (`staged`), or none when the slot's input is mapped.
    rows: Option<wgpu::BufferViewMut>,
    staging: usize,
    gpu_index: Option<u32>,
    encode_ns: u64,
}

/// A submitted op whose output answers requests.
struct Answering {
    staging: usize,
    submission: wgpu::SubmissionIndex,
    /// Its index in the trial's phases.
    op: usize,
}

pub struct RequestLoop {
    op: OpLoop,
    answers: Vec<Readback>,
    in_flight: VecDeque<Answering>,
    next: usize,
    host_out: Vec<u8>,
    belt: wgpu::util::StagingBelt,
    /// The next op's rows, to upload (`staged`).
    rows: Vec<u8>,
    /// The op whose rows are written and not yet submitted: its index in
    /// the trial and how long the copy took.
    written: Option<(u64, u64)>,
    /// The next op, recorded while this one runs (`encode_ahead`).
    ahead: Option<Recorded>,
    encode_ahead: bool,
}

impl RequestLoop {
    /// The loop of `op`, recording each op ahead when `encode_ahead`.
    pub fn new(mut op: OpLoop, encode_ahead: bool) -> Self {
        op.check_slots = false;
        // An op recorded ahead takes the staging buffer after those of the
        // ops in flight.
        let depth = op.waiter().sync.depth().max(1) + usize::from(encode_ahead);
        let bytes = op.prepared().output_bytes();
        let answers = (0..depth)
            .map(|_| Readback::new(&op.ctx().device, "op.answer.staging", bytes as u64))
            .collect();
        // A chunk holds a whole batch's rows (the slot's input at most).
        let rows =
            op.prepared().batch() * op.prepared().sample_len() * op.prepared().precision().bytes();
        let belt = wgpu::util::StagingBelt::new(
            op.ctx().device.clone(),
            (rows as u64).next_multiple_of(4).max(256),
        );
        // Op k's rows go into slot k % SLOTS's input while up to `depth`
        // ops are in flight, so the op before it there must be answered
        // (its input mapped again) by then: fewer than SLOTS in flight.
        // Deeper pipelines stage their rows.
        let in_flight = op.waiter().sync.depth().max(1);
        if std::env::var_os(STAGED).is_none() && in_flight < SLOTS {
            // Staged where the device cannot map them.
            let _ = op.upload_inputs();
        }
        Self {
            op,
            answers,
            in_flight: VecDeque::with_capacity(depth),
            next: 0,
            host_out: vec![0; bytes],
            belt,
            rows: Vec::new(),
            written: None,
            ahead: None,
            encode_ahead,
        }
    }

    /// How the requests' rows reach the GPU.
    pub fn upload(&self) -> Upload {
        if self.op.mapped_inputs().is_some() {
            Upload::Mapped
        } else {
            Upload::Staged
        }
    }

    pub fn op_loop(&self) -> &OpLoop {
        &self.op
    }

    /// Ops submitted and not answered yet.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Whether the oldest op in flight is done (its output mapped, or
    /// failed), polling the device without blocking; `true` with none.
    pub fn oldest_done(&self) -> bool {
        let Some(op) = self.in_flight.front() else {
            return true;
        };
        let _ = self.op.ctx().device.poll(wgpu::PollType::Poll);
        self.answers[op.staging].mapped().state().is_some()
    }

    /// Readies a trial of at most `ops` ops; requests are checked by their
    /// senders, so the loop checks none itself.
    pub fn begin_trial(&mut self, ops: u64, stop: Stop) -> Trial {
        self.in_flight.clear();
        self.ahead = None;
        // Rows written for an op that an error kept from its submit: that
        // input is mapped again here.
        if let (Some((index, _)), Some(inputs)) = (self.written.take(), self.op.mapped_inputs()) {
            inputs[(index % SLOTS as u64) as usize].map_again();
        }
        self.op.begin_trial(ops, 0, stop)
    }

    /// Records the trial's next op ahead of its requests (`encode_ahead`),
    /// unless it is recorded already: for the owner to call while an op
    /// runs. Nothing without `encode_ahead` or the pool.
    pub fn record_ahead(&mut self, trial: &Trial) {
        if !self.encode_ahead || self.ahead.as_ref().is_some_and(|a| a.index == trial.next) {
            return;
        }
        let t0 = Instant::now();
        let mut encoder = self.op.encoder();
        let slot = trial.slot();
        let rows = match self.op.mapped_inputs() {
            Some(_) => None,
            None => match self
                .op
                .prepared_mut()
                .input_ahead(&mut encoder, &mut self.belt, slot)
            {
                Some(rows) => Some(rows),
                None => return,
            },
        };
        let gpu_index = trial.gpu_index();
        let staging = self.take_staging();
        self.record_op(&mut encoder, slot, gpu_index, staging);
        self.ahead = Some(Recorded {
            index: trial.next,
            commands: encoder.finish(),
            rows,
            staging,
            gpu_index,
            encode_ns: ns(t0, Instant::now()),
        });
    }

    /// The next staging buffer, in turn.
    fn take_staging(&mut self) -> usize {
        let staging = self.next;
        self.next = (staging + 1) % self.answers.len();
        staging
    }

    /// Records op `slot` after its input's upload: its dispatches (which
    /// map a mapped input again when done), the copy of its output into
    /// staging buffer `staging` and the mapping.
    fn record_op(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        slot: usize,
        gpu_index: Option<u32>,
        staging: usize,
    ) {
        let output = self.op.encode_into(encoder, slot, gpu_index);
        self.answers[staging].record_copy(encoder, &output);
        self.answers[staging].map_on_submit(encoder);
    }

    /// Writes the rows of the trial's next op (whole samples in the
    /// storage format, at most the batch): in place into its mapped input,
    /// or into the row buffer it uploads (`staged`). A GPU owner writes
    /// them as soon as a batch is formed, before it waits for the batch
    /// on the GPU, so that the submit ([`Self::submit`], which must
    /// follow) is all that is left once that one is answered. Returns how
    /// long the copy took; `None` after an error, kept in the trial's
    /// record.
    pub fn write_rows<'r>(
        &mut self,
        trial: &mut Trial,
        rows: impl IntoIterator<Item = &'r [u8]>,
    ) -> Option<u64> {
        let t0 = Instant::now();
        let written = trial.stop.check().and_then(|()| {
            if self.op.mapped_inputs().is_some() {
                return self.op.write_input(trial.slot(), rows, &trial.stop);
            }
            self.rows.clear();
            for row in rows {
                self.rows.extend_from_slice(row);
            }
            Ok(())
        });
        match written {
            Ok(()) => {
                let rows_ns = ns(t0, Instant::now());
                self.written = Some((trial.next, rows_ns));
                Some(rows_ns)
            }
            Err(e) => {
                trial.record.error = Some(e.to_string());
                None
            }
        }
    }

    /// Submits the trial's next op on the rows written for it
    /// ([`Self::write_rows`]), without reading the output yet; `false`
    /// after an error, kept in the trial's record.
    pub fn submit(&mut self, trial: &mut Trial) -> bool {
        match self.try_submit(trial) {
            Ok(()) => true,
            Err(e) => {
                trial.record.error = Some(e.to_string());
                false
            }
        }
    }

    fn try_submit(&mut self, trial: &mut Trial) -> Result<(), GpuError> {
        // No stop check here: rows written into a mapped input are
        // submitted, so that wgpu maps it again.
        let Some((_, rows_ns)) = self.written.take().filter(|w| w.0 == trial.next) else {
            return Err(GpuError::Map("no rows were written for this op".into()));
        };
        let slot = trial.slot();
        let t0 = Instant::now();
        let (commands, staging, gpu_index, ahead_ns) = match self.ahead.take() {
            Some(mut ahead) if ahead.index == trial.next => {
                if let Some(view) = ahead.rows.as_mut() {
                    view.slice(..self.rows.len()).copy_from_slice(&self.rows);
                }
                drop(ahead.rows);
                (
                    ahead.commands,
                    ahead.staging,
                    ahead.gpu_index,
                    ahead.encode_ns,
                )
            }
            _ => {
                let mut encoder = self.op.encoder();
                if self.op.mapped_inputs().is_none() {
                    self.op.prepared_mut().write_input(
                        &mut encoder,
                        &mut self.belt,
                        slot,
                        &self.rows,
                    );
                }
                let gpu_index = trial.gpu_index();
                let staging = self.take_staging();
                self.record_op(&mut encoder, slot, gpu_index, staging);
                (encoder.finish(), staging, gpu_index, 0)
            }
        };
        self.belt.finish();
        let t1 = Instant::now();
        let submission = self.op.ctx().queue.submit([commands]);
        let t2 = Instant::now();
        let phases = &mut trial.record.phases;
        // The op's encoding counts the copy of its rows and, recorded
        // ahead, its recording, both done before (while an op ran).
        phases.encode_ns.push(rows_ns + ahead_ns + ns(t0, t1));
        phases.submit_ns.push(ns(t1, t2));
        phases.wait_ns.push(0);
        phases.readback_ns.push(0);
        self.in_flight.push_back(Answering {
            staging,
            submission,
            op: phases.encode_ns.len() - 1,
        });
        trial.advance(gpu_index);
        Ok(())
    }

    /// Waits for the oldest op in flight and returns its output, whose
    /// first rows answer its requests; `None` after an error, kept in the
    /// trial's record.
    pub fn answer_oldest(&mut self, trial: &mut Trial) -> Option<&[u8]> {
        match self.try_answer(trial) {
            Ok(()) => Some(&self.host_out),
            Err(e) => {
                trial.record.error = Some(e.to_string());
                None
            }
        }
    }

    fn try_answer(&mut self, trial: &mut Trial) -> Result<(), GpuError> {
        let op = self
            .in_flight
            .pop_front()
            .ok_or(GpuError::Map("no op in flight to answer".into()))?;
        // The belt's chunks are mapped again once the ops that read them
        // are done: asked for here, while the op runs, rather than on the
        // way from the batch's arrival to its submit.
        self.belt.recall();
        let staging = &self.answers[op.staging];
        let (waiter, ctx) = (self.op.waiter(), self.op.ctx());
        let t0 = Instant::now();
        if waiter.sync == SyncMode::Device {
            waiter.wait_device(ctx, &trial.stop)?;
        }
        waiter.wait_for(ctx, op.submission, Some(staging.mapped()), &trial.stop)?;
        let t1 = Instant::now();
        staging.copy_out(&mut self.host_out)?;
        let t2 = Instant::now();
        let phases = &mut trial.record.phases;
        phases.wait_ns[op.op] = ns(t0, t1);
        phases.readback_ns[op.op] = ns(t1, t2);
        // Requests are counted by their senders, once each.
        Ok(())
    }

    /// The output the last answered op left on the host.
    pub fn last_output(&self) -> &[u8] {
        &self.host_out
    }

    /// Stops the trial's clock and reads its GPU times.
    pub fn end_trial(&mut self, trial: Trial) -> TrialRecord {
        self.ahead = None;
        self.op.end_trial(trial)
    }
}
