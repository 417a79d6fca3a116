//! Figures across points (a speedup, an efficiency, an advantage, a
//! gain) with their 95% confidence intervals.
//!
//! Points measured side by side, in the same rounds, are paired round by
//! round: the figure is computed from each round's trials, and the
//! estimate is its median over the rounds, with the order-statistic
//! interval of that median. A slow episode that slowed a whole round
//! cancels out of the figure. Points that were not measured side by side
//! (two runs, files from before rounds) are resampled each on its own
//! (bootstrap, drawn from each median's computed distribution: analysis::bootstrap),
//! the figure computed from the resampled medians.

use super::bootstrap::MedianDraws;
use crate::schema::Point;
use crate::stats::{self, LEVEL, Rng};

/// A figure with its 95% confidence interval (`analysis::estimate` says
/// how each is made).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    pub value: f64,
    pub lo: f64,
    pub hi: f64,
}

impl Interval {
    /// Whether the range is wider than `fraction` of the value either way.
    pub fn is_wide(&self, fraction: f64) -> bool {
        self.value > 0.0 && (self.hi - self.lo) / self.value > fraction
    }
}

/// Fewest rounds shared by every point for a paired estimate: six is the
/// fewest whose order statistics reach a 95% interval.
const MIN_PAIRED: usize = 6;
/// Bootstrap resamples of an unpaired estimate.
const RESAMPLES: usize = 1000;

/// How an estimate was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Round by round, over this many rounds every point shared.
    Paired(usize),
    /// Each point's trials resampled on their own.
    Bootstrap,
}

/// The interval of a point's own median samples/s.
pub fn rate(p: &Point) -> Option<Interval> {
    let value = p.measured.samples_per_s?;
    let ci = stats::median_ci(&p.measured.samples_per_s_trials, LEVEL);
    Some(match ci {
        Some(ci) => Interval {
            value,
            lo: ci.lo.min(value),
            hi: ci.hi.max(value),
        },
        None => Interval {
            value,
            lo: value,
            hi: value,
        },
    })
}

/// Each point's trials by round, where every point has rounds: the rounds
/// all of them ran in, and each point's rate in each.
fn shared_rounds(points: &[&Point]) -> Option<Vec<Vec<f64>>> {
    let mut rounds: Vec<u32> = points.first()?.measured.trial_rounds.clone();
    for p in points {
        let m = &p.measured;
        if m.trial_rounds.len() != m.samples_per_s_trials.len() || m.trial_rounds.is_empty() {
            return None;
        }
        rounds.retain(|r| m.trial_rounds.contains(r));
    }
    rounds.sort_unstable();
    rounds.dedup();
    let per_round: Vec<Vec<f64>> = rounds
        .iter()
        .map(|r| {
            points
                .iter()
                .map(|p| {
                    let m = &p.measured;
                    let i = m.trial_rounds.iter().position(|x| x == r).expect("shared");
                    m.samples_per_s_trials[i]
                })
                .collect()
        })
        .collect();
    (per_round.len() >= MIN_PAIRED).then_some(per_round)
}

/// The figure `f` of the points' samples/s (in the order given), with its
/// 95% interval and how it was made; `None` where a point has no trials
/// or the figure is not finite. The points are of one run: their rounds
/// are the same rounds.
pub fn estimate_with(points: &[&Point], f: impl Fn(&[f64]) -> f64) -> Option<(Interval, Method)> {
    estimate_how(points, f, true)
}

/// The figure `f` of points of different runs, whose rounds are not the
/// same rounds: always resampled.
pub fn across_runs(points: &[&Point], f: impl Fn(&[f64]) -> f64) -> Option<Interval> {
    estimate_how(points, f, false).map(|(i, _)| i)
}

