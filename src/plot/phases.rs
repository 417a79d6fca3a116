//! Where the time goes: per curve, the median host time per op in each
//! phase (encode, submit, wait, readback) stacked for every N, with the
//! GPU's execution time (timestamp queries) as a bar beside it. The host
//! phases add up to the op's time on the host; the GPU bar overlaps them.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{FONT, WorkloadCharts, is_bad};

const PHASES: [(&str, RGBColor); 4] = [
    ("encode", RGBColor(127, 127, 127)),
    ("submit", RGBColor(255, 127, 14)),
    ("wait", RGBColor(158, 202, 225)),
    ("readback", RGBColor(148, 103, 189)),
];
const GPU: (&str, RGBColor) = ("GPU execution (overlaps wait)", RGBColor(44, 160, 44));

/// Curves that recorded phases; at most six panels.
pub(crate) fn has_phases(group: &WorkloadCharts) -> bool {
    group
        .series
        .iter()
        .any(|s| s.points.iter().any(|p| p.phases_us.is_some()))
}

const MAX_PANELS: usize = 8;

pub(crate) fn draw<DB: DrawingBackend>(
    group: &WorkloadCharts,
    root: DrawingArea<DB, Shift>,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let all: Vec<_> = group
        .series
        .iter()
        .filter(|s| s.points.iter().any(|p| p.phases_us.is_some()))
        .collect();
    // Past eight panels the bars get too small to read; the title says
    // how many curves are left for each run's own chart.
    let series = &all[..all.len().min(MAX_PANELS)];
    let mut title = super::title("Where the time goes (median µs per op)", group);
    if all.len() > series.len() {
        title += &format!(" · first {} of {} curves", series.len(), all.len());
    }
    let titled = root.titled(&title, (FONT, 22).into_font().style(FontStyle::Bold))?;
    // One legend for every panel, in a strip of its own, so that it covers
    // no bar.
    let (strip, body) = titled.split_vertically(30);
    let mut x = 80;
    for (name, colour) in PHASES.iter().chain(std::iter::once(&GPU)) {
        strip.draw(&Rectangle::new([(x, 8), (x + 14, 22)], colour.filled()))?;
        strip.draw(&Text::new(*name, (x + 20, 7), (FONT, 15)))?;
        x += 40 + 8 * name.chars().count() as i32;
    }
    let cols = if series.len() > 1 { 2 } else { 1 };
    let rows = series.len().div_ceil(cols).max(1);
    let panels = body.split_evenly((rows, cols));
    for (series, panel) in series.iter().zip(panels.iter()) {
        let points: Vec<_> = series
            .points
            .iter()
            .filter(|p| !is_bad(p) && p.phases_us.is_some())
            .collect();
        let top = points
            .iter()
            .filter_map(|p| p.phases_us)
            .map(|ph| {
                let host =
                    ph.encode.median + ph.submit.median + ph.wait.median + ph.readback.median;
                host.max(ph.gpu.map_or(0.0, |g| g.median))
            })
            .fold(1.0, f64::max)
            * 1.15;
        let mut chart = ChartBuilder::on(panel)
            .caption(&series.label, (FONT, 18))
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(64)
            .build_cartesian_2d(-0.5..points.len() as f64 - 0.5, 0.0..top)?;
        let labels: Vec<String> = points.iter().map(|p| p.n.to_string()).collect();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(points.len().max(1))
            .x_label_formatter(&|x| super::label_at(*x, &labels))
            .x_desc("N")
            .y_desc("µs per op")
            .y_label_formatter(&|v| super::si(*v))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .draw()?;
        for (k, p) in points.iter().enumerate() {
            let ph = p.phases_us.expect("filtered");
            let x = k as f64;
            let mut base = 0.0;
            for (j, (_, colour)) in PHASES.iter().enumerate() {
                let v = [ph.encode, ph.submit, ph.wait, ph.readback][j].median;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x - 0.38, base), (x + 0.02, base + v)],
                    colour.filled(),
                )))?;
                base += v;
            }
            if let Some(gpu) = ph.gpu {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x + 0.06, 0.0), (x + 0.38, gpu.median)],
                    GPU.1.filled(),
                )))?;
            }
        }
    }
    root.present()?;
    Ok(())
}
