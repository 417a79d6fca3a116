//! The headline chart: the seeds' question at a glance. Throughput against
//! N of threads, batch, processes, the queue and the server on linear
//! 256→128 with a readback after every op, a panel per adapter (wgpu's and
//! a framework peer's side by side where both ran), the answer in the
//! title.

use super::{colour, rate_dot};
use crate::analysis::verdicts::{LINEAR, seeds_curve};
use crate::analysis::{Analysis, Curve};
use crate::plot::{Chart, Line, LineChart, Panels, Scale};
use crate::schema::StrategyKind;
use crate::units::si;

const STRATEGIES: [StrategyKind; 5] = [
    StrategyKind::Threads,
    StrategyKind::Batch,
    StrategyKind::Processes,
    StrategyKind::Queue,
    StrategyKind::Server,
];

/// The seeds' curves of `run`, in a fixed order.
fn seeds_curves<'b, 'a>(a: &'b Analysis<'a>, run: usize) -> Vec<&'b Curve<'a>> {
    STRATEGIES
        .iter()
        .filter_map(|&s| seeds_curve(a, run, LINEAR, s))
        .filter(|c| c.good().next().is_some())
        .collect()
}

/// The answer in words, from run `run`'s curves.
fn answer(a: &Analysis, run: usize) -> Option<String> {
    let get = |s| seeds_curve(a, run, LINEAR, s);
    let batch = get(StrategyKind::Batch)?;
    let (b1, bbest) = (batch.at(1).filter(|p| p.ok())?, batch.peak()?);
    let bx = bbest.point.measured.samples_per_s? / b1.point.measured.samples_per_s?;
    let mut text = format!(
        "batching scales to {} samples/s at batch {} ({bx:.0}× batch 1)",
        si(bbest.point.measured.samples_per_s?),
        bbest.point.n
    );
    if let Some(t) = get(StrategyKind::Threads)
        && let (Some(t1), Some(tbest)) = (t.at(1).filter(|p| p.ok()), t.peak())
    {
        let tx = tbest.point.measured.samples_per_s? / t1.point.measured.samples_per_s?;
        text.push_str(&format!(
            ", threads plateau at {} (N={}, {tx:.1}× one thread)",
            si(tbest.point.measured.samples_per_s?),
            tbest.point.n
        ));
    }
    if let Some(c) = get(StrategyKind::Processes)
        && let (Some(peak), Some(last)) = (c.peak(), c.good().last())
    {
        let (pv, lv) = (
            peak.point.measured.samples_per_s?,
            last.point.measured.samples_per_s?,
        );
        text.push_str(&if peak.point.n == last.point.n {
            format!(", processes reach {} (N={})", si(pv), peak.point.n)
        } else {
            format!(
                ", processes fall from {} (N={}) to {} (N={})",
                si(pv),
                peak.point.n,
                si(lv),
                last.point.n
            )
        });
    }
    Some(format!("{}: {text}", a.run_labels[run]))
}

pub(super) fn chart(a: &Analysis) -> Option<Chart> {
    // One run per adapter: the first that measured the seeds' curves.
    let mut runs: Vec<usize> = Vec::new();
    for run in 0..a.runs.len() {
        let adapter = a.runs[run].info.adapter.label();
        if seeds_curves(a, run).len() >= 2
            && !runs
                .iter()
                .any(|r| a.runs[*r].info.adapter.label() == adapter)
        {
            runs.push(run);
        }
    }
    let title = answer(a, *runs.first()?)?;
    let panels: Vec<Chart> = runs
        .iter()
        .take(3)
        .map(|&run| {
            let lines = seeds_curves(a, run)
                .into_iter()
                .map(|c| Line {
                    label: c.label.clone(),
                    colour: colour(a, c),
                    shape: 0,
                    dashed: false,
                    connected: true,
                    dots: c
                        .points
                        .iter()
                        .filter(|p| !p.repeat)
                        .map(rate_dot)
                        .collect(),
                })
                .collect();
            Chart::Lines(LineChart {
                title: a.run_labels[run].clone(),
                x_label: "N: threads, processes, clients or batch size".into(),
                y_label: "samples/s".into(),
                x: Scale::Log2,
                y: Scale::Log10,
                percent: false,
                lines,
                guides: Vec::new(),
                x_guides: Vec::new(),
                notes: Vec::new(),
            })
        })
        .collect();
    let notes = vec![
        "linear 256→128, every op read back (the seeds' .cpu()), blocking waits; bars: 95% confidence intervals of each median".into(),
    ];
    Some(match panels.len() {
        1 => {
            let Chart::Lines(mut only) = panels.into_iter().next()? else {
                return None;
            };
            only.title = title;
            only.notes = notes;
            Chart::Lines(only)
        }
        _ => Chart::Panels(Panels {
            title,
            panels,
            notes,
        }),
    })
}
