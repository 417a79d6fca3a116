//! Report 004's optimisation stack as a chart: each labelled step's
//! samples/s as a bar, with its cumulative gain over the first step.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{ABOVE, FONT, si, strategy_colour};
use crate::results::{Point, Run};

/// The labelled points of the first run that has any, in run order.
pub(crate) fn steps(runs: &[Run]) -> Vec<&Point> {
    super::first_run_with(runs, |p| p.label.is_some())
}

pub(crate) fn draw<DB: DrawingBackend>(
    runs: &[Run],
    root: DrawingArea<DB, Shift>,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let steps = steps(runs);
    let first = steps.first().and_then(|p| p.samples_per_s).unwrap_or(1.0);
    let top = steps
        .iter()
        .filter_map(|p| p.samples_per_s)
        .fold(1.0, f64::max)
        * 1.2;
    let adapter = runs
        .iter()
        .find(|r| r.points.iter().any(|p| p.label.is_some()))
        .map_or(String::new(), |r| r.info.adapter.label());
    root.fill(&WHITE)?;
    let workload = steps.first().map_or(String::new(), |p| p.workload_label());
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("Optimisation steps, cumulative · {workload} · {adapter}"),
            (FONT, 22).into_font().style(FontStyle::Bold),
        )
        .margin(24)
        .x_label_area_size(40)
        .y_label_area_size(90)
        .build_cartesian_2d(-0.5..steps.len() as f64 - 0.5, 0.0..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_label_formatter(&|v| si(*v))
        .y_desc("Samples per second (all workers)")
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 18))
        .draw()?;
    for (i, p) in steps.iter().enumerate() {
        let x = i as f64;
        let v = p.samples_per_s.unwrap_or(0.0);
        let colour = strategy_colour(&p.strategy);
        chart.draw_series(std::iter::once(Rectangle::new(
            [(x - 0.35, 0.0), (x + 0.35, v)],
            colour.filled(),
        )))?;
        let gain = if p.samples_per_s.is_some() {
            format!("{} samples/s · {:.1}×", si(v), v / first)
        } else {
            "failed".into()
        };
        chart.draw_series(std::iter::once(Text::new(
            gain,
            (x, v + top * 0.01),
            TextStyle::from((FONT, 15).into_font()).pos(ABOVE),
        )))?;
        chart.draw_series(std::iter::once(Text::new(
            format!("step {}", i),
            (x, v + top * 0.05),
            TextStyle::from((FONT, 15).into_font().style(FontStyle::Bold)).pos(ABOVE),
        )))?;
    }
    // The steps' names, listed where the tallest bars are not.
    for (i, p) in steps.iter().enumerate() {
        chart.draw_series(std::iter::once(Text::new(
            format!("step {i}: {}", p.label.as_deref().unwrap_or("")),
            (-0.45, top * (0.97 - 0.045 * i as f64)),
            (FONT, 15).into_font(),
        )))?;
    }
    root.present()?;
    Ok(())
}
