//! Plain-text tables in the seeds' layout (Markdown pipes, so they paste
//! into a report), printed at the end of a run.

use std::fmt::Write;

use crate::analysis::{advantages, usl_fits};
use crate::results::{Point, Status};

fn opt(value: Option<f64>, f: impl Fn(f64) -> String) -> String {
    value.map_or("–".into(), f)
}

fn n_label(strategy: &str) -> &'static str {
    match strategy {
        "threads" => "Threads",
        "processes" => "Processes",
        "batch" => "Batch",
        "hybrid" | "devices" => "Threads",
        "queue" | "server" => "Clients",
        _ => "N",
    }
}

pub fn status_text(p: &Point) -> String {
    let base = match p.status {
        Status::Ok => "PASS".to_string(),
        Status::Wrong => format!("WRONG ({} of {} checked)", p.ops_wrong, p.ops_checked),
        Status::Failed => "FAIL".to_string(),
        Status::Unsupported => "UNSUPPORTED".to_string(),
    };
    if p.noisy {
        format!("{base} (noisy)")
    } else {
        base
    }
}

/// Per curve (workload, strategy, sync, precision), in measured order: the
/// seeds' run table, their scaling-efficiency table, the USL fit; then the
/// cross-strategy comparisons.
pub fn scaling_tables(points: &[Point]) -> String {
    let mut keys = Vec::new();
    for p in points {
        if !keys.contains(&p.curve_key()) {
            keys.push(p.curve_key());
        }
    }
    let fits = usl_fits(points);
    let mut out = String::new();
    for key in keys {
        let curve: Vec<&Point> = points.iter().filter(|p| p.curve_key() == key).collect();
        let first = curve[0];
        let label = n_label(&first.strategy);
        let _ = writeln!(
            out,
            "\n### {} · {} · sync {} · {}\n",
            first.workload_label(),
            first.strategy_label(),
            first.sync,
            first.precision
        );
        let _ = writeln!(
            out,
            "| {label} | Ops | Time (s) | ops/s | Avg (ms) | P50 (ms) | P99 (ms) | Status |"
        );
        let _ = writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|---|");
        for p in &curve {
            let lat = p.latency_us;
            let ms = |f: fn(&crate::measure::stats::Latency) -> f64| {
                opt(lat.as_ref().map(f), |v| format!("{:.3}", v / 1e3))
            };
            let _ = writeln!(
                out,
                "| {} | {} | {:.2} | {} | {} | {} | {} | {} |",
                p.n,
                if p.ops_completed == p.ops_expected {
                    p.ops_completed.to_string()
                } else {
                    format!("{} of {}", p.ops_completed, p.ops_expected)
                },
                p.measured_s,
                opt(p.ops_per_s, |v| format!("{v:.0}")),
                ms(|l| l.avg),
                ms(|l| l.p50),
                ms(|l| l.p99),
                status_text(p)
            );
        }
        let _ = writeln!(out, "\nScaling efficiency (against N=1 of this curve):\n");
        let _ = writeln!(out, "| {label} | samples/s | Speedup | Efficiency |");
        let _ = writeln!(out, "|---:|---:|---:|---:|");
        for p in &curve {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                p.n,
                opt(p.samples_per_s, |v| format!("{v:.0}")),
                opt(p.speedup, |v| format!("{v:.2}x")),
                opt(p.efficiency, |v| format!("{:.1}%", v * 100.0)),
            );
        }
        if let Some(f) = fits.iter().find(|f| f.curve == key) {
            let fit = f.fit;
            let _ = writeln!(
                out,
                "\nUSL fit: σ = {:.3} (contention; 1 = serialised), κ = {:.5} (coherency), {}R² = {:.3}",
                fit.sigma,
                fit.kappa,
                fit.peak_n
                    .map_or(String::new(), |n| format!("peak at N ≈ {n:.1}, ")),
                fit.r2
            );
        }
        for p in curve.iter().filter(|p| p.error.is_some()) {
            let _ = writeln!(
                out,
                "\n{label} {}: {}",
                p.n,
                p.error.as_deref().unwrap_or("").replace('\n', "\n    ")
            );
        }
    }
    for ((workload, sync, precision), rows) in advantages(points) {
        let mut strategies: Vec<String> = Vec::new();
        for row in &rows {
            for (s, _) in &row.samples_per_s {
                if !strategies.contains(s) {
                    strategies.push(s.clone());
                }
            }
        }
        let ratio = strategies.contains(&"batch".into()) && strategies.contains(&"threads".into());
        let _ = writeln!(
            out,
            "\n### Direct comparison · {workload} · sync {sync} · {precision}\n\nSamples/s of each strategy at the same N (an advantage, not an efficiency):\n"
        );
        let heads: Vec<String> = strategies
            .iter()
            .map(|s| format!("{s} samples/s"))
            .collect();
        let _ = writeln!(
            out,
            "| N | {}{} |",
            heads.join(" | "),
            if ratio { " | batch ÷ threads" } else { "" }
        );
        let _ = writeln!(
            out,
            "|---:|{}{}",
            "---:|".repeat(strategies.len()),
            if ratio { "---:|" } else { "" }
        );
        for row in rows {
            let cells: Vec<String> = strategies
                .iter()
                .map(|s| {
                    let v = row
                        .samples_per_s
                        .iter()
                        .find(|(k, _)| k == s)
                        .map(|(_, v)| *v);
                    opt(v, |v| format!("{v:.0}"))
                })
                .collect();
            let ratio_cell = if ratio {
                format!(
                    " | {}",
                    opt(row.ratio("batch", "threads"), |v| format!("{v:.1}x"))
                )
            } else {
                String::new()
            };
            let _ = writeln!(out, "| {} | {}{} |", row.n, cells.join(" | "), ratio_cell);
        }
    }
    out
}
