//! `curves compare BASE NEW`: did a driver, wgpu or kernel change move
//! anything? For every point in both runs (matched on the curve's full
//! identity and N), the ratio of median samples/s, NEW over BASE, with a
//! bootstrap confidence interval from the raw trials, and a verdict as
//! criterion gives one: improved or regressed only when the whole
//! interval lies beyond the threshold, else no change.

use serde::Serialize;

use super::curve::config_key;
use crate::schema::{Point, Status, Upload};
use crate::store::Run;

/// Bootstrap resamples per point.
const RESAMPLES: usize = 2000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Improved,
    Regressed,
    NoChange,
    /// One side has no figure (failed, wrong or unsupported).
    NotComparable,
}

impl Change {
    pub fn name(self) -> &'static str {
        match self {
            Change::Improved => "improved",
            Change::Regressed => "regressed",
            Change::NoChange => "no change",
            Change::NotComparable => "not comparable",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct PointChange {
    /// `linear 256→128 · threads N=4 · readback · f32`.
    pub point: String,
    pub base_samples_per_s: Option<f64>,
    pub new_samples_per_s: Option<f64>,
    /// NEW / BASE of the medians.
    pub ratio: Option<f64>,
    /// 95% bootstrap interval of the ratio.
    pub ratio_lo: Option<f64>,
    pub ratio_hi: Option<f64>,
    pub change: Change,
    /// Why a point is not comparable, or its statuses when one side failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    pub base: String,
    pub new: String,
    /// A change smaller than this fraction is no change.
    pub threshold: f64,
    pub points: Vec<PointChange>,
    pub only_in_base: Vec<String>,
    pub only_in_new: Vec<String>,
}

impl Comparison {
    pub fn regressed(&self) -> usize {
        self.points
            .iter()
            .filter(|p| p.change == Change::Regressed)
            .count()
    }

    pub fn improved(&self) -> usize {
        self.points
            .iter()
            .filter(|p| p.change == Change::Improved)
            .count()
    }
}

fn identity(p: &Point) -> String {
    format!("{} n={}", config_key(&p.config), p.n)
}

/// A deterministic generator (xorshift), so a comparison reads the same twice.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, v: &'a [f64]) -> &'a f64 {
        &v[(self.next() % v.len() as u64) as usize]
    }
}