fn estimate_how(
    points: &[&Point],
    f: impl Fn(&[f64]) -> f64,
    pair: bool,
) -> Option<(Interval, Method)> {
    let finite = |v: f64| v.is_finite().then_some(v);
    if let Some(per_round) = shared_rounds(points).filter(|_| pair) {
        let figures: Vec<f64> = per_round.iter().filter_map(|r| finite(f(r))).collect();
        let value = stats::median(&figures)?;
        let ci = stats::median_ci(&figures, LEVEL)?;
        return Some((
            Interval {
                value,
                lo: ci.lo,
                hi: ci.hi,
            },
            Method::Paired(per_round.len()),
        ));
    }
    let trials: Vec<Vec<f64>> = points
        .iter()
        .map(|p| stats::sorted_finite(&p.measured.samples_per_s_trials))
        .collect();
    if trials.iter().any(Vec::is_empty) {
        return None;
    }
    let medians: Vec<f64> = trials
        .iter()
        .map(|t| stats::median(t).unwrap_or(f64::NAN))
        .collect();
    let value = finite(f(&medians))?;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let draws: Vec<MedianDraws> = trials
        .iter()
        .map(|t| MedianDraws::new(t, &mut rng))
        .collect();
    let mut m = vec![0.0; trials.len()];
    let mut resampled: Vec<f64> = (0..RESAMPLES)
        .filter_map(|_| {
            for (slot, d) in m.iter_mut().zip(&draws) {
                *slot = d.draw(rng.uniform());
            }
            finite(f(&m))
        })
        .collect();
    resampled.sort_by(f64::total_cmp);
    let tail = (1.0 - LEVEL) / 2.0;
    let lo = stats::quantile(&resampled, tail)?;
    let hi = stats::quantile(&resampled, 1.0 - tail)?;
    Some((
        Interval {
            value,
            lo: lo.min(value),
            hi: hi.max(value),
        },
        Method::Bootstrap,
    ))
}

/// [`estimate_with`] without the method.
pub fn estimate(points: &[&Point], f: impl Fn(&[f64]) -> f64) -> Option<Interval> {
    estimate_with(points, f).map(|(i, _)| i)
}

/// samples/s of `a` over `b`.
pub fn ratio(a: &Point, b: &Point) -> Option<Interval> {
    estimate(&[a, b], |r| r[0] / r[1])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testing::{config, point};
    use crate::schema::{StrategyKind, SyncMode};

    fn in_rounds(rates: &[f64], rounds: &[u32]) -> Point {
        let mut p = point(config(StrategyKind::Threads, SyncMode::Readback), 1, rates);
        p.measured.trial_rounds = rounds.to_vec();
        p
    }

    #[test]
    fn drift_shared_by_a_round_cancels_when_points_are_paired() {
        // Both points slow down together in rounds 4-6: round by round
        // the ratio stays 2, so its interval is tight.
        let drift = [1.0, 1.0, 1.0, 0.6, 0.6, 0.6, 1.0, 1.0, 1.0, 1.0];
        let a: Vec<f64> = drift.iter().map(|d| 200.0 * d).collect();
        let b: Vec<f64> = drift.iter().map(|d| 100.0 * d).collect();
        let rounds: Vec<u32> = (1..=10).collect();
        let (pa, pb) = (in_rounds(&a, &rounds), in_rounds(&b, &rounds));
        let (r, method) = estimate_with(&[&pa, &pb], |x| x[0] / x[1]).unwrap();
        assert_eq!(method, Method::Paired(10));
        assert_eq!((r.value, r.lo, r.hi), (2.0, 2.0, 2.0));
        // The same trials without rounds: resampled, the drift widens it.
        let (ua, ub) = (in_rounds(&a, &[]), in_rounds(&b, &[]));
        let (r, method) = estimate_with(&[&ua, &ub], |x| x[0] / x[1]).unwrap();
        assert_eq!(method, Method::Bootstrap);
        assert!(r.lo < 1.9 || r.hi > 2.1, "{r:?}");
        assert!(r.lo <= 2.0 && r.hi >= 2.0, "{r:?}");
    }

    #[test]
    fn too_few_shared_rounds_fall_back_to_the_bootstrap() {
        let pa = in_rounds(&[1.0, 1.1, 0.9, 1.0, 1.05, 0.95], &[1, 2, 3, 4, 5, 6]);
        let pb = in_rounds(&[1.0, 1.1, 0.9, 1.0, 1.05, 0.95], &[5, 6, 7, 8, 9, 10]);
        let (_, method) = estimate_with(&[&pa, &pb], |x| x[0] / x[1]).unwrap();
        assert_eq!(method, Method::Bootstrap);
    }

    #[test]
    fn a_rate_interval_is_the_median_interval_of_its_trials() {
        let p = point(
            config(StrategyKind::Batch, SyncMode::Readback),
            4,
            &[10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0],
        );
        let r = rate(&p).unwrap();
        assert_eq!((r.lo, r.hi), (11.0, 18.0));
        let empty = point(config(StrategyKind::Batch, SyncMode::Readback), 4, &[]);
        assert!(rate(&empty).is_none());
        assert!(ratio(&p, &empty).is_none());
    }
}
