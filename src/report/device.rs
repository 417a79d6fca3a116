//! The report's tables of the device: each workload's best point against
//! `curves peak`'s ceilings (a roofline in numbers), the ceilings
//! themselves, each workload's GPU time as run, with every runtime check and
//! with none,
//! and every kernel variant measured.

use super::tables::us;
use super::{Cell, Table};
use crate::analysis::Analysis;
use crate::analysis::roofline::roofline;

pub(super) fn roofline_table(a: &Analysis, run: usize) -> Option<Table> {
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

pub(super) fn ceilings_table(a: &Analysis, run: usize) -> Option<Table> {
    let c = a.runs[run].ceilings.as_ref()?;
    let mut t = Table::new(
        format!("device-{}", run + 1),
        "",
        &["Ceiling", "Value", "How"],
    );
    let mut row = |name: &str, m: &Option<crate::schema::Ceiling>, unit: &str| {
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
    row("pass floor", &c.pass_floor_us, "µs");
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

pub(super) fn workload_times_table(a: &Analysis, run: usize) -> Option<Table> {
    let c = a.runs[run].ceilings.as_ref()?;
    if c.workloads.is_empty() {
        return None;
    }
    let mut t = Table::new(
        format!("workload-gpu-{}", run + 1),
        "as run: naga's runtime checks on every module but those the host proves in bounds (their kernels say unchecked)",
        &[
            "Workload",
            "Batch",
            "Precision",
            "GPU µs per op (as run)",
            "all checked",
            "unchecked",
            "checks cost as run",
            "all checked",
            "TFLOP/s",
            "Kernels",
        ],
    );
    for w in &c.workloads {
        let cost = |t: f64| {
            let c = (t / w.unchecked_us - 1.0) * 100.0;
            Cell::number(format!("{c:+.1}%"), c)
        };
        t.push(vec![
            w.workload.clone().into(),
            Cell::count(w.batch.into()),
            w.precision.to_string().into(),
            us(Some(w.as_run())),
            us(Some(w.checked_us)),
            us(Some(w.unchecked_us)),
            cost(w.as_run()),
            cost(w.checked_us),
            Cell::number(format!("{:.2}", w.tflops), w.tflops),
            w.kernels.join("; ").into(),
        ]);
    }
    Some(t)
}

/// Each workload op's dispatches timed on their own: where its GPU time
/// goes, and how much of it is passes rather than kernels.
pub(super) fn dispatch_times_table(a: &Analysis, run: usize) -> Option<Table> {
    let c = a.runs[run].ceilings.as_ref()?;
    if c.workloads.iter().all(|w| w.dispatches.is_empty()) {
        return None;
    }
    let mut t = Table::new(
        format!("dispatch-gpu-{}", run + 1),
        "",
        &[
            "Workload",
            "Batch",
            "Precision",
            "Dispatch",
            "GPU µs alone in a pass",
            "back to back",
            "share of the op",
            "Kernel",
        ],
    );
    for w in &c.workloads {
        for d in &w.dispatches {
            let share = d.alone_us / w.as_run() * 100.0;
            t.push(vec![
                w.workload.clone().into(),
                Cell::count(w.batch.into()),
                w.precision.to_string().into(),
                d.label.clone().into(),
                us(Some(d.alone_us)),
                us(Some(d.in_stream_us)),
                Cell::number(format!("{share:.0}%"), share),
                d.kernel.clone().into(),
            ]);
        }
    }
    Some(t)
}

pub(super) fn variants_table(a: &Analysis, run: usize) -> Option<Table> {
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
