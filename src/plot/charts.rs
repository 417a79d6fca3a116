//! Which charts a set of runs gets, as specs built from the analysis:
//! per workload, throughput (with the device's compute ceiling where
//! `curves peak` measured it), efficiency (with each point's interval),
//! latency and where each op's time goes; per run, the server against
//! batching at the same size, the latency histograms of threads, the
//! layer-size table, the labelled steps, and the multi-GPU share. Every
//! figure comes from the analysis; nothing here computes one.

use crate::analysis::{Analysis, Baseline, Curve, CurvePoint};
use crate::schema::{BaselineRule, StrategyKind};

use super::{BarChart, Bars, Chart, Dot, GREY, Guide, Line, LineChart, Mark, Named, Rgb, Scale};

fn colour(c: &Curve) -> Rgb {
    c.strategy().info().colour
}

/// A line's label: the curve's, with its run's where runs are merged.
fn line_label(a: &Analysis, c: &Curve) -> String {
    if a.runs.len() > 1 {
        format!("{} · {}", c.label, a.run_labels[c.run])
    } else {
        c.label.clone()
    }
}

/// Marker shapes: one per (run, sync and precision) in a chart, so lines
/// of one colour stay apart.
struct Shapes(Vec<(usize, String)>);

impl Shapes {
    fn of(&mut self, c: &Curve) -> usize {
        let key = (
            c.run,
            format!("{} {}", c.config.sync_label(), c.config.precision),
        );
        match self.0.iter().position(|k| *k == key) {
            Some(i) => i,
            None => {
                self.0.push(key);
                self.0.len() - 1
            }
        }
    }
}

fn mark(p: &CurvePoint) -> Mark {
    if !p.ok() {
        Mark::Missing(p.point.measured.status.name().into())
    } else if p.noise.is_noisy() {
        Mark::Noisy
    } else {
        Mark::Steady
    }
}

/// The title's end: the workload and where it ran.
fn where_(a: &Analysis, workload: &str, curves: &[&Curve]) -> String {
    let mut runs: Vec<usize> = curves.iter().map(|c| c.run).collect();
    runs.dedup();
    match runs.as_slice() {
        [one] => format!("{workload} · {}", a.run_labels[*one]),
        many => format!("{workload} · {} runs (see legend)", many.len()),
    }
}

/// Curves drawn against N: all but `hybrid` and the labelled steps,
/// which have their own tables, and curves the adapter could not run at
/// all (every point unsupported: the caveats list them).
fn over_n<'b, 'a>(curves: &[&'b Curve<'a>]) -> Vec<&'b Curve<'a>> {
    curves
        .iter()
        .copied()
        .filter(|c| c.strategy() != StrategyKind::Hybrid && c.config.label.is_none())
        .filter(|c| {
            !c.points
                .iter()
                .all(|p| p.point.measured.status == crate::schema::Status::Unsupported)
        })
        .collect()
}

