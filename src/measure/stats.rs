//! Statistics derived from raw samples; the raw samples are kept too.

use serde::{Deserialize, Serialize};

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

fn sorted(values: &[f64]) -> Vec<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v
}

/// Median and spread of repeated measurements of one figure.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    /// Interquartile range (p75 − p25).
    pub iqr: f64,
}

impl Spread {
    pub fn of(values: &[f64]) -> Option<Self> {
        let v = sorted(values);
        Some(Self {
            median: quantile(&v, 0.5)?,
            min: v[0],
            max: v[v.len() - 1],
            iqr: quantile(&v, 0.75)? - quantile(&v, 0.25)?,
        })
    }
}

/// Per-op latency summary, in microseconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    pub avg: f64,
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

impl Latency {
    pub fn of_us(values_us: &[f64]) -> Option<Self> {
        let v = sorted(values_us);
        Some(Self {
            avg: v.iter().sum::<f64>() / v.len().max(1) as f64,
            p50: quantile(&v, 0.5)?,
            p99: quantile(&v, 0.99)?,
            max: *v.last()?,
        })
    }
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
    fn spread_of_unsorted_values() {
        let s = Spread::of(&[5.0, 1.0, 3.0, 2.0, 4.0]).unwrap();
        assert_eq!((s.median, s.min, s.max, s.iqr), (3.0, 1.0, 5.0, 2.0));
        assert!(Spread::of(&[]).is_none());
    }

    #[test]
    fn latency_summary() {
        let l = Latency::of_us(&[10.0, 30.0, 20.0]).unwrap();
        assert_eq!((l.avg, l.p50, l.max), (20.0, 20.0, 30.0));
        assert!((l.p99 - 29.8).abs() < 1e-9);
    }
}

/// Median and mean of a per-op figure, in microseconds. Both are kept: in
/// `end` and `pipeline` modes the wait falls on few ops, so the median
/// hides it and the mean shows it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Center {
    pub median: f64,
    pub mean: f64,
}

impl Center {
    pub fn of_ns(values_ns: &[u64]) -> Option<Self> {
        let us: Vec<f64> = values_ns.iter().map(|&v| v as f64 / 1e3).collect();
        let v = sorted(&us);
        Some(Self {
            median: quantile(&v, 0.5)?,
            mean: v.iter().sum::<f64>() / v.len() as f64,
        })
    }
}

/// One bin of a latency histogram: ops whose latency is below `le_us` and
/// at least the previous bin's bound. Bins are quarter-octaves (×2^¼).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistogramBin {
    pub le_us: f64,
    pub count: u64,
}

/// Quarter-octave histogram of `values_us`, empty bins left out.
pub fn log_histogram(values_us: &[f64]) -> Vec<HistogramBin> {
    let mut bins: std::collections::BTreeMap<i64, u64> = Default::default();
    for &v in values_us {
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

/// A point is noisy when its trials' throughput spans more than this
/// fraction of their median.
pub const NOISY_SPAN: f64 = 0.2;

impl Spread {
    pub fn is_noisy(&self) -> bool {
        self.median > 0.0 && (self.max - self.min) / self.median > NOISY_SPAN
    }
}

#[cfg(test)]
mod more_tests {
    use super::*;

    #[test]
    fn histogram_bins_are_quarter_octaves() {
        let h = log_histogram(&[1.0, 1.1, 2.0, 100.0]);
        let total: u64 = h.iter().map(|b| b.count).sum();
        assert_eq!(total, 4);
        // 1.0 and 1.1 share the bin [1, 2^¼ ≈ 1.19).
        assert_eq!(h[0].count, 2);
        assert!((h[0].le_us - 2f64.powf(0.25)).abs() < 1e-12);
        assert!(h.iter().all(|b| b.count > 0));
        assert!(h.windows(2).all(|w| w[0].le_us < w[1].le_us));
    }

    #[test]
    fn centers_and_noise() {
        let c = Center::of_ns(&[1000, 2000, 9000]).unwrap();
        assert_eq!((c.median, c.mean), (2.0, 4.0));
        assert!(Spread::of(&[100.0, 130.0, 110.0]).unwrap().is_noisy());
        assert!(!Spread::of(&[100.0, 105.0, 110.0]).unwrap().is_noisy());
    }
}
