//! The cross-backend, cross-machine overlay: for one workload, a panel per
//! curve (strategy, sync mode, precision) and in it a line per adapter, so
//! that Vulkan, Metal, GL or two machines are compared curve by curve.
//! Each panel has its own log axis: the shapes are what to compare, since
//! a GPU and a CPU adapter differ by orders of magnitude.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    FONT, Series, WorkloadCharts, draw_marker, is_bad, log_axis, log_range, log2, marker,
    pow2_label, si,
};
use crate::results::Point;

/// At most this many panels; more curves are named in the title as left out.
const MAX_PANELS: usize = 12;

/// One colour per adapter, in run order (not the strategies' colours: a
/// panel holds one strategy).
const ADAPTER_COLOURS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(23, 190, 207),
];

/// The curves that more than one adapter measured, each with its series
/// (one per run), in the order they first appear.
pub(crate) fn curves<'g>(group: &'g WorkloadCharts) -> Vec<(&'g str, Vec<&'g Series<'g>>)> {
    let mut curves: Vec<(&str, Vec<&Series>)> = Vec::new();
    for series in group.lines() {
        match curves.iter_mut().find(|(c, _)| *c == series.curve) {
            Some((_, all)) => all.push(series),
            None => curves.push((&series.curve, vec![series])),
        }
    }
    curves.retain(|(_, all)| {
        let mut runs: Vec<usize> = all.iter().map(|s| s.run_index).collect();
        runs.dedup();
        runs.len() > 1
    });
    curves
}

pub(crate) fn draw<DB: DrawingBackend>(
    group: &WorkloadCharts,
    root: DrawingArea<DB, Shift>,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let curves = curves(group);
    root.fill(&WHITE)?;
    let left_out = curves.len().saturating_sub(MAX_PANELS);
    let title = format!(
        "Across adapters · {} · samples/s (log) vs N (log₂), a panel per curve{}",
        group.workload,
        if left_out > 0 {
            format!(" (first {MAX_PANELS}; {left_out} more in the report)")
        } else {
            String::new()
        }
    );
    let titled = root
        .margin(8, 0, 0, 0)
        .titled(&title, (FONT, 22).into_font().style(FontStyle::Bold))?;

    // The adapters' key, once, in a strip of its own.
    let (strip, body) = titled.split_vertically(30);
    let mut x = 60;
    for (i, adapter) in group.adapters.iter().enumerate() {
        let colour = ADAPTER_COLOURS[i % ADAPTER_COLOURS.len()];
        strip.draw(&marker(i, (x + 12, 15), colour, true))?;
        strip.draw(&Text::new(adapter.as_str(), (x + 30, 7), (FONT, 15)))?;
        x += 60 + 8 * adapter.chars().count() as i32;
    }

    let shown = &curves[..curves.len().min(MAX_PANELS)];
    let cols = if shown.len() > 4 { 3 } else { 2 }.min(shown.len().max(1));
    let rows = shown.len().div_ceil(cols).max(1);
    let panels = body.split_evenly((rows, cols));
    for ((curve, series), panel) in shown.iter().zip(panels.iter()) {
        let rates: Vec<f64> = series
            .iter()
            .flat_map(|s| s.points.iter())
            .filter(|p| !is_bad(p))
            .filter_map(|p| p.samples_per_s)
            .collect();
        let lo = rates.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = rates.iter().copied().fold(0.0, f64::max);
        // Room below the data for the crosses of points with no figure.
        let (lo, hi) = log_range(lo, hi, 4.0, 2.0);
        let max_n = series
            .iter()
            .flat_map(|s| s.points.iter())
            .map(|p| p.n)
            .max()
            .unwrap_or(1);
        let max_x = log2(max_n).max(1.0);
        let mut chart = ChartBuilder::on(panel)
            .caption(*curve, (FONT, 16))
            .margin(8)
            .x_label_area_size(30)
            .y_label_area_size(56)
            .build_cartesian_2d(-0.3..max_x + 0.3, log_axis(lo, hi))?;
        chart
            .configure_mesh()
            .x_labels(((max_x + 1.0) * 2.0) as usize)
            .x_label_formatter(&pow2_label)
            .y_label_formatter(&|v| si(*v))
            .light_line_style(WHITE.mix(0.0))
            .label_style((FONT, 12))
            .draw()?;
        let mut notes: Vec<(RGBColor, String)> = Vec::new();
        for s in series {
            let i = group
                .adapters
                .iter()
                .position(|a| *a == s.adapter)
                .unwrap_or(0);
            let colour = ADAPTER_COLOURS[i % ADAPTER_COLOURS.len()];
            let good: Vec<(f64, f64)> = s
                .points
                .iter()
                .filter(|p| !is_bad(p))
                .filter_map(|p| Some((log2(p.n), p.samples_per_s?)))
                .collect();
            chart.draw_series(LineSeries::new(good.clone(), colour.stroke_width(2)))?;
            for &at in &good {
                draw_marker(&mut chart, i, at, colour)?;
            }
            // Failed, wrong and unsupported points sit on the panel's
            // floor, as crosses; one note per adapter says which and why
            // (a label per cross would overlap its neighbours).
            let bad: Vec<&&Point> = s.points.iter().filter(|p| is_bad(p)).collect();
            for p in &bad {
                chart.draw_series(std::iter::once(Cross::new(
                    (log2(p.n), lo * 1.3),
                    7,
                    colour.stroke_width(2),
                )))?;
            }
            if !bad.is_empty() {
                let mut words: Vec<&str> = bad.iter().map(|p| p.status.name()).collect();
                words.dedup();
                let at = if bad.len() == s.points.len() {
                    "every N".to_string()
                } else {
                    let ns: Vec<String> = bad.iter().map(|p| p.n.to_string()).collect();
                    format!("N = {}", ns.join(", "))
                };
                notes.push((colour, format!("✕ {} at {at}", words.join(" / "))));
            }
        }
        for (k, (colour, text)) in notes.iter().enumerate() {
            chart.draw_series(std::iter::once(
                EmptyElement::at((-0.25, lo * 1.3))
                    + Text::new(
                        text.clone(),
                        (0, -26 - 14 * k as i32),
                        (FONT, 13).into_font().color(colour),
                    ),
            ))?;
        }
    }
    root.present()?;
    Ok(())
}
