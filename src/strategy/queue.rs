//! One GPU owner thread serving N client threads through a channel.
//!
//! * `queue` (the seeds' BatchQueue): the owner runs each batch-1 request
//!   on its own, in arrival order. Thread-safe by construction: only the
//!   owner touches the device; it measures what a single owner costs.
//! * `server` (the seeds' DynamicBatchingServer, measured as Triton's
//!   dynamic batcher is): after a request arrives the owner keeps taking
//!   more until it has `max_batch` or `max_delay_us` has passed, then runs
//!   them as one batched dispatch and answers each. Batches run on the
//!   smallest prepared size that holds them (1, 2, 4, … `max_batch`).
//!
//! Each request carries its own sample (each client cycles through its
//! own samples of a [`RequestSet`], so two clients' requests differ); the owner writes
//! a batch's samples into its input rows, reads the output back whatever
//! the sync mode, and hands each client its own rows, which the client
//! checks against its sample's reference: every request is checked, and
//! one answered with another's rows is a wrong op.
//!
//! Clients are closed-loop (each sends its next request when the last is
//! answered) or, with `arrival_rate_per_s`, open-loop (each sends at
//! Poisson-distributed times, seeded, whatever the answers), as MLPerf's
//! Server scenario does. Clients time each request end to end; the owner
//! reports how long each batch waited and ran, and the batch sizes formed.

use std::collections::{BTreeMap, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, SyncSender, channel, sync_channel};
use std::sync::{Arc, Barrier};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::pool::worker_seed;
use super::requests::RequestSet;
use super::{Env, SetupTimes, Shape, Strategy, StrategyKind, Workers, remaining};
use crate::experiment::PointSpec;
use crate::measure::op_loop::{OpLoop, Trial, TrialRecord, WorkerSetup, unix_ns};
use crate::measure::sync::SyncMode;

/// `queue` and `server`: the same GPU owner, with or without batching.
pub struct GpuOwner {
    pub kind: StrategyKind,
}

impl Strategy for GpuOwner {
    fn kind(&self) -> StrategyKind {
        self.kind
    }

    fn shape(&self, point: &PointSpec) -> Shape {
        Shape {
            threads: point.n,
            processes: 1,
            batch: 1,
        }
    }

    fn prepare(
        &self,
        point: &PointSpec,
        env: &Env,
        deadline: Instant,
    ) -> Result<Box<dyn Workers>, String> {
        // The loader gives every server point its limits; a queue has none,
        // which is batches of one with no waiting.
        let (max_batch, max_delay_us) = point.server.unwrap_or((1, 0));
        let max_delay = Duration::from_micros(max_delay_us);
        Ok(Box::new(Owner::start(
            env, point, max_batch, max_delay, deadline,
        )?))
    }
}

/// Test hook: when set, the owner hands each request the rows of the next
/// request in its batch, so a test can see that mix-ups are caught.
pub const SWAP_ANSWERS: &str = "CURVES_TEST_SWAP_ANSWERS";

/// A request's answer: how long it waited before its batch started, how
/// long the batch ran, and the request's output rows.
struct Reply {
    queued: Duration,
    service: Duration,
    rows: Vec<u8>,
}

type Answer = Result<Reply, String>;

enum ToOwner {
    /// Ready a trial of at most this many requests (all clients' together).
    Begin {
        ops: u64,
    },
    Request(Pending),
    /// Stop the trial's clock, check, and report.
    End,
}

/// The prepared batch sizes: 1, 2, 4, … up to `max_batch`.
fn buckets(max_batch: u32) -> Vec<u32> {
    let mut sizes: Vec<u32> = (0..32)
        .map(|k| 1u32 << k)
        .take_while(|&b| b < max_batch)
        .collect();
    sizes.push(max_batch);
    sizes
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
    setup: SetupTimes,
    thread: Option<JoinHandle<()>>,
}

/// A request, from its sending until it is answered.
struct Pending {
    sent: Instant,
    /// Which sample of the request set it asks about.
    sample: usize,
    reply: SyncSender<Answer>,
}

