//! Hand-built records for the analysis, chart and report tests: no GPU,
//! every field set on purpose.

use crate::schema::*;
use crate::store::Run;

/// A config of `strategy` on linear 256→128 under `sync`, blocking waits, f32.
pub fn config(strategy: StrategyKind, sync: SyncMode) -> PointConfig {
    PointConfig {
        workload: WorkloadKind::Linear,
        dims: vec![256, 128],
        strategy,
        sync,
        wait: WaitStyle::Block,
        precision: Precision::F32,
        label: None,
        pool: true,
        encode_ahead: false,
        upload_inputs: false,
        worker_batch: None,
        max_batch: None,
        max_delay_us: None,
        arrival_rate_per_s: None,
        launch: None,
        adapters: Vec::new(),
    }
}

/// An ok point at `n` whose trials ran at `trials` samples/s.
pub fn point(config: PointConfig, n: u32, trials: &[f64]) -> Point {
    let layout = Layout::of(
        config.strategy,
        n,
        config.worker_batch,
        config.launch.unwrap_or_default(),
    );
    let spread = crate::stats::spread(trials);
    let centre = |v: f64| Center {
        median: v,
        mean: v,
        p99: Some(v * 1.5),
        max: Some(v * 2.0),
    };
    let mut p = Point::new(config, n, layout);
    p.flops_per_sample = Some(2.0 * 256.0 * 128.0);
    p.bytes_per_op = Some(4.0 * (256.0 * 128.0 + 128.0 + f64::from(layout.batch) * 384.0));
    p.prepared.kernels = vec!["matmul 1×256→128: gemv".into()];
    p.wall_s = 1.5;
    let ops = 100 * u64::from(layout.workers()) * trials.len() as u64;
    p.measured = Measurement {
        trials: trials.len() as u32,
        ops_per_worker: 100,
        samples_per_s: spread.map(|s| s.median),
        samples_per_s_spread: spread,
        samples_per_s_trials: trials.to_vec(),
        ops_per_s: spread.map(|s| s.median / f64::from(layout.batch)),
        latency_us: Some(Latency {
            avg: 50.0,
            p50: 45.0,
            p90: Some(60.0),
            p95: Some(70.0),
            p99: 90.0,
            max: 120.0,
        }),
        latency_histogram: vec![HistogramBin {
            le_us: 45.25,
            count: 100,
        }],
        phases_us: Some(PhaseBreakdown {
            encode: centre(7.0),
            submit: centre(6.0),
            gpu: Some(centre(5.0)),
            wait: centre(25.0 + f64::from(n)),
            readback: centre(0.5),
        }),
        timing_method: TimingMethod::GpuTimestamps,
        ops_expected: ops,
        ops_completed: ops,
        ops_checked: 8,
        max_rel_error: Some(1e-7),
        measured_s: 1.0,
        ..Measurement::default()
    };
    p
}

pub fn adapter(name: &str) -> AdapterSummary {
    AdapterSummary {
        index: Some(0),
        name: name.into(),
        backend: "vulkan".into(),
        device_type: "discrete-gpu".into(),
        driver: "test".into(),
        driver_info: "1.0".into(),
        vendor_id: 1,
        device_id: 2,
        pci_bus_id: String::new(),
        shader_f16: true,
        timestamp_query: true,
        subgroups: true,
        cooperative_matrix: false,
    }
}

/// A run of `points` on an adapter called `name`.
pub fn run(name: &str, points: Vec<Point>) -> Run {
    Run {
        dir: std::path::PathBuf::from(format!("results/test-{name}")),
        info: RunInfo {
            run_id: format!("test-{name}"),
            experiment_name: "test".into(),
            experiment_path: "experiments/test.toml".into(),
            experiment_text: String::new(),
            overrides: Vec::new(),
            adapter: adapter(name),
            adapters: Vec::new(),
            os: "linux".into(),
            arch: "x86_64".into(),
            cpu_count: 16,
            crate_version: "0.1.0".into(),
            git_revision: "test".into(),
            timing_method: TimingMethod::GpuTimestamps,
            started_at: chrono::DateTime::from_timestamp(1_800_000_000, 0).expect("a valid time"),
            finished_at: None,
            interrupted: None,
            cpu_governor: None,
            gpu_clock_source: None,
            notes: Vec::new(),
        },
        points,
        ceilings: None,
    }
}

/// A curve of `strategy` under `sync` with samples/s `rates[i]` at `ns[i]`
/// (three tight trials each).
pub fn curve(strategy: StrategyKind, sync: SyncMode, ns: &[u32], rates: &[f64]) -> Vec<Point> {
    ns.iter()
        .zip(rates)
        .map(|(&n, &r)| point(config(strategy, sync), n, &[r * 0.99, r, r * 1.01]))
        .collect()
}
