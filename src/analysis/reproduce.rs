//! `curves reproduce RUN_DIR…`: do runs of one experiment agree? For
//! every point measured by two runs or more of one adapter, whether each
//! pair of runs agrees within their intervals; the share that do (the
//! intervals' calibration); how far apart the medians are; and each
//! claim's verdict counted over the runs, with any flip between holds and
//! does not hold.
//!
//! Two runs agree on a point when the 95% interval of the ratio of their
//! medians (each run's trials resampled) covers 1: if both measured the
//! same thing, 95% of points should. The stricter reading, whether each
//! run's median lies inside the other's own interval of its median, is
//! counted beside it (two runs that measure the same thing put the other
//! median inside about 83% of 95% intervals, not 95%).

use std::collections::BTreeMap;

use super::Analysis;
use super::compare::identity_of;
use super::estimate;
use super::verdicts::{Outcome, verdicts};
use crate::schema::{Point, Status};
use crate::stats;

/// A point measured for at least this long counts in the medians' gap.
pub const LONG_POINT_S: f64 = 1.0;
/// Two medians within this fraction of each other are the same figure
/// even where their intervals are tighter still (criterion's default
/// noise threshold): a GPU held at one rate by context switches measures
/// to ±0.1%, and a 0.2% gap between two runs of it is no disagreement.
pub const NOISE_THRESHOLD: f64 = 0.01;

/// One point of one adapter across its runs.
#[derive(Clone, Debug)]
pub struct PointAcross<'a> {
    pub adapter: String,
    /// `linear 256→128 · threads N=4 · readback · f32`.
    pub point: String,
    /// The point in each run that measured it, by run index.
    pub runs: Vec<(usize, &'a Point)>,
    /// Each pair of those runs: their indices, the ratio of the second's
    /// median over the first's with its interval, and whether each median
    /// lies inside the other's own interval.
    pub pairs: Vec<PairAgreement>,
}

#[derive(Clone, Copy, Debug)]
pub struct PairAgreement {
    pub runs: (usize, usize),
    pub ratio: super::Interval,
    /// The ratio's interval covers 1.
    pub covers: bool,
    /// It covers 1, or reaches within the noise threshold of it.
    pub agree: bool,
    pub inside_each_other: (bool, bool),
}

impl PointAcross<'_> {
    /// Whether every run measured it for at least [`LONG_POINT_S`].
    pub fn long(&self) -> bool {
        self.runs
            .iter()
            .all(|(_, p)| p.measured.measured_s >= LONG_POINT_S)
    }
}

/// One claim of one adapter across its runs.
#[derive(Clone, Debug)]
pub struct ClaimAcross {
    pub adapter: String,
    pub source: &'static str,
    pub claim: &'static str,
    /// Each run's outcome, by run index.
    pub outcomes: Vec<(usize, Outcome)>,
}

impl ClaimAcross {
    pub fn count(&self, o: Outcome) -> usize {
        self.outcomes.iter().filter(|(_, x)| *x == o).count()
    }

    /// Measured in at least one run.
    pub fn measured(&self) -> usize {
        self.outcomes.len() - self.count(Outcome::NotMeasured)
    }

    /// Holds in one run and does not hold in another.
    pub fn flips(&self) -> bool {
        self.count(Outcome::Holds) > 0 && self.count(Outcome::DoesNotHold) > 0
    }

    /// `holds (3 of 3)`, `inconclusive (holds 2, inconclusive 1 of 3)`.
    pub fn summary(&self) -> String {
        let n = self.measured();
        if n == 0 {
            return "not measured".into();
        }
        let parts: Vec<(Outcome, usize)> =
            [Outcome::Holds, Outcome::DoesNotHold, Outcome::Inconclusive]
                .into_iter()
                .map(|o| (o, self.count(o)))
                .filter(|(_, k)| *k > 0)
                .collect();
        match parts.as_slice() {
            [(o, k)] => format!("{} ({k} of {n})", o.name()),
            _ => {
                let each: Vec<String> = parts
                    .iter()
                    .map(|(o, k)| format!("{} {k}", o.name()))
                    .collect();
                let headline = if self.flips() {
                    "flips"
                } else {
                    "inconclusive"
                };
                format!("{headline} ({} of {n})", each.join(", "))
            }
        }
    }
}

/// The whole reading of a set of runs.
#[derive(Clone, Debug)]
pub struct Reproduction<'a> {
    pub points: Vec<PointAcross<'a>>,
    pub claims: Vec<ClaimAcross>,
}

impl Reproduction<'_> {
    fn pairs(&self) -> impl Iterator<Item = &PairAgreement> {
        self.points.iter().flat_map(|p| &p.pairs)
    }

    /// Pairs of runs that agree on a point, of all pairs.
    pub fn agreeing(&self) -> (usize, usize) {
        (
            self.pairs().filter(|p| p.agree).count(),
            self.pairs().count(),
        )
    }

    /// Pairs whose ratio interval covers 1 exactly, of all pairs.
    pub fn covering(&self) -> (usize, usize) {
        (
            self.pairs().filter(|p| p.covers).count(),
            self.pairs().count(),
        )
    }

    /// Medians inside the other run's interval, of all (both directions).
    pub fn inside(&self) -> (usize, usize) {
        let inside = self
            .pairs()
            .map(|p| usize::from(p.inside_each_other.0) + usize::from(p.inside_each_other.1))
            .sum();
        (inside, 2 * self.pairs().count())
    }

    /// The median and 90th percentile, over points measured for at least
    /// [`LONG_POINT_S`] in every run, of how far apart two runs' medians
    /// are (|ratio − 1|), and how many pairs that is.
    pub fn median_gaps(&self) -> Option<(f64, f64, usize)> {
        let gaps: Vec<f64> = self
            .points
            .iter()
            .filter(|p| p.long())
            .flat_map(|p| &p.pairs)
            .map(|p| (p.ratio.value - 1.0).abs())
            .collect();
        let sorted = stats::sorted_finite(&gaps);
        Some((
            stats::quantile(&sorted, 0.5)?,
            stats::quantile(&sorted, 0.9)?,
            sorted.len(),
        ))
    }
}

