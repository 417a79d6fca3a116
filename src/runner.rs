//! Runs an experiment's plan: each point is prepared (untimed), warmed
//! up, measured over its trials and checked, then written to the run's
//! results before the next one starts. Nothing derived is written: the
//! result files hold measurements, and `analysis` computes the rest.
//!
//! A point never runs beside a leftover of an earlier one: a worker that
//! could not be stopped at its deadline makes the runner open a fresh
//! device for the points after it, and say so in the run. An interrupt
//! (SIGINT, SIGTERM) ends the run after the point in progress, marks it
//! interrupted and prints the command that resumes it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use indicatif::{ProgressBar, ProgressStyle};

use crate::gpu::AdapterSelection;
use crate::measure::record::TrialRecord;
use crate::measure::stop::{Stop, deadline_after};
use crate::measure::summary::summarize;
use crate::plan::{Experiment, PointSpec};
use crate::schema::{
    AdapterSummary, Point, Preparation, RunInfo, Status, StrategyKind, TimingMethod,
};
use crate::store::{self, Run};
use crate::strategy::{self, Env, Workers};

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The experiment cannot run on this adapter (a usage error).
    #[error("{0}")]
    DoesNotFit(String),
    #[error(
        "interrupted after {measured} of {total} points; resume with:\n  curves run --resume {dir}"
    )]
    Interrupted {
        measured: usize,
        total: usize,
        dir: String,
    },
}

pub struct RunOptions {
    pub selection: AdapterSelection,
    /// Where run directories are created (`results/` by default).
    pub results_dir: PathBuf,
    /// Draw a progress bar on stderr (it hides itself when stderr is not a terminal).
    pub progress: bool,
    /// The adapters multi-GPU points may use (`--adapters`); default: all.
    pub adapters: Option<String>,
}

/// The adapters a `gpus` point spreads over: its sweep's `adapters`, else
/// `--adapters`, else every native adapter.
fn adapters_for(spec: &PointSpec, options: &RunOptions) -> Result<Vec<AdapterSummary>, String> {
    let wanted = spec
        .adapters
        .as_ref()
        .map(|a| a.to_arg())
        .or_else(|| options.adapters.clone())
        .unwrap_or_else(|| "all".into());
    crate::gpu::select_set(&wanted, options.selection.backends).map_err(|e| e.to_string())
}

/// Creates a run directory under `results_dir` for `experiment` on the
/// adapter `adapter`, with the run's record (not yet written).
pub fn new_run(
    results_dir: &Path,
    experiment: &Experiment,
    adapter: &AdapterSummary,
) -> anyhow::Result<(PathBuf, RunInfo)> {
    let started_at = Utc::now();
    let run_id = format!(
        "{}-{}-{}-{}",
        started_at.format("%Y%m%d-%H%M%S"),
        store::slug(&experiment.name),
        store::slug(&adapter.name),
        adapter.backend
    );
    let dir = store::unique_dir(results_dir, &run_id)?;
    let info = RunInfo {
        run_id: dir
            .file_name()
            .map_or(run_id, |n| n.to_string_lossy().into_owned()),
        experiment_name: experiment.name.clone(),
        experiment_path: experiment.path.display().to_string(),
        experiment_text: experiment.text.clone(),
        overrides: experiment.overrides.clone(),
        adapter: adapter.clone(),
        adapters: Vec::new(),
        os: os_description(),
        arch: std::env::consts::ARCH.into(),
        cpu_count: std::thread::available_parallelism().map_or(1, |n| n.get()),
        crate_version: env!("CARGO_PKG_VERSION").into(),
        git_revision: env!("CURVES_GIT_REVISION").into(),
        timing_method: if adapter.timestamp_query {
            TimingMethod::GpuTimestamps
        } else {
            TimingMethod::WallClock
        },
        started_at,
        finished_at: None,
        interrupted: None,
        notes: Vec::new(),
    };
    Ok((dir, info))
}

/// Measures every point of `experiment` and returns the run directory.
pub fn run(experiment: &Experiment, options: &RunOptions) -> anyhow::Result<PathBuf> {
    let env = Env::open(&options.selection)?;
    check_fits(experiment, &env)?;
    check_adapter_sets(experiment, options)?;
    let (dir, info) = new_run(&options.results_dir, experiment, &env.ctx.info)?;
    measure_all(experiment, options, env, &dir, info, Vec::new())
}

