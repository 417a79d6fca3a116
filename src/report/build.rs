//! The report's content, from the analysis: which sections, in which
//! order, with which tables (`tables`, `device`) and sentences. Renderers
//! (Markdown, HTML) only lay it out.

use super::device::{
    ceilings_table, dispatch_times_table, roofline_table, variants_table, workload_times_table,
};
use super::findings::{stalls, summary};
use super::seeds_tables::*;
use super::shown::Shown;
use super::tables::*;
use super::verdict_tables::*;
use super::{Block, Document, Section};
use crate::analysis::verdicts::{Verdict, verdicts};
use crate::analysis::{self, Analysis, picks};
use crate::plot::Named;

fn caveats(a: &Analysis, notes: &[String]) -> Vec<String> {
    let mut out: Vec<String> = notes.to_vec();
    let mut revisions: Vec<&str> = a
        .runs
        .iter()
        .map(|r| r.info.git_revision.as_str())
        .collect();
    revisions.sort_unstable();
    revisions.dedup();
    if revisions.len() > 1 {
        out.push(format!(
            "these runs were measured by {} revisions of the tool ({}): kernels and host path may differ between them, so compare adapters with care (the runs' table names each)",
            revisions.len(),
            revisions.join(", ")
        ));
    }
    for (i, r) in a.runs.iter().enumerate() {
        let label = &a.run_labels[i];
        let mut counts: Vec<(String, usize)> = Vec::new();
        for p in analysis::bad_points(r) {
            let name = p.measured.status.name().to_string();
            match counts.iter_mut().find(|(k, _)| *k == name) {
                Some(c) => c.1 += 1,
                None => counts.push((name, 1)),
            }
        }
        for (status, n) in counts {
            let examples: Vec<String> = r
                .points
                .iter()
                .filter(|p| p.measured.status.name() == status)
                .take(3)
                .map(|p| {
                    format!(
                        "{} ({})",
                        p.describe(),
                        p.measured.error.as_deref().unwrap_or("")
                    )
                })
                .collect();
            out.push(format!(
                "{label}: {n} point(s) {status}: {}{}",
                examples.join("; "),
                if n > 3 { "; …" } else { "" }
            ));
        }
        if r.info.finished_at.is_none() {
            out.push(format!("{label}: the run did not finish (interrupted or still running); its missing points are not in any figure"));
        }
        for o in &r.info.overrides {
            out.push(format!("{label}: run with `{o}` over the experiment file"));
        }
    }
    let noisy: Vec<String> = a
        .curves
        .iter()
        .flat_map(|c| c.good().filter(|p| p.noise.is_noisy()).map(move |p| (c, p)))
        .map(|(c, p)| {
            format!(
                "{} · {} N={} ({})",
                c.workload_label(),
                c.label,
                p.point.n,
                if p.noise.bimodal {
                    "trials at two levels".to_string()
                } else {
                    format!("median ±{:.0}%", p.noise.half_width * 100.0)
                }
            )
        })
        .collect();
    if !noisy.is_empty() {
        out.push(format!(
            "{} point(s) stayed noisy after their trials (their median's interval wider than ±5%, or trials at two levels; drawn hollow, their intervals shown): {}",
            noisy.len(),
            noisy.iter().take(8).cloned().collect::<Vec<_>>().join("; ")
                + if noisy.len() > 8 { "; …" } else { "" }
        ));
    }
    // A single-N curve (a ceiling beside others, a step) has no efficiency
    // by design; a curve of several N without one is a caveat.
    out.extend(
        a.curves
            .iter()
            .filter(|c| c.points.len() > 1)
            .filter_map(baseline_note),
    );
    out
}

/// How the figures are made, for the appendix.
fn method() -> String {
    "Efficiency is always against N=1 of the same curve (same workload, strategy, sync mode, wait style and precision); the GPU owner's curves (queue, server) are against one thread batching at the same size. Comparisons across strategies are advantages under one sync mode, never efficiencies. A point's throughput is the median of its trials (each about `trial_s` long, its ops fitted to it), the points of a workload measured in interleaved rounds (a trial of each per round, in a shuffled order), so a slow episode of the machine hits them alike. Every interval is a 95% confidence interval: of a median, from its trials' order statistics; of a figure across points (speedup, efficiency, an advantage, a gain), from the figure computed round by round where the points shared rounds, else from each point's trials resampled (bootstrap).".into()
}

