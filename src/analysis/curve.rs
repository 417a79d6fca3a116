//! A curve: every point of one run that shares a config (every setting
//! that changes an op) and differs only in N, with its baseline and the
//! figures derived against it. Built once, in [`build`]; charts, tables
//! and reports read curves and never regroup points.

use std::collections::HashMap;

use crate::schema::{BaselineRule, Point, PointConfig, Status, StrategyKind};

use super::estimate::{self, Interval};
use super::usl::{FitOutcome, judge};

/// A point's trials: how far they spread, how sure their median is, and
/// whether they fall into two levels (an op's rate flipping between two
/// states) rather than scatter.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Noise {
    /// (max − min) / median of the trials' samples/s.
    pub spread: f64,
    /// Half the width of the median's 95% interval, over the median.
    pub half_width: f64,
    pub bimodal: bool,
}

/// A median whose interval reaches further than this either way: noisy.
pub const NOISY_HALF_WIDTH: f64 = 0.05;

impl Noise {
    pub fn of(p: &Point) -> Self {
        let trials = &p.measured.samples_per_s_trials;
        let spread = p.measured.samples_per_s_spread.map_or(0.0, |s| {
            if s.median > 0.0 {
                (s.max - s.min) / s.median
            } else {
                0.0
            }
        });
        let half_width = estimate::rate(p).map_or(0.0, |r| {
            if r.value > 0.0 {
                (r.hi - r.lo) / 2.0 / r.value
            } else {
                0.0
            }
        });
        Self {
            spread,
            half_width,
            bimodal: is_bimodal(trials),
        }
    }

    pub fn is_noisy(&self) -> bool {
        self.half_width > NOISY_HALF_WIDTH || self.bimodal
    }
}

/// Whether sorted trials split into two groups of at least two, the gap
/// between them at least 8% of the median and at least twice the wider
/// group's own range: two levels, not scatter.
pub fn is_bimodal(trials: &[f64]) -> bool {
    let mut v: Vec<f64> = trials.iter().copied().filter(|t| t.is_finite()).collect();
    if v.len() < 4 {
        return false;
    }
    v.sort_by(f64::total_cmp);
    let median = v[v.len() / 2];
    if median <= 0.0 {
        return false;
    }
    let (at, gap) = v
        .windows(2)
        .enumerate()
        .map(|(i, w)| (i + 1, w[1] - w[0]))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .expect("at least two trials");
    let (low, high) = v.split_at(at);
    if low.len() < 2 || high.len() < 2 {
        return false;
    }
    let range = |g: &[f64]| g[g.len() - 1] - g[0];
    gap / median >= 0.08 && gap >= 2.0 * range(low).max(range(high))
}

/// What a curve's efficiency is measured against.
#[derive(Clone, Debug, PartialEq)]
pub enum Baseline<'a> {
    /// The curve's own N=1 point.
    OwnN1(&'a Point),
    /// `batch` of the same run, workload, sync and precision at the size
    /// the owner batches to: `queue` and `server`.
    BatchAtSize,
    /// None: the reason, in words.
    Missing(String),
}

/// One point of a curve and what is derived for it.
#[derive(Clone, Debug)]
pub struct CurvePoint<'a> {
    pub point: &'a Point,
    /// samples/s over the baseline's.
    pub speedup: Option<Interval>,
    /// speedup / N (own N=1), or the share of batching's samples/s at the
    /// same size (`queue`, `server`).
    pub efficiency: Option<Interval>,
    pub noise: Noise,
    /// A second measurement of an N the curve already has (files written
    /// before duplicates were refused): shown in tables, left out of
    /// lines, picks and fits.
    pub repeat: bool,
}

impl CurvePoint<'_> {
    pub fn ok(&self) -> bool {
        self.point.measured.status == Status::Ok
            && self.point.measured.samples_per_s.is_some()
            && !self.repeat
    }
}

