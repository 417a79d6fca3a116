//! The command line's arguments: every subcommand, its options and what
//! `--help` says of them, and the parsers of their values.

use std::num::{NonZeroU32, NonZeroU64};
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use curves::gpu::{AdapterSelection, BackendChoice, GpuError};

#[derive(Parser)]
#[command(
    name = "curves",
    version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("CURVES_GIT_REVISION"), ")"),
    about = "When many requests hit one GPU, what scales: threads, batches or processes?",
    long_about = "Runs the same WGSL compute kernels through wgpu (Vulkan, Metal, DX12, GL) under several \
                  parallel strategies, measures throughput, efficiency and latency with matched baselines, \
                  checks every sampled output against a CPU reference, and draws the curves.\n\n\
                  Exit status: 0 done; 1 a finding a script must not pass: a regression (compare), \
                  a claim that holds in one run and not in another (reproduce), a run in which no \
                  point measured a figure and some failed, or an error while working; 2 usage: bad \
                  arguments, a path that is not a run directory, an output path that is a file, an experiment that does not parse \
                  or does not fit the adapter, a resume of a finished run, of points not its \
                  experiment's or on another adapter, a run directory another curves is writing, \
                  runs that share no point (compare); 3 no GPU adapter found; \
                  130 interrupted (the run keeps its points and resumes with --resume)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Args)]
pub struct AdapterArgs {
    /// Only consider this backend. Default: $WGPU_BACKEND if set, else every backend.
    #[arg(long, value_enum)]
    pub backend: Option<BackendChoice>,
    /// Use the adapter with this index (from `curves adapters`), or the best
    /// one whose name contains this text (case-insensitive). Default:
    /// $WGPU_ADAPTER_NAME if set, else the best adapter (discrete GPU before
    /// integrated before software; native APIs before GL).
    #[arg(long, value_name = "INDEX|SUBSTRING")]
    pub adapter: Option<String>,
}

impl AdapterArgs {
    pub fn selection(&self) -> Result<AdapterSelection, GpuError> {
        AdapterSelection::new(self.backend, self.adapter.clone())
    }
}

