//! Charts drawn from the analysis of result files, never from a
//! measurement: `charts` turns an [`Analysis`] into chart specs (the
//! series computed first), and this module draws a spec (second), to SVG
//! (inline in the HTML page, and beside it) and to PNG.
//!
//! Drawing is total: values that cannot be placed (zero or negative on a
//! log axis, NaN, infinities) are left out and counted in the chart's
//! notes; an empty chart says so; nothing loops on a huge range.
//!
//! [`Analysis`]: crate::analysis::Analysis

pub mod charts;
mod draw;

use std::path::{Path, PathBuf};

use anyhow::Context;

pub use crate::units::si;
pub use draw::{png, svg};

pub const WIDTH: u32 = 1280;
pub const HEIGHT: u32 = 800;

/// An RGB colour.
pub type Rgb = (u8, u8, u8);

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
    /// A trustworthy figure: a filled marker.
    Steady,
    /// Its trials spread wide or split into two levels: a hollow marker.
    Noisy,
    /// No figure (failed, wrong, unsupported): a cross on the floor,
    /// labelled with the status.
    Missing(String),
}

/// One point of a line; `lo` and `hi` draw an interval bar.
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
    /// several sync modes, or from several runs) differ by shape.
    pub shape: usize,
    pub dashed: bool,
    /// Joins the dots (a curve); `false` for points that are categories.
    pub connected: bool,
    pub dots: Vec<Dot>,
}

/// A horizontal reference: 100% efficiency, a device ceiling.
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
    /// Caps the y axis (an efficiency artefact of one curve must not
    /// squeeze the others); points above are drawn at the cap and noted.
    pub y_cap: Option<f64>,
    pub lines: Vec<Line>,
    pub guides: Vec<Guide>,
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

#[derive(Clone, Debug, PartialEq)]
pub enum Chart {
    Lines(LineChart),
    Bars(BarChart),
}

impl Chart {
    pub fn title(&self) -> &str {
        match self {
            Chart::Lines(c) => &c.title,
            Chart::Bars(c) => &c.title,
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
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
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