/// Reads every run of `a` against the others of its adapter.
pub fn reproduce<'a>(a: &Analysis<'a>) -> Reproduction<'a> {
    let adapter_of = |run: usize| a.runs[run].info.adapter.label();
    // Each point by adapter and identity, in first-seen order.
    let mut keys: Vec<(String, String, String)> = Vec::new();
    let mut found: BTreeMap<(String, String), Vec<(usize, &'a Point)>> = BTreeMap::new();
    for (run, r) in a.runs.iter().enumerate() {
        for (p, id) in r.points.iter().zip(super::compare::identities(&r.points)) {
            let key = (adapter_of(run), identity_of(&id));
            if !found.contains_key(&key) {
                keys.push((key.0.clone(), key.1.clone(), p.describe()));
            }
            found.entry(key).or_default().push((run, p));
        }
    }
    let mut points = Vec::new();
    for (adapter, id, describe) in keys {
        let runs = found.remove(&(adapter.clone(), id)).unwrap_or_default();
        let good: Vec<(usize, &Point)> = runs
            .iter()
            .copied()
            .filter(|(_, p)| p.measured.status == Status::Ok)
            .collect();
        if good.len() < 2 {
            continue;
        }
        let mut pairs = Vec::new();
        for (i, (ra, pa)) in good.iter().enumerate() {
            for (rb, pb) in &good[i + 1..] {
                let Some(ratio) = estimate::across_runs(&[pb, pa], |r| r[0] / r[1]) else {
                    continue;
                };
                let inside = |p: &Point, other: &Point| {
                    let (Some(i), Some(m)) = (estimate::rate(p), other.measured.samples_per_s)
                    else {
                        return false;
                    };
                    i.lo <= m && m <= i.hi
                };
                pairs.push(PairAgreement {
                    runs: (*ra, *rb),
                    ratio,
                    covers: ratio.lo <= 1.0 && 1.0 <= ratio.hi,
                    agree: ratio.lo <= 1.0 + NOISE_THRESHOLD && 1.0 - NOISE_THRESHOLD <= ratio.hi,
                    inside_each_other: (inside(pa, pb), inside(pb, pa)),
                });
            }
        }
        points.push(PointAcross {
            adapter,
            point: describe,
            runs: good,
            pairs,
        });
    }
    let mut claims: Vec<ClaimAcross> = Vec::new();
    for run in 0..a.runs.len() {
        let adapter = adapter_of(run);
        for v in verdicts(a, run) {
            match claims
                .iter_mut()
                .find(|c| c.adapter == adapter && c.claim == v.claim)
            {
                Some(c) => c.outcomes.push((run, v.outcome)),
                None => claims.push(ClaimAcross {
                    adapter: adapter.clone(),
                    source: v.source,
                    claim: v.claim,
                    outcomes: vec![(run, v.outcome)],
                }),
            }
        }
    }
    claims.retain(|c| c.measured() > 0);
    Reproduction { points, claims }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testing::{config, point, run};
    use crate::schema::{StrategyKind, SyncMode};

    fn trials(rate: f64, jitter: f64) -> Vec<f64> {
        (0..10)
            .map(|i| rate * (1.0 + jitter * (f64::from(i % 5) - 2.0) / 2.0))
            .collect()
    }

    #[test]
    fn two_runs_that_disagree_are_counted_and_a_flip_is_named() {
        let c = config(StrategyKind::Batch, SyncMode::Readback);
        let same = |rate| {
            let mut p = point(c.clone(), 1, &trials(rate, 0.02));
            p.measured.measured_s = 0.5;
            p
        };
        let mut moved = point(c.clone(), 2, &trials(150.0, 0.02));
        moved.measured.measured_s = 2.0;
        let mut kept = point(c.clone(), 2, &trials(100.0, 0.02));
        kept.measured.measured_s = 2.0;
        let runs = [
            run("gpu", vec![same(100.0), kept]),
            run("gpu", vec![same(100.5), moved]),
        ];
        let a = Analysis::of(&runs);
        let r = reproduce(&a);
        assert_eq!(r.points.len(), 2);
        assert!(r.points[0].pairs[0].agree, "{:?}", r.points[0].pairs);
        assert!(!r.points[1].pairs[0].agree, "{:?}", r.points[1].pairs);
        assert_eq!(r.agreeing(), (1, 2));
        let (median, _, n) = r.median_gaps().unwrap();
        assert_eq!(n, 1, "only the point measured for a second counts");
        assert!((median - 0.5).abs() < 0.01, "{median}");
        let flip = ClaimAcross {
            adapter: "x".into(),
            source: "000",
            claim: "c",
            outcomes: vec![
                (0, Outcome::Holds),
                (1, Outcome::DoesNotHold),
                (2, Outcome::Holds),
            ],
        };
        assert!(flip.flips());
        assert_eq!(flip.summary(), "flips (holds 2, does not hold 1 of 3)");
        let steady = ClaimAcross {
            outcomes: vec![(0, Outcome::Holds), (1, Outcome::Holds)],
            ..flip.clone()
        };
        assert_eq!(steady.summary(), "holds (2 of 2)");
    }
}
