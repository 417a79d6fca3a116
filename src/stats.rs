//! Statistics of raw samples: quantiles, spreads, latency summaries and
//! histograms. Pure functions; the raw samples are kept beside them.

use crate::schema::{Center, HistogramBin, Latency, Spread};

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
    fn centers() {
        let c = center_us(&[1000, 2000, 9000]).unwrap();
        assert_eq!((c.median, c.mean, c.max), (2.0, 4.0, Some(9.0)));
    }
}
