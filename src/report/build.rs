//! The report's content, from the analysis: which sections, which tables,
//! which sentences. Renderers (Markdown, HTML) only lay it out.

use super::{Block, Cell, Document, Section, Table};
use crate::analysis::findings::{roofline, stalls, summary};
use crate::analysis::usl::FitOutcome;
use crate::analysis::verdicts::{Outcome, verdicts};
use crate::analysis::{
    self, Analysis, Baseline, Curve, Interval, advantages, picks, server_capacity,
};
use crate::plot::{Named, si};
use crate::schema::{Point, Status};

fn rate(v: Option<f64>) -> Cell {
    v.map_or_else(Cell::missing, |v| Cell::number(si(v), v))
}

fn us(v: Option<f64>) -> Cell {
    v.map_or_else(Cell::missing, |v| Cell::number(format!("{v:.1}"), v))
}

fn interval(i: Option<Interval>, percent: bool) -> Cell {
    match i {
        Some(i) if percent => Cell::number(
            format!(
                "{:.1}% ({:.1}–{:.1})",
                i.value * 100.0,
                i.lo * 100.0,
                i.hi * 100.0
            ),
            i.value * 100.0,
        ),
        Some(i) => Cell::number(
            format!("{:.2}× ({:.2}–{:.2})", i.value, i.lo, i.hi),
            i.value,
        ),
        None => Cell::missing(),
    }
}

/// `linear 256→128 · threads N=4 · readback · f32`.
fn describe(p: &Point) -> String {
    p.describe()
}

fn status(p: &Point) -> String {
    match p.status {
        Status::Ok => "ok".into(),
        other => format!("{}: {}", other.name(), p.error.as_deref().unwrap_or("")),
    }
}

fn verdict_table(a: &Analysis, run: usize) -> Table {
    let mut t = Table::new(
        format!("verdicts-{}", run + 1),
        "",
        &[
            "Seed",
            "Claim",
            "Seeds' figure",
            "Measured here (matched)",
            "Verdict",
            "Why",
        ],
    );
    for v in verdicts(a, run) {
        t.push(vec![
            v.source.into(),
            v.claim.into(),
            v.seeds.into(),
            v.measured.into(),
            v.outcome.name().into(),
            v.reason.into(),
        ]);
    }
    t
}

/// The run of each adapter that measured the most claims, in run order:
/// whose summary a merged report opens with.
fn primary_runs(a: &Analysis) -> Vec<usize> {
    let mut best: Vec<(String, usize, usize)> = Vec::new();
    for run in 0..a.runs.len() {
        let adapter = a.runs[run].info.adapter.label();
        let measured = verdicts(a, run)
            .iter()
            .filter(|v| v.outcome != Outcome::NotMeasured)
            .count();
        match best.iter_mut().find(|(k, _, _)| *k == adapter) {
            Some(b) if measured > b.2 => (b.1, b.2) = (run, measured),
            Some(_) => {}
            None => best.push((adapter, run, measured)),
        }
    }
    best.into_iter().map(|(_, run, _)| run).collect()
}

/// Every claim once per adapter, from the first run of that adapter
/// that measured it; a claim no run measured, once, as not measured.
fn merged_verdicts(a: &Analysis) -> Table {
    let mut t = Table::new(
        "verdicts",
        "",
        &[
            "Seed",
            "Claim",
            "Seeds' figure",
            "Adapter",
            "Measured here (matched)",
            "Verdict",
            "Why",
        ],
    );
    let all: Vec<Vec<crate::analysis::verdicts::Verdict>> =
        (0..a.runs.len()).map(|r| verdicts(a, r)).collect();
    let claims = all.first().map_or(0, Vec::len);
    for i in 0..claims {
        let mut seen: Vec<String> = Vec::new();
        for (run, vs) in all.iter().enumerate() {
            let v = &vs[i];
            let adapter = a.runs[run].info.adapter.label();
            if v.outcome == Outcome::NotMeasured || seen.contains(&adapter) {
                continue;
            }
            seen.push(adapter);
            t.push(vec![
                v.source.into(),
                v.claim.into(),
                v.seeds.into(),
                a.run_labels[run].clone().into(),
                v.measured.clone().into(),
                v.outcome.name().into(),
                v.reason.clone().into(),
            ]);
        }
        if seen.is_empty() {
            let v = &all[0][i];
            t.push(vec![
                v.source.into(),
                v.claim.into(),
                v.seeds.into(),
                "–".into(),
                "–".into(),
                v.outcome.name().into(),
                "no run measured it".into(),
            ]);
        }
    }
    t
}