#[derive(Clone, Debug)]
pub struct Curve<'a> {
    /// Index of the run it belongs to.
    pub run: usize,
    pub config: &'a PointConfig,
    /// The config as one string: the same curve in another run has the same key.
    pub key: String,
    /// `threads (wait · spin) f16`: the curve without its workload or adapter.
    pub label: String,
    pub points: Vec<CurvePoint<'a>>,
    pub baseline: Baseline<'a>,
    /// The USL where the strategy's N counts contending workers.
    pub fit: Option<FitOutcome>,
}

impl<'a> Curve<'a> {
    pub fn strategy(&self) -> StrategyKind {
        self.config.strategy
    }

    pub fn workload_label(&self) -> String {
        self.config.workload_label()
    }

    /// Its good points, N ascending.
    pub fn good(&self) -> impl Iterator<Item = &CurvePoint<'a>> {
        self.points.iter().filter(|p| p.ok())
    }

    pub fn at(&self, n: u32) -> Option<&CurvePoint<'a>> {
        self.points.iter().find(|p| p.point.n == n && !p.repeat)
    }

    /// The good point of highest samples/s.
    pub fn peak(&self) -> Option<&CurvePoint<'a>> {
        self.good().max_by(|a, b| {
            a.point
                .measured
                .samples_per_s
                .unwrap_or(0.0)
                .total_cmp(&b.point.measured.samples_per_s.unwrap_or(0.0))
        })
    }
}

/// `threads (wait · spin) f16 · label`: what tells a curve apart within a workload.
pub fn curve_label(c: &PointConfig) -> String {
    let mut label = c.strategy_label();
    if c.sync_label() != "readback" {
        label = format!("{label} ({})", c.sync_label());
    }
    if c.precision != crate::schema::Precision::F32 {
        label = format!("{label} {}", c.precision);
    }
    if let Some(l) = &c.label {
        label = format!("{label} · {l}");
    }
    label
}

/// The key of a config: every field, so a setting added later joins it.
pub fn config_key(c: &PointConfig) -> String {
    serde_json::to_string(c).unwrap_or_else(|_| format!("{c:?}"))
}

/// speedup and efficiency of `p` against the baseline point `base`,
/// with `n` the divisor of the efficiency.
fn against(p: &Point, base: &Point, n: f64) -> Option<(Interval, Interval)> {
    let speedup = estimate::ratio(p, base)?;
    let efficiency = Interval {
        value: speedup.value / n,
        lo: speedup.lo / n,
        hi: speedup.hi / n,
    };
    Some((speedup, efficiency))
}

