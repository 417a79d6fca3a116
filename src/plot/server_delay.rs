//! The dynamic batching server against its waiting limit: samples/s (top)
//! and p99 latency per request (bottom) as `max_delay_us` varies, a line
//! per load (closed-loop clients, or open-loop clients at a rate).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Drawn, FONT, Glyph, legend_clear, log_axis, log_range, si};
use crate::results::{Point, Run, Status};

/// Lines of server points that differ only in `max_delay_us`, from the
/// first run that has one with two delays or more: `(label, points by delay)`.
pub(crate) fn sweeps(runs: &[Run]) -> Vec<(String, Vec<&Point>)> {
    for run in runs {
        let mut lines: Vec<(String, Vec<&Point>)> = Vec::new();
        for p in run
            .points
            .iter()
            .filter(|p| p.strategy == "server" && p.status == Status::Ok)
        {
            let load = match p.arrival_rate_per_s {
                Some(rate) => format!("{} clients, open loop {rate:.0}/s each", p.n),
                None => format!("{} clients, closed loop", p.n),
            };
            let label = format!(
                "{load} · ≤{} · {} · {}",
                p.max_batch.unwrap_or(1),
                p.sync,
                p.workload_label()
            );
            match lines.iter_mut().find(|(l, _)| *l == label) {
                Some((_, points)) => points.push(p),
                None => lines.push((label, vec![p])),
            }
        }
        lines.retain(|(_, points)| {
            let mut delays: Vec<u64> = points.iter().filter_map(|p| p.max_delay_us).collect();
            delays.sort_unstable();
            delays.dedup();
            delays.len() >= 2
        });
        for (_, points) in &mut lines {
            points.sort_by_key(|p| p.max_delay_us);
        }
        if !lines.is_empty() {
            return lines;
        }
    }
    Vec::new()
}

const SHADES: [RGBColor; 5] = [
    RGBColor(227, 119, 194),
    RGBColor(140, 20, 120),
    RGBColor(255, 160, 60),
    RGBColor(90, 60, 200),
    RGBColor(60, 160, 160),
];

pub(crate) fn draw<DB: DrawingBackend>(
    runs: &[Run],
    root: DrawingArea<DB, Shift>,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let lines = sweeps(runs);
    let Some(run) = runs.iter().find(|r| {
        lines
            .first()
            .is_some_and(|(_, ps)| r.points.iter().any(|p| std::ptr::eq(p, ps[0])))
    }) else {
        return Ok(());
    };
    let all = || lines.iter().flat_map(|(_, ps)| ps.iter().copied());
    let max_delay = all().filter_map(|p| p.max_delay_us).max().unwrap_or(1) as f64;
    let sps: Vec<f64> = all().filter_map(|p| p.samples_per_s).collect();
    let p99s: Vec<f64> = all().filter_map(|p| Some(p.latency_us?.p99)).collect();
    let range = |v: &[f64]| {
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(0.0, f64::max);
        log_range(lo, hi, 1.5, 2.5)
    };

    root.fill(&WHITE)?;
    let titled = root.titled(
        &format!(
            "Dynamic batching server vs its waiting limit · {}",
            run.info.adapter.label()
        ),
        (FONT, 22).into_font().style(FontStyle::Bold),
    )?;
    let (top, bottom) = titled.split_vertically((50).percent_height());
    let x_range = -0.03 * max_delay..max_delay * 1.05;

    let (ylo, yhi) = range(&sps);
    let mut upper = ChartBuilder::on(&top)
        .margin(16)
        .x_label_area_size(30)
        .y_label_area_size(90)
        .build_cartesian_2d(x_range.clone(), log_axis(ylo, yhi))?;
    upper
        .configure_mesh()
        .y_desc("Samples/s — log scale")
        .y_labels(12)
        .light_line_style(WHITE.mix(0.0))
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| si(*v))
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .draw()?;
    let lhi = p99s.iter().copied().fold(0.0, f64::max).max(1.0) * 1.15;
    let mut lower = ChartBuilder::on(&bottom)
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(90)
        .build_cartesian_2d(x_range, 0.0..lhi)?;
    lower
        .configure_mesh()
        .x_desc("max_delay_us: longest a request waits for company (µs)")
        .y_desc("p99 per request (µs)")
        .y_labels(12)
        .light_line_style(WHITE.mix(0.0))
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| si(*v))
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .draw()?;

    let mut drawn = Drawn::default();
    for (i, (label, points)) in lines.iter().enumerate() {
        let colour = SHADES[i % SHADES.len()];
        let at = |value: &dyn Fn(&Point) -> Option<f64>| -> Vec<(f64, f64)> {
            points
                .iter()
                .filter_map(|p| Some((p.max_delay_us? as f64, value(p)?)))
                .collect()
        };
        let throughput = at(&|p| p.samples_per_s);
        let p99 = at(&|p| Some(p.latency_us?.p99));
        let line =
            upper.draw_series(LineSeries::new(throughput.clone(), colour.stroke_width(3)))?;
        drawn.label(
            line,
            label.clone(),
            Glyph::Line {
                colour: colour.into(),
                width: 3,
                len: 20,
            },
        );
        upper.draw_series(
            throughput
                .iter()
                .map(|&xy| Circle::new(xy, 5, colour.filled())),
        )?;
        drawn.lines.push(throughput);
        lower.draw_series(LineSeries::new(p99.clone(), colour.stroke_width(3)))?;
        lower.draw_series(p99.iter().map(|&xy| Circle::new(xy, 5, colour.filled())))?;
    }
    legend_clear(&mut upper, &drawn, 14)?;
    root.present()?;
    Ok(())
}