fn picks_table(a: &Analysis, run: usize) -> Table {
    let p = picks(a, run);
    let mut t = Table::new(
        format!("picks-{}", run + 1),
        "",
        &["Use case", "Configuration", "samples/s", "p99 µs"],
    );
    let row = |t: &mut Table, case: String, p: Option<&Point>| {
        t.push(match p {
            Some(p) => vec![
                case.into(),
                describe(p).into(),
                rate(p.samples_per_s),
                us(p.latency_us.map(|l| l.p99)),
            ],
            None => vec![
                case.into(),
                "none measured".into(),
                Cell::missing(),
                Cell::missing(),
            ],
        });
    };
    row(&mut t, "Single stream (one worker)".into(), p.single_stream);
    row(
        &mut t,
        "Parallel streams (several workers or clients)".into(),
        p.parallel_streams,
    );
    for (bound, point) in &p.latency {
        row(
            &mut t,
            format!("Most samples/s with p99 ≤ {} ms", bound / 1000.0),
            *point,
        );
    }
    t
}

fn roofline_table(a: &Analysis, run: usize) -> Option<Table> {
    let rows = roofline(a, run);
    if rows.is_empty() {
        return None;
    }
    let mut t = Table::new(
        format!("ceilings-{}", run + 1),
        "",
        &[
            "Workload",
            "Best point",
            "TFLOP/s",
            "% of matmul ceiling",
            "flops/byte",
            "GB/s",
            "% of bandwidth",
            "Roof at this intensity",
        ],
    );
    for r in rows {
        t.push(vec![
            format!("{} {}", r.workload, r.precision).into(),
            format!(
                "{} N={} · {}",
                r.point.config.strategy_label(),
                r.point.n,
                r.point.config.sync_label()
            )
            .into(),
            Cell::number(format!("{:.3}", r.achieved_tflops), r.achieved_tflops),
            r.pct_compute
                .map_or_else(Cell::missing, |v| Cell::number(format!("{v:.1}%"), v)),
            r.intensity
                .map_or_else(Cell::missing, |v| Cell::number(format!("{v:.1}"), v)),
            r.achieved_gb_s
                .map_or_else(Cell::missing, |v| Cell::number(format!("{v:.0}"), v)),
            r.pct_bandwidth
                .map_or_else(Cell::missing, |v| Cell::number(format!("{v:.1}%"), v)),
            r.bound.unwrap_or("–").into(),
        ]);
    }
    Some(t)
}

fn ceilings_table(a: &Analysis, run: usize) -> Option<Table> {
    let c = a.runs[run].ceilings.as_ref()?;
    let mut t = Table::new(
        format!("device-{}", run + 1),
        "",
        &["Ceiling", "Value", "How"],
    );
    let mut row = |name: &str, m: &Option<crate::schema::Measured>, unit: &str| {
        if let Some(m) = m {
            t.push(vec![
                name.into(),
                Cell::number(format!("{:.2} {unit}", m.value), m.value),
                m.how.clone().into(),
            ]);
        }
    };
    row("f32 matmul", &c.matmul_f32_tflops, "TFLOP/s");
    row("f16 matmul", &c.matmul_f16_tflops, "TFLOP/s");
    row("memory bandwidth", &c.bandwidth_gb_s, "GB/s");
    row("dispatch floor", &c.dispatch_us, "µs");
    row(
        "GPU time between queued submissions",
        &c.submit_gpu_interval_us,
        "µs",
    );
    for s in &c.submits_per_s {
        t.push(vec![
            format!(
                "submissions/s, {} threads, {} command buffers",
                s.threads, s.command_buffer
            )
            .into(),
            Cell::number(format!("{:.0}", s.submits_per_s), s.submits_per_s),
            format!(
                "{:.1} µs per queue.submit on the host (median)",
                s.submit_us
            )
            .into(),
        ]);
    }
    for r in &c.round_trip_us {
        t.push(vec![
            format!("round trip, {} wait, {}", r.wait, r.completion).into(),
            Cell::number(format!("{:.1} µs p50", r.latency_us.p50), r.latency_us.p50),
            format!("p99 {:.1} µs; one-invocation dispatch", r.latency_us.p99).into(),
        ]);
    }
    if c.quick {
        t.push(vec![
            "(quick)".into(),
            "–".into(),
            "measured with --quick: small shapes, ratios only".into(),
        ]);
    }
    Some(t)
}