fn median_of(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The 95% bootstrap interval of median(new) / median(base).
pub fn bootstrap_ratio(base: &[f64], new: &[f64]) -> Option<(f64, f64)> {
    let base: Vec<f64> = base
        .iter()
        .copied()
        .filter(|v| v.is_finite() && *v > 0.0)
        .collect();
    let new: Vec<f64> = new
        .iter()
        .copied()
        .filter(|v| v.is_finite() && *v > 0.0)
        .collect();
    if base.is_empty() || new.is_empty() {
        return None;
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut b, mut n) = (vec![0.0; base.len()], vec![0.0; new.len()]);
    let mut ratios: Vec<f64> = (0..RESAMPLES)
        .map(|_| {
            for x in b.iter_mut() {
                *x = *rng.pick(&base);
            }
            for x in n.iter_mut() {
                *x = *rng.pick(&new);
            }
            median_of(&mut n) / median_of(&mut b)
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    let at = |q: f64| ratios[((q * (RESAMPLES - 1) as f64).round() as usize).min(RESAMPLES - 1)];
    Some((at(0.025), at(0.975)))
}

/// What ran differently between the two sides of one point, where their
/// configurations agree: a GPU owner's upload and whether it was pinned
/// (" (upload staged → mapped)"), else nothing.
fn ran_differently(b: &Point, n: &Point) -> String {
    if !b.config.strategy.info().answers_requests {
        return String::new();
    }
    let mut how = Vec::new();
    // Files written before the upload was recorded staged it.
    let upload = |p: &Point| p.prepared.upload.unwrap_or(Upload::Staged).name();
    if upload(b) != upload(n) {
        how.push(format!("upload {} → {}", upload(b), upload(n)));
    }
    let pinned = |p: &Point| {
        if p.prepared.owner_cores.is_some() {
            "pinned"
        } else {
            "unpinned"
        }
    };
    if pinned(b) != pinned(n) {
        how.push(format!("owner {} → {}", pinned(b), pinned(n)));
    }
    if how.is_empty() {
        String::new()
    } else {
        format!(" ({})", how.join(", "))
    }
}

/// Compares every point of `new` with the same point of `base`.
pub fn compare(base: &Run, new: &Run, threshold: f64) -> Comparison {
    let mut points = Vec::new();
    let mut only_in_base = Vec::new();
    for b in &base.points {
        let Some(n) = new.points.iter().find(|n| identity(n) == identity(b)) else {
            only_in_base.push(b.describe());
            continue;
        };
        let point = b.describe() + &ran_differently(b, n);
        let figures = (b.measured.status == Status::Ok && n.measured.status == Status::Ok)
            .then_some(())
            .and(b.measured.samples_per_s.zip(n.measured.samples_per_s));
        let change = match figures {
            Some((bs, ns)) if bs > 0.0 => {
                let ratio = ns / bs;
                let (lo, hi) = bootstrap_ratio(
                    &b.measured.samples_per_s_trials,
                    &n.measured.samples_per_s_trials,
                )
                .unwrap_or((ratio, ratio));
                let change = if lo > 1.0 + threshold {
                    Change::Improved
                } else if hi < 1.0 - threshold {
                    Change::Regressed
                } else {
                    Change::NoChange
                };
                PointChange {
                    point,
                    base_samples_per_s: Some(bs),
                    new_samples_per_s: Some(ns),
                    ratio: Some(ratio),
                    ratio_lo: Some(lo),
                    ratio_hi: Some(hi),
                    change,
                    note: None,
                }
            }
            _ => PointChange {
                point,
                base_samples_per_s: b.measured.samples_per_s,
                new_samples_per_s: n.measured.samples_per_s,
                ratio: None,
                ratio_lo: None,
                ratio_hi: None,
                change: if b.measured.status == Status::Ok && n.measured.status != Status::Ok {
                    // A point that worked and now fails is a regression.
                    Change::Regressed
                } else {
                    Change::NotComparable
                },
                note: Some(format!(
                    "base {}, new {}",
                    b.measured.status.name(),
                    n.measured.status.name()
                )),
            },
        };
        points.push(change);
    }
    let only_in_new = new
        .points
        .iter()
        .filter(|n| !base.points.iter().any(|b| identity(b) == identity(n)))
        .map(Point::describe)
        .collect();
    Comparison {
        base: base.info.run_id.clone(),
        new: new.info.run_id.clone(),
        threshold,
        points,
        only_in_base,
        only_in_new,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_trials_give_a_tight_interval_around_one() {
        let t = [100.0, 101.0, 99.0, 100.5, 100.2];
        let (lo, hi) = bootstrap_ratio(&t, &t).unwrap();
        assert!(lo <= 1.0 && hi >= 1.0 && hi - lo < 0.03, "{lo} {hi}");
    }

    #[test]
    fn a_point_that_ran_differently_says_how() {
        use crate::analysis::testing::{config, point, run};
        use crate::schema::{OwnerCores, StrategyKind, SyncMode};
        let server = config(StrategyKind::Server, SyncMode::Readback);
        let staged = point(server.clone(), 16, &[100.0, 100.0, 100.0]);
        let mut mapped = point(server, 16, &[120.0, 120.0, 120.0]);
        mapped.prepared.upload = Some(Upload::Mapped);
        mapped.prepared.owner_cores = Some(OwnerCores {
            owner: 0,
            clients: 15,
        });
        let batch = point(
            config(StrategyKind::Batch, SyncMode::Readback),
            16,
            &[100.0, 100.0, 100.0],
        );
        let c = compare(
            &run("a", vec![staged, batch.clone()]),
            &run("b", vec![mapped, batch]),
            0.05,
        );
        assert!(
            c.points[0]
                .point
                .ends_with("(upload staged → mapped, owner unpinned → pinned)"),
            "{}",
            c.points[0].point
        );
        assert!(!c.points[1].point.contains('('), "{}", c.points[1].point);
    }

    #[test]
    fn a_slowed_copy_lies_wholly_below_one() {
        let t = [100.0, 101.0, 99.0, 100.5, 100.2];
        let slow: Vec<f64> = t.iter().map(|v| v * 0.8).collect();
        let (lo, hi) = bootstrap_ratio(&t, &slow).unwrap();
        assert!(hi < 0.85 && lo > 0.75, "{lo} {hi}");
        assert!(bootstrap_ratio(&[], &t).is_none());
    }
}
