//! Draws a chart spec with plotters. Axes are drawn in transformed
//! coordinates (log₂ or log₁₀ of the value, or the value) with tick marks
//! placed here, so a log axis never sees a zero and a huge range never
//! makes a huge loop.

use std::sync::Once;

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;
use plotters::style::FontStyle;

use super::{BarChart, Chart, Dot, HEIGHT, LineChart, Mark, Rgb, Scale, WIDTH, si};

const FONT: &str = "sans-serif";
/// The legend column right of the plot.
const LEGEND_W: u32 = 380;
/// Most tick marks on an axis.
const MAX_TICKS: usize = 16;

/// The charts ship their own font (DejaVu Sans, embedded), so text renders
/// on a machine with no fonts installed.
fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// The chart as an SVG document.
pub fn svg(chart: &Chart) -> anyhow::Result<String> {
    register_fonts();
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (WIDTH, HEIGHT)).into_drawing_area();
        render(chart, &root)?;
        root.present()?;
    }
    Ok(text)
}

/// The chart as a PNG file's bytes.
pub fn png(chart: &Chart) -> anyhow::Result<Vec<u8>> {
    register_fonts();
    let mut rgb = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        render(chart, &root)?;
        root.present()?;
    }
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, WIDTH, HEIGHT);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        // Charts are mostly flat colour: the best compression with an
        // adaptive filter halves the files, which are committed.
        encoder.set_compression(png::Compression::Best);
        encoder.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&rgb)?;
    }
    Ok(bytes)
}

fn render<DB: DrawingBackend>(chart: &Chart, root: &DrawingArea<DB, Shift>) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    match chart {
        Chart::Lines(c) => lines(c, root),
        Chart::Bars(c) => bars(c, root),
    }
}

