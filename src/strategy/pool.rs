//! In-process workers: one OS thread per worker, each with its own
//! prepared workload on a shared device. `threads` and `batch` are this
//! pool with different shapes.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Barrier};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{SetupTimes, Shape, Workers, remaining};
use crate::experiment::PointSpec;
use crate::gpu::{AdapterSelection, GpuContext};
use crate::measure::op_loop::{OpLoop, TrialRecord, WorkerSetup};

enum Command {
    Trial {
        ops: u64,
        checks: u64,
        start: Arc<Barrier>,
    },
}

enum Report {
    Ready(Result<WorkerSetup, String>),
    Trial(Box<TrialRecord>),
}

pub struct ThreadPool {
    commands: Vec<Sender<Command>>,
    reports: Receiver<(usize, Report)>,
    threads: Vec<JoinHandle<()>>,
    setup: SetupTimes,
    /// Set once a worker missed a deadline: it may be stuck in the driver,
    /// so it is left behind rather than joined.
    abandoned: bool,
}

/// `prepare` of every in-process strategy: a pool of `shape` on `devices`.
pub fn prepare(
    devices: Devices,
    shape: Shape,
    point: &PointSpec,
    deadline: Instant,
) -> Result<Box<dyn Workers>, String> {
    Ok(Box::new(ThreadPool::start(
        devices, shape, point, deadline,
    )?))
}

/// Each worker's inputs differ, so a worker answered with another's
/// output is caught.
pub fn worker_seed(base: u64, worker: usize) -> u64 {
    base.wrapping_add(1_000_003 * worker as u64)
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "worker panicked".into())
}

/// Where a worker's device comes from.
#[derive(Clone)]
pub enum Devices {
    /// All workers share the run's device and its queue (`threads`, `batch`).
    Shared(Arc<GpuContext>),
    /// Each worker opens its own device on this adapter (`devices`).
    OnePerWorker(AdapterSelection),
}

impl ThreadPool {
    pub fn start(
        devices: Devices,
        shape: Shape,
        point: &PointSpec,
        deadline: Instant,
    ) -> Result<Self, String> {
        let started = Instant::now();
        let (report_tx, reports) = channel();
        let mut commands = Vec::new();
        let mut threads = Vec::new();
        for worker in 0..shape.workers() as usize {
            let (command_tx, command_rx) = channel();
            commands.push(command_tx);
            let devices = devices.clone();
            let report_tx = report_tx.clone();
            let point = point.clone();
            let batch = shape.batch;
            let spawned = std::thread::Builder::new()
                .name(format!("worker-{worker}"))
                .spawn(move || worker_main(worker, devices, batch, &point, command_rx, report_tx));
            threads
                .push(spawned.map_err(|e| format!("could not start worker thread {worker}: {e}"))?);
        }
        drop(report_tx);

        let mut pool = Self {
            commands,
            reports,
            threads,
            setup: SetupTimes {
                device_s: match &devices {
                    Devices::Shared(ctx) => ctx.open_s,
                    Devices::OnePerWorker(_) => 0.0,
                },
                ..Default::default()
            },
            abandoned: false,
        };
        for _ in 0..pool.commands.len() {
            match pool.next_report(deadline, "getting ready")? {
                (_, Report::Ready(Ok(setup))) => {
                    pool.setup.device_s = pool.setup.device_s.max(setup.device_s);
                    pool.setup.prepare_s = pool.setup.prepare_s.max(setup.prepare_s);
                    pool.setup.warmup_s = pool.setup.warmup_s.max(setup.warmup_s);
                }
                (worker, Report::Ready(Err(e))) => return Err(format!("worker {worker}: {e}")),
                (worker, Report::Trial(_)) => {
                    return Err(format!(
                        "worker {worker} reported a trial before it was asked"
                    ));
                }
            }
        }
        pool.setup.start_s = started.elapsed().as_secs_f64();
        Ok(pool)
    }

    fn next_report(&mut self, deadline: Instant, doing: &str) -> Result<(usize, Report), String> {
        self.reports.recv_timeout(remaining(deadline)).map_err(|_| {
            self.abandoned = true;
            format!("timed out (point timeout) while workers were {doing}")
        })
    }
}

fn worker_main(
    worker: usize,
    devices: Devices,
    batch: u32,
    point: &PointSpec,
    commands: Receiver<Command>,
    reports: Sender<(usize, Report)>,
) {
    let prepared = catch_unwind(AssertUnwindSafe(|| {
        let (ctx, device_s) = match devices {
            Devices::Shared(ctx) => (ctx, 0.0),
            Devices::OnePerWorker(selection) => {
                let ctx = GpuContext::open(&selection).map_err(|e| e.to_string())?;
                let open_s = ctx.open_s;
                (Arc::new(ctx), open_s)
            }
        };
        let mut op_loop = OpLoop::prepare(
            ctx,
            &point.workload,
            batch,
            point.precision,
            worker_seed(point.settings.seed, worker),
            point.sync,
            Duration::from_secs_f64(point.settings.timeout_s),
        );
        op_loop.setup.device_s = device_s;
        if !point.settings.pool {
            op_loop.allocate_per_op();
        }
        op_loop.warm_up(&point.settings).map(|_| op_loop)
    }));
    let mut op_loop = match prepared {
        Ok(Ok(op_loop)) => op_loop,
        Ok(Err(e)) => {
            let _ = reports.send((worker, Report::Ready(Err(e))));
            return;
        }
        Err(panic) => {
            let _ = reports.send((worker, Report::Ready(Err(panic_message(panic)))));
            return;
        }
    };
    let _ = reports.send((worker, Report::Ready(Ok(op_loop.setup))));
    for command in commands {
        match command {
            Command::Trial { ops, checks, start } => {
                start.wait();
                let record = catch_unwind(AssertUnwindSafe(|| op_loop.run_trial(ops, checks)))
                    .unwrap_or_else(|panic| TrialRecord {
                        error: Some(panic_message(panic)),
                        ..Default::default()
                    });
                if reports
                    .send((worker, Report::Trial(Box::new(record))))
                    .is_err()
                {
                    return;
                }
            }
        }
    }
}

impl Workers for ThreadPool {
    fn setup(&self) -> SetupTimes {
        self.setup
    }

    fn run_trial(
        &mut self,
        ops: u64,
        checks: u64,
        deadline: Instant,
    ) -> Result<Vec<TrialRecord>, String> {
        let start = Arc::new(Barrier::new(self.commands.len()));
        for (worker, commands) in self.commands.iter().enumerate() {
            commands
                .send(Command::Trial {
                    ops,
                    checks,
                    start: Arc::clone(&start),
                })
                .map_err(|_| format!("worker {worker} is gone"))?;
        }
        let mut records: Vec<Option<TrialRecord>> = vec![None; self.commands.len()];
        for _ in 0..self.commands.len() {
            match self.next_report(deadline, "running a trial")? {
                (worker, Report::Trial(record)) => records[worker] = Some(*record),
                (worker, Report::Ready(_)) => {
                    return Err(format!("worker {worker} answered out of turn"));
                }
            }
        }
        Ok(records
            .into_iter()
            .map(|r| r.expect("every worker reported"))
            .collect())
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        self.commands.clear();
        if !self.abandoned {
            for thread in self.threads.drain(..) {
                let _ = thread.join();
            }
        }
    }
}
