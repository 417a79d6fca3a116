//! Latency vs N: each curve's per-op p50 (solid) and p99 (dashed), log-log.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    Drawn, FONT, Glyph, WorkloadCharts, draw_bad, draw_marker, is_bad, log_axis, log_range, log2,
    place_legend, pow2_label, split_for_legend, strategy_colour, title,
};

fn us_label(v: &f64) -> String {
    match *v {
        v if v >= 1e6 => format!("{} s", super::si(v / 1e6)),
        v if v >= 1e3 => format!("{} ms", super::si(v / 1e3)),
        v => format!("{} µs", super::si(v)),
    }
}

pub(crate) fn draw<DB: DrawingBackend>(
    group: &WorkloadCharts,
    root: DrawingArea<DB, Shift>,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let all = || group.lines().flat_map(|s| &s.points);
    let max_x = all().map(|p| log2(p.n)).fold(1.0, f64::max);
    let values: Vec<f64> = all()
        .filter_map(|p| p.latency_us)
        .flat_map(|l| [l.p50, l.p99])
        .collect();
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(0.0, f64::max);
    let (lo, hi) = log_range(lo, hi, 2.0, 2.0);

    root.fill(&WHITE)?;
    let (plot, side) = split_for_legend(&root, group);
    let mut chart = ChartBuilder::on(&plot)
        .caption(
            title("Latency per op vs N", group),
            (FONT, 24).into_font().style(FontStyle::Bold),
        )
        .margin(24)
        .x_label_area_size(64)
        .y_label_area_size(96)
        .build_cartesian_2d(-0.3..max_x + 0.3, log_axis(lo, hi))?;
    chart
        .configure_mesh()
        .x_desc("N (threads, processes, or batch size) — log₂ scale")
        .y_desc("Latency per op, host submit to result — log scale")
        .x_labels(((max_x + 1.0) * 2.0) as usize)
        .x_label_formatter(&pow2_label)
        .y_label_formatter(&us_label)
        .label_style((FONT, 17))
        .axis_desc_style((FONT, 19))
        .draw()?;

    let mut drawn = Drawn::default();
    for series in group.lines() {
        let colour = strategy_colour(&series.strategy);
        let style = series.style;
        let good: Vec<_> = series
            .points
            .iter()
            .filter(|p| !is_bad(p))
            .filter_map(|p| Some((log2(p.n), p.latency_us?)))
            .collect();
        let line = chart.draw_series(LineSeries::new(
            good.iter().map(|&(x, l)| (x, l.p50)),
            colour.stroke_width(3),
        ))?;
        drawn.label(
            line,
            format!("{} — p50", series.label),
            Glyph::Marker { style, colour },
        );
        drawn
            .lines
            .push(good.iter().map(|&(x, l)| (x, l.p50)).collect());
        drawn
            .lines
            .push(good.iter().map(|&(x, l)| (x, l.p99)).collect());
        chart.draw_series(DashedLineSeries::new(
            good.iter().map(|&(x, l)| (x, l.p99)),
            8,
            6,
            colour.stroke_width(2),
        ))?;
        for &(x, l) in &good {
            draw_marker(&mut chart, style, (x, l.p50), colour)?;
        }
        draw_bad(
            &mut chart,
            &series.points,
            |p| (log2(p.n), lo * 1.3),
            colour,
        )?;
    }
    let none = chart.draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?;
    drawn.label(
        none,
        "dashed: p99 of the same curve",
        Glyph::Line {
            colour: BLACK.mix(0.6),
            width: 2,
            len: 16,
        },
    );
    let font = if drawn.labels.len() > 14 { 14 } else { 16 };
    place_legend(&mut chart, side.as_ref(), &drawn, font)?;
    root.present()?;
    Ok(())
}