fn throughput(a: &Analysis, workload: &str, curves: &[&Curve]) -> LineChart {
    let mut shapes = Shapes(Vec::new());
    let lines = over_n(curves)
        .into_iter()
        .map(|c| Line {
            label: line_label(a, c),
            colour: colour(c),
            shape: shapes.of(c),
            dashed: false,
            connected: true,
            dots: c
                .points
                .iter()
                .filter(|p| !p.repeat)
                .map(
                    |p| match p.point.measured.samples_per_s.filter(|_| p.ok()) {
                        Some(v) => Dot {
                            lo: p.point.measured.samples_per_s_spread.map(|s| s.min),
                            hi: p.point.measured.samples_per_s_spread.map(|s| s.max),
                            mark: mark(p),
                            ..Dot::at(f64::from(p.point.n), v)
                        },
                        None => Dot::missing(f64::from(p.point.n), p.point.measured.status.name()),
                    },
                )
                .collect(),
        })
        .collect();
    // The compute ceiling, in samples/s of this workload, per run with
    // ceilings; one far above every point is named instead of drawn (it
    // would squeeze the curves into a sliver).
    let best = curves
        .iter()
        .flat_map(|c| c.good())
        .filter_map(|p| p.point.measured.samples_per_s)
        .fold(0.0f64, f64::max);
    let mut guides = Vec::new();
    let mut notes = Vec::new();
    for c in curves {
        let Some(ceilings) = &a.runs[c.run].ceilings else {
            continue;
        };
        let Some(flops) = c.points.iter().find_map(|p| p.point.flops_per_sample) else {
            continue;
        };
        let peak = match c.config.precision {
            crate::schema::Precision::F32 => ceilings.matmul_f32_tflops.as_ref(),
            crate::schema::Precision::F16 => ceilings.matmul_f16_tflops.as_ref(),
        };
        let Some(peak) = peak.filter(|_| flops > 0.0) else {
            continue;
        };
        let label = format!(
            "{} matmul ceiling ({:.1} TFLOP/s)",
            c.config.precision, peak.value
        );
        let y = peak.value * 1e12 / flops;
        if guides.iter().any(|g: &Guide| g.label == label)
            || notes.iter().any(|n: &String| n.starts_with(&label))
        {
            continue;
        }
        if best > 0.0 && y > 30.0 * best {
            notes.push(format!(
                "{label}: {} samples/s, {:.0}× the best point: not drawn",
                crate::units::si(y),
                y / best
            ));
        } else {
            guides.push(Guide {
                label,
                y,
                colour: GREY,
            });
        }
    }
    LineChart {
        title: format!("Throughput vs N · {}", where_(a, workload, curves)),
        x_label: "N (threads, processes, clients or batch size)".into(),
        y_label: "samples/s (median of trials; bars: slowest to fastest)".into(),
        x: Scale::Log2,
        y: Scale::Log10,
        percent: false,
        y_cap: None,
        lines,
        guides,
        notes,
    }
}

fn efficiency(a: &Analysis, workload: &str, curves: &[&Curve]) -> Option<LineChart> {
    let own: Vec<&Curve> = over_n(curves)
        .into_iter()
        .filter(|c| c.strategy().info().baseline == BaselineRule::OwnN1)
        .collect();
    if own.is_empty() {
        return None;
    }
    let mut shapes = Shapes(Vec::new());
    let mut notes = Vec::new();
    let lines = own
        .iter()
        .map(|c| {
            if let Baseline::Missing(why) = &c.baseline {
                notes.push(format!("{}: no efficiency: {why}", line_label(a, c)));
            }
            Line {
                label: line_label(a, c),
                colour: colour(c),
                shape: shapes.of(c),
                dashed: false,
                connected: true,
                dots: c
                    .points
                    .iter()
                    .filter(|p| !p.repeat)
                    .filter_map(|p| {
                        let x = f64::from(p.point.n);
                        if !p.ok() {
                            return Some(Dot::missing(x, p.point.measured.status.name()));
                        }
                        let e = p.efficiency?;
                        Some(Dot {
                            lo: Some(e.lo * 100.0),
                            hi: Some(e.hi * 100.0),
                            mark: mark(p),
                            ..Dot::at(x, e.value * 100.0)
                        })
                    })
                    .collect(),
            }
        })
        .collect();
    if curves
        .iter()
        .any(|c| c.strategy().info().baseline == BaselineRule::BatchAtSize)
    {
        notes.push(
            "queue and server are measured against batch at the same size: see their own chart"
                .into(),
        );
    }
    Some(LineChart {
        title: format!("Efficiency vs N · {}", where_(a, workload, curves)),
        x_label: "N (threads, processes or batch size)".into(),
        y_label: "efficiency: samples/s ÷ (N × samples/s at N=1 of the same curve)".into(),
        x: Scale::Log2,
        y: Scale::Linear,
        percent: true,
        y_cap: Some(200.0),
        lines,
        guides: vec![Guide {
            label: "ideal (100%)".into(),
            y: 100.0,
            colour: (0, 0, 0),
        }],
        notes,
    })
}

