//! `curves report`: a Markdown report drawn from result files only — a
//! summary computed from the data, the seeds' tables regenerated, the
//! charts, the runs' metadata and the caveats that matter.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::analysis::{CurveFit, advantages, size_rows, usl_fits};
use crate::results::{Point, Run, RunInfo, Status, write_atomic};
use crate::table::{scaling_tables, status_text};

/// Writes the report to `file`, with its charts beside it; returns the files written.
pub fn write(runs: &[Run], file: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let charts = crate::plot::draw(runs, dir)?;
    let text = render(runs, &charts, dir);
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    write_atomic(file, text.as_bytes())?;
    let mut written = charts;
    written.push(file.to_path_buf());
    Ok(written)
}

fn rate(v: f64) -> String {
    match v {
        v if v >= 1e6 => format!("{:.2}M", v / 1e6),
        v if v >= 1e3 => format!("{:.1}k", v / 1e3),
        v if v >= 100.0 => format!("{v:.0}"),
        // Software adapters run a transformer at a few samples/s.
        v => format!("{v:.1}"),
    }
}

/// What the USL fit says about a curve, in words, with its numbers.
pub fn verdict(fit: &CurveFit) -> String {
    let f = fit.fit;
    let kind = match f.sigma {
        s if s >= 0.9 => "serialised: adding workers adds no throughput",
        s if s >= 0.3 => "mostly serialised",
        s if s >= 0.05 => "partly serialised",
        _ => "not serialised",
    };
    let peak = f.peak_n.map_or(String::new(), |n| {
        format!(", throughput peaks near N = {n:.0}")
    });
    format!(
        "σ = {:.2}, κ = {:.4} (R² = {:.2}): {kind}{peak}",
        f.sigma, f.kappa, f.r2
    )
}

