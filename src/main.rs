//! The `curves` command line: parse, dispatch, print errors. Nothing else.

mod cli;

use std::process::ExitCode;

use clap::Parser;

use cli::args::{Cli, Command};
use cli::commands::{
    compare, default_out, emit, export, list_adapters, load, peak, reproduce, say,
};
use curves::gpu::{AdapterSelection, GpuError};
use curves::plan::{Experiment, PlanError};
use curves::runner::{self, RunError, RunOptions};
use curves::strategy::{Env, processes};
use curves::stress::stress;

/// Exit status of a usage error: bad arguments, an experiment that does
/// not parse or does not fit the adapter.
const EXIT_USAGE: u8 = 2;
/// Exit status when no GPU adapter is found (the Makefile installs lavapipe on it).
const EXIT_NO_ADAPTER: u8 = 3;
/// Exit status of an interrupted run (128 + SIGINT, as shells report it).
const EXIT_INTERRUPTED: u8 = 130;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // Paths and texts in a message may come from files: printable.
            eprintln!("error: {}", curves::printable::printable(&format!("{e:#}")));
            let is = |f: &dyn Fn(&(dyn std::error::Error + 'static)) -> bool| e.chain().any(f);
            let code = if is(&|c| {
                matches!(
                    c.downcast_ref::<GpuError>(),
                    Some(GpuError::NoAdapter { .. })
                )
            }) {
                EXIT_NO_ADAPTER
            } else if is(&|c| {
                matches!(
                    c.downcast_ref::<RunError>(),
                    Some(RunError::Interrupted { .. })
                )
            }) {
                EXIT_INTERRUPTED
            } else if is(&|c| {
                c.downcast_ref::<PlanError>().is_some()
                    || c.downcast_ref::<cli::Usage>().is_some()
                    || c.downcast_ref::<curves::store::NotARun>().is_some()
                    || c.downcast_ref::<curves::store::NotADirectory>().is_some()
                    || matches!(
                        c.downcast_ref::<RunError>(),
                        Some(RunError::DoesNotFit(_) | RunError::Busy(_) | RunError::Resume(_))
                    )
                    || matches!(
                        c.downcast_ref::<GpuError>(),
                        Some(
                            GpuError::BackendNotOnThisOs { .. }
                                | GpuError::BadBackendEnv(_)
                                | GpuError::NoMatch { .. }
                                | GpuError::BadAdapterSet(_)
                        )
                    )
            }) {
                EXIT_USAGE
            } else {
                1
            };
            ExitCode::from(code)
        }
    }
}

/// Exit 1 for a run in which no point measured a figure and some failed
/// or were wrong: a script must not read it as done. A run whose every
/// point the adapter cannot run (f16 without the feature) is its answer,
/// said on stderr, and exits 0.
fn no_figure(dir: &std::path::Path) -> ExitCode {
    use curves::schema::Status;
    let Ok(run) = curves::store::Run::load(dir) else {
        return ExitCode::SUCCESS;
    };
    let count = |s: Status| run.points.iter().filter(|p| p.measured.status == s).count();
    if run.points.is_empty() || count(Status::Ok) > 0 {
        return ExitCode::SUCCESS;
    }
    let points = dir.join(curves::store::POINTS_FILE);
    if count(Status::Unsupported) == run.points.len() {
        eprintln!(
            "note: the adapter cannot run any of the run's {} points (the reasons are in {})",
            run.points.len(),
            points.display()
        );
        return ExitCode::SUCCESS;
    }
    eprintln!(
        "error: none of the run's {} points measured a figure ({} failed, {} wrong, {} unsupported; the reasons are in {})",
        run.points.len(),
        count(Status::Failed),
        count(Status::Wrong),
        count(Status::Unsupported),
        points.display()
    );
    ExitCode::from(1)
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Adapters { backend } => list_adapters(AdapterSelection::new(backend, None)?),
        Command::Run {
            experiment,
            adapter,
            adapters,
            out,
            quiet,
            trials,
            trial_s,
            resume,
        } => {
            let options = RunOptions {
                selection: adapter.selection()?,
                results_dir: out,
                progress: !quiet,
                adapters,
            };
            let dir = match resume {
                Some(dir) => runner::resume(&dir, &options)?,
                None => {
                    let mut experiment = Experiment::load(&experiment)?;
                    experiment.override_settings(trials, trial_s).map_err(|e| {
                        PlanError::Invalid {
                            path: experiment.path.clone(),
                            message: e,
                        }
                    })?;
                    runner::run(&experiment, &options)?
                }
            };
            say(dir.display());
            Ok(no_figure(&dir))
        }
        Command::Stress {
            threads,
            ops,
            timeout_s,
            adapter,
        } => {
            let env = Env::open(&adapter.selection()?)?;
            let (report, passed) = stress(&env, threads, ops, timeout_s);
            emit(&report);
            anyhow::ensure!(passed, "stress verification failed");
            Ok(ExitCode::SUCCESS)
        }
        Command::Plot { runs, out } => {
            let (runs, _) = load(&runs)?;
            anyhow::ensure!(
                runs.iter().any(|r| !r.points.is_empty()),
                "the runs hold no points to draw (an empty or interrupted run?)"
            );
            let out = out.unwrap_or_else(|| default_out(&runs));
            let analysis = curves::analysis::Analysis::of(&runs);
            let charts = curves::plot::charts::all(&analysis);
            let (files, _) = curves::plot::write_all(&charts, &out, curves::plot::Files::Every)?;
            for f in files {
                say(f.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Report { runs, out } => {
            let (runs, notes) = load(&runs)?;
            let out = out.unwrap_or_else(|| default_out(&runs));
            for f in curves::report::write(&runs, &out, &notes)? {
                say(f.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Compare {
            base,
            new,
            threshold,
            format,
            out,
        } => compare(&base, &new, threshold, format, out.as_deref()),
        Command::Export {
            runs,
            format,
            what,
            out,
        } => export(&runs, format, what, out.as_deref()),
        Command::Reproduce { runs, format, out } => reproduce(&runs, format, out.as_deref()),
        Command::Peak {
            adapter,
            quick,
            out,
            into,
            shapes,
            workloads,
        } => {
            let options = curves::peak::PeakOptions {
                quick,
                shapes: (!shapes.is_empty()).then_some(shapes),
                workloads_only: workloads,
            };
            let dir = peak(&adapter.selection()?, &options, &out, into.as_deref())?;
            say(dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Shaders { out } => {
            let (written, lines) =
                curves::workload::kernels::check_all(out.as_deref()).map_err(anyhow::Error::msg)?;
            for path in &written {
                say(path.display());
            }
            for line in &lines {
                eprintln!("{line}");
            }
            eprintln!(
                "{} kernel variants: valid WGSL, translated as listed",
                lines.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Worker => {
            processes::serve().map_err(|e| cli::Usage(format!("worker process: {e:#}")))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
