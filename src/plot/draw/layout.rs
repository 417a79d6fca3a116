//! Where every text of a chart goes, computed before anything is drawn and
//! measured with the font: the chart's title and notes, each panel's
//! title, its legend (entries flowing into rows under the plot, a long
//! label wrapped onto lines of its own), its axis descriptions, and the
//! plot area left. Drawing follows this plan; the tests read it.

use super::super::text::{width, wrap};
use super::super::{Chart, HEIGHT, Rgb, WIDTH};

pub(super) const TITLE_PX: f64 = 22.0;
pub(super) const PANEL_TITLE_PX: f64 = 16.0;
pub(super) const LEGEND_PX: f64 = 14.0;
pub(super) const NOTE_PX: f64 = 13.0;
pub(super) const TICK_PX: f64 = 13.0;
pub(super) const AXIS_PX: f64 = 14.0;
const MARGIN: f64 = 12.0;
const LINE_GAP: f64 = 1.35;
/// A legend entry's swatch and the gap after its text.
const SWATCH_W: f64 = 34.0;
const ENTRY_GAP: f64 = 18.0;
/// Room left of and under the plot for tick labels and axis descriptions.
pub(super) const Y_LABEL_W: f64 = 74.0;
pub(super) const X_LABEL_H: f64 = 46.0;

/// A text placed on the canvas: its top-left corner and size in pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct TextBox {
    pub text: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub px: f64,
    pub bold: bool,
}

impl TextBox {
    /// Whether it lies wholly inside the canvas.
    pub fn inside(&self, w: f64, h: f64) -> bool {
        self.x >= 0.0 && self.y >= 0.0 && self.x + self.w <= w + 0.5 && self.y + self.h <= h + 0.5
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// A legend entry: what it shows and where.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Entry {
    pub label: String,
    pub colour: Rgb,
    pub shape: Option<usize>,
    pub dashed: bool,
}

#[derive(Clone, Debug)]
pub(super) struct PlacedEntry {
    pub entry: Entry,
    /// The swatch's left end and middle height.
    pub at: (f64, f64),
    pub lines: Vec<TextBox>,
}

#[derive(Clone, Debug)]
pub(super) struct PanelPlan {
    pub title: Vec<TextBox>,
    pub plot: Rect,
    pub legend: Vec<PlacedEntry>,
    /// The axis descriptions at the size they fit: x below, y rotated.
    pub x_desc: Option<TextBox>,
    pub y_desc: Option<TextBox>,
}

#[derive(Clone, Debug)]
pub(super) struct ChartPlan {
    pub title: Vec<TextBox>,
    pub notes: Vec<TextBox>,
    pub panels: Vec<PanelPlan>,
}

fn lines_at(text: &str, px: f64, bold: bool, x: f64, y: f64, max_w: f64) -> Vec<TextBox> {
    wrap(text, px, bold, max_w)
        .into_iter()
        .enumerate()
        .map(|(i, line)| TextBox {
            w: width(&line, px, bold),
            h: px * LINE_GAP,
            x,
            y: y + i as f64 * px * LINE_GAP,
            text: line,
            px,
            bold,
        })
        .collect()
}

fn bottom(boxes: &[TextBox], or: f64) -> f64 {
    boxes.iter().map(|b| b.y + b.h).fold(or, f64::max)
}

/// Columns and rows of a grid of `n` panels.
pub(super) fn grid(n: usize) -> (usize, usize) {
    let cols = match n {
        0 | 1 => 1,
        2 | 4 => 2,
        _ => 3,
    };
    (cols, n.max(1).div_ceil(cols))
}

/// Entries flowing left to right into rows no wider than `w`, from `y`;
/// an entry wider than a row has its label wrapped.
fn flow(entries: &[Entry], x0: f64, y: f64, w: f64) -> (Vec<PlacedEntry>, f64) {
    let row_h = LEGEND_PX * LINE_GAP + 4.0;
    let (mut x, mut y) = (x0, y);
    let mut out = Vec::new();
    let text_max = (w - SWATCH_W).max(40.0);
    for e in entries {
        let full = width(&e.label, LEGEND_PX, false);
        let wide = (SWATCH_W + full).min(w);
        if x > x0 && x + wide > x0 + w {
            x = x0;
            y += row_h;
        }
        let lines = lines_at(&e.label, LEGEND_PX, false, x + SWATCH_W, y, text_max);
        let used = lines.iter().map(|b| b.w).fold(0.0, f64::max) + SWATCH_W;
        let height = lines.len() as f64 * LEGEND_PX * LINE_GAP;
        out.push(PlacedEntry {
            entry: e.clone(),
            at: (x, y + LEGEND_PX * LINE_GAP / 2.0),
            lines,
        });
        if height > row_h {
            // A wrapped entry takes its rows alone.
            x = x0;
            y += height + 4.0;
        } else {
            x += used + ENTRY_GAP;
        }
    }
    // The last row's height, unless nothing was placed in it.
    let end = if out.is_empty() || x == x0 {
        y
    } else {
        y + row_h
    };
    (out, end)
}

/// A panel's plan inside `area`.
pub(super) fn panel(
    title: &str,
    entries: &[Entry],
    x_desc: &str,
    y_desc: &str,
    area: Rect,
) -> PanelPlan {
    let inner_w = area.w - 8.0;
    let title_boxes = if title.is_empty() {
        Vec::new()
    } else {
        lines_at(title, PANEL_TITLE_PX, true, area.x + 4.0, area.y, inner_w)
    };
    let top = bottom(&title_boxes, area.y) + 6.0;
    // The legend's height first (at the bottom of the panel).
    let (probe, end) = flow(entries, area.x + 4.0, 0.0, inner_w);
    let legend_h = if probe.is_empty() { 0.0 } else { end + 6.0 };
    let legend_y = area.y + area.h - legend_h;
    let (legend, _) = flow(entries, area.x + 4.0, legend_y, inner_w);
    let plot = Rect {
        x: area.x,
        y: top,
        w: area.w,
        h: (legend_y - top).max(40.0),
    };
    // Axis descriptions at the largest size (down to 9 px) that fits.
    let fit = |text: &str, room: f64| {
        let mut px = AXIS_PX;
        while px > 9.0 && width(text, px, false) > room {
            px -= 1.0;
        }
        (px, width(text, px, false))
    };
    let x_desc = (!x_desc.is_empty()).then(|| {
        let room = plot.w - Y_LABEL_W - 16.0;
        let (px, w) = fit(x_desc, room);
        TextBox {
            text: x_desc.to_string(),
            x: plot.x + Y_LABEL_W + (room - w).max(0.0) / 2.0,
            y: plot.y + plot.h - px * LINE_GAP - 2.0,
            w,
            h: px * LINE_GAP,
            px,
            bold: false,
        }
    });
    let y_desc = (!y_desc.is_empty()).then(|| {
        let room = plot.h - X_LABEL_H - 16.0;
        let (px, w) = fit(y_desc, room);
        // Rotated: its box is tall and narrow.
        TextBox {
            text: y_desc.to_string(),
            x: plot.x + 2.0,
            y: plot.y + 8.0 + (room - w).max(0.0) / 2.0,
            w: px * LINE_GAP,
            h: w,
            px,
            bold: false,
        }
    });
    PanelPlan {
        title: title_boxes,
        plot,
        legend,
        x_desc,
        y_desc,
    }
}

/// The plan of `chart` with `notes` (its own and the drawing's) under it.
pub(super) fn chart(
    chart: &Chart,
    notes: &[String],
    panel_entries: &[Vec<Entry>],
    descs: &[(String, String)],
) -> ChartPlan {
    let (w, h) = (f64::from(WIDTH), f64::from(HEIGHT));
    let title = lines_at(
        chart.title(),
        TITLE_PX,
        true,
        MARGIN,
        MARGIN,
        w - 2.0 * MARGIN,
    );
    // Notes from the bottom up: their height first.
    let mut note_boxes = Vec::new();
    let mut y = 0.0;
    for n in notes {
        let b = lines_at(n, NOTE_PX, false, MARGIN, y, w - 2.0 * MARGIN);
        y = bottom(&b, y);
        note_boxes.extend(b);
    }
    let notes_h = y.min(h / 3.0);
    for b in &mut note_boxes {
        b.y += h - MARGIN - notes_h;
    }
    let top = bottom(&title, MARGIN) + 8.0;
    let area = Rect {
        x: MARGIN,
        y: top,
        w: w - 2.0 * MARGIN,
        h: (h - MARGIN - notes_h - 6.0 - top).max(80.0),
    };
    let panels = chart.panels();
    let (cols, rows) = grid(panels.len());
    let (cw, ch) = (area.w / cols as f64, area.h / rows as f64);
    let plans = panels
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let cell = Rect {
                x: area.x + (i % cols) as f64 * cw,
                y: area.y + (i / cols) as f64 * ch,
                w: cw - 6.0,
                h: ch - 6.0,
            };
            let own_title = if panels.len() > 1 { p.title() } else { "" };
            let (xd, yd) = &descs[i];
            panel(own_title, &panel_entries[i], xd, yd, cell)
        })
        .collect();
    ChartPlan {
        title,
        notes: note_boxes,
        panels: plans,
    }
}

