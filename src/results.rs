//! The result schema, atomic writes, and loading.
//!
//! A run is a directory: `run.json` (where and how it was measured) and
//! `points.jsonl` (one point per line, rewritten after each point). Every
//! write goes to a temporary file in the same directory and is renamed
//! over the old one, so a reader never sees half a file, and an
//! interrupted run keeps every point it finished.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::gpu::AdapterSummary;
use crate::measure::stats::{HistogramBin, Latency, Spread};
use crate::measure::summary::PhaseBreakdown;
use crate::strategy::SetupTimes;

pub const RUN_FILE: &str = "run.json";
pub const POINTS_FILE: &str = "points.jsonl";
/// Derived: USL fits of the run's curves (recomputable from the points).
pub const FITS_FILE: &str = "fits.json";

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RunInfo {
    pub run_id: String,
    pub experiment_name: String,
    pub experiment_path: String,
    /// The experiment file's text, so the run can be repeated exactly.
    pub experiment_text: String,
    /// Settings given on the command line over the file's (`trials = 3`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<String>,
    pub adapter: AdapterSummary,
    pub os: String,
    pub arch: String,
    pub cpu_count: usize,
    pub crate_version: String,
    /// `git describe` of the build, `-dirty` when it had uncommitted changes.
    pub git_revision: String,
    /// How op times were taken.
    pub timing_method: String,
    pub started_at: DateTime<Utc>,
    /// `None` while the run is going on, or if it was interrupted.
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Every expected op completed and every checked output matched.
    Ok,
    /// Every op completed, but some checked outputs were wrong.
    Wrong,
    /// The point could not be measured in full; `error` says why.
    Failed,
    /// The adapter cannot run the point (f16 without `SHADER_F16`, say);
    /// `error` says why. Not a failure of the tool or the driver.
    Unsupported,
}

impl Status {
    /// The status in one lower-case word, as result files spell it.
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Wrong => "wrong",
            Status::Failed => "failed",
            Status::Unsupported => "unsupported",
        }
    }
}

/// One (workload, strategy, N, sync, precision) measurement on one adapter.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Point {
    pub workload: String,
    /// The workload's dimensions (`[in, out]` for linear).
    pub dims: Vec<u32>,
    pub strategy: String,
    /// Parallelism level: threads, processes or batch size, per strategy.
    pub n: u32,
    /// Samples per op.
    pub batch: u32,
    /// Worker threads per process.
    pub threads: u32,
    pub processes: u32,
    pub sync: String,
    pub precision: String,
    /// `server`'s most requests per dispatch and longest wait (µs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_batch: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_delay_us: Option<u64>,
    /// `false` when every op allocated its buffers and bind groups.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub pool: bool,
    /// Open-loop clients' mean request rate each (requests/s), if open loop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrival_rate_per_s: Option<f64>,
    /// `queue`/`server`: per request, time waiting before its batch ran, and
    /// the batch's time on the GPU owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_us: Option<Latency>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_us: Option<Latency>,
    /// `queue`/`server`: batches formed, by size.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub batch_sizes: std::collections::BTreeMap<u32, u64>,
    /// The sweep's label (a step of a sequence), if it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub trials: u32,
    /// Ops per worker per trial.
    pub ops_per_worker: u64,
    /// Median over trials of samples (batch rows) per second, all workers together.
    pub samples_per_s: Option<f64>,
    /// Median, min, max and IQR of samples/s over trials.
    pub samples_per_s_spread: Option<Spread>,
    /// The trials' samples/s span more than 20% of their median.
    #[serde(default)]
    pub noisy: bool,
    /// Every trial's samples/s, raw.
    pub samples_per_s_trials: Vec<f64>,
    /// Median over trials of ops (dispatches) per second, all workers together.
    pub ops_per_s: Option<f64>,
    /// samples/s over the same strategy's, sync mode's, workload's and
    /// precision's N=1 point in this run; `None` without that baseline.
    pub speedup: Option<f64>,
    /// speedup / N.
    pub efficiency: Option<f64>,
    /// Per-op latency, host submit to result, over all trials and workers.
    pub latency_us: Option<Latency>,
    /// Every op's latency, binned by quarter-octaves.
    #[serde(default)]
    pub latency_histogram: Vec<HistogramBin>,
    /// Median and mean time per op in encode, submit, GPU, wait and readback.
    #[serde(default)]
    pub phases_us: Option<PhaseBreakdown>,
    /// `gpu-timestamps` or `wall-clock`: how GPU time was measured.
    #[serde(default = "wall_clock")]
    pub timing_method: String,
    pub ops_expected: u64,
    pub ops_completed: u64,
    pub ops_checked: u64,
    pub ops_wrong: u64,
    /// Largest relative error (‖gpu − reference‖ / ‖reference‖) among checked ops.
    pub max_rel_error: Option<f64>,
    pub setup_s: SetupTimes,
    /// Timed seconds, all trials together (setup and checks excluded).
    #[serde(default)]
    pub measured_s: f64,
    /// The whole point, setup included, in seconds.
    pub wall_s: f64,
    pub status: Status,
    pub error: Option<String>,
}

