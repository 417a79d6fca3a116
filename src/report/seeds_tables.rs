//! The seeds' own tables, redrawn from a run: the server and its
//! configuration search, the layer sizes, the labelled steps, the stress
//! verification.

use super::tables::*;
use super::{Cell, Table};
use crate::analysis::{self, *};
use crate::schema::Status;

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

pub(super) fn server_search_table(a: &Analysis, run: usize, limit: usize) -> Option<Table> {
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
        if t.is_full(limit) {
            t.left_out += 1;
            continue;
        }
        let p = r.point;
        let mut row = vec![
            p.config.strategy_label().into(),
            Cell::count(p.n.into()),
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
            Cell::count(batch.into()),
            rate(one.measured.ops_per_s),
            rate(eight.measured.ops_per_s),
            eff.map_or_else(Cell::missing, |e| {
                Cell::number(format!("{:.1}%", e * 100.0), e * 100.0)
            }),
        ]);
    }
    Some(t)
}

pub(super) fn steps_table(a: &Analysis, run: usize, limit: usize) -> Option<Table> {
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
    for (i, p) in steps.iter().enumerate() {
        if t.is_full(limit) {
            t.left_out = steps.len() - i;
            break;
        }
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
            Cell::count(p.n.into()),
            Cell::count(p.measured.ops_expected),
            Cell::count(p.measured.ops_completed),
            Cell::count(p.measured.ops_checked),
            Cell::count(p.measured.ops_wrong),
            if p.verified() { "PASS" } else { "FAIL" }.into(),
        ]);
    }
    Some(t)
}
