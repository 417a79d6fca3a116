//! A verdict for each claim of the seeds (the reports in `seeds/`, which
//! measured PyTorch on Apple's MPS backend): the seeds' figure, the
//! matched figure measured in a run (same workload, strategy, sync mode,
//! wait style and precision) with its 95% interval, and whether the claim
//! holds here.
//!
//! Verdicts are three-valued, and their rules get stricter with noise: a
//! claim holds when the whole interval lies on the claim's side of its
//! rule, does not hold when the whole interval lies on the other side,
//! and is inconclusive otherwise. Each rule is stated with its verdict. A
//! claim whose points are not in the run is "not measured", never
//! guessed; a verdict that rests on a flagged point says so.

mod claims;
mod scaling;

pub use claims::{LINEAR, seeds_curve};

use super::sanity::{self, Flag};
use super::{Analysis, Interval};
use crate::schema::Point;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Holds,
    DoesNotHold,
    Inconclusive,
    NotMeasured,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Holds => "holds",
            Outcome::DoesNotHold => "does not hold",
            Outcome::Inconclusive => "inconclusive",
            Outcome::NotMeasured => "not measured",
        }
    }

    /// Holds if every part holds, does not hold if any part does not,
    /// inconclusive otherwise.
    pub fn all(parts: &[Outcome]) -> Outcome {
        if parts.contains(&Outcome::DoesNotHold) {
            Outcome::DoesNotHold
        } else if !parts.is_empty() && parts.iter().all(|o| *o == Outcome::Holds) {
            Outcome::Holds
        } else {
            Outcome::Inconclusive
        }
    }
}

#[derive(Clone, Debug)]
pub struct Verdict<'a> {
    /// The seed report(s): `000, 002`.
    pub source: &'static str,
    pub claim: &'static str,
    /// What the seeds measured.
    pub seeds: &'static str,
    /// What this run measured, matched, with intervals.
    pub measured: String,
    pub outcome: Outcome,
    /// The rule the outcome follows, in words.
    pub rule: String,
    /// Why, from the measurements (phases, GPU time, histograms).
    pub reason: String,
    /// The points the verdict rests on.
    pub points: Vec<&'a Point>,
    /// Sanity flags on those points.
    pub flags: Vec<Flag<'a>>,
}

/// Where an interval lies against the range `lo..=hi` the claim
/// allows: wholly inside holds, wholly outside does not, across an edge
/// is inconclusive.
pub fn inside(i: Interval, lo: f64, hi: f64) -> Outcome {
    if i.lo >= lo && i.hi <= hi {
        Outcome::Holds
    } else if i.hi < lo || i.lo > hi {
        Outcome::DoesNotHold
    } else {
        Outcome::Inconclusive
    }
}

/// Within half to twice the seeds' figure.
pub fn within_2x(i: Interval, seeds: f64) -> Outcome {
    inside(i, seeds / 2.0, seeds * 2.0)
}

/// Every claim's verdict for run `run`, in the seeds' order, each with
/// the flags on the points it rests on.
pub fn verdicts<'a>(a: &Analysis<'a>, run: usize) -> Vec<Verdict<'a>> {
    let all_flags = sanity::flags(a, run);
    // Each point's flags, by the point's address: a verdict may rest on
    // every point of a run.
    let mut on: std::collections::HashMap<*const Point, Vec<usize>> = Default::default();
    for (i, f) in all_flags.iter().enumerate() {
        for p in &f.points {
            let of_point = on.entry(std::ptr::from_ref(*p)).or_default();
            if of_point.last() != Some(&i) {
                of_point.push(i);
            }
        }
    }
    let mut out = all_claims(a, run);
    for v in &mut out {
        v.flags = v
            .points
            .iter()
            .filter_map(|p| on.get(&std::ptr::from_ref(*p)))
            .flatten()
            .map(|&i| all_flags[i].clone())
            .collect();
        if !v.flags.is_empty() && v.outcome != Outcome::NotMeasured {
            let kinds: Vec<&str> = v.flags.iter().map(|f| f.kind.name()).collect();
            v.reason.push_str(&format!(
                "; read with care: a point it rests on is flagged ({})",
                kinds.join(", ")
            ));
        }
    }
    out
}

/// Every claim's verdict for run `run`, in the seeds' order.
fn all_claims<'a>(a: &Analysis<'a>, run: usize) -> Vec<Verdict<'a>> {
    vec![
        scaling::threading_efficiency(a, run),
        scaling::driver_serialises_encoding(a, run),
        scaling::batching_efficiency(a, run),
        scaling::batching_advantage(a, run),
        scaling::process_pool(a, run),
        claims::batch_queue(a, run),
        claims::hybrid(a, run),
        scaling::per_model(a, run),
        scaling::size_impact(a, run),
        claims::stack(a, run),
        claims::tensor_pool(a, run),
        claims::stress(a, run),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interval_across_an_edge_is_inconclusive() {
        let i = |lo, v, hi| Interval { value: v, lo, hi };
        assert_eq!(within_2x(i(0.02, 0.03, 0.04), 0.032), Outcome::Holds);
        assert_eq!(within_2x(i(0.25, 0.30, 0.35), 0.032), Outcome::DoesNotHold);
        assert_eq!(within_2x(i(0.05, 0.08, 0.09), 0.032), Outcome::Inconclusive);
        // The wider the interval, the harder to hold: noise cannot help.
        assert_eq!(within_2x(i(0.01, 0.03, 0.2), 0.032), Outcome::Inconclusive);
    }

    #[test]
    fn parts_combine_strictly() {
        use Outcome::*;
        assert_eq!(Outcome::all(&[Holds, Holds]), Holds);
        assert_eq!(Outcome::all(&[Holds, Inconclusive]), Inconclusive);
        assert_eq!(Outcome::all(&[Inconclusive, DoesNotHold]), DoesNotHold);
        assert_eq!(Outcome::all(&[]), Inconclusive);
    }
}