/// Markdown for `runs`; `charts` are linked relative to `dir`.
pub fn render(runs: &[Run], charts: &[PathBuf], dir: &Path) -> String {
    let mut out = String::new();
    let adapters: Vec<String> = runs.iter().map(|r| r.info.adapter.label()).collect();
    let _ = writeln!(out, "# What scales on {}\n", adapters.join(", "));
    let _ = writeln!(
        out,
        "Drawn from result files only by `curves report`. Efficiency is always against N=1 of the same \
         strategy, sync mode, workload and precision; comparisons across strategies are advantages.\n"
    );

    // --- Summary, per run, computed from the points.
    let _ = writeln!(out, "## Summary\n");
    for run in runs {
        if runs.len() > 1 {
            let _ = writeln!(out, "### {}\n", run.info.adapter.label());
        }
        summary(&mut out, &run.points);
    }

    if runs.len() > 1 {
        across_adapters(&mut out, runs, &adapters);
    }

    // --- Charts.
    let _ = writeln!(out, "## Charts\n");
    for chart in charts
        .iter()
        .filter(|c| c.extension().is_some_and(|e| e == "png"))
    {
        let rel = chart.strip_prefix(dir).unwrap_or(chart);
        let name = rel
            .file_stem()
            .map_or(String::new(), |s| s.to_string_lossy().replace('-', " "));
        let _ = writeln!(out, "![{name}]({})\n", rel.display());
    }

    // --- Labelled steps (the seeds' optimisation stack), in run order.
    for run in runs {
        let steps: Vec<&Point> = run.points.iter().filter(|p| p.label.is_some()).collect();
        if steps.is_empty() {
            continue;
        }
        let _ = writeln!(out, "## Steps, cumulative ({})\n", run.info.adapter.label());
        let _ = writeln!(
            out,
            "| Step | Configuration | samples/s | p99 (ms) | Gain over the first | Gain over the previous | Status |"
        );
        let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---|");
        let first = steps[0].samples_per_s;
        let mut previous: Option<f64> = None;
        for p in &steps {
            let sps = p.samples_per_s;
            let gain = |base: Option<f64>| match (sps, base) {
                (Some(s), Some(b)) if b > 0.0 => format!("{:.1}×", s / b),
                _ => "–".into(),
            };
            let _ = writeln!(
                out,
                "| {} | {} N={} · {} · {} | {} | {} | {} | {} | {} |",
                p.label.as_deref().unwrap_or(""),
                p.strategy_label(),
                p.n,
                p.sync,
                p.precision,
                sps.map_or("–".into(), rate),
                p.latency_us
                    .map_or("–".into(), |l| format!("{:.3}", l.p99 / 1e3)),
                gain(first),
                gain(previous),
                status_text(p),
            );
            previous = sps;
        }
        let _ = writeln!(out);
    }

    // --- Ranked methods, as report 002 ranks them.
    let _ = writeln!(out, "## Every configuration, ranked by samples/s\n");
    for run in runs {
        let mut ranked: Vec<&Point> = run
            .points
            .iter()
            .filter(|p| p.status == Status::Ok)
            .collect();
        ranked.sort_by(|a, b| {
            b.samples_per_s
                .unwrap_or(0.0)
                .total_cmp(&a.samples_per_s.unwrap_or(0.0))
        });
        let _ = writeln!(out, "{}:\n", run.info.adapter.label());
        let _ = writeln!(
            out,
            "| Rank | Workload | Method | N | Sync | Precision | samples/s | p50 (ms) | p99 (ms) |"
        );
        let _ = writeln!(out, "|---:|---|---|---:|---|---|---:|---:|---:|");
        for (i, p) in ranked.iter().take(20).enumerate() {
            let lat = p.latency_us;
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                i + 1,
                p.workload_label(),
                p.strategy_label(),
                p.n,
                p.sync,
                p.precision,
                rate(p.samples_per_s.unwrap_or(0.0)),
                lat.map_or("–".into(), |l| format!("{:.3}", l.p50 / 1e3)),
                lat.map_or("–".into(), |l| format!("{:.3}", l.p99 / 1e3)),
            );
        }
        let _ = writeln!(out);
    }

    // --- The seeds' tables, per run.
    let _ = writeln!(out, "## Tables\n");
    for run in runs {
        if runs.len() > 1 {
            let _ = writeln!(out, "### {}", run.info.adapter.label());
        }
        out.push_str(&scaling_tables(&run.points));
        let _ = writeln!(out);
        size_impact(&mut out, &run.points);
    }

    // --- Stress verification, as report 003's: the most threads per model.
    let _ = writeln!(out, "## Stress verification\n");
    for run in runs {
        stress_verification(&mut out, run, runs.len() > 1);
    }

    // --- Caveats.
    let _ = writeln!(out, "## Caveats\n");
    let mut any = false;
    for run in runs {
        if let Some(note) = fitted_ops_caveat(run) {
            any = true;
            let _ = writeln!(out, "* {note}");
        }
    }
    for (run, p) in runs
        .iter()
        .flat_map(|r| r.points.iter().map(move |p| (r, p)))
    {
        let adapter = if runs.len() > 1 {
            format!("{}: ", run.info.adapter.label())
        } else {
            String::new()
        };
        let what = format!(
            "{adapter}{} · {} N={} · {} · {}",
            p.workload_label(),
            p.strategy_label(),
            p.n,
            p.sync,
            p.precision
        );
        if p.status != Status::Ok {
            any = true;
            let _ = writeln!(
                out,
                "* {what}: **{}** — {}",
                status_text(p),
                p.error.as_deref().unwrap_or("")
            );
        } else if p.noisy {
            any = true;
            let s = p.samples_per_s_spread.expect("an ok point has a spread");
            let _ = writeln!(
                out,
                "* {what}: noisy — trials ranged {}–{} samples/s around a median of {}",
                rate(s.min),
                rate(s.max),
                rate(s.median)
            );
        } else if p.efficiency.is_none() {
            any = true;
            let _ = writeln!(
                out,
                "* {what}: no matched N=1 baseline in this run, so no efficiency"
            );
        }
    }
    if !any {
        let _ = writeln!(
            out,
            "None: every point completed every op, matched its reference and its baseline, and was stable."
        );
    }
    let _ = writeln!(out);

    // --- Metadata.
    let _ = writeln!(out, "## Runs\n");
    let _ = writeln!(
        out,
        "| Run | Adapter | Backend | Driver | Type | OS | CPUs | Revision | Timing | Experiment | Started | Finished |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---:|---|---|---|---|---|");
    for r in runs {
        let i = &r.info;
        let syncs: BTreeMap<&str, ()> = r.points.iter().map(|p| (p.sync.as_str(), ())).collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} {} | {} | {} | {} | {} | {} | {} (sync: {}) | {} | {} |",
            i.run_id,
            i.adapter.name,
            i.adapter.backend,
            i.adapter.driver,
            i.adapter.driver_info,
            i.adapter.device_type,
            i.os,
            i.cpu_count,
            i.git_revision,
            i.timing_method,
            experiment_with_overrides(i),
            syncs.keys().copied().collect::<Vec<_>>().join(", "),
            i.started_at.format("%Y-%m-%d %H:%M:%S UTC"),
            i.finished_at.map_or("interrupted".into(), |t| t
                .format("%Y-%m-%d %H:%M:%S UTC")
                .to_string()),
        );
    }
    out
}

