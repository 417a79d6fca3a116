//! A median's bootstrap distribution, computed instead of simulated.
//!
//! The median of a resample of n sorted values is one of them (n odd) or
//! the mean of two of them (n even), and which ones depends on n alone:
//! the resample's counts below each value are binomial. So the chance of
//! each outcome is computed once per n, and a resampled median is one
//! uniform draw looked up in a table, not n draws and a selection. The
//! estimator is the same percentile bootstrap; a report of 200,000 points
//! is seconds instead of minutes.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::stats::Rng;

/// Trials beyond which the exact table (n⁴ terms to build) gives way to
/// simulated resamples.
const EXACT_MAX: usize = 48;
/// Simulated resamples that stand for the table beyond [`EXACT_MAX`].
const SIMULATED: usize = 4000;

/// The bootstrap distribution of the median of some values: each possible
/// resampled median and the chance of it or a smaller one.
pub struct MedianDraws {
    values: Vec<f64>,
    cumulative: Vec<f64>,
}

impl MedianDraws {
    /// `sorted`: finite, ascending, not empty.
    pub fn new(sorted: &[f64], rng: &mut Rng) -> Self {
        let n = sorted.len();
        let mut outcomes: Vec<(f64, f64)> = if n <= EXACT_MAX {
            order_statistics(n)
                .iter()
                .map(|&(a, b, p)| ((sorted[a] + sorted[b]) / 2.0, p))
                .collect()
        } else {
            let mut sample = vec![0.0; n];
            (0..SIMULATED)
                .map(|_| {
                    for s in sample.iter_mut() {
                        *s = sorted[rng.below(n)];
                    }
                    (median_in_place(&mut sample), 1.0 / SIMULATED as f64)
                })
                .collect()
        };
        outcomes.sort_by(|x, y| x.0.total_cmp(&y.0));
        let mut total = 0.0;
        let (values, cumulative) = outcomes
            .into_iter()
            .map(|(v, p)| {
                total += p;
                (v, total)
            })
            .unzip();
        Self { values, cumulative }
    }

    /// The resampled median at `u`, uniform in [0, 1).
    pub fn draw(&self, u: f64) -> f64 {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let i = self.cumulative.partition_point(|&c| c <= u * total);
        self.values[i.min(self.values.len() - 1)]
    }
}

/// The median of `v` (not empty), reordering it.
pub fn median_in_place(v: &mut [f64]) -> f64 {
    let (mid, odd) = (v.len() / 2, v.len() % 2 == 1);
    let (below, upper, _) = v.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = *upper;
    if odd {
        upper
    } else {
        let lower = below.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lower + upper) / 2.0
    }
}

/// Pairs (a, b) of order statistics (indexed from 0) whose mean can be a
/// resample's median, and the chance of each.
type Outcomes = Vec<(usize, usize, f64)>;

thread_local! {
    static TABLES: RefCell<HashMap<usize, Rc<Outcomes>>> = RefCell::new(HashMap::new());
}

/// The [`Outcomes`] of a resample of n values, built once per n.
fn order_statistics(n: usize) -> Rc<Outcomes> {
    TABLES.with(|t| {
        t.borrow_mut()
            .entry(n)
            .or_insert_with(|| Rc::new(build(n)))
            .clone()
    })
}

