//! One point being measured: prepared once (untimed), then a trial at a
//! time when its round comes, until its stopping rule or an error ends
//! it. Never fails: what went wrong is recorded in the point.
//!
//! The ops of a trial are fitted to the time a trial should last
//! (`trial_s`) from calibration trials of 1, 4, 16 … ops; each later
//! trial follows a short untimed re-warm, since the point's workers sat
//! idle while the other points of its round ran. `timeout_s` bounds the
//! point's own time (setup and its trials), whatever its rounds share.

use std::time::{Duration, Instant};

use super::conditions::{Gauges, load_1m};
use super::stopping::{MedianInterval, StoppingRule, TrialOutcome};
use crate::measure::record::TrialRecord;
use crate::measure::stop::{Stop, deadline_after};
use crate::measure::summary::{TrialRun, summarize};
use crate::plan::{MAX_OPS, PointSpec};
use crate::schema::{AdapterSummary, Point, Preparation, Status, StrategyKind};
use crate::strategy::{self, Env, Workers};

/// A point from its preparation to its record.
pub struct Measuring<'s> {
    pub spec: &'s PointSpec,
    pub adapters: Vec<AdapterSummary>,
    point: Point,
    workers: Option<Box<dyn Workers>>,
    rule: MedianInterval,
    trials: Vec<TrialRun>,
    /// Ops per worker of each timed trial, once calibrated.
    ops: Option<u64>,
    error: Option<String>,
    /// The point's own time so far: setup, calibration, re-warms, trials.
    used: Duration,
    finished: bool,
}

impl<'s> Measuring<'s> {
    /// Prepares `spec`'s workers (or records why it cannot run).
    pub fn start(spec: &'s PointSpec, env: &Env, adapters: Vec<AdapterSummary>) -> Self {
        let started = Instant::now();
        let mut m = Self::unprepared(spec, adapters);
        if let Some(reason) = unsupported_reason(spec, env, &m.adapters) {
            m.point.measured.status = Status::Unsupported;
            m.point.measured.error = Some(reason);
            m.finished = true;
        } else {
            let stop = Stop::new(deadline_after(spec.settings.timeout_s));
            match strategy::prepare(spec, env, &m.adapters, &stop) {
                Ok(workers) => m.prepared(workers),
                Err(e) => m.fail(e),
            }
        }
        m.used = started.elapsed();
        m
    }

    /// A point whose workers are given (tests: fakes of the trait).
    pub fn with_workers(spec: &'s PointSpec, workers: Box<dyn Workers>) -> Self {
        let mut m = Self::unprepared(spec, Vec::new());
        m.prepared(workers);
        m
    }

    /// A point that could not start (no adapters to spread over, say).
    pub fn failed(spec: &'s PointSpec, error: String) -> Self {
        let mut m = Self::unprepared(spec, Vec::new());
        m.fail(error);
        m
    }

    fn unprepared(spec: &'s PointSpec, adapters: Vec<AdapterSummary>) -> Self {
        let s = &spec.settings;
        Self {
            spec,
            point: empty_point(spec, &adapters),
            adapters,
            workers: None,
            rule: MedianInterval::new(
                s.trials.get(),
                s.max_trials.get(),
                s.min_measured_s,
                s.target_ci,
            ),
            trials: Vec::new(),
            ops: s.trial_s.is_none().then_some(s.ops),
            error: None,
            used: Duration::ZERO,
            finished: false,
        }
    }

    fn prepared(&mut self, workers: Box<dyn Workers>) {
        self.point.prepared = Preparation {
            kernels: workers.kernels(),
            setup_s: workers.setup(),
            owner_cores: workers.owner_cores(),
            upload: workers.upload(),
        };
        self.workers = Some(workers);
    }

    fn fail(&mut self, error: String) {
        self.error.get_or_insert(error);
        self.finished = true;
    }

    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// What is left of the point's time, as a deadline from now.
    fn deadline(&self) -> Result<Instant, String> {
        let budget =
            Duration::try_from_secs_f64(self.spec.settings.timeout_s).unwrap_or(Duration::MAX);
        match budget.checked_sub(self.used) {
            Some(left) if !left.is_zero() => Ok(deadline_after(left.as_secs_f64())),
            _ => Err(format!(
                "timed out: the point's {} s (timeout_s) were used up after {} trials",
                self.spec.settings.timeout_s,
                self.trials.len()
            )),
        }
    }