fn latency(a: &Analysis, workload: &str, curves: &[&Curve]) -> Option<LineChart> {
    let waiting: Vec<&Curve> = over_n(curves)
        .into_iter()
        .filter(|c| c.config.sync.waits_per_op())
        .collect();
    if waiting.is_empty() {
        return None;
    }
    let mut shapes = Shapes(Vec::new());
    let mut lines = Vec::new();
    for c in &waiting {
        let shape = shapes.of(c);
        for (which, dashed) in [("p50", false), ("p99", true)] {
            lines.push(Line {
                label: format!("{} {which}", line_label(a, c)),
                colour: colour(c),
                shape,
                dashed,
                connected: true,
                dots: c
                    .points
                    .iter()
                    .filter(|p| !p.repeat)
                    .map(|p| {
                        let x = f64::from(p.point.n);
                        match p.point.measured.latency_us.filter(|_| p.ok()) {
                            Some(l) => Dot::at(x, if dashed { l.p99 } else { l.p50 }),
                            None => Dot::missing(x, p.point.measured.status.name()),
                        }
                    })
                    .collect(),
            });
        }
    }
    let left_out = over_n(curves).len() - waiting.len();
    Some(LineChart {
        title: format!("Latency per op vs N · {}", where_(a, workload, curves)),
        x_label: "N".into(),
        y_label: "µs from encoding an op to its result on the host".into(),
        x: Scale::Log2,
        y: Scale::Log10,
        percent: false,
        y_cap: None,
        lines,
        guides: Vec::new(),
        notes: if left_out > 0 {
            vec![format!(
                "{left_out} curves under pipeline or end left out: their ops are waited for in groups, so a latency per op is not what a caller waits"
            )]
        } else {
            Vec::new()
        },
    })
}

/// Phase colours, the same on every chart.
const PHASES: [(&str, Rgb); 5] = [
    ("encode", (31, 119, 180)),
    ("submit", (255, 127, 14)),
    ("GPU (timestamps)", (44, 160, 44)),
    ("wait beyond the GPU", (214, 39, 40)),
    ("readback", (148, 103, 189)),
];

/// Most bars on a phases chart.
const MAX_BARS: usize = 20;