/// Report 003's stress verification, from the run's own points: for each
/// model, its threads point that checked every output if there is one,
/// else the one with the most threads: did every op complete, and was
/// every checked output right? A sweep with `checks = ops` (seeds.toml's
/// last three) or `curves stress` checks every op.
fn stress_verification(out: &mut String, run: &Run, name_adapter: bool) {
    let mut chosen: Vec<&Point> = Vec::new();
    for p in run.points.iter().filter(|p| p.strategy == "threads") {
        let same =
            |q: &&Point| q.workload_label() == p.workload_label() && q.precision == p.precision;
        match chosen.iter().position(same) {
            Some(i) => {
                let c = chosen[i];
                let rank = |q: &Point| {
                    let every = q.ops_checked > 0 && q.ops_checked == q.ops_completed;
                    (every, q.n, q.ops_checked)
                };
                if rank(p) > rank(c) {
                    chosen[i] = p;
                }
            }
            None => chosen.push(p),
        }
    }
    if name_adapter {
        let _ = writeln!(out, "{}:\n", run.info.adapter.label());
    }
    if chosen.is_empty() {
        let _ = writeln!(out, "No threads points in this run.\n");
        return;
    }
    let _ = writeln!(
        out,
        "| Model | Threads × ops per trial × trials | Total ops (expected) | Outputs checked | Wrong | Status |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---|");
    for p in &chosen {
        let pass = p.verified();
        let _ = writeln!(
            out,
            "| {} · {} | {} × {} × {} | {} ({}) | {} | {} | {} |",
            p.workload_label(),
            p.precision,
            p.n,
            p.ops_per_worker,
            p.trials,
            p.ops_completed,
            p.ops_expected,
            p.ops_checked,
            p.ops_wrong,
            if pass { "PASS" } else { "FAIL" },
        );
    }
    let _ = writeln!(
        out,
        "\nChecked outputs are compared with an f64 CPU reference; a sweep with `checks = ops` \
         (seeds.toml's last three) or `curves stress` checks every op.\n"
    );
}

/// Report 001's "Workload Size Impact" table, where the run has its rows.
fn size_impact(out: &mut String, points: &[Point]) {
    let points: Vec<&Point> = points.iter().collect();
    let rows = size_rows(&points);
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(out, "### Workload size impact\n");
    let _ = writeln!(
        out,
        "| Matrix size | Batch | 1-thread ops/s | 8-thread ops/s | Efficiency |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|");
    for (dims, batch, one, eight) in rows {
        let (a, b) = (one.ops_per_s.unwrap_or(0.0), eight.ops_per_s.unwrap_or(0.0));
        let _ = writeln!(
            out,
            "| {}x{} | {batch} | {} | {} | {:.1}% |",
            dims[0],
            dims[1],
            rate(a),
            rate(b),
            if a > 0.0 { 100.0 * b / (8.0 * a) } else { 0.0 },
        );
    }
    let _ = writeln!(
        out,
        "\nEfficiency: 8-thread ops/s ÷ (8 × 1-thread ops/s), as report 001 computes it.\n"
    );
}

/// A run whose ops per trial were fitted to `trial_s`: how few some got.
fn fitted_ops_caveat(run: &Run) -> Option<String> {
    if !run.points.iter().any(|p| p.status == Status::Ok) {
        return None;
    }
    run.info
        .overrides
        .iter()
        .find(|o| o.starts_with("trial_s"))?;
    let ops = run
        .points
        .iter()
        .filter(|p| p.status == Status::Ok)
        .map(|p| p.ops_per_worker);
    let (least, most) = (ops.clone().min()?, ops.max()?);
    let few = run
        .points
        .iter()
        .filter(|p| p.status == Status::Ok && p.ops_per_worker < 10)
        .count();
    Some(format!(
        "{} ran with {}: each point's ops per trial were fitted to it ({least} to {most}); \
         {few} points ran fewer than 10 ops per worker per trial, so their latency percentiles \
         rest on few ops.",
        run.info.adapter.label(),
        run.info.overrides.join(", ")
    ))
}

