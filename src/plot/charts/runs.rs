//! A run's own charts: the layer sizes (report 001), the labelled steps
//! (report 004's stack) and the multi-GPU share.

use super::colour;
use crate::analysis::{Analysis, Curve, CurvePoint};
use crate::plot::{BarChart, Bars, Chart, Dot, Line, LineChart, Named, Rgb, Scale};
use crate::schema::{Launch, Status, StrategyKind};

pub(super) fn size(a: &Analysis, run: usize) -> Option<Chart> {
    let rows = crate::analysis::size_rows(a, run);
    if rows.is_empty() {
        return None;
    }
    Some(Chart::Bars(BarChart {
        title: format!(
            "Layer size: 1 against 8 threads (report 001) · {}",
            a.run_labels[run]
        ),
        y_label: "ops/s".into(),
        categories: rows
            .iter()
            .map(|(dims, batch, _, _)| format!("{}×{} b{batch}", dims[0], dims[1]))
            .collect(),
        series: vec![
            Bars {
                label: "1 thread".into(),
                colour: StrategyKind::Batch.info().colour,
                values: rows.iter().map(|r| r.2.measured.ops_per_s).collect(),
            },
            Bars {
                label: "8 threads".into(),
                colour: StrategyKind::Threads.info().colour,
                values: rows.iter().map(|r| r.3.measured.ops_per_s).collect(),
            },
        ],
        stacked: false,
        log_y: true,
        notes: vec!["each op a batch of the layer's size (b): ops/s, not samples/s".into()],
    }))
}

pub(super) fn stack(a: &Analysis, run: usize) -> Option<Chart> {
    let mut steps = crate::analysis::steps(&a.runs[run]);
    if steps.is_empty() {
        return None;
    }
    // A stack is a handful of steps; a run of more labelled points shows
    // its first, and says so.
    const SHOWN: usize = 24;
    let total = steps.len();
    steps.truncate(SHOWN);
    // Steps are numbered on the axis and named in the notes: their labels
    // are sentences.
    Some(Chart::Bars(BarChart {
        title: format!(
            "The optimisation stack (report 004), step by step · {}",
            a.run_labels[run]
        ),
        y_label: "samples/s".into(),
        categories: (1..=steps.len()).map(|i| i.to_string()).collect(),
        series: vec![Bars {
            label: "samples/s".into(),
            colour: StrategyKind::Hybrid.info().colour,
            values: steps
                .iter()
                .map(|p| {
                    p.measured
                        .samples_per_s
                        .filter(|_| p.measured.status == Status::Ok)
                })
                .collect(),
        }],
        stacked: false,
        log_y: true,
        notes: steps
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{}: {}", i + 1, p.config.label.clone().unwrap_or_default()))
            .chain((total > SHOWN).then(|| format!("the first {SHOWN} of {total} labelled points")))
            .collect(),
    }))
}

pub(super) fn gpus(a: &Analysis, run: usize) -> Vec<Named> {
    let curves: Vec<&Curve> = a
        .curves_of_run(run)
        .filter(|c| c.strategy() == StrategyKind::Gpus)
        .collect();
    if curves.is_empty() {
        return Vec::new();
    }
    let lines = curves
        .iter()
        .enumerate()
        .map(|(i, c)| Line {
            label: c.label.clone(),
            colour: colour(a, c),
            shape: i,
            dashed: c.config.launch == Some(Launch::Processes),
            connected: true,
            dots: c
                .points
                .iter()
                .map(
                    |p| match p.point.measured.samples_per_s.filter(|_| p.ok()) {
                        Some(v) => Dot::at(f64::from(p.point.n), v),
                        None => Dot::missing(f64::from(p.point.n), p.point.measured.status.name()),
                    },
                )
                .collect(),
        })
        .collect();
    let mut charts = vec![Named {
        stem: "gpus".into(),
        chart: Chart::Lines(LineChart {
            title: format!("Workers spread over GPUs · {}", a.run_labels[run]),
            x_label: "workers, round robin over the chosen adapters".into(),
            y_label: "samples/s".into(),
            x: Scale::Log2,
            y: Scale::Log10,
            percent: false,
            lines,
            guides: Vec::new(),
            x_guides: Vec::new(),
            notes: vec!["dashed: a process per worker; solid: threads of one process".into()],
        }),
        headline: true,
    }];
    // Each adapter's share of the ops at each point.
    let points: Vec<&CurvePoint> = curves.iter().flat_map(|c| c.good()).collect();
    let mut adapters: Vec<u32> = points
        .iter()
        .flat_map(|p| p.point.measured.adapter_ops.keys().copied())
        .collect();
    adapters.sort_unstable();
    adapters.dedup();
    if !adapters.is_empty() {
        let palette: [Rgb; 4] = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40)];
        charts.push(Named {
            stem: "gpus-share".into(),
            chart: Chart::Bars(BarChart {
                title: format!("Each GPU's share of the ops · {}", a.run_labels[run]),
                y_label: "% of the point's ops".into(),
                categories: (1..=points.len()).map(|i| i.to_string()).collect(),
                series: adapters
                    .iter()
                    .enumerate()
                    .map(|(i, adapter)| Bars {
                        label: format!("adapter {adapter}"),
                        colour: palette[i % palette.len()],
                        values: points
                            .iter()
                            .map(|p| {
                                let total: u64 = p.point.measured.adapter_ops.values().sum();
                                p.point
                                    .measured
                                    .adapter_ops
                                    .get(adapter)
                                    .map(|&n| 100.0 * n as f64 / total.max(1) as f64)
                            })
                            .collect(),
                    })
                    .collect(),
                stacked: true,
                log_y: false,
                notes: points
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        format!(
                            "{}: {} N={}",
                            i + 1,
                            p.point.config.strategy_label(),
                            p.point.n
                        )
                    })
                    .chain(std::iter::once(
                        "an even split is 100% ÷ the adapters a point used".to_string(),
                    ))
                    .collect(),
            }),
            headline: false,
        });
    }
    charts
}