fn phases(a: &Analysis, workload: &str, curves: &[&Curve]) -> Option<BarChart> {
    let mut categories = Vec::new();
    let mut values: Vec<Vec<Option<f64>>> = vec![Vec::new(); PHASES.len()];
    let mut left_out = 0;
    for c in over_n(curves)
        .into_iter()
        .filter(|c| c.config.sync.waits_per_op())
    {
        for p in c.good() {
            let Some(ph) = p.point.measured.phases_us else {
                continue;
            };
            if categories.len() >= MAX_BARS {
                left_out += 1;
                continue;
            }
            categories.push(format!("{} N={}", line_label(a, c), p.point.n));
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
    }
    if categories.is_empty() {
        return None;
    }
    let mut notes = vec![
        "medians per op; the GPU runs while the host waits, so its time is the wait's first part"
            .into(),
    ];
    if left_out > 0 {
        notes.push(format!("{left_out} more points in the report's tables"));
    }
    Some(BarChart {
        title: format!("Where an op's time goes · {}", where_(a, workload, curves)),
        y_label: "µs per op (median)".into(),
        categories,
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
        notes,
    })
}

/// The latency histogram of each threads curve at its largest N, one
/// line per sync mode and wait style: where blocking waits stall.
fn histogram(a: &Analysis, workload: &str, curves: &[&Curve]) -> Option<LineChart> {
    let mut shapes = Shapes(Vec::new());
    let lines: Vec<Line> = curves
        .iter()
        .filter(|c| c.strategy() == StrategyKind::Threads && c.config.label.is_none())
        .filter_map(|c| {
            let p = c
                .good()
                .filter(|p| !p.point.measured.latency_histogram.is_empty())
                .last()?;
            let total: u64 = p
                .point
                .measured
                .latency_histogram
                .iter()
                .map(|b| b.count)
                .sum();
            Some(Line {
                label: format!("{} N={}", line_label(a, c), p.point.n),
                colour: colour(c),
                shape: shapes.of(c),
                dashed: c.config.wait != crate::schema::WaitStyle::Block,
                connected: true,
                dots: p
                    .point
                    .measured
                    .latency_histogram
                    .iter()
                    .map(|b| Dot::at(b.le_us, 100.0 * b.count as f64 / total.max(1) as f64))
                    .collect(),
            })
        })
        .collect();
    if lines.is_empty() {
        return None;
    }
    Some(LineChart {
        title: format!(
            "Latency histogram, threads at their largest N · {}",
            where_(a, workload, curves)
        ),
        x_label: "op latency, µs (quarter-octave bins)".into(),
        y_label: "% of ops".into(),
        x: Scale::Log10,
        y: Scale::Log10,
        percent: false,
        y_cap: None,
        lines,
        guides: Vec::new(),
        notes: vec!["dashed: a wait style other than blocking".into()],
    })
}

/// The server and the queue against batching at the size the owner batches to.
fn server(a: &Analysis, run: usize) -> Option<LineChart> {
    let owners: Vec<&Curve> = a
        .curves_of_run(run)
        .filter(|c| c.strategy().info().baseline == BaselineRule::BatchAtSize)
        .filter(|c| c.good().next().is_some())
        .collect();
    if owners.is_empty() {
        return None;
    }
    let mut shapes = Shapes(Vec::new());
    let mut lines: Vec<Line> = Vec::new();
    for c in &owners {
        let shape = shapes.of(c);
        lines.push(Line {
            label: format!("{} · {}", c.workload_label(), c.label),
            colour: colour(c),
            shape,
            dashed: false,
            connected: true,
            dots: c
                .points
                .iter()
                .map(
                    |p| match p.point.measured.samples_per_s.filter(|_| p.ok()) {
                        Some(v) => Dot {
                            mark: mark(p),
                            ..Dot::at(f64::from(p.point.n), v)
                        },
                        None => Dot::missing(f64::from(p.point.n), p.point.measured.status.name()),
                    },
                )
                .collect(),
        });
    }
    for b in a.curves_of_run(run).filter(|c| {
        c.strategy() == StrategyKind::Batch
            && c.config.label.is_none()
            && owners.iter().any(|o| {
                o.workload_label() == c.workload_label()
                    && o.config.sync == c.config.sync
                    && o.config.wait == c.config.wait
                    && o.config.baseline_encodes_ahead() == c.config.encode_ahead
            })
    }) {
        let shape = shapes.of(b);
        lines.push(Line {
            label: format!("{} · {} (one thread, batch N)", b.workload_label(), b.label),
            colour: colour(b),
            shape,
            dashed: true,
            connected: true,
            dots: b
                .good()
                .filter(|p| p.point.n <= 64)
                .map(|p| {
                    Dot::at(
                        f64::from(p.point.n),
                        p.point.measured.samples_per_s.unwrap_or(0.0),
                    )
                })
                .collect(),
        });
    }
    Some(LineChart {
        title: format!("GPU owner against batching · {}", a.run_labels[run]),
        x_label: "clients (queue, server) or batch size (batch)".into(),
        y_label: "samples/s".into(),
        x: Scale::Log2,
        y: Scale::Log10,
        percent: false,
        y_cap: None,
        lines,
        guides: Vec::new(),
        notes: vec!["dashed: one thread batching N samples per op under the same sync and wait (the owner's ceiling)".into()],
    })
}

fn size(a: &Analysis, run: usize) -> Option<BarChart> {
    let rows = crate::analysis::size_rows(a, run);
    if rows.is_empty() {
        return None;
    }
    let categories = rows
        .iter()
        .map(|(dims, batch, _, _)| format!("{}×{} b{batch}", dims[0], dims[1]))
        .collect();
    Some(BarChart {
        title: format!(
            "Layer size: 1 vs 8 threads (report 001) · {}",
            a.run_labels[run]
        ),
        y_label: "ops/s (each op a batch)".into(),
        categories,
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
        notes: Vec::new(),
    })
}

fn stack(a: &Analysis, run: usize) -> Option<BarChart> {
    let steps = crate::analysis::steps(&a.runs[run]);
    if steps.is_empty() {
        return None;
    }
    Some(BarChart {
        title: format!(
            "The optimisation stack (report 004), step by step · {}",
            a.run_labels[run]
        ),
        y_label: "samples/s".into(),
        categories: steps
            .iter()
            .map(|p| p.config.label.clone().unwrap_or_default())
            .collect(),
        series: vec![Bars {
            label: "samples/s".into(),
            colour: StrategyKind::Hybrid.info().colour,
            values: steps
                .iter()
                .map(|p| {
                    p.measured
                        .samples_per_s
                        .filter(|_| p.measured.status == crate::schema::Status::Ok)
                })
                .collect(),
        }],
        stacked: false,
        log_y: true,
        notes: Vec::new(),
    })
}

fn gpus(a: &Analysis, run: usize) -> Vec<Named> {
    let curves: Vec<&Curve> = a
        .curves_of_run(run)
        .filter(|c| c.strategy() == StrategyKind::Gpus)
        .collect();
    if curves.is_empty() {
        return Vec::new();
    }
    let mut shapes = Shapes(Vec::new());
    let lines = curves
        .iter()
        .map(|c| Line {
            label: format!("{} · {}", c.workload_label(), c.label),
            colour: colour(c),
            shape: shapes.of(c),
            dashed: c.config.launch == Some(crate::schema::Launch::Processes),
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
            x_label: "workers (round robin over the chosen adapters)".into(),
            y_label: "samples/s".into(),
            x: Scale::Log2,
            y: Scale::Log10,
            percent: false,
            y_cap: None,
            lines,
            guides: Vec::new(),
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
                categories: points
                    .iter()
                    .map(|p| format!("{} N={}", p.point.config.strategy_label(), p.point.n))
                    .collect(),
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
                notes: vec!["an even split is 100% ÷ the adapters a point used".into()],
            }),
            headline: false,
        });
    }
    charts
}

