//! The report's tables of a run's figures: verdicts, picks, every curve,
//! comparisons between strategies, fits, the seeds' tables, the runs.
//! Each is built from the analysis; `build` places them.

use super::{Cell, Table};
use crate::analysis::usl::FitOutcome;
use crate::analysis::{self, Analysis, Baseline, Curve, Interval, advantages, picks};
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
            Cell::count(p.point.n.into()),
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
                let mut row = vec![Cell::count(r.n.into())];
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
                Cell::count(n.into()),
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
