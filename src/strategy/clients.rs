//! The clients of a GPU owner (`queue`, `server`): each sends batch-1
//! requests, each carrying its own sample, and checks every answer
//! against that sample's reference.
//!
//! Closed-loop clients send their next request when the last is answered,
//! and receive answers in a mailbox of their own (rows copied into a
//! buffer allocated once, a completion signal they wait on in the point's
//! wait style: asleep, or spinning, yielding the core, for a few round
//! trips, then asleep). Open-loop clients send at Poisson-distributed
//! times at a mean rate, as MLPerf's Server scenario does, whatever the
//! answers; a collector thread receives them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, SyncSender, channel, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::cohort::wait_until_unix;
use super::request_set::RequestSet;
use crate::gpu::completion::Bell;
use crate::measure::record::{TrialRecord, unix_ns};
use crate::measure::stop::Stop;
use crate::schema::WaitStyle;

/// What the owner tells a request's sender besides its rows.
#[derive(Clone, Copy, Debug, Default)]
pub struct Timing {
    /// From sending until its batch started on the owner.
    pub queued: Duration,
    /// The batch's time on the owner.
    pub service: Duration,
}

/// A closed-loop client's mailbox: one answer at a time. Delivering an
/// answer wakes nobody: sleeping clients share one [`Bell`] per owner,
/// rung once per answered batch, so that answering a batch of 16 costs
/// one wake-up (a system call) instead of 16; a client woken for another
/// client's answer looks at its mailbox and sleeps on.
#[derive(Default)]
pub struct Mailbox {
    /// The answer: its timing (or error) and its rows, under one lock.
    letter: Mutex<Letter>,
    answered: Flag,
}

#[derive(Default)]
struct Letter {
    outcome: Option<Result<Timing, String>>,
    rows: Vec<u8>,
}

/// The flag a client spins on, on a cache line of its own: the owner's
/// writes to the mailbox's locks do not take the line from the spinning
/// client, which would then fetch it back on every look.
#[derive(Default)]
#[repr(align(64))]
struct Flag(AtomicBool);

impl Mailbox {
    fn answered(&self) -> bool {
        self.answered.0.load(Ordering::SeqCst)
    }

    /// Delivers an answer (rows copied into the mailbox's own buffer).
    pub fn deliver(&self, answer: Result<(Timing, &[u8]), String>) {
        let mut letter = self.letter.lock().unwrap_or_else(|p| p.into_inner());
        match answer {
            Ok((timing, rows)) => {
                letter.rows.clear();
                letter.rows.extend_from_slice(rows);
                letter.outcome = Some(Ok(timing));
            }
            Err(e) => letter.outcome = Some(Err(e)),
        }
        drop(letter);
        self.answered.0.store(true, Ordering::SeqCst);
    }
}

/// An answer sent back to an open-loop client's collector.
pub type Answer = Result<(Timing, Vec<u8>), String>;

/// Where the owner sends a request's answer.
pub enum ReplyTo {
    Mailbox(Arc<Mailbox>),
    Channel(SyncSender<Answer>),
}

/// A request, from its sending until it is answered.
pub struct Pending {
    pub sent: Instant,
    /// Which sample of the request set it asks about.
    pub sample: usize,
    pub reply: ReplyTo,
}

impl Pending {
    pub fn answer(self, answer: Result<(Timing, &[u8]), String>) {
        match self.reply {
            ReplyTo::Mailbox(m) => m.deliver(answer),
            ReplyTo::Channel(c) => {
                let _ = c.send(answer.map(|(t, rows)| (t, rows.to_vec())));
            }
        }
    }
}

/// What the owner's channel carries.
pub enum ToOwner {
    /// Ready a trial of at most this many requests (all clients' together).
    Begin {
        ops: u64,
        stop: Stop,
    },
    Request(Pending),
    /// Stop the trial's clock and report.
    End,
}

/// Client `id`'s side of a trial.
pub struct ClientPlan {
    pub id: usize,
    /// Where this client sleeps for its answers (closed loop).
    pub bell: Arc<Bell>,
    pub clients: usize,
    pub set: Arc<RequestSet>,
    pub stop: Stop,
    pub wait: WaitStyle,
    pub start_at_unix_ns: u64,
    /// The cores the client runs on, when a spinning owner has one of
    /// its own.
    pub cores: Option<Vec<usize>>,
}

