//! Report 001's "Workload Size Impact" as a chart: for each single linear
//! layer measured at one thread and at more threads (same batch per op),
//! ops/s side by side.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{ABOVE, FONT, si, strategy_colour};
use crate::analysis::size_rows;
use crate::results::{Point, Run};

pub(crate) fn draw<DB: DrawingBackend>(
    runs: &[Run],
    root: DrawingArea<DB, Shift>,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    // One run's rows (the first that has them): runs are not mixed.
    let Some((run, rows)) = runs.iter().find_map(|r| {
        let points: Vec<&Point> = r.points.iter().collect();
        let rows = size_rows(&points);
        (!rows.is_empty()).then_some((r, rows))
    }) else {
        return Ok(());
    };
    let top = rows
        .iter()
        .flat_map(|(_, _, a, b)| [a, b])
        .filter_map(|p| p.ops_per_s)
        .fold(1.0, f64::max)
        * 1.2;
    root.fill(&WHITE)?;
    let adapter = run.info.adapter.label();
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("Workload size impact · 1 vs 8 threads, same batch per op · {adapter}"),
            (FONT, 22).into_font().style(FontStyle::Bold),
        )
        .margin(24)
        .x_label_area_size(64)
        .y_label_area_size(90)
        .build_cartesian_2d(-0.5..rows.len() as f64 - 0.5, 0.0..top)?;
    let labels: Vec<String> = rows
        .iter()
        .map(|(d, b, _, _)| format!("{}×{} (batch {b})", d[0], d[1]))
        .collect();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(rows.len().max(1))
        .x_label_formatter(&|x| super::label_at(*x, &labels))
        .y_label_formatter(&|v| si(*v))
        .x_desc("Linear layer (in × out) and batch per op")
        .y_desc("Ops per second (all threads)")
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 18))
        .draw()?;
    let one = strategy_colour("batch");
    let many = strategy_colour("threads");
    for (i, (_, _, a, b)) in rows.iter().enumerate() {
        let x = i as f64;
        let bars = [(x - 0.38, x - 0.02, a, one), (x + 0.02, x + 0.38, b, many)];
        for (l, r, p, colour) in bars {
            let v = p.ops_per_s.unwrap_or(0.0);
            chart.draw_series(std::iter::once(Rectangle::new(
                [(l, 0.0), (r, v)],
                colour.filled(),
            )))?;
            chart.draw_series(std::iter::once(Text::new(
                si(v),
                ((l + r) / 2.0, v + top * 0.005),
                TextStyle::from((FONT, 14).into_font()).pos(ABOVE),
            )))?;
        }
    }
    for (name, colour) in [("1 thread", one), ("8 threads sharing the device", many)] {
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
            .label(name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], colour.filled()));
    }
    super::legend(&mut chart, SeriesLabelPosition::UpperRight, 16)?;
    root.present()?;
    Ok(())
}