/// The experiment file, and the settings the command line put over it.
fn experiment_with_overrides(info: &RunInfo) -> String {
    if info.overrides.is_empty() {
        info.experiment_path.clone()
    } else {
        format!(
            "{} with {}",
            info.experiment_path,
            info.overrides.join(", ")
        )
    }
}

/// Each curve measured by more than one run, side by side: the
/// cross-backend, cross-machine check in numbers.
fn across_adapters(out: &mut String, runs: &[Run], adapters: &[String]) {
    let mut keys = Vec::new();
    for p in runs.iter().flat_map(|r| &r.points) {
        let key = p.curve_key();
        if !keys.contains(&key)
            && runs
                .iter()
                .filter(|r| r.points.iter().any(|q| q.curve_key() == key))
                .count()
                > 1
        {
            keys.push(key);
        }
    }
    if keys.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Across adapters\n");
    let _ = writeln!(
        out,
        "Every curve measured on more than one adapter: samples/s at N=1, then the peak and its \
         speedup over N=1. Absolute rates differ by adapter; the shapes (the speedups, where \
         they stop) are what to compare.\n"
    );
    let _ = writeln!(out, "| Workload | Curve | {} |", adapters.join(" | "));
    let _ = writeln!(out, "|---|---|{}", "---|".repeat(adapters.len()));
    for key in &keys {
        let mut label = None;
        let cells: Vec<String> = runs
            .iter()
            .map(|run| {
                let curve: Vec<&Point> = run
                    .points
                    .iter()
                    .filter(|p| p.curve_key() == *key)
                    .collect();
                let Some(first) = curve.first() else {
                    return "–".into();
                };
                label.get_or_insert_with(|| {
                    (
                        first.workload_label(),
                        format!(
                            "{} · {} · {}",
                            first.strategy_label(),
                            first.sync,
                            first.precision
                        ),
                    )
                });
                let ok: Vec<&&Point> = curve.iter().filter(|p| p.status == Status::Ok).collect();
                let base = ok.iter().find(|p| p.n == 1).and_then(|p| p.samples_per_s);
                let peak = ok
                    .iter()
                    .filter_map(|p| Some((p.samples_per_s?, p.n)))
                    .max_by(|a, b| a.0.total_cmp(&b.0));
                let mut cell = match (base, peak) {
                    (Some(b), Some((v, n))) if n > 1 => {
                        format!("{} → {} at N={n} ({:.1}×)", rate(b), rate(v), v / b)
                    }
                    (Some(b), _) => format!("{} (peak at N=1)", rate(b)),
                    (None, Some((v, n))) => format!("peak {} at N={n}", rate(v)),
                    (None, None) => "–".into(),
                };
                // Points with no figure, counted by status.
                let mut bad: BTreeMap<&str, usize> = BTreeMap::new();
                for p in curve.iter().filter(|p| p.status != Status::Ok) {
                    *bad.entry(p.status.name()).or_default() += 1;
                }
                match (ok.is_empty(), bad.len()) {
                    (true, 1) => bad.keys().next().expect("one").to_string(),
                    _ => {
                        for (status, count) in &bad {
                            let _ = write!(cell, "; {count} {status}");
                        }
                        cell
                    }
                }
            })
            .collect();
        let (workload, curve) = label.unwrap_or_default();
        let _ = writeln!(out, "| {workload} | {curve} | {} |", cells.join(" | "));
    }
    let _ = writeln!(out);
}