impl ClientPlan {
    /// Pins the calling client thread to its cores, if it has any.
    fn pin(&self) -> Result<(), String> {
        self.cores.as_ref().map_or(Ok(()), |cores| {
            super::cores::pin_to(cores).map_err(|e| format!("client {}: {e}", self.id))
        })
    }

    fn sample(&self, request: u64) -> usize {
        self.set.sample_of(self.id, request, self.clients)
    }

    /// Records an answer to a request sent at `sent` about `sample`:
    /// timed first, then checked (the client uses its answer).
    fn receive(
        &self,
        timing: Timing,
        rows: &[u8],
        sent: Instant,
        sample: usize,
        record: &mut TrialRecord,
    ) {
        record.latencies_ns.push(sent.elapsed().as_nanos() as u64);
        record.queue_ns.push(timing.queued.as_nanos() as u64);
        record.service_ns.push(timing.service.as_nanos() as u64);
        record.ops_completed += 1;
        self.set.check(sample, rows, record);
    }
}

fn record_with_room(n: u64) -> TrialRecord {
    let n = n.min(1 << 20) as usize;
    TrialRecord {
        latencies_ns: Vec::with_capacity(n),
        queue_ns: Vec::with_capacity(n),
        service_ns: Vec::with_capacity(n),
        ..Default::default()
    }
}

/// How long a `spin` client spins on its mailbox before it sleeps: well
/// past a batch's round trip, so that an answer finds its client awake
/// (a sleeping client costs the server a wake-up, tens of µs before the
/// client's next request arrives). The spin yields its core every few
/// looks, so that clients outnumbering the cores do not starve the GPU
/// owner (measured on a 16-core host before the yields: 16 clients
/// spinning without end, p99 5.8 ms).
const CLIENT_SPIN: Duration = Duration::from_millis(2);

/// Waits for a mailbox's answer in `style`: asleep (block, callback), or
/// spinning for up to [`CLIENT_SPIN`] and then asleep (spin).
fn await_mailbox(
    mailbox: &Mailbox,
    bell: &Bell,
    style: WaitStyle,
    stop: &Stop,
) -> Result<(), String> {
    if style == WaitStyle::Spin {
        let until = Instant::now() + CLIENT_SPIN;
        while Instant::now() < until {
            for _ in 0..64 {
                if mailbox.answered() {
                    return Ok(());
                }
                std::hint::spin_loop();
            }
            std::thread::yield_now();
        }
    }
    loop {
        let until = stop
            .deadline
            .min(Instant::now() + Duration::from_millis(100));
        if bell.sleep_until(|| mailbox.answered(), until) {
            return Ok(());
        }
        stop.check()
            .map_err(|e| format!("waiting for the GPU owner: {e}"))?;
    }
}

/// A closed-loop client: `ops` requests, each sent when the last is answered.
pub fn closed_client(tx: Sender<ToOwner>, ops: u64, plan: ClientPlan) -> TrialRecord {
    let mailbox = Arc::new(Mailbox::default());
    let mut record = record_with_room(ops);
    if let Err(e) = plan.pin() {
        record.error = Some(e);
        return record;
    }
    wait_until_unix(plan.start_at_unix_ns);
    record.start_unix_ns = unix_ns();
    for i in 0..ops {
        let sample = plan.sample(i);
        mailbox.answered.0.store(false, Ordering::SeqCst);
        let sent = Instant::now();
        let request = Pending {
            sent,
            sample,
            reply: ReplyTo::Mailbox(Arc::clone(&mailbox)),
        };
        if tx.send(ToOwner::Request(request)).is_err() {
            record.error = Some("the GPU owner is gone".into());
            break;
        }
        if let Err(e) = await_mailbox(&mailbox, &plan.bell, plan.wait, &plan.stop) {
            record.error = Some(e);
            break;
        }
        let mut letter = mailbox.letter.lock().unwrap_or_else(|p| p.into_inner());
        let outcome = letter.outcome.take();
        match outcome.unwrap_or_else(|| Err("the GPU owner signalled no answer".into())) {
            Ok(timing) => plan.receive(timing, &letter.rows, sent, sample, &mut record),
            Err(e) => {
                record.error = Some(e);
                break;
            }
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
            Duration::try_from_secs_f64(t).unwrap_or(Duration::MAX)
        })
        .collect()
}