/// A linear axis over placed values with the tick marks given here.
#[derive(Clone)]
struct Axis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Axis {
    fn new(lo: f64, hi: f64, ticks: Vec<f64>) -> Self {
        Self { lo, hi, ticks }
    }
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = self.hi - self.lo;
        let t = if span > 0.0 {
            (value - self.lo) / span
        } else {
            0.5
        };
        let px = f64::from(limit.0) + t.clamp(-1.0, 2.0) * f64::from(limit.1 - limit.0);
        px.round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

fn rgb(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

/// A value on a scale, or `None` where the scale cannot place it.
fn place(scale: Scale, v: f64) -> Option<f64> {
    if !v.is_finite() {
        return None;
    }
    match scale {
        Scale::Linear => Some(v),
        Scale::Log2 => (v > 0.0).then(|| v.log2()),
        Scale::Log10 => (v > 0.0).then(|| v.log10()),
    }
}

/// A range of placed values widened by `pad` of its span (or by 1 when it
/// is a single value), or 0 to 1 when there is nothing to show.
fn span(values: impl Iterator<Item = f64>, pad: f64) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-9 {
        return (lo - 0.5, hi + 0.5);
    }
    let p = (hi - lo) * pad;
    (lo - p, hi + p)
}

/// Tick positions (placed values) within `lo..=hi` for `scale`.
fn ticks(scale: Scale, lo: f64, hi: f64) -> Vec<f64> {
    let (first, last) = (lo.ceil() as i64, hi.floor() as i64);
    match scale {
        Scale::Log2 => {
            let step = ((last - first) as usize / MAX_TICKS + 1) as i64;
            (first..=last)
                .step_by(step as usize)
                .map(|k| k as f64)
                .collect()
        }
        Scale::Log10 => {
            let decades = (hi - lo).max(0.0);
            if decades <= 3.0 {
                let (from, to) = (lo.floor() as i64, hi.ceil() as i64);
                (from..=to)
                    .flat_map(|d| [1.0f64, 2.0, 5.0].map(|m| d as f64 + m.log10()))
                    .filter(|v| (lo..=hi).contains(v))
                    .collect()
            } else {
                let step = ((last - first) as usize / MAX_TICKS + 1) as i64;
                (first..=last)
                    .step_by(step as usize)
                    .map(|k| k as f64)
                    .collect()
            }
        }
        Scale::Linear => {
            let raw = (hi - lo) / 8.0;
            if !(raw.is_finite() && raw > 0.0) {
                return vec![lo];
            }
            let mag = 10f64.powf(raw.log10().floor());
            let step = [1.0, 2.0, 2.5, 5.0, 10.0]
                .iter()
                .map(|m| m * mag)
                .find(|s| *s >= raw)
                .unwrap_or(10.0 * mag);
            let start = (lo / step).ceil() as i64;
            let end = (hi / step).floor() as i64;
            (start..=end)
                .take(MAX_TICKS * 2)
                .map(|k| k as f64 * step)
                .collect()
        }
    }
}

/// The label of a placed value.
fn label(scale: Scale, v: f64, percent: bool) -> String {
    let value = match scale {
        Scale::Linear => v,
        Scale::Log2 => 2f64.powf(v),
        Scale::Log10 => 10f64.powf(v),
    };
    let text = if scale == Scale::Log2 && value >= 1.0 {
        format!("{}", value.round() as u64)
    } else {
        si(value)
    };
    if percent { format!("{text}%") } else { text }
}

/// A marker's outline, in pixels around its point.
fn shape(n: usize) -> Vec<(i32, i32)> {
    match n % 6 {
        0 => vec![
            (-3, -6),
            (3, -6),
            (6, -3),
            (6, 3),
            (3, 6),
            (-3, 6),
            (-6, 3),
            (-6, -3),
        ],
        1 => vec![(0, -8), (7, 5), (-7, 5)],
        2 => vec![(-5, -5), (5, -5), (5, 5), (-5, 5)],
        3 => vec![(0, -7), (7, 0), (0, 7), (-7, 0)],
        4 => vec![(0, 8), (7, -5), (-7, -5)],
        _ => vec![
            (-2, -7),
            (2, -7),
            (2, -2),
            (7, -2),
            (7, 2),
            (2, 2),
            (2, 7),
            (-2, 7),
            (-2, 2),
            (-7, 2),
            (-7, -2),
            (-2, -2),
        ],
    }
}

fn lines<DB: DrawingBackend>(c: &LineChart, root: &DrawingArea<DB, Shift>) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let mut notes = c.notes.clone();
    // Placed coordinates of every dot, and what could not be placed.
    let mut unplaced = 0usize;
    let cap = c.y_cap.and_then(|v| place(c.y, v));
    let mut capped = 0usize;
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for d in c.lines.iter().flat_map(|l| &l.dots) {
        match place(c.x, d.x) {
            Some(x) => xs.push(x),
            None => unplaced += 1,
        }
        for v in [d.y, d.lo, d.hi].into_iter().flatten() {
            match place(c.y, v) {
                Some(y) => ys.push(cap.map_or(y, |cap| y.min(cap))),
                None => unplaced += 1,
            }
        }
    }
    for g in &c.guides {
        if let Some(y) = place(c.y, g.y) {
            ys.push(cap.map_or(y, |cap| y.min(cap)));
        }
    }
    let (x0, x1) = span(xs.iter().copied(), 0.06);
    let (mut y0, y1) = span(ys.iter().copied(), 0.08);
    if c.y == Scale::Linear && c.percent {
        y0 = y0.min(0.0);
    }
    let floor = y0;

    let (plot, legend) = root.split_horizontally(WIDTH - LEGEND_W);
    let foot = 22 * (notes.len() as u32 + 1);
    let (plot, notes_area) = plot.split_vertically(HEIGHT - foot.min(HEIGHT / 3));
    let x_ticks = ticks(c.x, x0, x1);
    let y_ticks = ticks(c.y, y0, y1);
    let mut chart = ChartBuilder::on(&plot)
        .caption(&c.title, (FONT, 24).into_font().style(FontStyle::Bold))
        .margin(18)
        .x_label_area_size(60)
        .y_label_area_size(92)
        .build_cartesian_2d(Axis::new(x0, x1, x_ticks), Axis::new(y0, y1, y_ticks))?;
    let (xs_scale, ys_scale, percent) = (c.x, c.y, c.percent);
    chart
        .configure_mesh()
        .x_desc(c.x_label.as_str())
        .y_desc(c.y_label.as_str())
        .x_label_formatter(&|v| label(xs_scale, *v, false))
        .y_label_formatter(&|v| label(ys_scale, *v, percent))
        .label_style((FONT, 17))
        .axis_desc_style((FONT, 19))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;

