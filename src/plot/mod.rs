//! Charts drawn from result files only, so they can be redrawn, merged
//! across runs and tested without a GPU. Each chart is a pure function of
//! loaded runs; nothing here measures anything.

mod efficiency;
mod heatmap;
mod latency;
mod overlay;
mod phases;
mod server;
mod server_delay;
mod size;
mod stack;
mod throughput;

use std::path::{Path, PathBuf};
use std::sync::Once;

use anyhow::Context;
use plotters::chart::SeriesAnno;
use plotters::coord::Shift;
use plotters::coord::combinators::{BindKeyPoints, LogCoord, WithKeyPoints};
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::results::{Point, Run, Status};
use crate::runner::slug;

pub const WIDTH: u32 = 1280;
pub const HEIGHT: u32 = 800;
const FONT: &str = "sans-serif";

/// The charts ship their own font (DejaVu Sans, embedded), so text renders
/// on a machine with no fonts installed.
fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The embedded fonts are known-good TrueType files.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// One strategy's colour, the same on every chart.
pub fn strategy_colour(strategy: &str) -> RGBColor {
    match strategy {
        "threads" => RGBColor(214, 39, 40),
        "batch" => RGBColor(31, 119, 180),
        "processes" => RGBColor(44, 160, 44),
        "devices" => RGBColor(255, 127, 14),
        "hybrid" => RGBColor(148, 103, 189),
        "queue" => RGBColor(140, 86, 75),
        "server" => RGBColor(227, 119, 194),
        _ => RGBColor(127, 127, 127),
    }
}

/// One line on a chart: a curve of one run.
pub(crate) struct Series<'a> {
    pub label: String,
    /// The label without the adapter: what names the curve across runs.
    pub curve: String,
    pub strategy: String,
    /// Which run it came from, and that run's "adapter (backend)".
    pub run_index: usize,
    pub adapter: String,
    /// Picks the marker shape: one per (run, sync mode) in the chart.
    pub style: usize,
    pub points: Vec<&'a Point>,
}

/// Points of one workload (name and dims) across runs, grouped into series.
pub(crate) struct WorkloadCharts<'a> {
    pub workload: String,
    /// "adapter (backend)" of each run, for titles.
    pub adapters: Vec<String>,
    pub series: Vec<Series<'a>>,
    /// The (run, sync mode) pairs seen, in order: their index is the marker style.
    styles: Vec<(usize, String)>,
}

impl WorkloadCharts<'_> {
    /// The series drawn as lines against N: every strategy but `hybrid`,
    /// whose threads × batch grid has its own heatmap.
    pub(crate) fn lines(&self) -> impl Iterator<Item = &Series<'_>> {
        self.series.iter().filter(|s| s.strategy != "hybrid")
    }
}

pub(crate) fn log2(n: u32) -> f64 {
    f64::from(n).log2()
}

/// Axis labels at powers of two only: `1 2 4 8 …`.
pub(crate) fn pow2_label(x: &f64) -> String {
    if (x - x.round()).abs() < 1e-6 && *x >= 0.0 {
        format!("{}", 2f64.powf(x.round()) as u64)
    } else {
        String::new()
    }
}

/// Text anchored by the middle of its bottom edge: a label above a bar.
pub(crate) const ABOVE: Pos = Pos {
    h_pos: HPos::Center,
    v_pos: VPos::Bottom,
};

/// The category at integer position `x` of a categorical axis, nothing
/// between positions.
pub(crate) fn label_at<T: ToString>(x: f64, values: &[T]) -> String {
    let i = x.round();
    if (x - i).abs() < 1e-6 && i >= 0.0 {
        values.get(i as usize).map_or(String::new(), T::to_string)
    } else {
        String::new()
    }
}

/// A log axis over `lo..hi` labelled at 1, 2 and 5 of each decade when it
/// spans four decades or fewer (plotters labels only whole decades, which
/// leaves a short axis with a label or two), at the decades otherwise;
/// faint grid lines at 1…9 of each decade.
pub(crate) fn log_axis(lo: f64, hi: f64) -> WithKeyPoints<LogCoord<f64>> {
    let labels: &[f64] = if hi / lo <= 1e4 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0]
    };
    let grid = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];
    (lo..hi)
        .log_scale()
        .with_key_points(log_ticks(lo, hi, labels))
        .with_light_points(log_ticks(lo, hi, &grid))
}

/// `lo..hi` widened for a log axis: `lo / below` to `hi * above`, or 1 to
/// 10 when there is nothing to show.
pub(crate) fn log_range(lo: f64, hi: f64, below: f64, above: f64) -> (f64, f64) {
    if lo.is_finite() && hi > 0.0 {
        (lo / below, hi * above)
    } else {
        (1.0, 10.0)
    }
}