#[derive(Subcommand)]
pub enum Command {
    /// List every adapter wgpu finds on every backend, best first, with the
    /// index that `--adapter` and `--adapters` take.
    Adapters {
        /// Only list this backend's adapters. Default: $WGPU_BACKEND if set, else all.
        #[arg(long, value_enum)]
        backend: Option<BackendChoice>,
    },
    /// Run an experiment file on one adapter and print the run directory.
    ///
    /// Results go to OUT/<run-id>/: run.json (adapter, driver, machine, revision,
    /// the experiment's text) and points.jsonl (one point per line, written as
    /// each point finishes, so an interrupted run keeps what it measured and
    /// `--resume` finishes it).
    ///
    /// A `queue` or `server` owner under the `spin` wait style runs pinned
    /// to a core of its own, its clients on the others (Linux, three cores
    /// or more); each such point records where (`owner_cores`). Set
    /// CURVES_NO_PIN=1 to leave them to the scheduler.
    ///
    /// A `queue` or `server` owner writes its requests' rows in place into
    /// input buffers it maps, where the backend can bind those (Vulkan,
    /// Metal, DX12) and at most three batches are in flight, and through a
    /// staging belt and a copy elsewhere (GL, pipeline:4 and deeper); each
    /// point records which (`upload`). Set CURVES_STAGED_UPLOAD=1 to
    /// stage them everywhere, to compare the two.
    Run {
        /// Experiment file (TOML).
        #[arg(default_value = "experiments/quick.toml")]
        experiment: PathBuf,
        #[command(flatten)]
        adapter: AdapterArgs,
        /// The adapters multi-GPU (`gpus`) points may spread over: `all`,
        /// indices such as `0,1`, or a name substring. A sweep's own
        /// `adapters` key wins over this.
        #[arg(long, value_name = "all|INDEX,…|SUBSTRING")]
        adapters: Option<String>,
        /// Directory in which the run directory is created.
        #[arg(long, value_name = "DIR", default_value = "results")]
        out: PathBuf,
        /// No progress bar (it is hidden anyway when stderr is not a terminal).
        #[arg(long)]
        quiet: bool,
        /// Exactly this many timed trials per point, over the file's
        /// `trials` and `max_trials` (a quick run: the intervals are as
        /// wide as few trials make them).
        #[arg(long, value_name = "N")]
        trials: Option<NonZeroU32>,
        /// For a slow adapter (lavapipe, llvmpipe): fewer ops per trial, so
        /// that a trial lasts about this many seconds (never more ops than
        /// the file asks for), and a shorter warm-up. One untimed op per
        /// worker measures the op time first. Each point records the ops it
        /// ran, e.g. `curves run experiments/seeds.toml --trial-s 0.5`.
        #[arg(long, value_name = "SECONDS")]
        trial_s: Option<f64>,
        /// Finish an interrupted run: measure only the points its
        /// points.jsonl does not hold, with its experiment and adapter.
        /// It takes no EXPERIMENT, --adapter, --backend, --out, --trials or
        /// --trial-s: the run's own are used. It refuses a finished run, a
        /// run whose points are not its experiment's, and a run another
        /// curves is writing.
        #[arg(
            long,
            value_name = "RUN_DIR",
            conflicts_with_all = ["experiment", "adapter", "backend", "out", "trials", "trial_s"]
        )]
        resume: Option<PathBuf>,
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
        /// Give up on a workload after this many seconds (at most a week).
        #[arg(long, default_value = "300", value_parser = parse_timeout)]
        timeout_s: f64,
        #[command(flatten)]
        adapter: AdapterArgs,
    },
    /// Draw the charts of run directories (PNG, and SVG beside each); reads
    /// result files only.
    ///
    /// Per workload: throughput (with the device's compute ceiling where
    /// `curves peak` measured it), efficiency with each point's interval,
    /// latency p50/p99, where an op's time goes, and the threads' latency
    /// histograms; per run: the GPU owner against batching, the layer-size
    /// table, the labelled steps and the multi-GPU share. Several runs are
    /// drawn on the same charts, a line per curve and run.
    Plot {
        /// Run directories (each holds run.json and points.jsonl).
        #[arg(required = true, value_name = "RUN_DIR")]
        runs: Vec<PathBuf>,
        /// Output directory. Default: plots/<run-id> for one run, plots/merged for several.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Write the report of run directories: index.html (one page, every
    /// chart inline, sortable tables), REPORT.md (the short read: a verdict
    /// for each of the seeds' claims, a summary in sentences, the best
    /// configurations, the ceilings, the stalls, the caveats) and
    /// APPENDIX.md (every table), with the charts beside them. Reads result
    /// files only; prints the files written, the page first.
    Report {
        #[arg(required = true, value_name = "RUN_DIR")]
        runs: Vec<PathBuf>,
        /// Output directory. Default: plots/<run-id> for one run, plots/merged for several.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Compare two runs point by point: did a driver, wgpu or kernel
    /// change move anything?
    ///
    /// For every point in both runs (the same curve and N), the ratio of
    /// median samples/s (NEW / BASE) with a 95% bootstrap interval from the
    /// raw trials, and a verdict: improved or regressed when the whole
    /// interval lies beyond the threshold, else no change. Points in only
    /// one run are listed. Exits 1 when any point regressed, so a CI job
    /// can guard a change.
    Compare {
        #[arg(value_name = "BASE_RUN_DIR")]
        base: PathBuf,
        #[arg(value_name = "NEW_RUN_DIR")]
        new: PathBuf,
        /// Changes smaller than this (percent) are no change.
        #[arg(long, value_name = "PCT", default_value = "5", value_parser = parse_threshold)]
        threshold: f64,
        #[arg(long, value_enum, default_value = "md")]
        format: CompareFormat,
        /// Also write compare.md, compare.csv, compare.json and the ratios'
        /// chart (compare.png, compare.svg) into this directory.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Do runs of one experiment agree? For every point measured by two
    /// runs or more of one adapter: whether each pair of runs agrees
    /// within their intervals (the 95% interval of the ratio of their
    /// medians covers 1), the share that do, how far apart the medians
    /// are; and each claim's verdict counted over the runs ("holds in 3
    /// of 3"). Exits 1 when a claim holds in one run and does not hold in
    /// another.
    Reproduce {
        #[arg(required = true, num_args = 2.., value_name = "RUN_DIR")]
        runs: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "md")]
        format: ReproduceFormat,
        /// Also write reproduce.md, reproduce.json and reproduce-points.csv
        /// (every pair of runs of every point) into this directory.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Export the points of run directories, or the report's tables, as CSV
    /// or JSON (figures derived at export time: speedup, efficiency).
    Export {
        #[arg(required = true, value_name = "RUN_DIR")]
        runs: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "csv")]
        format: ExportFormat,
        /// `points` (one row per point) or `tables` (every table of the report).
        #[arg(long, value_enum, default_value = "points")]
        what: ExportWhat,
        /// Write here instead of to stdout: a file, or an existing
        /// directory that gets points.csv or points.json (for tables with
        /// csv: a directory, one file per table). Points are written a row
        /// at a time, so a run of any size exports in little memory.
        /// Cells a spreadsheet would run as a formula are neutralised.
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
    },
    /// Measure the device's ceilings through wgpu with this project's own
    /// kernels: matmul TFLOP/s (every tile variant, f32 and f16, tensor
    /// cores where the adapter has them), memory bandwidth, the dispatch
    /// floor (a dispatch among dependent ones in one pass) and the pass
    /// floor (one trivial dispatch in a pass of its own, timed as an op
    /// is), submissions per second with no wait (1 to 16 threads), the
    /// host round trip per wait style, and each workload's GPU time with
    /// and without naga's runtime checks, split into its dispatches.
    ///
    /// Without --quick, every measurement follows 0.4 s of the same work,
    /// so that the GPU's clock has left its idle state (on an H200 it falls
    /// to 345 of 1980 MHz within a second of idling); the whole run takes
    /// about six minutes there (2026-12-04).
    ///
    /// Writes ceilings.json into a new run directory (printed), or into an
    /// existing run with --into, where charts and the report read it.
    Peak {
        #[command(flatten)]
        adapter: AdapterArgs,
        /// Small shapes and few repetitions (seconds on a CPU adapter):
        /// every path once, for tests; its figures are ratios only.
        #[arg(long)]
        quick: bool,
        /// Directory in which the run directory is created.
        #[arg(long, value_name = "DIR", default_value = "results")]
        out: PathBuf,
        /// Write ceilings.json into this run directory instead (its adapter
        /// must be the one measured).
        #[arg(long, value_name = "RUN_DIR", conflicts_with = "out")]
        into: Option<PathBuf>,
        /// Only the matrix products at these shapes, M×K×N (or MxKxN),
        /// comma-separated: every kernel variant the rule could pick, in
        /// f32 and (where the adapter has it) f16, and none of the other
        /// ceilings. A kernel's A/B in seconds; the run directory holds a
        /// partial ceilings.json, so it cannot go --into a run.
        #[arg(
            long,
            value_name = "M×K×N,…",
            value_delimiter = ',',
            value_parser = parse_shape,
            conflicts_with = "into"
        )]
        shapes: Vec<(u32, u32, u32)>,
        /// Only the workloads' GPU time per op, each dispatch's beside it,
        /// and none of the other ceilings: a kernel change's effect on the
        /// layers in a minute. Like --shapes, a partial ceilings.json.
        #[arg(long, conflicts_with_all = ["into", "shapes"])]
        workloads: bool,
    },
    /// Validate every WGSL kernel variant with naga and translate it to
    /// SPIR-V (Vulkan), MSL (Metal), HLSL (DX12) and GLSL (GL).
    ///
    /// Exits non-zero naming the file, line and reason of any failure, so a
    /// shader that a backend this machine lacks would reject is caught here.
    Shaders {
        /// Also write every translation into this directory.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Internal: one worker process of the `processes` strategy.
    #[command(hide = true)]
    Worker,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReproduceFormat {
    Md,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CompareFormat {
    Md,
    Csv,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportWhat {
    Points,
    Tables,
}

pub fn parse_threshold(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|e| format!("{e}"))?;
    if v.is_finite() && (0.0..100.0).contains(&v) {
        Ok(v / 100.0)
    } else {
        Err(format!("must be a percentage from 0 to below 100, not {s}"))
    }
}

pub fn parse_timeout(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|e| format!("{e}"))?;
    if v.is_finite() && v > 0.0 && v <= curves::plan::MAX_TIMEOUT_S {
        Ok(v)
    } else {
        Err(format!(
            "must be more than 0 and at most {} (a week), not {s}",
            curves::plan::MAX_TIMEOUT_S
        ))
    }
}

/// `M×K×N` (or `MxKxN`): a matrix product's shape for `curves peak
/// --shapes`, each operand small enough to allocate anywhere wgpu runs.
pub fn parse_shape(text: &str) -> Result<(u32, u32, u32), String> {
    const MAX_DIM: u32 = 16384;
    const MAX_ELEMENTS: u64 = 1 << 26;
    let dims: Vec<&str> = text.trim().split(['x', 'X', '×']).collect();
    let [m, k, n] = dims[..] else {
        return Err(format!(
            "{text:?} is not M×K×N (three sizes, such as 4096x4096x4096)"
        ));
    };
    let dim = |d: &str| -> Result<u32, String> {
        match d.trim().parse::<u32>() {
            Ok(v) if (1..=MAX_DIM).contains(&v) => Ok(v),
            _ => Err(format!(
                "{d:?} in {text:?} is not a size from 1 to {MAX_DIM}"
            )),
        }
    };
    let (m, k, n) = (dim(m)?, dim(k)?, dim(n)?);
    for (what, a, b) in [("x", m, k), ("w", k, n), ("y", m, n)] {
        if u64::from(a) * u64::from(b) > MAX_ELEMENTS {
            return Err(format!(
                "{text}: {what} would hold {a}×{b} values, more than the {MAX_ELEMENTS} allowed"
            ));
        }
    }
    Ok((m, k, n))
}