/// Finishes the run in `dir`: measures the points of its experiment that
/// `points.jsonl` does not hold yet, into the same run.
pub fn resume(dir: &Path, options: &RunOptions) -> anyhow::Result<PathBuf> {
    let run = Run::load(dir)?;
    let mut experiment = Experiment::parse(
        &run.info.experiment_text,
        Path::new(&run.info.experiment_path),
    )
    .map_err(|e| anyhow::anyhow!("the run's experiment no longer parses: {e}"))?;
    let (trials, trial_s) = overrides_of(&run.info.overrides);
    experiment
        .override_settings(trials, trial_s)
        .map_err(anyhow::Error::msg)?;
    let selection = AdapterSelection {
        backends: wgpu::Backends::from_comma_list(&run.info.adapter.backend),
        name: Some(run.info.adapter.name.clone()),
        index: run.info.adapter.index,
    };
    let env = Env::open(&selection)?;
    check_fits(&experiment, &env)?;
    let mut info = run.info;
    info.interrupted = None;
    info.finished_at = None;
    let done = run.points.len();
    info.notes.push(format!(
        "resumed at {} with {done} of {} points measured",
        Utc::now().format("%Y-%m-%d %H:%M:%S UTC"),
        experiment.points.len()
    ));
    let options = RunOptions {
        selection,
        results_dir: options.results_dir.clone(),
        progress: options.progress,
        adapters: options.adapters.clone(),
    };
    measure_all(&experiment, &options, env, dir, info, run.points)
}

/// `trials = N` and `trial_s = S` from a run's recorded overrides.
fn overrides_of(overrides: &[String]) -> (Option<std::num::NonZeroU32>, Option<f64>) {
    let value = |key: &str| {
        overrides.iter().find_map(|o| {
            o.strip_prefix(key)?
                .trim_start()
                .strip_prefix('=')
                .map(str::trim)
        })
    };
    (
        value("trials").and_then(|v| v.parse().ok()),
        value("trial_s").and_then(|v| v.parse().ok()),
    )
}

/// The adapter sets of the `gpus` points, resolved before anything runs:
/// a set naming one GPU twice, or nothing, is a usage error.
fn check_adapter_sets(experiment: &Experiment, options: &RunOptions) -> anyhow::Result<()> {
    for spec in experiment
        .points
        .iter()
        .filter(|p| p.strategy == StrategyKind::Gpus)
    {
        adapters_for(spec, options)
            .map_err(|e| RunError::DoesNotFit(format!("{}: {e}", spec.origin.sweep_name())))?;
    }
    Ok(())
}

fn check_fits(experiment: &Experiment, env: &Env) -> anyhow::Result<()> {
    let limits = crate::plan::limits::DeviceLimits::of(&env.ctx.limits);
    crate::plan::limits::check(experiment, &limits).map_err(|e| {
        RunError::DoesNotFit(format!(
            "{e}\n(adapter: {}; `curves adapters` lists the others)",
            env.ctx.info.label()
        ))
        .into()
    })
}

/// The identity of a measured point, as [`PointSpec::key`] writes it.
fn point_key(p: &Point) -> String {
    let mut config = p.config.clone();
    config.adapters.clear();
    format!("{config:?} n={}", p.n)
}

