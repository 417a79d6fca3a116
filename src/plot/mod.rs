//! Charts drawn from the analysis of result files, never from a
//! measurement: `charts` turns an [`Analysis`] into chart specs (the
//! series computed first), and this module draws a spec (second), to SVG
//! (inline in the HTML page, and beside it) and to PNG.
//!
//! One question per chart: where a chart would hold more than
//! [`MAX_SERIES`] series it is small multiples (a panel per run, sync mode
//! or strategy). Noise is drawn as each point's 95% interval, never as a
//! marker's fill. Every text is laid out with the font's metrics to fit
//! its canvas (wrapped, never cut), and the layout is what the tests read.
//!
//! Drawing is total: values that cannot be placed (zero or negative on a
//! log axis, NaN, infinities) are left out and counted in the chart's
//! notes; an empty chart says so; nothing loops on a huge range.
//!
//! [`Analysis`]: crate::analysis::Analysis

pub mod charts;
mod draw;
pub mod text;

use std::path::{Path, PathBuf};

use anyhow::Context;

pub use crate::units::si;
pub use draw::{TextBox, layout_boxes, png, svg};

pub const WIDTH: u32 = 1280;
pub const HEIGHT: u32 = 800;

/// An RGB colour.
pub type Rgb = (u8, u8, u8);

/// Most series one panel holds; more go to panels of their own.
pub const MAX_SERIES: usize = 8;

/// The grey of guides and of curves with no strategy colour.
pub const GREY: Rgb = (110, 110, 110);

/// How an axis maps values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scale {
    /// N: 1, 2, 4, … evenly spaced, labelled at powers of two.
    Log2,
    Log10,
    Linear,
}

/// How a point of a line is drawn.
#[derive(Clone, Debug, PartialEq)]
pub enum Mark {
    /// A figure: a filled marker, with its interval where it has one.
    Steady,
    /// No figure (failed, wrong, unsupported): a cross on the floor,
    /// labelled with the status.
    Missing(String),
}

/// One point of a line; `lo` and `hi` draw its 95% interval as a bar.
#[derive(Clone, Debug, PartialEq)]
pub struct Dot {
    pub x: f64,
    /// `None` for a missing point.
    pub y: Option<f64>,
    pub lo: Option<f64>,
    pub hi: Option<f64>,
    pub mark: Mark,
}

impl Dot {
    pub fn at(x: f64, y: f64) -> Self {
        Self {
            x,
            y: Some(y),
            lo: None,
            hi: None,
            mark: Mark::Steady,
        }
    }

    pub fn missing(x: f64, why: impl Into<String>) -> Self {
        Self {
            x,
            y: None,
            lo: None,
            hi: None,
            mark: Mark::Missing(why.into()),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub label: String,
    pub colour: Rgb,
    /// Picks the marker's shape: lines of one colour (one strategy under
    /// several sync modes) differ by shape.
    pub shape: usize,
    pub dashed: bool,
    /// Joins the dots (a curve); `false` for points that are categories.
    pub connected: bool,
    pub dots: Vec<Dot>,
}

/// A reference line: horizontal (100% efficiency, a device ceiling) or,
/// among a chart's `x_guides`, vertical (a baseline's throughput).
#[derive(Clone, Debug, PartialEq)]
pub struct Guide {
    pub label: String,
    pub y: f64,
    pub colour: Rgb,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LineChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub x: Scale,
    pub y: Scale,
    /// Format y labels as percentages (values are fractions ×100 already).
    pub percent: bool,
    pub lines: Vec<Line>,
    pub guides: Vec<Guide>,
    /// Vertical references, at x values.
    pub x_guides: Vec<Guide>,
    /// Lines of small print under the plot (what was left out, and why).
    pub notes: Vec<String>,
}

/// A bar chart: one group of bars per category, one bar per series
/// (side by side), or the series stacked.
#[derive(Clone, Debug, PartialEq)]
pub struct BarChart {
    pub title: String,
    pub y_label: String,
    pub categories: Vec<String>,
    pub series: Vec<Bars>,
    pub stacked: bool,
    pub log_y: bool,
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Bars {
    pub label: String,
    pub colour: Rgb,
    /// One value per category; `None` draws nothing there.
    pub values: Vec<Option<f64>>,
}

/// Small multiples: panels side by side under one title, each a line or
/// bar chart whose own title names what it holds.
#[derive(Clone, Debug, PartialEq)]
pub struct Panels {
    pub title: String,
    pub panels: Vec<Chart>,
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Chart {
    Lines(LineChart),
    Bars(BarChart),
    Panels(Panels),
}

impl Chart {
    pub fn title(&self) -> &str {
        match self {
            Chart::Lines(c) => &c.title,
            Chart::Bars(c) => &c.title,
            Chart::Panels(c) => &c.title,
        }
    }

    /// The panels drawn: itself, or its panels.
    pub fn panels(&self) -> Vec<&Chart> {
        match self {
            Chart::Panels(p) => p.panels.iter().collect(),
            other => vec![other],
        }
    }

    /// Series in a panel: lines and guides, or bars.
    pub fn series(&self) -> usize {
        match self {
            Chart::Lines(c) => c.lines.len() + c.guides.len() + c.x_guides.len(),
            Chart::Bars(c) => c.series.len(),
            Chart::Panels(p) => p.panels.iter().map(Chart::series).max().unwrap_or(0),
        }
    }
}

/// A chart's SVG document, by its file stem.
pub type Svg = (String, String);

/// A chart with the file stem it is written under (`throughput-linear-256-128`).
#[derive(Clone, Debug)]
pub struct Named {
    pub stem: String,
    pub chart: Chart,
    /// Whether the short report shows it (the others go to the appendix).
    pub headline: bool,
}

/// Which files a chart is written as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Files {
    /// `<stem>.svg` and `<stem>.png` of every chart (`curves plot`).
    Every,
    /// `<stem>.png` of the headline charts only: the report's page holds
    /// every chart as inline SVG, and its Markdown shows the headline ones.
    HeadlinePng,
}

/// Writes the charts into `out_dir` as `files` says, each atomically;
/// returns the files written and every chart's SVG text by stem (for the
/// HTML page).
pub fn write_all(
    charts: &[Named],
    out_dir: &Path,
    files: Files,
) -> anyhow::Result<(Vec<PathBuf>, Vec<Svg>)> {
    crate::store::create_out_dir(out_dir)?;
    let mut written = Vec::new();
    let mut svgs = Vec::new();
    for named in charts {
        let svg_path = out_dir.join(format!("{}.svg", named.stem));
        let text = svg(&named.chart).with_context(|| format!("drawing {}", svg_path.display()))?;
        if files == Files::Every {
            crate::store::write_atomic(&svg_path, text.as_bytes())?;
            written.push(svg_path);
        }
        svgs.push((named.stem.clone(), text));
        if files == Files::HeadlinePng && !named.headline {
            continue;
        }
        let png_path = out_dir.join(format!("{}.png", named.stem));
        let bytes = png(&named.chart).with_context(|| format!("drawing {}", png_path.display()))?;
        crate::store::write_atomic(&png_path, &bytes)?;
        written.push(png_path);
    }
    Ok((written, svgs))
}