fn workload_times_table(a: &Analysis, run: usize) -> Option<Table> {
    let c = a.runs[run].ceilings.as_ref()?;
    if c.workloads.is_empty() {
        return None;
    }
    let mut t = Table::new(
        format!("workload-gpu-{}", run + 1),
        "",
        &[
            "Workload",
            "Batch",
            "Precision",
            "GPU µs per op (checked)",
            "unchecked",
            "checks cost",
            "TFLOP/s",
            "Kernels",
        ],
    );
    for w in &c.workloads {
        let cost = (w.checked_us / w.unchecked_us - 1.0) * 100.0;
        t.push(vec![
            w.workload.clone().into(),
            Cell::number(w.batch.to_string(), f64::from(w.batch)),
            w.precision.to_string().into(),
            us(Some(w.checked_us)),
            us(Some(w.unchecked_us)),
            Cell::number(format!("{cost:+.1}%"), cost),
            Cell::number(format!("{:.2}", w.tflops), w.tflops),
            w.kernels.join("; ").into(),
        ]);
    }
    Some(t)
}

fn variants_table(a: &Analysis, run: usize) -> Option<Table> {
    let c = a.runs[run].ceilings.as_ref()?;
    if c.variants.is_empty() {
        return None;
    }
    let mut t = Table::new(
        format!("kernel-variants-{}", run + 1),
        "",
        &[
            "Shape m×k×n",
            "Precision",
            "Kernel",
            "GPU µs",
            "TFLOP/s",
            "Relative error",
            "Note",
        ],
    );
    for v in &c.variants {
        t.push(vec![
            v.shape.clone().into(),
            v.precision.to_string().into(),
            v.kernel.clone().into(),
            us(Some(v.gpu_us)),
            Cell::number(format!("{:.3}", v.tflops), v.tflops),
            v.rel_error
                .map_or_else(Cell::missing, |e| Cell::number(format!("{e:.1e}"), e)),
            v.note.clone().unwrap_or_default().into(),
        ]);
    }
    Some(t)
}

fn curve_table(a: &Analysis, c: &Curve, index: usize) -> Table {
    let title = format!(
        "{} · {}{}",
        c.workload_label(),
        c.label,
        if a.runs.len() > 1 {
            format!(" · {}", a.run_labels[c.run])
        } else {
            String::new()
        }
    );
    let mut t = Table::new(
        format!("curve-{index}"),
        title,
        &[
            "N",
            "samples/s",
            "trial range",
            "speedup (range)",
            "efficiency (range)",
            "p50 µs",
            "p99 µs",
            "GPU µs/op",
            "noise",
            "status",
        ],
    );
    for p in &c.points {
        let s = p.point.samples_per_s_spread;
        t.push(vec![
            Cell::number(p.point.n.to_string(), f64::from(p.point.n)),
            rate(p.point.samples_per_s),
            s.map_or_else(Cell::missing, |s| {
                Cell::text(format!("{}–{}", si(s.min), si(s.max)))
            }),
            interval(p.speedup, false),
            interval(p.efficiency, true),
            us(p.point.latency_us.map(|l| l.p50)),
            us(p.point.latency_us.map(|l| l.p99)),
            us(p.point.phases_us.and_then(|ph| ph.gpu).map(|g| g.median)),
            if p.repeat {
                "repeat: N measured twice".into()
            } else if p.noise.bimodal {
                "two levels".into()
            } else if p.noise.is_noisy() {
                format!("spread {:.0}%", p.noise.spread * 100.0).into()
            } else {
                "".into()
            },
            status(p.point).into(),
        ]);
    }
    t
}

fn baseline_note(c: &Curve) -> Option<String> {
    match &c.baseline {
        Baseline::Missing(why) if !why.is_empty() => Some(format!(
            "{} · {}: no baseline: {why}",
            c.workload_label(),
            c.label
        )),
        _ => None,
    }
}

