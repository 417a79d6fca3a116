//! Turning the workers' raw trial records into a point's measurement
//! (`schema::Measurement`): throughput per trial, latencies, phases,
//! checks, status. Figures across points (speedup, efficiency) are
//! `analysis`'s.

use std::collections::BTreeMap;

use super::record::{OwnerPhases, TrialRecord};
use crate::schema::{
    Conditions, Measurement, OwnerBreakdown, PhaseBreakdown, Status, TimingMethod,
};
use crate::stats;

/// One trial of a point: every worker's record, and what the runner read
/// around it.
#[derive(Clone, Debug, Default)]
pub struct TrialRun {
    pub records: Vec<TrialRecord>,
    /// The round of interleaved trials it ran in.
    pub round: u32,
    /// The GPU's SM clock around the trial (lower of start and end), and
    /// its highest, MHz, where they can be read.
    pub gpu_clock_mhz: Option<f64>,
    pub gpu_clock_max_mhz: Option<f64>,
    /// The host's one-minute load average at its start.
    pub load_1m: Option<f64>,
}

impl TrialRun {
    pub fn of(records: Vec<TrialRecord>) -> Self {
        Self {
            records,
            ..Self::default()
        }
    }
}

/// `trials[t].records[w]` is worker `w`'s record of trial `t`. A trial's
/// throughput is all its workers' ops over the span from the first
/// worker's start to the last one's end; only complete trials count.
/// Each worker ran `ops_per_worker` ops a trial, `ops_expected` in all.
pub fn summarize(
    trials: &[TrialRun],
    batch: u32,
    ops_per_worker: u64,
    ops_expected: u64,
    error: Option<String>,
) -> Measurement {
    let mut samples_per_s_trials = Vec::new();
    let mut ops_per_s_trials = Vec::new();
    let mut latencies_us = Vec::new();
    let (mut encode, mut submit, mut wait, mut readback, mut gpu) =
        (vec![], vec![], vec![], vec![], vec![]);
    let (mut completed, mut checked, mut wrong) = (0u64, 0u64, 0u64);
    let mut max_rel_error: Option<f64> = None;
    let mut first_error = error;
    let mut measured_s = 0.0;
    let (mut queue_us, mut service_us) = (Vec::new(), Vec::new());
    let mut batch_sizes = BTreeMap::new();
    let mut owner = OwnerPhases::default();
    let mut adapter_ops = BTreeMap::new();
    let mut trial_rounds = Vec::new();
    let mut conditions = Conditions::default();
    for trial in trials {
        let records = &trial.records;
        conditions.gpu_clock_mhz.extend(trial.gpu_clock_mhz);
        conditions.load_1m.extend(trial.load_1m);
        if let Some(max) = trial.gpu_clock_max_mhz {
            conditions.gpu_clock_max_mhz =
                Some(conditions.gpu_clock_max_mhz.unwrap_or(0.0).max(max));
        }
        let mut trial_ops = 0u64;
        for r in records {
            trial_ops = trial_ops.saturating_add(r.ops_completed);
            checked = checked.saturating_add(r.ops_checked);
            wrong = wrong.saturating_add(r.ops_wrong);
            if r.ops_checked > 0 {
                max_rel_error = Some(max_rel_error.unwrap_or(0.0).max(r.max_rel_error));
            }
            latencies_us.extend(r.latencies_ns.iter().map(|&ns| ns as f64 / 1e3));
            encode.extend_from_slice(&r.phases.encode_ns);
            submit.extend_from_slice(&r.phases.submit_ns);
            wait.extend_from_slice(&r.phases.wait_ns);
            readback.extend_from_slice(&r.phases.readback_ns);
            gpu.extend_from_slice(&r.gpu_ns);
            queue_us.extend(r.queue_ns.iter().map(|&ns| ns as f64 / 1e3));
            service_us.extend(r.service_ns.iter().map(|&ns| ns as f64 / 1e3));
            owner.extend_from(&r.owner);
            for (size, count) in &r.batch_sizes {
                *batch_sizes.entry(*size).or_insert(0) += count;
            }
            if let Some(a) = r.adapter {
                *adapter_ops.entry(a).or_insert(0) += r.ops_completed;
            }
            if first_error.is_none() {
                first_error.clone_from(&r.error);
            }
        }
        completed = completed.saturating_add(trial_ops);
        let start = records.iter().map(|r| r.start_unix_ns).min();
        let end = records.iter().map(|r| r.end_unix_ns).max();
        let complete = records.iter().all(|r| r.error.is_none());
        if let (Some(start), Some(end)) = (start, end) {
            measured_s += end.saturating_sub(start) as f64 / 1e9;
        }
        if let (Some(start), Some(end), true) = (start, end, complete)
            && end > start
        {
            let wall_s = (end - start) as f64 / 1e9;
            ops_per_s_trials.push(trial_ops as f64 / wall_s);
            samples_per_s_trials.push(trial_ops as f64 * f64::from(batch) / wall_s);
            trial_rounds.push(trial.round);
        }
    }
    let status = if first_error.is_some() || completed != ops_expected {
        Status::Failed
    } else if wrong > 0 {
        Status::Wrong
    } else {
        Status::Ok
    };
    let error = first_error.or_else(|| match status {
        Status::Failed => Some(format!("{completed} of {ops_expected} ops completed")),
        Status::Wrong => Some(format!(
            "{wrong} of {checked} checked ops differ from the CPU reference (max relative error {:.2e})",
            max_rel_error.unwrap_or(f64::NAN)
        )),
        Status::Ok | Status::Unsupported | Status::Invalid => None,
    });
    let phases_us = (|| {
        Some(PhaseBreakdown {
            encode: stats::center_us(&encode)?,
            submit: stats::center_us(&submit)?,
            gpu: stats::center_us(&gpu),
            wait: stats::center_us(&wait)?,
            readback: stats::center_us(&readback)?,
        })
    })();
    Measurement {
        trials: trials.len() as u32,
        ops_per_worker,
        ops_expected,
        queue_us: stats::latency(&queue_us),
        service_us: stats::latency(&service_us),
        batch_sizes,
        owner_us: (|| {
            Some(OwnerBreakdown {
                rows: stats::center_us(&owner.rows_ns)?,
                answer: stats::center_us(&owner.answer_ns)?,
                idle: stats::center_us(&owner.idle_ns),
            })
        })(),
        adapter_ops,
        measured_s,
        latency_histogram: stats::log_histogram(&latencies_us),
        timing_method: if gpu.is_empty() {
            TimingMethod::WallClock
        } else {
            TimingMethod::GpuTimestamps
        },
        phases_us,
        samples_per_s: stats::median(&samples_per_s_trials),
        samples_per_s_spread: stats::spread(&samples_per_s_trials),
        samples_per_s_ci: stats::median_ci(&samples_per_s_trials, stats::LEVEL),
        // Rounds say something only where a point shared them.
        trial_rounds: if trial_rounds.iter().any(|&r| r > 0) {
            trial_rounds
        } else {
            Vec::new()
        },
        conditions: (conditions != Conditions::default()).then_some(conditions),
        ops_per_s: stats::median(&ops_per_s_trials),
        samples_per_s_trials,
        latency_us: stats::latency(&latencies_us),
        ops_completed: completed,
        ops_checked: checked,
        ops_wrong: wrong,
        max_rel_error,
        status,
        error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::record::Phases;

    fn record(start_s: f64, end_s: f64, ops: u64, wrong: u64) -> TrialRecord {
        TrialRecord {
            start_unix_ns: (start_s * 1e9) as u64,
            end_unix_ns: (end_s * 1e9) as u64,
            ops_completed: ops,
            latencies_ns: vec![1000; ops as usize],
            phases: Phases {
                encode_ns: vec![100; ops as usize],
                submit_ns: vec![200; ops as usize],
                wait_ns: vec![600; ops as usize],
                readback_ns: vec![100; ops as usize],
            },
            gpu_ns: vec![300],
            ops_checked: 1,
            ops_wrong: wrong,
            max_rel_error: if wrong > 0 { 0.5 } else { 1e-7 },
            adapter: Some(0),
            ..Default::default()
        }
    }

    #[test]
    fn throughput_spans_all_workers_of_a_trial() {
        // Two workers, 10 ops each, together from t=1 to t=3: 10 ops/s.
        let mut second = record(1.5, 3.0, 10, 0);
        second.adapter = Some(1);
        let trials = vec![TrialRun::of(vec![record(1.0, 2.0, 10, 0), second])];
        let s = summarize(&trials, 4, 10, 20, None);
        assert_eq!(s.ops_per_s, Some(10.0));
        assert_eq!(s.measured_s, 2.0);
        assert_eq!(s.samples_per_s_spread.unwrap().median, 40.0);
        assert_eq!(s.latency_us.unwrap().p50, 1.0);
        let phases = s.phases_us.unwrap();
        assert_eq!(
            (
                phases.encode.median,
                phases.submit.median,
                phases.wait.median
            ),
            (0.1, 0.2, 0.6)
        );
        assert_eq!(phases.gpu.unwrap().median, 0.3);
        assert_eq!(s.timing_method, TimingMethod::GpuTimestamps);
        assert_eq!(s.latency_histogram.iter().map(|b| b.count).sum::<u64>(), 20);
        assert_eq!(s.adapter_ops, BTreeMap::from([(0, 10), (1, 10)]));
        assert_eq!((s.status, s.error), (Status::Ok, None));
    }

    #[test]
    fn wrong_outputs_and_missing_ops_are_reported() {
        let s = summarize(
            &[TrialRun::of(vec![record(0.0, 1.0, 10, 1)])],
            1,
            10,
            10,
            None,
        );
        assert_eq!(s.status, Status::Wrong);
        assert!(s.error.unwrap().contains("1 of 1 checked ops"));

        let mut short = record(0.0, 1.0, 7, 0);
        short.error = Some("device lost".into());
        let s = summarize(&[TrialRun::of(vec![short])], 1, 10, 10, None);
        assert_eq!(s.status, Status::Failed);
        assert_eq!(s.ops_completed, 7);
        assert_eq!(s.error.as_deref(), Some("device lost"));
        assert!(
            s.samples_per_s_spread.is_none(),
            "an incomplete trial has no throughput"
        );
    }

    #[test]
    fn an_owners_costs_are_summarised_across_trials_and_idle_only_where_recorded() {
        let owner = |rows: u64, answer: u64, idle: Vec<u64>| {
            let mut r = record(0.0, 1.0, 4, 0);
            r.owner = OwnerPhases {
                rows_ns: vec![rows; 2],
                answer_ns: vec![answer; 2],
                idle_ns: idle,
            };
            r
        };
        let trials = vec![
            TrialRun::of(vec![owner(500, 3000, vec![])]),
            TrialRun::of(vec![owner(700, 4000, vec![20_000, 30_000])]),
        ];
        let costs = summarize(&trials, 1, 4, 8, None)
            .owner_us
            .expect("owner costs");
        assert_eq!(costs.rows.mean, 0.6);
        assert_eq!(costs.answer.mean, 3.5);
        assert_eq!(costs.idle.map(|i| i.mean), Some(25.0));
        // Workers that are no owner record none, and the point says none.
        let plain = summarize(&[TrialRun::of(vec![record(0.0, 1.0, 4, 0)])], 1, 4, 4, None);
        assert_eq!(plain.owner_us, None);
    }
}
