//! `queue` (the seeds' BatchQueue): N client threads hand batch-1 requests
//! to one GPU worker thread through a channel; the worker runs them one at
//! a time, in arrival order, and answers each. Thread-safe by construction:
//! only the worker touches the device. It measures what a single GPU owner
//! costs: clients' latency includes waiting in the channel.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::sync::{Arc, Barrier};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::pool::worker_seed;
use super::{Env, SetupTimes, Shape, Strategy, StrategyKind, Workers, remaining};
use crate::experiment::PointSpec;
use crate::measure::op_loop::{OpLoop, TrialRecord};

pub struct Queue;

impl Strategy for Queue {
    fn kind(&self) -> StrategyKind {
        StrategyKind::Queue
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
        Ok(Box::new(QueuePool::start(env, point, deadline)?))
    }
}

/// What the coordinator tells the GPU worker.
enum ToWorker {
    /// Ready a trial of this many ops (all clients' together).
    Begin { ops: u64, checks: u64 },
    /// One client's request; the answer goes back on its channel.
    Request(SyncSender<Result<(), String>>),
    /// Stop the trial's clock, check, and report.
    End,
}

struct QueuePool {
    worker: Sender<ToWorker>,
    reports: Receiver<Result<TrialRecord, String>>,
    clients: usize,
    setup: SetupTimes,
    thread: Option<JoinHandle<()>>,
}

fn unix_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

impl QueuePool {
    fn start(env: &Env, point: &PointSpec, deadline: Instant) -> Result<Self, String> {
        let started = Instant::now();
        let (worker, requests) = channel::<ToWorker>();
        let (report_tx, reports) = channel();
        let (ready_tx, ready_rx) = channel();
        let ctx = Arc::clone(&env.ctx);
        let point = point.clone();
        let thread = std::thread::Builder::new()
            .name("gpu-owner".into())
            .spawn(move || {
                let prepared = catch_unwind(AssertUnwindSafe(|| {
                    let mut op_loop = OpLoop::prepare(
                        ctx,
                        &point.workload,
                        1,
                        point.precision,
                        worker_seed(point.settings.seed, 0),
                        point.sync,
                        Duration::from_secs_f64(point.settings.timeout_s),
                    );
                    op_loop
                        .warm_up(point.settings.warmup_ops, point.settings.warmup_s)
                        .map(|_| op_loop)
                }));
                let mut op_loop = match prepared {
                    Ok(Ok(op_loop)) => {
                        let _ = ready_tx.send(Ok(op_loop.setup));
                        op_loop
                    }
                    Ok(Err(e)) => return drop(ready_tx.send(Err(e))),
                    Err(_) => {
                        return drop(
                            ready_tx.send(Err("the GPU worker panicked while preparing".into())),
                        );
                    }
                };
                let mut trial = None;
                for message in requests {
                    match message {
                        ToWorker::Begin { ops, checks } => {
                            trial = Some(op_loop.begin_trial(ops, checks))
                        }
                        ToWorker::Request(reply) => {
                            let answer = match trial.as_mut() {
                                Some(t) if t.record.error.is_none() => {
                                    op_loop.next_op(t);
                                    t.record.error.clone().map_or(Ok(()), Err)
                                }
                                Some(t) => Err(t.record.error.clone().unwrap_or_default()),
                                None => Err("a request arrived outside a trial".into()),
                            };
                            let _ = reply.send(answer);
                        }
                        ToWorker::End => {
                            let report =
                                trial
                                    .take()
                                    .map(|t| op_loop.end_trial(t))
                                    .map(|mut record| {
                                        // The clients time each request end to end; the
                                        // worker's record adds its checks, phases and GPU times.
                                        record.latencies_ns.clear();
                                        record.ops_completed = 0;
                                        record
                                    });
                            let _ =
                                report_tx.send(report.ok_or_else(|| "no trial to end".to_string()));
                        }
                    }
                }
            })
            .map_err(|e| format!("could not start the GPU worker thread: {e}"))?;
        let setup = match ready_rx.recv_timeout(remaining(deadline)) {
            Ok(Ok(setup)) => setup,
            Ok(Err(e)) => return Err(format!("GPU worker: {e}")),
            Err(_) => {
                return Err(
                    "timed out (point timeout) while the GPU worker was getting ready".into(),
                );
            }
        };
        Ok(Self {
            worker,
            reports,
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
}

impl Workers for QueuePool {
    fn setup(&self) -> SetupTimes {
        self.setup
    }

    fn run_trial(
        &mut self,
        ops: u64,
        checks: u64,
        deadline: Instant,
    ) -> Result<Vec<TrialRecord>, String> {
        let total = ops * self.clients as u64;
        self.worker
            // As many checks per client as other strategies make per worker.
            .send(ToWorker::Begin {
                ops: total,
                checks: checks * self.clients as u64,
            })
            .map_err(|_| "the GPU worker is gone".to_string())?;
        let start = Arc::new(Barrier::new(self.clients));
        let timeout = remaining(deadline);
        let clients: Vec<_> = (0..self.clients)
            .map(|_| {
                let worker = self.worker.clone();
                let start = Arc::clone(&start);
                std::thread::spawn(move || {
                    let (reply_tx, reply_rx) = sync_channel(1);
                    let mut record = TrialRecord {
                        latencies_ns: Vec::with_capacity(ops as usize),
                        ..Default::default()
                    };
                    start.wait();
                    record.start_unix_ns = unix_ns();
                    for _ in 0..ops {
                        let sent = Instant::now();
                        if worker.send(ToWorker::Request(reply_tx.clone())).is_err() {
                            record.error = Some("the GPU worker is gone".into());
                            break;
                        }
                        match reply_rx.recv_timeout(timeout) {
                            Ok(Ok(())) => {
                                record.latencies_ns.push(sent.elapsed().as_nanos() as u64);
                                record.ops_completed += 1;
                            }
                            Ok(Err(e)) => {
                                record.error = Some(e);
                                break;
                            }
                            Err(_) => {
                                record.error = Some(
                                    "timed out (point timeout) waiting for the GPU worker".into(),
                                );
                                break;
                            }
                        }
                    }
                    record.end_unix_ns = unix_ns();
                    record
                })
            })
            .collect();
        let mut records: Vec<TrialRecord> = clients
            .into_iter()
            .map(|c| {
                c.join().unwrap_or_else(|_| TrialRecord {
                    error: Some("a client thread panicked".into()),
                    ..Default::default()
                })
            })
            .collect();
        self.worker
            .send(ToWorker::End)
            .map_err(|_| "the GPU worker is gone".to_string())?;
        let mut worker_record = match self.reports.recv_timeout(remaining(deadline)) {
            Ok(Ok(record)) => record,
            Ok(Err(e)) => return Err(e),
            Err(_) => {
                return Err(
                    "timed out (point timeout) while the GPU worker checked the trial".into(),
                );
            }
        };
        // The worker's span is not the clients': the trial spans the clients.
        worker_record.start_unix_ns = records.iter().map(|r| r.start_unix_ns).min().unwrap_or(0);
        worker_record.end_unix_ns = records.iter().map(|r| r.end_unix_ns).max().unwrap_or(0);
        records.push(worker_record);
        Ok(records)
    }
}

impl Drop for QueuePool {
    fn drop(&mut self) {
        // Closing the channel ends the worker's loop.
        let (closed, _) = channel();
        self.worker = closed;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