/// `steps` (such as 1, 2, 5) times each power of ten, within `lo..=hi`.
fn log_ticks(lo: f64, hi: f64, steps: &[f64]) -> Vec<f64> {
    let (first, last) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    (first..=last)
        .flat_map(|d| steps.iter().map(move |s| s * 10f64.powi(d)))
        .filter(|v| (lo..=hi).contains(v))
        .collect()
}

/// `12.3k`, `1.2M`: short labels for large figures.
pub(crate) fn si(v: f64) -> String {
    let (scaled, unit) = match v.abs() {
        a if a >= 1e9 => (v / 1e9, "G"),
        a if a >= 1e6 => (v / 1e6, "M"),
        a if a >= 1e3 => (v / 1e3, "k"),
        _ => (v, ""),
    };
    let text = if scaled.abs() >= 100.0 || scaled.fract().abs() < 1e-9 {
        format!("{scaled:.0}")
    } else if scaled.abs() >= 1.0 {
        format!("{scaled:.1}")
    } else {
        // 0.05, not 0.1: small figures keep their first digits.
        let text = format!("{scaled:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    format!("{text}{unit}")
}

pub(crate) fn title(kind: &str, group: &WorkloadCharts) -> String {
    match group.adapters.as_slice() {
        [one] => format!("{kind} · {} · {one}", group.workload),
        many => format!(
            "{kind} · {} · {} adapters (see legend)",
            group.workload,
            many.len()
        ),
    }
}

/// "adapter (backend)", the adapter's name without its parenthesised
/// details ("llvmpipe (LLVM 15.0.6, 256 bits)" is "llvmpipe"): legends name
/// it on every line; the report gives the full name.
fn adapter_label(run: &Run) -> String {
    let full = &run.info.adapter.name;
    let mut name = full.split(" (").next().unwrap_or(full).trim().to_string();
    if name.chars().count() > 40 {
        name = name.chars().take(39).collect::<String>() + "…";
    }
    format!("{name} ({})", run.info.adapter.backend)
}

/// Each run's label: its adapter, and when two runs share one, the run's
/// start time too, so that their lines stay apart.
fn run_labels(runs: &[Run]) -> Vec<String> {
    let adapters: Vec<String> = runs.iter().map(adapter_label).collect();
    adapters
        .iter()
        .zip(runs)
        .map(|(a, run)| {
            if adapters.iter().filter(|b| *b == a).count() > 1 {
                format!("{a} · {}", run.info.started_at.format("%Y-%m-%d %H:%M"))
            } else {
                a.clone()
            }
        })
        .collect()
}

fn group_by_workload(runs: &[Run]) -> Vec<WorkloadCharts<'_>> {
    let labels = run_labels(runs);
    let mut groups: Vec<WorkloadCharts> = Vec::new();
    for (run_index, run) in runs.iter().enumerate() {
        for point in &run.points {
            let workload = point.workload_label();
            let gi = match groups.iter().position(|g| g.workload == workload) {
                Some(i) => i,
                None => {
                    groups.push(WorkloadCharts {
                        workload,
                        adapters: Vec::new(),
                        series: Vec::new(),
                        styles: Vec::new(),
                    });
                    groups.len() - 1
                }
            };
            let group = &mut groups[gi];
            let adapter = labels[run_index].clone();
            if !group.adapters.contains(&adapter) {
                group.adapters.push(adapter.clone());
            }
            let mut label = point.strategy_label();
            if point.sync != "readback" {
                label = format!("{label} ({})", point.sync);
            }
            if point.precision != "f32" {
                label = format!("{label} {}", point.precision);
            }
            let curve = label.clone();
            if runs.len() > 1 {
                label = format!("{label} · {adapter}");
            }
            match group
                .series
                .iter_mut()
                .find(|s| s.label == label && s.run_index == run_index)
            {
                Some(series) => series.points.push(point),
                None => {
                    let variant = (run_index, format!("{} {}", point.sync, point.precision));
                    let style = match group.styles.iter().position(|v| *v == variant) {
                        Some(i) => i,
                        None => {
                            group.styles.push(variant);
                            group.styles.len() - 1
                        }
                    };
                    group.series.push(Series {
                        label,
                        curve,
                        strategy: point.strategy.clone(),
                        run_index,
                        adapter: adapter.clone(),
                        style,
                        points: vec![point],
                    })
                }
            }
        }
    }
    for group in &mut groups {
        for series in &mut group.series {
            series.points.sort_by_key(|p| p.n);
        }
    }
    groups
}

/// Points that did not produce a trustworthy figure; charts mark them.
pub(crate) fn is_bad(point: &Point) -> bool {
    point.status != Status::Ok
}

/// Draws every chart for `runs` into `out_dir` and returns the files written.
pub fn draw(runs: &[Run], out_dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    register_fonts();
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let groups = group_by_workload(runs);
    if groups.is_empty() {
        anyhow::bail!("the runs hold no points to draw");
    }
    let mut written = Vec::new();
    // Each chart twice: a PNG to look at, an SVG to zoom and to edit; drawn
    // from `$data` (a workload's group or all runs) into `<chart><suffix>`.
    macro_rules! both {
        ($chart:ident, $data:expr, $suffix:expr) => {
            for ext in ["png", "svg"] {
                let path = out_dir.join(format!("{}{}.{ext}", stringify!($chart), $suffix));
                let drawn = if ext == "png" {
                    $chart::draw(
                        $data,
                        BitMapBackend::new(&path, (WIDTH, HEIGHT)).into_drawing_area(),
                    )
                } else {
                    $chart::draw(
                        $data,
                        SVGBackend::new(&path, (WIDTH, HEIGHT)).into_drawing_area(),
                    )
                };
                drawn.with_context(|| format!("drawing {}", path.display()))?;
                written.push(path);
            }
        };
    }
    for group in &groups {
        let suffix = if groups.len() == 1 {
            String::new()
        } else {
            format!("-{}", slug(&group.workload))
        };
        // A workload measured by hybrid alone (the size sweep) has no
        // curve over N: its heatmap and the size chart show it.
        if group.lines().next().is_some() {
            both!(efficiency, group, suffix);
            both!(throughput, group, suffix);
            both!(latency, group, suffix);
        }
        if !overlay::curves(group).is_empty() {
            both!(overlay, group, suffix);
        }
        if phases::has_phases(group) {
            both!(phases, group, suffix);
        }
        if heatmap::cells(group).iter().any(|p| p.strategy == "hybrid") {
            both!(heatmap, group, suffix);
        }
    }
    // Charts of the whole run rather than of one workload.
    let points: Vec<&Point> = runs.iter().flat_map(|r| &r.points).collect();
    if !crate::analysis::size_rows(&points).is_empty() {
        both!(size, runs, "");
    }
    if !stack::steps(runs).is_empty() {
        both!(stack, runs, "");
    }
    if !server::points(runs).is_empty() {
        both!(server, runs, "");
    }
    if !server_delay::sweeps(runs).is_empty() {
        both!(server_delay, runs, "");
    }
    Ok(written)
}

/// A marker drawn at a point: a short line (in legends) and a shape.
pub(crate) type Marker<C, DB> =
    plotters::element::ComposedElement<C, DB, PathElement<(i32, i32)>, Polygon<(i32, i32)>>;

/// A series' marker: its shape tells apart curves of one colour (the same
/// strategy under other sync modes, or from other runs).
pub(crate) fn marker<DB: DrawingBackend, C: Clone>(
    style: usize,
    at: C,
    colour: RGBColor,
    with_line: bool,
) -> Marker<C, DB> {
    let shape = match style % 6 {
        // An octagon reads as a circle at this size.
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
    };
    let line = if with_line {
        vec![(-12, 0), (12, 0)]
    } else {
        vec![(0, 0)]
    };
    EmptyElement::at(at)
        + PathElement::new(line, colour.stroke_width(3))
        + Polygon::new(shape, colour.filled())
}

/// Draws a series' marker at a data point.
pub(crate) fn draw_marker<
    DB: DrawingBackend,
    CT: plotters::coord::CoordTranslate<From = (f64, f64)>,
>(
    chart: &mut ChartContext<'_, DB, CT>,
    style: usize,
    at: (f64, f64),
    colour: RGBColor,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    chart
        .draw_series(std::iter::once(marker(style, at, colour, false)))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(())
}

/// The points that `keep` selects from the first run that has any, in
/// run order: the run-level charts draw one run.
pub(crate) fn first_run_with(runs: &[Run], keep: impl Fn(&Point) -> bool) -> Vec<&Point> {
    runs.iter()
        .map(|r| r.points.iter().filter(|p| keep(p)).collect::<Vec<_>>())
        .find(|points| !points.is_empty())
        .unwrap_or_default()
}

/// The legend, the same on every chart: a light box where `position` says.
pub(crate) fn legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
    font_size: u32,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .label_font((FONT, font_size))
        .draw()
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// How a legend entry is drawn.
#[derive(Clone, Copy)]
pub(crate) enum Glyph {
    /// A short line, `len` pixels long.
    Line {
        colour: RGBAColor,
        width: u32,
        len: i32,
    },
    /// A series' marker on a short line.
    Marker { style: usize, colour: RGBColor },
    /// The cross of failed points.
    Cross,
}

impl Glyph {
    /// The glyph at `(x, y)`, its left end there. One element type for
    /// every glyph: plotters' legends take a closure of one return type.
    fn element<DB: DrawingBackend>(self, (x, y): (i32, i32)) -> Marker<(i32, i32), DB> {
        let nothing = || Polygon::new(vec![(0, 0)], TRANSPARENT.filled());
        match self {
            Glyph::Line { colour, width, len } => {
                EmptyElement::at((x, y))
                    + PathElement::new(vec![(0, 0), (len, 0)], colour.stroke_width(width))
                    + nothing()
            }
            Glyph::Marker { style, colour } => marker(style, (x + 12, y), colour, true),
            Glyph::Cross => {
                EmptyElement::at((x + 12, y))
                    + PathElement::new(
                        vec![(-6, -6), (6, 6), (0, 0), (6, -6), (-6, 6)],
                        BLACK.stroke_width(3),
                    )
                    + nothing()
            }
        }
    }
}

/// What a legend must not cover: the lines drawn (chart coordinates) and
/// the entries it will hold.
#[derive(Default)]
pub(crate) struct Drawn {
    pub lines: Vec<Vec<(f64, f64)>>,
    /// Legend entries, added by `label` only.
    labels: Vec<String>,
    glyphs: Vec<Glyph>,
}

impl Drawn {
    /// Names `series` in the legend, drawn as `glyph`, and keeps the entry
    /// for placing the legend (or drawing it beside the chart).
    pub(crate) fn label<'a, DB: DrawingBackend + 'a>(
        &mut self,
        series: &mut SeriesAnno<'a, DB>,
        label: impl Into<String>,
        glyph: Glyph,
    ) {
        let label = label.into();
        series
            .label(label.clone())
            .legend(move |at| glyph.element(at));
        self.labels.push(label);
        self.glyphs.push(glyph);
    }
}

/// The legend in the corner where it covers the least of what was
/// `drawn`, judged from its estimated size in pixels.
pub(crate) fn legend_clear<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    drawn: &Drawn,
    font_size: u32,
) -> anyhow::Result<()>
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
    CT: plotters::coord::CoordTranslate<From = (f64, f64)>,
{
    let (xs, ys) = chart.plotting_area().get_pixel_range();
    let chars = drawn
        .labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0) as f64;
    let font = f64::from(font_size);
    let (w, h) = (
        (chars * font * 0.56 + 50.0) as i32,
        (drawn.labels.len() as f64 * (font + 6.0) + 14.0) as i32,
    );
    // Pixels along every line, a few per segment so crossings count too.
    let mut pixels: Vec<(i32, i32)> = Vec::new();
    for line in &drawn.lines {
        let px: Vec<(i32, i32)> = line
            .iter()
            .map(|c| chart.plotting_area().map_coordinate(c))
            .collect();
        pixels.extend(px.first());
        for seg in px.windows(2) {
            for k in 1..=12 {
                let t = f64::from(k) / 12.0;
                pixels.push((
                    seg[0].0 + (f64::from(seg[1].0 - seg[0].0) * t) as i32,
                    seg[0].1 + (f64::from(seg[1].1 - seg[0].1) * t) as i32,
                ));
            }
        }
    }
    let m = 8;
    let (left, right) = (xs.start + m, xs.end - m - w);
    let (top, bottom) = (ys.start + m, ys.end - m - h);
    let centre = (xs.start + xs.end - w) / 2;
    let candidates = [
        (SeriesLabelPosition::UpperLeft, left, top),
        (SeriesLabelPosition::UpperRight, right, top),
        (SeriesLabelPosition::LowerRight, right, bottom),
        (SeriesLabelPosition::LowerLeft, left, bottom),
        (SeriesLabelPosition::UpperMiddle, centre, top),
        (SeriesLabelPosition::LowerMiddle, centre, bottom),
        (
            SeriesLabelPosition::MiddleRight,
            right,
            (ys.start + ys.end - h) / 2,
        ),
    ];
    let covered = |x: i32, y: i32| {
        pixels
            .iter()
            .filter(|&&(px, py)| px >= x && px <= x + w && py >= y && py <= y + h)
            .count()
    };
    let best = candidates
        .into_iter()
        .min_by_key(|&(_, x, y)| covered(x, y))
        .map_or(SeriesLabelPosition::UpperLeft, |(p, _, _)| p);
    legend(chart, best, font_size)
}