/// What makes points one curve: everything but N.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurveKey {
    pub workload: String,
    pub dims: Vec<u32>,
    pub strategy: String,
    pub sync: String,
    pub precision: String,
    /// Per-thread batch of a `hybrid` curve (0 for other strategies).
    pub hybrid_batch: u32,
    /// A `server` curve's batching limits (requests, µs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<(u32, u64)>,
    /// An open-loop curve's per-client rate (requests/s, rounded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_loop_rate: Option<u64>,
    /// `false` for a curve measured without the buffer pool.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub pool: bool,
}

// Result files written before a field existed still load.
fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

fn wall_clock() -> String {
    "wall-clock".into()
}

impl Point {
    /// The stress verification's verdict: ok, every expected op completed,
    /// and no checked output wrong.
    pub fn verified(&self) -> bool {
        self.status == Status::Ok && self.ops_completed == self.ops_expected && self.ops_wrong == 0
    }

    /// The key under which efficiency is computed: N=1 of the same
    /// everything else is the baseline.
    pub fn curve_key(&self) -> CurveKey {
        CurveKey {
            workload: self.workload.clone(),
            dims: self.dims.clone(),
            strategy: self.strategy.clone(),
            sync: self.sync.clone(),
            precision: self.precision.clone(),
            server: self.max_batch.zip(self.max_delay_us),
            open_loop_rate: self.arrival_rate_per_s.map(|r| r.round() as u64),
            pool: self.pool,
            hybrid_batch: if self.strategy == "hybrid" {
                self.batch
            } else {
                0
            },
        }
    }

    /// The strategy as shown in tables and legends: `hybrid ×32` names its batch.
    pub fn strategy_label(&self) -> String {
        let label = self.strategy_label_pooled();
        if self.pool {
            label
        } else {
            format!("{label} (no pool)")
        }
    }

    fn strategy_label_pooled(&self) -> String {
        let open = self.arrival_rate_per_s.map_or(String::new(), |r| {
            format!(" · open loop {r:.0}/s per client")
        });
        if let (Some(b), Some(d)) = (self.max_batch, self.max_delay_us) {
            format!("server ≤{b} / {d} µs{open}")
        } else if self.strategy == "queue" && !open.is_empty() {
            format!("queue{open}")
        } else if self.strategy == "hybrid" {
            format!("hybrid ×{}", self.batch)
        } else {
            self.strategy.clone()
        }
    }

    /// `linear 256→128`, as [`crate::workload::Workload::label`] writes it.
    pub fn workload_label(&self) -> String {
        match (self.workload.as_str(), self.dims.as_slice()) {
            ("transformer", &[d, h, s, f]) => format!("transformer d{d} h{h} seq{s} ff{f}"),
            _ => {
                let dims: Vec<String> = self.dims.iter().map(u32::to_string).collect();
                format!("{} {}", self.workload, dims.join("→"))
            }
        }
    }
}

/// A run as loaded from its directory.
#[derive(Clone, Debug)]
pub struct Run {
    pub dir: PathBuf,
    pub info: RunInfo,
    pub points: Vec<Point>,
}

