//! When a point has been measured enough. A rule is a type of its own, as
//! nvbench's stopping criteria are (initialise, add a measurement, ask
//! whether it is finished), so that another rule can be added beside it
//! and tested alone.

use crate::stats;

/// One trial as a stopping rule sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrialOutcome {
    /// Its samples/s; `None` when it did not complete.
    pub samples_per_s: Option<f64>,
    /// Its timed seconds.
    pub seconds: f64,
}

pub trait StoppingRule {
    fn add(&mut self, trial: TrialOutcome);
    fn finished(&self) -> bool;
    /// Why it finished (or where it stands), in words, for the record.
    fn describe(&self) -> String;
}

/// The default rule: at least `min_trials` trials and `min_measured_s`
/// of timed work, then stop once the 95% confidence interval of the
/// median samples/s is within `target` of the median either way; stop
/// at `max_trials` whatever the interval.
#[derive(Clone, Debug)]
pub struct MedianInterval {
    pub min_trials: u32,
    pub max_trials: u32,
    pub min_measured_s: f64,
    /// Half the interval's width over the median (0.02: ±2%).
    pub target: f64,
    rates: Vec<f64>,
    trials: u32,
    measured_s: f64,
}

impl MedianInterval {
    pub fn new(min_trials: u32, max_trials: u32, min_measured_s: f64, target: f64) -> Self {
        Self {
            min_trials,
            max_trials: max_trials.max(min_trials),
            min_measured_s,
            target,
            rates: Vec::new(),
            trials: 0,
            measured_s: 0.0,
        }
    }

    /// Half the interval's width over the median, once there is one.
    pub fn half_width(&self) -> Option<f64> {
        let ci = stats::median_ci(&self.rates, stats::LEVEL)?;
        let median = stats::median(&self.rates)?;
        (median > 0.0).then(|| (ci.hi - ci.lo) / 2.0 / median)
    }

    fn target_met(&self) -> bool {
        self.trials >= self.min_trials
            // Ten trials of 0.1 s add up to a hair under 1 s.
            && self.measured_s >= self.min_measured_s * (1.0 - 1e-9)
            && stats::median_ci(&self.rates, stats::LEVEL)
                .is_some_and(|ci| ci.level >= stats::LEVEL)
            && self.half_width().is_some_and(|w| w <= self.target)
    }
}

impl StoppingRule for MedianInterval {
    fn add(&mut self, trial: TrialOutcome) {
        self.trials += 1;
        self.measured_s += trial.seconds;
        self.rates
            .extend(trial.samples_per_s.filter(|r| r.is_finite()));
    }

    fn finished(&self) -> bool {
        self.trials >= self.max_trials || self.target_met()
    }

    fn describe(&self) -> String {
        let width = self
            .half_width()
            .map_or("no interval".into(), |w| format!("±{:.1}%", w * 100.0));
        if self.target_met() {
            format!(
                "{width} after {} trials (target ±{:.1}%)",
                self.trials,
                self.target * 100.0
            )
        } else {
            format!(
                "{width} after {} trials, short of the target ±{:.1}%",
                self.trials,
                self.target * 100.0
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add_all(rule: &mut MedianInterval, rates: &[f64]) {
        for &r in rates {
            rule.add(TrialOutcome {
                samples_per_s: Some(r),
                seconds: 0.1,
            });
        }
    }

    #[test]
    fn steady_trials_stop_once_the_minimum_is_met() {
        let mut rule = MedianInterval::new(10, 30, 1.0, 0.02);
        add_all(
            &mut rule,
            &[100.0, 100.5, 99.5, 100.2, 99.8, 100.1, 99.9, 100.3, 99.7],
        );
        assert!(!rule.finished(), "nine trials are under the minimum");
        add_all(&mut rule, &[100.0]);
        assert!(rule.finished(), "{}", rule.describe());
        assert!(rule.describe().starts_with('±'), "{}", rule.describe());
    }

    #[test]
    fn noisy_trials_run_to_the_cap_and_say_they_fell_short() {
        let mut rule = MedianInterval::new(5, 12, 0.0, 0.02);
        let noisy: Vec<f64> = (0..12)
            .map(|i| if i % 2 == 0 { 80.0 } else { 120.0 })
            .collect();
        add_all(&mut rule, &noisy[..11]);
        assert!(!rule.finished());
        add_all(&mut rule, &noisy[11..]);
        assert!(rule.finished());
        assert!(
            rule.describe().contains("short of the target"),
            "{}",
            rule.describe()
        );
    }

    #[test]
    fn too_little_measured_time_keeps_measuring() {
        let mut rule = MedianInterval::new(6, 100, 2.0, 0.5);
        add_all(&mut rule, &[100.0; 19]);
        assert!(!rule.finished(), "1.9 s measured of 2");
        add_all(&mut rule, &[100.0]);
        assert!(rule.finished());
    }

    #[test]
    fn failed_trials_count_but_give_no_rate() {
        let mut rule = MedianInterval::new(2, 3, 0.0, 0.02);
        for _ in 0..3 {
            rule.add(TrialOutcome {
                samples_per_s: None,
                seconds: 0.1,
            });
        }
        assert!(rule.finished(), "the cap ends it");
        assert!(rule.describe().starts_with("no interval"));
    }
}
