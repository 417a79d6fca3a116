//! The trial loop on fake workers: calibration, the stopping rule,
//! failures, the point's own time budget.

use std::time::Instant;

use super::*;
use crate::plan::Experiment;

/// Workers that run nothing: each trial is a record per worker at the
/// next of `rates` (samples/s), or an error; every call is logged.
struct FakeWorkers {
    workers: u32,
    batch: u32,
    rates: Vec<f64>,
    fail_at: Option<usize>,
    calls: std::sync::Arc<std::sync::Mutex<Vec<(u64, u64)>>>,
    timed: usize,
    /// A stall added to every untimed trial's span (not to its ops).
    stall_ns: u64,
}

impl Workers for FakeWorkers {
    fn setup(&self) -> crate::schema::SetupTimes {
        crate::schema::SetupTimes {
            prepare_s: 0.5,
            ..Default::default()
        }
    }

    fn run_trial(
        &mut self,
        ops: u64,
        checks: u64,
        _deadline: Instant,
    ) -> Result<Vec<TrialRecord>, String> {
        self.calls.lock().unwrap().push((ops, checks));
        // Untimed trials (checks 0 in these specs) do not use up rates.
        let i = self.timed;
        if checks > 0 {
            self.timed += 1;
            if self.fail_at == Some(i) {
                return Err("worker 1: device lost".into());
            }
        }
        let rate = self.rates[i.min(self.rates.len() - 1)];
        let span_ns = (ops as f64 * f64::from(self.workers * self.batch) / rate * 1e9) as u64;
        let stall = if checks == 0 { self.stall_ns } else { 0 };
        Ok((0..self.workers)
            .map(|_| TrialRecord {
                start_unix_ns: 1_000,
                end_unix_ns: 1_000 + span_ns + stall,
                ops_completed: ops,
                latencies_ns: vec![span_ns / ops.max(1); ops as usize],
                ops_checked: checks,
                ..Default::default()
            })
            .collect())
    }

    fn kernels(&self) -> Vec<String> {
        vec!["fake".into()]
    }
}

fn spec(text: &str) -> PointSpec {
    let e = Experiment::parse(text, std::path::Path::new("fake.toml")).unwrap();
    e.points[0].clone()
}

type Calls = std::sync::Arc<std::sync::Mutex<Vec<(u64, u64)>>>;

fn fake(workers: u32, batch: u32, rates: &[f64]) -> (Box<FakeWorkers>, Calls) {
    let calls = Calls::default();
    let w = FakeWorkers {
        workers,
        batch,
        rates: rates.to_vec(),
        fail_at: None,
        calls: calls.clone(),
        timed: 0,
        stall_ns: 0,
    };
    (Box::new(w), calls)
}

fn run_out(m: &mut Measuring, round: u32) {
    let gauges = Gauges::host_only();
    while !m.is_finished() {
        m.trial(round, &gauges);
    }
}

const FIXED: &str = "[settings]\ntrial_s = 0\nmin_measured_s = 0\n";

#[test]
fn noisy_trials_run_until_the_cap_and_steady_ones_stop_at_the_minimum() {
    let s = spec(&format!(
        "{FIXED}trials = 3\nmax_trials = 6\nops = 10\nchecks = 4\n[[sweep]]\nworkload = \"linear\"\nstrategy = \"threads\"\nn = [2]\n"
    ));
    let (w, calls) = fake(2, 1, &[100.0, 140.0, 90.0, 130.0, 95.0, 120.0, 999.0]);
    let mut m = Measuring::with_workers(&s, w);
    run_out(&mut m, 0);
    let (point, _) = m.finish();
    assert_eq!(calls.lock().unwrap().len(), 6, "noisy: up to max_trials");
    assert_eq!(
        (
            point.measured.trials,
            point.measured.ops_expected,
            point.measured.ops_completed
        ),
        (6, 6 * 2 * 10, 120)
    );
    assert_eq!(point.measured.status, Status::Ok);
    assert_eq!(point.measured.samples_per_s_trials.len(), 6);
    assert_eq!(point.prepared.setup_s.prepare_s, 0.5);
    let ci = point.measured.samples_per_s_ci.expect("an interval");
    assert!(ci.lo <= 100.0 && ci.hi >= 120.0, "{ci:?}");

    let s = spec(&format!(
        "{FIXED}trials = 6\nmax_trials = 12\ntarget_ci = 0.05\nops = 10\nchecks = 4\n[[sweep]]\nworkload = \"linear\"\nstrategy = \"threads\"\nn = [2]\n"
    ));
    let (w, calls) = fake(2, 1, &[100.0, 101.0, 100.5, 99.5, 100.2, 99.9, 500.0]);
    let mut m = Measuring::with_workers(&s, w);
    run_out(&mut m, 0);
    let (point, _) = m.finish();
    assert_eq!(
        calls.lock().unwrap().len(),
        6,
        "steady after the minimum: no more trials"
    );
    assert_eq!(calls.lock().unwrap()[0], (10, 4), "checks as the file says");
    let sps = point.measured.samples_per_s.unwrap();
    assert!((sps - 100.1).abs() < 0.5, "{sps}");
}

