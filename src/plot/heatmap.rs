//! Samples/s over threads × batch: every point whose shape is T threads of
//! B samples on one device — `threads` (B = 1), `batch` (T = 1) and
//! `hybrid` — of one workload, sync mode and precision, as a heatmap.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::colors::colormaps::{ColorMap, ViridisRGB};

use super::{FONT, WorkloadCharts, is_bad, si};
use crate::results::Point;

/// The (threads, batch) cells of a group's shared-device points in the
/// sync mode and precision its hybrid points use; empty without hybrid.
pub(crate) fn cells<'a>(group: &WorkloadCharts<'a>) -> Vec<&'a Point> {
    cells_of_run(group).1
}

/// The first run with hybrid points, by its label, and its cells: merged
/// runs are not mixed in one grid.
fn cells_of_run<'a>(group: &WorkloadCharts<'a>) -> (String, Vec<&'a Point>) {
    let Some(first) = group.series.iter().find(|s| s.strategy == "hybrid") else {
        return (String::new(), Vec::new());
    };
    let hybrid = first.points[0];
    let points = || {
        group
            .series
            .iter()
            .filter(|s| s.run_index == first.run_index)
            .flat_map(|s| s.points.iter().copied())
    };
    let cells = points()
        .filter(|p| matches!(p.strategy.as_str(), "threads" | "batch" | "hybrid"))
        .filter(|p| p.sync == hybrid.sync && p.precision == hybrid.precision && !is_bad(p))
        .filter(|p| p.samples_per_s.is_some())
        .collect();
    (first.adapter.clone(), cells)
}

fn axis(values: impl Iterator<Item = u32>) -> Vec<u32> {
    let mut v: Vec<u32> = values.collect();
    v.sort_unstable();
    v.dedup();
    v
}

pub(crate) fn draw<DB: DrawingBackend>(
    group: &WorkloadCharts,
    root: DrawingArea<DB, Shift>,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let (adapter, cells) = cells_of_run(group);
    let threads = axis(cells.iter().map(|p| p.threads));
    let batches = axis(cells.iter().map(|p| p.batch));
    let rates: Vec<f64> = cells.iter().filter_map(|p| p.samples_per_s).collect();
    let (lo, hi) = rates.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &v| {
        (lo.min(v), hi.max(v))
    });
    let (lo, hi) = (lo.ln(), hi.ln().max(lo.ln() + 1e-9));

    root.fill(&WHITE)?;
    let sync = cells.first().map_or(String::new(), |p| {
        format!(" · sync {} · {}", p.sync, p.precision)
    });
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "Samples/s over threads × batch · {} · {adapter}{sync}",
                group.workload
            ),
            (FONT, 22).into_font().style(FontStyle::Bold),
        )
        .margin(24)
        .x_label_area_size(64)
        .y_label_area_size(90)
        .build_cartesian_2d(
            -0.5..batches.len() as f64 - 0.5,
            -0.5..threads.len() as f64 - 0.5,
        )?;
    let (bl, tl) = (batches.clone(), threads.clone());
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(batches.len() + 1)
        .y_labels(threads.len() + 1)
        .x_label_formatter(&|x| super::label_at(*x, &bl))
        .y_label_formatter(&|y| super::label_at(*y, &tl))
        .x_desc("Batch per op (B)")
        .y_desc("Threads sharing the device (T)")
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .draw()?;
    for p in &cells {
        let (Some(x), Some(y), Some(v)) = (
            batches.iter().position(|&b| b == p.batch),
            threads.iter().position(|&t| t == p.threads),
            p.samples_per_s,
        ) else {
            continue;
        };
        let t = (v.ln() - lo) / (hi - lo);
        let colour: RGBColor = ViridisRGB.get_color(t);
        let (x, y) = (x as f64, y as f64);
        chart.draw_series(std::iter::once(Rectangle::new(
            [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
            colour.filled(),
        )))?;
        let ink = if t > 0.6 { BLACK } else { WHITE };
        chart.draw_series(std::iter::once(Text::new(
            si(v),
            (x, y),
            (FONT, 16)
                .into_font()
                .color(&ink)
                .pos(plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Center,
                    plotters::style::text_anchor::VPos::Center,
                )),
        )))?;
    }
    root.present()?;
    Ok(())
}
