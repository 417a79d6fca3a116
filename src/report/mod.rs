//! The report of one or more runs, drawn from their analysis only: a
//! document of sections (verdicts first, then a summary in sentences, the
//! picks, the ceilings, the stalls, the headline charts, the caveats), an
//! appendix (every curve's table, comparisons, fits, the seeds' tables,
//! the runs), and three renderings of it: REPORT.md (the short read),
//! APPENDIX.md, and index.html, one self-contained page with every chart
//! inline and every table sortable.
//!
//! Writes only inside the directory it is given, each file atomically.

mod build;
mod device;
pub mod findings;
mod html;
#[cfg(test)]
mod property;
pub mod reproduce;
mod seeds_tables;
mod shown;
pub mod table;
mod tables;
mod verdict_tables;

use std::path::{Path, PathBuf};

use crate::analysis::Analysis;
use crate::plot::{self, Named};
use crate::store::Run;
pub use table::{Cell, Table};

#[derive(Clone, Debug)]
pub enum Block {
    Para(String),
    Bullets(Vec<String>),
    Table(Table),
    /// A chart by its file stem; `png` when it is written as a PNG too
    /// (the headline charts), else it is in the page only.
    Chart {
        stem: String,
        title: String,
        png: bool,
    },
}

#[derive(Clone, Debug)]
pub struct Section {
    pub heading: String,
    pub blocks: Vec<Block>,
}

#[derive(Clone, Debug)]
pub struct Document {
    pub title: String,
    pub intro: String,
    pub sections: Vec<Section>,
    pub appendix: Vec<Section>,
}

impl Document {
    /// Every table, main part first: what `curves export --what tables` writes.
    pub fn tables(&self) -> Vec<&Table> {
        self.sections
            .iter()
            .chain(&self.appendix)
            .flat_map(|s| &s.blocks)
            .filter_map(|b| match b {
                Block::Table(t) => Some(t),
                _ => None,
            })
            .collect()
    }
}

/// The document of `runs`, with `charts` (as `plot::charts::all` gives them).
/// Every table whole: what `curves export` writes.
pub fn document(a: &Analysis, charts: &[Named], notes: &[String]) -> Document {
    build::document(a, charts, notes, shown::Shown::EVERYTHING)
}

/// Every text of the sections passes through [`printable::markdown`]: it
/// carries labels, adapter names and errors from result files.
fn markdown_sections(out: &mut String, sections: &[Section], level: usize) {
    use crate::printable::markdown as md;
    for s in sections {
        out.push_str(&format!("{} {}\n\n", "#".repeat(level), md(&s.heading)));
        for b in &s.blocks {
            match b {
                Block::Para(p) => out.push_str(&format!("{}\n\n", md(p))),
                Block::Bullets(items) => {
                    for i in items {
                        out.push_str(&format!("* {}\n", md(i)));
                    }
                    out.push('\n');
                }
                Block::Table(t) => {
                    if !t.title.is_empty() {
                        out.push_str(&format!("**{}**\n\n", md(&t.title)));
                    }
                    out.push_str(&t.markdown());
                    out.push('\n');
                }
                Block::Chart {
                    stem,
                    title,
                    png: true,
                } => out.push_str(&format!("![{}]({stem}.png)\n\n", md(title))),
                Block::Chart { stem, title, .. } => out.push_str(&format!(
                    "* {}: in [index.html](index.html#chart-{stem})\n\n",
                    md(title)
                )),
            }
        }
    }
}

/// REPORT.md: the main sections; the appendix is named at its end.
pub fn markdown(doc: &Document) -> String {
    let md = crate::printable::markdown;
    let mut out = format!("# {}\n\n{}\n\n", md(&doc.title), md(&doc.intro));
    markdown_sections(&mut out, &doc.sections, 2);
    if !doc.appendix.is_empty() {
        out.push_str("The full tables, every chart and the runs' details are in [APPENDIX.md](APPENDIX.md); everything is in one page in [index.html](index.html).\n");
    }
    out
}

/// APPENDIX.md.
pub fn appendix(doc: &Document) -> String {
    let mut out = format!(
        "# {} — appendix\n\n",
        crate::printable::markdown(&doc.title)
    );
    markdown_sections(&mut out, &doc.appendix, 2);
    out
}

