//! Experiment files (TOML) and the plan of points they expand to.
//!
//! ```toml
//! name = "quick"
//! [settings]            # optional; every key has a default
//! trials = 3
//! [[sweep]]
//! workload = "linear"   # dims = [256, 128] by default
//! strategy = "threads"  # threads | batch | processes | hybrid | devices | queue | server | gpus
//! n = [1, 2, 4, 8]
//! sync = "readback"     # readback | wait | device | pipeline:D | end
//! wait = "block"        # block | spin | callback
//! ```
//!
//! Every value is checked for its meaning here, with the line of its key;
//! [`limits`] checks the plan against the chosen adapter before anything
//! runs. Unknown keys, duplicate points and values that could overflow or
//! never finish are refused.

pub mod limits;

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::schema::{
    Launch, Layout, PointConfig, Precision, StrategyKind, SyncMode, WaitStyle, WorkloadKind,
};
use crate::workload::{SLOTS, Workload};

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The reason is in the message, not a `source`, so that an error
    /// chain prints it once.
    #[error("cannot read experiment file {path}: {reason}")]
    Read {
        path: PathBuf,
        reason: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// Longest a point may be given, so every deadline is a real time.
pub const MAX_TIMEOUT_S: f64 = 7.0 * 24.0 * 3600.0;
/// Most ops per worker per trial, and warm-up ops.
pub const MAX_OPS: u64 = 1_000_000_000;
pub const MAX_TRIALS: u32 = 1000;
/// Most threads (workers or clients) of one point, and processes.
pub const MAX_THREADS: u32 = 1024;
pub const MAX_PROCESSES: u32 = 256;
/// Most samples per op.
pub const MAX_BATCH: u32 = 1 << 24;
pub const MAX_DELAY_US: u64 = 60_000_000;

/// How each point is measured; `[settings]` sets them for the file and a
/// sweep may override any of them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Untimed ops per worker before the first trial.
    pub warmup_ops: u64,
    /// Keep warming up for at least this many seconds, so clocks and caches settle.
    pub warmup_s: f64,
    /// Timed trials per point, at least; the point reports their median,
    /// its 95% confidence interval and their spread.
    pub trials: NonZeroU32,
    /// Up to this many trials while the median's interval is wider than
    /// `target_ci` (nvbench's stopping rule).
    pub max_trials: NonZeroU32,
    /// The 95% confidence interval of the median samples/s a point aims
    /// within, as a fraction of the median either way (0.02: ±2%).
    pub target_ci: f64,
    /// Timed seconds a point runs at least, all trials together
    /// (nvbench's `--min-time`, LoadGen's minimum duration).
    pub min_measured_s: f64,
    /// Ops per worker per trial where `trial_s` is off; otherwise the most
    /// ops a calibration trial runs.
    pub ops: u64,
    /// Ops per worker per trial whose output is compared with the CPU
    /// reference (spread evenly over the trial; more than `ops` checks
    /// every op).
    pub checks: u64,
    /// A point still running after this many seconds (setup included) is
    /// recorded as failed and the run goes on.
    pub timeout_s: f64,
    /// Seed of the random weights and inputs.
    pub seed: u64,
    /// Reuse each worker's buffers and bind groups (a pool, the default);
    /// `false` allocates them for every op, as an eager framework does.
    pub pool: bool,
    /// Record each op's command buffer while the previous op runs on the
    /// GPU (as a serving engine would, since an op's commands do not depend
    /// on its data), so that encoding leaves the round trip; only where the
    /// host waits after every op (`readback`, `wait`, `device`), with the
    /// pool, by workers that run their own ops.
    #[serde(default)]
    pub encode_ahead: bool,
    /// Write each op's input from the host before its submit, in place
    /// into a buffer the host maps (as a GPU owner writes its requests'
    /// rows), instead of leaving it on the GPU: the baseline a server is
    /// matched against for its upload. For workers that run their own ops
    /// (`threads`, `batch`, `hybrid`), with the pool and at most three ops
    /// in flight; where the adapter cannot bind a mappable buffer (GL) the
    /// point is unsupported.
    #[serde(default)]
    pub upload_inputs: bool,
    /// How long a trial lasts: its ops per worker are fitted to it from
    /// calibration trials, so a trial is long enough to mean something on
    /// a fast GPU and short enough on a CPU adapter; warm-up stops after
    /// twice this long (or `warmup_s`, whichever is longer). `None` (0 in
    /// a file) runs `ops` ops a trial.
    pub trial_s: Option<f64>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            warmup_ops: 10,
            warmup_s: 0.0,
            trials: NonZeroU32::new(10).expect("non-zero"),
            max_trials: NonZeroU32::new(30).expect("non-zero"),
            target_ci: 0.02,
            min_measured_s: 1.0,
            ops: 100,
            checks: 8,
            timeout_s: 300.0,
            seed: 1,
            pool: true,
            encode_ahead: false,
            upload_inputs: false,
            trial_s: Some(0.1),
        }
    }
}

