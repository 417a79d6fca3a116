//! Statistics of raw samples: quantiles, spreads, confidence intervals
//! of medians and of their ratios, latency summaries and histograms.
//! Pure functions; the raw samples are kept beside them.

use crate::schema::{Center, ConfidenceInterval, HistogramBin, Latency, Spread};

/// The confidence level of every interval the tool states.
pub const LEVEL: f64 = 0.95;

/// The `q`-quantile (0 ≤ q ≤ 1) of `sorted`, interpolating linearly
/// between neighbours (numpy's default). `None` when empty.
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    let frac = pos - lo as f64;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * frac)
}

/// `values` sorted, non-finite values left out.
pub fn sorted_finite(values: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    v
}

pub fn median(values: &[f64]) -> Option<f64> {
    quantile(&sorted_finite(values), 0.5)
}

/// Median, min, max and IQR of the finite `values`.
pub fn spread(values: &[f64]) -> Option<Spread> {
    let v = sorted_finite(values);
    Some(Spread {
        median: quantile(&v, 0.5)?,
        min: v[0],
        max: v[v.len() - 1],
        iqr: quantile(&v, 0.75)? - quantile(&v, 0.25)?,
    })
}

/// ln of the probability that a Binomial(n, ½) is below `k`.
fn binomial_half_below(n: usize, k: usize) -> f64 {
    // P(B < k) = Σ_{i<k} C(n, i) / 2^n, summed in log space so that a
    // thousand trials do not underflow.
    let mut log_c = 0.0f64; // ln C(n, 0)
    let mut terms = Vec::with_capacity(k);
    for i in 0..k.min(n + 1) {
        if i > 0 {
            log_c += ((n - i + 1) as f64).ln() - (i as f64).ln();
        }
        terms.push(log_c - n as f64 * std::f64::consts::LN_2);
    }
    let top = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if top == f64::NEG_INFINITY {
        return f64::NEG_INFINITY;
    }
    top + terms.iter().map(|t| (t - top).exp()).sum::<f64>().ln()
}

/// The distribution-free confidence interval of the median of `values`
/// at `level`: the `k`-th smallest and `k`-th largest value, `k` as large
/// as the level allows. Fewer than six values cannot reach 95%: their
/// interval runs from the smallest to the largest and its `level` says
/// what it covers.
pub fn median_ci(values: &[f64], level: f64) -> Option<ConfidenceInterval> {
    let v = sorted_finite(values);
    let n = v.len();
    if n == 0 {
        return None;
    }
    let coverage = |k: usize| 1.0 - 2.0 * binomial_half_below(n, k).exp();
    let mut k = 1;
    while k < n.div_ceil(2) && coverage(k + 1) >= level {
        k += 1;
    }
    Some(ConfidenceInterval {
        lo: v[k - 1],
        hi: v[n - k],
        level: coverage(k).max(0.0),
    })
}