/// Waits for a submitted batch's op and hands each of its requests its
/// own rows (or the trial's error).
fn answer(
    loops: &mut [(u32, OpLoop)],
    trials: &mut [Option<Trial>],
    set: &RequestSet,
    done: Submitted,
    swap: bool,
) {
    let Submitted {
        bucket,
        batch,
        started,
    } = done;
    let output = match trials[bucket].as_mut() {
        Some(trial) if trial.record.error.is_none() => loops[bucket]
            .1
            .answer_oldest(trial)
            .ok_or_else(|| trial.record.error.clone().unwrap_or_default()),
        Some(trial) => Err(trial.record.error.clone().unwrap_or_default()),
        None => Err("a request arrived outside a trial".into()),
    };
    let service = started.elapsed();
    let (n, row_bytes) = (batch.len(), set.answer_bytes());
    for (r, request) in batch.into_iter().enumerate() {
        let row = if swap { (r + 1) % n } else { r };
        let answer = output.as_ref().map_err(Clone::clone).map(|out| Reply {
            queued: started.saturating_duration_since(request.sent),
            service,
            rows: out[row * row_bytes..(row + 1) * row_bytes].to_vec(),
        });
        let _ = request.reply.send(answer);
    }
}

/// A batch submitted and not answered yet.
struct Submitted {
    /// Its batch size's op loop.
    bucket: usize,
    batch: Vec<Pending>,
    started: Instant,
}

/// The owner's loop: one op loop per batch size, one trial each. Under
/// `pipeline:D` it keeps up to D batches on the GPU: it submits the next
/// batch while earlier ones run, and answers the oldest when the pipeline
/// is full or no request is waiting. While a batch is in flight it takes
/// only requests already waiting, so that waiting for company never holds
/// up an answer.
fn serve(
    mut loops: Vec<(u32, OpLoop)>,
    set: &RequestSet,
    requests: Receiver<ToOwner>,
    reports: Sender<Result<TrialRecord, String>>,
    max_delay: Duration,
    depth: usize,
) {
    let max_batch = loops.last().map_or(1, |(b, _)| *b) as usize;
    let mut in_flight: VecDeque<Submitted> = VecDeque::new();
    let swap = std::env::var_os(SWAP_ANSWERS).is_some();
    let mut trials: Vec<Option<Trial>> = loops.iter().map(|_| None).collect();
    let mut batch_sizes: BTreeMap<u32, u64> = BTreeMap::new();
    let mut pending: Option<ToOwner> = None;
    let mut rows: Vec<u8> = Vec::new();
    loop {
        if !in_flight.is_empty() {
            if pending.is_none() && in_flight.len() < depth {
                pending = requests.try_recv().ok();
            }
            if pending.is_none() || in_flight.len() >= depth {
                let done = in_flight.pop_front().expect("a batch in flight");
                answer(&mut loops, &mut trials, set, done, swap);
                continue;
            }
        }
        let Some(message) = pending.take().or_else(|| requests.recv().ok()) else {
            return;
        };
        match message {
            ToOwner::Begin { ops } => {
                batch_sizes.clear();
                for ((_, op_loop), trial) in loops.iter_mut().zip(&mut trials) {
                    // Answers are checked by the clients, every one.
                    *trial = Some(op_loop.begin_trial(ops, 0));
                }
            }
            ToOwner::Request(first) => {
                let mut batch = vec![first];
                let deadline = if in_flight.is_empty() {
                    Instant::now() + max_delay
                } else {
                    Instant::now()
                };
                while batch.len() < max_batch {
                    match requests.recv_timeout(deadline.saturating_duration_since(Instant::now()))
                    {
                        Ok(ToOwner::Request(request)) => batch.push(request),
                        Ok(other) => {
                            pending = Some(other);
                            break;
                        }
                        Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
                    }
                }
                let k = loops
                    .iter()
                    .position(|(b, _)| *b as usize >= batch.len())
                    .unwrap_or(loops.len() - 1);
                let started = Instant::now();
                rows.clear();
                for request in &batch {
                    rows.extend_from_slice(set.input(request.sample));
                }
                *batch_sizes.entry(batch.len() as u32).or_insert(0) += 1;
                let submitted = match trials[k].as_mut() {
                    Some(trial) if trial.record.error.is_none() => {
                        loops[k].1.submit_request_op(trial, &rows)
                    }
                    _ => false,
                };
                let done = Submitted {
                    bucket: k,
                    batch,
                    started,
                };
                if submitted {
                    in_flight.push_back(done);
                } else {
                    // Answered at once, with the trial's error.
                    answer(&mut loops, &mut trials, set, done, swap);
                }
            }
            ToOwner::End => {
                // Clients have their answers before they end a trial.
                while let Some(done) = in_flight.pop_front() {
                    answer(&mut loops, &mut trials, set, done, swap);
                }
                let mut merged: Option<TrialRecord> = None;
                for ((_, op_loop), trial) in loops.iter_mut().zip(&mut trials) {
                    let Some(trial) = trial.take() else { continue };
                    let record = op_loop.end_trial(trial);
                    let m = merged.get_or_insert_with(TrialRecord::default);
                    m.ops_checked += record.ops_checked;
                    m.ops_wrong += record.ops_wrong;
                    m.max_rel_error = m.max_rel_error.max(record.max_rel_error);
                    m.phases.encode_ns.extend(record.phases.encode_ns);
                    m.phases.submit_ns.extend(record.phases.submit_ns);
                    m.phases.wait_ns.extend(record.phases.wait_ns);
                    m.phases.readback_ns.extend(record.phases.readback_ns);
                    m.gpu_ns.extend(record.gpu_ns);
                    if m.error.is_none() {
                        m.error = record.error;
                    }
                }
                // The clients count and time requests; the owner adds its
                // checks, phases, GPU times and the batches it formed.
                let report = merged
                    .map(|mut m| {
                        m.batch_sizes = std::mem::take(&mut batch_sizes);
                        m
                    })
                    .ok_or_else(|| "no trial to end".to_string());
                let _ = reports.send(report);
            }
        }
    }
}