#[test]
fn a_failing_trial_fails_the_point_and_keeps_what_was_measured() {
    let s = spec(&format!(
        "{FIXED}trials = 3\nops = 5\n[[sweep]]\nworkload = \"linear\"\nstrategy = \"batch\"\nn = [4]\n"
    ));
    let (mut w, _) = fake(1, 4, &[1000.0]);
    w.fail_at = Some(1);
    let mut m = Measuring::with_workers(&s, w);
    run_out(&mut m, 0);
    let (point, _) = m.finish();
    assert_eq!(point.measured.status, Status::Failed);
    assert_eq!(
        point.measured.error.as_deref(),
        Some("worker 1: device lost")
    );
    assert_eq!(
        (
            point.measured.trials,
            point.measured.ops_completed,
            point.measured.ops_expected
        ),
        (1, 5, 15)
    );
    assert!(
        point.measured.samples_per_s.is_some(),
        "the completed trial's figure is kept"
    );
}

#[test]
fn trial_s_fits_the_ops_from_growing_calibration_trials() {
    // 1e4 samples/s on one worker: 0.1 s is 1000 ops.
    let s = spec(
        "[settings]\ntrials = 3\nmax_trials = 3\nmin_measured_s = 0\nops = 100000\ntrial_s = 0.1\n[[sweep]]\nworkload = \"linear\"\nstrategy = \"threads\"\nn = [1]\n",
    );
    let (w, calls) = fake(1, 1, &[1e4]);
    let mut m = Measuring::with_workers(&s, w);
    run_out(&mut m, 1);
    let (point, _) = m.finish();
    let calls = calls.lock().unwrap().clone();
    assert_eq!(
        calls
            .iter()
            .take_while(|c| c.1 == 0)
            .map(|c| c.0)
            .collect::<Vec<_>>(),
        vec![1, 4, 16, 64, 256],
        "calibration grows until a trial lasts an eighth of trial_s (256 ops = 25.6 ms)"
    );
    assert_eq!(
        point.measured.ops_per_worker, 1024,
        "the power of two nearest 1000"
    );
    // Each timed trial after the first is preceded by a re-warm of a tenth.
    let timed: Vec<&(u64, u64)> = calls.iter().skip(5).collect();
    assert_eq!(timed.len(), 3 + 2);
    assert_eq!(*timed[1], (102, 0));
    assert_eq!(point.measured.trial_rounds, vec![1, 1, 1]);
}

#[test]
fn a_point_out_of_time_fails_with_the_reason() {
    let s = spec(&format!(
        "{FIXED}trials = 3\nops = 5\ntimeout_s = 0.000001\n[[sweep]]\nworkload = \"linear\"\nstrategy = \"batch\"\nn = [1]\n"
    ));
    let (w, _) = fake(1, 1, &[1000.0]);
    let mut m = Measuring::with_workers(&s, w);
    std::thread::sleep(std::time::Duration::from_millis(2));
    m.used = std::time::Duration::from_millis(1);
    run_out(&mut m, 0);
    let (point, _) = m.finish();
    assert_eq!(point.measured.status, Status::Failed);
    assert!(
        point
            .measured
            .error
            .as_deref()
            .unwrap()
            .contains("timeout_s"),
        "{:?}",
        point.measured.error
    );
}

#[test]
fn a_stall_in_calibration_does_not_shrink_the_trials() {
    // 1e4 samples/s on one worker, but every untimed trial stalls 50 ms:
    // the span says 4 ops took 50 ms, the ops' own latencies say 100 µs.
    let s = spec(
        "[settings]\ntrials = 2\nmax_trials = 2\nmin_measured_s = 0\nops = 100000\ntrial_s = 0.1\n[[sweep]]\nworkload = \"linear\"\nstrategy = \"threads\"\nn = [1]\n",
    );
    let (mut w, _) = fake(1, 1, &[1e4]);
    w.stall_ns = 50_000_000;
    let mut m = Measuring::with_workers(&s, w);
    run_out(&mut m, 0);
    let (point, _) = m.finish();
    assert_eq!(
        point.measured.ops_per_worker, 1024,
        "from the median latency, not the stalled span"
    );
}
