//! One GPU owner thread serving N client threads through a channel.
//!
//! * `queue` (the seeds' BatchQueue): the owner runs each batch-1 request
//!   on its own, in arrival order: only the owner touches the device, so
//!   it measures what a single owner costs.
//! * `server` (the seeds' DynamicBatchingServer, as Triton's dynamic
//!   batcher works): after a request arrives the owner keeps taking more
//!   until it has `max_batch` or `max_delay_us` has passed, then runs
//!   them as one batched dispatch and answers each. Batches run on the
//!   smallest prepared size that holds them (1, 2, 4, … `max_batch`).
//!
//! Under `pipeline:D` the owner keeps up to D batches on the GPU: it
//! submits the next batch while earlier ones run, and answers the oldest
//! when the pipeline is full or no request is waiting. While a batch is
//! in flight, a blocking owner takes only requests already waiting, so
//! that waiting for company never holds up an answer. When a full
//! pipeline (under `readback`, one batch) must make room for a formed
//! batch, the owner reads the oldest back, submits the new batch, and
//! only then hands the old one's answers out: the GPU never holds more
//! than D batches, and handing out overlaps the next batch.
//!
//! A batch's rows are written into its op's input as soon as it is
//! formed, before the owner waits for a batch on the GPU to make room.
//! With `encode_ahead` the owner records the next batch of a size while
//! one of that size runs (after handing out the answers it read), so
//! that submitting is all that is left between the last request's
//! arrival and the GPU.
//!
//! Under the `spin` wait style the owner spins on its request channel
//! (for up to [`OWNER_SPIN`] at a time) instead of sleeping in it, so
//! that a request's arrival costs it no wake-up; and while a batch is in
//! flight it keeps filling the next one (up to `max_batch` and
//! `max_delay_us`) until the batch in flight is done, watching both, so
//! that collecting overlaps the GPU instead of sending it scraps. It does
//! so even when the GPU holds all the batches it may (one, under
//! `readback`): when the batch in flight is done it answers it and keeps
//! collecting (the answered clients may join) until the batch is full or
//! its deadline, then submits. So with more clients than a batch (32
//! clients, batches of 16) one batch's clients send their next requests
//! while the other's batch runs, which 16 clients and batches of 16
//! cannot do. A spinning owner also runs on a core of its own, its
//! clients on the others ([`super::cores`]).