/// Charts a report draws: every workload has up to seven, and the page
/// holds each inline.
const MAX_CHARTS: usize = 80;

/// Draws the charts and writes index.html, REPORT.md and APPENDIX.md for
/// `runs` into `out_dir`; returns every file written, the page first.
pub fn write(runs: &[Run], out_dir: &Path, notes: &[String]) -> anyhow::Result<Vec<PathBuf>> {
    if runs.iter().all(|r| r.points.is_empty()) {
        anyhow::bail!("the runs hold no points to report (an empty or interrupted run?)");
    }
    let analysis = Analysis::of(runs);
    let mut charts = plot::charts::all(&analysis);
    let drawn = charts.len().min(MAX_CHARTS);
    let left_out = charts.split_off(drawn).len();
    let mut notes = notes.to_vec();
    if left_out > 0 {
        notes.push(format!(
            "{left_out} charts past the first {MAX_CHARTS} are not drawn; `curves plot` draws them all"
        ));
    }
    let doc = shown::cut(build::document(
        &analysis,
        &charts,
        &notes,
        shown::Shown::PAGE,
    ));
    crate::store::create_out_dir(out_dir)?;
    let (chart_files, svgs) = plot::write_all(&charts, out_dir, plot::Files::HeadlinePng)?;
    let page = out_dir.join("index.html");
    crate::store::write_atomic(&page, html::page(&doc, &svgs).as_bytes())?;
    let report = out_dir.join("REPORT.md");
    crate::store::write_atomic(&report, markdown(&doc).as_bytes())?;
    let appendix_path = out_dir.join("APPENDIX.md");
    crate::store::write_atomic(&appendix_path, appendix(&doc).as_bytes())?;
    let mut written = vec![page, report, appendix_path];
    written.extend(chart_files);
    Ok(written)
}

/// The columns of [`points_table`] and of [`point_rows`].
pub const POINTS_HEADER: &[&str] = &[
    "run",
    "adapter",
    "workload",
    "strategy",
    "n",
    "sync",
    "wait",
    "encode_ahead",
    "upload_inputs",
    "upload",
    "precision",
    "label",
    "batch",
    "threads",
    "processes",
    "samples_per_s",
    "samples_per_s_min",
    "samples_per_s_max",
    "ops_per_s",
    "p50_us",
    "p90_us",
    "p95_us",
    "p99_us",
    "max_us",
    "gpu_us",
    "speedup",
    "efficiency",
    "noisy",
    "ops_expected",
    "ops_completed",
    "ops_checked",
    "ops_wrong",
    "status",
    "error",
];

/// Every point of the analysis as one flat table, with the figures
/// derived at export time (speedup, efficiency): `curves export`.
pub fn points_table(a: &Analysis) -> Table {
    let mut t = Table::new("points", "every point", POINTS_HEADER);
    for row in point_rows(a) {
        t.push(row);
    }
    t
}