/// The keys a sweep and `[settings]` may both set.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsFile {
    warmup_ops: Option<u64>,
    warmup_s: Option<f64>,
    trials: Option<NonZeroU32>,
    max_trials: Option<NonZeroU32>,
    target_ci: Option<f64>,
    min_measured_s: Option<f64>,
    /// Refused with a pointer to `target_ci`, which replaced it.
    target_spread: Option<toml::Value>,
    ops: Option<u64>,
    checks: Option<u64>,
    timeout_s: Option<f64>,
    seed: Option<u64>,
    pool: Option<bool>,
    encode_ahead: Option<bool>,
    upload_inputs: Option<bool>,
    trial_s: Option<f64>,
}

impl SettingsFile {
    /// These settings over `base`.
    fn over(&self, base: &Settings) -> Settings {
        let trials = self.trials.unwrap_or(base.trials);
        Settings {
            warmup_ops: self.warmup_ops.unwrap_or(base.warmup_ops),
            warmup_s: self.warmup_s.unwrap_or(base.warmup_s),
            trials,
            // With no cap of its own, the cap follows `trials` where the
            // base had none either (its cap equal to its trials), and is
            // raised to `trials` where it was below.
            max_trials: self
                .max_trials
                .unwrap_or(if base.max_trials == base.trials {
                    trials
                } else {
                    base.max_trials.max(trials)
                }),
            target_ci: self.target_ci.unwrap_or(base.target_ci),
            min_measured_s: self.min_measured_s.unwrap_or(base.min_measured_s),
            ops: self.ops.unwrap_or(base.ops),
            checks: self.checks.unwrap_or(base.checks),
            timeout_s: self.timeout_s.unwrap_or(base.timeout_s),
            seed: self.seed.unwrap_or(base.seed),
            pool: self.pool.unwrap_or(base.pool),
            encode_ahead: self.encode_ahead.unwrap_or(base.encode_ahead),
            upload_inputs: self.upload_inputs.unwrap_or(base.upload_inputs),
            trial_s: match self.trial_s {
                Some(0.0) => None,
                Some(t) => Some(t),
                None => base.trial_s,
            },
        }
    }
}

/// The order points are measured in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    /// Each sweep in turn, N ascending as listed.
    #[default]
    Sweep,
    /// One point of each sweep in turn (A1 B1 C1 A2 B2 …), so that drift
    /// on a noisy machine spreads evenly over the curves.
    Interleave,
}

/// How the points are interleaved while they are measured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rounds {
    /// Every point of one workload (or of one `group` its sweep names) is
    /// prepared at once, and each round runs one trial of each in a
    /// shuffled order: the curves of a workload and what a verdict
    /// compares them with share the machine's slow and fast episodes.
    #[default]
    Workload,
    /// The same, for the points of one curve only.
    Curve,
    /// Each point's trials back to back, one point after the other.
    Point,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExperimentFile {
    name: Option<String>,
    description: Option<String>,
    #[serde(default)]
    order: Order,
    #[serde(default)]
    rounds: Rounds,
    settings: Option<toml::Spanned<SettingsFile>>,
    sweep: toml::Spanned<Vec<toml::Spanned<SweepFile>>>,
}