fn fits_table(a: &Analysis) -> Option<Table> {
    let mut t = Table::new(
        "usl-fits",
        "",
        &[
            "Curve",
            "σ (contention, 0–1)",
            "κ (coherency)",
            "R²",
            "Reading",
        ],
    );
    for c in a.curves.iter() {
        let Some(fit) = &c.fit else { continue };
        let label = format!("{} · {}", c.workload_label(), c.label);
        match fit {
            FitOutcome::Fitted(f) => t.push(vec![
                label.into(),
                Cell::number(format!("{:.3}", f.sigma), f.sigma),
                Cell::number(format!("{:.4}", f.kappa), f.kappa),
                Cell::number(format!("{:.2}", f.r2), f.r2),
                match f.peak_n {
                    Some(n) => format!("throughput peaks near N = {n:.0}").into(),
                    None if f.sigma > 0.9 => "serialised: more workers add no throughput".into(),
                    None => format!("a serial fraction of {:.0}%", f.sigma * 100.0).into(),
                },
            ]),
            FitOutcome::Refused { reason, .. } => t.push(vec![
                label.into(),
                Cell::missing(),
                Cell::missing(),
                Cell::missing(),
                format!("no verdict: {reason}").into(),
            ]),
        }
    }
    (!t.is_empty()).then_some(t)
}

fn advantage_tables(a: &Analysis, run: usize) -> Vec<Table> {
    advantages(a, run)
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            let mut names: Vec<String> = Vec::new();
            for r in &m.rows {
                for (n, _) in &r.samples_per_s {
                    if !names.contains(n) {
                        names.push(n.clone());
                    }
                }
            }
            let mut header = vec!["N".to_string()];
            header.extend(names.iter().cloned());
            header.push("best over worst".into());
            let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
            let mut t = Table::new(
                format!("advantage-{}-{}", run + 1, i + 1),
                format!(
                    "{} · {} · {} (samples/s; an advantage, not an efficiency)",
                    m.workload, m.sync, m.precision
                ),
                &header_refs,
            );
            for r in &m.rows {
                let mut row = vec![Cell::number(r.n.to_string(), f64::from(r.n))];
                for name in &names {
                    row.push(rate(
                        r.samples_per_s
                            .iter()
                            .find(|(k, _)| k == name)
                            .map(|(_, v)| *v),
                    ));
                }
                let values: Vec<f64> = r.samples_per_s.iter().map(|(_, v)| *v).collect();
                let (lo, hi) = values
                    .iter()
                    .fold((f64::INFINITY, 0f64), |(l, h), v| (l.min(*v), h.max(*v)));
                let best = r
                    .samples_per_s
                    .iter()
                    .max_by(|x, y| x.1.total_cmp(&y.1))
                    .map(|(k, _)| k.clone())
                    .unwrap_or_default();
                row.push(Cell::number(format!("{:.1}× ({best})", hi / lo), hi / lo));
                t.push(row);
            }
            t
        })
        .collect()
}

fn server_table(a: &Analysis, run: usize) -> Option<Table> {
    let rows = server_capacity(a, run);
    if rows.is_empty() {
        return None;
    }
    let mut t = Table::new(
        format!("server-capacity-{}", run + 1),
        "MLPerf's server metric: the most samples/s whose p99 per request stays within the bound",
        &["Curve", "p99 bound", "samples/s", "at", "p99 µs"],
    );
    for (label, bound, p) in rows {
        t.push(vec![
            label.into(),
            format!("{} ms", bound / 1000.0).into(),
            rate(p.and_then(|p| p.samples_per_s)),
            p.map_or("none within the bound".to_string(), |p| {
                format!("N={}", p.n)
            })
            .into(),
            us(p.and_then(|p| p.latency_us.map(|l| l.p99))),
        ]);
    }
    Some(t)
}

