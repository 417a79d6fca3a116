//! The words and tables of `curves reproduce`: do runs of one experiment
//! agree, point by point and claim by claim?

use crate::analysis::Analysis;
use crate::analysis::reproduce::{LONG_POINT_S, NOISE_THRESHOLD, Reproduction};
use crate::plot;

use super::{Cell, Table};

fn share(k: usize, n: usize) -> String {
    if n == 0 {
        "none".into()
    } else {
        format!("{k} of {n} ({:.0}%)", 100.0 * k as f64 / n as f64)
    }
}

/// The Markdown reading of `r` over the runs of `a`.
pub fn markdown(a: &Analysis, r: &Reproduction) -> String {
    let mut md = String::from("# Do these runs agree?\n\n");
    for (i, run) in a.runs.iter().enumerate() {
        md.push_str(&crate::printable::markdown(&format!(
            "* run {}: {} — {} on {}, {} points, revision {}",
            i + 1,
            run.info.run_id,
            run.info.experiment_name,
            run.info.adapter.label(),
            run.points.len(),
            run.info.git_revision
        )));
        md.push('\n');
    }
    let (agree, pairs) = r.agreeing();
    let (covers, _) = r.covering();
    let (inside, both) = r.inside();
    md.push_str(&format!(
        "\n**Agreement** (a pair of runs agrees on a point when the 95% interval of the ratio of their medians, each run's trials resampled, covers 1, or reaches within {:.0}% of it, criterion's noise threshold; nominal 95%): {}; covering 1 exactly: {}.\n\n",
        NOISE_THRESHOLD * 100.0,
        share(agree, pairs),
        share(covers, pairs)
    ));
    md.push_str(&format!(
        "**Stricter** (each run's median inside the other's own 95% interval of its median; about 83% of such checks pass for two runs that measure the same thing): {}.\n\n",
        share(inside, both)
    ));
    match r.median_gaps() {
        Some((median, p90, n)) => md.push_str(&format!(
            "**Medians apart**, points measured for {LONG_POINT_S} s or more in every run: {:.1}% in the median, {:.1}% at the 90th percentile ({n} pairs).\n\n",
            median * 100.0,
            p90 * 100.0
        )),
        None => md.push_str(&format!(
            "**Medians apart**: no point was measured for {LONG_POINT_S} s or more in every run.\n\n"
        )),
    }
    let flips = r.claims.iter().filter(|c| c.flips()).count();
    let inconclusive = r
        .claims
        .iter()
        .filter(|c| c.count(crate::analysis::verdicts::Outcome::Inconclusive) > 0)
        .count();
    md.push_str(&format!(
        "**Verdicts**: {} claims measured; {flips} {} in one run and {} in another; {inconclusive} {} inconclusive in at least one run.\n\n",
        r.claims.len(),
        if flips == 1 { "holds" } else { "hold" },
        if flips == 1 { "does not hold" } else { "do not hold" },
        if inconclusive == 1 { "is" } else { "are" }
    ));
    md.push_str(&claims_table(r).markdown());
    let disagreeing = points_table(r, true);
    if !disagreeing.rows.is_empty() {
        md.push_str("\n## Points whose runs disagree\n\n");
        md.push_str(&disagreeing.markdown());
    }
    md
}

/// Each claim's verdicts over the runs of its adapter.
pub fn claims_table(r: &Reproduction) -> Table {
    let mut t = Table::new(
        "reproduce-claims",
        "",
        &["Adapter", "Seed", "Claim", "Verdicts over runs"],
    );
    for c in &r.claims {
        t.push(vec![
            c.adapter.clone().into(),
            c.source.into(),
            c.claim.into(),
            c.summary().into(),
        ]);
    }
    t
}

/// Every pair of runs of every point (or only those that disagree).
pub fn points_table(r: &Reproduction, disagreeing_only: bool) -> Table {
    let mut t = Table::new(
        "reproduce-points",
        "",
        &[
            "Adapter",
            "Point",
            "Runs",
            "Median A",
            "Median B",
            "B / A (95%)",
            "Agree",
        ],
    );
    for p in &r.points {
        for pair in p.pairs.iter().filter(|x| !disagreeing_only || !x.agree) {
            let median = |run: usize| {
                p.runs
                    .iter()
                    .find(|(i, _)| *i == run)
                    .and_then(|(_, q)| q.measured.samples_per_s)
                    .map_or_else(Cell::missing, |v| Cell::number(plot::si(v), v))
            };
            t.push(vec![
                p.adapter.clone().into(),
                p.point.clone().into(),
                format!("{} · {}", pair.runs.0 + 1, pair.runs.1 + 1).into(),
                median(pair.runs.0),
                median(pair.runs.1),
                Cell::number(
                    format!(
                        "{:.3} ({:.3}–{:.3})",
                        pair.ratio.value, pair.ratio.lo, pair.ratio.hi
                    ),
                    pair.ratio.value,
                ),
                if pair.agree { "yes" } else { "no" }.into(),
            ]);
        }
    }
    t
}
