//! A bar panel: one group of bars per category, side by side or stacked.
//! Category labels are short by design (an N, a step's number); a panel
//! whose labels would not fit its slots turns them vertical and makes
//! room for them, measured.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::super::text::width;
use super::super::{BarChart, Scale, si};
use super::FONT;
use super::axes::{Axis, label, place, rgb, span, ticks};
use super::layout::{Entry, PanelPlan, TICK_PX, Y_LABEL_W};

pub(super) fn entries(c: &BarChart) -> Vec<Entry> {
    c.series
        .iter()
        .map(|s| Entry {
            label: s.label.clone(),
            colour: s.colour,
            shape: None,
            dashed: false,
        })
        .collect()
}

fn drawable(v: f64, log: bool) -> bool {
    v.is_finite() && (v > 0.0 || (!log && v >= 0.0))
}

pub(super) fn drawing_notes(c: &BarChart) -> Vec<String> {
    let mut notes = Vec::new();
    let dropped = c
        .series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .filter(|v| !drawable(**v, c.log_y))
        .count();
    if dropped > 0 {
        notes.push(format!(
            "{dropped} values left out: not finite, or not positive on a log axis"
        ));
    }
    if c.series
        .iter()
        .all(|s| s.values.iter().all(Option::is_none))
    {
        notes.push("nothing to draw: no point of these runs has this figure".into());
    }
    notes
}

pub(super) fn draw<DB: DrawingBackend>(
    c: &BarChart,
    area: &DrawingArea<DB, Shift>,
    plan: &PanelPlan,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let scale = if c.log_y { Scale::Log10 } else { Scale::Linear };
    let n_cat = c.categories.len().max(1);
    let mut tops = Vec::new();
    for k in 0..n_cat {
        let good: Vec<f64> = c
            .series
            .iter()
            .filter_map(|s| s.values.get(k).copied().flatten())
            .filter(|v| drawable(*v, c.log_y))
            .collect();
        if c.stacked {
            tops.push(good.iter().sum::<f64>());
        } else {
            tops.extend(good);
        }
    }
    let placed_tops: Vec<f64> = tops.iter().filter_map(|&v| place(scale, v)).collect();
    let (y0, y1) = if c.log_y {
        let smallest = c
            .series
            .iter()
            .flat_map(|s| s.values.iter().flatten())
            .filter_map(|&v| place(scale, v))
            .fold(f64::INFINITY, f64::min);
        let (lo, hi) = span(
            placed_tops.iter().copied().chain(std::iter::once(smallest)),
            0.1,
        );
        (lo.floor(), hi)
    } else {
        let (_, hi) = span(placed_tops.iter().copied(), 0.12);
        (0.0, hi.max(1e-12))
    };
    let slot = (plan.plot.w - Y_LABEL_W - 24.0) / n_cat as f64;
    let widest = c
        .categories
        .iter()
        .map(|s| width(s, TICK_PX, false))
        .fold(0.0, f64::max);
    let rotate = widest > slot - 4.0;
    let x_area = if rotate {
        (widest + 16.0).clamp(40.0, plan.plot.h / 2.0)
    } else {
        40.0
    };
    let cats = c.categories.clone();
    let mut chart = ChartBuilder::on(area)
        .margin(8)
        .x_label_area_size(x_area as u32)
        .y_label_area_size(Y_LABEL_W as u32)
        .build_cartesian_2d(
            Axis::new(
                -0.6,
                n_cat as f64 - 0.4,
                (0..n_cat).map(|k| k as f64).collect(),
            ),
            Axis::new(y0, y1, ticks(scale, y0, y1)),
        )?;
    let label_cat = move |v: &f64| {
        let i = v.round();
        if (v - i).abs() < 1e-6 && i >= 0.0 {
            cats.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    let desc_px = plan.y_desc.as_ref().map_or(14.0, |b| b.px);
    chart
        .configure_mesh()
        .y_desc(c.y_label.as_str())
        .x_label_formatter(&label_cat)
        .y_label_formatter(&|v| label(scale, *v, false))
        .x_label_style(if rotate {
            (FONT, TICK_PX)
                .into_font()
                .transform(FontTransform::Rotate90)
        } else {
            (FONT, TICK_PX).into_font()
        })
        .label_style((FONT, TICK_PX))
        .axis_desc_style((FONT, desc_px))
        .light_line_style(WHITE.mix(0.0))
        .disable_x_mesh()
        .draw()?;
    let n_series = c.series.len().max(1);
    let bar_w = if c.stacked {
        0.7
    } else {
        0.8 / n_series as f64
    };
    // A value over each bar where they are few and the bars wide enough.
    let labelled = !c.stacked && n_cat * n_series <= 16 && slot / n_series as f64 > 40.0;
    for k in 0..n_cat {
        let mut base = 0.0f64;
        for (j, s) in c.series.iter().enumerate() {
            let Some(v) = s.values.get(k).copied().flatten() else {
                continue;
            };
            if !drawable(v, c.log_y) {
                continue;
            }
            let placed = |x: f64| place(scale, x).unwrap_or(y0).max(y0);
            let (left, right, bottom, top) = if c.stacked {
                let (b, t) = (base, base + v);
                base = t;
                (
                    k as f64 - bar_w / 2.0,
                    k as f64 + bar_w / 2.0,
                    if b <= 0.0 { y0 } else { placed(b) },
                    placed(t),
                )
            } else {
                let left = k as f64 - 0.4 + bar_w * j as f64;
                (left, left + bar_w * 0.92, y0, placed(v))
            };
            chart.draw_series(std::iter::once(Rectangle::new(
                [(left, bottom), (right, top.min(y1))],
                rgb(s.colour).filled(),
            )))?;
            if labelled {
                let text = si(v);
                let dx = -(width(&text, 12.0, false) / 2.0) as i32;
                chart.draw_series(std::iter::once(
                    EmptyElement::at(((left + right) / 2.0, top.min(y1)))
                        + Text::new(text, (dx, -16), (FONT, 12).into_font().color(&BLACK)),
                ))?;
            }
        }
    }
    Ok(())
}