fn server_search_table(a: &Analysis, run: usize) -> Option<Table> {
    let rows = analysis::server_search(a, run);
    if rows.is_empty() {
        return None;
    }
    let mut t = Table::new(
        format!("server-search-{}", run + 1),
        "The server's configurations at 16 and more closed-loop batch-1 clients, against one thread batching 16 under the same sync mode and wait style (target: 80%)",
        &[
            "Configuration",
            "Clients",
            "Sync · wait",
            "samples/s",
            "of batch 16 (range)",
            "requests per batch",
            "p99 µs",
        ],
    );
    for r in rows {
        let p = r.point;
        t.push(vec![
            p.config.strategy_label().into(),
            Cell::number(p.n.to_string(), f64::from(p.n)),
            p.config.sync_label().into(),
            rate(p.samples_per_s),
            interval(r.vs_batch16, true),
            r.mean_batch
                .map_or_else(Cell::missing, |m| Cell::number(format!("{m:.1}"), m)),
            us(p.latency_us.map(|l| l.p99)),
        ]);
    }
    Some(t)
}

fn size_table(a: &Analysis, run: usize) -> Option<Table> {
    let rows = analysis::size_rows(a, run);
    if rows.is_empty() {
        return None;
    }
    let mut t = Table::new(
        format!("size-{}", run + 1),
        "Report 001's workload size impact (efficiency as 001 computes it: 8-thread ops/s ÷ (8 × 1-thread ops/s))",
        &[
            "Layer",
            "Batch",
            "1-thread ops/s",
            "8-thread ops/s",
            "Efficiency",
        ],
    );
    for (dims, batch, one, eight) in rows {
        let eff = one
            .ops_per_s
            .zip(eight.ops_per_s)
            .map(|(o, e)| e / (8.0 * o));
        t.push(vec![
            format!("{}×{}", dims[0], dims[1]).into(),
            Cell::number(batch.to_string(), f64::from(batch)),
            rate(one.ops_per_s),
            rate(eight.ops_per_s),
            eff.map_or_else(Cell::missing, |e| {
                Cell::number(format!("{:.1}%", e * 100.0), e * 100.0)
            }),
        ]);
    }
    Some(t)
}

fn steps_table(a: &Analysis, run: usize) -> Option<Table> {
    let steps = analysis::steps(&a.runs[run]);
    if steps.is_empty() {
        return None;
    }
    let mut t = Table::new(
        format!("stack-{}", run + 1),
        "Report 004's optimisation stack, step by step",
        &[
            "Step",
            "Configuration",
            "samples/s",
            "gain over the previous step",
            "cumulative",
        ],
    );
    let first = steps.first().and_then(|p| p.samples_per_s);
    let mut previous: Option<f64> = None;
    for p in steps {
        let s = p.samples_per_s.filter(|_| p.status == Status::Ok);
        t.push(vec![
            p.config.label.clone().unwrap_or_default().into(),
            describe(p).into(),
            rate(s),
            match (s, previous) {
                (Some(s), Some(prev)) => {
                    Cell::number(format!("{:+.0}%", (s / prev - 1.0) * 100.0), s / prev)
                }
                _ => Cell::missing(),
            },
            match (s, first) {
                (Some(s), Some(f)) => Cell::number(format!("{:.1}×", s / f), s / f),
                _ => Cell::missing(),
            },
        ]);
        previous = s.or(previous);
    }
    Some(t)
}

fn stress_table(a: &Analysis, run: usize) -> Option<Table> {
    let points = analysis::stress_points(&a.runs[run]);
    if points.is_empty() {
        return None;
    }
    let mut t = Table::new(
        format!("stress-{}", run + 1),
        "Report 003's stress verification, from the run's threads points",
        &[
            "Model",
            "Threads",
            "Ops expected",
            "Completed",
            "Checked",
            "Wrong",
            "Verified",
        ],
    );
    for p in points {
        t.push(vec![
            format!("{} {}", p.config.workload_label(), p.config.precision).into(),
            Cell::number(p.n.to_string(), f64::from(p.n)),
            Cell::number(p.ops_expected.to_string(), p.ops_expected as f64),
            Cell::number(p.ops_completed.to_string(), p.ops_completed as f64),
            Cell::number(p.ops_checked.to_string(), p.ops_checked as f64),
            Cell::number(p.ops_wrong.to_string(), p.ops_wrong as f64),
            if p.verified() { "PASS" } else { "FAIL" }.into(),
        ]);
    }
    Some(t)
}

