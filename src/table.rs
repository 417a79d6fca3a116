//! Plain-text tables in the seeds' layout, printed at the end of a run.

use std::fmt::Write;

use crate::results::{Point, Status};

fn fmt_opt(value: Option<f64>, f: impl Fn(f64) -> String) -> String {
    value.map_or("–".into(), f)
}

/// One table per curve (workload, strategy, sync, precision), in the order
/// the curves were measured.
pub fn scaling_tables(points: &[Point]) -> String {
    let mut keys = Vec::new();
    for p in points {
        if !keys.contains(&p.curve_key()) {
            keys.push(p.curve_key());
        }
    }
    let mut out = String::new();
    for key in keys {
        let curve: Vec<&Point> = points.iter().filter(|p| p.curve_key() == key).collect();
        let first = curve[0];
        let _ = writeln!(
            out,
            "\n{} · {} · sync {} · {}",
            first.workload_label(),
            first.strategy,
            first.sync,
            first.precision
        );
        let _ = writeln!(
            out,
            "{:>5} {:>13} {:>12} {:>12} {:>8} {:>10} {:>9} {:>9} {:>9}  Status",
            "N",
            "Ops",
            "samples/s",
            "ops/s",
            "Speedup",
            "Efficiency",
            "Avg (ms)",
            "P50 (ms)",
            "P99 (ms)"
        );
        for p in curve {
            let lat = p.latency_us;
            let status = match p.status {
                Status::Ok => "PASS".to_string(),
                Status::Wrong => format!("WRONG ({} of {} checked)", p.ops_wrong, p.ops_checked),
                Status::Failed => "FAIL".to_string(),
            };
            let _ = writeln!(
                out,
                "{:>5} {:>13} {:>12} {:>12} {:>8} {:>10} {:>9} {:>9} {:>9}  {}",
                p.n,
                format!("{}/{}", p.ops_completed, p.ops_expected),
                fmt_opt(p.samples_per_s, |v| format!("{v:.0}")),
                fmt_opt(p.ops_per_s, |v| format!("{v:.0}")),
                fmt_opt(p.speedup, |v| format!("{v:.2}x")),
                fmt_opt(p.efficiency, |v| format!("{:.1}%", v * 100.0)),
                fmt_opt(lat.map(|l| l.avg), |v| format!("{:.3}", v / 1e3)),
                fmt_opt(lat.map(|l| l.p50), |v| format!("{:.3}", v / 1e3)),
                fmt_opt(lat.map(|l| l.p99), |v| format!("{:.3}", v / 1e3)),
                status
            );
        }
        for p in points.iter().filter(|p| p.curve_key() == key) {
            if let Some(error) = &p.error {
                let _ = writeln!(out, "  N={}: {}", p.n, error.replace('\n', "\n    "));
            }
        }
    }
    out
}
