//! Samples/s vs N on log-log axes, with each curve's ideal linear scaling
//! from its own N=1 point drawn dashed, and the device's ceiling where GPU
//! timestamps make it known: how many ops per second the GPU could run if
//! it never waited for the host (batch-1 ops for the strategies of
//! workers, N-sample ops for `batch`).

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::measure::usl::UslFit;

use super::efficiency::spread_ratio;
use super::{
    Drawn, FONT, Glyph, Series, WorkloadCharts, draw_bad, draw_marker, is_bad, label_bad, log_axis,
    log_range, log2, place_legend, pow2_label, si, split_for_legend, strategy_colour, title,
};
use crate::results::Point;

pub(crate) fn draw<DB: DrawingBackend>(
    group: &WorkloadCharts,
    root: DrawingArea<DB, Shift>,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let all = || group.lines().flat_map(|s| &s.points);
    let max_n = all().map(|p| p.n).max().unwrap_or(1);
    let max_x = log2(max_n).max(1.0);
    let ceilings = worker_ceilings(group);
    let ideal_top = group
        .lines()
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
    let hi = measured
        .iter()
        .copied()
        .chain(ceilings.iter().map(|c| c.1))
        .fold(ideal_top, f64::max);
    let (lo, hi) = log_range(lo, hi, 2.0, 2.0);

    root.fill(&WHITE)?;
    let (plot, side) = split_for_legend(&root, group);
    let mut chart = ChartBuilder::on(&plot)
        .caption(
            title("Throughput vs N", group),
            (FONT, 24).into_font().style(FontStyle::Bold),
        )
        .margin(24)
        .x_label_area_size(64)
        .y_label_area_size(84)
        .build_cartesian_2d(-0.3..max_x + 0.3, log_axis(lo, hi))?;
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

    let mut drawn = Drawn::default();
    for (i, (adapter, ceiling)) in ceilings.iter().enumerate() {
        let line = vec![(-0.3, *ceiling), (max_x + 0.3, *ceiling)];
        let shade = BLACK.mix(0.75 - 0.2 * i as f64);
        let label = format!(
            "GPU ceiling, batch 1{}: {}/s",
            if ceilings.len() > 1 {
                format!(" · {adapter}")
            } else {
                String::new()
            },
            si(*ceiling)
        );
        let series = chart.draw_series(DashedLineSeries::new(
            line.clone(),
            3,
            5,
            shade.stroke_width(2),
        ))?;
        drawn.label(
            series,
            label,
            Glyph::Line {
                colour: shade,
                width: 2,
                len: 24,
            },
        );
        drawn.lines.push(line);
    }
    let mut any_bad = false;
    let mut ideal_labelled = false;
    for series in group.lines() {
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
            let line = chart.draw_series(ideal)?;
            drawn
                .lines
                .push(vec![(0.0, base), (log2(last), base * f64::from(last))]);
            if !ideal_labelled {
                ideal_labelled = true;
                drawn.label(
                    line,
                    "ideal: N × samples/s at N=1 (per strategy)",
                    Glyph::Line {
                        colour: BLACK.mix(0.5),
                        width: 2,
                        len: 16,
                    },
                );
            }
        }
        // The USL fitted to curves of workers sharing one GPU, dotted,
        // with σ and κ named.
        if crate::analysis::fits_usl(&series.strategy) {
            let curve: Vec<(f64, f64)> =
                good.iter().map(|&(p, _, y)| (f64::from(p.n), y)).collect();
            if let Some(fit) = UslFit::fit(&curve) {
                let last = series.points.iter().map(|p| p.n).max().unwrap_or(1);
                let xs = (0..=(log2(last) * 20.0) as u32).map(|i| f64::from(i) / 20.0);
                let fitted: Vec<(f64, f64)> =
                    xs.map(|x| (x, fit.throughput(2f64.powf(x)))).collect();
                let line = chart.draw_series(DashedLineSeries::new(
                    fitted.clone(),
                    2,
                    4,
                    colour.mix(0.9).stroke_width(2),
                ))?;
                drawn.lines.push(fitted);
                // Named in the legend only for one adapter: merged charts
                // have too many curves for a line each.
                if group.adapters.len() == 1 {
                    let label = format!(
                        "USL fit of {}: σ = {:.2}, κ = {:.4}",
                        series.label, fit.sigma, fit.kappa
                    );
                    drawn.label(
                        line,
                        label,
                        Glyph::Line {
                            colour: colour.into(),
                            width: 2,
                            len: 14,
                        },
                    );
                }
            }
        }
        if series.strategy == "batch" {
            let bound: Vec<(f64, f64)> = series
                .points
                .iter()
                .filter(|p| !is_bad(p))
                .filter_map(|p| Some((log2(p.n), gpu_bound(p)?)))
                .collect();
            if bound.len() > 1 {
                let line = chart.draw_series(DashedLineSeries::new(
                    bound.clone(),
                    3,
                    5,
                    colour.mix(0.6).stroke_width(2),
                ))?;
                drawn.lines.push(bound);
                // Named once per chart: merged charts have too many lines.
                if !drawn.labels.iter().any(|l| l.contains("GPU ceiling (N ÷")) {
                    drawn.label(
                        line,
                        "batch: GPU ceiling (N ÷ GPU time per op)",
                        Glyph::Line {
                            colour: colour.mix(0.6),
                            width: 2,
                            len: 24,
                        },
                    );
                }
            }
        }
        let line = chart.draw_series(LineSeries::new(
            good.iter().map(|&(_, x, y)| (x, y)),
            colour.stroke_width(3),
        ))?;
        drawn.label(line, series.label.clone(), Glyph::Marker { style, colour });
        drawn
            .lines
            .push(good.iter().map(|&(_, x, y)| (x, y)).collect());
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
        any_bad |= draw_bad(
            &mut chart,
            &series.points,
            |p| (log2(p.n), p.samples_per_s.unwrap_or(lo * 1.3)),
            colour,
        )?;
    }
    if any_bad {
        label_bad(&mut chart, &mut drawn)?;
    }
    let font = if drawn.labels.len() > 14 { 14 } else { 17 };
    place_legend(&mut chart, side.as_ref(), &drawn, font)?;
    root.present()?;
    Ok(())
}