    /// Runs one trial, as round `round` (0 where the point has its
    /// rounds to itself), reading `gauges` around it.
    pub fn trial(&mut self, round: u32, gauges: &Gauges) {
        if self.finished {
            return;
        }
        let started = Instant::now();
        let result = self.timed_trial(round, gauges);
        self.used += started.elapsed();
        if let Err(e) = result {
            self.fail(e);
        } else if self.rule.finished() {
            self.finished = true;
        }
    }

    fn timed_trial(&mut self, round: u32, gauges: &Gauges) -> Result<(), String> {
        let mut workers = self.workers.take().ok_or("the point's workers are gone")?;
        let result = self.trial_on(workers.as_mut(), round, gauges);
        self.workers = Some(workers);
        result
    }

    fn trial_on(
        &mut self,
        workers: &mut dyn Workers,
        round: u32,
        gauges: &Gauges,
    ) -> Result<(), String> {
        let settings = &self.spec.settings;
        let ops = match self.ops {
            Some(ops) => {
                // Idle while the other points of its round ran: a few
                // ops before the clock starts again.
                if round > 0 && !self.trials.is_empty() {
                    untimed(workers, (ops / 10).max(1), self.deadline()?)?;
                }
                ops
            }
            None => {
                let deadline = self.deadline()?;
                let trial_s = settings.trial_s.unwrap_or(0.0);
                let per_op_waits = self.spec.sync.waits_per_op();
                let fitted = calibrate(workers, trial_s, settings.ops, per_op_waits, deadline)?;
                *self.ops.insert(fitted)
            }
        };
        let deadline = self.deadline()?;
        let (clock_before, load) = (gauges.gpu_clock_mhz(), load_1m());
        let records = workers.run_trial(ops, settings.checks.min(ops), deadline)?;
        let clock_after = gauges.gpu_clock_mhz();
        let stopped = records.iter().find_map(|r| r.error.clone());
        self.rule.add(TrialOutcome {
            samples_per_s: trial_rate(&records, self.spec.layout().batch),
            seconds: span_s(&records),
        });
        self.trials.push(TrialRun {
            records,
            round,
            gpu_clock_mhz: match (clock_before, clock_after) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
            gpu_clock_max_mhz: gauges.gpu_clock_max_mhz(),
            load_1m: load,
        });
        // A trial stopped early keeps what it measured and ends the point.
        match stopped {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// The point's record, and whether a worker was left behind on the
    /// shared device.
    pub fn finish(mut self) -> (Point, bool) {
        let layout = self.spec.layout();
        let ops = self.ops.unwrap_or(self.spec.settings.ops);
        if self.point.measured.status != Status::Unsupported {
            let trials = (self.trials.len() as u32).max(self.spec.settings.trials.get());
            let ops_expected = u64::from(trials)
                .saturating_mul(u64::from(layout.workers()))
                .saturating_mul(ops);
            self.point.measured =
                summarize(&self.trials, layout.batch, ops, ops_expected, self.error);
        }
        self.point.wall_s = self.used.as_secs_f64();
        let left_behind = self.workers.take().is_some_and(|w| w.left_behind());
        (self.point, left_behind)
    }
}

/// Prepares, runs and checks one point on its own, trials back to back.
pub fn measure_point(spec: &PointSpec, env: &Env, adapters: &[AdapterSummary]) -> (Point, bool) {
    let gauges = Gauges::host_only();
    let mut m = Measuring::start(spec, env, adapters.to_vec());
    while !m.is_finished() && !crate::interrupt::requested() {
        m.trial(0, &gauges);
    }
    m.finish()
}

/// A trial whose record only matters for its errors.
fn untimed(
    workers: &mut dyn Workers,
    ops: u64,
    deadline: Instant,
) -> Result<Vec<TrialRecord>, String> {
    let records = workers.run_trial(ops, 0, deadline)?;
    match records.iter().find_map(|r| r.error.as_ref()) {
        Some(e) => Err(e.clone()),
        None => Ok(records),
    }
}

/// Ops per worker for trials of about `trial_s` seconds: untimed trials
/// of 1, 4, 16 … ops (at most `max_ops`) until one lasts an eighth of
/// that; then the time of an op, from the median of its latencies where
/// the host waits for every op (a 10 ms stall in a short calibration
/// trial must not shrink every trial after it), else from the trial's
/// span; and the power of two nearest the ops that fill `trial_s`, so
/// that a rerun whose op time moved a little runs the same trials.
fn calibrate(
    workers: &mut dyn Workers,
    trial_s: f64,
    max_ops: u64,
    per_op_waits: bool,
    deadline: Instant,
) -> Result<u64, String> {
    let mut ops = 1u64;
    loop {
        let records = untimed(workers, ops, deadline)
            .map_err(|e| format!("calibrating the trial's length: {e}"))?;
        let span = span_s(&records).max(1e-9);
        if span >= trial_s / 8.0 || ops >= max_ops {
            let latencies: Vec<f64> = records
                .iter()
                .flat_map(|r| r.latencies_ns.iter().map(|&ns| ns as f64 / 1e9))
                .collect();
            let op_s = match crate::stats::median(&latencies) {
                Some(m) if per_op_waits && m > 0.0 => m,
                _ => span / ops as f64,
            };
            let fitted = (trial_s / op_s).max(1.0);
            let power = 2f64.powf(fitted.log2().round()).min(MAX_OPS as f64);
            return Ok((power as u64).clamp(1, MAX_OPS));
        }
        ops = ops.saturating_mul(4).min(max_ops);
    }
}

/// Seconds from the first worker's start to the last one's end.
fn span_s(records: &[TrialRecord]) -> f64 {
    let start = records.iter().map(|r| r.start_unix_ns).min().unwrap_or(0);
    let end = records.iter().map(|r| r.end_unix_ns).max().unwrap_or(0);
    end.saturating_sub(start) as f64 / 1e9
}

/// samples/s of one trial's records (all workers), if it completed.
fn trial_rate(records: &[TrialRecord], batch: u32) -> Option<f64> {
    let ops: u64 = records.iter().map(|r| r.ops_completed).sum();
    let span = span_s(records);
    (span > 0.0 && records.iter().all(|r| r.error.is_none()))
        .then(|| ops as f64 * f64::from(batch) / span)
}

fn empty_point(spec: &PointSpec, adapters: &[AdapterSummary]) -> Point {
    let layout = spec.layout();
    let mut point = Point::new(
        spec.config(adapters.iter().filter_map(|a| a.index).collect()),
        spec.n,
        layout,
    );
    point.flops_per_sample = Some(spec.workload.flops(1));
    point.bytes_per_op = Some(spec.workload.min_bytes(layout.batch, spec.precision));
    point.measured.ops_per_worker = spec.settings.ops;
    point
}

/// Why the adapter cannot run `spec` at all, if it cannot.
fn unsupported_reason(spec: &PointSpec, env: &Env, adapters: &[AdapterSummary]) -> Option<String> {
    use crate::schema::Precision;
    if spec.settings.upload_inputs && !crate::gpu::upload::MappedInput::supported(&env.ctx.device) {
        return Some(format!(
            "upload_inputs writes each op's input into a buffer the host maps and the kernels read, which needs the MAPPABLE_PRIMARY_BUFFERS feature that {} does not have",
            env.ctx.info.label()
        ));
    }
    let lacking: Vec<&AdapterSummary> = if spec.strategy == StrategyKind::Gpus {
        adapters.iter().filter(|a| !a.shader_f16).collect()
    } else if env.ctx.info.shader_f16 {
        Vec::new()
    } else {
        vec![&env.ctx.info]
    };
    (spec.precision == Precision::F16 && !lacking.is_empty()).then(|| {
        let names: Vec<String> = lacking.iter().map(|a| a.label()).collect();
        format!(
            "f16 needs the SHADER_F16 feature, which {} does not have",
            names.join(", ")
        )
    })
}

#[cfg(test)]
mod tests;
