//! Which charts a set of runs gets, as specs built from the analysis: the
//! headline (what scales, in its title), then per workload throughput,
//! efficiency, latency and the threads' histograms, each a panel per run
//! (and per sync mode where a run holds more than eight curves); where an
//! op's time goes for the curves the verdicts cite; the server as serving
//! tools draw it; the layer sizes, the labelled steps and the multi-GPU
//! share. Every figure comes from the analysis; nothing here computes one.

mod curves;
mod headline;
mod phases;
mod runs;
mod server;

use crate::analysis::{Analysis, Curve, CurvePoint, estimate};
use crate::schema::{Status, StrategyKind};

use super::{Chart, Dot, Line, LineChart, MAX_SERIES, Mark, Named, Panels, Rgb};

/// Whether run `run` was measured by a framework peer (PyTorch), not by
/// curves' own kernels.
fn is_peer(a: &Analysis, run: usize) -> bool {
    a.runs[run].info.crate_version == "peer"
}

/// A curve's colour: its strategy's, a lighter tint of it for a framework
/// peer's run, so wgpu and the peer are told apart by colour family.
fn colour(a: &Analysis, c: &Curve) -> Rgb {
    let (r, g, b) = c.strategy().info().colour;
    if is_peer(a, c.run) {
        let tint = |v: u8| (f64::from(v) + (255.0 - f64::from(v)) * 0.45) as u8;
        (tint(r), tint(g), tint(b))
    } else {
        (r, g, b)
    }
}

fn mark(p: &CurvePoint) -> Mark {
    if p.ok() {
        Mark::Steady
    } else {
        Mark::Missing(p.point.measured.status.name().into())
    }
}

/// A point's samples/s with its 95% interval, or a cross where it has no
/// figure.
fn rate_dot(p: &CurvePoint) -> Dot {
    let x = f64::from(p.point.n);
    match estimate::rate(p.point).filter(|_| p.ok()) {
        Some(r) => Dot {
            lo: Some(r.lo),
            hi: Some(r.hi),
            mark: mark(p),
            ..Dot::at(x, r.value)
        },
        None => Dot::missing(x, p.point.measured.status.name()),
    }
}

/// A curve's throughput against N with each point's interval, solid:
/// a dot per N (a repeat of an N is not drawn twice).
fn rate_line(a: &Analysis, c: &Curve, shape: usize) -> Line {
    Line {
        label: c.label.clone(),
        colour: colour(a, c),
        shape,
        dashed: false,
        connected: true,
        dots: c
            .points
            .iter()
            .filter(|p| !p.repeat)
            .map(rate_dot)
            .collect(),
    }
}

/// Curves drawn against N: all but `hybrid` and the labelled steps, which
/// have their own charts and tables, and curves the adapter could not run
/// at all (every point unsupported: the caveats list them).
fn over_n<'b, 'a>(curves: &[&'b Curve<'a>]) -> Vec<&'b Curve<'a>> {
    curves
        .iter()
        .copied()
        .filter(|c| c.strategy() != StrategyKind::Hybrid && c.config.label.is_none())
        .filter(|c| {
            !c.points
                .iter()
                .all(|p| p.point.measured.status == Status::Unsupported)
        })
        .collect()
}

/// Curves grouped for panels: by run, then, where a run holds more than
/// [`MAX_SERIES`] lines' worth, by sync mode and precision, then in
/// chunks; each group with its panel's title.
fn panel_groups<'b, 'a>(
    a: &Analysis,
    curves: &[&'b Curve<'a>],
    lines_per_curve: usize,
) -> Vec<(String, Vec<&'b Curve<'a>>)> {
    let per_panel = (MAX_SERIES / lines_per_curve.max(1)).max(1);
    let mut runs: Vec<usize> = curves.iter().map(|c| c.run).collect();
    runs.sort_unstable();
    runs.dedup();
    let mut out = Vec::new();
    for run in runs {
        let of_run: Vec<&Curve> = curves.iter().copied().filter(|c| c.run == run).collect();
        if of_run.len() <= per_panel {
            out.push((a.run_labels[run].clone(), of_run));
            continue;
        }
        let mut by_sync: Vec<(String, Vec<&Curve>)> = Vec::new();
        for c in of_run {
            let key = format!("{} {}", c.config.sync_label(), c.config.precision);
            match by_sync.iter_mut().find(|(k, _)| *k == key) {
                Some((_, g)) => g.push(c),
                None => by_sync.push((key, vec![c])),
            }
        }
        for (key, group) in by_sync {
            for (i, chunk) in group.chunks(per_panel).enumerate() {
                let part = if group.len() > per_panel {
                    format!(" ({})", i + 1)
                } else {
                    String::new()
                };
                out.push((
                    format!("{} · {key}{part}", a.run_labels[run]),
                    chunk.to_vec(),
                ));
            }
        }
    }
    out
}

