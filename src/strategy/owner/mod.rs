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
use super::request_set::RequestSet;
use super::{Env, LoopSpec, Workers, prepare_loop, worker_seed};
use crate::gpu::completion::Bell;
use crate::measure::op_loop::{Trial, ns};
use crate::measure::record::{OwnerPhases, TrialRecord, unix_ns};
use crate::measure::request_loop::RequestLoop;
use crate::measure::stop::Stop;
use crate::plan::PointSpec;
use crate::schema::{OwnerCores, SetupTimes, Upload, WaitStyle};

mod serve;

use serve::*;

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
