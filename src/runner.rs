//! Runs an experiment's plan: each point is prepared (untimed), warmed up,
//! measured over its trials and checked, then appended to the run's
//! results before the next one starts.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use indicatif::{ProgressBar, ProgressStyle};

use crate::analysis;
use crate::experiment::{Experiment, PointSpec};
use crate::gpu::AdapterSelection;
use crate::measure::summary::summarize;
use crate::results::{self, Point, RunInfo, Status};
use crate::strategy::{Env, Workers};
use crate::table;
use crate::workload::Precision;

pub struct RunOptions {
    pub selection: AdapterSelection,
    /// Where run directories are created (`results/` by default).
    pub results_dir: PathBuf,
    /// Draw a progress bar on stderr (it hides itself when stderr is not a terminal).
    pub progress: bool,
}

/// Measures every point of `experiment` and returns the run directory.
pub fn run(experiment: &Experiment, options: &RunOptions) -> anyhow::Result<PathBuf> {
    let env = Env::open(&options.selection)?;
    let ctx = &env.ctx;
    let started_at = Utc::now();
    let run_id = format!(
        "{}-{}-{}-{}",
        started_at.format("%Y%m%d-%H%M%S"),
        slug(&experiment.name),
        slug(&ctx.info.name),
        ctx.info.backend
    );
    let dir = unique_dir(&options.results_dir, &run_id)?;
    let mut info = RunInfo {
        run_id: dir
            .file_name()
            .map_or(run_id, |n| n.to_string_lossy().into_owned()),
        experiment_name: experiment.name.clone(),
        experiment_path: experiment.path.display().to_string(),
        experiment_text: experiment.text.clone(),
        overrides: experiment.overrides.clone(),
        adapter: ctx.info.clone(),
        os: os_description(),
        arch: std::env::consts::ARCH.into(),
        cpu_count: std::thread::available_parallelism().map_or(1, |n| n.get()),
        crate_version: env!("CARGO_PKG_VERSION").into(),
        git_revision: env!("CURVES_GIT_REVISION").into(),
        timing_method: if ctx.info.timestamp_query {
            "gpu-timestamps"
        } else {
            "wall-clock"
        }
        .into(),
        started_at,
        finished_at: None,
    };
    results::write_run_info(&dir, &info)?;
    eprintln!(
        "Measuring {} points of {} on {} ({}, {}) into {}",
        experiment.points.len(),
        experiment.path.display(),
        ctx.info.name,
        ctx.info.backend,
        ctx.info.device_type,
        dir.display()
    );

    let bar = if options.progress {
        ProgressBar::new(experiment.points.len() as u64)
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

    let mut points: Vec<Point> = Vec::new();
    for spec in &experiment.points {
        bar.set_message(spec.label());
        let point = measure_point(spec, &env);
        if point.status != Status::Ok {
            // suspend() prints even when the bar is hidden (--quiet, no terminal).
            bar.suspend(|| {
                eprintln!(
                    "  {:?}: {}: {}",
                    point.status,
                    spec.label(),
                    point.error.as_deref().unwrap_or("")
                )
            });
        }
        points.push(point);
        analysis::fill_scaling(&mut points);
        results::write_fits(&dir, &analysis::usl_fits(&points))?;
        results::write_points(&dir, &points)?;
        bar.inc(1);
    }
    bar.finish_and_clear();

    info.finished_at = Some(Utc::now());
    results::write_run_info(&dir, &info)?;
    eprint!("{}", table::scaling_tables(&points));
    Ok(dir)
}

/// Prepares, runs and checks one point. Never fails: what went wrong is
/// recorded in the point.
pub fn measure_point(spec: &PointSpec, env: &Env) -> Point {
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(spec.settings.timeout_s);
    let strategy = spec.strategy.strategy();
    let shape = strategy.shape(spec);
    let (mut ops, trials) = (spec.settings.ops.get(), spec.settings.trials.get());

    let mut records = Vec::new();
    let mut setup = Default::default();
    let mut error = None;
    let unsupported = unsupported_reason(spec, env);
    match unsupported
        .clone()
        .map_or_else(|| strategy.prepare(spec, env, deadline), Err)
    {
        Ok(mut workers) => {
            setup = workers.setup();
            if let Some(trial_s) = spec.settings.trial_s {
                match ops_for_trial_s(workers.as_mut(), trial_s, ops, deadline) {
                    Ok(fitted) => ops = fitted,
                    Err(e) => error = Some(e),
                }
            }
            for _ in 0..trials {
                if error.is_some() {
                    break;
                }
                match workers.run_trial(ops, spec.settings.checks, deadline) {
                    Ok(trial) => {
                        let stop = trial.iter().any(|r| r.error.is_some());
                        records.push(trial);
                        if stop {
                            break;
                        }
                    }
                    Err(e) => {
                        error = Some(e);
                        break;
                    }
                }
            }
        }
        Err(e) => error = Some(e),
    }
    let ops_expected = u64::from(trials) * u64::from(shape.workers()) * ops;
    let mut summary = summarize(&records, shape.batch, ops_expected, error);
    if unsupported.is_some() {
        summary.status = Status::Unsupported;
    }
    Point {
        workload: spec.workload.name().into(),
        dims: spec.workload.dims(),
        strategy: spec.strategy.name().into(),
        n: spec.n,
        batch: shape.batch,
        threads: shape.threads,
        processes: shape.processes,
        sync: spec.sync.to_string(),
        precision: spec.precision.name().into(),
        label: spec.label.clone(),
        max_batch: spec.server.map(|s| s.0),
        max_delay_us: spec.server.map(|s| s.1),
        arrival_rate_per_s: spec.arrival_rate_per_s,
        pool: spec.settings.pool,
        queue_us: summary.queue_us,
        service_us: summary.service_us,
        batch_sizes: summary.batch_sizes,
        trials,
        ops_per_worker: ops,
        samples_per_s: summary.samples_per_s.map(|s| s.median),
        samples_per_s_spread: summary.samples_per_s,
        noisy: summary.samples_per_s.is_some_and(|s| s.is_noisy()),
        samples_per_s_trials: summary.samples_per_s_trials,
        ops_per_s: summary.ops_per_s,
        speedup: None,
        efficiency: None,
        latency_us: summary.latency_us,
        latency_histogram: summary.latency_histogram,
        phases_us: summary.phases_us,
        timing_method: summary.timing_method,
        ops_expected,
        ops_completed: summary.ops_completed,
        ops_checked: summary.ops_checked,
        ops_wrong: summary.ops_wrong,
        max_rel_error: summary.max_rel_error,
        setup_s: setup,
        measured_s: summary.measured_s,
        wall_s: started.elapsed().as_secs_f64(),
        status: summary.status,
        error: summary.error,
    }
}

/// Ops per worker for trials of about `trial_s` seconds, between 1 and
/// `ops`, from the time of one untimed op per worker.
fn ops_for_trial_s(
    workers: &mut dyn Workers,
    trial_s: f64,
    ops: u64,
    deadline: Instant,
) -> Result<u64, String> {
    let started = Instant::now();
    let records = workers.run_trial(1, 0, deadline)?;
    if let Some(e) = records.iter().find_map(|r| r.error.as_ref()) {
        return Err(format!("timing one op for trial_s failed: {e}"));
    }
    let op_s = started.elapsed().as_secs_f64();
    Ok(((trial_s / op_s) as u64).clamp(1, ops))
}

/// Why the adapter cannot run `spec` at all, if it cannot.
fn unsupported_reason(spec: &PointSpec, env: &Env) -> Option<String> {
    (spec.precision == Precision::F16 && !env.ctx.info.shader_f16).then(|| {
        format!(
            "f16 needs the SHADER_F16 feature, which {} ({}) does not have",
            env.ctx.info.name, env.ctx.info.backend
        )
    })
}

/// Lower-case letters, digits and single dashes: safe in any file name.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 32 {
            break;
        }
    }
    out.trim_end_matches('-').to_string()
}

fn unique_dir(parent: &Path, name: &str) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    for i in 1.. {
        let dir = if i == 1 {
            parent.join(name)
        } else {
            parent.join(format!("{name}-{i}"))
        };
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("creating {}", dir.display())),
        }
    }
    unreachable!("some suffix is free")
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
    use super::slug;

    #[test]
    fn slugs_are_file_name_safe() {
        assert_eq!(
            slug("llvmpipe (LLVM 15.0.7, 256 bits)"),
            "llvmpipe-llvm-15-0-7-256-bits"
        );
        assert_eq!(slug("NVIDIA H200"), "nvidia-h200");
        assert_eq!(slug("--a__b--"), "a-b");
    }
}