fn across_table(a: &Analysis) -> Option<Table> {
    let groups = analysis::across_runs(a);
    if groups.is_empty() {
        return None;
    }
    let mut header = vec!["Curve".to_string(), "N".to_string()];
    header.extend(a.run_labels.iter().cloned());
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut t = Table::new(
        "across-runs",
        "samples/s of the same curve in each run",
        &header_refs,
    );
    for g in groups {
        let mut ns: Vec<u32> = g
            .iter()
            .flat_map(|c| c.points.iter().map(|p| p.point.n))
            .collect();
        ns.sort_unstable();
        ns.dedup();
        for n in ns {
            let mut row = vec![
                format!("{} · {}", g[0].workload_label(), g[0].label).into(),
                Cell::number(n.to_string(), f64::from(n)),
            ];
            for run in 0..a.runs.len() {
                let p = g.iter().find(|c| c.run == run).and_then(|c| c.at(n));
                row.push(match p {
                    Some(p) if p.ok() => rate(p.point.samples_per_s),
                    Some(p) => p.point.status.name().into(),
                    None => Cell::missing(),
                });
            }
            t.push(row);
        }
    }
    Some(t)
}

fn runs_table(a: &Analysis) -> Table {
    let mut t = Table::new(
        "runs",
        "",
        &[
            "Run", "Adapter", "Driver", "Machine", "Revision", "Started", "Finished", "Points",
            "Notes",
        ],
    );
    for r in a.runs {
        let i = &r.info;
        let mut notes = i.notes.clone();
        notes.extend(i.overrides.iter().map(|o| format!("override {o}")));
        if let Some(why) = &i.interrupted {
            notes.push(format!("interrupted by {why}"));
        }
        t.push(vec![
            i.run_id.clone().into(),
            i.adapter.label().into(),
            format!("{} {}", i.adapter.driver, i.adapter.driver_info).into(),
            format!("{} {}, {} CPUs", i.os, i.arch, i.cpu_count).into(),
            format!("curves {} ({})", i.crate_version, i.git_revision).into(),
            i.started_at
                .format("%Y-%m-%d %H:%M:%S UTC")
                .to_string()
                .into(),
            i.finished_at
                .map_or("not finished".into(), |f| {
                    f.format("%H:%M:%S UTC").to_string()
                })
                .into(),
            Cell::number(r.points.len().to_string(), r.points.len() as f64),
            notes.join("; ").into(),
        ]);
    }
    t
}

fn caveats(a: &Analysis, notes: &[String]) -> Vec<String> {
    let mut out: Vec<String> = notes.to_vec();
    let mut revisions: Vec<&str> = a
        .runs
        .iter()
        .map(|r| r.info.git_revision.as_str())
        .collect();
    revisions.sort_unstable();
    revisions.dedup();
    if revisions.len() > 1 {
        out.push(format!(
            "these runs were measured by {} revisions of the tool ({}): kernels and host path may differ between them, so compare adapters with care (the runs' table names each)",
            revisions.len(),
            revisions.join(", ")
        ));
    }
    for (i, r) in a.runs.iter().enumerate() {
        let label = &a.run_labels[i];
        let mut counts: Vec<(String, usize)> = Vec::new();
        for p in analysis::bad_points(r) {
            let name = p.status.name().to_string();
            match counts.iter_mut().find(|(k, _)| *k == name) {
                Some(c) => c.1 += 1,
                None => counts.push((name, 1)),
            }
        }
        for (status, n) in counts {
            let examples: Vec<String> = r
                .points
                .iter()
                .filter(|p| p.status.name() == status)
                .take(3)
                .map(|p| format!("{} ({})", p.describe(), p.error.as_deref().unwrap_or("")))
                .collect();
            out.push(format!(
                "{label}: {n} point(s) {status}: {}{}",
                examples.join("; "),
                if n > 3 { "; …" } else { "" }
            ));
        }
        if r.info.finished_at.is_none() {
            out.push(format!("{label}: the run did not finish (interrupted or still running); its missing points are not in any figure"));
        }
        for o in &r.info.overrides {
            out.push(format!("{label}: run with `{o}` over the experiment file"));
        }
    }
    let noisy: Vec<String> = a
        .curves
        .iter()
        .flat_map(|c| c.good().filter(|p| p.noise.is_noisy()).map(move |p| (c, p)))
        .map(|(c, p)| {
            format!(
                "{} · {} N={} ({})",
                c.workload_label(),
                c.label,
                p.point.n,
                if p.noise.bimodal {
                    "trials at two levels".to_string()
                } else {
                    format!("trials spread {:.0}%", p.noise.spread * 100.0)
                }
            )
        })
        .collect();
    if !noisy.is_empty() {
        out.push(format!(
            "{} point(s) stayed noisy after their trials (drawn hollow, their intervals shown): {}",
            noisy.len(),
            noisy.iter().take(8).cloned().collect::<Vec<_>>().join("; ")
                + if noisy.len() > 8 { "; …" } else { "" }
        ));
    }
    // A single-N curve (a ceiling beside others, a step) has no efficiency
    // by design; a curve of several N without one is a caveat.
    out.extend(
        a.curves
            .iter()
            .filter(|c| c.points.len() > 1)
            .filter_map(baseline_note),
    );
    out
}

