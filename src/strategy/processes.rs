//! Worker processes (`processes`, and `gpus` with `launch = "processes"`):
//! the parent re-executes this binary as the hidden `worker` subcommand
//! and speaks the cohort protocol with it in JSON lines: the worker's spec
//! goes down stdin, the child answers `ready` once its device is open and
//! its workload prepared and warm; each trial command starts a trial at
//! its start time; the child answers with its record.
//!
//! A child never outlives its parent: it reads stdin on a thread of its
//! own and exits at once when stdin closes, which happens however the
//! parent ends (Ctrl-C, SIGTERM, SIGKILL).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::channel;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::cohort::{Cohort, Event, FromWorker, Link, ToWorker, serve_trials};
use super::{LoopSpec, Workers, prepare_loop, worker_seed};
use crate::gpu::{AdapterSelection, GpuContext};
use crate::measure::stop::{Stop, deadline_after};
use crate::plan::PointSpec;
use crate::schema::{AdapterSummary, Layout};

/// What a worker process is told to prepare.
#[derive(Debug, Serialize, Deserialize)]
struct WorkerSpec {
    point: LoopSpec,
    batch: u32,
    /// This worker's seed (derived from the point's).
    seed: u64,
    /// The exact adapter to open.
    adapter: AdapterSummary,
    /// Seconds left until the point's deadline, for setting up.
    deadline_in_s: f64,
}

/// Test hook: a worker process that sees this variable dies when asked for
/// a trial, so the tests can check that a dead worker fails its point.
pub const DIE_ON_TRIAL: &str = "CURVES_TEST_WORKER_DIES";

/// The last part of what a child wrote to stderr, kept for error messages.
const STDERR_KEPT: usize = 2000;

/// The hidden `curves worker` subcommand: one process's side.
pub fn serve() -> anyhow::Result<()> {
    // The spec is read before anything else, so that a spec that is not
    // one (a person typing, a stray pipe) is an error, not a silent exit.
    let mut first = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut first)
        .map_err(|e| anyhow::anyhow!("reading the worker spec on stdin: {e}"))?;
    anyhow::ensure!(
        !first.trim().is_empty(),
        "no worker spec on stdin (`curves worker` is started by `curves run` for a processes point, not by hand)"
    );
    let spec: WorkerSpec = serde_json::from_str(&first).map_err(|e| {
        anyhow::anyhow!(
            "stdin's first line is not a worker spec ({e}); `curves worker` is started by `curves run` for a processes point, not by hand"
        )
    })?;
    // Later commands arrive on a reader thread; when stdin closes (the
    // parent ended, however it ended) this process ends with it.
    let (lines_tx, lines) = channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
        std::process::exit(0);
    });
    let stdout = Mutex::new(std::io::stdout());
    let send = |message: &FromWorker| -> bool {
        let mut out = stdout.lock().unwrap_or_else(|p| p.into_inner());
        serde_json::to_writer(&mut *out, message).is_ok()
            && out.write_all(b"\n").is_ok()
            && out.flush().is_ok()
    };
    let stop = Stop::new(deadline_after(spec.deadline_in_s));
    let ctx = match GpuContext::open(&AdapterSelection::exact(&spec.adapter)) {
        Ok(ctx) => Arc::new(ctx),
        Err(e) => {
            send(&FromWorker::Error(e.to_string()));
            return Ok(());
        }
    };
    let device_s = ctx.open_s;
    let mut op_loop = match prepare_loop(ctx, &spec.point, spec.batch, spec.seed, &stop) {
        Ok(l) => l,
        Err(e) => {
            send(&FromWorker::Error(e));
            return Ok(());
        }
    };
    op_loop.setup.device_s = device_s;
    if !send(&FromWorker::Ready {
        setup: op_loop.setup,
        kernels: op_loop.prepared().kernels(),
    }) {
        return Ok(());
    }
    let commands = lines
        .iter()
        .map_while(|l| serde_json::from_str::<ToWorker>(&l).ok());
    let die = std::env::var_os(DIE_ON_TRIAL).is_some();
    serve_trials(
        &mut op_loop,
        commands.inspect(|_| {
            if die {
                eprintln!("{DIE_ON_TRIAL} is set: exiting instead of running the trial");
                std::process::exit(7);
            }
        }),
        |left| Stop::new(deadline_after(left)),
        |m| send(&m),
    );
    Ok(())
}

