//! The report's tables of a run's figures: verdicts, picks, every curve,
//! comparisons between strategies, fits, the seeds' tables, the runs.
//! Each is built from the analysis; `build` places them.

use super::{Cell, Table};
use crate::analysis::usl::FitOutcome;
use crate::analysis::verdicts::{Outcome, verdicts};
use crate::analysis::{
    self, Analysis, Baseline, Curve, Interval, advantages, picks, server_capacity,
};
use crate::plot::si;
use crate::schema::{Point, Status};

pub(super) fn rate(v: Option<f64>) -> Cell {
    v.map_or_else(Cell::missing, |v| Cell::number(si(v), v))
}

pub(super) fn us(v: Option<f64>) -> Cell {
    v.map_or_else(Cell::missing, |v| Cell::number(format!("{v:.1}"), v))
}

pub(super) fn interval(i: Option<Interval>, percent: bool) -> Cell {
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
pub(super) fn describe(p: &Point) -> String {
    p.describe()
}

pub(super) fn status(p: &Point) -> String {
    match p.measured.status {
        Status::Ok => "ok".into(),
        other => format!(
            "{}: {}",
            other.name(),
            p.measured.error.as_deref().unwrap_or("")
        ),
    }
}

pub(super) fn verdict_table(a: &Analysis, run: usize) -> Table {
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
        let why = why(&v);
        t.push(vec![
            v.source.into(),
            v.claim.into(),
            v.seeds.into(),
            v.measured.into(),
            v.outcome.name().into(),
            why.into(),
        ]);
    }
    t
}

/// A verdict's reason with its rule.
fn why(v: &crate::analysis::verdicts::Verdict) -> String {
    if v.rule.is_empty() {
        v.reason.clone()
    } else {
        format!("{}; rule: {}", v.reason, v.rule)
    }
}