/// An open-loop client: sends its requests at `arrivals`, never waiting
/// for answers; a collector thread times each answer against its send
/// time (the owner answers in arrival order). Stops at the point's deadline.
pub fn open_client(tx: Sender<ToOwner>, arrivals: Vec<Duration>, plan: ClientPlan) -> TrialRecord {
    let n = arrivals.len() as u64;
    let (reply_tx, reply_rx) = sync_channel::<Answer>(arrivals.len().clamp(1, 1 << 16));
    let (sent_tx, sent_rx) = channel::<(Instant, usize)>();
    let plan = Arc::new(plan);
    let collector_plan = Arc::clone(&plan);
    let collector = std::thread::spawn(move || collect(collector_plan, sent_rx, reply_rx, n));
    let pinned = plan.pin();
    wait_until_unix(plan.start_at_unix_ns);
    let start_unix_ns = unix_ns();
    let began = Instant::now();
    let mut stopped = pinned.err();
    for (i, at) in arrivals.into_iter().enumerate() {
        if stopped.is_some() {
            break;
        }
        let due = began.checked_add(at).unwrap_or(plan.stop.deadline);
        // Sleep to just short of the arrival, in slices that look at the
        // stop, then spin: sleeps overshoot.
        loop {
            if let Err(e) = plan.stop.check() {
                stopped = Some(e.to_string());
                break;
            }
            let Some(ahead) = due.checked_duration_since(Instant::now()) else {
                break;
            };
            if ahead > Duration::from_micros(200) {
                std::thread::sleep(
                    (ahead - Duration::from_micros(100)).min(Duration::from_millis(100)),
                );
            } else {
                while Instant::now() < due {
                    std::hint::spin_loop();
                }
                break;
            }
        }
        if stopped.is_some() {
            break;
        }
        let sample = plan.sample(i as u64);
        let sent = Instant::now();
        let request = Pending {
            sent,
            sample,
            reply: ReplyTo::Channel(reply_tx.clone()),
        };
        if sent_tx.send((sent, sample)).is_err() || tx.send(ToOwner::Request(request)).is_err() {
            break;
        }
    }
    drop(sent_tx);
    let mut record = collector.join().unwrap_or_else(|_| TrialRecord {
        error: Some("a collector thread panicked".into()),
        ..Default::default()
    });
    record.start_unix_ns = start_unix_ns;
    if record.error.is_none() {
        record.error = stopped;
    }
    record
}

fn collect(
    plan: Arc<ClientPlan>,
    sent: Receiver<(Instant, usize)>,
    replies: Receiver<Answer>,
    n: u64,
) -> TrialRecord {
    let mut record = record_with_room(n);
    for (at, sample) in sent {
        let answer = loop {
            match replies.recv_timeout(Duration::from_millis(100)) {
                Ok(answer) => break Ok(answer),
                Err(RecvTimeoutError::Timeout) => {
                    if let Err(e) = plan.stop.check() {
                        break Err(format!("waiting for the GPU owner: {e}"));
                    }
                }
                Err(RecvTimeoutError::Disconnected) => break Err("the GPU owner is gone".into()),
            }
        };
        match answer {
            Ok(Ok((timing, rows))) => plan.receive(timing, &rows, at, sample, &mut record),
            Ok(Err(e)) | Err(e) => {
                record.error = Some(e);
                break;
            }
        }
    }
    record.end_unix_ns = unix_ns();
    record
}

#[cfg(test)]
mod tests {
    use super::poisson_arrivals;

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
    fn arrivals_at_a_tiny_rate_saturate_instead_of_panicking() {
        let a = poisson_arrivals(1e-300, 3, 1);
        assert_eq!(a.len(), 3);
    }
}
