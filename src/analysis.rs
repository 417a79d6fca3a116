//! Figures derived from points, never measured: speedup and efficiency
//! against matched baselines, cross-strategy advantages, and USL fits.
//! Pure functions of result records, so they can be recomputed from files.

use serde::{Deserialize, Serialize};

use crate::measure::usl::UslFit;
use crate::results::{CurveKey, Point, Status};

/// Fills `speedup` and `efficiency` of every point from the N=1 point of
/// its own curve (same workload, dims, strategy, sync and precision). A
/// point whose baseline is missing or failed gets `None`, never a guess.
pub fn fill_scaling(points: &mut [Point]) {
    let baselines: Vec<_> = points
        .iter()
        .filter(|p| p.n == 1 && p.status == Status::Ok)
        .filter_map(|p| Some((p.curve_key(), p.samples_per_s?)))
        .collect();
    for point in points.iter_mut() {
        let base = baselines
            .iter()
            .find(|(key, _)| *key == point.curve_key())
            .map(|(_, s)| *s);
        point.speedup = match (point.samples_per_s, base) {
            (Some(s), Some(b)) if b > 0.0 => Some(s / b),
            _ => None,
        };
        point.efficiency = point.speedup.map(|s| s / f64::from(point.n));
    }
}

/// A USL fit of one curve.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurveFit {
    #[serde(flatten)]
    pub curve: CurveKey,
    pub fit: UslFit,
}

/// Strategies whose N counts workers each submitting to the GPU, the
/// contention the USL describes. Not batch (data parallelism within one
/// op), nor queue and server (N clients of one GPU owner; a server's lone
/// client waits out the batching delay, so its curve is no contention
/// curve), nor hybrid (a grid, not a curve).
pub fn fits_usl(strategy: &str) -> bool {
    matches!(strategy, "threads" | "processes" | "devices")
}

/// Fits the USL to every curve of workers sharing the GPU that has a good
/// N=1 point and at least two other good points.
pub fn usl_fits(points: &[Point]) -> Vec<CurveFit> {
    let mut keys = Vec::new();
    for p in points.iter().filter(|p| fits_usl(&p.strategy)) {
        if !keys.contains(&p.curve_key()) {
            keys.push(p.curve_key());
        }
    }
    keys.into_iter()
        .filter_map(|key| {
            let curve: Vec<(f64, f64)> = points
                .iter()
                .filter(|p| p.curve_key() == key && p.status == Status::Ok)
                .filter_map(|p| Some((f64::from(p.n), p.samples_per_s?)))
                .collect();
            let fit = UslFit::fit(&curve)?;
            Some(CurveFit { curve: key, fit })
        })
        .collect()
}

/// One N of a cross-strategy comparison: each strategy's samples/s there.
/// This is an advantage ("batching is 30× threading at N=8"), never an
/// efficiency.
#[derive(Clone, Debug, PartialEq)]
pub struct AdvantageRow {
    pub n: u32,
    /// (strategy, samples/s) of every strategy with a good point at this N.
    pub samples_per_s: Vec<(String, f64)>,
}

impl AdvantageRow {
    /// samples/s of `a` over `b`, where both were measured.
    pub fn ratio(&self, a: &str, b: &str) -> Option<f64> {
        let get = |s: &str| {
            self.samples_per_s
                .iter()
                .find(|(k, _)| k == s)
                .map(|(_, v)| *v)
        };
        Some(get(a)? / get(b)?)
    }
}

/// Cross-strategy comparisons: for each (workload, sync, precision), the
/// N at which at least two strategies have good points. `hybrid` is left
/// out: its N counts threads of B samples each, not requests.
pub fn advantages(points: &[Point]) -> Vec<((String, String, String), Vec<AdvantageRow>)> {
    let mut groups: Vec<((String, String, String), Vec<AdvantageRow>)> = Vec::new();
    for p in points
        .iter()
        .filter(|p| p.status == Status::Ok && p.strategy != "hybrid")
    {
        let Some(sps) = p.samples_per_s else { continue };
        let key = (p.workload_label(), p.sync.clone(), p.precision.clone());
        let gi = match groups.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                groups.push((key, Vec::new()));
                groups.len() - 1
            }
        };
        let rows = &mut groups[gi].1;
        match rows.iter_mut().find(|r| r.n == p.n) {
            Some(row) => row.samples_per_s.push((p.strategy_label(), sps)),
            None => rows.push(AdvantageRow {
                n: p.n,
                samples_per_s: vec![(p.strategy_label(), sps)],
            }),
        }
    }
    for (_, rows) in &mut groups {
        rows.retain(|r| r.samples_per_s.len() >= 2);
        rows.sort_by_key(|r| r.n);
    }
    groups.retain(|(_, rows)| !rows.is_empty());
    groups
}