impl ChartPlan {
    /// Every text box of the plan.
    pub(super) fn boxes(&self) -> Vec<TextBox> {
        let mut out = self.title.clone();
        out.extend(self.notes.iter().cloned());
        for p in &self.panels {
            out.extend(p.title.iter().cloned());
            out.extend(p.legend.iter().flat_map(|e| e.lines.iter().cloned()));
            out.extend(p.x_desc.iter().cloned());
            out.extend(p.y_desc.iter().cloned());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_legend_wraps_its_entries_into_rows_and_keeps_them_whole() {
        let entries: Vec<Entry> = (0..12)
            .map(|i| Entry {
                label: format!("series number {i} with a long name · NVIDIA H200 (vulkan)"),
                colour: (1, 2, 3),
                shape: Some(i),
                dashed: false,
            })
            .collect();
        let (placed, end) = flow(&entries, 10.0, 100.0, 600.0);
        assert_eq!(placed.len(), 12);
        for p in &placed {
            let text: Vec<String> = p.lines.iter().map(|b| b.text.clone()).collect();
            assert_eq!(text.join(" "), p.entry.label, "never cut");
            assert!(p.lines.iter().all(|b| b.x + b.w <= 610.5), "{:?}", p.lines);
        }
        assert!(end > 100.0 + 3.0 * LEGEND_PX, "several rows: {end}");
    }

    #[test]
    fn grids_hold_their_panels() {
        assert_eq!(grid(1), (1, 1));
        assert_eq!(grid(2), (2, 1));
        assert_eq!(grid(3), (3, 1));
        assert_eq!(grid(4), (2, 2));
        assert_eq!(grid(6), (3, 2));
        assert_eq!(grid(7), (3, 3));
    }
}
