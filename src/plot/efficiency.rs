//! Efficiency vs N: throughput(N) / (N × throughput(1)) of the same
//! strategy and sync mode, one line per strategy, log₂ x-axis.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    Drawn, FONT, Glyph, WorkloadCharts, draw_bad, draw_marker, is_bad, label_bad, log2,
    place_legend, pow2_label, split_for_legend, strategy_colour, title,
};

pub(crate) fn draw<DB: DrawingBackend>(
    group: &WorkloadCharts,
    root: DrawingArea<DB, Shift>,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let max_x = group
        .lines()
        .flat_map(|s| &s.points)
        .map(|p| log2(p.n))
        .fold(0.0, f64::max);
    let top = group
        .lines()
        .flat_map(|s| &s.points)
        .filter_map(|p| Some(p.efficiency? * spread_ratio(p).1 * 100.0))
        .fold(110.0, f64::max)
        * 1.08;

    root.fill(&WHITE)?;
    let (plot, side) = split_for_legend(&root, group);
    let mut chart = ChartBuilder::on(&plot)
        .caption(
            title("Efficiency vs N", group),
            (FONT, 24).into_font().style(FontStyle::Bold),
        )
        .margin(24)
        .x_label_area_size(64)
        .y_label_area_size(84)
        .build_cartesian_2d(-0.3..max_x.max(1.0) + 0.3, 0.0..top)?;
    chart
        .configure_mesh()
        .x_desc("N (threads, processes, or batch size) — log₂ scale")
        .y_desc("Efficiency: samples/s ÷ (N × samples/s at N=1), %")
        .x_labels(((max_x.max(1.0) + 1.0) * 2.0) as usize)
        .x_label_formatter(&pow2_label)
        .y_label_formatter(&|v| format!("{v:.0}%"))
        .label_style((FONT, 17))
        .axis_desc_style((FONT, 19))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;

    let ideal = vec![(-0.3, 100.0), (max_x.max(1.0) + 0.3, 100.0)];
    let line = chart.draw_series(DashedLineSeries::new(
        ideal.clone(),
        12,
        8,
        BLACK.mix(0.6).stroke_width(2),
    ))?;
    let mut drawn = Drawn::default();
    drawn.label(
        line,
        "ideal (100%)",
        Glyph::Line {
            colour: BLACK.mix(0.6),
            width: 2,
            len: 24,
        },
    );
    drawn.lines.push(ideal);
    let mut any_bad = false;
    for series in group.lines() {
        let colour = strategy_colour(&series.strategy);
        let style = series.style;
        let good: Vec<_> = series
            .points
            .iter()
            .filter(|p| !is_bad(p))
            .filter_map(|p| Some((p, log2(p.n), p.efficiency? * 100.0)))
            .collect();
        let line = chart.draw_series(LineSeries::new(
            good.iter().map(|&(_, x, y)| (x, y)),
            colour.stroke_width(3),
        ))?;
        drawn.label(line, series.label.clone(), Glyph::Marker { style, colour });
        drawn
            .lines
            .push(good.iter().map(|&(_, x, y)| (x, y)).collect());
        for &(p, x, y) in &good {
            let (lo, hi) = spread_ratio(p);
            chart.draw_series(std::iter::once(ErrorBar::new_vertical(
                x,
                y * lo,
                y,
                y * hi,
                colour.stroke_width(2),
                10,
            )))?;
            draw_marker(&mut chart, series.style, (x, y), colour)?;
        }
        any_bad |= draw_bad(
            &mut chart,
            &series.points,
            |p| (log2(p.n), p.efficiency.map_or(0.0, |e| e * 100.0)),
            colour,
        )?;
    }
    if any_bad {
        label_bad(&mut chart, &mut drawn)?;
    }
    let font = if drawn.labels.len() > 14 { 14 } else { 18 };
    place_legend(&mut chart, side.as_ref(), &drawn, font)?;
    root.present()?;
    Ok(())
}

/// (min, max) of a point's samples/s relative to its median: the error bar.
pub(crate) fn spread_ratio(p: &crate::results::Point) -> (f64, f64) {
    match p.samples_per_s_spread {
        Some(s) if s.median > 0.0 => (s.min / s.median, s.max / s.median),
        _ => (1.0, 1.0),
    }
}
