//! The Universal Scalability Law, fitted to a measured curve:
//!
//! X(N) = λN / (1 + σ(N−1) + κN(N−1))
//!
//! σ (contention) is the serialised fraction, between 0 and 1: σ = 1 means
//! N workers take turns, as through one lock. κ ≥ 0 (coherency) makes
//! throughput fall past a peak. The fit is constrained to those meanings,
//! and [`judge`] refuses a fit that does not describe its curve (a poor
//! R², or throughput that falls at N=2: contention the serial-fraction
//! model cannot express), so no verdict is printed from a guess.

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

    /// Fits σ in [0, 1] and κ ≥ 0 to `(N, throughput)` pairs, with λ the
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
        // The unconstrained optimum if it is inside the bounds, else the
        // best on each edge of the feasible box (σ = 0, σ = 1, κ = 0).
        let kappa_given = |sigma: f64| ((sby - sigma * sab) / sbb).max(0.0);
        let candidates = [
            both.filter(|&(s, k)| (0.0..=1.0).contains(&s) && k >= 0.0),
            Some(((say / saa).clamp(0.0, 1.0), 0.0)),
            Some((0.0, kappa_given(0.0))),
            Some((1.0, kappa_given(1.0))),
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

/// R² below which a fit does not describe its curve.
pub const MIN_R2: f64 = 0.8;

/// A fit, or why there is none to read.
#[derive(Clone, Debug, PartialEq)]
pub enum FitOutcome {
    Fitted(UslFit),
    /// The model does not describe the curve: no verdict from it.
    Refused {
        fit: Option<UslFit>,
        reason: String,
    },
}

impl FitOutcome {
    pub fn fitted(&self) -> Option<&UslFit> {
        match self {
            FitOutcome::Fitted(f) => Some(f),
            FitOutcome::Refused { .. } => None,
        }
    }
}

/// Fits `points` and judges the fit: refused below [`MIN_R2`], or when
/// throughput at N=2 is under N=1's (a retrograde curve), or with too few
/// points; `None` when there is nothing to fit.
pub fn judge(points: &[(f64, f64)]) -> Option<FitOutcome> {
    let x1 = points.iter().find(|p| p.0 == 1.0)?.1;
    if points.iter().filter(|p| p.0 > 1.0).count() < 2 {
        return Some(FitOutcome::Refused {
            fit: None,
            reason: "fewer than three points: nothing to fit".into(),
        });
    }
    let fit = UslFit::fit(points);
    if let Some(&(_, x2)) = points.iter().find(|p| p.0 == 2.0)
        && x2 < x1 * 0.98
    {
        return Some(FitOutcome::Refused {
            fit,
            reason: format!(
                "throughput falls at N=2 ({:.0} → {:.0}): contention, not a serial fraction the USL can describe",
                x1, x2
            ),
        });
    }
    Some(match fit {
        Some(f) if f.r2 >= MIN_R2 => FitOutcome::Fitted(f),
        Some(f) => FitOutcome::Refused {
            fit: Some(f),
            reason: format!(
                "R² = {:.2}, below {MIN_R2}: the USL does not describe this curve",
                f.r2
            ),
        },
        None => FitOutcome::Refused {
            fit: None,
            reason: "no fit (a throughput of zero)".into(),
        },
    })
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

#[cfg(test)]
mod judge_tests {
    use super::*;

    #[test]
    fn sigma_stays_a_fraction_even_when_throughput_falls() {
        // Throughput halves by N=4: unconstrained, σ would exceed 1.
        let points = [(1.0, 1000.0), (2.0, 700.0), (4.0, 400.0), (8.0, 250.0)];
        let fit = UslFit::fit(&points).unwrap();
        assert!(
            (0.0..=1.0).contains(&fit.sigma) && fit.kappa >= 0.0,
            "{fit:?}"
        );
    }

    #[test]
    fn a_retrograde_curve_is_refused_with_its_reason() {
        let points = [(1.0, 1000.0), (2.0, 700.0), (4.0, 400.0), (8.0, 250.0)];
        match judge(&points).unwrap() {
            FitOutcome::Refused { reason, .. } => {
                assert!(reason.contains("falls at N=2"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_poor_fit_is_refused_and_a_good_one_kept() {
        // A zigzag no USL curve follows.
        let zigzag = [
            (1.0, 100.0),
            (2.0, 190.0),
            (4.0, 120.0),
            (8.0, 390.0),
            (16.0, 150.0),
        ];
        assert!(matches!(judge(&zigzag), Some(FitOutcome::Refused { .. })));
        let flat: Vec<(f64, f64)> = [1.0, 2.0, 4.0, 8.0].iter().map(|&n| (n, 500.0)).collect();
        assert!(matches!(judge(&flat), Some(FitOutcome::Fitted(_))));
        assert!(judge(&[(2.0, 1.0), (4.0, 1.0)]).is_none(), "no baseline");
    }
}
