//! The owner's loop: collecting requests into batches, writing their rows,
//! submitting, reading back and answering, as the module above describes.

use super::*;

/// Longest a spinning owner spins on its channel before it sleeps there
/// (between trials nobody sends for a while).
pub(super) const OWNER_SPIN: Duration = Duration::from_millis(1);

/// The next message, waiting until `deadline` (forever without one);
/// under `spin` the owner spins on the channel first.
pub(super) fn receive(
    requests: &Receiver<ToOwner>,
    spin: bool,
    deadline: Option<Instant>,
) -> Result<ToOwner, RecvTimeoutError> {
    if spin {
        let spin_until = Instant::now() + OWNER_SPIN;
        let spin_until = deadline.map_or(spin_until, |d| d.min(spin_until));
        loop {
            match requests.try_recv() {
                Ok(message) => return Ok(message),
                Err(TryRecvError::Disconnected) => return Err(RecvTimeoutError::Disconnected),
                Err(TryRecvError::Empty) if Instant::now() >= spin_until => break,
                Err(TryRecvError::Empty) => std::hint::spin_loop(),
            }
        }
    }
    match deadline {
        Some(d) => requests.recv_timeout(d.saturating_duration_since(Instant::now())),
        None => requests.recv().map_err(|_| RecvTimeoutError::Disconnected),
    }
}

/// A batch submitted and not answered yet.
pub(super) struct Submitted {
    /// Its batch size's loop.
    bucket: usize,
    batch: Vec<Pending>,
    started: Instant,
}

/// A batch whose output is on the host, not yet handed to its requests.
pub(super) struct Read {
    done: Submitted,
    /// Its output is the loop's last (or the trial's error).
    output: Result<(), String>,
    read_at: Instant,
}

/// The owner's state between messages.
pub(super) struct OwnerLoop {
    pub(super) loops: Vec<(u32, RequestLoop)>,
    pub(super) trials: Vec<Option<Trial>>,
    pub(super) set: Arc<RequestSet>,
    pub(super) max_delay: Duration,
    pub(super) depth: usize,
    /// Whether the owner spins on its channel (the `spin` wait style).
    pub(super) spin: bool,
    pub(super) swap: bool,
    pub(super) batch_sizes: BTreeMap<u32, u64>,
    /// The owner's own costs per batch, this trial.
    pub(super) costs: OwnerPhases,
    /// When the last batch was read back (none yet this trial): from
    /// then the GPU held nothing, unless another batch was in flight.
    pub(super) last_read: Option<Instant>,
    pub(super) bell: Arc<Bell>,
}

impl OwnerLoop {
    fn max_batch(&self) -> usize {
        self.loops.last().map_or(1, |(b, _)| *b) as usize
    }

    /// Waits for a submitted batch's op and hands each of its requests
    /// its own rows (or the trial's error).
    fn answer(&mut self, done: Submitted) {
        let read = self.read(done);
        self.deliver(read);
    }

    /// Waits for a submitted batch's op and copies its output to the host
    /// (the batch's readback), to be delivered later.
    fn read(&mut self, done: Submitted) -> Read {
        let (loop_, trial) = (
            &mut self.loops[done.bucket].1,
            &mut self.trials[done.bucket],
        );
        let output = match trial.as_mut() {
            Some(t) if t.record.error.is_none() => loop_
                .answer_oldest(t)
                .map(drop)
                .ok_or_else(|| t.record.error.clone().unwrap_or_default()),
            Some(t) => Err(t.record.error.clone().unwrap_or_default()),
            None => Err("a request arrived outside a trial".into()),
        };
        let read_at = Instant::now();
        self.last_read = Some(read_at);
        Read {
            done,
            output,
            read_at,
        }
    }

    /// Hands each request of a read batch its own rows (or the error),
    /// and wakes the clients asleep.
    fn deliver(&mut self, read: Read) {
        let delivering = Instant::now();
        let Read {
            done:
                Submitted {
                    bucket,
                    batch,
                    started,
                },
            output,
            read_at,
        } = read;
        let service = read_at.duration_since(started);
        let output = output.map(|()| self.loops[bucket].1.last_output());
        let (n, row_bytes) = (batch.len(), self.set.answer_bytes());
        for (r, request) in batch.into_iter().enumerate() {
            let row = if self.swap { (r + 1) % n } else { r };
            let timing = Timing {
                queued: started.saturating_duration_since(request.sent),
                service,
            };
            let answer = output
                .as_ref()
                .map(|out| (timing, &out[row * row_bytes..(row + 1) * row_bytes]))
                .map_err(Clone::clone);
            request.answer(answer);
        }
        // One wake-up for the whole batch's sleeping clients.
        self.bell.ring();
        self.costs.answer_ns.push(ns(delivering, Instant::now()));
    }