pub(super) fn document(a: &Analysis, charts: &[Named], notes: &[String], shown: Shown) -> Document {
    let title = match a.runs {
        [one] => format!("What scales on {}", one.info.adapter.label()),
        many => {
            let mut adapters: Vec<String> = many.iter().map(|r| r.info.adapter.label()).collect();
            adapters.dedup();
            let mut distinct: Vec<String> = Vec::new();
            for x in adapters {
                if !distinct.contains(&x) {
                    distinct.push(x);
                }
            }
            format!(
                "What scales: {} runs on {}",
                many.len(),
                distinct.join(", ")
            )
        }
    };
    let intro = "Drawn by `curves report` from result files only. Efficiency is against N=1 of the same curve (same workload, strategy, sync mode, wait style and precision); every interval is a 95% confidence interval; the method is in the appendix.".to_string();
    // One run: its verdicts, summary, picks, ceilings and stalls. Several:
    // one verdict table (each claim once per adapter, from the first run
    // of that adapter that measured it) and a summary per adapter; each
    // run's own sections go to the appendix.
    // Each run's verdicts, once: several tables and the summary read them.
    let all: Vec<Vec<Verdict>> = (0..a.runs.len()).map(|r| verdicts(a, r)).collect();
    let mut sections = Vec::new();
    let mut per_run: Vec<Section> = Vec::new();
    let verdict_note = Block::Para("Each claim of the seed reports (PyTorch on Apple's MPS), its figure there, and the matched figure measured here with its 95% interval. A claim holds when the whole interval lies on the claim's side of its rule, does not hold when it lies wholly on the other side, and is inconclusive otherwise; where several runs of one adapter measured a claim, the verdict counts them. Each rule, and why, is in the appendix.".into());
    sections.push(Section {
        heading: "The seeds' claims".into(),
        blocks: vec![verdict_note, Block::Table(merged_verdicts(a, &all, false))],
    });
    let mut bullets = Vec::new();
    for run in primary_runs(a, &all) {
        bullets.extend(
            summary(a, run, &all[run], &picks(a, run))
                .into_iter()
                .take(2),
        );
    }
    sections.push(Section {
        heading: "Summary".into(),
        blocks: vec![Block::Bullets(bullets)],
    });
    let fw = super::findings::frameworks(a);
    if !fw.is_empty() {
        sections.push(Section {
            heading: "Framework or API?".into(),
            blocks: vec![Block::Bullets(fw)],
        });
    }
    // Each run's own sections, in the appendix.
    for (run, v) in all.iter().enumerate() {
        let label = &a.run_labels[run];
        let p = picks(a, run);
        let out = &mut per_run;
        let named = |what: &str| format!("{what} · {label}");
        out.push(Section {
            heading: named("The seeds' claims, with their rules"),
            blocks: vec![Block::Table(verdict_table(&all[run], run))],
        });
        let flags = crate::analysis::sanity::flags(a, run);
        if !flags.is_empty() {
            out.push(Section {
                heading: named("Sanity flags"),
                blocks: vec![
                    Block::Para("Figures not to take at face value: an efficiency above 100% beyond its interval (its baseline was slow), the same op at N=1 under two strategies disagreeing by 5% or more beyond their intervals, a GPU clock that moved by more than a quarter during a point.".into()),
                    Block::Bullets(flags.iter().map(|f| format!("{}: {}", f.kind.name(), f.text)).collect()),
                ],
            });
        }
        out.push(Section {
            heading: named("Summary"),
            blocks: vec![Block::Bullets(summary(a, run, v, &p))],
        });
        out.push(Section {
            heading: named("Best configurations"),
            blocks: vec![
                Block::Para("Only among points whose sync gives every op's result to the host (readback, wait): a point synchronised once per trial would win by answering nobody.".into()),
                Block::Table(picks_table(a, run)),
            ],
        });
        if let Some(t) = roofline_table(a, run) {
            out.push(Section {
                heading: named("Against the device's ceilings"),
                blocks: vec![
                    Block::Para("Each workload's best point read against `curves peak`'s ceilings: the compute it achieves, and the bandwidth its minimum traffic needs (a roofline in numbers).".into()),
                    Block::Table(t),
                ],
            });
        }
        let st = stalls(a, run);
        if !st.is_empty() {
            out.push(Section {
                heading: named("Stalls"),
                blocks: vec![Block::Bullets(st)],
            });
        }
        let g = super::findings::gpus(a, run);
        if !g.is_empty() {
            out.push(Section {
                heading: named("Past one GPU"),
                blocks: vec![Block::Bullets(g)],
            });
        }
    }
    // At most five charts up front: the headline, the phases, and the
    // first of each other kind.
    let mut kinds: Vec<String> = Vec::new();
    let headline: Vec<Block> = charts
        .iter()
        .filter(|c| c.headline)
        .filter(|c| {
            let kind = c.stem.split('-').next().unwrap_or("").to_string();
            let fresh = !kinds.contains(&kind);
            kinds.push(kind);
            fresh
        })
        .take(5)
        .map(|c| Block::Chart {
            stem: c.stem.clone(),
            title: c.chart.title().to_string(),
            png: true,
        })
        .collect();
    if !headline.is_empty() {
        sections.push(Section {
            heading: "Charts".into(),
            blocks: headline,
        });
    }
    let cav = caveats(a, notes);
    let (short, long): (Vec<String>, Vec<String>) = cav.iter().cloned().partition(|c| {
        [
            "did not finish",
            "revisions of the tool",
            "point(s) failed",
            "point(s) wrong",
            "more than once",
        ]
        .iter()
        .any(|k| c.contains(k))
    });
    sections.push(Section {
        heading: "Caveats".into(),
        blocks: vec![if cav.is_empty() {
            Block::Para("None: every point completed, checked and steady.".into())
        } else {
            let mut b = short;
            if !long.is_empty() {
                b.push(format!(
                    "{} more (points that failed or were unsupported, noisy points, curves without a baseline): in the appendix",
                    long.len()
                ));
            }
            Block::Bullets(b)
        }],
    });

    // The appendix: each run's own sections (merged reports), every
    // table, every chart.
    let mut appendix = vec![Section {
        heading: "Method".into(),
        blocks: vec![Block::Para(method())],
    }];
    if a.runs.len() > 1 {
        appendix.push(Section {
            heading: "The seeds' claims, with their rules".into(),
            blocks: vec![Block::Table(merged_verdicts(a, &all, true))],
        });
    }
    if !cav.is_empty() {
        appendix.push(Section {
            heading: "Caveats in full".into(),
            blocks: vec![Block::Bullets(cav)],
        });
    }
    appendix.extend(per_run);
    // A table a curve: built as far as the page shows them.
    let curve_tables: Vec<Block> = a
        .curves
        .iter()
        .enumerate()
        .take(shown.tables)
        .map(|(i, c)| {
            let mut t = curve_table(a, c, i + 1);
            t.truncate(shown.rows);
            Block::Table(t)
        })
        .chain((a.curves.len() > shown.tables).then(|| {
            Block::Para(format!(
                "{} more curves are not shown here; `curves export --what tables` writes every table.",
                a.curves.len() - shown.tables
            ))
        }))
        .collect();
    appendix.push(Section {
        heading: "Every curve".into(),
        blocks: curve_tables,
    });
    for run in 0..a.runs.len() {
        let adv = advantage_tables(a, run);
        if !adv.is_empty() {
            appendix.push(Section {
                heading: format!("Strategies side by side · {}", a.run_labels[run]),
                blocks: adv.into_iter().map(Block::Table).collect(),
            });
        }
        let mut seeds_tables = Vec::new();
        for t in [
            server_search_table(a, run, shown.rows),
            server_table(a, run),
            size_table(a, run),
            steps_table(a, run, shown.rows),
            stress_table(a, run),
        ]
        .into_iter()
        .flatten()
        {
            seeds_tables.push(Block::Table(t));
        }
        if !seeds_tables.is_empty() {
            appendix.push(Section {
                heading: format!("The seeds' tables · {}", a.run_labels[run]),
                blocks: seeds_tables,
            });
        }
        let mut device = Vec::new();
        for t in [
            ceilings_table(a, run),
            workload_times_table(a, run),
            dispatch_times_table(a, run),
            variants_table(a, run),
        ]
        .into_iter()
        .flatten()
        {
            device.push(Block::Table(t));
        }
        if !device.is_empty() {
            appendix.push(Section {
                heading: format!(
                    "The device's ceilings (`curves peak`) · {}",
                    a.run_labels[run]
                ),
                blocks: device,
            });
        }
    }
    if let Some(t) = fits_table(a) {
        appendix.push(Section {
            heading: "Scaling model (USL) fits".into(),
            blocks: vec![
                Block::Para("σ and κ are fitted within their meanings (0 ≤ σ ≤ 1, κ ≥ 0) to curves whose N counts workers contending for the GPU. Below R² = 0.8, or where throughput falls at N=2, the model does not describe the curve and no reading is given.".into()),
                Block::Table(t),
            ],
        });
    }
    if let Some(t) = across_table(a) {
        appendix.push(Section {
            heading: "The same curves across runs".into(),
            blocks: vec![Block::Table(t)],
        });
    }
    let others: Vec<Block> = charts
        .iter()
        .map(|c| Block::Chart {
            stem: c.stem.clone(),
            title: c.chart.title().to_string(),
            png: c.headline,
        })
        .collect();
    if !others.is_empty() {
        appendix.push(Section {
            heading: "Every chart".into(),
            blocks: others,
        });
    }
    appendix.push(Section {
        heading: "Runs".into(),
        blocks: vec![Block::Table(runs_table(a))],
    });
    Document {
        title,
        intro,
        sections,
        appendix,
    }
}