/// Report 001's workload size impact: single linear layers measured as
/// `hybrid` at 1 and at 8 threads with the same batch per op, as
/// (dims, batch, one-thread point, eight-thread point), smallest first.
pub fn size_rows<'a>(points: &[&'a Point]) -> Vec<(Vec<u32>, u32, &'a Point, &'a Point)> {
    let mut rows: Vec<(Vec<u32>, u32, &Point, &Point)> = Vec::new();
    for p in points.iter().filter(|p| {
        p.workload == "linear" && p.strategy == "hybrid" && p.n == 1 && p.status == Status::Ok
    }) {
        let many = points
            .iter()
            .find(|q| q.curve_key() == p.curve_key() && q.n == 8 && q.status == Status::Ok);
        if let Some(q) = many
            && !rows
                .iter()
                .any(|(d, b, _, _)| *d == p.dims && *b == p.batch)
        {
            rows.push((p.dims.clone(), p.batch, p, q));
        }
    }
    rows.sort_by_key(|(d, _, _, _)| d.iter().product::<u32>());
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::tests::point;

    #[test]
    fn efficiency_is_against_n1_of_the_same_curve() {
        let mut points = vec![
            point("threads", 1, Some(100.0), Status::Ok),
            point("threads", 4, Some(200.0), Status::Ok),
            point("batch", 1, Some(50.0), Status::Ok),
            point("batch", 4, Some(180.0), Status::Ok),
        ];
        fill_scaling(&mut points);
        assert_eq!(points[0].efficiency, Some(1.0));
        assert_eq!(points[1].speedup, Some(2.0));
        assert_eq!(points[1].efficiency, Some(0.5));
        assert_eq!(points[2].efficiency, Some(1.0));
        assert_eq!(points[3].efficiency, Some(0.9));
    }

    #[test]
    fn a_missing_or_failed_baseline_gives_no_efficiency() {
        let mut points = vec![
            point("threads", 1, None, Status::Failed),
            point("threads", 2, Some(200.0), Status::Ok),
            point("processes", 2, Some(200.0), Status::Ok),
        ];
        let mut other_sync = point("threads", 1, Some(100.0), Status::Ok);
        other_sync.sync = "wait".into();
        points.push(other_sync);
        fill_scaling(&mut points);
        assert_eq!(points[1].efficiency, None);
        assert_eq!(points[2].efficiency, None);
        assert_eq!(points[3].efficiency, Some(1.0));
    }

    #[test]
    fn advantage_compares_strategies_at_the_same_n() {
        let points = vec![
            point("threads", 1, Some(100.0), Status::Ok),
            point("threads", 8, Some(120.0), Status::Ok),
            point("batch", 1, Some(110.0), Status::Ok),
            point("batch", 8, Some(840.0), Status::Ok),
            point("batch", 16, Some(1600.0), Status::Ok),
            point("processes", 8, None, Status::Failed),
        ];
        let groups = advantages(&points);
        assert_eq!(groups.len(), 1);
        let rows = &groups[0].1;
        assert_eq!(rows.iter().map(|r| r.n).collect::<Vec<_>>(), vec![1, 8]);
        assert_eq!(rows[1].ratio("batch", "threads"), Some(7.0));
        assert_eq!(rows[1].ratio("processes", "threads"), None);
    }

    #[test]
    fn usl_is_fitted_to_worker_curves_only() {
        let points = vec![
            point("threads", 1, Some(100.0), Status::Ok),
            point("threads", 2, Some(100.0), Status::Ok),
            point("threads", 4, Some(100.0), Status::Ok),
            point("batch", 1, Some(100.0), Status::Ok),
            point("batch", 2, Some(200.0), Status::Ok),
            point("batch", 4, Some(400.0), Status::Ok),
        ];
        let fits = usl_fits(&points);
        assert_eq!(fits.len(), 1);
        assert_eq!(fits[0].curve.strategy, "threads");
        assert!((fits[0].fit.sigma - 1.0).abs() < 1e-9);
    }
}
