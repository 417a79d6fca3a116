//! `curves stress`: every workload under N threads on one shared device,
//! every op's output checked, as the seeds' stress verification (report
//! 003) — a pass/fail answer, not a measurement.

use std::fmt::Write;
use std::num::{NonZeroU32, NonZeroU64};

use crate::plan::{Origin, PointSpec, Settings};
use crate::runner::measure_point;
use crate::schema::{Launch, Precision, StrategyKind, SyncMode, WaitStyle};
use crate::strategy::Env;
use crate::workload::Workload;

/// Runs the stress check and returns its report and whether it passed.
pub fn stress(env: &Env, threads: NonZeroU32, ops: NonZeroU64, timeout_s: f64) -> (String, bool) {
    let mut report = String::new();
    let mut passed = true;
    for workload in Workload::defaults() {
        let spec = PointSpec {
            workload,
            strategy: StrategyKind::Threads,
            n: threads.get(),
            worker_batch: None,
            label: None,
            group: None,
            server: None,
            arrival_rate_per_s: None,
            sync: SyncMode::Readback,
            wait: WaitStyle::Block,
            precision: Precision::F32,
            launch: Launch::Threads,
            adapters: None,
            settings: Settings {
                warmup_ops: 2,
                trials: NonZeroU32::MIN,
                max_trials: NonZeroU32::MIN,
                ops: ops.get(),
                checks: ops.get(),
                timeout_s,
                // Exactly `ops` ops on each thread, one trial.
                trial_s: None,
                min_measured_s: 0.0,
                ..Settings::default()
            },
            origin: Origin::default(),
        };
        let (point, _) = measure_point(&spec, env, &[]);
        let ok = point.verified();
        passed &= ok;
        let _ = writeln!(
            report,
            "{}: {} threads × {} ops on {}\n\
             - Total ops: {} (expected: {})\n\
             - Checked: {}, wrong: {}\n\
             - Time: {:.2}s\n\
             - ops/s: {}\n\
             - Status: {}{}\n",
            spec.workload.label(),
            threads,
            ops,
            env.ctx.info.label(),
            point.measured.ops_completed,
            point.measured.ops_expected,
            point.measured.ops_checked,
            point.measured.ops_wrong,
            point.measured.measured_s,
            point
                .measured
                .ops_per_s
                .map_or("–".into(), |v| format!("{v:.0}")),
            if ok { "PASS" } else { "FAIL" },
            point
                .measured
                .error
                .map_or(String::new(), |e| format!(" — {e}")),
        );
    }
    (report, passed)
}