/// `adapters = "all"`, `[0, 1]` or `"H200"`: which adapters a `gpus`
/// sweep spreads its workers over.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AdapterSpec {
    Indices(Vec<u32>),
    Text(String),
}

impl AdapterSpec {
    /// As `curves run --adapters` takes it.
    pub fn to_arg(&self) -> String {
        match self {
            AdapterSpec::Indices(i) => i.iter().map(u32::to_string).collect::<Vec<_>>().join(","),
            AdapterSpec::Text(t) => t.clone(),
        }
    }
}

/// A `[[sweep]]` table. It repeats `SettingsFile`'s keys rather than
/// flattening it in: serde's `flatten` does not work with
/// `deny_unknown_fields`, and unknown keys must be refused.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepFile {
    workload: WorkloadKind,
    dims: Option<Vec<u32>>,
    strategy: StrategyKind,
    n: Vec<u32>,
    /// Samples per op of each worker (`hybrid`, `gpus`).
    batch: Option<u32>,
    /// `server` only: most requests coalesced into one dispatch.
    max_batch: Option<u32>,
    /// `server` only: longest wait, in µs, after a batch's first request.
    max_delay_us: Option<u64>,
    /// `queue`/`server` only: open loop — each client sends requests at
    /// Poisson-distributed times at this mean rate, without waiting for answers.
    arrival_rate_per_s: Option<f64>,
    /// `gpus` only: threads of one process (default) or a process each.
    launch: Option<Launch>,
    /// `gpus` only: the adapters to spread over (default: `--adapters`, else all).
    adapters: Option<AdapterSpec>,
    /// Names the sweep's points as a step of a sequence (the seeds'
    /// optimisation stack); the report tabulates labelled steps in order.
    label: Option<String>,
    /// Measures the sweep's points in rounds with every other sweep of the
    /// same group, whatever their workloads (the layer sizes a verdict
    /// compares, say); by default a sweep's group is its workload.
    group: Option<String>,
    sync: Option<SyncMode>,
    wait: Option<WaitStyle>,
    precision: Option<Precision>,
    warmup_ops: Option<u64>,
    warmup_s: Option<f64>,
    trials: Option<NonZeroU32>,
    max_trials: Option<NonZeroU32>,
    target_ci: Option<f64>,
    min_measured_s: Option<f64>,
    target_spread: Option<toml::Value>,
    ops: Option<u64>,
    checks: Option<u64>,
    timeout_s: Option<f64>,
    seed: Option<u64>,
    pool: Option<bool>,
    encode_ahead: Option<bool>,
    upload_inputs: Option<bool>,
    trial_s: Option<f64>,
}

impl SweepFile {
    /// The settings the sweep sets over the file's.
    fn settings(&self) -> SettingsFile {
        SettingsFile {
            warmup_ops: self.warmup_ops,
            warmup_s: self.warmup_s,
            trials: self.trials,
            max_trials: self.max_trials,
            target_ci: self.target_ci,
            min_measured_s: self.min_measured_s,
            target_spread: self.target_spread.clone(),
            ops: self.ops,
            checks: self.checks,
            timeout_s: self.timeout_s,
            seed: self.seed,
            pool: self.pool,
            encode_ahead: self.encode_ahead,
            upload_inputs: self.upload_inputs,
            trial_s: self.trial_s,
        }
    }
}

/// Where a point came from in its file, for messages about it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    /// 1-based index of the sweep.
    pub sweep: usize,
    /// The line of the sweep's `[[sweep]]` header.
    pub line: usize,
    /// Lines of the sweep's keys: `n`, `dims`, `batch`, `max_batch`.
    pub n_line: usize,
    pub dims_line: Option<usize>,
    pub batch_line: Option<usize>,
    pub max_batch_line: Option<usize>,
}

impl Origin {
    /// "sweep 3 (line 20)": names the sweep in a message.
    pub fn sweep_name(&self) -> String {
        format!("sweep {} (line {})", self.sweep, self.line)
    }
}

