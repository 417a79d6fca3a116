//! The headline chart: the seeds' question at a glance. Throughput against
//! N of threads, batch, processes, the queue and the server on linear
//! 256→128 with a readback after every op, a panel per adapter (wgpu's and
//! a framework peer's side by side where both ran), the answer in the
//! title.

use super::rate_line;
use crate::analysis::verdicts::{LINEAR, seeds_curve};
use crate::analysis::{Analysis, Curve, CurvePoint};
use crate::plot::{Chart, LineChart, Panels, Scale};
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
    for (kind, noun, one) in [
        (StrategyKind::Threads, "threads", "one thread"),
        (StrategyKind::Processes, "processes", "one process"),
    ] {
        if let Some(words) = get(kind).and_then(|c| how(noun, one, c)) {
            text.push_str(", ");
            text.push_str(&words);
        }
    }
    Some(format!("{}: {text}", a.run_labels[run]))
}

/// How a curve goes, in words: where it peaks against N=1 and what
/// follows. "Fall" only where the two points' intervals part, so a
/// wobble within the noise reads as holding.
fn how(noun: &str, one: &str, c: &Curve) -> Option<String> {
    let rate = |p: &CurvePoint| p.point.measured.samples_per_s;
    let (first, peak, last) = (c.at(1).filter(|p| p.ok())?, c.peak()?, c.good().last()?);
    let (f, top, end) = (rate(first)?, rate(peak)?, rate(last)?);
    // A point's 95% interval, else (files older than it) its trials' range.
    let range = |p: &CurvePoint| {
        let m = &p.point.measured;
        m.samples_per_s_ci
            .map(|ci| (ci.lo, ci.hi))
            .or(m.samples_per_s_spread.map(|s| (s.min, s.max)))
    };
    let below = |a: &CurvePoint, b: &CurvePoint| match (range(a), range(b)) {
        (Some((_, a_hi)), Some((b_lo, _))) => a_hi < b_lo,
        _ => false,
    };
    let (n_peak, n_last) = (peak.point.n, last.point.n);
    Some(if n_peak == 1 {
        if below(last, first) {
            format!(
                "{noun} fall from {} (N=1) to {} (N={n_last})",
                si(f),
                si(end)
            )
        } else {
            format!("{noun} stay near {} from N=1 to N={n_last}", si(f))
        }
    } else if n_peak == n_last {
        format!(
            "{noun} reach {} at N={n_peak} ({:.1}× {one})",
            si(top),
            top / f
        )
    } else if below(last, peak) {
        format!(
            "{noun} peak at {} (N={n_peak}, {:.1}× {one}), then fall to {} (N={n_last})",
            si(top),
            top / f,
            si(end)
        )
    } else {
        format!(
            "{noun} peak at {} (N={n_peak}, {:.1}× {one}) and hold to N={n_last}",
            si(top),
            top / f
        )
    })
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
                .map(|c| rate_line(a, c, 0))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testing::{curve, run};
    use crate::schema::SyncMode;

    fn title(threads: &[f64], processes: &[f64]) -> String {
        let ns = [1, 2, 4, 8];
        let mut points = curve(
            StrategyKind::Batch,
            SyncMode::Readback,
            &ns,
            &[1e4, 2e4, 4e4, 8e4],
        );
        points.extend(curve(
            StrategyKind::Threads,
            SyncMode::Readback,
            &ns,
            threads,
        ));
        points.extend(curve(
            StrategyKind::Processes,
            SyncMode::Readback,
            &ns,
            processes,
        ));
        let runs = vec![run("gpu", points)];
        answer(&Analysis::of(&runs), 0).expect("an answer")
    }

    /// Each word the title uses is the one the points show: a fall only
    /// where the intervals part, a peak where it is, a rise to the end.
    #[test]
    fn the_answer_says_how_each_curve_goes() {
        let has = |t: &str, want: String| assert!(t.contains(&want), "{want:?} not in {t:?}");
        let t = title(&[1e4, 1.5e4, 0.8e4, 0.7e4], &[1e4, 0.5e4, 0.4e4, 0.3e4]);
        has(
            &t,
            format!(
                "batching scales to {} samples/s at batch 8 (8× batch 1)",
                si(8e4)
            ),
        );
        has(
            &t,
            format!(
                "threads peak at {} (N=2, 1.5× one thread), then fall to {} (N=8)",
                si(1.5e4),
                si(0.7e4)
            ),
        );
        has(
            &t,
            format!(
                "processes fall from {} (N=1) to {} (N=8)",
                si(1e4),
                si(0.3e4)
            ),
        );
        let t = title(&[1e4, 2e4, 2.5e4, 3e4], &[1e4, 0.999e4, 0.998e4, 0.997e4]);
        has(
            &t,
            format!("threads reach {} at N=8 (3.0× one thread)", si(3e4)),
        );
        has(
            &t,
            format!("processes stay near {} from N=1 to N=8", si(1e4)),
        );
        let t = title(&[1e4, 1.2e4, 1.21e4, 1.205e4], &[1e4, 2e4, 1.8e4, 1.7e4]);
        has(
            &t,
            format!(
                "threads peak at {} (N=4, 1.2× one thread) and hold to N=8",
                si(1.21e4)
            ),
        );
        has(
            &t,
            format!(
                "processes peak at {} (N=2, 2.0× one process), then fall to {} (N=8)",
                si(2e4),
                si(1.7e4)
            ),
        );
    }
}
