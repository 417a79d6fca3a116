//! `processes`: N OS processes, each with its own device, batch 1 each.
//!
//! The parent re-executes this binary as the hidden `worker` subcommand
//! and speaks JSON lines with it: the spec goes down stdin, the child
//! answers `ready` once its device is open, its workload prepared and warm;
//! then each `trial` line starts a trial in every child at once (the
//! barrier), and each child answers with its record.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::pool::worker_seed;
use super::{Env, SetupTimes, Shape, Strategy, StrategyKind, Workers, remaining};
use crate::experiment::{PointSpec, Settings};
use crate::gpu::{AdapterSelection, GpuContext};
use crate::measure::op_loop::{OpLoop, TrialRecord, WorkerSetup};
use crate::measure::sync::SyncMode;
use crate::workload::{Precision, Workload};

pub struct Processes;

impl Strategy for Processes {
    fn kind(&self) -> StrategyKind {
        StrategyKind::Processes
    }

    fn shape(&self, point: &PointSpec) -> Shape {
        let n = point.n;
        Shape {
            threads: 1,
            processes: n,
            batch: 1,
        }
    }

    fn prepare(
        &self,
        point: &PointSpec,
        env: &Env,
        deadline: Instant,
    ) -> Result<Box<dyn Workers>, String> {
        let shape = self.shape(point);
        let spec = |worker: usize| WorkerSpec {
            workload: point.workload.clone(),
            batch: shape.batch,
            precision: point.precision,
            sync: point.sync,
            settings: point.settings.clone(),
            seed: worker_seed(point.settings.seed, worker),
            adapter_name: env.ctx.info.name.clone(),
            adapter_backend: env.ctx.info.backend.clone(),
        };
        let pool = ProcessPool::start(&env.exe, shape.processes as usize, spec, deadline)?;
        Ok(Box::new(pool))
    }
}

