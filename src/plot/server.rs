//! The dynamic batching server: throughput against p99 latency as the
//! offered load (clients) grows, beside the other strategies of the same
//! workload, and the histogram of batch sizes the server formed.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{FONT, si, strategy_colour};
use crate::results::{Point, Run, Status};

/// The first run's server points, if it has any.
pub(crate) fn points(runs: &[Run]) -> Vec<&Point> {
    super::first_run_with(runs, |p| p.strategy == "server" && p.status == Status::Ok)
}

pub(crate) fn draw<DB: DrawingBackend>(
    runs: &[Run],
    root: DrawingArea<DB, Shift>,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let server = points(runs);
    let Some(first) = server.first() else {
        return Ok(());
    };
    let run = runs
        .iter()
        .find(|r| r.points.iter().any(|p| std::ptr::eq(p, *first)))
        .expect("a server point's run");
    // Everything else measured on the same workload, sync and precision.
    let others: Vec<&Point> = run
        .points
        .iter()
        .filter(|p| p.curve_key().workload == first.workload && p.dims == first.dims)
        .filter(|p| {
            p.sync == first.sync && p.precision == first.precision && p.status == Status::Ok
        })
        .filter(|p| matches!(p.strategy.as_str(), "threads" | "batch" | "queue"))
        .collect();
    let all: Vec<&Point> = server.iter().chain(&others).copied().collect();
    let p99 = |p: &Point| p.latency_us.map_or(1.0, |l| l.p99 / 1e3);
    let (xlo, xhi) = all.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), p| {
        (lo.min(p99(p)), hi.max(p99(p)))
    });
    let (ylo, yhi) = all
        .iter()
        .filter_map(|p| p.samples_per_s)
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });

    root.fill(&WHITE)?;
    let titled = root.titled(
        &format!(
            "Dynamic batching server · {} · {} ({})",
            first.workload_label(),
            run.info.adapter.name,
            run.info.adapter.backend
        ),
        (FONT, 22).into_font().style(FontStyle::Bold),
    )?;
    let (left, right) = titled.split_horizontally((62).percent_width());

    let mut chart = ChartBuilder::on(&left)
        .caption("Throughput vs p99 latency as clients (N) grow", (FONT, 18))
        .margin(16)
        .x_label_area_size(56)
        .y_label_area_size(80)
        .build_cartesian_2d(
            (xlo / 1.5..xhi * 1.5).log_scale(),
            (ylo / 1.5..yhi * 1.5).log_scale(),
        )?;
    chart
        .configure_mesh()
        .x_desc("p99 latency per request (ms) — log scale")
        .y_desc("Samples per second — log scale")
        .x_label_formatter(&|v| format!("{v:.2}"))
        .y_label_formatter(&|v| si(*v))
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .draw()?;
    let mut strategies: Vec<String> = all.iter().map(|p| p.strategy_label()).collect();
    strategies.dedup();
    // Several server curves (limits, open or closed loop) get shades of
    // the server's colour, so they stay apart.
    const SHADES: [RGBColor; 4] = [
        RGBColor(227, 119, 194),
        RGBColor(140, 20, 120),
        RGBColor(255, 160, 60),
        RGBColor(90, 60, 200),
    ];
    let mut servers_seen = 0;
    for label in strategies {
        let curve: Vec<&Point> = all
            .iter()
            .copied()
            .filter(|p| p.strategy_label() == label)
            .collect();
        let colour = if curve[0].strategy == "server" {
            servers_seen += 1;
            SHADES[(servers_seen - 1) % SHADES.len()]
        } else {
            strategy_colour(&curve[0].strategy)
        };
        let xy: Vec<(f64, f64)> = curve
            .iter()
            .filter_map(|p| Some((p99(p), p.samples_per_s?)))
            .collect();
        chart
            .draw_series(LineSeries::new(xy.clone(), colour.stroke_width(2)))?
            .label(label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(3))
            });
        for (p, &(x, y)) in curve.iter().zip(&xy) {
            chart.draw_series(std::iter::once(
                EmptyElement::at((x, y))
                    + Circle::new((0, 0), 5, colour.filled())
                    + Text::new(format!("N={}", p.n), (6, -16), (FONT, 12).into_font()),
            ))?;
        }
    }
    super::legend(&mut chart, SeriesLabelPosition::LowerLeft, 14)?;

    // The batch sizes formed at the most clients.
    let busiest = server.iter().max_by_key(|p| p.n).expect("non-empty");
    let max_size = busiest
        .batch_sizes
        .keys()
        .copied()
        .max()
        .unwrap_or(1)
        .max(busiest.max_batch.unwrap_or(1));
    let top = busiest.batch_sizes.values().copied().max().unwrap_or(1) as f64 * 1.15;
    let mut hist = ChartBuilder::on(&right)
        .caption(
            format!("Batch sizes formed, N={} clients", busiest.n),
            (FONT, 18),
        )
        .margin(16)
        .x_label_area_size(56)
        .y_label_area_size(70)
        .build_cartesian_2d(0.5..max_size as f64 + 0.5, 0.0..top)?;
    hist.configure_mesh()
        .disable_x_mesh()
        .x_desc("Requests per dispatch")
        .y_desc("Dispatches")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| si(*v))
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .draw()?;
    let colour = strategy_colour("server");
    for (&size, &count) in &busiest.batch_sizes {
        let x = f64::from(size);
        hist.draw_series(std::iter::once(Rectangle::new(
            [(x - 0.4, 0.0), (x + 0.4, count as f64)],
            colour.filled(),
        )))?;
    }
    root.present()?;
    Ok(())
}