    let mut entries: Vec<(String, Rgb, Option<usize>, bool)> = Vec::new();
    for g in &c.guides {
        let Some(y) = place(c.y, g.y) else { continue };
        let y = cap.map_or(y, |cap| y.min(cap));
        chart.draw_series(DashedLineSeries::new(
            vec![(x0, y), (x1, y)],
            12,
            8,
            rgb(g.colour).mix(0.8).stroke_width(2),
        ))?;
        entries.push((g.label.clone(), g.colour, None, true));
    }
    let mut missing = 0usize;
    for line in &c.lines {
        let colour = rgb(line.colour);
        let placed: Vec<(f64, f64, &Dot)> = line
            .dots
            .iter()
            .filter_map(|d| {
                let x = place(c.x, d.x)?;
                let y = place(c.y, d.y?)?;
                Some((x, y, d))
            })
            .collect();
        let pts: Vec<(f64, f64)> = placed
            .iter()
            .map(|&(x, y, _)| (x, cap.map_or(y, |cap| y.min(cap))))
            .collect();
        if !line.connected {
        } else if line.dashed {
            chart.draw_series(DashedLineSeries::new(
                pts.clone(),
                10,
                6,
                colour.stroke_width(3),
            ))?;
        } else {
            chart.draw_series(LineSeries::new(pts.clone(), colour.stroke_width(3)))?;
        }
        for (&(x, y_raw, d), &(_, y)) in placed.iter().zip(&pts) {
            if cap.is_some_and(|cap| y_raw > cap) {
                capped += 1;
            }
            if let (Some(lo), Some(hi)) = (
                d.lo.and_then(|v| place(c.y, v)),
                d.hi.and_then(|v| place(c.y, v)),
            ) {
                let clip = |v: f64| cap.map_or(v, |cap| v.min(cap)).max(floor);
                chart.draw_series(std::iter::once(ErrorBar::new_vertical(
                    x,
                    clip(lo),
                    y,
                    clip(hi),
                    colour.mix(0.7).stroke_width(2),
                    10,
                )))?;
            }
            let outline = shape(line.shape);
            match d.mark {
                Mark::Noisy => {
                    let mut ring = outline.clone();
                    ring.push(outline[0]);
                    chart.draw_series(std::iter::once(
                        EmptyElement::at((x, y))
                            + Polygon::new(outline, WHITE.filled())
                            + PathElement::new(ring, colour.stroke_width(2)),
                    ))?;
                }
                _ => {
                    chart.draw_series(std::iter::once(
                        EmptyElement::at((x, y)) + Polygon::new(outline, colour.filled()),
                    ))?;
                }
            }
        }
        // A cross per missing point, its status written by the first only
        // (a label on each would run into its neighbours').
        let mut labelled = false;
        for d in &line.dots {
            if let (Mark::Missing(why), Some(x)) = (&d.mark, place(c.x, d.x)) {
                missing += 1;
                let text = if labelled { String::new() } else { why.clone() };
                labelled = true;
                chart.draw_series(std::iter::once(
                    EmptyElement::at((x, floor))
                        + Cross::new((0, -10), 8, colour.stroke_width(3))
                        + Text::new(text, (8, -34), (FONT, 14).into_font().color(&BLACK)),
                ))?;
            }
        }
        entries.push((
            line.label.clone(),
            line.colour,
            Some(line.shape),
            line.dashed,
        ));
    }
    if unplaced > 0 {
        notes.push(format!(
            "{unplaced} values left out: not finite, or not positive on a log axis"
        ));
    }
    if capped > 0 {
        notes.push(format!(
            "{capped} points above the axis cap drawn at the cap (see the tables)"
        ));
    }
    if missing > 0 {
        notes.push("✕ on the floor: a point with no figure (failed, wrong or unsupported), in its curve's colour".into());
    }
    if c.lines
        .iter()
        .any(|l| l.dots.iter().any(|d| d.mark == Mark::Noisy))
    {
        notes.push(
            "hollow marker: noisy point (trials spread over 20% or split into two levels)".into(),
        );
    }
    if c.lines.iter().all(|l| l.dots.is_empty()) {
        notes.push("nothing to draw: no point of these runs has this figure".into());
    }
    draw_legend(&legend, &entries)?;
    draw_notes(&notes_area, &notes)?;
    Ok(())
}

fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(String, Rgb, Option<usize>, bool)],
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let (_, h) = area.dim_in_pixel();
    let rows = entries.len().max(1) as u32;
    let font = ((h.saturating_sub(80)) / rows)
        .saturating_sub(6)
        .clamp(9, 17);
    let row = (font + 7) as i32;
    for (i, (text, colour, shape_n, dashed)) in entries.iter().enumerate() {
        let y = 60 + row * i as i32;
        let colour = rgb(*colour);
        let line = if *dashed {
            vec![(6, y), (14, y), (22, y), (30, y)]
        } else {
            vec![(6, y), (30, y)]
        };
        if *dashed {
            area.draw(&PathElement::new(
                vec![(6, y), (14, y)],
                colour.stroke_width(3),
            ))?;
            area.draw(&PathElement::new(
                vec![(22, y), (30, y)],
                colour.stroke_width(3),
            ))?;
        } else {
            area.draw(&PathElement::new(line, colour.stroke_width(3)))?;
        }
        if let Some(s) = shape_n {
            let pts: Vec<(i32, i32)> = shape(*s)
                .into_iter()
                .map(|(dx, dy)| (18 + dx, y + dy))
                .collect();
            area.draw(&Polygon::new(pts, colour.filled()))?;
        }
        let mut shown = text.clone();
        let max_chars = ((LEGEND_W - 50) as f64 / (f64::from(font) * 0.55)) as usize;
        if shown.chars().count() > max_chars {
            shown = shown
                .chars()
                .take(max_chars.saturating_sub(1))
                .collect::<String>()
                + "…";
        }
        area.draw(&Text::new(
            shown,
            (40, y - font as i32 / 2 - 1),
            (FONT, font),
        ))?;
    }
    Ok(())
}

fn draw_notes<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    notes: &[String],
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    for (i, note) in notes.iter().enumerate() {
        area.draw(&Text::new(
            note.clone(),
            (24, 4 + 22 * i as i32),
            (FONT, 15).into_font().color(&RGBColor(70, 70, 70)),
        ))?;
    }
    Ok(())
}

