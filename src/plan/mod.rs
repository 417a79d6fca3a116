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

mod file;
pub mod limits;
mod rules;

use file::{ExperimentFile, SweepFile, key_line, line_of};
use rules::Refusal;

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::schema::{Launch, Layout, PointConfig, Precision, StrategyKind, SyncMode, WaitStyle};
use crate::workload::Workload;

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

/// Largest experiment file read: its text is copied into every run.json.
pub const MAX_FILE: u64 = 1 << 20;

/// A parser's message kept short and printable: each line of the file it
/// quotes cut at 160 characters, at most 12 lines.
fn short(message: &str) -> String {
    let lines: Vec<String> = message
        .trim_end()
        .lines()
        .take(12)
        .map(|l| crate::printable::clip(&crate::printable::printable(l), 160))
        .collect();
    lines.join("\n")
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

    /// Reads and parses `path`, refusing a file over [`MAX_FILE`] (or one
    /// that never ends, like /dev/zero) before reading it all.
    pub fn load(path: &Path) -> Result<Self, PlanError> {
        use std::io::Read;
        let read = |reason| PlanError::Read {
            path: path.to_path_buf(),
            reason,
        };
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_FILE + 1).read_to_end(&mut bytes))
            .map_err(read)?;
        if bytes.len() as u64 > MAX_FILE {
            return Err(PlanError::Invalid {
                path: path.to_path_buf(),
                message: format!(
                    "over {} KiB: an experiment file is a few sweeps (the largest shipped is under 10 KiB)",
                    MAX_FILE >> 10
                ),
            });
        }
        let text = String::from_utf8(bytes).map_err(|_| PlanError::Invalid {
            path: path.to_path_buf(),
            message: "not UTF-8 text".into(),
        })?;
        Self::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Self, PlanError> {
        let invalid = |message: String| PlanError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let file: ExperimentFile =
            toml::from_str(text).map_err(|e| invalid(short(&e.to_string())))?;
        let base = match &file.settings {
            Some(s) => {
                let at = |(key, e): Refusal| {
                    invalid(format!("line {}: {e}", key_line(text, &s.span(), key)))
                };
                rules::replaced_keys(s.get_ref()).map_err(at)?;
                let resolved = s.get_ref().over(&Settings::default());
                rules::settings(&resolved).map_err(at)?;
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
            let err = |(key, message): Refusal| invalid(format!("line {}: {message}", at(key)));
            let origin = Origin {
                sweep: index + 1,
                line: line_of(text, span.start),
                n_line: at("n"),
                dims_line: sweep.dims.as_ref().map(|_| at("dims")),
                batch_line: sweep.batch.map(|_| at("batch")),
                max_batch_line: sweep.max_batch.map(|_| at("max_batch")),
            };
            per_sweep.push(sweep_points(&sweep, &base, origin).map_err(err)?);
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
        rules::one_line("name", &name).map_err(|(_, message)| invalid(message))?;
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

/// The points of one sweep, every rule applied in turn.
fn sweep_points(
    sweep: &SweepFile,
    base: &Settings,
    origin: Origin,
) -> Result<Vec<PointSpec>, Refusal> {
    let info = sweep.strategy.info();
    let workload = Workload::new(sweep.workload, sweep.dims.as_deref()).map_err(|e| {
        (
            if sweep.dims.is_some() {
                "dims"
            } else {
                "workload"
            },
            e,
        )
    })?;
    rules::label(sweep)?;
    let worker_batch = rules::worker_batch(sweep, info)?;
    let server = rules::batching_limits(sweep, info)?;
    rules::replaced_keys(&sweep.settings())?;
    let settings = sweep.settings().over(base);
    rules::settings(&settings)?;
    rules::arrival_rate(sweep, info, &settings)?;
    let wait = rules::wait_style(sweep)?;
    let sync = rules::sync_mode(sweep, info)?;
    rules::encode_ahead(sweep, info, &settings, sync)?;
    rules::upload_inputs(sweep, info, &settings, sync)?;
    let launch = rules::spread(sweep, info)?;
    Ok(rules::n_values(sweep, worker_batch, launch)?
        .into_iter()
        .map(|(n, _)| PointSpec {
            workload: workload.clone(),
            strategy: sweep.strategy,
            n,
            worker_batch,
            label: sweep.label.clone(),
            group: sweep.group.clone(),
            server,
            arrival_rate_per_s: sweep.arrival_rate_per_s,
            sync,
            wait,
            precision: sweep.precision.unwrap_or_default(),
            launch,
            adapters: sweep.adapters.clone(),
            settings: settings.clone(),
            origin: origin.clone(),
        })
        .collect())
}

#[cfg(test)]
mod tests;
