//! Samples/s vs N on log-log axes, with each curve's ideal linear scaling
//! from its own N=1 point drawn dashed.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::measure::usl::UslFit;

use super::efficiency::spread_ratio;
use super::{
    FONT, WorkloadCharts, draw_bad, draw_marker, is_bad, log2, marker, pow2_label, si,
    strategy_colour, title,
};

pub(crate) fn draw<DB: DrawingBackend>(
    group: &WorkloadCharts,
    root: DrawingArea<DB, Shift>,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let all = || group.series.iter().flat_map(|s| &s.points);
    let max_n = all().map(|p| p.n).max().unwrap_or(1);
    let max_x = log2(max_n).max(1.0);
    let ideal_top = group
        .series
        .iter()
        .filter_map(|s| {
            baseline(s).map(|b| b * f64::from(s.points.iter().map(|p| p.n).max().unwrap_or(1)))
        })
        .fold(0.0, f64::max);
    let measured: Vec<f64> = all().filter_map(|p| p.samples_per_s).collect();
    let lo = measured
        .iter()
        .zip(all().filter(|p| p.samples_per_s.is_some()))
        .map(|(v, p)| v * spread_ratio(p).0)
        .fold(f64::INFINITY, f64::min);
    let hi = measured.iter().copied().fold(ideal_top, f64::max);
    let (lo, hi) = if lo.is_finite() && hi > 0.0 {
        (lo / 2.0, hi * 2.0)
    } else {
        (1.0, 10.0)
    };

    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            title("Throughput vs N", group),
            (FONT, 24).into_font().style(FontStyle::Bold),
        )
        .margin(24)
        .x_label_area_size(64)
        .y_label_area_size(84)
        .build_cartesian_2d(-0.3..max_x + 0.3, (lo..hi).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("N (threads, processes, or batch size) — log₂ scale")
        .y_desc("Samples per second (all workers) — log scale")
        .x_labels(((max_x + 1.0) * 2.0) as usize)
        .x_label_formatter(&pow2_label)
        .y_label_formatter(&|v| si(*v))
        .label_style((FONT, 17))
        .axis_desc_style((FONT, 19))
        .draw()?;

    let mut any_bad = false;
    let mut ideal_labelled = false;
    for series in &group.series {
        let colour = strategy_colour(&series.strategy);
        let style = series.style;
        let good: Vec<_> = series
            .points
            .iter()
            .filter(|p| !is_bad(p))
            .filter_map(|p| Some((p, log2(p.n), p.samples_per_s?)))
            .collect();
        if let Some(base) = baseline(series) {
            let last = series.points.iter().map(|p| p.n).max().unwrap_or(1);
            let ideal = DashedLineSeries::new(
                vec![(0.0, base), (log2(last), base * f64::from(last))],
                10,
                7,
                colour.mix(0.5).stroke_width(2),
            );
            let drawn = chart.draw_series(ideal)?;
            if !ideal_labelled {
                ideal_labelled = true;
                drawn
                    .label("ideal: N × samples/s at N=1 (per strategy)")
                    .legend(|(x, y)| {
                        PathElement::new(
                            vec![(x, y), (x + 8, y), (x + 16, y)],
                            BLACK.mix(0.5).stroke_width(2),
                        )
                    });
            }
        }
        // The USL fitted to curves of workers, dotted, with σ and κ named.
        if series.strategy != "batch" && series.strategy != "hybrid" {
            let curve: Vec<(f64, f64)> =
                good.iter().map(|&(p, _, y)| (f64::from(p.n), y)).collect();
            if let Some(fit) = UslFit::fit(&curve) {
                let last = series.points.iter().map(|p| p.n).max().unwrap_or(1);
                let xs = (0..=(log2(last) * 20.0) as u32).map(|i| f64::from(i) / 20.0);
                let drawn = chart.draw_series(DashedLineSeries::new(
                    xs.map(|x| (x, fit.throughput(2f64.powf(x)))),
                    2,
                    4,
                    colour.mix(0.9).stroke_width(2),
                ))?;
                // Named in the legend only for one adapter: merged charts
                // have too many curves for a line each.
                if group.adapters.len() == 1 {
                    drawn
                        .label(format!(
                            "USL fit of {}: σ = {:.2}, κ = {:.4}",
                            series.label, fit.sigma, fit.kappa
                        ))
                        .legend(move |(x, y)| {
                            PathElement::new(
                                vec![(x, y), (x + 4, y), (x + 10, y), (x + 14, y)],
                                colour.stroke_width(2),
                            )
                        });
                }
            }
        }
        chart
            .draw_series(LineSeries::new(
                good.iter().map(|&(_, x, y)| (x, y)),
                colour.stroke_width(3),
            ))?
            .label(series.label.clone())
            .legend(move |(x, y)| marker(style, (x + 12, y), colour, true));
        for &(p, x, y) in &good {
            let (rlo, rhi) = spread_ratio(p);
            chart.draw_series(std::iter::once(ErrorBar::new_vertical(
                x,
                y * rlo,
                y,
                y * rhi,
                colour.stroke_width(2),
                10,
            )))?;
            draw_marker(&mut chart, series.style, (x, y), colour)?;
        }
        for p in series.points.iter().filter(|p| is_bad(p)) {
            any_bad = true;
            draw_bad(
                &mut chart,
                (log2(p.n), p.samples_per_s.unwrap_or(lo * 1.3)),
                p,
            )?;
        }
    }
    if any_bad {
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
            .label("✕ failed or wrong point")
            .legend(|(x, y)| Cross::new((x + 12, y), 6, BLACK.stroke_width(3)));
    }
    super::legend(&mut chart, SeriesLabelPosition::LowerRight, 18)?;
    root.present()?;
    Ok(())
}

/// The series' measured samples/s at N=1, if that point is good.
fn baseline(series: &super::Series) -> Option<f64> {
    series
        .points
        .iter()
        .find(|p| p.n == 1 && !is_bad(p))
        .and_then(|p| p.samples_per_s)
}
