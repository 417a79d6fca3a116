//! Where an op's time goes, for the curves the verdicts cite (threads,
//! processes and batch on linear 256→128 with a readback after every op):
//! per op, stacked by phase against N, a panel per curve.

use crate::analysis::Analysis;
use crate::analysis::verdicts::{LINEAR, seeds_curve};
use crate::plot::{BarChart, Bars, Chart, Panels, Rgb};
use crate::schema::StrategyKind;

/// Phase colours, the same on every chart.
const PHASES: [(&str, Rgb); 5] = [
    ("encode", (31, 119, 180)),
    ("submit", (255, 127, 14)),
    ("GPU (timestamps)", (44, 160, 44)),
    ("wait beyond the GPU", (214, 39, 40)),
    ("readback", (148, 103, 189)),
];

pub(super) fn chart(a: &Analysis) -> Option<Chart> {
    let mut panels = Vec::new();
    for run in 0..a.runs.len() {
        for strategy in [
            StrategyKind::Threads,
            StrategyKind::Processes,
            StrategyKind::Batch,
        ] {
            let Some(c) = seeds_curve(a, run, LINEAR, strategy) else {
                continue;
            };
            let points: Vec<_> = c
                .good()
                .filter_map(|p| Some((p.point.n, p.point.measured.phases_us?)))
                .collect();
            if points.is_empty() {
                continue;
            }
            let mut values: Vec<Vec<Option<f64>>> = vec![Vec::new(); PHASES.len()];
            for (_, ph) in &points {
                let gpu = ph.gpu.map(|g| g.median.min(ph.wait.median));
                let row = [
                    Some(ph.encode.median),
                    Some(ph.submit.median),
                    gpu,
                    Some((ph.wait.median - gpu.unwrap_or(0.0)).max(0.0)),
                    Some(ph.readback.median),
                ];
                for (v, r) in values.iter_mut().zip(row) {
                    v.push(r);
                }
            }
            panels.push(Chart::Bars(BarChart {
                title: format!("{} · {}", c.label, a.run_labels[run]),
                y_label: "µs per op".into(),
                categories: points.iter().map(|(n, _)| n.to_string()).collect(),
                series: PHASES
                    .iter()
                    .zip(values)
                    .map(|(&(label, colour), values)| Bars {
                        label: label.into(),
                        colour,
                        values,
                    })
                    .collect(),
                stacked: true,
                log_y: false,
                notes: Vec::new(),
            }));
        }
    }
    // The verdicts' curves of at most two runs: six panels read at once.
    panels.truncate(6);
    if panels.is_empty() {
        return None;
    }
    Some(Chart::Panels(Panels {
        title: "Where an op's time goes · linear 256→128, every op read back".into(),
        panels,
        notes: vec![
            "medians per op, against N; the GPU runs while the host waits, so its time is the wait's first part".into(),
        ],
    }))
}
