//! The server as serving tools draw it (perf_analyzer's and vLLM's load
//! sweeps): latency (p50 and p99) against throughput as the load rises,
//! one thread batching 16 samples per op as the reference; and, for
//! open-loop clients, the rate achieved against the rate intended.

use super::colour;
use crate::analysis::{Analysis, Curve, batch16};
use crate::plot::{Chart, Dot, GREY, Guide, Line, LineChart, MAX_SERIES, Panels, Scale};
use crate::schema::BaselineRule;
use crate::units::si;

pub(super) fn chart(a: &Analysis, run: usize) -> Option<Chart> {
    let owners: Vec<&Curve> = a
        .curves_of_run(run)
        .filter(|c| c.strategy().info().baseline == BaselineRule::BatchAtSize)
        .filter(|c| c.good().next().is_some())
        .collect();
    let (open, closed): (Vec<&Curve>, Vec<&Curve>) = owners
        .iter()
        .copied()
        .partition(|c| c.config.arrival_rate_per_s.is_some());
    let mut panels = Vec::new();
    let mut notes = vec![
        "each point a number of clients; solid p50, dashed p99 of a request's latency; the vertical line: one thread batching 16 samples per op under the same sync (the server's reference)".to_string(),
    ];
    // Six panels of closed-loop curves at most, as every chart.
    let most = MAX_SERIES / 2 * 6;
    if closed.len() > most {
        notes.push(format!(
            "the first {most} of {} closed-loop curves; every curve is in the report's tables",
            closed.len()
        ));
    }
    for (i, group) in closed.chunks(MAX_SERIES / 2).take(6).enumerate() {
        let mut lines = Vec::new();
        let mut x_guides: Vec<Guide> = Vec::new();
        for (k, c) in group.iter().enumerate() {
            for (which, dashed) in [("p50", false), ("p99", true)] {
                lines.push(Line {
                    label: format!("{} {which}", c.label),
                    colour: colour(a, c),
                    shape: k,
                    dashed,
                    connected: true,
                    dots: c
                        .good()
                        .filter_map(|p| {
                            let l = p.point.measured.latency_us?;
                            Some(Dot::at(
                                p.point.measured.samples_per_s?,
                                if dashed { l.p99 } else { l.p50 },
                            ))
                        })
                        .collect(),
                });
            }
            if let Some(b) = batch16(a, c, false).and_then(|p| p.point.measured.samples_per_s) {
                let label = format!(
                    "one thread, batch 16, {}: {} samples/s",
                    c.config.sync_label(),
                    si(b)
                );
                if !x_guides.iter().any(|g| g.label == label) {
                    x_guides.push(Guide {
                        label,
                        y: b,
                        colour: GREY,
                    });
                }
            }
        }
        x_guides.truncate(MAX_SERIES.saturating_sub(lines.len()));
        panels.push(Chart::Lines(LineChart {
            title: if closed.len() > MAX_SERIES / 2 {
                format!("closed-loop clients ({})", i + 1)
            } else {
                "closed-loop clients".into()
            },
            x_label: "throughput, samples/s (load rises with the clients)".into(),
            y_label: "µs per request".into(),
            x: Scale::Log10,
            y: Scale::Log10,
            percent: false,
            lines,
            guides: Vec::new(),
            x_guides,
            notes: Vec::new(),
        }));
    }
    if !open.is_empty() {
        let mut lines: Vec<Line> = open
            .iter()
            .take(MAX_SERIES - 1)
            .enumerate()
            .map(|(k, c)| {
                let rate = c.config.arrival_rate_per_s.unwrap_or(0.0);
                Line {
                    label: c.label.clone(),
                    colour: colour(a, c),
                    shape: k,
                    dashed: false,
                    connected: true,
                    dots: c
                        .good()
                        .filter_map(|p| {
                            Some(Dot::at(
                                rate * f64::from(p.point.n),
                                p.point.measured.samples_per_s?,
                            ))
                        })
                        .collect(),
                }
            })
            .collect();
        let span: Vec<f64> = lines
            .iter()
            .flat_map(|l| l.dots.iter().map(|d| d.x))
            .collect();
        let (lo, hi) = span
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(l, h), &x| (l.min(x), h.max(x)));
        if lo.is_finite() && hi > 0.0 {
            lines.push(Line {
                label: "achieved = intended".into(),
                colour: GREY,
                shape: 0,
                dashed: true,
                connected: true,
                dots: vec![Dot::at(lo, lo), Dot::at(hi, hi)],
            });
        }
        panels.push(Chart::Lines(LineChart {
            title: "open-loop clients".into(),
            x_label: "intended rate, requests/s (all clients)".into(),
            y_label: "achieved samples/s".into(),
            x: Scale::Log10,
            y: Scale::Log10,
            percent: false,
            lines,
            guides: Vec::new(),
            x_guides: Vec::new(),
            notes: Vec::new(),
        }));
    }
    if panels.is_empty() {
        return None;
    }
    Some(Chart::Panels(Panels {
        title: format!("The GPU owner under load · {}", a.run_labels[run]),
        panels,
        notes,
    }))
}
