//! A line panel: each line's points with their 95% intervals as bars,
//! horizontal and vertical references, a cross on the floor for a point
//! with no figure.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::super::{Dot, LineChart, Mark, Scale};
use super::FONT;
use super::axes::{Axis, label, place, rgb, shape, span, ticks};
use super::layout::{Entry, PanelPlan, TICK_PX, X_LABEL_H, Y_LABEL_W};

/// The legend's entries: references first, then lines.
pub(super) fn entries(c: &LineChart) -> Vec<Entry> {
    c.guides
        .iter()
        .chain(&c.x_guides)
        .map(|g| Entry {
            label: g.label.clone(),
            colour: g.colour,
            shape: None,
            dashed: true,
        })
        .chain(c.lines.iter().map(|l| Entry {
            label: l.label.clone(),
            colour: l.colour,
            shape: Some(l.shape),
            dashed: l.dashed,
        }))
        .collect()
}

/// Points of a line drawn each with a marker and its interval.
const MARKED: usize = 64;

/// What drawing leaves out or marks, in words.
pub(super) fn drawing_notes(c: &LineChart) -> Vec<String> {
    let mut notes = Vec::new();
    let mut unplaced = 0;
    for d in c.lines.iter().flat_map(|l| &l.dots) {
        if place(c.x, d.x).is_none() {
            unplaced += 1;
        }
        for v in [d.y, d.lo, d.hi].into_iter().flatten() {
            if place(c.y, v).is_none() {
                unplaced += 1;
            }
        }
    }
    if unplaced > 0 {
        notes.push(format!(
            "{unplaced} values left out: not finite, or not positive on a log axis"
        ));
    }
    if c.lines
        .iter()
        .any(|l| l.dots.iter().any(|d| matches!(d.mark, Mark::Missing(_))))
    {
        notes.push(
            "✕ on the floor: a point with no figure (failed, wrong or unsupported), in its line's colour"
                .into(),
        );
    }
    if c.lines.iter().any(|l| l.dots.len() > MARKED) {
        notes.push(format!(
            "a line of more than {MARKED} points is drawn solid, without its markers and intervals"
        ));
    }
    if c.lines.iter().all(|l| l.dots.is_empty()) {
        notes.push("nothing to draw: no point of these runs has this figure".into());
    }
    notes
}

pub(super) fn draw<DB: DrawingBackend>(
    c: &LineChart,
    area: &DrawingArea<DB, Shift>,
    plan: &PanelPlan,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for d in c.lines.iter().flat_map(|l| &l.dots) {
        xs.extend(place(c.x, d.x));
        ys.extend(
            [d.y, d.lo, d.hi]
                .into_iter()
                .flatten()
                .filter_map(|v| place(c.y, v)),
        );
    }
    ys.extend(c.guides.iter().filter_map(|g| place(c.y, g.y)));
    xs.extend(c.x_guides.iter().filter_map(|g| place(c.x, g.y)));
    let (x0, x1) = span(xs.iter().copied(), 0.06);
    let (mut y0, y1) = span(ys.iter().copied(), 0.08);
    if c.y == Scale::Linear && c.percent {
        y0 = y0.min(0.0);
    }
    let floor = y0;
    let mut chart = ChartBuilder::on(area)
        .margin(8)
        .x_label_area_size(X_LABEL_H as u32)
        .y_label_area_size(Y_LABEL_W as u32)
        .build_cartesian_2d(
            Axis::new(x0, x1, ticks(c.x, x0, x1)),
            Axis::new(y0, y1, ticks(c.y, y0, y1)),
        )?;
    let (xs_scale, ys_scale, percent) = (c.x, c.y, c.percent);
    let desc_px = |b: &Option<super::TextBox>| b.as_ref().map_or(14.0, |b| b.px);
    chart
        .configure_mesh()
        .x_desc(c.x_label.as_str())
        .y_desc(c.y_label.as_str())
        .x_label_formatter(&|v| label(xs_scale, *v, false))
        .y_label_formatter(&|v| label(ys_scale, *v, percent))
        .label_style((FONT, TICK_PX))
        .x_label_style((FONT, TICK_PX))
        .axis_desc_style((FONT, desc_px(&plan.x_desc).min(desc_px(&plan.y_desc))))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    for g in &c.guides {
        let Some(y) = place(c.y, g.y) else { continue };
        chart.draw_series(DashedLineSeries::new(
            vec![(x0, y), (x1, y)],
            12,
            8,
            rgb(g.colour).mix(0.8).stroke_width(2),
        ))?;
    }
    for g in &c.x_guides {
        let Some(x) = place(c.x, g.y) else { continue };
        chart.draw_series(DashedLineSeries::new(
            vec![(x, y0), (x, y1)],
            12,
            8,
            rgb(g.colour).mix(0.8).stroke_width(2),
        ))?;
    }
    for line in &c.lines {
        let colour = rgb(line.colour);
        let placed: Vec<(f64, f64, &Dot)> = line
            .dots
            .iter()
            .filter_map(|d| Some((place(c.x, d.x)?, place(c.y, d.y?)?, d)))
            .collect();
        let pts: Vec<(f64, f64)> = placed.iter().map(|&(x, y, _)| (x, y)).collect();
        if line.connected && line.dashed && line.dots.len() <= MARKED {
            chart.draw_series(DashedLineSeries::new(pts, 10, 6, colour.stroke_width(3)))?;
        } else if line.connected {
            chart.draw_series(LineSeries::new(pts, colour.stroke_width(3)))?;
        }
        // Past MARKED points a marker per point would only overlap the
        // next: the line alone (drawing_notes says so).
        for &(x, y, d) in placed.iter().filter(|_| line.dots.len() <= MARKED) {
            if let (Some(lo), Some(hi)) = (
                d.lo.and_then(|v| place(c.y, v)),
                d.hi.and_then(|v| place(c.y, v)),
            ) {
                chart.draw_series(std::iter::once(ErrorBar::new_vertical(
                    x,
                    lo.max(floor),
                    y,
                    hi.max(floor),
                    colour.mix(0.7).stroke_width(2),
                    10,
                )))?;
            }
            chart.draw_series(std::iter::once(
                EmptyElement::at((x, y)) + Polygon::new(shape(line.shape), colour.filled()),
            ))?;
        }
        // A cross per missing point, its status written by the first only
        // (a label on each would run into its neighbours').
        let mut labelled = false;
        for d in line.dots.iter().filter(|_| line.dots.len() <= MARKED) {
            if let (Mark::Missing(why), Some(x)) = (&d.mark, place(c.x, d.x)) {
                let text = if labelled { String::new() } else { why.clone() };
                labelled = true;
                chart.draw_series(std::iter::once(
                    EmptyElement::at((x, floor))
                        + Cross::new((0, -10), 8, colour.stroke_width(3))
                        + Text::new(text, (8, -30), (FONT, 13).into_font().color(&BLACK)),
                ))?;
            }
        }
    }
    Ok(())
}