/// One point to measure: everything the runner and the strategy need.
#[derive(Clone, Debug, PartialEq)]
pub struct PointSpec {
    pub workload: Workload,
    pub strategy: StrategyKind,
    pub n: u32,
    /// Samples per op of each worker (`hybrid`, `gpus`); `None` elsewhere.
    pub worker_batch: Option<u32>,
    /// The sweep's label, if it has one.
    pub label: Option<String>,
    /// The group of points measured in rounds together, where the sweep
    /// names one (else its workload's).
    pub group: Option<String>,
    /// `server`'s batching limits (requests, µs); `None` for other strategies.
    pub server: Option<(u32, u64)>,
    /// Open-loop clients' mean request rate each (requests/s).
    pub arrival_rate_per_s: Option<f64>,
    pub sync: SyncMode,
    pub wait: WaitStyle,
    pub precision: Precision,
    /// `gpus`: how workers start, and the adapters they spread over.
    pub launch: Launch,
    pub adapters: Option<AdapterSpec>,
    pub settings: Settings,
    pub origin: Origin,
}

impl PointSpec {
    pub fn layout(&self) -> Layout {
        Layout::of(self.strategy, self.n, self.worker_batch, self.launch)
    }

    /// The point's identity in its result, with the adapter indices a
    /// `gpus` point was spread over.
    pub fn config(&self, adapters: Vec<u32>) -> PointConfig {
        PointConfig {
            workload: self.workload.kind(),
            dims: self.workload.dims(),
            strategy: self.strategy,
            sync: self.sync,
            wait: self.wait,
            precision: self.precision,
            label: self.label.clone(),
            pool: self.settings.pool,
            encode_ahead: self.settings.encode_ahead,
            upload_inputs: self.settings.upload_inputs,
            worker_batch: self.worker_batch,
            max_batch: self.server.map(|s| s.0),
            max_delay_us: self.server.map(|s| s.1),
            arrival_rate_per_s: self.arrival_rate_per_s,
            launch: (self.strategy == StrategyKind::Gpus).then_some(self.launch),
            adapters,
        }
    }

    /// `linear 256→128 · threads N=4 · readback · f32`, for progress and errors.
    pub fn label(&self) -> String {
        let c = self.config(Vec::new());
        format!(
            "{} · {} N={} · {} · {}",
            c.workload_label(),
            c.strategy_label(),
            self.n,
            c.sync_label(),
            self.precision
        )
    }

    /// Identity for finding duplicates (and points already measured, on resume).
    pub fn key(&self) -> String {
        format!("{:?} n={}", self.config(Vec::new()), self.n)
    }
}

#[derive(Clone, Debug)]
pub struct Experiment {
    pub name: String,
    pub description: Option<String>,
    pub path: PathBuf,
    /// The file's text, recorded with the run.
    pub text: String,
    pub points: Vec<PointSpec>,
    /// How the points are interleaved while they are measured.
    pub rounds: Rounds,
    /// Settings given on the command line over the file's, as
    /// `key = value`; recorded with the run.
    pub overrides: Vec<String>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The line of `key = …` inside the table that starts at `span` of
/// `text` (up to the next table header: toml's spans of an array of
/// tables may cover its header only), or the span's first line.
fn key_line(text: &str, span: &std::ops::Range<usize>, key: &str) -> usize {
    let start = span.start.min(text.len());
    let after_header = text[start..]
        .find('\n')
        .map_or(text.len(), |i| start + i + 1);
    let next_table = text[after_header..]
        .split_inclusive('\n')
        .scan(after_header, |at, line| {
            let here = *at;
            *at += line.len();
            Some((here, line))
        })
        .find(|(_, line)| line.trim_start().starts_with('['))
        .map_or(text.len(), |(at, _)| at);
    let end = span.end.min(text.len()).max(next_table).max(start);
    let mut offset = start;
    for line in text[start..end].split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            return line_of(text, offset);
        }
        offset += line.len();
    }
    line_of(text, start)
}