    /// Spins until a message arrives (which it returns) or the oldest
    /// batch in flight, in loop `bucket`, is done or its trial must stop
    /// (`None`: answer it): so that a request arriving while a batch runs
    /// starts the next batch's collecting at once.
    fn request_or_done(&self, requests: &Receiver<ToOwner>, bucket: usize) -> Option<ToOwner> {
        let stop = self.trials[bucket].as_ref().map(|t| t.stop.clone());
        let mut looks: u32 = 0;
        loop {
            looks = looks.wrapping_add(1);
            match requests.try_recv() {
                Ok(message) => return Some(message),
                Err(TryRecvError::Disconnected) => return None,
                Err(TryRecvError::Empty) => {}
            }
            if self.loops[bucket].1.oldest_done()
                || (looks.is_multiple_of(256) && stop.as_ref().is_none_or(|s| s.check().is_err()))
            {
                return None;
            }
            std::hint::spin_loop();
        }
    }

    /// Collects a batch after `first` (up to `max_batch`, until the
    /// deadline) and returns it with any message that ended the
    /// collecting early; `in_flight` holds the batches on the GPU.
    fn collect(
        &mut self,
        first: Pending,
        requests: &Receiver<ToOwner>,
        in_flight: &mut VecDeque<Submitted>,
    ) -> (Vec<Pending>, Option<ToOwner>) {
        let mut batch = vec![first];
        let mut pending = None;
        // A spinning owner fills the batch while one is in flight, looking
        // between requests at whether that one is done; a blocking one
        // cannot watch both, so it takes only the requests waiting.
        let mut watched = in_flight.front().map(|b| b.bucket).filter(|_| self.spin);
        let deadline = if in_flight.is_empty() || self.spin {
            Instant::now() + self.max_delay
        } else {
            Instant::now()
        };
        while batch.len() < self.max_batch() {
            let until = if watched.is_some() {
                Instant::now()
            } else {
                deadline
            };
            match receive(requests, self.spin, Some(until)) {
                Ok(ToOwner::Request(request)) => batch.push(request),
                Ok(other) => {
                    pending = Some(other);
                    break;
                }
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    if Instant::now() >= deadline {
                        break;
                    }
                    if !watched.is_some_and(|b| self.loops[b].1.oldest_done()) {
                        continue;
                    }
                    // The oldest batch is done. With room on the GPU, the
                    // batch goes now rather than leave it idle. Where the
                    // GPU held all it may (one batch under `readback`),
                    // the done batch is answered, and its clients' next
                    // requests may join this one until the deadline.
                    if in_flight.len() < self.depth {
                        break;
                    }
                    let done = in_flight.pop_front().expect("a batch in flight");
                    self.answer(done);
                    if !in_flight.is_empty() {
                        break;
                    }
                    watched = None;
                }
            }
        }
        (batch, pending)
    }

    /// The prepared size that runs a batch of `n`: the smallest that
    /// holds it.
    fn bucket_of(&self, n: usize) -> usize {
        self.loops
            .iter()
            .position(|(b, _)| *b as usize >= n)
            .unwrap_or(self.loops.len() - 1)
    }

    /// Writes `batch`'s rows into the input of size `k`'s next op (see
    /// [`RequestLoop::write_rows`]); a failure is the trial's error.
    fn write_rows(&mut self, k: usize, batch: &[Pending]) {
        let Some(trial) = self.trials[k].as_mut().filter(|t| t.record.error.is_none()) else {
            return;
        };
        let rows = batch.iter().map(|r| self.set.input(r.sample));
        if let Some(rows_ns) = self.loops[k].1.write_rows(trial, rows) {
            self.costs.rows_ns.push(rows_ns);
        }
    }

    /// Submits `batch` on size `k`, its rows written (`gpu_idle`: with
    /// nothing else on the GPU); whether the GPU took it (else it is
    /// answered with the trial's error).
    fn submit(&mut self, k: usize, batch: Vec<Pending>, gpu_idle: bool) -> (Submitted, bool) {
        let started = Instant::now();
        if let Some(at) = self.last_read.filter(|_| gpu_idle) {
            self.costs.idle_ns.push(ns(at, started));
        }
        *self.batch_sizes.entry(batch.len() as u32).or_insert(0) += 1;
        let submitted = match self.trials[k].as_mut() {
            Some(trial) if trial.record.error.is_none() => self.loops[k].1.submit(trial),
            _ => false,
        };
        (
            Submitted {
                bucket: k,
                batch,
                started,
            },
            submitted,
        )
    }

    /// Ends the trial: answers what is in flight, then merges the loops'
    /// records (checks are the clients', so the owner adds phases, GPU
    /// times and the batches it formed).
    fn end(&mut self, in_flight: &mut VecDeque<Submitted>) -> Result<TrialRecord, String> {
        while let Some(done) = in_flight.pop_front() {
            self.answer(done);
        }
        let mut merged: Option<TrialRecord> = None;
        for ((_, loop_), trial) in self.loops.iter_mut().zip(&mut self.trials) {
            let Some(trial) = trial.take() else { continue };
            let record = loop_.end_trial(trial);
            let m = merged.get_or_insert_with(TrialRecord::default);
            m.phases.append(record.phases);
            m.gpu_ns.extend(record.gpu_ns);
            if m.error.is_none() {
                m.error = record.error;
            }
        }
        merged
            .map(|mut m| {
                m.batch_sizes = std::mem::take(&mut self.batch_sizes);
                m.owner = std::mem::take(&mut self.costs);
                m
            })
            .ok_or_else(|| "no trial to end".to_string())
    }

    pub(super) fn serve(
        &mut self,
        requests: Receiver<ToOwner>,
        reports: Sender<Result<TrialRecord, String>>,
    ) {
        let mut in_flight: VecDeque<Submitted> = VecDeque::new();
        let mut pending: Option<ToOwner> = None;
        loop {
            if !in_flight.is_empty() {
                // A spinning owner collects the next batch even when the
                // GPU holds all it may (`readback`: one batch), so that
                // with more clients than a batch the next one is formed
                // by the time this one is answered.
                let collects = self.spin || in_flight.len() < self.depth;
                if pending.is_none() && collects {
                    pending = match in_flight.front() {
                        Some(oldest) if self.spin => self.request_or_done(&requests, oldest.bucket),
                        _ => requests.try_recv().ok(),
                    };
                }
                if pending.is_none() || !collects {
                    let done = in_flight.pop_front().expect("a batch in flight");
                    self.answer(done);
                    continue;
                }
            }
            let Some(message) = pending
                .take()
                .or_else(|| receive(&requests, self.spin, None).ok())
            else {
                return;
            };
            match message {
                ToOwner::Begin { ops, stop } => {
                    self.batch_sizes.clear();
                    self.costs = OwnerPhases::default();
                    self.last_read = None;
                    for ((_, loop_), trial) in self.loops.iter_mut().zip(&mut self.trials) {
                        let t = trial.insert(loop_.begin_trial(ops, stop.clone()));
                        loop_.record_ahead(t);
                    }
                }
                ToOwner::Request(first) => {
                    let (batch, next) = self.collect(first, &requests, &mut in_flight);
                    pending = next;
                    // The rows go first, while the GPU may still run a
                    // batch: then the submit is all that is left.
                    let k = self.bucket_of(batch.len());
                    self.write_rows(k, &batch);
                    // The GPU holds at most `depth` batches: a full
                    // pipeline reads its oldest back before taking
                    // another, and hands out its answers once the next
                    // batch runs.
                    let mut read = None;
                    while in_flight.len() >= self.depth {
                        let done = in_flight.pop_front().expect("a batch in flight");
                        if let Some(earlier) = read.replace(self.read(done)) {
                            self.deliver(earlier);
                        }
                    }
                    let (batch, submitted) = self.submit(k, batch, in_flight.is_empty());
                    if let Some(read) = read {
                        self.deliver(read);
                    }
                    if submitted {
                        // The next batch of this size is recorded while
                        // this one runs (`encode_ahead`), once the answers
                        // above are out: their clients' next requests
                        // come sooner.
                        if let Some(trial) = &self.trials[k] {
                            self.loops[k].1.record_ahead(trial);
                        }
                        in_flight.push_back(batch);
                    } else {
                        // Answered at once, with the trial's error.
                        self.answer(batch);
                    }
                }
                ToOwner::End => {
                    let report = self.end(&mut in_flight);
                    let _ = reports.send(report);
                }
            }
        }
    }
}
