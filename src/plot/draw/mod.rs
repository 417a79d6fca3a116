//! Draws a chart spec with plotters, following the plan [`layout`] makes
//! of it: the title and notes, then each panel (its title, its plot, its
//! legend under the plot).

mod axes;
mod bars;
mod layout;
mod lines;

use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

pub use layout::TextBox;

use super::{Chart, HEIGHT, WIDTH};
use axes::{rgb, shape};
use layout::{ChartPlan, Entry, PlacedEntry};

const FONT: &str = "sans-serif";

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

/// The chart's plan: every panel's legend entries and axis descriptions,
/// and its notes with what drawing leaves out.
fn plan(chart: &Chart) -> ChartPlan {
    let panels = chart.panels();
    let mut notes: Vec<String> = match chart {
        Chart::Lines(c) => c.notes.clone(),
        Chart::Bars(c) => c.notes.clone(),
        Chart::Panels(p) => p.notes.clone(),
    };
    let mut entries = Vec::new();
    let mut descs = Vec::new();
    for p in &panels {
        let (e, own_notes, d) = match p {
            Chart::Lines(c) => (
                lines::entries(c),
                lines::drawing_notes(c),
                (c.x_label.clone(), c.y_label.clone()),
            ),
            Chart::Bars(c) => (
                bars::entries(c),
                bars::drawing_notes(c),
                (String::new(), c.y_label.clone()),
            ),
            Chart::Panels(_) => (Vec::new(), Vec::new(), (String::new(), String::new())),
        };
        for n in own_notes {
            let note = if panels.len() > 1 {
                format!("{}: {n}", p.title())
            } else {
                n
            };
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
        if let Chart::Panels(p) = chart {
            for inner in &p.panels {
                let inner_notes = match inner {
                    Chart::Lines(c) => &c.notes,
                    Chart::Bars(c) => &c.notes,
                    Chart::Panels(_) => continue,
                };
                for n in inner_notes {
                    if !notes.contains(n) {
                        notes.push(n.clone());
                    }
                }
            }
        }
        entries.push(e);
        descs.push(d);
    }
    layout::chart(chart, &notes, &entries, &descs)
}

/// Every text box of `chart` as it is drawn, for the tests: each must lie
/// inside the canvas, and a legend entry's lines must hold its whole label.
pub fn layout_boxes(chart: &Chart) -> Vec<TextBox> {
    plan(chart).boxes()
}

fn render<DB: DrawingBackend>(chart: &Chart, root: &DrawingArea<DB, Shift>) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let plan = plan(chart);
    for b in plan.title.iter().chain(
        &plan
            .panels
            .iter()
            .flat_map(|p| p.title.clone())
            .collect::<Vec<_>>(),
    ) {
        text(root, b, BLACK)?;
    }
    for b in &plan.notes {
        text(root, b, RGBColor(70, 70, 70))?;
    }
    for (panel, p) in chart.panels().into_iter().zip(&plan.panels) {
        let area = root.clone().shrink(
            (p.plot.x as i32, p.plot.y as i32),
            (p.plot.w as u32, p.plot.h as u32),
        );
        match panel {
            Chart::Lines(c) => lines::draw(c, &area, p)?,
            Chart::Bars(c) => bars::draw(c, &area, p)?,
            Chart::Panels(_) => {}
        }
        legend(root, &p.legend)?;
    }
    Ok(())
}

fn text<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    b: &TextBox,
    colour: RGBColor,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let style = if b.bold {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    };
    root.draw(&Text::new(
        b.text.clone(),
        (b.x as i32, b.y as i32),
        (FONT, b.px).into_font().style(style).color(&colour),
    ))?;
    Ok(())
}

fn legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    entries: &[PlacedEntry],
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    for p in entries {
        let Entry {
            colour,
            shape: marker,
            dashed,
            ..
        } = &p.entry;
        let (x, y) = (p.at.0 as i32, p.at.1 as i32);
        let colour = rgb(*colour);
        if *dashed {
            // Short dashes clear of the marker (x+6..x+22), so that a
            // dashed entry never reads as a line through its marker.
            let dashes: &[(i32, i32)] = if marker.is_some() {
                &[(0, 4), (21, 24), (27, 30)]
            } else {
                &[(2, 8), (12, 18), (22, 28)]
            };
            for &(a, b) in dashes {
                let (a, b) = (x + a, x + b);
                root.draw(&PathElement::new(
                    vec![(a, y), (b, y)],
                    colour.stroke_width(3),
                ))?;
            }
        } else {
            root.draw(&PathElement::new(
                vec![(x + 2, y), (x + 26, y)],
                colour.stroke_width(3),
            ))?;
        }
        if let Some(s) = marker {
            let pts: Vec<(i32, i32)> = shape(*s)
                .into_iter()
                .map(|(dx, dy)| (x + 14 + dx, y + dy))
                .collect();
            root.draw(&Polygon::new(pts, colour.filled()))?;
        }
        for b in &p.lines {
            text(root, b, BLACK)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
