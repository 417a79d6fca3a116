//! A workload's curves against N: throughput (with the device's compute
//! ceiling where `curves peak` measured it), efficiency, latency per op,
//! and the threads' latency histograms; a panel per run.

use super::{colour, mark, one_or_panels, over_n, panel_groups, rate_line};
use crate::analysis::{Analysis, Baseline, Curve};
use crate::plot::{Chart, Dot, GREY, Guide, Line, LineChart, Scale};
use crate::schema::{BaselineRule, Precision, StrategyKind, WaitStyle};

/// Marker shapes within a panel: one per sync mode and precision, so lines
/// of one strategy stay apart.
fn shapes(curves: &[&Curve]) -> Vec<usize> {
    let mut keys: Vec<String> = Vec::new();
    curves
        .iter()
        .map(|c| {
            let key = format!("{} {}", c.config.sync_label(), c.config.precision);
            match keys.iter().position(|k| *k == key) {
                Some(i) => i,
                None => {
                    keys.push(key);
                    keys.len() - 1
                }
            }
        })
        .collect()
}

/// The compute ceiling of `c`'s run, in samples/s of this workload.
fn ceiling(a: &Analysis, c: &Curve) -> Option<(String, f64)> {
    let ceilings = a.runs[c.run].ceilings.as_ref()?;
    let flops = c.points.iter().find_map(|p| p.point.flops_per_sample)?;
    let peak = match c.config.precision {
        Precision::F32 => ceilings.matmul_f32_tflops.as_ref(),
        Precision::F16 => ceilings.matmul_f16_tflops.as_ref(),
    }?;
    (flops > 0.0).then(|| {
        (
            format!(
                "{} matmul ceiling ({:.1} TFLOP/s)",
                c.config.precision, peak.value
            ),
            peak.value * 1e12 / flops,
        )
    })
}

pub(super) fn throughput(a: &Analysis, workload: &str, curves: &[&Curve]) -> Vec<Chart> {
    let mut notes = vec!["bars: each point's 95% confidence interval of its median".to_string()];
    let panels = panel_groups(a, &over_n(curves), 1)
        .into_iter()
        .map(|(title, group)| {
            let shapes = shapes(&group);
            let lines: Vec<Line> = group
                .iter()
                .zip(shapes)
                .map(|(c, shape)| rate_line(a, c, shape))
                .collect();
            // A ceiling far above every point is named, not drawn: it
            // would squeeze the curves into a sliver.
            let best = group
                .iter()
                .flat_map(|c| c.good())
                .filter_map(|p| p.point.measured.samples_per_s)
                .fold(0.0f64, f64::max);
            let mut guides: Vec<Guide> = Vec::new();
            for (label, y) in group.iter().filter_map(|c| ceiling(a, c)) {
                if guides.iter().any(|g| g.label == label) {
                    continue;
                }
                if best > 0.0 && y > 30.0 * best {
                    let note = format!(
                        "{label}: {} samples/s, {:.0}× the best point: not drawn",
                        crate::units::si(y),
                        y / best
                    );
                    if !notes.contains(&note) {
                        notes.push(note);
                    }
                } else {
                    guides.push(Guide {
                        label,
                        y,
                        colour: GREY,
                    });
                }
            }
            LineChart {
                title,
                x_label: "N: threads, processes, clients or batch size".into(),
                y_label: "samples/s".into(),
                x: Scale::Log2,
                y: Scale::Log10,
                percent: false,
                lines,
                guides,
                x_guides: Vec::new(),
                notes: Vec::new(),
            }
        })
        .collect();
    one_or_panels(format!("Throughput against N · {workload}"), panels, notes)
}

/// Efficiencies above this are a sanity flag's (a slow baseline), drawn in
/// a panel of their own so they squeeze no other curve.
const FLAGGED: f64 = 1.5;