fn build(n: usize) -> Outcomes {
    let ln_fact: Vec<f64> = (0..=n)
        .scan(0.0, |acc, k| {
            if k > 0 {
                *acc += (k as f64).ln();
            }
            Some(*acc)
        })
        .collect();
    // ln of x^k, with 0^0 = 1.
    let ln_pow = |x: f64, k: usize| {
        if k == 0 {
            0.0
        } else if x <= 0.0 {
            f64::NEG_INFINITY
        } else {
            k as f64 * x.ln()
        }
    };
    let nf = n as f64;
    let mut out = Vec::new();
    if n % 2 == 1 {
        // The median is the m-th smallest: at most the k-th value when at
        // least m of the n draws fall among the k smallest.
        let m = n.div_ceil(2);
        let at_most = |k: usize| -> f64 {
            let p = k as f64 / nf;
            (m..=n)
                .map(|u| {
                    (ln_fact[n] - ln_fact[u] - ln_fact[n - u]
                        + ln_pow(p, u)
                        + ln_pow(1.0 - p, n - u))
                    .exp()
                })
                .sum()
        };
        let mut before = 0.0;
        for k in 1..=n {
            let now = at_most(k);
            out.push((k - 1, k - 1, (now - before).max(0.0)));
            before = now;
        }
        return out;
    }
    // n = 2m: the median is the mean of the m-th and (m+1)-th smallest, a
    // and b. at_most[at(i, j)] = P(a ≤ i-th, b ≤ j-th value).
    let m = n / 2;
    let at = |i: usize, j: usize| i * (n + 1) + j;
    let mut at_most = vec![0.0; (n + 1) * (n + 1)];
    for j in 0..=n {
        for i in 0..=j {
            let (p, q, r) = (i as f64 / nf, (j - i) as f64 / nf, (n - j) as f64 / nf);
            let mut sum = 0.0;
            for u in m..=n {
                for w in u.max(m + 1)..=n {
                    let v = w - u;
                    sum += (ln_fact[n] - ln_fact[u] - ln_fact[v] - ln_fact[n - w]
                        + ln_pow(p, u)
                        + ln_pow(q, v)
                        + ln_pow(r, n - w))
                    .exp();
                }
            }
            at_most[at(i, j)] = sum;
        }
        // b ≤ j-th already puts a there.
        for i in j + 1..=n {
            at_most[at(i, j)] = at_most[at(j, j)];
        }
    }
    for i in 1..=n {
        for j in i..=n {
            let p = at_most[at(i, j)] - at_most[at(i - 1, j)] - at_most[at(i, j - 1)]
                + at_most[at(i - 1, j - 1)];
            if p > 0.0 {
                out.push((i - 1, j - 1, p));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_in_place_median_is_the_median() {
        for v in [vec![3.0, 1.0, 2.0], vec![4.0, 1.0, 3.0, 2.0], vec![5.0]] {
            let mut w = v.clone();
            assert_eq!(median_in_place(&mut w), crate::stats::median(&v).unwrap());
        }
    }

    #[test]
    fn every_table_is_a_distribution() {
        for n in 1..=14 {
            let total: f64 = order_statistics(n).iter().map(|t| t.2).sum();
            assert!((total - 1.0).abs() < 1e-9, "n = {n}: {total}");
        }
    }

    #[test]
    fn the_table_matches_resamples_drawn_one_by_one() {
        // Values far apart, so every pair of order statistics has a mean of
        // its own; the computed chance of each median against 200,000
        // simulated resamples.
        for n in [4usize, 5, 6] {
            let sorted: Vec<f64> = (0..n).map(|k| 10f64.powi(k as i32)).collect();
            let mut rng = Rng(7);
            let draws = MedianDraws::new(&sorted, &mut rng);
            let mut counts: HashMap<u64, f64> = HashMap::new();
            let mut sample = vec![0.0; n];
            let runs = 200_000;
            for _ in 0..runs {
                for s in sample.iter_mut() {
                    *s = sorted[rng.below(n)];
                }
                *counts
                    .entry(median_in_place(&mut sample).to_bits())
                    .or_default() += 1.0 / runs as f64;
            }
            let mut before = 0.0;
            for (v, c) in draws.values.iter().zip(&draws.cumulative) {
                let simulated = counts.get(&v.to_bits()).copied().unwrap_or(0.0);
                assert!(
                    (c - before - simulated).abs() < 0.005,
                    "n = {n}, median {v}: {} computed, {simulated} simulated",
                    c - before
                );
                before = *c;
            }
        }
    }

    #[test]
    fn draws_cover_the_range_in_order() {
        let sorted = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
        let draws = MedianDraws::new(&sorted, &mut Rng(1));
        assert_eq!(draws.draw(0.0), 1.0);
        assert_eq!(draws.draw(0.5), 4.0);
        assert_eq!(draws.draw(0.999_999_999), 7.0);
        assert!(draws.draw(0.3) <= draws.draw(0.7));
    }
}