/// A file-name stem for `text`, unique among `taken`.
fn stem(kind: &str, text: &str, taken: &mut Vec<String>) -> String {
    let base = format!("{kind}-{}", crate::store::slug(text));
    let mut s = base.clone();
    let mut i = 2;
    while taken.contains(&s) {
        s = format!("{base}-{i}");
        i += 1;
    }
    taken.push(s.clone());
    s
}

/// Every chart of the analysis, in the order the report shows them.
pub fn all(a: &Analysis) -> Vec<Named> {
    let mut out = Vec::new();
    let mut taken = Vec::new();
    for (workload, curves) in a.by_workload() {
        if over_n(&curves).is_empty() {
            continue;
        }
        let first = out.is_empty();
        let charts = [
            (
                "throughput",
                Some(Chart::Lines(throughput(a, &workload, &curves))),
                true,
            ),
            (
                "efficiency",
                efficiency(a, &workload, &curves).map(Chart::Lines),
                first,
            ),
            (
                "latency",
                latency(a, &workload, &curves).map(Chart::Lines),
                false,
            ),
            (
                "phases",
                phases(a, &workload, &curves).map(Chart::Bars),
                first,
            ),
            (
                "histogram",
                histogram(a, &workload, &curves).map(Chart::Lines),
                false,
            ),
        ];
        for (kind, chart, headline) in charts {
            if let Some(chart) = chart {
                out.push(Named {
                    stem: stem(kind, &workload, &mut taken),
                    chart,
                    headline,
                });
            }
        }
    }
    let suffix = |run: usize| {
        if a.runs.len() > 1 {
            format!("-{}", run + 1)
        } else {
            String::new()
        }
    };
    for run in 0..a.runs.len() {
        if let Some(c) = server(a, run) {
            out.push(Named {
                stem: format!("server{}", suffix(run)),
                chart: Chart::Lines(c),
                headline: true,
            });
        }
        if let Some(c) = size(a, run) {
            out.push(Named {
                stem: format!("size{}", suffix(run)),
                chart: Chart::Bars(c),
                headline: false,
            });
        }
        if let Some(c) = stack(a, run) {
            out.push(Named {
                stem: format!("stack{}", suffix(run)),
                chart: Chart::Bars(c),
                headline: true,
            });
        }
        for mut g in gpus(a, run) {
            g.stem.push_str(&suffix(run));
            out.push(g);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_are_unique_and_file_safe() {
        let mut taken = Vec::new();
        assert_eq!(
            stem("throughput", "linear 256→128", &mut taken),
            "throughput-linear-256-128"
        );
        assert_eq!(
            stem("throughput", "linear 256→128", &mut taken),
            "throughput-linear-256-128-2"
        );
    }
}