/// Keys an earlier version took, refused with what replaced them.
fn check_replaced(s: &SettingsFile) -> Result<(), (&'static str, String)> {
    match &s.target_spread {
        Some(_) => Err((
            "target_spread",
            "target_spread (the trials' (max − min) / median) was replaced by target_ci: the 95% confidence interval of the median, as a fraction of it either way (target_ci = 0.02 is ±2%)".into(),
        )),
        None => Ok(()),
    }
}

/// Checks every setting's meaning; the error names the key.
fn check_settings(s: &Settings) -> Result<(), (&'static str, String)> {
    let finite_in = |v: f64, lo: f64, hi: f64| v.is_finite() && v >= lo && v <= hi;
    if !(finite_in(s.timeout_s, 0.0, MAX_TIMEOUT_S) && s.timeout_s > 0.0) {
        return Err((
            "timeout_s",
            format!(
                "timeout_s must be more than 0 and at most {MAX_TIMEOUT_S} (a week), not {}",
                s.timeout_s
            ),
        ));
    }
    if !finite_in(s.warmup_s, 0.0, s.timeout_s) {
        return Err((
            "warmup_s",
            format!(
                "warmup_s must be between 0 and timeout_s ({}), not {}",
                s.timeout_s, s.warmup_s
            ),
        ));
    }
    if let Some(t) = s.trial_s
        && !(finite_in(t, 0.0, s.timeout_s) && t > 0.0)
    {
        return Err((
            "trial_s",
            format!(
                "trial_s must be 0 (off: `ops` ops a trial) or more, and at most timeout_s ({}), not {t}",
                s.timeout_s
            ),
        ));
    }
    if s.ops == 0 || s.ops > MAX_OPS {
        return Err(("ops", format!("ops must be 1 to {MAX_OPS}, not {}", s.ops)));
    }
    if s.warmup_ops > MAX_OPS {
        return Err((
            "warmup_ops",
            format!("warmup_ops must be at most {MAX_OPS}, not {}", s.warmup_ops),
        ));
    }
    if s.checks > MAX_OPS {
        return Err((
            "checks",
            format!("checks must be at most {MAX_OPS}, not {}", s.checks),
        ));
    }
    if s.trials.get() > MAX_TRIALS {
        return Err(("trials", format!("trials must be at most {MAX_TRIALS}")));
    }
    if s.max_trials < s.trials || s.max_trials.get() > MAX_TRIALS {
        return Err((
            "max_trials",
            format!(
                "max_trials ({}) must be at least trials ({}) and at most {MAX_TRIALS}",
                s.max_trials, s.trials
            ),
        ));
    }
    if !(finite_in(s.target_ci, 0.0, 10.0) && s.target_ci > 0.0) {
        return Err((
            "target_ci",
            format!(
                "target_ci must be more than 0 (0.02 = a 95% interval within ±2% of the median), not {}",
                s.target_ci
            ),
        ));
    }
    if !finite_in(s.min_measured_s, 0.0, s.timeout_s) {
        return Err((
            "min_measured_s",
            format!(
                "min_measured_s must be between 0 and timeout_s ({}), not {}",
                s.timeout_s, s.min_measured_s
            ),
        ));
    }
    Ok(())
}

impl Experiment {
    /// Sets `trial_s` of every point, and exactly `trials` trials (no more
    /// while an interval is wide), over the file's values (`curves run
    /// --trials --trial-s`: the same sweep on a slower adapter).
    pub fn override_settings(
        &mut self,
        trials: Option<NonZeroU32>,
        trial_s: Option<f64>,
    ) -> Result<(), String> {
        if let Some(s) = trial_s {
            if !(s.is_finite() && s > 0.0 && s <= MAX_TIMEOUT_S) {
                return Err(format!(
                    "--trial-s must be more than 0 and at most a week, not {s}"
                ));
            }
            self.overrides.push(format!("trial_s = {s}"));
        }
        if let Some(t) = trials {
            if t.get() > MAX_TRIALS {
                return Err(format!("--trials must be at most {MAX_TRIALS}"));
            }
            self.overrides.push(format!("trials = {t}"));
        }
        for point in &mut self.points {
            if let Some(t) = trials {
                // Exactly `t` trials: a quick run on a slow adapter.
                point.settings.trials = t;
                point.settings.max_trials = t;
            }
            point.settings.trial_s = trial_s.or(point.settings.trial_s);
        }
        Ok(())
    }

