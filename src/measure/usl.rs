//! The Universal Scalability Law, fitted to a measured curve:
//!
//! X(N) = λN / (1 + σ(N−1) + κN(N−1))
//!
//! σ (contention) is the serialised fraction: σ = 1 means N workers take
//! turns, as through one lock. κ (coherency) makes throughput fall past a
//! peak. This is how a report can say "serialised" with a number.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct UslFit {
    /// Throughput of one worker (the measured N=1), in samples/s.
    pub lambda: f64,
    /// Contention: 0 = none, 1 = fully serialised.
    pub sigma: f64,
    /// Coherency (crosstalk) cost.
    pub kappa: f64,
    /// Coefficient of determination of the fitted throughput (1 = perfect).
    pub r2: f64,
    /// N at which the fitted throughput peaks; `None` when κ = 0 (no peak).
    pub peak_n: Option<f64>,
}

impl UslFit {
    pub fn throughput(&self, n: f64) -> f64 {
        self.lambda * n / (1.0 + self.sigma * (n - 1.0) + self.kappa * n * (n - 1.0))
    }

    /// Fits σ and κ (both ≥ 0) to `(N, throughput)` pairs, with λ the
    /// throughput at N=1, by least squares on the linearised form
    /// N·λ/X(N) − 1 = σ(N−1) + κN(N−1). Needs N=1 and two other N.
    pub fn fit(points: &[(f64, f64)]) -> Option<Self> {
        let lambda = points.iter().find(|(n, _)| *n == 1.0)?.1;
        let rest: Vec<(f64, f64)> = points
            .iter()
            .filter(|(n, x)| *n > 1.0 && *x > 0.0)
            .map(|&(n, x)| (n, n * lambda / x - 1.0))
            .collect();
        if lambda <= 0.0 || rest.len() < 2 {
            return None;
        }
        // Features a = N−1, b = N(N−1); target y.
        let (mut saa, mut sab, mut sbb, mut say, mut sby) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for &(n, y) in &rest {
            let (a, b) = (n - 1.0, n * (n - 1.0));
            saa += a * a;
            sab += a * b;
            sbb += b * b;
            say += a * y;
            sby += b * y;
        }
        let det = saa * sbb - sab * sab;
        let both = (det.abs() > 1e-12)
            .then(|| ((say * sbb - sby * sab) / det, (saa * sby - sab * say) / det));
        let candidates = [
            both.filter(|&(s, k)| s >= 0.0 && k >= 0.0),
            Some(((say / saa).max(0.0), 0.0)),
            Some((0.0, (sby / sbb).max(0.0))),
        ];
        let sse = |sigma: f64, kappa: f64| -> f64 {
            rest.iter()
                .map(|&(n, y)| (y - sigma * (n - 1.0) - kappa * n * (n - 1.0)).powi(2))
                .sum()
        };
        let (sigma, kappa) = candidates
            .into_iter()
            .flatten()
            .min_by(|a, b| sse(a.0, a.1).total_cmp(&sse(b.0, b.1)))?;

        let mut fit = Self {
            lambda,
            sigma,
            kappa,
            r2: 0.0,
            peak_n: None,
        };
        let mean = points.iter().map(|p| p.1).sum::<f64>() / points.len() as f64;
        let ss_tot: f64 = points.iter().map(|p| (p.1 - mean).powi(2)).sum();
        let ss_res: f64 = points
            .iter()
            .map(|&(n, x)| (x - fit.throughput(n)).powi(2))
            .sum();
        fit.r2 = if ss_tot > 0.0 {
            1.0 - ss_res / ss_tot
        } else {
            1.0
        };
        fit.peak_n = (kappa > 0.0).then(|| ((1.0 - sigma).max(0.0) / kappa).sqrt().max(1.0));
        Some(fit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(lambda: f64, sigma: f64, kappa: f64, ns: &[f64]) -> Vec<(f64, f64)> {
        let truth = UslFit {
            lambda,
            sigma,
            kappa,
            r2: 1.0,
            peak_n: None,
        };
        ns.iter().map(|&n| (n, truth.throughput(n))).collect()
    }

    #[test]
    fn recovers_sigma_and_kappa_from_a_synthetic_curve() {
        let points = curve(1000.0, 0.05, 0.002, &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0]);
        let fit = UslFit::fit(&points).unwrap();
        assert!((fit.sigma - 0.05).abs() < 1e-9, "{fit:?}");
        assert!((fit.kappa - 0.002).abs() < 1e-9, "{fit:?}");
        assert!((fit.r2 - 1.0).abs() < 1e-9);
        // √((1 − 0.05) / 0.002) ≈ 21.8
        assert!((fit.peak_n.unwrap() - (0.95f64 / 0.002).sqrt()).abs() < 1e-6);
    }

    #[test]
    fn a_fully_serialised_curve_has_sigma_one() {
        // N threads taking turns: throughput stays at λ.
        let points: Vec<_> = [1.0, 2.0, 4.0, 8.0, 16.0]
            .iter()
            .map(|&n| (n, 500.0))
            .collect();
        let fit = UslFit::fit(&points).unwrap();
        assert!(
            (fit.sigma - 1.0).abs() < 1e-9 && fit.kappa.abs() < 1e-12,
            "{fit:?}"
        );
    }

    #[test]
    fn linear_scaling_has_no_contention_and_no_peak() {
        let points = curve(100.0, 0.0, 0.0, &[1.0, 2.0, 4.0, 8.0]);
        let fit = UslFit::fit(&points).unwrap();
        assert!(
            fit.sigma.abs() < 1e-12 && fit.kappa.abs() < 1e-12 && fit.peak_n.is_none(),
            "{fit:?}"
        );
    }

    #[test]
    fn too_few_points_or_no_baseline_give_no_fit() {
        assert!(UslFit::fit(&[(1.0, 10.0), (2.0, 15.0)]).is_none());
        assert!(UslFit::fit(&[(2.0, 10.0), (4.0, 15.0), (8.0, 16.0)]).is_none());
    }
}