/// Width of the legend column beside a merged chart: with a line per
/// strategy and adapter, its legend is too long to sit on the data.
const SIDE_LEGEND: u32 = 460;

/// The area for a line chart and, when runs are merged, a column right of
/// it for the legend.
pub(crate) fn split_for_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    group: &WorkloadCharts,
) -> (DrawingArea<DB, Shift>, Option<DrawingArea<DB, Shift>>) {
    if group.adapters.len() == 1 {
        return (root.clone(), None);
    }
    let (w, _) = root.dim_in_pixel();
    let (plot, side) = root.split_horizontally(w.saturating_sub(SIDE_LEGEND));
    (plot, Some(side))
}

/// The legend of a line chart: in the `side` column when there is one
/// (its font shrunk until every entry fits), else in the plot's
/// least-covered corner.
pub(crate) fn place_legend<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    side: Option<&DrawingArea<DB, Shift>>,
    drawn: &Drawn,
    font_size: u32,
) -> anyhow::Result<()>
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
    CT: plotters::coord::CoordTranslate<From = (f64, f64)>,
{
    let Some(side) = side else {
        return legend_clear(chart, drawn, font_size);
    };
    // Level with the plot's top edge.
    let top = chart.plotting_area().get_pixel_range().1.start;
    let (w, h) = side.dim_in_pixel();
    let rows = drawn.labels.len().max(1) as f64;
    let chars = drawn
        .labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(1) as f64;
    let by_height = (f64::from(h) - f64::from(top) - 24.0) / rows - 7.0;
    let by_width = (f64::from(w) - 56.0) / (chars * 0.5);
    let font = by_height.min(by_width).clamp(9.0, f64::from(font_size)) as i32;
    let row = font + 7;
    for (i, (label, glyph)) in drawn.labels.iter().zip(&drawn.glyphs).enumerate() {
        let y = top + 8 + row * i as i32 + row / 2;
        side.draw(&glyph.element((8, y)))?;
        side.draw(&Text::new(
            label.as_str(),
            (44, y - font / 2 - 1),
            (FONT, font as u32),
        ))?;
    }
    Ok(())
}