fn measure_all(
    experiment: &Experiment,
    options: &RunOptions,
    mut env: Env,
    dir: &Path,
    mut info: RunInfo,
    mut points: Vec<Point>,
) -> anyhow::Result<PathBuf> {
    crate::interrupt::install();
    store::write_run_info(dir, &info)?;
    let measured: Vec<String> = points.iter().map(point_key).collect();
    let todo: Vec<&PointSpec> = experiment
        .points
        .iter()
        .filter(|p| !measured.contains(&p.key()))
        .collect();
    eprintln!(
        "Measuring {} points of {} on {} ({}, {}) into {}",
        todo.len(),
        experiment.path.display(),
        env.ctx.info.name,
        env.ctx.info.backend,
        env.ctx.info.device_type,
        dir.display()
    );
    let bar = if options.progress {
        ProgressBar::new(todo.len() as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:30.cyan/blue} {pos}/{len} points  {elapsed_precise}  {wide_msg}",
        )
        .expect("valid template")
        .progress_chars("█▉ "),
    );
    bar.enable_steady_tick(Duration::from_millis(250));

    for spec in todo {
        if crate::interrupt::requested() {
            break;
        }
        bar.set_message(spec.label());
        let adapters = if spec.strategy == StrategyKind::Gpus {
            match adapters_for(spec, options) {
                Ok(a) => a,
                Err(e) => {
                    let point = failed_point(spec, &[], e);
                    points.push(point);
                    store::write_points(dir, &points)?;
                    bar.inc(1);
                    continue;
                }
            }
        } else {
            Vec::new()
        };
        let (point, left_behind) = measure_point(spec, &env, &adapters);
        if crate::interrupt::requested() {
            // Cut short by the interrupt: not a measurement; resume redoes it.
            break;
        }
        if point.measured.status != Status::Ok {
            // suspend() prints even when the bar is hidden (--quiet, no terminal).
            bar.suspend(|| {
                eprintln!(
                    "  {}: {}: {}",
                    point.measured.status.name(),
                    spec.label(),
                    point.measured.error.as_deref().unwrap_or("")
                )
            });
        }
        for a in &adapters {
            if !info
                .adapters
                .iter()
                .any(|b| b.index == a.index && b.name == a.name)
            {
                info.adapters.push(a.clone());
                store::write_run_info(dir, &info)?;
            }
        }
        points.push(point);
        store::write_points(dir, &points)?;
        if left_behind {
            let note = format!(
                "after {}, a worker stuck past its deadline was left on the device; later points run on a fresh device",
                spec.label()
            );
            bar.suspend(|| eprintln!("  note: {note}"));
            info.notes.push(note);
            env.reopen()
                .context("opening a fresh device after a worker was left behind")?;
            store::write_run_info(dir, &info)?;
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    if crate::interrupt::requested() {
        info.interrupted = Some("a signal (SIGINT or SIGTERM)".into());
        store::write_run_info(dir, &info)?;
        return Err(RunError::Interrupted {
            measured: points.len(),
            total: experiment.points.len(),
            dir: dir.display().to_string(),
        }
        .into());
    }
    info.finished_at = Some(Utc::now());
    store::write_run_info(dir, &info)?;
    Ok(dir.to_path_buf())
}

/// A point that could not start (no adapters to spread over, say).
fn failed_point(spec: &PointSpec, adapters: &[AdapterSummary], error: String) -> Point {
    let mut point = empty_point(spec, adapters);
    point.measured.status = Status::Failed;
    point.measured.error = Some(error);
    point
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

/// samples/s of one trial's records (all workers), if it completed.
fn trial_rate(records: &[crate::measure::record::TrialRecord], batch: u32) -> Option<f64> {
    let start = records.iter().map(|r| r.start_unix_ns).min()?;
    let end = records.iter().map(|r| r.end_unix_ns).max()?;
    let ops: u64 = records.iter().map(|r| r.ops_completed).sum();
    (end > start && records.iter().all(|r| r.error.is_none()))
        .then(|| ops as f64 * f64::from(batch) / ((end - start) as f64 / 1e9))
}

/// Whether the trials so far are within `target` ((max − min) / median).
fn steady(rates: &[f64], target: f64) -> bool {
    crate::stats::spread(rates)
        .is_some_and(|s| s.median > 0.0 && (s.max - s.min) / s.median <= target)
}

/// Prepares, runs and checks one point. Never fails: what went wrong is
/// recorded in the point. Also says whether a worker was left behind.
pub fn measure_point(spec: &PointSpec, env: &Env, adapters: &[AdapterSummary]) -> (Point, bool) {
    let started = Instant::now();
    let stop = Stop::new(deadline_after(spec.settings.timeout_s));
    let mut point = empty_point(spec, adapters);
    let mut left_behind = false;
    if let Some(reason) = unsupported_reason(spec, env, adapters) {
        point.measured.status = Status::Unsupported;
        point.measured.error = Some(reason);
        point.wall_s = started.elapsed().as_secs_f64();
        return (point, false);
    }
    match strategy::prepare(spec, env, adapters, &stop) {
        Ok(mut workers) => {
            left_behind = measure_with(spec, workers.as_mut(), &mut point);
        }
        Err(e) => fill(&mut point, spec, &[], spec.settings.ops, Some(e)),
    }
    point.wall_s = started.elapsed().as_secs_f64();
    (point, left_behind)
}

/// Runs `spec`'s trials on prepared `workers` into `point`: the ops per
/// trial fitted to `trial_s` where asked, at least `trials` trials and up
/// to `max_trials` while their spread is over `target_spread`, stopping at
/// the first error. Returns whether a worker was left behind. The runner's
/// loop, apart from how workers are started, so that it runs on fakes.
pub fn measure_with(spec: &PointSpec, workers: &mut dyn Workers, point: &mut Point) -> bool {
    let shape = spec.layout();
    let mut ops = spec.settings.ops;
    let (min_trials, max_trials) = (spec.settings.trials.get(), spec.settings.max_trials.get());
    let mut records = Vec::new();
    let mut error = None;
    point.prepared = Preparation {
        kernels: workers.kernels(),
        setup_s: workers.setup(),
        owner_cores: workers.owner_cores(),
        upload: workers.upload(),
    };
    if let Some(trial_s) = spec.settings.trial_s {
        match ops_for_trial_s(workers, trial_s, ops) {
            Ok(fitted) => ops = fitted,
            Err(e) => error = Some(e),
        }
    }
    let mut rates = Vec::new();
    while error.is_none() && (records.len() as u32) < max_trials {
        match workers.run_trial(ops, spec.settings.checks.min(ops)) {
            Ok(trial) => {
                let stopped = trial.iter().any(|r| r.error.is_some());
                rates.extend(trial_rate(&trial, shape.batch));
                records.push(trial);
                if stopped {
                    break;
                }
            }
            Err(e) => error = Some(e),
        }
        if records.len() as u32 >= min_trials && steady(&rates, spec.settings.target_spread) {
            break;
        }
    }
    fill(point, spec, &records, ops, error);
    workers.left_behind()
}

/// The point's figures from its trials' records.
fn fill(
    point: &mut Point,
    spec: &PointSpec,
    records: &[Vec<TrialRecord>],
    ops: u64,
    error: Option<String>,
) {
    let layout = spec.layout();
    let trials = (records.len() as u32).max(spec.settings.trials.get());
    let ops_expected = u64::from(trials)
        .saturating_mul(u64::from(layout.workers()))
        .saturating_mul(ops);
    point.measured = summarize(records, layout.batch, ops, ops_expected, error);
}

/// Ops per worker for trials of about `trial_s` seconds, between 1 and
/// `ops`, from the time of one untimed op per worker.
fn ops_for_trial_s(workers: &mut dyn Workers, trial_s: f64, ops: u64) -> Result<u64, String> {
    let started = Instant::now();
    let records = workers.run_trial(1, 0)?;
    if let Some(e) = records.iter().find_map(|r| r.error.as_ref()) {
        return Err(format!("timing one op for trial_s failed: {e}"));
    }
    let op_s = started.elapsed().as_secs_f64().max(1e-9);
    Ok(((trial_s / op_s) as u64).clamp(1, ops))
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

fn os_description() -> String {
    let pretty = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_string())
        });
    match pretty {
        Some(p) => format!("{} ({})", std::env::consts::OS, p),
        None => std::env::consts::OS.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_overrides_are_read_back_for_a_resume() {
        let (t, s) = overrides_of(&["trial_s = 0.3".into(), "trials = 4".into()]);
        assert_eq!(t.map(|t| t.get()), Some(4));
        assert_eq!(s, Some(0.3));
        assert_eq!(overrides_of(&[]), (None, None));
    }

    /// Workers that run nothing: each trial is a record per worker at the
    /// next of `rates` (samples/s), or an error; the runner's loop and the
    /// summaries are tested through the real `Workers` trait.
    struct FakeWorkers {
        workers: u32,
        batch: u32,
        rates: Vec<f64>,
        fail_at: Option<usize>,
        trials: Vec<(u64, u64)>,
    }

    impl Workers for FakeWorkers {
        fn setup(&self) -> crate::schema::SetupTimes {
            crate::schema::SetupTimes {
                prepare_s: 0.5,
                ..Default::default()
            }
        }

        fn run_trial(&mut self, ops: u64, checks: u64) -> Result<Vec<TrialRecord>, String> {
            let i = self.trials.len();
            self.trials.push((ops, checks));
            if self.fail_at == Some(i) {
                return Err("worker 1: device lost".into());
            }
            let rate = self.rates[i.min(self.rates.len() - 1)];
            let span_ns = (ops as f64 * f64::from(self.workers * self.batch) / rate * 1e9) as u64;
            Ok((0..self.workers)
                .map(|_| TrialRecord {
                    start_unix_ns: 1_000,
                    end_unix_ns: 1_000 + span_ns,
                    ops_completed: ops,
                    latencies_ns: vec![span_ns / ops.max(1); ops as usize],
                    ops_checked: checks,
                    ..Default::default()
                })
                .collect())
        }

        fn kernels(&self) -> Vec<String> {
            vec!["fake".into()]
        }
    }

    fn spec(text: &str) -> PointSpec {
        let e = Experiment::parse(text, std::path::Path::new("fake.toml")).unwrap();
        e.points[0].clone()
    }

    fn fake(workers: u32, batch: u32, rates: &[f64]) -> FakeWorkers {
        FakeWorkers {
            workers,
            batch,
            rates: rates.to_vec(),
            fail_at: None,
            trials: Vec::new(),
        }
    }

    #[test]
    fn noisy_trials_run_until_the_cap_and_steady_ones_stop_at_the_minimum() {
        let s = spec(
            "[settings]\ntrials = 3\nmax_trials = 6\nops = 10\nchecks = 4\n[[sweep]]\nworkload = \"linear\"\nstrategy = \"threads\"\nn = [2]\n",
        );
        let mut point = empty_point(&s, &[]);
        let mut w = fake(2, 1, &[100.0, 140.0, 90.0, 130.0, 95.0, 120.0, 999.0]);
        measure_with(&s, &mut w, &mut point);
        assert_eq!(w.trials.len(), 6, "spread over 10%: up to max_trials");
        assert_eq!(
            (
                point.measured.trials,
                point.measured.ops_expected,
                point.measured.ops_completed
            ),
            (6, 6 * 2 * 10, 120)
        );
        assert_eq!(point.measured.status, Status::Ok);
        assert_eq!(point.measured.samples_per_s_trials.len(), 6);
        assert_eq!(point.prepared.setup_s.prepare_s, 0.5);

        let mut point = empty_point(&s, &[]);
        let mut w = fake(2, 1, &[100.0, 101.0, 100.5, 500.0]);
        measure_with(&s, &mut w, &mut point);
        assert_eq!(
            w.trials.len(),
            3,
            "steady after the minimum: no more trials"
        );
        assert_eq!(w.trials[0], (10, 4), "checks as the file says");
        let sps = point.measured.samples_per_s.unwrap();
        assert!((sps - 100.5).abs() < 0.5, "{sps}");
    }

    #[test]
    fn a_failing_trial_fails_the_point_and_keeps_what_was_measured() {
        let s = spec(
            "[settings]\ntrials = 3\nops = 5\n[[sweep]]\nworkload = \"linear\"\nstrategy = \"batch\"\nn = [4]\n",
        );
        let mut point = empty_point(&s, &[]);
        let mut w = fake(1, 4, &[1000.0]);
        w.fail_at = Some(1);
        measure_with(&s, &mut w, &mut point);
        assert_eq!(point.measured.status, Status::Failed);
        assert_eq!(
            point.measured.error.as_deref(),
            Some("worker 1: device lost")
        );
        assert_eq!(
            (
                point.measured.trials,
                point.measured.ops_completed,
                point.measured.ops_expected
            ),
            (1, 5, 15)
        );
        assert!(
            point.measured.samples_per_s.is_some(),
            "the completed trial's figure is kept"
        );
    }

    #[test]
    fn trial_s_fits_the_ops_from_one_timed_op() {
        let s = spec(
            "[settings]\ntrials = 2\nops = 1000000\ntrial_s = 0.5\n[[sweep]]\nworkload = \"linear\"\nstrategy = \"threads\"\nn = [1]\n",
        );
        let mut point = empty_point(&s, &[]);
        let mut w = fake(1, 1, &[1e6]);
        measure_with(&s, &mut w, &mut point);
        assert_eq!(w.trials[0], (1, 0), "one untimed op first");
        assert!(point.measured.ops_per_worker >= 1 && point.measured.ops_per_worker <= 1_000_000);
        assert_eq!(w.trials.len(), 3);
        assert!(
            w.trials[1..]
                .iter()
                .all(|&(ops, _)| ops == point.measured.ops_per_worker)
        );
    }

    #[test]
    fn trials_stop_once_their_spread_is_under_the_target() {
        assert!(steady(&[100.0, 104.0, 101.0], 0.1));
        assert!(!steady(&[100.0, 130.0, 101.0], 0.1));
        assert!(!steady(&[], 0.1));
    }
}