/// Samples/s if the GPU ran this point's ops back to back: samples per op
/// over the median GPU time of one op (timestamp queries).
fn gpu_bound(p: &Point) -> Option<f64> {
    let gpu_us = p.phases_us.as_ref()?.gpu.as_ref()?.median;
    (gpu_us > 0.0).then(|| f64::from(p.batch) * 1e6 / gpu_us)
}

/// Per adapter on the chart, the GPU ceiling of batch-1 ops: the median
/// over its good N=1 batch-1 points of 1 ÷ GPU time per op, unhindered
/// by other workers. `(adapter, samples/s)`.
fn worker_ceilings(group: &WorkloadCharts) -> Vec<(String, f64)> {
    let mut adapters: Vec<&str> = Vec::new();
    for s in &group.series {
        if !adapters.contains(&s.adapter.as_str()) {
            adapters.push(&s.adapter);
        }
    }
    adapters
        .into_iter()
        .filter_map(|adapter| {
            let mut bounds: Vec<f64> = group
                .lines()
                .filter(|s| s.adapter == adapter)
                .flat_map(|s| &s.points)
                .filter(|p| p.n == 1 && p.batch == 1 && !is_bad(p))
                .filter_map(|p| gpu_bound(p))
                .collect();
            bounds.sort_by(f64::total_cmp);
            let median = *bounds.get(bounds.len() / 2)?;
            Some((adapter.to_string(), median))
        })
        .collect()
}

/// The series' measured samples/s at N=1, if that point is good.
fn baseline(series: &Series) -> Option<f64> {
    series
        .points
        .iter()
        .find(|p| p.n == 1 && !is_bad(p))
        .and_then(|p| p.samples_per_s)
}