struct ProcessLink {
    worker: usize,
    child: Child,
    stdin: Option<ChildStdin>,
    stderr: Arc<Mutex<String>>,
}

impl Link for ProcessLink {
    fn send(&mut self, message: &ToWorker) -> Result<(), String> {
        let line = serde_json::to_string(message).expect("serialises");
        let stdin = self.stdin.as_mut().ok_or("its stdin is closed")?;
        writeln!(stdin, "{line}")
            .and_then(|_| stdin.flush())
            .map_err(|e| format!("stopped reading ({e})"))
    }

    fn close(&mut self, force: bool) {
        self.stdin = None;
        if force && matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn still_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    fn describe(&mut self, what: &str) -> String {
        let mut status = None;
        for _ in 0..50 {
            if let Ok(Some(s)) = self.child.try_wait() {
                status = Some(s);
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let status = status.map_or("still running".to_string(), |s| s.to_string());
        let stderr = self
            .stderr
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let stderr = without_noise(&stderr);
        let head = format!("worker process {} {what} ({status})", self.worker);
        if stderr.is_empty() {
            head
        } else {
            format!("{head}; its stderr ends:\n{stderr}")
        }
    }
}

impl Drop for ProcessLink {
    fn drop(&mut self) {
        self.close(true);
    }
}

/// Lines drivers print on every start whatever happens (Mesa without a
/// session's runtime directory): they would end every worker's error
/// message and hide its cause.
const STDERR_NOISE: &[&str] = &["XDG_RUNTIME_DIR is invalid or not set"];

/// A worker's stderr without the drivers' noise, trimmed.
fn without_noise(stderr: &str) -> String {
    stderr
        .lines()
        .filter(|l| !STDERR_NOISE.iter().any(|n| l.contains(n)))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// Starts `layout.workers()` worker processes of `point`, worker `w` on
/// adapter `adapter(w)`, and waits until every one is ready.
pub fn start(
    point: &PointSpec,
    layout: Layout,
    exe: &Path,
    adapter: impl Fn(usize) -> AdapterSummary,
    stop: &Stop,
) -> Result<Box<dyn Workers>, String> {
    let started = Instant::now();
    let (events_tx, events) = channel();
    let mut links: Vec<Box<dyn Link>> = Vec::new();
    for worker in 0..layout.workers() as usize {
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
        let tx = events_tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let event = match line.map_err(|e| e.to_string()).and_then(|l| {
                    serde_json::from_str(&l).map_err(|e| {
                        let shown = crate::printable::clip(&l, 200);
                        format!("{e}: {}", crate::printable::printable(&shown))
                    })
                }) {
                    Ok(message) => Event::Message(message),
                    Err(e) => Event::Lost(format!("answered unreadably: {e}")),
                };
                if tx.send((worker, event)).is_err() {
                    return;
                }
            }
            let _ = tx.send((worker, Event::Lost("exited".into())));
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
        let spec = WorkerSpec {
            point: LoopSpec::of(point),
            batch: layout.batch,
            seed: worker_seed(point.settings.seed, worker),
            adapter: adapter(worker),
            deadline_in_s: stop.left().as_secs_f64(),
        };
        let line = serde_json::to_string(&spec).expect("spec serialises");
        let written = writeln!(stdin, "{line}").and_then(|_| stdin.flush());
        let mut link = ProcessLink {
            worker,
            child,
            stdin: Some(stdin),
            stderr: kept,
        };
        if let Err(e) = written {
            return Err(link.describe(&format!("did not take its spec ({e})")));
        }
        links.push(Box::new(link));
    }
    drop(events_tx);
    let cohort = Cohort::gather(
        links,
        events,
        stop.clone(),
        0.0,
        Duration::from_millis(2),
        started,
    )?;
    Ok(Box::new(cohort))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workers_error_ends_with_its_cause_not_the_drivers_noise() {
        let stderr = "error: XDG_RUNTIME_DIR is invalid or not set in the environment.\n\
                      thread 'main' panicked: device lost\n\
                      error: XDG_RUNTIME_DIR is invalid or not set in the environment.\n";
        assert_eq!(without_noise(stderr), "thread 'main' panicked: device lost");
        assert_eq!(
            without_noise("error: XDG_RUNTIME_DIR is invalid or not set\n"),
            ""
        );
    }
}