    pub fn load(path: &Path) -> Result<Self, PlanError> {
        let text = std::fs::read_to_string(path).map_err(|reason| PlanError::Read {
            path: path.to_path_buf(),
            reason,
        })?;
        Self::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Self, PlanError> {
        let invalid = |message: String| PlanError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let file: ExperimentFile =
            toml::from_str(text).map_err(|e| invalid(e.to_string().trim_end().to_string()))?;
        let base = match &file.settings {
            Some(s) => {
                check_replaced(s.get_ref()).map_err(|(key, e)| {
                    invalid(format!("line {}: {e}", key_line(text, &s.span(), key)))
                })?;
                let resolved = s.get_ref().over(&Settings::default());
                check_settings(&resolved).map_err(|(key, e)| {
                    invalid(format!("line {}: {e}", key_line(text, &s.span(), key)))
                })?;
                resolved
            }
            None => Settings::default(),
        };
        let sweeps_line = line_of(text, file.sweep.span().start);
        let sweeps = file.sweep.into_inner();
        if sweeps.is_empty() {
            return Err(invalid(format!("line {sweeps_line}: no [[sweep]] to run")));
        }
        let mut per_sweep: Vec<Vec<PointSpec>> = Vec::new();
        for (index, spanned) in sweeps.into_iter().enumerate() {
            let span = spanned.span();
            let sweep = spanned.into_inner();
            let at = |key: &str| key_line(text, &span, key);
            let err = |key: &str, message: String| invalid(format!("line {}: {message}", at(key)));
            let info = sweep.strategy.info();
            let origin = Origin {
                sweep: index + 1,
                line: line_of(text, span.start),
                n_line: at("n"),
                dims_line: sweep.dims.as_ref().map(|_| at("dims")),
                batch_line: sweep.batch.map(|_| at("batch")),
                max_batch_line: sweep.max_batch.map(|_| at("max_batch")),
            };
            let workload = Workload::new(sweep.workload, sweep.dims.as_deref()).map_err(|e| {
                err(
                    if sweep.dims.is_some() {
                        "dims"
                    } else {
                        "workload"
                    },
                    e,
                )
            })?;
            let worker_batch = match sweep.batch {
                None => info.takes_worker_batch.then_some(1),
                Some(b) if !info.takes_worker_batch => {
                    return Err(err(
                        "batch",
                        format!(
                            "batch (samples per op of each worker) is for hybrid and gpus; {} sets its shape from n (got batch = {b})",
                            sweep.strategy
                        ),
                    ));
                }
                Some(b) if b == 0 || b > MAX_BATCH => {
                    return Err(err(
                        "batch",
                        format!("batch must be 1 to {MAX_BATCH}, not {b}"),
                    ));
                }
                Some(b) => Some(b),
            };
            let server = match (sweep.strategy, sweep.max_batch, sweep.max_delay_us) {
                (StrategyKind::Server, b, d) => {
                    let b = b.unwrap_or(16);
                    if b == 0 || b > 4096 {
                        return Err(err(
                            "max_batch",
                            format!("max_batch must be 1 to 4096, not {b}"),
                        ));
                    }
                    let d = d.unwrap_or(200);
                    if d > MAX_DELAY_US {
                        return Err(err(
                            "max_delay_us",
                            format!(
                                "max_delay_us must be at most {MAX_DELAY_US} (a minute), not {d}"
                            ),
                        ));
                    }
                    Some((b, d))
                }
                (_, None, None) => None,
                (other, b, _) => {
                    return Err(err(
                        if b.is_some() {
                            "max_batch"
                        } else {
                            "max_delay_us"
                        },
                        format!(
                            "max_batch and max_delay_us are for strategy = \"server\"; {other} does not batch requests"
                        ),
                    ));
                }
            };
            check_replaced(&sweep.settings()).map_err(|(key, e)| err(key, e))?;
            let settings = sweep.settings().over(&base);
            check_settings(&settings).map_err(|(key, e)| err(key, e))?;
            if let Some(rate) = sweep.arrival_rate_per_s {
                if !info.answers_requests {
                    return Err(err(
                        "arrival_rate_per_s",
                        format!(
                            "arrival_rate_per_s (open-loop clients) is for queue and server; {} has no clients",
                            sweep.strategy
                        ),
                    ));
                }
                if !(rate.is_finite() && (1e-3..=1e7).contains(&rate)) {
                    return Err(err(
                        "arrival_rate_per_s",
                        format!(
                            "arrival_rate_per_s must be between 0.001 and 10,000,000, not {rate}"
                        ),
                    ));
                }
                let trial_s = settings.ops as f64 / rate;
                if trial_s * f64::from(settings.trials.get()) > settings.timeout_s {
                    return Err(err(
                        "arrival_rate_per_s",
                        format!(
                            "{} requests per client at {rate}/s take {trial_s:.0} s a trial, {:.0} s for {} trials: more than timeout_s ({}); raise the rate or the timeout, or lower ops",
                            settings.ops,
                            trial_s * f64::from(settings.trials.get()),
                            settings.trials,
                            settings.timeout_s
                        ),
                    ));
                }
            }
            if sweep.wait == Some(WaitStyle::Auto) {
                return Err(err(
                    "wait",
                    "wait = \"auto\" is what a framework peer records when it leaves CUDA's schedule at its default; curves waits block, spin or callback".into(),
                ));
            }
            let sync = sweep.sync.unwrap_or(SyncMode::Readback);
            if info.answers_requests && sync == SyncMode::End {
                return Err(err(
                    "sync",
                    format!(
                        "{} answers each request once it is done, so sync = \"end\" (no waiting until the trial ends) does not make sense for it; use readback, wait, device or pipeline:D (at most D batches in flight)",
                        sweep.strategy
                    ),
                ));
            }
            if settings.encode_ahead {
                let key = if sweep.encode_ahead.is_some() {
                    "encode_ahead"
                } else {
                    "sync"
                };
                if !settings.pool {
                    return Err(err(
                        key,
                        "encode_ahead records each op before it runs, and without the pool (pool = false) an op's buffers are allocated when it is recorded, so the last op recorded ahead (never run) would take the place of its slot's output; use encode_ahead with the pool".into(),
                    ));
                }
                // A GPU owner waits for every batch it answers, pipelined
                // or not.
                if !info.answers_requests && !sync.waits_per_op() {
                    return Err(err(
                        key,
                        format!(
                            "encode_ahead records the next op while the host waits for this one, so it needs a sync mode that waits after every op (readback, wait, device), not {sync}: under pipeline and end encoding already overlaps the GPU"
                        ),
                    ));
                }
            }
            if settings.upload_inputs {
                let key = if sweep.upload_inputs.is_some() {
                    "upload_inputs"
                } else {
                    "strategy"
                };
                if !matches!(
                    sweep.strategy,
                    StrategyKind::Threads | StrategyKind::Batch | StrategyKind::Hybrid
                ) {
                    return Err(err(
                        key,
                        format!(
                            "upload_inputs is for workers that run their own ops in this process (threads, batch, hybrid), not {}: a queue or server owner writes its requests' rows anyway",
                            sweep.strategy
                        ),
                    ));
                }
                if !settings.pool {
                    return Err(err(
                        key,
                        "upload_inputs writes each op's input into the pool's buffers; without the pool (pool = false) every op's input is uploaded afresh already".into(),
                    ));
                }
                if sync == SyncMode::End || sync.depth() >= SLOTS {
                    return Err(err(
                        key,
                        format!(
                            "upload_inputs rewrites an op's input only once the op before it in its slot is done, so it needs at most {} ops in flight (readback, wait, device, pipeline:2 or pipeline:{}), not {sync}",
                            SLOTS - 1,
                            SLOTS - 1
                        ),
                    ));
                }
            }
            if sweep.strategy != StrategyKind::Gpus
                && (sweep.launch.is_some() || sweep.adapters.is_some())
            {
                return Err(err(
                    if sweep.launch.is_some() {
                        "launch"
                    } else {
                        "adapters"
                    },
                    format!(
                        "launch and adapters are for strategy = \"gpus\"; {} runs on the run's adapter",
                        sweep.strategy
                    ),
                ));
            }
            if let Some(AdapterSpec::Indices(list)) = &sweep.adapters {
                if list.is_empty() {
                    return Err(err("adapters", "adapters is empty; list adapter indices from `curves adapters`, or \"all\"".into()));
                }
                for (i, a) in list.iter().enumerate() {
                    if list[..i].contains(a) {
                        return Err(err(
                            "adapters",
                            format!(
                                "adapter {a} is listed twice: a multi-GPU point needs each GPU once"
                            ),
                        ));
                    }
                }
            }
            if sweep.n.is_empty() {
                return Err(err(
                    "n",
                    "n is empty; list at least one N, such as n = [1, 2, 4]".into(),
                ));
            }
            let launch = sweep.launch.unwrap_or_default();
            let mut points = Vec::new();
            for (i, &n) in sweep.n.iter().enumerate() {
                if n == 0 {
                    return Err(err(
                        "n",
                        "n must be nonzero: N counts workers, clients or samples".into(),
                    ));
                }
                if sweep.n[..i].contains(&n) {
                    return Err(err("n", format!("N = {n} is listed twice")));
                }
                let shape = Layout::of(sweep.strategy, n, worker_batch, launch);
                let limit = |what: &str, value: u32, max: u32| {
                    (value > max)
                        .then(|| err("n", format!("N = {n} needs {value} {what}; at most {max}")))
                };
                if let Some(e) = limit("threads", shape.threads, MAX_THREADS)
                    .or_else(|| limit("processes", shape.processes, MAX_PROCESSES))
                    .or_else(|| limit("samples per op", shape.batch, MAX_BATCH))
                {
                    return Err(e);
                }
                points.push(PointSpec {
                    workload: workload.clone(),
                    strategy: sweep.strategy,
                    n,
                    worker_batch,
                    label: sweep.label.clone(),
                    group: sweep.group.clone(),
                    server,
                    arrival_rate_per_s: sweep.arrival_rate_per_s,
                    sync,
                    wait: sweep.wait.unwrap_or_default(),
                    precision: sweep.precision.unwrap_or_default(),
                    launch,
                    adapters: sweep.adapters.clone(),
                    settings: settings.clone(),
                    origin: origin.clone(),
                });
            }
            per_sweep.push(points);
        }
        // The same point twice would share a curve with itself.
        let all: Vec<&PointSpec> = per_sweep.iter().flatten().collect();
        for (i, a) in all.iter().enumerate() {
            if let Some(b) = all[..i].iter().find(|b| b.key() == a.key()) {
                return Err(invalid(format!(
                    "line {}: {} is already measured by {}; a point is measured once (give one sweep a label to keep both)",
                    a.origin.n_line,
                    a.label(),
                    b.origin.sweep_name()
                )));
            }
        }
        let points = match file.order {
            Order::Sweep => per_sweep.into_iter().flatten().collect(),
            Order::Interleave => {
                let longest = per_sweep.iter().map(Vec::len).max().unwrap_or(0);
                (0..longest)
                    .flat_map(|i| per_sweep.iter().filter_map(move |s| s.get(i).cloned()))
                    .collect()
            }
        };
        let name = file.name.unwrap_or_else(|| {
            path.file_stem()
                .map_or("experiment".into(), |s| s.to_string_lossy().into_owned())
        });
        Ok(Self {
            name,
            description: file.description,
            path: path.to_path_buf(),
            text: text.to_string(),
            points,
            rounds: file.rounds,
            overrides: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests;