pub(super) fn document(a: &Analysis, charts: &[Named], notes: &[String]) -> Document {
    let title = match a.runs {
        [one] => format!("What scales on {}", one.info.adapter.label()),
        many => {
            let mut adapters: Vec<String> = many.iter().map(|r| r.info.adapter.label()).collect();
            adapters.dedup();
            let mut distinct: Vec<String> = Vec::new();
            for x in adapters {
                if !distinct.contains(&x) {
                    distinct.push(x);
                }
            }
            format!(
                "What scales: {} runs on {}",
                many.len(),
                distinct.join(", ")
            )
        }
    };
    let intro = "Drawn by `curves report` from result files only. Efficiency is always against N=1 of the same curve \
                 (same workload, strategy, sync mode, wait style and precision); the GPU owner's curves (queue, server) \
                 are against one thread batching at the same size. Comparisons across strategies are advantages under one \
                 sync mode, never efficiencies. Intervals run from the slowest to the fastest trials."
        .to_string();
    // One run: its verdicts, summary, picks, ceilings and stalls. Several:
    // one verdict table (each claim once per adapter, from the first run
    // of that adapter that measured it) and a summary per adapter; each
    // run's own sections go to the appendix.
    let mut sections = Vec::new();
    let mut per_run: Vec<Section> = Vec::new();
    let verdict_note = Block::Para("Each claim of the seed reports (PyTorch on Apple's MPS), its figure there, the matched figure measured here, and a verdict by the stated rule: a figure holds when its measured interval overlaps half to twice the seeds' figure.".into());
    if a.runs.len() > 1 {
        sections.push(Section {
            heading: "The seeds' claims".into(),
            blocks: vec![verdict_note.clone(), Block::Table(merged_verdicts(a))],
        });
        let mut bullets = Vec::new();
        for run in primary_runs(a) {
            bullets.extend(summary(a, run, &verdicts(a, run), &picks(a, run)));
        }
        sections.push(Section {
            heading: "Summary".into(),
            blocks: vec![Block::Bullets(bullets)],
        });
    }
    for run in 0..a.runs.len() {
        let label = &a.run_labels[run];
        let merged = a.runs.len() > 1;
        let v = verdicts(a, run);
        let p = picks(a, run);
        let out = if merged { &mut per_run } else { &mut sections };
        let named = |what: &str| {
            if merged {
                format!("{what} · {label}")
            } else {
                what.to_string()
            }
        };
        out.push(Section {
            heading: named("The seeds' claims"),
            blocks: vec![verdict_note.clone(), Block::Table(verdict_table(a, run))],
        });
        out.push(Section {
            heading: named("Summary"),
            blocks: vec![Block::Bullets(summary(a, run, &v, &p))],
        });
        out.push(Section {
            heading: named("Best configurations"),
            blocks: vec![
                Block::Para("Only among points whose sync gives every op's result to the host (readback, wait): a point synchronised once per trial would win by answering nobody.".into()),
                Block::Table(picks_table(a, run)),
            ],
        });
        if let Some(t) = roofline_table(a, run) {
            out.push(Section {
                heading: named("Against the device's ceilings"),
                blocks: vec![
                    Block::Para("Each workload's best point read against `curves peak`'s ceilings: the compute it achieves, and the bandwidth its minimum traffic needs (a roofline in numbers).".into()),
                    Block::Table(t),
                ],
            });
        }
        let st = stalls(a, run);
        if !st.is_empty() {
            out.push(Section {
                heading: named("Stalls"),
                blocks: vec![Block::Bullets(st)],
            });
        }
        let g = crate::analysis::findings::gpus(a, run);
        if !g.is_empty() {
            out.push(Section {
                heading: named("Past one GPU"),
                blocks: vec![Block::Bullets(g)],
            });
        }
    }
    let fw = crate::analysis::findings::frameworks(a);
    if !fw.is_empty() {
        sections.push(Section {
            heading: "Framework or API?".into(),
            blocks: vec![Block::Bullets(fw)],
        });
    }
    let headline: Vec<Block> = charts
        .iter()
        .filter(|c| c.headline)
        .take(8)
        .map(|c| Block::Chart {
            stem: c.stem.clone(),
            title: c.chart.title().to_string(),
            png: true,
        })
        .collect();
    if !headline.is_empty() {
        sections.push(Section {
            heading: "Charts".into(),
            blocks: headline,
        });
    }
    let cav = caveats(a, notes);
    sections.push(Section {
        heading: "Caveats".into(),
        blocks: vec![if cav.is_empty() {
            Block::Para("None: every point completed, checked and steady.".into())
        } else {
            Block::Bullets(cav)
        }],
    });

    // The appendix: each run's own sections (merged reports), every
    // table, every chart.
    let mut appendix = per_run;
    let curve_tables: Vec<Block> = a
        .curves
        .iter()
        .enumerate()
        .map(|(i, c)| Block::Table(curve_table(a, c, i + 1)))
        .collect();
    appendix.push(Section {
        heading: "Every curve".into(),
        blocks: curve_tables,
    });
    for run in 0..a.runs.len() {
        let adv = advantage_tables(a, run);
        if !adv.is_empty() {
            appendix.push(Section {
                heading: format!("Strategies side by side · {}", a.run_labels[run]),
                blocks: adv.into_iter().map(Block::Table).collect(),
            });
        }
        let mut seeds_tables = Vec::new();
        for t in [
            server_search_table(a, run),
            server_table(a, run),
            size_table(a, run),
            steps_table(a, run),
            stress_table(a, run),
        ]
        .into_iter()
        .flatten()
        {
            seeds_tables.push(Block::Table(t));
        }
        if !seeds_tables.is_empty() {
            appendix.push(Section {
                heading: format!("The seeds' tables · {}", a.run_labels[run]),
                blocks: seeds_tables,
            });
        }
        let mut device = Vec::new();
        for t in [
            ceilings_table(a, run),
            workload_times_table(a, run),
            variants_table(a, run),
        ]
        .into_iter()
        .flatten()
        {
            device.push(Block::Table(t));
        }
        if !device.is_empty() {
            appendix.push(Section {
                heading: format!(
                    "The device's ceilings (`curves peak`) · {}",
                    a.run_labels[run]
                ),
                blocks: device,
            });
        }
    }
    if let Some(t) = fits_table(a) {
        appendix.push(Section {
            heading: "Scaling model (USL) fits".into(),
            blocks: vec![
                Block::Para("σ and κ are fitted within their meanings (0 ≤ σ ≤ 1, κ ≥ 0) to curves whose N counts workers contending for the GPU. Below R² = 0.8, or where throughput falls at N=2, the model does not describe the curve and no reading is given.".into()),
                Block::Table(t),
            ],
        });
    }
    if let Some(t) = across_table(a) {
        appendix.push(Section {
            heading: "The same curves across runs".into(),
            blocks: vec![Block::Table(t)],
        });
    }
    let others: Vec<Block> = charts
        .iter()
        .map(|c| Block::Chart {
            stem: c.stem.clone(),
            title: c.chart.title().to_string(),
            png: c.headline,
        })
        .collect();
    if !others.is_empty() {
        appendix.push(Section {
            heading: "Every chart".into(),
            blocks: others,
        });
    }
    appendix.push(Section {
        heading: "Runs".into(),
        blocks: vec![Block::Table(runs_table(a))],
    });
    Document {
        title,
        intro,
        sections,
        appendix,
    }
}