/// What a worker process is told to prepare.
#[derive(Debug, Serialize, Deserialize)]
pub struct WorkerSpec {
    pub workload: Workload,
    pub batch: u32,
    pub precision: Precision,
    pub sync: SyncMode,
    /// The point's warm-up, pool and timeout settings.
    pub settings: Settings,
    /// This worker's seed (derived from the point's).
    pub seed: u64,
    /// The exact adapter the parent measures, so every process uses it too.
    pub adapter_name: String,
    pub adapter_backend: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ToWorker {
    Trial { ops: u64, checks: u64 },
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum FromWorker {
    Ready { device_s: f64, setup: WorkerSetup },
    Trial(Box<TrialRecord>),
    Error(String),
}

/// Test hook: a worker process that sees this variable dies when asked for
/// a trial, so the tests can check that a dead worker fails its point.
pub const DIE_ON_TRIAL: &str = "CURVES_TEST_WORKER_DIES";

/// The hidden `curves worker` subcommand: one process's side of the
/// protocol. Returns when the parent closes stdin.
pub fn serve() -> anyhow::Result<()> {
    let mut lines = std::io::stdin().lock().lines();
    let mut stdout = std::io::stdout().lock();
    let mut send = |message: &FromWorker| -> anyhow::Result<()> {
        serde_json::to_writer(&mut stdout, message)?;
        stdout.write_all(b"\n")?;
        stdout.flush()?;
        Ok(())
    };
    let first = lines
        .next()
        .ok_or_else(|| anyhow::anyhow!("no worker spec on stdin"))??;
    let spec: WorkerSpec = serde_json::from_str(&first)?;
    let selection = AdapterSelection {
        backends: wgpu::Backends::from_comma_list(&spec.adapter_backend),
        name: Some(spec.adapter_name.clone()),
    };
    let ctx = match GpuContext::open(&selection) {
        Ok(ctx) => Arc::new(ctx),
        Err(e) => return send(&FromWorker::Error(e.to_string())),
    };
    let device_s = ctx.open_s;
    let timeout = Duration::from_secs_f64(spec.settings.timeout_s);
    let mut op_loop = OpLoop::prepare(
        ctx,
        &spec.workload,
        spec.batch,
        spec.precision,
        spec.seed,
        spec.sync,
        timeout,
    );
    if !spec.settings.pool {
        op_loop.allocate_per_op();
    }
    if let Err(e) = op_loop.warm_up(&spec.settings) {
        return send(&FromWorker::Error(e));
    }
    send(&FromWorker::Ready {
        device_s,
        setup: op_loop.setup,
    })?;
    for line in lines {
        match serde_json::from_str(&line?)? {
            ToWorker::Trial { .. } if std::env::var_os(DIE_ON_TRIAL).is_some() => {
                eprintln!("{DIE_ON_TRIAL} is set: exiting instead of running the trial");
                std::process::exit(7);
            }
            ToWorker::Trial { ops, checks } => {
                send(&FromWorker::Trial(Box::new(op_loop.run_trial(ops, checks))))?
            }
        }
    }
    Ok(())
}

enum Event {
    Message(FromWorker),
    Unreadable(String),
    Closed,
}

struct ProcessPool {
    children: Vec<Child>,
    stdins: Vec<ChildStdin>,
    stderrs: Vec<Arc<Mutex<String>>>,
    events: Receiver<(usize, Event)>,
    setup: SetupTimes,
}

/// The last part of what a child wrote to stderr, kept for error messages.
const STDERR_KEPT: usize = 2000;

impl ProcessPool {
    fn start(
        exe: &std::path::Path,
        n: usize,
        spec: impl Fn(usize) -> WorkerSpec,
        deadline: Instant,
    ) -> Result<Self, String> {
        let started = Instant::now();
        let (event_tx, events) = channel();
        let mut pool = Self {
            children: Vec::new(),
            stdins: Vec::new(),
            stderrs: Vec::new(),
            events,
            setup: SetupTimes::default(),
        };
        for worker in 0..n {
            let mut child = Command::new(exe)
                .arg("worker")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|e| format!("could not start worker process {}: {e}", exe.display()))?;
            let stdout = child.stdout.take().expect("piped");
            let mut stderr = child.stderr.take().expect("piped");
            let mut stdin = child.stdin.take().expect("piped");
            pool.children.push(child);

            let tx = event_tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let event = match line
                        .map_err(|e| e.to_string())
                        .and_then(|l| serde_json::from_str(&l).map_err(|e| format!("{e}: {l}")))
                    {
                        Ok(message) => Event::Message(message),
                        Err(e) => Event::Unreadable(e),
                    };
                    if tx.send((worker, event)).is_err() {
                        return;
                    }
                }
                let _ = tx.send((worker, Event::Closed));
            });
            let kept = Arc::new(Mutex::new(String::new()));
            let sink = Arc::clone(&kept);
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(read) = stderr.read(&mut buf) {
                    if read == 0 {
                        break;
                    }
                    let mut text = sink.lock().unwrap_or_else(|p| p.into_inner());
                    text.push_str(&String::from_utf8_lossy(&buf[..read]));
                    if text.len() > 2 * STDERR_KEPT {
                        let cut = text.len() - STDERR_KEPT;
                        let cut = (cut..text.len())
                            .find(|&i| text.is_char_boundary(i))
                            .unwrap_or(0);
                        text.drain(..cut);
                    }
                }
            });
            pool.stderrs.push(kept);

            let line = serde_json::to_string(&spec(worker)).expect("spec serialises");
            writeln!(stdin, "{line}").map_err(|e| pool.died(worker, &e.to_string()))?;
            pool.stdins.push(stdin);
        }
        drop(event_tx);

        for _ in 0..n {
            match pool.next_event(deadline, "getting ready")? {
                (_, FromWorker::Ready { device_s, setup }) => {
                    pool.setup.device_s = pool.setup.device_s.max(device_s);
                    pool.setup.prepare_s = pool.setup.prepare_s.max(setup.prepare_s);
                    pool.setup.warmup_s = pool.setup.warmup_s.max(setup.warmup_s);
                }
                (worker, FromWorker::Error(e)) => {
                    return Err(format!("worker process {worker}: {e}"));
                }
                (worker, FromWorker::Trial(_)) => {
                    return Err(format!(
                        "worker process {worker} reported a trial before it was asked"
                    ));
                }
            }
        }
        pool.setup.start_s = started.elapsed().as_secs_f64();
        Ok(pool)
    }

    fn next_event(
        &mut self,
        deadline: Instant,
        doing: &str,
    ) -> Result<(usize, FromWorker), String> {
        match self.events.recv_timeout(remaining(deadline)) {
            Ok((worker, Event::Message(m))) => Ok((worker, m)),
            Ok((worker, Event::Unreadable(e))) => {
                Err(self.died(worker, &format!("unreadable answer: {e}")))
            }
            Ok((worker, Event::Closed)) => Err(self.died(worker, "exited")),
            Err(_) => Err(format!(
                "timed out (point timeout) while worker processes were {doing}"
            )),
        }
    }

    /// Describes a child that stopped answering: how it exited and the end
    /// of its stderr.
    fn died(&mut self, worker: usize, what: &str) -> String {
        let child = &mut self.children[worker];
        let mut status = None;
        for _ in 0..50 {
            if let Ok(Some(s)) = child.try_wait() {
                status = Some(s);
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let status = status.map_or("still running".to_string(), |s| s.to_string());
        let stderr = self.stderrs[worker]
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let stderr = stderr.trim();
        if stderr.is_empty() {
            format!("worker process {worker} {what} ({status})")
        } else {
            format!("worker process {worker} {what} ({status}); its stderr ends:\n{stderr}")
        }
    }
}

impl Workers for ProcessPool {
    fn setup(&self) -> SetupTimes {
        self.setup
    }

    fn run_trial(
        &mut self,
        ops: u64,
        checks: u64,
        deadline: Instant,
    ) -> Result<Vec<TrialRecord>, String> {
        let line = serde_json::to_string(&ToWorker::Trial { ops, checks }).expect("serialises");
        for worker in 0..self.stdins.len() {
            if let Err(e) =
                writeln!(self.stdins[worker], "{line}").and_then(|_| self.stdins[worker].flush())
            {
                return Err(self.died(worker, &format!("stopped reading ({e})")));
            }
        }
        let mut records: Vec<Option<TrialRecord>> = vec![None; self.stdins.len()];
        for _ in 0..self.stdins.len() {
            match self.next_event(deadline, "running a trial")? {
                (worker, FromWorker::Trial(record)) => records[worker] = Some(*record),
                (worker, FromWorker::Error(e)) => {
                    return Err(format!("worker process {worker}: {e}"));
                }
                (worker, FromWorker::Ready { .. }) => {
                    return Err(format!("worker process {worker} answered out of turn"));
                }
            }
        }
        Ok(records
            .into_iter()
            .map(|r| r.expect("every worker reported"))
            .collect())
    }
}

impl Drop for ProcessPool {
    fn drop(&mut self) {
        // Closing stdin asks each child to exit; one that has not within a
        // grace period (stuck in the driver, say) is killed.
        self.stdins.clear();
        let grace = Instant::now() + Duration::from_secs(5);
        for child in &mut self.children {
            loop {
                match child.try_wait() {
                    Ok(Some(_)) | Err(_) => break,
                    Ok(None) if Instant::now() < grace => {
                        std::thread::sleep(Duration::from_millis(10))
                    }
                    Ok(None) => {
                        let _ = child.kill();
                        let _ = child.wait();
                        break;
                    }
                }
            }
        }
    }
}
