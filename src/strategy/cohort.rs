//! The worker protocol, one for threads and processes: every worker gets
//! ready (device, workload, warm-up) and says so with its setup times; a
//! trial command carries a wall-clock start time, so all workers begin
//! together whatever carries the command (a channel or a pipe); each
//! answers with its record. A link is one worker's end (a thread or a
//! process); the [`Cohort`] holds them and enforces the point's deadline:
//! past it every worker is told to stop, a process that does not is
//! killed, and a thread that does not (stuck in the driver) is recorded
//! as left behind, so the runner moves on to a fresh device.

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::Workers;
use crate::measure::op_loop::OpLoop;
use crate::measure::record::{TrialRecord, WorkerSetup, unix_ns};
use crate::measure::stop::Stop;
use crate::schema::SetupTimes;

/// How long workers get to stop after a deadline before being given up on.
const GRACE: Duration = Duration::from_secs(5);
/// The same after an interrupt.
const INTERRUPT_GRACE: Duration = Duration::from_millis(500);
/// How often a wait for workers looks at the interrupt.
const INTERRUPT_CHECK: Duration = Duration::from_millis(50);

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ToWorker {
    Trial {
        ops: u64,
        checks: u64,
        /// When every worker starts (ns since the Unix epoch).
        start_at_unix_ns: u64,
        /// Seconds left until the point's deadline.
        deadline_in_s: f64,
    },
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FromWorker {
    Ready {
        setup: WorkerSetup,
        kernels: Vec<String>,
    },
    Trial(Box<TrialRecord>),
    Error(String),
}

/// What reaches the cohort from a worker.
pub enum Event {
    Message(FromWorker),
    /// The worker stopped answering: how, in words.
    Lost(String),
}

/// One worker's end of the protocol.
pub trait Link: Send {
    fn send(&mut self, message: &ToWorker) -> Result<(), String>;
    /// Tells the worker to end (closes its channel or pipe); `force` kills
    /// a process that has not ended by now.
    fn close(&mut self, force: bool);
    /// Whether the worker still runs (after `close`: it could not be stopped).
    fn still_running(&mut self) -> bool;
    /// Describes a worker that stopped answering: how it ended, what it said.
    fn describe(&mut self, what: &str) -> String;
}

/// Sleeps, then spins, until the wall clock reaches `unix_ns`.
pub fn wait_until_unix(unix_ns_at: u64) {
    loop {
        let now = unix_ns();
        if now >= unix_ns_at {
            return;
        }
        let ahead = Duration::from_nanos(unix_ns_at - now);
        if ahead > Duration::from_micros(300) {
            std::thread::sleep(ahead - Duration::from_micros(200));
        } else {
            std::hint::spin_loop();
        }
    }
}

/// A worker's side of the protocol: after it said it is ready, runs each
/// trial it is asked for and answers with the record, until its commands
/// end or an answer cannot be sent. `stop_for` gives each trial its stop.
pub fn serve_trials(
    op_loop: &mut OpLoop,
    commands: impl Iterator<Item = ToWorker>,
    stop_for: impl Fn(f64) -> Stop,
    mut send: impl FnMut(FromWorker) -> bool,
) {
    for command in commands {
        let ToWorker::Trial {
            ops,
            checks,
            start_at_unix_ns,
            deadline_in_s,
        } = command;
        let stop = stop_for(deadline_in_s);
        wait_until_unix(start_at_unix_ns.min(unix_ns() + 1_000_000_000));
        let record = op_loop.run_trial(ops, checks, stop);
        if !send(FromWorker::Trial(Box::new(record))) {
            return;
        }
    }
}

pub struct Cohort {
    links: Vec<Box<dyn Link>>,
    events: Receiver<(usize, Event)>,
    stop: Stop,
    setup: SetupTimes,
    kernels: Vec<String>,
    left_behind: bool,
    /// How far ahead of the command a trial's start is set: time for the
    /// command to reach every worker.
    start_margin: Duration,
}

impl Cohort {
    /// Waits for every worker's `ready`; an error if one fails or the
    /// deadline passes first.
    pub fn gather(
        links: Vec<Box<dyn Link>>,
        events: Receiver<(usize, Event)>,
        stop: Stop,
        device_s: f64,
        start_margin: Duration,
        started: Instant,
    ) -> Result<Self, String> {
        let mut cohort = Self {
            links,
            events,
            stop,
            setup: SetupTimes {
                device_s,
                ..Default::default()
            },
            kernels: Vec::new(),
            left_behind: false,
            start_margin,
        };
        for _ in 0..cohort.links.len() {
            match cohort.next("getting ready")? {
                (_, FromWorker::Ready { setup, kernels }) => {
                    cohort.setup.device_s = cohort.setup.device_s.max(setup.device_s);
                    cohort.setup.prepare_s = cohort.setup.prepare_s.max(setup.prepare_s);
                    cohort.setup.warmup_s = cohort.setup.warmup_s.max(setup.warmup_s);
                    for k in kernels {
                        if !cohort.kernels.contains(&k) {
                            cohort.kernels.push(k);
                        }
                    }
                }
                (worker, FromWorker::Error(e)) => return Err(format!("worker {worker}: {e}")),
                (worker, FromWorker::Trial(_)) => {
                    return Err(format!(
                        "worker {worker} reported a trial before it was asked"
                    ));
                }
            }
        }
        cohort.setup.start_s = started.elapsed().as_secs_f64();
        Ok(cohort)
    }

    /// The next message from any worker, within the deadline; an
    /// interrupt ends the wait at once (a worker process only hears of
    /// it when its parent closes its pipe).
    fn next(&mut self, doing: &str) -> Result<(usize, FromWorker), String> {
        let received = loop {
            match self
                .events
                .recv_timeout(self.stop.left().min(INTERRUPT_CHECK))
            {
                Err(RecvTimeoutError::Timeout)
                    if !self.stop.left().is_zero() && !crate::interrupt::requested() =>
                {
                    continue;
                }
                other => break other,
            }
        };
        match received {
            Ok((worker, Event::Message(m))) => Ok((worker, m)),
            Ok((worker, Event::Lost(what))) => {
                let why = self.links[worker].describe(&what);
                self.give_up();
                Err(why)
            }
            Err(_) if crate::interrupt::requested() => {
                self.give_up();
                Err(format!("interrupted while workers were {doing}"))
            }
            Err(_) => {
                self.give_up();
                let mut e = format!("timed out (point timeout) while workers were {doing}");
                if self.left_behind {
                    e.push_str(&format!(
                        "; a worker did not stop within {} s and was left behind, so later points run on a fresh device",
                        GRACE.as_secs()
                    ));
                }
                Err(e)
            }
        }
    }

    /// Stops every worker: told first, killed (processes) or left behind
    /// (threads stuck in the driver) after a grace period.
    fn give_up(&mut self) {
        self.stop.cancel();
        self.left_behind |= self.close_links();
    }

    /// Asks every link to close, waits up to the grace period, then
    /// forces the rest; whether any worker is still running after that.
    fn close_links(&mut self) -> bool {
        for link in &mut self.links {
            link.close(false);
        }
        // Interrupted, the user waits: a shorter grace before the kill.
        let grace = Instant::now()
            + if crate::interrupt::requested() {
                INTERRUPT_GRACE
            } else {
                GRACE
            };
        while Instant::now() < grace && self.links.iter_mut().any(|l| l.still_running()) {
            std::thread::sleep(Duration::from_millis(5));
        }
        let mut running = false;
        for link in &mut self.links {
            link.close(true);
            running |= link.still_running();
        }
        running
    }
}

impl Workers for Cohort {
    fn setup(&self) -> SetupTimes {
        self.setup
    }

    fn kernels(&self) -> Vec<String> {
        self.kernels.clone()
    }

    fn left_behind(&self) -> bool {
        self.left_behind
    }

    fn run_trial(
        &mut self,
        ops: u64,
        checks: u64,
        deadline: Instant,
    ) -> Result<Vec<TrialRecord>, String> {
        self.stop = self.stop.renewed(deadline);
        self.stop.check().map_err(|e| e.to_string())?;
        let command = ToWorker::Trial {
            ops,
            checks,
            start_at_unix_ns: unix_ns() + self.start_margin.as_nanos() as u64,
            deadline_in_s: self.stop.left().as_secs_f64(),
        };
        for worker in 0..self.links.len() {
            if let Err(e) = self.links[worker].send(&command) {
                let why = self.links[worker].describe(&e);
                self.give_up();
                return Err(why);
            }
        }
        let mut records: Vec<Option<TrialRecord>> = vec![None; self.links.len()];
        for _ in 0..self.links.len() {
            match self.next("running a trial")? {
                (worker, FromWorker::Trial(record)) => records[worker] = Some(*record),
                (worker, FromWorker::Error(e)) => {
                    self.give_up();
                    return Err(format!("worker {worker}: {e}"));
                }
                (worker, FromWorker::Ready { .. }) => {
                    self.give_up();
                    return Err(format!("worker {worker} answered out of turn"));
                }
            }
        }
        Ok(records.into_iter().flatten().collect())
    }
}

impl Drop for Cohort {
    fn drop(&mut self) {
        self.close_links();
    }
}