/// Names the crosses of failed points in the legend (once per chart,
/// after `draw_bad` drew any).
pub(crate) fn label_bad<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    drawn: &mut Drawn,
) -> anyhow::Result<()>
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
    CT: plotters::coord::CoordTranslate<From = (f64, f64)>,
{
    let none = chart
        .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    drawn.label(
        none,
        "✕ failed or wrong point, in its curve's colour",
        Glyph::Cross,
    );
    Ok(())
}

/// Draws a series' failed, wrong or unsupported points as crosses in its
/// colour, each at `at(point)`; the first is labelled with its status (a
/// label on each would overlap its neighbours). Returns whether it drew any.
pub(crate) fn draw_bad<DB: DrawingBackend, CT: plotters::coord::CoordTranslate<From = (f64, f64)>>(
    chart: &mut ChartContext<'_, DB, CT>,
    points: &[&Point],
    at: impl Fn(&Point) -> (f64, f64),
    colour: RGBColor,
) -> anyhow::Result<bool>
where
    DB::ErrorType: 'static,
{
    let bad: Vec<&&Point> = points.iter().filter(|p| is_bad(p)).collect();
    for (i, p) in bad.iter().enumerate() {
        let label = if i == 0 { p.status.name() } else { "" };
        chart
            .draw_series(std::iter::once(
                EmptyElement::at(at(p))
                    + Cross::new((0, 0), 9, colour.stroke_width(3))
                    + Text::new(label, (8, -22), (FONT, 16).into_font().color(&BLACK)),
            ))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(!bad.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(pow2_label(&3.0), "8");
        assert_eq!(pow2_label(&2.5), "");
        assert_eq!(si(1_390_000.0), "1.4M");
        assert_eq!(si(2720.0), "2.7k");
        assert_eq!(si(250.0), "250");
        assert_eq!(si(0.05), "0.05");
        assert_eq!(si(0.2), "0.2");
    }

    #[test]
    fn log_axes_label_1_2_5_of_each_decade_within_range() {
        let ticks = log_ticks(30.0, 3000.0, &[1.0, 2.0, 5.0]);
        let expected = [50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0];
        assert_eq!(ticks.len(), expected.len(), "{ticks:?}");
        for (t, e) in ticks.iter().zip(expected) {
            assert!((t / e - 1.0).abs() < 1e-9, "{ticks:?}");
        }
        assert_eq!(log_ticks(0.5, 2e6, &[1.0]).len(), 7);
    }
}