pub(super) fn efficiency(a: &Analysis, workload: &str, curves: &[&Curve]) -> Vec<Chart> {
    let own: Vec<&Curve> = over_n(curves)
        .into_iter()
        .filter(|c| c.strategy().info().baseline == BaselineRule::OwnN1)
        .collect();
    let mut notes = vec![
        "efficiency: samples/s ÷ (N × samples/s at N=1 of the same curve); bars: 95% intervals"
            .to_string(),
    ];
    for c in &own {
        if let Baseline::Missing(why) = &c.baseline {
            notes.push(format!(
                "{} · {}: no efficiency: {why}",
                a.run_labels[c.run], c.label
            ));
        }
    }
    let line = |c: &Curve, shape: usize| Line {
        label: c.label.clone(),
        colour: colour(a, c),
        shape,
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
    };
    let flagged = |c: &&Curve| {
        c.good()
            .any(|p| p.efficiency.is_some_and(|e| e.value > FLAGGED))
    };
    let (high, plain): (Vec<&Curve>, Vec<&Curve>) = own.iter().copied().partition(flagged);
    let ideal = || Guide {
        label: "ideal (100%)".into(),
        y: 100.0,
        colour: (0, 0, 0),
    };
    let panel = |title: String, group: &[&Curve]| {
        let shapes = shapes(group);
        LineChart {
            title,
            x_label: "N: threads, processes or batch size".into(),
            y_label: "efficiency".into(),
            x: Scale::Log2,
            y: Scale::Linear,
            percent: true,
            lines: group.iter().zip(shapes).map(|(c, s)| line(c, s)).collect(),
            guides: vec![ideal()],
            x_guides: Vec::new(),
            notes: Vec::new(),
        }
    };
    let mut panels: Vec<LineChart> = panel_groups(a, &plain, 1)
        .into_iter()
        .map(|(title, group)| panel(title, &group))
        .collect();
    if !high.is_empty() {
        panels.push(panel(
            "above 150%: the N=1 baseline was slower than the point (sanity flag)".into(),
            &high,
        ));
        notes.push(format!(
            "{} curve(s) above 150% drawn in a panel of their own: an efficiency above 100% means the N=1 baseline's op was slower than the point's (the report's sanity flags name the phase)",
            high.len()
        ));
    }
    if curves
        .iter()
        .any(|c| c.strategy().info().baseline == BaselineRule::BatchAtSize)
    {
        notes.push(
            "queue and server are read against batch at the same size: see the server chart".into(),
        );
    }
    one_or_panels(format!("Efficiency against N · {workload}"), panels, notes)
}

pub(super) fn latency(a: &Analysis, workload: &str, curves: &[&Curve]) -> Vec<Chart> {
    let waiting: Vec<&Curve> = over_n(curves)
        .into_iter()
        .filter(|c| c.config.sync.waits_per_op())
        .collect();
    let left_out = over_n(curves).len() - waiting.len();
    let panels = panel_groups(a, &waiting, 2)
        .into_iter()
        .map(|(title, group)| {
            let shapes = shapes(&group);
            let mut lines = Vec::new();
            for (c, shape) in group.iter().zip(shapes) {
                for (which, dashed) in [("p50", false), ("p99", true)] {
                    lines.push(Line {
                        label: format!("{} {which}", c.label),
                        colour: colour(a, c),
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
            LineChart {
                title,
                x_label: "N".into(),
                y_label: "µs per op".into(),
                x: Scale::Log2,
                y: Scale::Log10,
                percent: false,
                lines,
                guides: Vec::new(),
                x_guides: Vec::new(),
                notes: Vec::new(),
            }
        })
        .collect();
    let mut notes =
        vec!["from encoding an op to its result on the host; solid p50, dashed p99".to_string()];
    if left_out > 0 {
        notes.push(format!(
            "{left_out} curves under pipeline or end left out: their ops are waited for in groups, so a latency per op is not what a caller waits"
        ));
    }
    one_or_panels(
        format!("Latency per op against N · {workload}"),
        panels,
        notes,
    )
}

/// The latency histogram of each threads curve at its largest N: where
/// blocking waits stall.
pub(super) fn histogram(a: &Analysis, workload: &str, curves: &[&Curve]) -> Vec<Chart> {
    let threads: Vec<&Curve> = curves
        .iter()
        .copied()
        .filter(|c| c.strategy() == StrategyKind::Threads && c.config.label.is_none())
        .filter(|c| {
            c.good()
                .any(|p| !p.point.measured.latency_histogram.is_empty())
        })
        .collect();
    let panels = panel_groups(a, &threads, 1)
        .into_iter()
        .map(|(title, group)| {
            let shapes = shapes(&group);
            let lines = group
                .iter()
                .zip(shapes)
                .filter_map(|(c, shape)| {
                    let p = c
                        .good()
                        .filter(|p| !p.point.measured.latency_histogram.is_empty())
                        .last()?;
                    let bins = &p.point.measured.latency_histogram;
                    let total: u64 = bins.iter().map(|b| b.count).sum();
                    Some(Line {
                        label: format!("{} N={}", c.label, p.point.n),
                        colour: colour(a, c),
                        shape,
                        dashed: c.config.wait != WaitStyle::Block,
                        connected: true,
                        dots: bins
                            .iter()
                            .map(|b| Dot::at(b.le_us, 100.0 * b.count as f64 / total.max(1) as f64))
                            .collect(),
                    })
                })
                .collect();
            LineChart {
                title,
                x_label: "op latency, µs (quarter-octave bins)".into(),
                y_label: "% of ops".into(),
                x: Scale::Log10,
                y: Scale::Log10,
                percent: false,
                lines,
                guides: Vec::new(),
                x_guides: Vec::new(),
                notes: Vec::new(),
            }
        })
        .collect();
    one_or_panels(
        format!("Latency histogram, threads at their largest N · {workload}"),
        panels,
        vec!["dashed: a wait style other than blocking".into()],
    )
}
