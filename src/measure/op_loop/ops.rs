//! An op of the loop: recording its commands (ahead of time where asked),
//! submitting, waiting as the sync mode and wait style say, timing each
//! phase; and, after the clock stops, the outputs checked.

use super::*;

impl OpLoop {
    /// A new encoder for one op's commands.
    pub fn encoder(&self) -> wgpu::CommandEncoder {
        self.ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("op") })
    }

    /// Records op `slot` into a new encoder, with timestamp pair
    /// `gpu_index` if given; returns the encoder and the output buffer.
    pub fn encode(
        &self,
        slot: usize,
        gpu_index: Option<u32>,
    ) -> (wgpu::CommandEncoder, wgpu::Buffer) {
        let mut encoder = self.encoder();
        let output = self.encode_into(&mut encoder, slot, gpu_index);
        (encoder, output)
    }

    /// Records op `slot` into `encoder` (after what it holds already, such
    /// as the upload of the op's input); returns the output buffer.
    pub fn encode_into(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        slot: usize,
        gpu_index: Option<u32>,
    ) -> wgpu::Buffer {
        let writes = match (&self.timestamps, gpu_index) {
            (Some(ts), Some(k)) => Some(ts.writes(k)),
            _ => None,
        };
        let output = self.prepared.encode(encoder, slot, writes);
        // A mapped input is mapped again once the op has read it.
        if let Some(inputs) = &self.inputs {
            inputs[slot].map_on_submit(encoder);
        }
        output
    }

    /// A completion signal for an op in flight (from the spares).
    pub(super) fn signal(&mut self) -> Arc<Completion> {
        self.spare.pop().unwrap_or_default()
    }

    /// Records op `index` of the trial (over `slot`, with timestamp pair
    /// `gpu_index`) and what its sync mode waits on: the output's copy and
    /// mapping (`readback`), or a completion signal.
    pub(super) fn record(&mut self, index: u64, slot: usize, gpu_index: Option<u32>) -> Encoded {
        let t0 = Instant::now();
        let (mut encoder, output) = self.encode(slot, gpu_index);
        let staging = (index % self.readbacks.len() as u64) as usize;
        let signal = if self.waiter.sync == SyncMode::Readback {
            self.readbacks[staging].record_copy(&mut encoder, &output);
            self.readbacks[staging].map_on_submit(&encoder);
            None
        } else if self.waiter.needs_signal() {
            let s = self.signal();
            self.waiter.arm(&encoder, &s);
            Some(s)
        } else {
            None
        };
        let commands = encoder.finish();
        Encoded {
            index,
            commands,
            signal,
            staging,
            encode_ns: ns(t0, Instant::now()),
        }
    }

    /// Drops an op recorded ahead that will not run (the trial ended).
    pub(super) fn discard_ahead(&mut self) {
        if let Some(signal) = self.ahead.take().and_then(|e| e.signal) {
            self.spare.push(signal);
        }
    }

    /// One op: encode (unless it was encoded ahead), submit, wait as the
    /// mode says.
    pub(super) fn op(
        &mut self,
        slot: usize,
        keep: bool,
        gpu_index: Option<u32>,
        trial: &mut Trial,
    ) -> Result<(), GpuError> {
        let sync = self.waiter.sync;
        let t0 = Instant::now();
        let op = match self.ahead.take() {
            Some(ahead) if ahead.index == trial.next => ahead,
            stale => {
                self.ahead = stale;
                self.discard_ahead();
                self.record(trial.next, slot, gpu_index)
            }
        };
        let Encoded {
            commands,
            signal,
            staging,
            mut encode_ns,
            ..
        } = op;
        // The input goes first (`upload_inputs`), counted in the op's
        // encoding.
        if self.inputs.is_some() {
            let written = Instant::now();
            self.write_input(slot, [self.prepared.input(slot)], &trial.stop)?;
            encode_ns += ns(written, Instant::now());
        }
        let t1 = Instant::now();
        // A full pipeline waits for its oldest op before taking another.
        if let SyncMode::Pipeline(depth) = sync
            && self.in_flight.len() >= depth as usize
        {
            self.wait_oldest(&mut trial.record, &trial.stop)?;
        }
        let t2 = Instant::now();
        let submission = self.ctx.queue.submit([commands]);
        let t3 = Instant::now();
        // The next op is recorded while this one runs on the GPU.
        let mut ahead_ns = 0;
        if self.encode_ahead {
            let next = trial.next + 1;
            let ahead = self.record(
                next,
                (next % SLOTS as u64) as usize,
                trial.gpu_index_after(gpu_index),
            );
            ahead_ns = ahead.encode_ns;
            self.ahead = Some(ahead);
        }
        match sync {
            SyncMode::Readback => self.waiter.wait_for(
                &self.ctx,
                submission,
                Some(self.readbacks[staging].mapped()),
                &trial.stop,
            )?,
            SyncMode::Wait => {
                let waited =
                    self.waiter
                        .wait_for(&self.ctx, submission, signal.as_deref(), &trial.stop);
                if let Some(s) = signal {
                    self.spare.push(s);
                }
                waited?
            }
            SyncMode::Device => self.waiter.wait_device(&self.ctx, &trial.stop)?,
            SyncMode::Pipeline(_) | SyncMode::End => self.in_flight.push_back(InFlight {
                submission,
                started: t0,
                signal,
            }),
        }
        let t4 = Instant::now();
        let mut t5 = t4;
        if sync == SyncMode::Readback {
            let out = if keep {
                let at = self.kept_slots.len() * self.host_out.len();
                self.kept_slots.push(slot);
                &mut self.kept[at..at + self.host_out.len()]
            } else {
                &mut self.host_out[..]
            };
            self.readbacks[staging].copy_out(out)?;
            t5 = Instant::now();
        }
        let record = &mut trial.record;
        // An op encoded ahead spent its encoding inside the previous op's
        // wait, which therefore leaves it out: the phases still add up to
        // the latencies.
        record.phases.encode_ns.push(encode_ns);
        record
            .phases
            .wait_ns
            .push((ns(t1, t2) + ns(t3, t4)).saturating_sub(ahead_ns));
        record.phases.submit_ns.push(ns(t2, t3));
        record.phases.readback_ns.push(ns(t4, t5));
        if sync.waits_per_op() {
            record.latencies_ns.push(ns(t0, t5));
            record.ops_completed += 1;
        }
        Ok(())
    }

    pub(super) fn wait_oldest(
        &mut self,
        record: &mut TrialRecord,
        stop: &Stop,
    ) -> Result<(), GpuError> {
        if let Some(op) = self.in_flight.pop_front() {
            let waited = self
                .waiter
                .wait_for(&self.ctx, op.submission, op.signal.as_deref(), stop);
            if let Some(s) = op.signal {
                self.spare.push(s);
            }
            waited?;
            record.latencies_ns.push(ns(op.started, Instant::now()));
            record.ops_completed += 1;
        }
        Ok(())
    }

    /// Waits for every op still in flight (`pipeline`, `end`).
    pub(super) fn drain(&mut self, record: &mut TrialRecord, stop: &Stop) -> Result<(), GpuError> {
        let started = Instant::now();
        while !self.in_flight.is_empty() {
            self.wait_oldest(record, stop)?;
        }
        if let Some(last) = record.phases.wait_ns.last_mut() {
            *last += ns(started, Instant::now());
        }
        Ok(())
    }

    pub(super) fn clear_outputs(&self, stop: &Stop) -> Result<(), GpuError> {
        let mut encoder = self.ctx.device.create_command_encoder(&Default::default());
        for slot in 0..SLOTS {
            encoder.clear_buffer(&self.prepared.output(slot), 0, None);
        }
        let submission = self.ctx.queue.submit([encoder.finish()]);
        self.ctx
            .device
            .poll(wgpu::PollType::Wait {
                submission_index: Some(submission),
                timeout: Some(stop.left().max(Duration::from_secs(1))),
            })
            .map(|_| ())
            .map_err(GpuError::Poll)
    }

    pub(super) fn check(
        &mut self,
        record: &mut TrialRecord,
        ops: u64,
        stop: &Stop,
    ) -> Result<(), GpuError> {
        let out_len = self.prepared.output_bytes();
        let precision = self.prepared.precision();
        if self.waiter.sync == SyncMode::Readback {
            for (k, &slot) in self.kept_slots.iter().enumerate() {
                let got = &self.kept[k * out_len..(k + 1) * out_len];
                check_output(got, self.prepared.expected(slot), precision, record);
            }
            return Ok(());
        }
        if !self.check_slots {
            return Ok(());
        }
        // Each slot's buffer holds its last op's output, or zeros if none ran.
        for slot in 0..SLOTS.min(ops as usize) {
            let mut encoder = self.ctx.device.create_command_encoder(&Default::default());
            self.readbacks[0].record_copy(&mut encoder, &self.prepared.output(slot));
            let submission = self.ctx.queue.submit([encoder.finish()]);
            self.readbacks[0].read_into(
                &self.ctx.device,
                submission,
                &mut self.host_out,
                stop.left().max(Duration::from_secs(1)),
            )?;
            check_output(
                &self.host_out,
                self.prepared.expected(slot),
                precision,
                record,
            );
        }
        Ok(())
    }
}