fn summary(out: &mut String, points: &[Point]) {
    let fits = usl_fits(points);
    let mut keys = Vec::new();
    for p in points {
        if !keys.contains(&p.curve_key()) {
            keys.push(p.curve_key());
        }
    }
    let _ = writeln!(
        out,
        "| Workload | Curve | Peak speedup | Efficiency below 50% from | Serialisation (USL) |"
    );
    let _ = writeln!(out, "|---|---|---:|---|---|");
    for key in &keys {
        let curve: Vec<&Point> = points
            .iter()
            .filter(|p| p.curve_key() == *key && p.status == Status::Ok)
            .collect();
        let Some(first) = curve.first() else { continue };
        let peak = curve
            .iter()
            .filter_map(|p| Some((p.speedup?, p.n)))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let below = curve
            .iter()
            .find(|p| p.efficiency.is_some_and(|e| e < 0.5))
            .map(|p| p.n);
        let fit = fits
            .iter()
            .find(|f| f.curve == *key)
            .map_or("–".into(), verdict);
        let _ = writeln!(
            out,
            "| {} | {} · {} · {} | {} | {} | {} |",
            first.workload_label(),
            first.strategy_label(),
            first.sync,
            first.precision,
            peak.map_or("–".into(), |(s, n)| format!("{s:.2}× at N={n}")),
            below.map_or("never (in the measured range)".into(), |n| format!("N={n}")),
            fit
        );
    }
    let _ = writeln!(out);

    // Which strategy wins at each N, and by how much.
    for ((workload, sync, precision), rows) in advantages(points) {
        let mut lines = Vec::new();
        for row in rows.iter().filter(|r| r.n > 1) {
            let mut sorted = row.samples_per_s.clone();
            sorted.sort_by(|a, b| b.1.total_cmp(&a.1));
            let (best, best_v) = &sorted[0];
            let (second, second_v) = &sorted[1];
            lines.push(format!(
                "N={}: {best} ({}, {:.1}× {second})",
                row.n,
                rate(*best_v),
                best_v / second_v
            ));
        }
        if !lines.is_empty() {
            let _ = writeln!(
                out,
                "Winner at each N, {workload}, sync {sync}, {precision}: {}.\n",
                lines.join("; ")
            );
        }
    }

    // The best configuration per use case, as report 000's table.
    let ok: Vec<&Point> = points
        .iter()
        .filter(|p| p.status == Status::Ok && p.samples_per_s.is_some())
        .collect();
    let best = |filter: &dyn Fn(&&Point) -> bool| {
        ok.iter().copied().filter(|p| filter(p)).max_by(|a, b| {
            a.samples_per_s
                .unwrap_or(0.0)
                .total_cmp(&b.samples_per_s.unwrap_or(0.0))
        })
    };
    let describe = |p: Option<&Point>| {
        p.map_or("–".to_string(), |p| {
            format!(
                "{} N={} ({} · {} · {}): {} samples/s, p99 {:.3} ms",
                p.strategy_label(),
                p.n,
                p.workload_label(),
                p.sync,
                p.precision,
                rate(p.samples_per_s.unwrap_or(0.0)),
                p.latency_us.map_or(f64::NAN, |l| l.p99 / 1e3)
            )
        })
    };
    let single = best(&|p| p.threads * p.processes == 1);
    let parallel = best(&|p| p.threads * p.processes > 1);
    // Latency-sensitive: the most throughput whose p99 stays within twice
    // the batch-1, single-worker p99 of the same workload and sync mode.
    let latency = best(&|p| {
        let Some(l) = p.latency_us else { return false };
        ok.iter()
            .find(|b| {
                b.n == 1
                    && b.batch == 1
                    && b.workload == p.workload
                    && b.dims == p.dims
                    && b.sync == p.sync
                    && b.threads * b.processes == 1
            })
            .and_then(|b| b.latency_us)
            .is_some_and(|b| l.p99 <= 2.0 * b.p99)
    });
    let _ = writeln!(out, "| Use case | Best measured configuration |");
    let _ = writeln!(out, "|---|---|");
    let _ = writeln!(out, "| Single stream (one worker) | {} |", describe(single));
    let _ = writeln!(
        out,
        "| Parallel streams (several workers) | {} |",
        describe(parallel)
    );
    let _ = writeln!(
        out,
        "| Latency-sensitive (p99 within 2× of batch 1) | {} |",
        describe(latency)
    );
    let _ = writeln!(out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::usl::UslFit;
    use crate::results::CurveKey;

    fn fit(sigma: f64) -> CurveFit {
        CurveFit {
            curve: CurveKey {
                workload: "linear".into(),
                dims: vec![256, 128],
                strategy: "threads".into(),
                sync: "readback".into(),
                precision: "f32".into(),
                hybrid_batch: 0,
                server: None,
                open_loop_rate: None,
                pool: true,
            },
            fit: UslFit {
                lambda: 1.0,
                sigma,
                kappa: 0.0,
                r2: 0.9,
                peak_n: None,
            },
        }
    }

    #[test]
    fn verdicts_follow_sigma() {
        assert!(verdict(&fit(1.05)).contains("serialised: adding workers adds no throughput"));
        assert!(verdict(&fit(0.5)).contains("mostly serialised"));
        assert!(verdict(&fit(0.0)).contains("not serialised"));
    }
}
