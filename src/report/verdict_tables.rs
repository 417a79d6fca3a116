//! The verdict tables: one run's, and a merged report's, where each claim
//! is counted over the runs of its adapter.

use super::Table;
use crate::analysis::Analysis;
use crate::analysis::verdicts::{Outcome, Verdict};

pub(super) fn verdict_table(verdicts: &[Verdict], run: usize) -> Table {
    let mut t = Table::new(
        format!("verdicts-{}", run + 1),
        "",
        &[
            "Seed",
            "Claim",
            "Seeds' figure",
            "Measured here (matched)",
            "Verdict",
            "Why",
        ],
    );
    for v in verdicts {
        t.push(vec![
            v.source.into(),
            v.claim.into(),
            v.seeds.into(),
            v.measured.clone().into(),
            v.outcome.name().into(),
            why(v).into(),
        ]);
    }
    t
}

/// A verdict's reason with its rule.
fn why(v: &Verdict) -> String {
    if v.rule.is_empty() {
        v.reason.clone()
    } else {
        format!("{}; rule: {}", v.reason, v.rule)
    }
}

/// The run of each adapter that measured the most claims, in run order:
/// whose summary a merged report opens with.
pub(super) fn primary_runs(a: &Analysis, all: &[Vec<Verdict>]) -> Vec<usize> {
    let mut best: Vec<(String, usize, usize)> = Vec::new();
    for (run, verdicts) in all.iter().enumerate() {
        let adapter = a.runs[run].info.adapter.label();
        let measured = verdicts
            .iter()
            .filter(|v| v.outcome != Outcome::NotMeasured)
            .count();
        match best.iter_mut().find(|(k, _, _)| *k == adapter) {
            Some(b) if measured > b.2 => (b.1, b.2) = (run, measured),
            Some(_) => {}
            None => best.push((adapter, run, measured)),
        }
    }
    best.into_iter().map(|(_, run, _)| run).collect()
}

/// Every claim once per adapter: measured as the adapter's first run
/// that measured it says, and its verdict counted over every run of the
/// adapter that measured it; a claim no run measured, once, as not
/// measured.
pub(super) fn merged_verdicts(a: &Analysis, all: &[Vec<Verdict>], with_why: bool) -> Table {
    // The claim states the seeds' figure; the full table repeats it.
    let columns: Vec<&str> = if with_why {
        vec![
            "Seed",
            "Claim",
            "Seeds' figure",
            "Adapter",
            "Measured here (matched)",
            "Verdict",
            "Why, and the rule",
        ]
    } else {
        vec![
            "Seed",
            "Claim",
            "Adapter",
            "Measured here (matched)",
            "Verdict",
        ]
    };
    let mut t = Table::new(
        if with_why { "verdicts-why" } else { "verdicts" },
        "",
        &columns,
    );
    let claims = all.first().map_or(0, Vec::len);
    for i in 0..claims {
        let mut seen: Vec<String> = Vec::new();
        for (run, vs) in all.iter().enumerate() {
            let v = &vs[i];
            let adapter = a.runs[run].info.adapter.label();
            if v.outcome == Outcome::NotMeasured || seen.contains(&adapter) {
                continue;
            }
            seen.push(adapter.clone());
            let over_runs = crate::analysis::reproduce::ClaimAcross {
                adapter: adapter.clone(),
                source: v.source,
                claim: v.claim,
                outcomes: all
                    .iter()
                    .enumerate()
                    .filter(|(r, _)| a.runs[*r].info.adapter.label() == adapter)
                    .map(|(r, vs)| (r, vs[i].outcome))
                    .collect(),
            };
            let verdict = if over_runs.measured() > 1 {
                over_runs.summary()
            } else {
                v.outcome.name().to_string()
            };
            let mut row = vec![v.source.into(), v.claim.into()];
            if with_why {
                row.push(v.seeds.into());
            }
            // The verdict counts the adapter's runs: the adapter names them.
            row.extend([
                adapter.clone().into(),
                v.measured.clone().into(),
                verdict.into(),
            ]);
            if with_why {
                row.push(why(v).into());
            }
            t.push(row);
        }
        if seen.is_empty() {
            let v = &all[0][i];
            let mut row = vec![v.source.into(), v.claim.into()];
            if with_why {
                row.push(v.seeds.into());
            }
            row.extend(["–".into(), "–".into(), v.outcome.name().into()]);
            if with_why {
                row.push("no run measured it".into());
            }
            t.push(row);
        }
    }
    t
}