/// Writes `contents` to `path` atomically (temporary file, then rename).
pub fn write_atomic(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    file.write_all(contents)
        .and_then(|_| file.as_file().sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    file.persist(path)
        .with_context(|| format!("renaming into {}", path.display()))?;
    Ok(())
}

pub fn write_run_info(dir: &Path, info: &RunInfo) -> anyhow::Result<()> {
    let json = serde_json::to_vec_pretty(info)?;
    write_atomic(&dir.join(RUN_FILE), &json)
}

pub fn write_points(dir: &Path, points: &[Point]) -> anyhow::Result<()> {
    let mut text = Vec::new();
    for point in points {
        serde_json::to_writer(&mut text, point)?;
        text.push(b'\n');
    }
    write_atomic(&dir.join(POINTS_FILE), &text)
}

pub fn write_fits(dir: &Path, fits: &[crate::analysis::CurveFit]) -> anyhow::Result<()> {
    write_atomic(&dir.join(FITS_FILE), &serde_json::to_vec_pretty(fits)?)
}

impl Run {
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        let run_path = dir.join(RUN_FILE);
        let text = std::fs::read_to_string(&run_path).with_context(|| {
            format!(
                "reading {} (is {} a run directory?)",
                run_path.display(),
                dir.display()
            )
        })?;
        let info: RunInfo = serde_json::from_str(&text)
            .with_context(|| format!("parsing {}", run_path.display()))?;
        let points_path = dir.join(POINTS_FILE);
        let text = match std::fs::read_to_string(&points_path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e).with_context(|| format!("reading {}", points_path.display())),
        };
        let mut points = Vec::new();
        for (i, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let point = serde_json::from_str(line)
                .with_context(|| format!("{} line {}", points_path.display(), i + 1))?;
            points.push(point);
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            info,
            points,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn point(strategy: &str, n: u32, sps: Option<f64>, status: Status) -> Point {
        Point {
            workload: "linear".into(),
            dims: vec![256, 128],
            strategy: strategy.into(),
            n,
            batch: 1,
            threads: n,
            processes: 1,
            sync: "readback".into(),
            precision: "f32".into(),
            label: None,
            max_batch: None,
            max_delay_us: None,
            pool: true,
            arrival_rate_per_s: None,
            queue_us: None,
            service_us: None,
            batch_sizes: Default::default(),
            trials: 1,
            ops_per_worker: 10,
            samples_per_s: sps,
            samples_per_s_spread: None,
            noisy: false,
            samples_per_s_trials: sps.into_iter().collect(),
            ops_per_s: sps,
            speedup: None,
            efficiency: None,
            latency_us: None,
            latency_histogram: Vec::new(),
            phases_us: None,
            timing_method: "wall-clock".into(),
            ops_expected: 10,
            ops_completed: 10,
            ops_checked: 1,
            ops_wrong: 0,
            max_rel_error: Some(0.0),
            setup_s: SetupTimes::default(),
            measured_s: 0.5,
            wall_s: 1.0,
            status,
            error: None,
        }
    }

    #[test]
    fn labels_match_the_workloads() {
        use crate::workload::{Workload, WorkloadKind};
        for kind in [
            WorkloadKind::Linear,
            WorkloadKind::Mlp,
            WorkloadKind::Transformer,
        ] {
            let w = Workload::new(kind, None).unwrap();
            let mut p = point("batch", 1, None, Status::Ok);
            (p.workload, p.dims) = (w.name().into(), w.dims());
            assert_eq!(p.workload_label(), w.label());
        }
    }

    #[test]
    fn points_round_trip_through_an_atomic_write() {
        let dir = tempfile::tempdir().unwrap();
        let points = vec![
            point("threads", 1, Some(1.5), Status::Ok),
            point("batch", 2, None, Status::Failed),
        ];
        write_points(dir.path(), &points).unwrap();
        let text = std::fs::read_to_string(dir.path().join(POINTS_FILE)).unwrap();
        let back: Vec<Point> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(back, points);
        // No temporary file is left beside it.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