/// The rows of [`points_table`], one at a time: what `curves export`
/// streams, so that a run of any size is written in little memory.
pub fn point_rows<'a>(a: &'a Analysis<'a>) -> impl Iterator<Item = Vec<Cell>> + 'a {
    let num =
        |v: Option<f64>| v.map_or_else(|| Cell::text(""), |v| Cell::number(format!("{v}"), v));
    a.curves.iter().flat_map(move |c| {
        c.points.iter().map(move |p| {
            let pt = p.point;
            let l = pt.measured.latency_us;
            vec![
                a.runs[c.run].info.run_id.clone().into(),
                a.runs[c.run].info.adapter.label().into(),
                pt.config.workload_label().into(),
                pt.config.strategy_label().into(),
                Cell::count(pt.n.into()),
                pt.config.sync.to_string().into(),
                pt.config.wait.to_string().into(),
                if pt.config.encode_ahead { "yes" } else { "no" }.into(),
                if pt.config.upload_inputs { "yes" } else { "no" }.into(),
                pt.prepared.upload.map_or("", |u| u.name()).into(),
                pt.config.precision.to_string().into(),
                pt.config.label.clone().unwrap_or_default().into(),
                Cell::count(pt.layout.batch.into()),
                Cell::count(pt.layout.threads.into()),
                Cell::count(pt.layout.processes.into()),
                num(pt.measured.samples_per_s),
                num(pt.measured.samples_per_s_spread.map(|s| s.min)),
                num(pt.measured.samples_per_s_spread.map(|s| s.max)),
                num(pt.measured.ops_per_s),
                num(l.map(|l| l.p50)),
                num(l.and_then(|l| l.p90)),
                num(l.and_then(|l| l.p95)),
                num(l.map(|l| l.p99)),
                num(l.map(|l| l.max)),
                num(pt
                    .measured
                    .phases_us
                    .and_then(|ph| ph.gpu)
                    .map(|g| g.median)),
                num(p.speedup.map(|s| s.value)),
                num(p.efficiency.map(|e| e.value)),
                if p.noise.is_noisy() { "yes" } else { "no" }.into(),
                Cell::count(pt.measured.ops_expected),
                Cell::count(pt.measured.ops_completed),
                Cell::count(pt.measured.ops_checked),
                Cell::count(pt.measured.ops_wrong),
                pt.measured.status.name().into(),
                pt.measured.error.clone().unwrap_or_default().into(),
            ]
        })
    })
}

/// The comparison of two runs as a table and a chart of its ratios.
pub fn comparison(c: &crate::analysis::compare::Comparison) -> (Table, plot::Chart) {
    let mut t = Table::new(
        "compare",
        format!(
            "{} → {} (threshold {:.0}%)",
            c.base,
            c.new,
            c.threshold * 100.0
        ),
        &[
            "#",
            "Point",
            "base samples/s",
            "new samples/s",
            "new / base",
            "95% interval",
            "verdict",
        ],
    );
    let mut dots = Vec::new();
    for (i, p) in c.points.iter().enumerate() {
        t.push(vec![
            Cell::number((i + 1).to_string(), (i + 1) as f64),
            p.point.clone().into(),
            p.base_samples_per_s
                .map_or_else(Cell::missing, |v| Cell::number(plot::si(v), v)),
            p.new_samples_per_s
                .map_or_else(Cell::missing, |v| Cell::number(plot::si(v), v)),
            p.ratio
                .map_or_else(Cell::missing, |r| Cell::number(format!("{r:.3}"), r)),
            match (p.ratio_lo, p.ratio_hi) {
                (Some(lo), Some(hi)) => format!("{lo:.3}–{hi:.3}").into(),
                _ => p.note.clone().unwrap_or_default().into(),
            },
            p.change.name().into(),
        ]);
        let x = (i + 1) as f64;
        dots.push(match p.ratio {
            Some(r) => plot::Dot {
                lo: p.ratio_lo,
                hi: p.ratio_hi,
                mark: plot::Mark::Steady,
                ..plot::Dot::at(x, r)
            },
            None => plot::Dot::missing(x, p.change.name()),
        });
    }
    let chart = plot::Chart::Lines(plot::LineChart {
        title: format!("Ratio of medians, new / base · {} → {}", c.base, c.new),
        x_label: "point (numbered as in the table)".into(),
        y_label: "new samples/s ÷ base samples/s".into(),
        x: plot::Scale::Linear,
        y: plot::Scale::Log10,
        percent: false,
        x_guides: Vec::new(),
        lines: vec![plot::Line {
            label: "ratio (bars: 95% bootstrap interval)".into(),
            colour: (31, 119, 180),
            shape: 0,
            dashed: false,
            connected: false,
            dots,
        }],
        guides: vec![
            plot::Guide {
                label: "no change".into(),
                y: 1.0,
                colour: (0, 0, 0),
            },
            plot::Guide {
                label: format!("+{:.0}%", c.threshold * 100.0),
                y: 1.0 + c.threshold,
                colour: (44, 160, 44),
            },
            plot::Guide {
                label: format!("−{:.0}%", c.threshold * 100.0),
                y: 1.0 - c.threshold,
                colour: (214, 39, 40),
            },
        ],
        notes: vec![
            "hollow: within the threshold (no change); filled: improved or regressed beyond it"
                .into(),
        ],
    });
    (t, chart)
}