impl Owner {
    fn start(
        env: &Env,
        point: &PointSpec,
        max_batch: u32,
        max_delay: Duration,
        deadline: Instant,
    ) -> Result<Self, String> {
        let started = Instant::now();
        let (tx, requests) = channel::<ToOwner>();
        let (report_tx, reports) = channel();
        let (ready_tx, ready_rx) = channel::<Result<(WorkerSetup, Arc<RequestSet>), String>>();
        let clients = point.n as usize;
        let depth = match point.sync {
            SyncMode::Pipeline(d) => d as usize,
            _ => 1,
        };
        let ctx = Arc::clone(&env.ctx);
        let (open_loop, seed) = (point.arrival_rate_per_s, point.settings.seed);
        let point = point.clone();
        let thread = std::thread::Builder::new()
            .name("gpu-owner".into())
            .spawn(move || {
                let prepared = catch_unwind(AssertUnwindSafe(|| {
                    let mut loops = Vec::new();
                    let mut setup = WorkerSetup::default();
                    // One seed for every batch size: the same weights, so
                    // one reference answers every request.
                    let seed = worker_seed(point.settings.seed, 0);
                    for b in buckets(max_batch) {
                        let mut op_loop = OpLoop::prepare(
                            Arc::clone(&ctx),
                            &point.workload,
                            b,
                            point.precision,
                            seed,
                            point.sync,
                            Duration::from_secs_f64(point.settings.timeout_s),
                        );
                        if !point.settings.pool {
                            op_loop.allocate_per_op();
                        }
                        op_loop.warm_up(&point.settings)?;
                        op_loop.answer_requests();
                        setup.prepare_s += op_loop.setup.prepare_s;
                        setup.warmup_s += op_loop.setup.warmup_s;
                        loops.push((b, op_loop));
                    }
                    let started = Instant::now();
                    let set = RequestSet::new(
                        loops[0].1.prepared(),
                        RequestSet::count_for(clients),
                        seed ^ 0x5e4e,
                    );
                    setup.prepare_s += started.elapsed().as_secs_f64();
                    Ok::<_, String>((loops, setup, Arc::new(set)))
                }));
                match prepared {
                    Ok(Ok((loops, setup, set))) => {
                        let _ = ready_tx.send(Ok((setup, Arc::clone(&set))));
                        serve(loops, &set, requests, report_tx, max_delay, depth);
                    }
                    Ok(Err(e)) => drop(ready_tx.send(Err(e))),
                    Err(_) => {
                        drop(ready_tx.send(Err("the GPU owner panicked while preparing".into())))
                    }
                }
            })
            .map_err(|e| format!("could not start the GPU owner thread: {e}"))?;
        let (setup, requests) = match ready_rx.recv_timeout(remaining(deadline)) {
            Ok(Ok(ready)) => ready,
            Ok(Err(e)) => return Err(format!("GPU owner: {e}")),
            Err(_) => {
                return Err(
                    "timed out (point timeout) while the GPU owner was getting ready".into(),
                );
            }
        };
        Ok(Self {
            tx: Some(tx),
            open_loop,
            seed,
            trials: 0,
            reports,
            requests,
            clients: point.n as usize,
            setup: SetupTimes {
                device_s: env.ctx.open_s,
                prepare_s: setup.prepare_s,
                warmup_s: setup.warmup_s,
                start_s: started.elapsed().as_secs_f64(),
            },
            thread: Some(thread),
        })
    }

