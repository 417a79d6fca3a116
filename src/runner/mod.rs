//! A run's lifecycle: the run directory and its record, the groups of
//! points measured in interleaved rounds ([`rounds`]), each point written
//! to the run's results as soon as it finishes, resuming, and interrupts.
//! How one point is measured is [`point`]'s; when it has been measured
//! enough, [`stopping`]'s; what the machine did meanwhile, [`conditions`]'.
//! Nothing derived is written: the result files hold measurements, and
//! `analysis` computes the rest.
//!
//! A group never runs beside a leftover of an earlier one: a worker that
//! could not be stopped at its deadline makes the runner open a fresh
//! device for the groups after it, and say so in the run. An interrupt
//! (SIGINT, SIGTERM) ends the run within the trial in progress, marks it
//! interrupted and prints the command that resumes it.

pub mod conditions;
mod lock;
mod point;
mod resume;
pub mod rounds;
pub mod stopping;

pub use lock::{LOCK_FILE, WriterLock};
pub use point::{Measuring, measure_point};
pub use resume::resume;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use indicatif::{ProgressBar, ProgressStyle};

use crate::gpu::AdapterSelection;
use crate::plan::{Experiment, PointSpec, Rounds};
use crate::schema::{AdapterSummary, Point, RunInfo, Status, StrategyKind, TimingMethod};
use crate::store;
use crate::strategy::Env;

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
    /// Another process writes the run directory (a usage error).
    #[error("{0}")]
    Busy(String),
    /// A resume that would not finish the run as it was started (a usage error).
    #[error("cannot resume: {0}")]
    Resume(String),
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
    if spec.strategy != StrategyKind::Gpus {
        return Ok(Vec::new());
    }
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
        cpu_governor: None,
        gpu_clock_source: None,
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
    let measured = WriterLock::take(&dir)
        .and_then(|_lock| measure_all(experiment, options, env, &dir, info, Vec::new()));
    if measured.is_err() && !dir.join(store::RUN_FILE).exists() {
        // Nothing was written (a full or read-only disk): no empty run
        // directory is left behind to be mistaken for a run.
        let _ = std::fs::remove_dir_all(&dir);
    }
    measured.map_err(|e| kept(e, &dir))
}

/// A run that stopped on an error (a write that failed mid-run) keeps the
/// points it wrote: the message says how to finish it.
fn kept(e: anyhow::Error, dir: &Path) -> anyhow::Error {
    let said = e.chain().any(|c| {
        matches!(
            c.downcast_ref::<RunError>(),
            Some(RunError::Interrupted { .. } | RunError::Busy(_) | RunError::Resume(_))
        )
    });
    if said || !dir.join(store::RUN_FILE).exists() {
        return e;
    }
    e.context(format!(
        "the run stopped; the points it measured are kept in {}, and once the cause is fixed it finishes with:\n  curves run --resume {}\nbecause",
        dir.display(),
        dir.display()
    ))
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
    let gauges = conditions::Gauges::open(&env.ctx.info);
    info.cpu_governor = conditions::cpu_governor();
    info.gpu_clock_source = gauges.gpu_clock_source();
    store::write_run_info(dir, &info)?;
    let measured: Vec<String> = points.iter().map(point_key).collect();
    let todo: Vec<&PointSpec> = experiment
        .points
        .iter()
        .filter(|p| !measured.contains(&p.key()))
        .collect();
    // Points finish in rounds, out of plan order; the file keeps plan
    // order (a resumed run's points where the plan has them).
    let plan_index = |key: &str| experiment.points.iter().position(|p| p.key() == key);
    let mut placed: Vec<(Option<usize>, Point)> = points
        .drain(..)
        .map(|p| (plan_index(&point_key(&p)), p))
        .collect();
    let groups = rounds::groups(&todo, experiment.rounds);
    eprintln!(
        "Measuring {} of {} on {} ({}, {}) into {}, {}",
        plural(todo.len(), "point"),
        experiment.path.display(),
        env.ctx.info.name,
        env.ctx.info.backend,
        env.ctx.info.device_type,
        dir.display(),
        match experiment.rounds {
            Rounds::Point => "each point's trials back to back".to_string(),
            _ => format!("in interleaved rounds ({})", plural(groups.len(), "group")),
        }
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

    let interleaved = experiment.rounds != Rounds::Point;
    for group in groups {
        if crate::interrupt::requested() {
            break;
        }
        let what = group[0].workload.label();
        let mut prepared = Vec::new();
        for (i, spec) in group.iter().enumerate() {
            bar.set_message(format!(
                "preparing {} of {}: {}",
                i + 1,
                group.len(),
                spec.label()
            ));
            prepared.push(match adapters_for(spec, options) {
                Ok(adapters) => Measuring::start(spec, &env, adapters),
                Err(e) => Measuring::failed(spec, e),
            });
            if crate::interrupt::requested() {
                break;
            }
        }
        let mut left_behind = Vec::new();
        rounds::measure(
            prepared,
            interleaved,
            experiment.points.first().map_or(1, |p| p.settings.seed),
            &gauges,
            |round, left| {
                bar.set_message(format!("{what}: round {round}, {left} points measuring"))
            },
            |m| {
                let spec = m.spec;
                let adapters = m.adapters.clone();
                let (point, behind) = m.finish();
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
                for a in adapters {
                    if !info
                        .adapters
                        .iter()
                        .any(|b| b.index == a.index && b.name == a.name)
                    {
                        info.adapters.push(a);
                        store::write_run_info(dir, &info)?;
                    }
                }
                placed.push((plan_index(&spec.key()), point));
                placed.sort_by_key(|(i, _)| *i);
                let in_order: Vec<&Point> = placed.iter().map(|(_, p)| p).collect();
                store::write_points(dir, &in_order)?;
                if behind {
                    left_behind.push(spec.label());
                }
                bar.inc(1);
                Ok(())
            },
        )?;
        if !left_behind.is_empty() {
            let note = format!(
                "after {}, a worker stuck past its deadline was left on the device; later points run on a fresh device",
                left_behind.join(", ")
            );
            bar.suspend(|| eprintln!("  note: {note}"));
            info.notes.push(note);
            env.reopen()
                .context("opening a fresh device after a worker was left behind")?;
            store::write_run_info(dir, &info)?;
        }
    }
    bar.finish_and_clear();
    if crate::interrupt::requested() {
        info.interrupted = Some("a signal (SIGINT or SIGTERM)".into());
        store::write_run_info(dir, &info)?;
        return Err(RunError::Interrupted {
            measured: placed.len(),
            total: experiment.points.len(),
            dir: dir.display().to_string(),
        }
        .into());
    }
    info.finished_at = Some(Utc::now());
    store::write_run_info(dir, &info)?;
    Ok(dir.to_path_buf())
}

/// "1 point", "3 points".
fn plural(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
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
