//! In-process workers: one OS thread per worker, each with its own
//! prepared workload, on the run's shared device (`threads`, `batch`,
//! `hybrid`) or on a device of its own (`devices`, `gpus` as threads).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc::{Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::cohort::{Cohort, Event, FromWorker, Link, ToWorker, serve_trials};
use super::{LoopSpec, Workers, prepare_loop, worker_seed};
use crate::gpu::{AdapterSelection, GpuContext};
use crate::measure::stop::Stop;
use crate::plan::PointSpec;
use crate::schema::Layout;

/// Where a worker's device comes from.
#[derive(Clone)]
pub enum DeviceSource {
    /// The run's device and its queue, shared.
    Shared(Arc<GpuContext>),
    /// A device of its own on this adapter.
    Own(AdapterSelection),
}

struct ThreadLink {
    worker: usize,
    commands: Option<Sender<ToWorker>>,
    thread: Option<JoinHandle<()>>,
}

impl Link for ThreadLink {
    fn send(&mut self, message: &ToWorker) -> Result<(), String> {
        self.commands
            .as_ref()
            .and_then(|c| c.send(message.clone()).ok())
            .ok_or_else(|| "is gone".to_string())
    }

    fn close(&mut self, _force: bool) {
        self.commands = None;
        if self.thread.as_ref().is_some_and(|t| t.is_finished())
            && let Some(t) = self.thread.take()
        {
            let _ = t.join();
        }
    }

    fn still_running(&mut self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    fn describe(&mut self, what: &str) -> String {
        format!("worker thread {}: {what}", self.worker)
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panicked".into())
}

/// Starts `layout.workers()` worker threads of `point`, worker `w` on
/// `source(w)`, and waits until every one is ready.
pub fn start(
    point: &PointSpec,
    layout: Layout,
    source: impl Fn(usize) -> DeviceSource,
    stop: &Stop,
) -> Result<Box<dyn Workers>, String> {
    let started = Instant::now();
    let (events_tx, events) = channel();
    let mut links: Vec<Box<dyn Link>> = Vec::new();
    let mut shared_device_s = 0.0;
    for worker in 0..layout.workers() as usize {
        let (commands_tx, commands) = channel::<ToWorker>();
        let source = source(worker);
        if let DeviceSource::Shared(ctx) = &source {
            shared_device_s = ctx.open_s;
        }
        let events = events_tx.clone();
        let point = point.clone();
        let stop = stop.clone();
        let batch = layout.batch;
        let thread = std::thread::Builder::new()
            .name(format!("worker-{worker}"))
            .spawn(move || {
                let send = |e: Event| events.send((worker, e)).is_ok();
                let body = catch_unwind(AssertUnwindSafe(|| {
                    let (ctx, device_s) = match source {
                        DeviceSource::Shared(ctx) => (ctx, 0.0),
                        DeviceSource::Own(selection) => {
                            let ctx = GpuContext::open(&selection).map_err(|e| e.to_string())?;
                            let open_s = ctx.open_s;
                            (Arc::new(ctx), open_s)
                        }
                    };
                    let seed = worker_seed(point.settings.seed, worker);
                    let mut op_loop = prepare_loop(ctx, &LoopSpec::of(&point), batch, seed, &stop)?;
                    op_loop.setup.device_s = device_s;
                    let ready = FromWorker::Ready {
                        setup: op_loop.setup,
                        kernels: op_loop.prepared().kernels(),
                    };
                    if send(Event::Message(ready)) {
                        serve_trials(
                            &mut op_loop,
                            commands.iter(),
                            |left| stop.renewed(crate::measure::stop::deadline_after(left)),
                            |m| send(Event::Message(m)),
                        );
                    }
                    Ok::<(), String>(())
                }));
                match body {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => {
                        send(Event::Message(FromWorker::Error(e)));
                    }
                    Err(panic) => {
                        send(Event::Lost(format!("panicked: {}", panic_message(panic))));
                    }
                }
            })
            .map_err(|e| format!("could not start worker thread {worker}: {e}"))?;
        links.push(Box::new(ThreadLink {
            worker,
            commands: Some(commands_tx),
            thread: Some(thread),
        }));
    }
    drop(events_tx);
    let cohort = Cohort::gather(
        links,
        events,
        stop.clone(),
        shared_device_s,
        Duration::from_micros(500),
        started,
    )?;
    Ok(Box::new(cohort))
}