/// A deterministic generator (xorshift), so a bootstrap reads the same twice.
pub struct Rng(pub u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in 0..n.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Bootstrap resamples of a ratio of medians.
const RESAMPLES: usize = 2000;

/// The bootstrap confidence interval at `level` of median(`top`) /
/// median(`bottom`), from each side's values resampled on its own: for
/// values of two points that were not measured side by side.
pub fn ratio_ci(top: &[f64], bottom: &[f64], level: f64) -> Option<ConfidenceInterval> {
    let positive = |v: &[f64]| -> Vec<f64> {
        v.iter()
            .copied()
            .filter(|x| x.is_finite() && *x > 0.0)
            .collect()
    };
    let (top, bottom) = (positive(top), positive(bottom));
    if top.is_empty() || bottom.is_empty() {
        return None;
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut t, mut b) = (vec![0.0; top.len()], vec![0.0; bottom.len()]);
    let mut ratios: Vec<f64> = (0..RESAMPLES)
        .map(|_| {
            t.iter_mut().for_each(|x| *x = top[rng.below(top.len())]);
            b.iter_mut()
                .for_each(|x| *x = bottom[rng.below(bottom.len())]);
            median(&t).unwrap_or(f64::NAN) / median(&b).unwrap_or(f64::NAN)
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    let tail = (1.0 - level) / 2.0;
    let at = |q: f64| ratios[((q * (RESAMPLES - 1) as f64).round() as usize).min(RESAMPLES - 1)];
    Some(ConfidenceInterval {
        lo: at(tail),
        hi: at(1.0 - tail),
        level,
    })
}

/// Per-op latency summary of `values_us`.
pub fn latency(values_us: &[f64]) -> Option<Latency> {
    let v = sorted_finite(values_us);
    Some(Latency {
        avg: v.iter().sum::<f64>() / v.len().max(1) as f64,
        p50: quantile(&v, 0.5)?,
        p90: quantile(&v, 0.9),
        p95: quantile(&v, 0.95),
        p99: quantile(&v, 0.99)?,
        max: *v.last()?,
    })
}

/// Median and mean of `values_ns`, in microseconds.
pub fn center_us(values_ns: &[u64]) -> Option<Center> {
    let us: Vec<f64> = values_ns.iter().map(|&v| v as f64 / 1e3).collect();
    let v = sorted_finite(&us);
    Some(Center {
        median: quantile(&v, 0.5)?,
        mean: v.iter().sum::<f64>() / v.len() as f64,
        p99: quantile(&v, 0.99),
        max: v.last().copied(),
    })
}

/// Quarter-octave histogram of `values_us`, empty bins left out.
pub fn log_histogram(values_us: &[f64]) -> Vec<HistogramBin> {
    let mut bins: std::collections::BTreeMap<i64, u64> = Default::default();
    for &v in values_us.iter().filter(|v| v.is_finite()) {
        let k = (4.0 * v.max(1e-3).log2()).floor() as i64 + 1;
        *bins.entry(k).or_default() += 1;
    }
    bins.into_iter()
        .map(|(k, count)| HistogramBin {
            le_us: 2f64.powf(k as f64 / 4.0),
            count,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.5), Some(2.5));
        assert_eq!(quantile(&v, 0.0), Some(1.0));
        assert_eq!(quantile(&v, 1.0), Some(4.0));
        assert!((quantile(&v, 0.99).unwrap() - 3.97).abs() < 1e-12);
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn spread_of_unsorted_values_ignores_non_finite_ones() {
        let s = spread(&[5.0, 1.0, f64::NAN, 3.0, 2.0, 4.0]).unwrap();
        assert_eq!((s.median, s.min, s.max, s.iqr), (3.0, 1.0, 5.0, 2.0));
        assert!(spread(&[]).is_none());
        assert!(spread(&[f64::INFINITY]).is_none());
    }

    #[test]
    fn latency_summary_has_serving_percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        let l = latency(&v).unwrap();
        assert_eq!((l.avg, l.max), (50.5, 100.0));
        assert!((l.p90.unwrap() - 90.1).abs() < 1e-9);
        assert!((l.p95.unwrap() - 95.05).abs() < 1e-9);
        assert!((l.p99 - 99.01).abs() < 1e-9);
    }

    #[test]
    fn histogram_bins_are_quarter_octaves() {
        let h = log_histogram(&[1.0, 1.1, 2.0, 100.0]);
        assert_eq!(h.iter().map(|b| b.count).sum::<u64>(), 4);
        // 1.0 and 1.1 share the bin [1, 2^¼ ≈ 1.19).
        assert_eq!(h[0].count, 2);
        assert!((h[0].le_us - 2f64.powf(0.25)).abs() < 1e-12);
        assert!(h.windows(2).all(|w| w[0].le_us < w[1].le_us));
    }

    #[test]
    fn median_intervals_use_order_statistics_at_the_level_asked() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        let ci = median_ci(&v, 0.95).unwrap();
        // n = 10: the 2nd smallest and 2nd largest cover 97.9%; the 3rd
        // would cover only 89%.
        assert_eq!((ci.lo, ci.hi), (2.0, 9.0));
        assert!((ci.level - 0.9785).abs() < 1e-3, "{}", ci.level);
        let twenty: Vec<f64> = (1..=20).map(f64::from).collect();
        let ci = median_ci(&twenty, 0.95).unwrap();
        assert_eq!((ci.lo, ci.hi), (6.0, 15.0));
        // Five values cannot reach 95%: the whole range, and what it covers.
        let ci = median_ci(&[3.0, 1.0, 2.0, 5.0, 4.0], 0.95).unwrap();
        assert_eq!((ci.lo, ci.hi), (1.0, 5.0));
        assert!((ci.level - 0.9375).abs() < 1e-9);
        let one = median_ci(&[7.0], 0.95).unwrap();
        assert_eq!((one.lo, one.hi, one.level), (7.0, 7.0, 0.0));
        assert!(median_ci(&[], 0.95).is_none());
        // A thousand values do not underflow.
        let many: Vec<f64> = (0..1000).map(f64::from).collect();
        let ci = median_ci(&many, 0.95).unwrap();
        assert!(ci.lo > 400.0 && ci.hi < 600.0 && ci.level >= 0.95, "{ci:?}");
    }

    #[test]
    fn a_ratio_of_identical_samples_straddles_one_and_a_slowed_copy_does_not() {
        let t = [100.0, 101.0, 99.0, 100.5, 100.2];
        let ci = ratio_ci(&t, &t, LEVEL).unwrap();
        assert!(
            ci.lo <= 1.0 && ci.hi >= 1.0 && ci.hi - ci.lo < 0.03,
            "{ci:?}"
        );
        let slow: Vec<f64> = t.iter().map(|v| v * 0.8).collect();
        let ci = ratio_ci(&slow, &t, LEVEL).unwrap();
        assert!(ci.hi < 0.85 && ci.lo > 0.75, "{ci:?}");
        assert!(ratio_ci(&[], &t, LEVEL).is_none());
    }

    #[test]
    fn centers() {
        let c = center_us(&[1000, 2000, 9000]).unwrap();
        assert_eq!((c.median, c.mean, c.max), (2.0, 4.0, Some(9.0)));
    }
}