/// Most panels one chart holds (a grid of three by two): more make
/// several charts.
const MAX_PANELS: usize = 6;

/// Charts of one kind for one workload: past them, a figure with more
/// curves than a reader can follow says how many it left out.
const MAX_PARTS: usize = 4;

/// One chart, or small multiples under `title` where there are several
/// panels, in charts of at most [`MAX_PANELS`] panels each, at most
/// [`MAX_PARTS`] charts.
fn one_or_panels(title: String, mut panels: Vec<LineChart>, mut notes: Vec<String>) -> Vec<Chart> {
    let most = MAX_PANELS * MAX_PARTS;
    if panels.len() > most {
        notes.push(format!(
            "the first {most} of {} panels; every curve is in the report's tables",
            panels.len()
        ));
        panels.truncate(most);
    }
    match panels.len() {
        0 => Vec::new(),
        1 => {
            let mut p = panels.remove(0);
            p.title = format!("{title} · {}", p.title);
            p.notes.extend(notes);
            vec![Chart::Lines(p)]
        }
        n => {
            let parts = n.div_ceil(MAX_PANELS);
            panels
                .chunks(MAX_PANELS)
                .enumerate()
                .map(|(i, chunk)| {
                    Chart::Panels(Panels {
                        title: if parts > 1 {
                            format!("{title} ({} of {parts})", i + 1)
                        } else {
                            title.clone()
                        },
                        panels: chunk.iter().cloned().map(Chart::Lines).collect(),
                        notes: notes.clone(),
                    })
                })
                .collect()
        }
    }
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
    if let Some(chart) = headline::chart(a) {
        out.push(Named {
            stem: "headline".into(),
            chart,
            headline: true,
        });
        taken.push("headline".into());
    }
    if let Some(chart) = phases::chart(a) {
        out.push(Named {
            stem: "phases".into(),
            chart,
            headline: true,
        });
        taken.push("phases".into());
    }
    for (workload, of_workload) in a.by_workload() {
        if over_n(&of_workload).is_empty() {
            continue;
        }
        let first = out.len() <= 2;
        let charts = [
            (
                "throughput",
                curves::throughput(a, &workload, &of_workload),
                first,
            ),
            (
                "efficiency",
                curves::efficiency(a, &workload, &of_workload),
                first,
            ),
            (
                "latency",
                curves::latency(a, &workload, &of_workload),
                false,
            ),
            (
                "histogram",
                curves::histogram(a, &workload, &of_workload),
                false,
            ),
        ];
        for (kind, charts, headline) in charts {
            for (i, chart) in charts.into_iter().enumerate() {
                out.push(Named {
                    stem: stem(kind, &workload, &mut taken),
                    chart,
                    headline: headline && i == 0,
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
        if let Some(c) = server::chart(a, run) {
            out.push(Named {
                stem: format!("server{}", suffix(run)),
                chart: c,
                headline: true,
            });
        }
        for (kind, chart, headline) in [
            ("size", runs::size(a, run), false),
            ("stack", runs::stack(a, run), true),
        ] {
            if let Some(chart) = chart {
                out.push(Named {
                    stem: format!("{kind}{}", suffix(run)),
                    chart,
                    headline,
                });
            }
        }
        for mut g in runs::gpus(a, run) {
            g.stem.push_str(&suffix(run));
            out.push(g);
        }
    }
    out
}

#[cfg(test)]
mod tests;