    fn send(&self, message: ToOwner) -> Result<(), String> {
        self.tx
            .as_ref()
            .and_then(|tx| tx.send(message).ok())
            .ok_or_else(|| "the GPU owner is gone".to_string())
    }
}

/// Client `id`'s side of a trial: which samples it sends, and how long it
/// waits for an answer.
struct ClientPlan {
    id: usize,
    clients: usize,
    set: Arc<RequestSet>,
    timeout: Duration,
}

impl ClientPlan {
    fn sample(&self, request: u64) -> usize {
        self.set.sample_of(self.id, request, self.clients)
    }

    /// Records an answer to a request sent at `sent` about `sample`.
    fn receive(
        &self,
        answer: Result<Answer, RecvTimeoutError>,
        sent: Instant,
        sample: usize,
        record: &mut TrialRecord,
    ) -> bool {
        match answer {
            Ok(Ok(reply)) => {
                record.latencies_ns.push(sent.elapsed().as_nanos() as u64);
                record.queue_ns.push(reply.queued.as_nanos() as u64);
                record.service_ns.push(reply.service.as_nanos() as u64);
                record.ops_completed += 1;
                // After the clock: the client uses its answer.
                self.set.check(sample, &reply.rows, record);
                true
            }
            Ok(Err(e)) => {
                record.error = Some(e);
                false
            }
            Err(_) => {
                record.error = Some("timed out (point timeout) waiting for the GPU owner".into());
                false
            }
        }
    }
}

fn client(tx: Sender<ToOwner>, ops: u64, start: Arc<Barrier>, plan: ClientPlan) -> TrialRecord {
    let (reply_tx, reply_rx) = sync_channel(1);
    let n = ops as usize;
    let mut record = TrialRecord {
        latencies_ns: Vec::with_capacity(n),
        queue_ns: Vec::with_capacity(n),
        service_ns: Vec::with_capacity(n),
        ..Default::default()
    };
    start.wait();
    record.start_unix_ns = unix_ns();
    for i in 0..ops {
        let sample = plan.sample(i);
        let sent = Instant::now();
        if tx
            .send(ToOwner::Request(Pending {
                sent,
                sample,
                reply: reply_tx.clone(),
            }))
            .is_err()
        {
            record.error = Some("the GPU owner is gone".into());
            break;
        }
        let answer = reply_rx.recv_timeout(plan.timeout);
        if !plan.receive(answer, sent, sample, &mut record) {
            break;
        }
    }
    record.end_unix_ns = unix_ns();
    record
}

/// Open-loop arrival times: `count` offsets from the start with
/// exponentially distributed gaps of mean 1/`rate_per_s` (a Poisson
/// process), reproducible from `seed`.
pub fn poisson_arrivals(rate_per_s: f64, count: usize, seed: u64) -> Vec<Duration> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut t = 0.0f64;
    (0..count)
        .map(|_| {
            // 1 − U is in (0, 1], so its log is finite.
            let u: f64 = rng.random();
            t += -(1.0 - u).ln() / rate_per_s;
            Duration::from_secs_f64(t)
        })
        .collect()
}