fn bars<DB: DrawingBackend>(c: &BarChart, root: &DrawingArea<DB, Shift>) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let mut notes = c.notes.clone();
    let scale = if c.log_y { Scale::Log10 } else { Scale::Linear };
    let n_cat = c.categories.len().max(1);
    let mut dropped = 0usize;
    // Heights per category: stacked totals or each bar.
    let mut tops = Vec::new();
    for k in 0..n_cat {
        let values = c
            .series
            .iter()
            .filter_map(|s| s.values.get(k).copied().flatten());
        let good: Vec<f64> = values
            .filter(|v| {
                let ok = v.is_finite() && (*v > 0.0 || (!c.log_y && *v >= 0.0));
                if !ok {
                    dropped += 1;
                }
                ok
            })
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
        let (_, hi) = span(placed_tops.iter().copied(), 0.1);
        (0.0, hi.max(1e-12))
    };
    let (plot, legend) = root.split_horizontally(WIDTH - LEGEND_W);
    let foot = 22 * (notes.len() as u32 + 2);
    let (plot, notes_area) = plot.split_vertically(HEIGHT - foot.min(HEIGHT / 4));
    let y_ticks = ticks(scale, y0, y1);
    let cats = c.categories.clone();
    let rotate = n_cat > 8;
    let longest = c
        .categories
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(1) as u32;
    let mut chart = ChartBuilder::on(&plot)
        .caption(&c.title, (FONT, 24).into_font().style(FontStyle::Bold))
        .margin(18)
        .x_label_area_size(if rotate {
            (longest * 7 + 20).clamp(60, 300)
        } else {
            60
        })
        .y_label_area_size(92)
        .build_cartesian_2d(
            Axis::new(
                -0.6,
                n_cat as f64 - 0.4,
                (0..n_cat).map(|k| k as f64).collect(),
            ),
            Axis::new(y0, y1, y_ticks),
        )?;
    let label_cat = move |v: &f64| {
        let i = v.round();
        if (v - i).abs() < 1e-6 && i >= 0.0 {
            cats.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .y_desc(c.y_label.as_str())
        .x_label_formatter(&label_cat)
        .y_label_formatter(&|v| label(scale, *v, false))
        .x_label_style(if rotate {
            (FONT, 13).into_font().transform(FontTransform::Rotate90)
        } else {
            (FONT, 16).into_font()
        })
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 19))
        .light_line_style(WHITE.mix(0.0))
        .disable_x_mesh()
        .draw()?;
    let n_series = c.series.len().max(1);
    let width = if c.stacked {
        0.7
    } else {
        0.8 / n_series as f64
    };
    let labelled = !c.stacked && n_cat * n_series <= 24;
    for k in 0..n_cat {
        let mut base = 0.0f64;
        for (j, s) in c.series.iter().enumerate() {
            let Some(v) = s.values.get(k).copied().flatten() else {
                continue;
            };
            if !(v.is_finite() && (v > 0.0 || (!c.log_y && v >= 0.0))) {
                continue;
            }
            let (left, right, bottom, top) = if c.stacked {
                let (b, t) = (base, base + v);
                base = t;
                let place_v = |x: f64| place(scale, x).unwrap_or(y0).max(y0);
                (
                    k as f64 - width / 2.0,
                    k as f64 + width / 2.0,
                    if b <= 0.0 { y0 } else { place_v(b) },
                    place_v(t),
                )
            } else {
                let left = k as f64 - 0.4 + width * j as f64;
                (
                    left,
                    left + width * 0.92,
                    y0,
                    place(scale, v).unwrap_or(y0).max(y0),
                )
            };
            chart.draw_series(std::iter::once(Rectangle::new(
                [(left, bottom), (right, top.min(y1))],
                rgb(s.colour).filled(),
            )))?;
            if labelled {
                chart.draw_series(std::iter::once(
                    EmptyElement::at(((left + right) / 2.0, top.min(y1)))
                        + Text::new(si(v), (-14, -18), (FONT, 13).into_font().color(&BLACK)),
                ))?;
            }
        }
    }
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
    let entries: Vec<(String, Rgb, Option<usize>, bool)> = c
        .series
        .iter()
        .map(|s| (s.label.clone(), s.colour, None, false))
        .collect();
    draw_legend(&legend, &entries)?;
    draw_notes(&notes_area, &notes)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::{Bars, Guide, Line};

    #[test]
    fn ticks_stay_few_and_finite_on_any_range() {
        assert_eq!(
            ticks(Scale::Log2, 0.0, 8.0),
            (0..=8).map(f64::from).collect::<Vec<_>>()
        );
        let wide = ticks(Scale::Log10, -300.0, 308.0);
        assert!(
            wide.len() <= MAX_TICKS + 2 && !wide.is_empty(),
            "{}",
            wide.len()
        );
        assert_eq!(ticks(Scale::Log10, 1.0, 3.0).len(), 7, "1 2 5 per decade");
        assert!(ticks(Scale::Linear, 0.0, 1e308).len() <= 2 * MAX_TICKS);
        assert_eq!(label(Scale::Log2, 3.0, false), "8");
        assert_eq!(label(Scale::Log10, 6.0, false), "1M");
    }

    fn chart(values: Vec<f64>, y: Scale) -> Chart {
        Chart::Lines(LineChart {
            title: "t".into(),
            x_label: "N".into(),
            y_label: "y".into(),
            x: Scale::Log2,
            y,
            percent: false,
            y_cap: Some(200.0),
            lines: vec![Line {
                label: "a".into(),
                colour: (1, 2, 3),
                shape: 0,
                dashed: false,
                connected: true,
                dots: values
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| Dot::at(2f64.powi(i as i32), v))
                    .chain(std::iter::once(Dot::missing(64.0, "failed")))
                    .collect(),
            }],
            guides: vec![Guide {
                label: "ceiling".into(),
                y: 1e9,
                colour: (0, 0, 0),
            }],
            notes: vec![],
        })
    }

    #[test]
    fn hostile_values_draw_and_are_noted() {
        for y in [Scale::Log10, Scale::Linear] {
            let c = chart(
                vec![0.0, -1.0, f64::NAN, f64::INFINITY, 1e308, 1e-300, 5.0],
                y,
            );
            let text = svg(&c).unwrap();
            assert!(
                text.contains("values left out") || y == Scale::Linear,
                "{y:?}"
            );
            assert!(text.contains("no figure"));
            assert!(png(&c).unwrap().starts_with(b"\x89PNG"));
        }
        let empty = Chart::Lines(LineChart {
            lines: vec![],
            guides: vec![],
            ..match chart(vec![], Scale::Log10) {
                Chart::Lines(l) => l,
                Chart::Bars(_) => unreachable!(),
            }
        });
        assert!(svg(&empty).unwrap().contains("nothing to draw"));
        let bars = Chart::Bars(BarChart {
            title: "b".into(),
            y_label: "µs".into(),
            categories: vec!["a".into(), "b".into()],
            series: vec![Bars {
                label: "s".into(),
                colour: (9, 9, 9),
                values: vec![Some(0.0), Some(f64::NAN)],
            }],
            stacked: true,
            log_y: true,
            notes: vec![],
        });
        assert!(svg(&bars).unwrap().contains("left out"));
    }
}
