//! `curves stress`: every workload under N threads on one shared device,
//! every op's output checked, as the seeds' stress verification (report
//! 003) — a pass/fail answer, not a measurement.

use std::fmt::Write;
use std::num::{NonZeroU32, NonZeroU64};

use crate::experiment::{PointSpec, Settings};
use crate::measure::sync::SyncMode;
use crate::runner::measure_point;
use crate::strategy::{Env, StrategyKind};
use crate::workload::{Precision, Workload};

/// Runs the stress check and returns its report and whether it passed.
pub fn stress(env: &Env, threads: NonZeroU32, ops: NonZeroU64, timeout_s: f64) -> (String, bool) {
    let mut report = String::new();
    let mut passed = true;
    for workload in Workload::defaults() {
        let spec = PointSpec {
            workload,
            strategy: StrategyKind::Threads,
            n: threads.get(),
            batch: 1,
            label: None,
            server: None,
            arrival_rate_per_s: None,
            sync: SyncMode::Readback,
            precision: Precision::F32,
            settings: Settings {
                warmup_ops: 2,
                warmup_s: 0.0,
                trials: NonZeroU32::MIN,
                ops,
                checks: ops.get(),
                timeout_s,
                seed: 1,
                pool: true,
                trial_s: None,
            },
        };
        let point = measure_point(&spec, env);
        let ok = point.verified();
        passed &= ok;
        let _ = writeln!(
            report,
            "{}: {} threads × {} ops on {} ({})\n\
             - Total ops: {} (expected: {})\n\
             - Checked: {}, wrong: {}\n\
             - Time: {:.2}s\n\
             - ops/s: {}\n\
             - Status: {}{}\n",
            spec.workload.label(),
            threads,
            ops,
            env.ctx.info.name,
            env.ctx.info.backend,
            point.ops_completed,
            point.ops_expected,
            point.ops_checked,
            point.ops_wrong,
            point.measured_s,
            point.ops_per_s.map_or("–".into(), |v| format!("{v:.0}")),
            if ok { "PASS" } else { "FAIL" },
            point.error.map_or(String::new(), |e| format!(" — {e}")),
        );
    }
    (report, passed)
}