/// The run of each adapter that measured the most claims, in run order:
/// whose summary a merged report opens with.
pub(super) fn primary_runs(a: &Analysis) -> Vec<usize> {
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

/// Every claim once per adapter: measured as the adapter's first run
/// that measured it says, and its verdict counted over every run of the
/// adapter that measured it; a claim no run measured, once, as not
/// measured.
pub(super) fn merged_verdicts(a: &Analysis) -> Table {
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
            seen.push(adapter.clone());
            let over_runs = crate::analysis::reproduce::ClaimAcross {
                adapter: adapter.clone(),
                source: v.source,
                claim: v.claim,
                outcomes: all
                    .iter()
                    .enumerate()
                    .filter(|(r, _)| a.runs[*r].info.adapter.label() == adapter)
                    .map(|(r, vs)| (r, vs[i].outcome))
                    .collect(),
            };
            let verdict = if over_runs.measured() > 1 {
                over_runs.summary()
            } else {
                v.outcome.name().to_string()
            };
            t.push(vec![
                v.source.into(),
                v.claim.into(),
                v.seeds.into(),
                a.run_labels[run].clone().into(),
                v.measured.clone().into(),
                verdict.into(),
                why(v).into(),
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

pub(super) fn picks_table(a: &Analysis, run: usize) -> Table {
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
                rate(p.measured.samples_per_s),
                us(p.measured.latency_us.map(|l| l.p99)),
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

pub(super) fn curve_table(a: &Analysis, c: &Curve, index: usize) -> Table {
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
        let s = p.point.measured.samples_per_s_spread;
        t.push(vec![
            Cell::number(p.point.n.to_string(), f64::from(p.point.n)),
            rate(p.point.measured.samples_per_s),
            s.map_or_else(Cell::missing, |s| {
                Cell::text(format!("{}–{}", si(s.min), si(s.max)))
            }),
            interval(p.speedup, false),
            interval(p.efficiency, true),
            us(p.point.measured.latency_us.map(|l| l.p50)),
            us(p.point.measured.latency_us.map(|l| l.p99)),
            us(p.point
                .measured
                .phases_us
                .and_then(|ph| ph.gpu)
                .map(|g| g.median)),
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

pub(super) fn baseline_note(c: &Curve) -> Option<String> {
    match &c.baseline {
        Baseline::Missing(why) if !why.is_empty() => Some(format!(
            "{} · {}: no baseline: {why}",
            c.workload_label(),
            c.label
        )),
        _ => None,
    }
}

pub(super) fn fits_table(a: &Analysis) -> Option<Table> {
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

pub(super) fn advantage_tables(a: &Analysis, run: usize) -> Vec<Table> {
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

pub(super) fn server_table(a: &Analysis, run: usize) -> Option<Table> {
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
            rate(p.and_then(|p| p.measured.samples_per_s)),
            p.map_or("none within the bound".to_string(), |p| {
                format!("N={}", p.n)
            })
            .into(),
            us(p.and_then(|p| p.measured.latency_us.map(|l| l.p99))),
        ]);
    }
    Some(t)
}

pub(super) fn server_search_table(a: &Analysis, run: usize) -> Option<Table> {
    let rows = analysis::server_search(a, run);
    if rows.is_empty() {
        return None;
    }
    // The baseline matched for the upload, where the run measured one.
    let uploads = rows.iter().any(|r| r.vs_uploading16.is_some());
    let mut columns = vec![
        "Configuration",
        "Clients",
        "Sync · wait",
        "samples/s",
        "of batch 16 (range)",
    ];
    if uploads {
        columns.push("of batch 16 writing its inputs");
    }
    columns.extend(["requests per batch", "p99 µs"]);
    let mut t = Table::new(
        format!("server-search-{}", run + 1),
        "The server's configurations at 16 and more closed-loop batch-1 clients, against one thread batching 16 under the same sync mode and wait style (target: 80%)",
        &columns,
    );
    for r in rows {
        let p = r.point;
        let mut row = vec![
            p.config.strategy_label().into(),
            Cell::number(p.n.to_string(), f64::from(p.n)),
            p.config.sync_label().into(),
            rate(p.measured.samples_per_s),
            interval(r.vs_batch16, true),
        ];
        if uploads {
            row.push(interval(r.vs_uploading16, true));
        }
        row.extend([
            r.mean_batch
                .map_or_else(Cell::missing, |m| Cell::number(format!("{m:.1}"), m)),
            us(p.measured.latency_us.map(|l| l.p99)),
        ]);
        t.push(row);
    }
    Some(t)
}

pub(super) fn size_table(a: &Analysis, run: usize) -> Option<Table> {
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
            .measured
            .ops_per_s
            .zip(eight.measured.ops_per_s)
            .map(|(o, e)| e / (8.0 * o));
        t.push(vec![
            format!("{}×{}", dims[0], dims[1]).into(),
            Cell::number(batch.to_string(), f64::from(batch)),
            rate(one.measured.ops_per_s),
            rate(eight.measured.ops_per_s),
            eff.map_or_else(Cell::missing, |e| {
                Cell::number(format!("{:.1}%", e * 100.0), e * 100.0)
            }),
        ]);
    }
    Some(t)
}

pub(super) fn steps_table(a: &Analysis, run: usize) -> Option<Table> {
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
    let first = steps.first().and_then(|p| p.measured.samples_per_s);
    let mut previous: Option<f64> = None;
    for p in steps {
        let s = p
            .measured
            .samples_per_s
            .filter(|_| p.measured.status == Status::Ok);
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

pub(super) fn stress_table(a: &Analysis, run: usize) -> Option<Table> {
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
            Cell::number(
                p.measured.ops_expected.to_string(),
                p.measured.ops_expected as f64,
            ),
            Cell::number(
                p.measured.ops_completed.to_string(),
                p.measured.ops_completed as f64,
            ),
            Cell::number(
                p.measured.ops_checked.to_string(),
                p.measured.ops_checked as f64,
            ),
            Cell::number(
                p.measured.ops_wrong.to_string(),
                p.measured.ops_wrong as f64,
            ),
            if p.verified() { "PASS" } else { "FAIL" }.into(),
        ]);
    }
    Some(t)
}

pub(super) fn across_table(a: &Analysis) -> Option<Table> {
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
                    Some(p) if p.ok() => rate(p.point.measured.samples_per_s),
                    Some(p) => p.point.measured.status.name().into(),
                    None => Cell::missing(),
                });
            }
            t.push(row);
        }
    }
    Some(t)
}

pub(super) fn runs_table(a: &Analysis) -> Table {
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