use std::collections::{BTreeMap, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, TryRecvError, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::clients::{
    ClientPlan, Pending, Timing, ToOwner, closed_client, open_client, poisson_arrivals,
};
use super::cores::{Split, pin_to};
use super::requests::RequestSet;
use super::{Env, LoopSpec, Workers, prepare_loop, worker_seed};
use crate::gpu::completion::Bell;
use crate::measure::op_loop::{Trial, ns};
use crate::measure::record::{OwnerPhases, TrialRecord, unix_ns};
use crate::measure::requests::RequestLoop;
use crate::measure::stop::Stop;
use crate::plan::PointSpec;
use crate::schema::{OwnerCores, SetupTimes, Upload, WaitStyle};

/// Test hook: when set, the owner hands each request the rows of the next
/// request in its batch, so a test can see that mix-ups are caught.
pub const SWAP_ANSWERS: &str = "CURVES_TEST_SWAP_ANSWERS";

/// The prepared batch sizes: 1, 2, 4, … up to `max_batch`.
pub fn buckets(max_batch: u32) -> Vec<u32> {
    let mut sizes: Vec<u32> = (0..32)
        .map(|k| 1u32 << k)
        .take_while(|&b| b < max_batch)
        .collect();
    sizes.push(max_batch);
    sizes
}

/// Longest a spinning owner spins on its channel before it sleeps there
/// (between trials nobody sends for a while).
const OWNER_SPIN: Duration = Duration::from_millis(1);

/// The next message, waiting until `deadline` (forever without one);
/// under `spin` the owner spins on the channel first.
fn receive(
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
struct Submitted {
    /// Its batch size's loop.
    bucket: usize,
    batch: Vec<Pending>,
    started: Instant,
}

/// A batch whose output is on the host, not yet handed to its requests.
struct Read {
    done: Submitted,
    /// Its output is the loop's last (or the trial's error).
    output: Result<(), String>,
    read_at: Instant,
}

/// The owner's state between messages.
struct OwnerLoop {
    loops: Vec<(u32, RequestLoop)>,
    trials: Vec<Option<Trial>>,
    set: Arc<RequestSet>,
    max_delay: Duration,
    depth: usize,
    /// Whether the owner spins on its channel (the `spin` wait style).
    spin: bool,
    swap: bool,
    batch_sizes: BTreeMap<u32, u64>,
    /// The owner's own costs per batch, this trial.
    costs: OwnerPhases,
    /// When the last batch was read back (none yet this trial): from
    /// then the GPU held nothing, unless another batch was in flight.
    last_read: Option<Instant>,
    bell: Arc<Bell>,
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

    fn serve(&mut self, requests: Receiver<ToOwner>, reports: Sender<Result<TrialRecord, String>>) {
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

struct Owner {
    tx: Option<Sender<ToOwner>>,
    /// Open-loop clients' rate each (requests/s); closed loop when `None`.
    open_loop: Option<f64>,
    /// Seeds each trial's arrival times, so a run is reproducible.
    seed: u64,
    trials: u64,
    reports: Receiver<Result<TrialRecord, String>>,
    requests: Arc<RequestSet>,
    clients: usize,
    wait: WaitStyle,
    stop: Stop,
    setup: SetupTimes,
    kernels: Vec<String>,
    bell: Arc<Bell>,
    /// Where a spinning owner and its clients are pinned.
    cores: Option<Split>,
    upload: Upload,
    thread: Option<JoinHandle<()>>,
}

/// Starts the GPU owner of `point` (its limits: batches of one with no
/// waiting for a queue) and waits until it is ready.
pub fn start(point: &PointSpec, env: &Env, stop: &Stop) -> Result<Box<dyn Workers>, String> {
    let started = Instant::now();
    let (max_batch, max_delay_us) = point.server.unwrap_or((1, 0));
    let (tx, requests) = channel::<ToOwner>();
    let (report_tx, reports) = channel();
    type Ready = Result<(SetupTimes, Vec<String>, Arc<RequestSet>, bool, Upload), String>;
    let (ready_tx, ready_rx) = channel::<Ready>();
    let clients = point.n as usize;
    let depth = point.sync.depth();
    let wait = point.wait;
    let ctx = Arc::clone(&env.ctx);
    let spec = LoopSpec::of(point);
    let owner_stop = stop.clone();
    let bell: Arc<Bell> = Arc::default();
    let owner_bell = Arc::clone(&bell);
    // A spinning owner takes a core of its own (see `cores`).
    let split = (wait == WaitStyle::Spin).then(Split::of_process).flatten();
    let owner_core = split.as_ref().map(|s| s.owner);
    let thread = std::thread::Builder::new()
        .name("gpu-owner".into())
        .spawn(move || {
            // Unpinned where pinning fails: the point records which.
            let pinned = owner_core.is_some_and(|c| pin_to(&[c]).is_ok());
            let prepared = catch_unwind(AssertUnwindSafe(|| {
                let mut loops = Vec::new();
                let mut setup = SetupTimes::default();
                let mut kernels = Vec::new();
                // One seed for every batch size: the same weights, so one
                // reference answers every request.
                let seed = worker_seed(spec.settings.seed, 0);
                for b in buckets(max_batch) {
                    let op_loop = prepare_loop(Arc::clone(&ctx), &spec, b, seed, &owner_stop)?;
                    setup.prepare_s += op_loop.setup.prepare_s;
                    setup.warmup_s += op_loop.setup.warmup_s;
                    for k in op_loop.prepared().kernels() {
                        if !kernels.contains(&k) {
                            kernels.push(k);
                        }
                    }
                    let ahead = spec.settings.encode_ahead;
                    loops.push((b, RequestLoop::new(op_loop, ahead)));
                }
                let t = Instant::now();
                let set = RequestSet::new(
                    loops[0].1.op_loop().prepared(),
                    RequestSet::count_for(clients),
                    seed ^ 0x5e4e,
                );
                setup.prepare_s += t.elapsed().as_secs_f64();
                Ok::<_, String>((loops, setup, kernels, Arc::new(set)))
            }));
            match prepared {
                Ok(Ok((loops, setup, kernels, set))) => {
                    // Every size's loop takes the same way.
                    let upload = loops[0].1.upload();
                    let ready = (setup, kernels, Arc::clone(&set), pinned, upload);
                    let _ = ready_tx.send(Ok(ready));
                    let trials = loops.iter().map(|_| None).collect();
                    let mut owner = OwnerLoop {
                        loops,
                        trials,
                        set,
                        max_delay: Duration::from_micros(max_delay_us),
                        depth,
                        spin: wait == WaitStyle::Spin,
                        swap: std::env::var_os(SWAP_ANSWERS).is_some(),
                        batch_sizes: BTreeMap::new(),
                        costs: OwnerPhases::default(),
                        last_read: None,
                        bell: owner_bell,
                    };
                    owner.serve(requests, report_tx);
                }
                Ok(Err(e)) => drop(ready_tx.send(Err(e))),
                Err(_) => drop(ready_tx.send(Err("the GPU owner panicked while preparing".into()))),
            }
        })
        .map_err(|e| format!("could not start the GPU owner thread: {e}"))?;
    let (setup, kernels, requests, pinned, upload) = match ready_rx.recv_timeout(stop.left()) {
        Ok(Ok(ready)) => ready,
        Ok(Err(e)) => return Err(format!("GPU owner: {e}")),
        Err(_) => {
            stop.cancel();
            return Err("timed out (point timeout) while the GPU owner was getting ready".into());
        }
    };
    Ok(Box::new(Owner {
        tx: Some(tx),
        open_loop: point.arrival_rate_per_s,
        seed: point.settings.seed,
        trials: 0,
        reports,
        requests,
        clients,
        wait: point.wait,
        stop: stop.clone(),
        setup: SetupTimes {
            device_s: env.ctx.open_s,
            start_s: started.elapsed().as_secs_f64(),
            ..setup
        },
        kernels,
        bell,
        cores: split.filter(|_| pinned),
        upload,
        thread: Some(thread),
    }))
}

impl Owner {
    fn send(&self, message: ToOwner) -> Result<(), String> {
        self.tx
            .as_ref()
            .and_then(|tx| tx.send(message).ok())
            .ok_or_else(|| "the GPU owner is gone".to_string())
    }
}

impl Workers for Owner {
    fn setup(&self) -> SetupTimes {
        self.setup
    }

    fn kernels(&self) -> Vec<String> {
        self.kernels.clone()
    }

    fn owner_cores(&self) -> Option<OwnerCores> {
        self.cores.as_ref().map(|s| OwnerCores {
            owner: s.owner as u32,
            clients: s.clients.len() as u32,
        })
    }

    fn upload(&self) -> Option<Upload> {
        Some(self.upload)
    }

    fn run_trial(
        &mut self,
        ops: u64,
        _checks: u64,
        deadline: Instant,
    ) -> Result<Vec<TrialRecord>, String> {
        // Clients check every answer, so `checks` does not apply.
        self.stop = self.stop.renewed(deadline);
        self.stop.check().map_err(|e| e.to_string())?;
        self.send(ToOwner::Begin {
            ops: ops.saturating_mul(self.clients as u64),
            stop: self.stop.clone(),
        })?;
        let tx = self.tx.clone().ok_or("the GPU owner is gone")?;
        self.trials += 1;
        let trial_seed = self.seed.wrapping_mul(1_000_003).wrapping_add(self.trials);
        let start_at = unix_ns() + 2_000_000;
        let clients: Vec<_> = (0..self.clients)
            .map(|c| {
                let tx = tx.clone();
                let cores = self.cores.as_ref().map(|s| s.clients.clone());
                let plan = ClientPlan {
                    id: c,
                    bell: Arc::clone(&self.bell),
                    clients: self.clients,
                    set: Arc::clone(&self.requests),
                    stop: self.stop.clone(),
                    wait: self.wait,
                    start_at_unix_ns: start_at,
                    cores,
                };
                match self.open_loop {
                    Some(rate) => {
                        let arrivals =
                            poisson_arrivals(rate, ops as usize, trial_seed.wrapping_add(c as u64));
                        std::thread::spawn(move || open_client(tx, arrivals, plan))
                    }
                    None => std::thread::spawn(move || closed_client(tx, ops, plan)),
                }
            })
            .collect();
        drop(tx);
        let mut records: Vec<TrialRecord> = clients
            .into_iter()
            .map(|c| {
                c.join().unwrap_or_else(|_| TrialRecord {
                    error: Some("a client thread panicked".into()),
                    ..Default::default()
                })
            })
            .collect();
        self.send(ToOwner::End)?;
        let mut owner = match self
            .reports
            .recv_timeout(self.stop.left() + Duration::from_secs(5))
        {
            Ok(Ok(record)) => record,
            Ok(Err(e)) => return Err(e),
            Err(_) => {
                self.stop.cancel();
                return Err("timed out (point timeout) while the GPU owner ended the trial".into());
            }
        };
        // The trial spans the clients.
        owner.start_unix_ns = records.iter().map(|r| r.start_unix_ns).min().unwrap_or(0);
        owner.end_unix_ns = records.iter().map(|r| r.end_unix_ns).max().unwrap_or(0);
        records.push(owner);
        Ok(records)
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        // Closing the channel ends the owner's loop.
        self.tx = None;
        self.stop.cancel();
        // An owner stuck in the driver is left behind rather than joined.
        let grace = Instant::now() + Duration::from_secs(5);
        while self.thread.as_ref().is_some_and(|t| !t.is_finished()) && Instant::now() < grace {
            std::thread::sleep(Duration::from_millis(5));
        }
        if let Some(thread) = self.thread.take().filter(|t| t.is_finished()) {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::buckets;

    #[test]
    fn batch_sizes_are_powers_of_two_up_to_the_limit() {
        assert_eq!(buckets(1), vec![1]);
        assert_eq!(buckets(16), vec![1, 2, 4, 8, 16]);
        assert_eq!(buckets(12), vec![1, 2, 4, 8, 12]);
    }
}
