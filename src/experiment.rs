//! Experiment files (TOML) and the plan of points they expand to.
//!
//! ```toml
//! name = "quick"
//! [settings]            # optional; every key has a default
//! trials = 3
//! [[sweep]]
//! workload = "linear"   # dims = [256, 128] by default
//! strategy = "threads"  # threads | batch | processes
//! n = [1, 2, 4, 8]
//! sync = "readback"     # optional
//! ```
//!
//! Unknown keys and bad values are errors that name the line.

use std::num::{NonZeroU32, NonZeroU64};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::measure::sync::SyncMode;
use crate::strategy::StrategyKind;
use crate::workload::{Precision, Workload, WorkloadKind};

#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    #[error("cannot read experiment file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// How each point is measured; `[settings]` sets them for the file and a
/// sweep may override any of them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Untimed ops per worker before the first trial.
    pub warmup_ops: u64,
    /// Keep warming up (in rounds of `warmup_ops`) for at least this many
    /// seconds, so clocks and caches settle.
    pub warmup_s: f64,
    /// Timed trials per point; the point reports their median and spread.
    pub trials: NonZeroU32,
    /// Ops per worker per trial.
    pub ops: NonZeroU64,
    /// Ops per worker per trial whose output is compared with the CPU
    /// reference (spread evenly over the trial).
    pub checks: u64,
    /// A point still running after this many seconds (setup included) is
    /// recorded as failed and the run goes on.
    pub timeout_s: f64,
    /// Seed of the random weights and inputs.
    pub seed: u64,
    /// Reuse each worker's buffers and bind groups (a pool, the default);
    /// `false` allocates them for every op, as an eager framework does.
    pub pool: bool,
    /// For slow adapters: fewer ops per trial, so that a trial lasts about
    /// this many seconds (at least 1 op, never more than `ops`), and
    /// warm-up stops after this long (or `warmup_s`, whichever is longer).
    /// The ops each point ran are in its `ops_per_worker`.
    pub trial_s: Option<f64>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            warmup_ops: 10,
            warmup_s: 0.0,
            trials: NonZeroU32::new(3).expect("non-zero"),
            ops: NonZeroU64::new(100).expect("non-zero"),
            checks: 8,
            timeout_s: 300.0,
            seed: 1,
            pool: true,
            trial_s: None,
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExperimentFile {
    name: Option<String>,
    description: Option<String>,
    #[serde(default)]
    order: Order,
    #[serde(default)]
    settings: Settings,
    sweep: toml::Spanned<Vec<SweepFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepFile {
    workload: WorkloadKind,
    dims: Option<toml::Spanned<Vec<u32>>>,
    strategy: StrategyKind,
    n: toml::Spanned<Vec<NonZeroU32>>,
    /// Samples per op of each worker; `hybrid` only.
    batch: Option<toml::Spanned<NonZeroU32>>,
    /// `server` only: most requests coalesced into one dispatch.
    max_batch: Option<toml::Spanned<NonZeroU32>>,
    /// `server` only: longest wait, in µs, after a batch's first request.
    max_delay_us: Option<u64>,
    /// `queue`/`server` only: open loop — each client sends requests at
    /// Poisson-distributed times at this mean rate, without waiting for answers.
    arrival_rate_per_s: Option<f64>,
    /// Names the sweep's points as a step of a sequence (the seeds'
    /// optimisation stack); the report tabulates labelled steps in order.
    label: Option<String>,
    sync: Option<SyncMode>,
    precision: Option<Precision>,
    warmup_ops: Option<u64>,
    warmup_s: Option<f64>,
    trials: Option<NonZeroU32>,
    ops: Option<NonZeroU64>,
    checks: Option<u64>,
    timeout_s: Option<f64>,
    seed: Option<u64>,
    pool: Option<bool>,
    trial_s: Option<f64>,
}

/// One point to measure: everything the runner and the strategy need.
#[derive(Clone, Debug, PartialEq)]
pub struct PointSpec {
    pub workload: Workload,
    pub strategy: StrategyKind,
    pub n: u32,
    /// Samples per op of each worker for `hybrid`; 1 otherwise (`batch`
    /// takes its batch from N).
    pub batch: u32,
    /// The sweep's label, if it has one.
    pub label: Option<String>,
    /// `server`'s batching limits (requests, µs); `None` for other strategies.
    pub server: Option<(u32, u64)>,
    /// Open-loop clients' mean request rate each (requests/s), for `queue`
    /// and `server`; `None` for closed-loop clients.
    pub arrival_rate_per_s: Option<f64>,
    pub sync: SyncMode,
    pub precision: Precision,
    pub settings: Settings,
}

impl PointSpec {
    /// `linear 256→128 · threads N=4 · readback · f32`, for progress and errors.
    pub fn label(&self) -> String {
        let strategy = if self.strategy == StrategyKind::Hybrid {
            format!("hybrid ×{}", self.batch)
        } else {
            self.strategy.name().to_string()
        };
        format!(
            "{} · {} N={} · {} · {}",
            self.workload.label(),
            strategy,
            self.n,
            self.sync,
            self.precision.name()
        )
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
    /// Settings given on the command line over the file's, as
    /// `key = value`; recorded with the run.
    pub overrides: Vec<String>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

impl Experiment {
    /// Sets `trials` and `trial_s` of every point, over the file's values
    /// (`curves run --trials --trial-s`: the same sweep on a slower adapter).
    pub fn override_settings(
        &mut self,
        trials: Option<NonZeroU32>,
        trial_s: Option<f64>,
    ) -> Result<(), String> {
        if let Some(s) = trial_s {
            if !(s.is_finite() && s > 0.0) {
                return Err(format!("--trial-s must be more than 0, not {s}"));
            }
            self.overrides.push(format!("trial_s = {s}"));
        }
        if let Some(t) = trials {
            self.overrides.push(format!("trials = {t}"));
        }
        for point in &mut self.points {
            point.settings.trials = trials.unwrap_or(point.settings.trials);
            point.settings.trial_s = trial_s.or(point.settings.trial_s);
        }
        Ok(())
    }

    pub fn load(path: &Path) -> Result<Self, ExperimentError> {
        let text = std::fs::read_to_string(path).map_err(|source| ExperimentError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Self, ExperimentError> {
        let invalid = |message: String| ExperimentError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let file: ExperimentFile =
            toml::from_str(text).map_err(|e| invalid(e.to_string().trim_end().to_string()))?;
        let settings = file.settings;
        if settings.timeout_s.is_nan() || settings.timeout_s <= 0.0 {
            return Err(invalid("settings.timeout_s must be more than 0".into()));
        }
        let sweeps_line = line_of(text, file.sweep.span().start);
        let sweeps = file.sweep.into_inner();
        if sweeps.is_empty() {
            return Err(invalid(format!("line {sweeps_line}: no [[sweep]] to run")));
        }
        let mut per_sweep: Vec<Vec<PointSpec>> = Vec::new();
        for sweep in sweeps {
            let mut points = Vec::new();
            let n_line = line_of(text, sweep.n.span().start);
            let dims = sweep
                .dims
                .as_ref()
                .map(|d| (line_of(text, d.span().start), d.get_ref().as_slice()));
            let workload = Workload::new(sweep.workload, dims.map(|d| d.1)).map_err(|e| {
                let line = dims.map_or(n_line, |d| d.0);
                invalid(format!("line {line}: {e}"))
            })?;
            let batch = match (&sweep.batch, sweep.strategy) {
                (None, _) => 1,
                (Some(b), StrategyKind::Hybrid) => b.get_ref().get(),
                (Some(b), other) => {
                    return Err(invalid(format!(
                        "line {}: batch is for strategy = \"hybrid\" (threads × batch); {} sets its shape from n",
                        line_of(text, b.span().start),
                        other.name()
                    )));
                }
            };
            let server = match (sweep.strategy, &sweep.max_batch, sweep.max_delay_us) {
                (StrategyKind::Server, b, d) => Some((
                    b.as_ref().map_or(16, |b| b.get_ref().get()),
                    d.unwrap_or(200),
                )),
                (_, None, None) => None,
                (other, _, _) => {
                    return Err(invalid(format!(
                        "line {n_line}: max_batch and max_delay_us are for strategy = \"server\"; {} does not batch requests",
                        other.name()
                    )));
                }
            };
            if let Some(rate) = sweep.arrival_rate_per_s {
                if !matches!(sweep.strategy, StrategyKind::Queue | StrategyKind::Server) {
                    return Err(invalid(format!(
                        "line {n_line}: arrival_rate_per_s (open-loop clients) is for queue and server; {} has no clients",
                        sweep.strategy.name()
                    )));
                }
                if !(rate.is_finite() && rate > 0.0) {
                    return Err(invalid(format!(
                        "line {n_line}: arrival_rate_per_s must be more than 0"
                    )));
                }
            }
            let sync = sweep.sync.unwrap_or(SyncMode::Readback);
            let answers_when_done =
                matches!(sweep.strategy, StrategyKind::Queue | StrategyKind::Server);
            if answers_when_done && sync == SyncMode::End {
                return Err(invalid(format!(
                    "line {n_line}: {} answers each request once it is done, so sync = \"{sync}\" (no waiting until the trial ends) does not make sense for it; use readback, wait, device, spin or pipeline:D (at most D batches in flight)",
                    sweep.strategy.name()
                )));
            }
            let ns = sweep.n.into_inner();
            if ns.is_empty() {
                return Err(invalid(format!(
                    "line {n_line}: n is empty; list at least one N, such as n = [1, 2, 4]"
                )));
            }
            let settings = Settings {
                warmup_ops: sweep.warmup_ops.unwrap_or(settings.warmup_ops),
                warmup_s: sweep.warmup_s.unwrap_or(settings.warmup_s),
                trials: sweep.trials.unwrap_or(settings.trials),
                ops: sweep.ops.unwrap_or(settings.ops),
                checks: sweep.checks.unwrap_or(settings.checks),
                timeout_s: sweep.timeout_s.unwrap_or(settings.timeout_s),
                seed: sweep.seed.unwrap_or(settings.seed),
                pool: sweep.pool.unwrap_or(settings.pool),
                trial_s: sweep.trial_s.or(settings.trial_s),
            };
            if settings.timeout_s.is_nan() || settings.timeout_s <= 0.0 {
                return Err(invalid(format!(
                    "line {n_line}: timeout_s must be more than 0"
                )));
            }
            if settings
                .trial_s
                .is_some_and(|s| !(s.is_finite() && s > 0.0))
            {
                return Err(invalid(format!(
                    "line {n_line}: trial_s must be more than 0"
                )));
            }
            for n in ns {
                points.push(PointSpec {
                    workload: workload.clone(),
                    strategy: sweep.strategy,
                    n: n.get(),
                    batch,
                    label: sweep.label.clone(),
                    server,
                    arrival_rate_per_s: sweep.arrival_rate_per_s,
                    sync,
                    precision: sweep.precision.unwrap_or_default(),
                    settings: settings.clone(),
                });
            }
            per_sweep.push(points);
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
            overrides: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Experiment, String> {
        Experiment::parse(text, Path::new("test.toml")).map_err(|e| e.to_string())
    }

    const GOOD: &str = r#"
name = "t"
[settings]
trials = 2
ops = 5

[[sweep]]
workload = "linear"
strategy = "threads"
n = [1, 2]

[[sweep]]
workload = "linear"
dims = [8, 3]
strategy = "batch"
n = [4]
ops = 7
"#;

    #[test]
    fn sweeps_expand_to_points_in_order_with_overrides() {
        let e = parse(GOOD).unwrap();
        assert_eq!(e.name, "t");
        let summary: Vec<_> = e
            .points
            .iter()
            .map(|p| (p.strategy, p.n, p.settings.ops.get()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (StrategyKind::Threads, 1, 5),
                (StrategyKind::Threads, 2, 5),
                (StrategyKind::Batch, 4, 7)
            ]
        );
        assert_eq!(e.points[2].workload.dims(), vec![8, 3]);
        assert_eq!(e.points[0].settings.trials.get(), 2);
    }

    #[test]
    fn trial_s_comes_from_the_file_or_the_command_line() {
        let mut e = parse(&GOOD.replace("ops = 5\n", "ops = 5\ntrial_s = 0.5\n")).unwrap();
        assert!(e.points.iter().all(|p| p.settings.trial_s == Some(0.5)));
        e.override_settings(NonZeroU32::new(4), Some(2.0)).unwrap();
        assert!(e.points.iter().all(|p| p.settings.trial_s == Some(2.0)));
        assert!(e.points.iter().all(|p| p.settings.trials.get() == 4));
        assert_eq!(e.overrides, vec!["trial_s = 2", "trials = 4"]);
        assert!(e.override_settings(None, Some(0.0)).is_err());
        let bad = parse(&GOOD.replace("ops = 7", "ops = 7\ntrial_s = -1.0")).unwrap_err();
        assert!(bad.contains("line 16") && bad.contains("trial_s"), "{bad}");
    }

    #[test]
    fn interleaving_takes_one_point_of_each_sweep_in_turn() {
        let e = parse(&format!("order = \"interleave\"\n{GOOD}")).unwrap();
        let order: Vec<_> = e.points.iter().map(|p| (p.strategy, p.n)).collect();
        assert_eq!(
            order,
            vec![
                (StrategyKind::Threads, 1),
                (StrategyKind::Batch, 4),
                (StrategyKind::Threads, 2)
            ]
        );
    }

    #[test]
    fn sync_modes_parse_and_bad_ones_name_the_line() {
        let e = parse(&GOOD.replace("n = [4]", "n = [4]\nsync = \"pipeline:8\"")).unwrap();
        assert_eq!(e.points[2].sync, SyncMode::Pipeline(8));
        let e = parse(&GOOD.replace("n = [4]", "n = [4]\nsync = \"pipelined\"")).unwrap_err();
        assert!(e.contains("line 17") && e.contains("pipeline:D"), "{e}");
    }

    #[test]
    fn every_committed_experiment_file_loads() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments");
        let mut count = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let e = Experiment::load(&path).unwrap_or_else(|e| panic!("{e}"));
                assert!(!e.points.is_empty(), "{}", path.display());
                count += 1;
            }
        }
        assert!(count >= 4, "quick, seeds, sync and size at least");
    }

    #[test]
    fn batch_is_only_for_hybrid() {
        let e = parse(&GOOD.replace(
            "strategy = \"batch\"\nn = [4]",
            "strategy = \"hybrid\"\nbatch = 32\nn = [4]",
        ))
        .unwrap();
        assert_eq!((e.points[2].n, e.points[2].batch), (4, 32));
        assert_eq!(e.points[0].batch, 1);
        let e = parse(&GOOD.replace("n = [1, 2]", "n = [1, 2]\nbatch = 8")).unwrap_err();
        assert!(e.contains("line 11") && e.contains("hybrid"), "{e}");
    }

    #[test]
    fn queue_refuses_sync_modes_that_answer_before_the_op_is_done() {
        let e = parse(&GOOD.replace(
            "strategy = \"threads\"\nn = [1, 2]",
            "strategy = \"queue\"\nn = [1, 2]\nsync = \"end\"",
        ))
        .unwrap_err();
        assert!(e.contains("line 10") && e.contains("queue"), "{e}");
        assert!(parse(&GOOD.replace("strategy = \"threads\"", "strategy = \"queue\"")).is_ok());
        // A pipelined owner keeps D batches in flight and answers each.
        assert!(
            parse(&GOOD.replace(
                "strategy = \"threads\"\nn = [1, 2]",
                "strategy = \"server\"\nn = [1, 2]\nsync = \"pipeline:4\"",
            ))
            .is_ok()
        );
    }

    #[test]
    fn batching_limits_are_for_server_only() {
        let e = parse(&GOOD.replace("n = [1, 2]", "n = [1, 2]\nmax_batch = 8")).unwrap_err();
        assert!(e.contains("line 10") && e.contains("server"), "{e}");
        let ok = parse(&GOOD.replace(
            "strategy = \"threads\"\nn = [1, 2]",
            "strategy = \"server\"\nn = [1, 2]\nmax_batch = 8",
        ))
        .unwrap();
        assert_eq!(ok.points[0].server, Some((8, 200)));
        let e = parse(&GOOD.replace(
            "strategy = \"threads\"\nn = [1, 2]",
            "strategy = \"server\"\nn = [1, 2]\nsync = \"end\"",
        ))
        .unwrap_err();
        assert!(e.contains("server answers each request"), "{e}");
    }

    #[test]
    fn arrival_rates_are_for_clients_only() {
        let e = parse(&GOOD.replace("n = [1, 2]", "n = [1, 2]\narrival_rate_per_s = 100.0"))
            .unwrap_err();
        assert!(
            e.contains("line 10") && e.contains("queue and server"),
            "{e}"
        );
        let e = parse(&GOOD.replace(
            "strategy = \"threads\"\nn = [1, 2]",
            "strategy = \"queue\"\nn = [1, 2]\narrival_rate_per_s = 0.0",
        ))
        .unwrap_err();
        assert!(e.contains("more than 0"), "{e}");
    }

    #[test]
    fn a_typo_names_the_line() {
        let e = parse(&GOOD.replace("strategy = \"batch\"", "stratgy = \"batch\"")).unwrap_err();
        assert!(e.contains("line 15"), "{e}");
        assert!(e.contains("stratgy"), "{e}");
    }

    #[test]
    fn an_unknown_strategy_lists_the_known_ones() {
        let e = parse(&GOOD.replace("\"threads\"", "\"thread\"")).unwrap_err();
        assert!(e.contains("line 9") && e.contains("threads"), "{e}");
    }

    #[test]
    fn n_zero_and_empty_n_are_refused_with_their_line() {
        let e = parse(&GOOD.replace("n = [1, 2]", "n = [0, 2]")).unwrap_err();
        assert!(e.contains("line 10") && e.contains("nonzero"), "{e}");
        let e = parse(&GOOD.replace("n = [1, 2]", "n = []")).unwrap_err();
        assert!(e.contains("line 10") && e.contains("empty"), "{e}");
    }

    #[test]
    fn bad_dims_name_their_line() {
        let e = parse(&GOOD.replace("dims = [8, 3]", "dims = [8]")).unwrap_err();
        assert!(e.contains("line 14") && e.contains("[in, out]"), "{e}");
    }

    #[test]
    fn a_file_without_sweeps_is_refused() {
        let e = parse("name = \"x\"\n").unwrap_err();
        assert!(e.contains("sweep"), "{e}");
    }
}
