//! `curves compare BASE NEW`: did a driver, wgpu or kernel change move
//! anything? For every point in both runs (matched on the curve's full
//! identity and N), the ratio of median samples/s, NEW over BASE, with a
//! bootstrap confidence interval from the raw trials, and a verdict as
//! criterion gives one: improved or regressed only when the whole
//! interval lies beyond the threshold, else no change.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::curve::config_key;
use crate::schema::{Point, Status, Upload};
use crate::store::Run;

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

/// Each point of `points` with its identity and which occurrence of that
/// identity it is: files written before every setting was recorded (a
/// peer's wait styles, say) hold points that share one, and the k-th of
/// them in one run is compared with the k-th in the other.
pub(crate) fn identities(points: &[Point]) -> Vec<(String, usize)> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    points
        .iter()
        .map(|p| {
            let id = identity(p);
            let count = seen.entry(id.clone()).or_default();
            *count += 1;
            (id, *count - 1)
        })
        .collect()
}

/// One string for an identity and its occurrence.
pub(crate) fn identity_of((id, k): &(String, usize)) -> String {
    format!("{id} #{k}")
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
    let (base_ids, new_ids) = (identities(&base.points), identities(&new.points));
    let new_at: HashMap<&(String, usize), &Point> = new_ids.iter().zip(&new.points).collect();
    let in_base: HashSet<&(String, usize)> = base_ids.iter().collect();
    for (b, id) in base.points.iter().zip(&base_ids) {
        let Some(&n) = new_at.get(id) else {
            only_in_base.push(b.describe());
            continue;
        };
        let point = b.describe() + &ran_differently(b, n);
        let both_ok = b.measured.status == Status::Ok && n.measured.status == Status::Ok;
        // The ratio and its interval come from the same numbers: the
        // trials, resampled (two runs share no rounds).
        let figures = both_ok
            .then(|| super::estimate::across_runs(&[n, b], |r| r[0] / r[1]))
            .flatten();
        points.push(match figures {
            Some(r) => PointChange {
                point,
                base_samples_per_s: b.measured.samples_per_s,
                new_samples_per_s: n.measured.samples_per_s,
                ratio: Some(r.value),
                ratio_lo: Some(r.lo),
                ratio_hi: Some(r.hi),
                change: if r.lo > 1.0 + threshold {
                    Change::Improved
                } else if r.hi < 1.0 - threshold {
                    Change::Regressed
                } else {
                    Change::NoChange
                },
                note: None,
            },
            None => PointChange {
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
                note: Some(if both_ok {
                    "a side has no trial with a throughput".into()
                } else {
                    format!(
                        "base {}, new {}",
                        b.measured.status.name(),
                        n.measured.status.name()
                    )
                }),
            },
        });
    }
    let only_in_new = new
        .points
        .iter()
        .zip(&new_ids)
        .filter(|(_, id)| !in_base.contains(id))
        .map(|(n, _)| n.describe())
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
    fn points_sharing_an_identity_compare_with_their_own_twin() {
        use crate::analysis::testing::{config, point, run};
        use crate::schema::{StrategyKind, SyncMode};
        // A peer's file from before it recorded its wait styles: two
        // points with one identity, far apart.
        let c = config(StrategyKind::Batch, SyncMode::Readback);
        let (slow, fast) = (
            point(c.clone(), 1, &[100.0, 101.0, 99.0, 100.5, 100.2]),
            point(c, 1, &[130.0, 131.0, 129.0, 130.5, 130.2]),
        );
        let base = run("a", vec![slow.clone(), fast.clone()]);
        let copy = run("b", vec![slow, fast]);
        let c = compare(&base, &copy, 0.05);
        assert_eq!(c.points.len(), 2);
        assert!(
            c.points.iter().all(|p| p.change == Change::NoChange),
            "{:?}",
            c.points
        );
        assert!(c.points.iter().all(|p| p.ratio == Some(1.0)));
    }

    #[test]
    fn a_point_with_no_trials_is_not_comparable_and_the_ratio_comes_from_the_trials() {
        use crate::analysis::testing::{config, point, run};
        use crate::schema::{StrategyKind, SyncMode};
        let c = config(StrategyKind::Batch, SyncMode::Readback);
        let mut a = point(c.clone(), 1, &[100.0, 101.0, 99.0]);
        let mut b = point(c, 1, &[50.0, 51.0, 49.0]);
        // A stated median that disagrees with the trials is not believed.
        a.measured.samples_per_s = Some(0.0);
        let cmp = compare(&run("a", vec![a.clone()]), &run("b", vec![b.clone()]), 0.05);
        assert!((cmp.points[0].ratio.unwrap() - 0.5).abs() < 1e-9);
        assert_eq!(cmp.points[0].change, Change::Regressed);
        b.measured.samples_per_s_trials.clear();
        let cmp = compare(&run("a", vec![a]), &run("b", vec![b]), 0.05);
        assert_eq!(cmp.points[0].change, Change::NotComparable);
        assert!(cmp.points[0].note.as_deref().unwrap().contains("no trial"));
    }
}