/// An open-loop client: sends its requests at `arrivals`, never waiting for
/// answers; a collector thread times each answer against its send time
/// (the owner answers in arrival order).
fn open_client(
    tx: Sender<ToOwner>,
    arrivals: Vec<Duration>,
    start: Arc<Barrier>,
    plan: ClientPlan,
) -> TrialRecord {
    let n = arrivals.len();
    let (reply_tx, reply_rx) = sync_channel::<Answer>(n.max(1));
    let (sent_tx, sent_rx) = channel::<(Instant, usize)>();
    let plan = Arc::new(plan);
    let collector_plan = Arc::clone(&plan);
    let collector = std::thread::spawn(move || {
        let plan = collector_plan;
        let mut record = TrialRecord {
            latencies_ns: Vec::with_capacity(n),
            queue_ns: Vec::with_capacity(n),
            service_ns: Vec::with_capacity(n),
            ..Default::default()
        };
        for (sent, sample) in sent_rx {
            let answer = reply_rx.recv_timeout(plan.timeout);
            if !plan.receive(answer, sent, sample, &mut record) {
                break;
            }
        }
        record.end_unix_ns = unix_ns();
        record
    });
    start.wait();
    let start_unix_ns = unix_ns();
    let began = Instant::now();
    for (i, at) in arrivals.into_iter().enumerate() {
        let due = began + at;
        // Sleep to just short of the arrival, then spin: sleeps overshoot.
        if let Some(ahead) = due.checked_duration_since(Instant::now()) {
            if ahead > Duration::from_micros(200) {
                std::thread::sleep(ahead - Duration::from_micros(100));
            }
            while Instant::now() < due {
                std::hint::spin_loop();
            }
        }
        let sample = plan.sample(i as u64);
        let sent = Instant::now();
        if sent_tx.send((sent, sample)).is_err()
            || tx
                .send(ToOwner::Request(Pending {
                    sent,
                    sample,
                    reply: reply_tx.clone(),
                }))
                .is_err()
        {
            break;
        }
    }
    drop(sent_tx);
    let mut record = collector.join().unwrap_or_else(|_| TrialRecord {
        error: Some("a collector thread panicked".into()),
        ..Default::default()
    });
    record.start_unix_ns = start_unix_ns;
    record
}

impl Workers for Owner {
    fn setup(&self) -> SetupTimes {
        self.setup
    }

    fn run_trial(
        &mut self,
        ops: u64,
        _checks: u64,
        deadline: Instant,
    ) -> Result<Vec<TrialRecord>, String> {
        // Clients check every answer, so `checks` does not apply.
        self.send(ToOwner::Begin {
            ops: ops * self.clients as u64,
        })?;
        let start = Arc::new(Barrier::new(self.clients));
        let timeout = remaining(deadline);
        let tx = self.tx.clone().ok_or("the GPU owner is gone")?;
        let open_loop = self.open_loop.map(|rate| {
            self.trials += 1;
            (
                rate,
                self.seed.wrapping_mul(1_000_003).wrapping_add(self.trials),
            )
        });
        let clients: Vec<_> = (0..self.clients)
            .map(|c| {
                let (tx, start) = (tx.clone(), Arc::clone(&start));
                let plan = ClientPlan {
                    id: c,
                    clients: self.clients,
                    set: Arc::clone(&self.requests),
                    timeout,
                };
                match open_loop {
                    Some((rate, seed)) => {
                        let arrivals =
                            poisson_arrivals(rate, ops as usize, seed.wrapping_add(c as u64));
                        std::thread::spawn(move || open_client(tx, arrivals, start, plan))
                    }
                    None => std::thread::spawn(move || client(tx, ops, start, plan)),
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
        let mut owner = match self.reports.recv_timeout(remaining(deadline)) {
            Ok(Ok(record)) => record,
            Ok(Err(e)) => return Err(e),
            Err(_) => {
                return Err(
                    "timed out (point timeout) while the GPU owner checked the trial".into(),
                );
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
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{buckets, poisson_arrivals};

    #[test]
    fn poisson_arrivals_are_reproducible_from_a_seed_and_have_the_rate() {
        let a = poisson_arrivals(1000.0, 20_000, 7);
        assert_eq!(
            a,
            poisson_arrivals(1000.0, 20_000, 7),
            "same seed, same arrivals"
        );
        assert_ne!(
            a,
            poisson_arrivals(1000.0, 20_000, 8),
            "another seed, other arrivals"
        );
        assert!(a.windows(2).all(|w| w[0] <= w[1]));
        // 20,000 arrivals at 1,000/s span about 20 s (mean gap 1 ms ± 1%).
        let span = a.last().unwrap().as_secs_f64();
        assert!((span - 20.0).abs() < 0.5, "{span}");
        // Exponential gaps: their standard deviation equals their mean.
        let gaps: Vec<f64> = std::iter::once(a[0].as_secs_f64())
            .chain(a.windows(2).map(|w| (w[1] - w[0]).as_secs_f64()))
            .collect();
        let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
        let sd = (gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / gaps.len() as f64).sqrt();
        assert!((sd / mean - 1.0).abs() < 0.05, "sd/mean = {}", sd / mean);
    }

    #[test]
    fn batch_sizes_are_powers_of_two_up_to_the_limit() {
        assert_eq!(buckets(1), vec![1]);
        assert_eq!(buckets(16), vec![1, 2, 4, 8, 16]);
        assert_eq!(buckets(12), vec![1, 2, 4, 8, 12]);
    }
}
