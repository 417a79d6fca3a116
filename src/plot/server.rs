//! The dynamic batching server: throughput against p99 latency as the
//! offered load (clients) grows, beside the other strategies of the same
//! workload, and the histogram of batch sizes the server formed.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Drawn, FONT, Glyph, legend_clear, log_axis, si, strategy_colour};
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
    // Everything measured on the same workload and precision: server
    // curves over clients (a waiting-limit sweep has its own chart), and
    // threads, batch and queue beside them.
    let label = |p: &Point| {
        if p.sync == "readback" {
            p.strategy_label()
        } else {
            format!("{} ({})", p.strategy_label(), p.sync)
        }
    };
    let same = run
        .points
        .iter()
        .filter(|p| p.workload == first.workload && p.dims == first.dims)
        .filter(|p| p.precision == first.precision && p.status == Status::Ok);
    let mut curves: Vec<(String, Vec<&Point>)> = Vec::new();
    for p in same.filter(|p| {
        matches!(
            p.strategy.as_str(),
            "server" | "threads" | "batch" | "queue"
        )
    }) {
        match curves.iter_mut().find(|(l, _)| *l == label(p)) {
            Some((_, points)) => points.push(p),
            None => curves.push((label(p), vec![p])),
        }
    }
    let longest = curves.iter().map(|(_, ps)| ps.len()).max().unwrap_or(0);
    curves.retain(|(_, ps)| ps.len() >= longest.min(3));
    for (_, points) in &mut curves {
        points.sort_by_key(|p| p.n);
    }
    let all: Vec<&Point> = curves
        .iter()
        .flat_map(|(_, ps)| ps.iter().copied())
        .collect();
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
            "Dynamic batching server · {} · {}",
            first.workload_label(),
            run.info.adapter.label()
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
            log_axis(xlo / 1.5, xhi * 1.5),
            log_axis(ylo / 1.5, yhi * 2.5),
        )?;
    chart
        .configure_mesh()
        .x_desc("p99 latency per request (ms) — log scale")
        .y_desc("Samples per second — log scale")
        .x_labels(6)
        .y_labels(8)
        .x_label_formatter(&|v| si(*v))
        .y_label_formatter(&|v| si(*v))
        .light_line_style(WHITE.mix(0.0))
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .draw()?;
    // Several server curves (limits, open or closed loop) get shades of
    // the server's colour, so they stay apart.
    const SHADES: [RGBColor; 4] = [
        RGBColor(227, 119, 194),
        RGBColor(140, 20, 120),
        RGBColor(255, 160, 60),
        RGBColor(90, 60, 200),
    ];
    let mut servers_seen = 0;
    let mut drawn = Drawn::default();
    for (label, curve) in &curves {
        let colour = if curve[0].strategy == "server" {
            servers_seen += 1;
            SHADES[(servers_seen - 1) % SHADES.len()]
        } else if curve[0].sync == "readback" {
            strategy_colour(&curve[0].strategy)
        } else {
            // The same strategy under another sync mode: a lighter shade.
            let RGBColor(r, g, b) = strategy_colour(&curve[0].strategy);
            let light = |c: u8| c + (255 - c) / 2;
            RGBColor(light(r), light(g), light(b))
        };
        let xy: Vec<(f64, f64)> = curve
            .iter()
            .filter_map(|p| Some((p99(p), p.samples_per_s?)))
            .collect();
        let line = chart.draw_series(LineSeries::new(xy.clone(), colour.stroke_width(2)))?;
        drawn.label(
            line,
            label.clone(),
            Glyph::Line {
                colour: colour.into(),
                width: 3,
                len: 20,
            },
        );
        for (i, (p, &(x, y))) in curve.iter().zip(&xy).enumerate() {
            // Labels alternate above and below, so neighbours do not collide.
            let offset = if i % 2 == 0 { (6, -16) } else { (6, 5) };
            chart.draw_series(std::iter::once(
                EmptyElement::at((x, y))
                    + Circle::new((0, 0), 5, colour.filled())
                    + Text::new(format!("N={}", p.n), offset, (FONT, 12).into_font()),
            ))?;
        }
        drawn.lines.push(xy);
    }
    legend_clear(&mut chart, &drawn, 14)?;

    // The batch sizes formed at the most clients of the first server curve.
    let busiest = curves
        .iter()
        .find(|(_, ps)| ps[0].strategy == "server")
        .and_then(|(_, ps)| ps.last())
        .copied()
        .unwrap_or(first);
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
            format!(
                "Batch sizes formed: {}, N={} clients",
                label(busiest),
                busiest.n
            ),
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