/// Groups one run's points into curves, in the order their first points
/// were measured, and derives each point's figures.
pub fn build(run: usize, points: &[Point]) -> Vec<Curve<'_>> {
    let mut curves: Vec<Curve> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for p in points {
        let key = config_key(&p.config);
        let cp = CurvePoint {
            point: p,
            speedup: None,
            efficiency: None,
            noise: Noise::of(p),
            repeat: false,
        };
        match index.get(&key) {
            Some(&i) => curves[i].points.push(cp),
            None => {
                index.insert(key.clone(), curves.len());
                curves.push(Curve {
                    run,
                    config: &p.config,
                    key,
                    label: curve_label(&p.config),
                    points: vec![cp],
                    baseline: Baseline::Missing(String::new()),
                    fit: None,
                })
            }
        }
    }
    for c in &mut curves {
        c.points.sort_by_key(|p| p.point.n);
        // Sorted by N (stably): a repeat follows a point of its N.
        for i in 1..c.points.len() {
            c.points[i].repeat = c.points[i - 1].point.n == c.points[i].point.n;
        }
        c.baseline = own_baseline(c);
    }
    // Efficiency against a baseline: the curve's own N=1, or batching at
    // the same size for the GPU owner's clients.
    // The first batch curve of each key, and the first good point of each
    // size in it.
    let mut batch_rates: HashMap<String, HashMap<u32, &Point>> = HashMap::new();
    for c in curves
        .iter()
        .filter(|c| c.strategy() == StrategyKind::Batch)
    {
        let mut key_config = c.config.clone();
        key_config.strategy = StrategyKind::Server;
        batch_rates.entry(peer_key(&key_config)).or_insert_with(|| {
            let mut sizes = HashMap::new();
            for p in c.good() {
                sizes.entry(p.point.n).or_insert(p.point);
            }
            sizes
        });
    }
    for c in &mut curves {
        match c.config.strategy.info().baseline {
            BaselineRule::OwnN1 => {
                if let Baseline::OwnN1(base) = c.baseline {
                    // Only a good point has a figure to compare: a failed
                    // point's partial trials are not a measurement.
                    for p in c.points.iter_mut().filter(|p| p.ok()) {
                        if let Some((s, e)) = against(p.point, base, f64::from(p.point.n)) {
                            (p.speedup, p.efficiency) = (Some(s), Some(e));
                        }
                    }
                }
            }
            BaselineRule::BatchAtSize => {
                let key = peer_key(c.config);
                let rates = batch_rates.get(&key);
                c.baseline = match rates {
                    Some(_) => Baseline::BatchAtSize,
                    None => Baseline::Missing(
                        "no batch curve of the same workload, sync and precision in this run"
                            .into(),
                    ),
                };
                let max_batch = c.config.max_batch.unwrap_or(1);
                for p in c.points.iter_mut().filter(|p| p.ok()) {
                    let size = p.point.n.min(max_batch);
                    if let Some(base) = rates.and_then(|r| r.get(&size))
                        && let Some((s, e)) = against(p.point, base, 1.0)
                    {
                        (p.speedup, p.efficiency) = (Some(s), Some(e));
                    }
                }
            }
        }
        if c.config.strategy.info().scaling_model {
            let good: Vec<(f64, f64)> = c
                .good()
                .filter_map(|p| Some((f64::from(p.point.n), p.point.measured.samples_per_s?)))
                .collect();
            c.fit = judge(&good);
        }
    }
    curves
}

/// The key a `queue`/`server` curve and its `batch` peer share: the
/// config without what makes the owner's clients clients.
fn peer_key(c: &PointConfig) -> String {
    let mut c = c.clone();
    c.encode_ahead = c.baseline_encodes_ahead();
    c.strategy = StrategyKind::Server;
    c.max_batch = None;
    c.max_delay_us = None;
    c.arrival_rate_per_s = None;
    c.label = None;
    config_key(&c)
}

/// The curve's N=1 point as its baseline, or why there is none.
fn own_baseline<'a>(c: &Curve<'a>) -> Baseline<'a> {
    let ones: Vec<&CurvePoint> = c.points.iter().filter(|p| p.point.n == 1).collect();
    // An N=1 measured twice has no single baseline.
    match ones.as_slice() {
        [] => Baseline::Missing("no N=1 point in this curve".into()),
        [one] if one.point.measured.status == Status::Ok => {
            match one.point.measured.samples_per_s {
                Some(rate) if rate > 0.0 => Baseline::OwnN1(one.point),
                _ => Baseline::Missing("its N=1 point measured no throughput".into()),
            }
        }
        [one] => Baseline::Missing(format!(
            "its N=1 point is {}",
            one.point.measured.status.name()
        )),
        _ => Baseline::Missing(format!(
            "{} N=1 points share this curve's settings; none is taken as the baseline",
            ones.len()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_levels_are_bimodal_and_scatter_is_not() {
        assert!(is_bimodal(&[83.0, 84.0, 118.0, 119.0, 120.0]));
        assert!(!is_bimodal(&[100.0, 103.0, 98.0, 101.0, 99.0]));
        assert!(!is_bimodal(&[100.0, 101.0, 150.0]), "too few trials");
        assert!(
            !is_bimodal(&[100.0, 101.0, 102.0, 150.0]),
            "one outlier is not a level"
        );
    }
}
