//! The `curves` command line: parse, dispatch, print errors. Nothing else.

use std::num::{NonZeroU32, NonZeroU64};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use curves::experiment::Experiment;
use curves::gpu::{self, AdapterSelection, AdapterSummary, BackendChoice, GpuError};
use curves::results::Run;
use curves::runner::{self, RunOptions};
use curves::strategy::{Env, processes};
use curves::stress::stress;

/// Exit status when no GPU adapter is found (the Makefile installs lavapipe on it).
const EXIT_NO_ADAPTER: u8 = 3;

#[derive(Parser)]
#[command(
    name = "curves",
    version,
    about = "When many requests hit one GPU, what scales: threads, batches or processes?",
    long_about = "Runs the same WGSL compute kernels through wgpu (Vulkan, Metal, DX12, GL) under several \
                  parallel strategies, measures throughput, efficiency and latency with matched baselines, \
                  checks every sampled output against a CPU reference, and draws the curves.\n\n\
                  Exit status: 0 success, 1 failure, 2 usage error, 3 no GPU adapter found."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct AdapterArgs {
    /// Only consider this backend. Default: $WGPU_BACKEND if set, else every backend.
    #[arg(long, value_enum)]
    backend: Option<BackendChoice>,
    /// Use the best adapter whose name contains this text (case-insensitive).
    /// Default: $WGPU_ADAPTER_NAME if set, else the best adapter (discrete GPU
    /// before integrated before software; native APIs before GL).
    #[arg(long, value_name = "SUBSTRING")]
    adapter: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// List every adapter wgpu finds on every backend, best first.
    Adapters {
        /// Only list this backend's adapters. Default: $WGPU_BACKEND if set, else all.
        #[arg(long, value_enum)]
        backend: Option<BackendChoice>,
    },
    /// Run an experiment file on one adapter and print the run directory.
    ///
    /// Results go to OUT/<run-id>/: run.json (adapter, driver, machine, revision,
    /// the experiment's text) and points.jsonl (one point per line, written as
    /// each point finishes, so an interrupted run keeps what it measured).
    Run {
        /// Experiment file (TOML).
        #[arg(default_value = "experiments/quick.toml")]
        experiment: PathBuf,
        #[command(flatten)]
        adapter: AdapterArgs,
        /// Directory in which the run directory is created.
        #[arg(long, value_name = "DIR", default_value = "results")]
        out: PathBuf,
        /// No progress bar (it is hidden anyway when stderr is not a terminal).
        #[arg(long)]
        quiet: bool,
        /// Timed trials per point, over the file's `trials`.
        #[arg(long, value_name = "N")]
        trials: Option<NonZeroU32>,
        /// For a slow adapter (lavapipe, llvmpipe): fewer ops per trial, so
        /// that a trial lasts about this many seconds (never more ops than
        /// the file asks for), and a shorter warm-up. One untimed op per
        /// worker measures the op time first. Each point records the ops it
        /// ran, e.g. `curves run experiments/seeds.toml --trial-s 0.5`.
        #[arg(long, value_name = "SECONDS")]
        trial_s: Option<f64>,
    },
    /// Draw charts (PNG, and SVG beside each) from run directories; reads
    /// result files only.
    ///
    /// Per workload: efficiency, throughput (log-log, ideal lines, device
    /// ceiling, USL fits), latency p50/p99 and where the time goes (phases);
    /// where the run has them: the hybrid heatmap, workload size, the
    /// optimisation stack, and the server's throughput vs p99 and batch
    /// sizes. Several runs are overlaid, one line per strategy and
    /// (adapter, backend), and overlay-<workload>.png gives each curve
    /// measured on several adapters a panel, a line per adapter: the
    /// cross-backend, cross-machine check.
    Plot {
        /// Run directories (each holds run.json and points.jsonl).
        #[arg(required = true, value_name = "RUN_DIR")]
        runs: Vec<PathBuf>,
        /// Output directory. Default: plots/<run-id> for one run, plots/merged for several.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Stress verification: every workload under N threads sharing one device,
    /// every op's output checked against the CPU reference. Exits 0 only if
    /// every op completed and none was wrong.
    Stress {
        /// Threads sharing the device.
        #[arg(long, default_value = "8")]
        threads: NonZeroU32,
        /// Ops per thread.
        #[arg(long, default_value = "50")]
        ops: NonZeroU64,
        /// Give up on a workload after this many seconds.
        #[arg(long, default_value = "300")]
        timeout_s: f64,
        #[command(flatten)]
        adapter: AdapterArgs,
    },
    /// Validate every WGSL kernel (f32 and f16 variants) with naga and translate
    /// it to SPIR-V (Vulkan), MSL (Metal), HLSL (DX12) and GLSL (GL).
    ///
    /// Exits non-zero naming the file, line and reason of any failure, so a
    /// shader that a backend this machine lacks would reject is caught here.
    Shaders {
        /// Also write every translation into this directory.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Write a Markdown report of run directories, with its charts beside it;
    /// reads result files only.
    ///
    /// A summary computed from the data (peak speedup per curve, where
    /// efficiency drops below 50%, the winner at each N and by how much, what
    /// the USL fit says about serialisation, the best configuration per use
    /// case), every configuration ranked, the seeds' tables, the caveats
    /// (failed, wrong, unsupported, noisy points, missing baselines) and the
    /// runs' metadata.
    Report {
        /// Run directories (each holds run.json and points.jsonl).
        #[arg(required = true, value_name = "RUN_DIR")]
        runs: Vec<PathBuf>,
        /// The report file. Default: plots/<run-id>/REPORT.md for one run,
        /// plots/merged/REPORT.md for several.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Internal: one worker process of the `processes` strategy.
    #[command(hide = true)]
    Worker,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            let no_adapter = e.chain().any(|c| {
                matches!(
                    c.downcast_ref::<GpuError>(),
                    Some(GpuError::NoAdapter { .. })
                )
            });
            ExitCode::from(if no_adapter { EXIT_NO_ADAPTER } else { 1 })
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Adapters { backend } => list_adapters(AdapterSelection::new(backend, None)?),
        Command::Run {
            experiment,
            adapter,
            out,
            quiet,
            trials,
            trial_s,
        } => {
            let mut experiment = Experiment::load(&experiment)?;
            experiment
                .override_settings(trials, trial_s)
                .map_err(anyhow::Error::msg)?;
            let options = RunOptions {
                selection: AdapterSelection::new(adapter.backend, adapter.adapter)?,
                results_dir: out,
                progress: !quiet,
            };
            let dir = runner::run(&experiment, &options)?;
            println!("{}", dir.display());
            Ok(())
        }
        Command::Plot { runs, out } => {
            let runs = runs
                .iter()
                .map(|d| Run::load(d))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let out = out.unwrap_or_else(|| default_plot_dir(&runs));
            for path in curves::plot::draw(&runs, &out)? {
                println!("{}", path.display());
            }
            Ok(())
        }
        Command::Stress {
            threads,
            ops,
            timeout_s,
            adapter,
        } => {
            let env = Env::open(&AdapterSelection::new(adapter.backend, adapter.adapter)?)?;
            let (report, passed) = stress(&env, threads, ops, timeout_s);
            print!("{report}");
            anyhow::ensure!(passed, "stress verification failed");
            Ok(())
        }
        Command::Report { runs, out } => {
            let runs = runs
                .iter()
                .map(|d| Run::load(d))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let out = out.unwrap_or_else(|| default_plot_dir(&runs).join("REPORT.md"));
            for path in curves::report::write(&runs, &out)? {
                println!("{}", path.display());
            }
            Ok(())
        }
        Command::Shaders { out } => {
            let written =
                curves::shaders::check_all(out.as_deref()).map_err(|e| anyhow::anyhow!("{e}"))?;
            for path in &written {
                println!("{}", path.display());
            }
            eprintln!(
                "{} kernels × f32, f16: valid WGSL, translated to SPIR-V, MSL, HLSL and GLSL (f32)",
                curves::shaders::Kernel::ALL.len()
            );
            Ok(())
        }
        Command::Worker => processes::serve().context("worker process"),
    }
}

/// plots/<run-id> for one run, plots/merged for several.
fn default_plot_dir(runs: &[Run]) -> PathBuf {
    match runs {
        [one] => PathBuf::from("plots").join(&one.info.run_id),
        _ => PathBuf::from("plots/merged"),
    }
}

fn list_adapters(selection: AdapterSelection) -> anyhow::Result<()> {
    let adapters: Vec<AdapterSummary> = gpu::enumerate(selection.backends)
        .iter()
        .map(AdapterSummary::of)
        .collect();
    if adapters.is_empty() {
        // Same message and exit status as a run that finds nothing.
        gpu::select(&selection)?;
    }
    println!(
        "{:<44} {:<8} {:<15} {:<28} {:<5} TIMESTAMPS",
        "ADAPTER", "BACKEND", "TYPE", "DRIVER", "F16"
    );
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    for a in adapters {
        let driver = format!("{} {}", a.driver, a.driver_info);
        println!(
            "{:<44} {:<8} {:<15} {:<28} {:<5} {}",
            a.name,
            a.backend,
            a.device_type,
            driver.trim(),
            yes_no(a.shader_f16),
            yes_no(a.timestamp_query)
        );
    }
    Ok(())
}
