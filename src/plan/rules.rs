//! The rules an experiment file follows, one function each: a rule reads
//! the sweep as written, its settings resolved and what the one strategy
//! table says of its strategy, and either gives the value the plan needs
//! or refuses with the key to blame and the reason.

use super::file::{SettingsFile, SweepFile};
use super::{
    AdapterSpec, MAX_BATCH, MAX_DELAY_US, MAX_OPS, MAX_PROCESSES, MAX_THREADS, MAX_TIMEOUT_S,
    MAX_TRIALS, Settings,
};
use crate::schema::{Launch, Layout, StrategyInfo, SyncMode, WaitStyle};
use crate::workload::SLOTS;

/// A rule's refusal: the key whose line the message names, and why.
pub type Refusal = (&'static str, String);

/// Keys an earlier version took, refused with what replaced them.
pub fn replaced_keys(s: &SettingsFile) -> Result<(), Refusal> {
    match &s.target_spread {
        Some(_) => Err((
            "target_spread",
            "target_spread (the trials' (max − min) / median) was replaced by target_ci: the 95% confidence interval of the median, as a fraction of it either way (target_ci = 0.02 is ±2%)".into(),
        )),
        None => Ok(()),
    }
}

/// Longest name or label: each names a run or a step in file names,
/// tables and legends.
pub const MAX_LABEL: usize = 200;

/// `text`, the value of `key`, is one printable line of at most
/// [`MAX_LABEL`] characters.
pub fn one_line(key: &'static str, text: &str) -> Result<(), Refusal> {
    if text.contains('\n') || crate::printable::has_unsafe(text) {
        return Err((
            key,
            format!(
                "{key} holds a line break or a control character; a {key} is one printable line"
            ),
        ));
    }
    let chars = text.chars().count();
    if chars > MAX_LABEL {
        return Err((
            key,
            format!("{key} is {chars} characters; at most {MAX_LABEL}"),
        ));
    }
    Ok(())
}

/// A label names a step: one printable line.
pub fn label(sweep: &SweepFile) -> Result<(), Refusal> {
    sweep
        .label
        .as_deref()
        .map_or(Ok(()), |l| one_line("label", l))
}

/// Every setting's meaning.
pub fn settings(s: &Settings) -> Result<(), Refusal> {
    let finite_in = |v: f64, lo: f64, hi: f64| v.is_finite() && v >= lo && v <= hi;
    if !(finite_in(s.timeout_s, 0.0, MAX_TIMEOUT_S) && s.timeout_s > 0.0) {
        return Err((
            "timeout_s",
            format!(
                "timeout_s must be more than 0 and at most {MAX_TIMEOUT_S} (a week), not {}",
                s.timeout_s
            ),
        ));
    }
    if !finite_in(s.warmup_s, 0.0, s.timeout_s) || (s.warmup_s > 0.0 && s.warmup_s >= s.timeout_s) {
        return Err((
            "warmup_s",
            format!(
                "warmup_s must be between 0 and below timeout_s ({}), not {}: a point that warms up for its whole timeout can only fail",
                s.timeout_s, s.warmup_s
            ),
        ));
    }
    if let Some(t) = s.trial_s
        && !(finite_in(t, 0.0, s.timeout_s) && t > 0.0)
    {
        return Err((
            "trial_s",
            format!(
                "trial_s must be 0 (off: `ops` ops a trial) or more, and at most timeout_s ({}), not {t}",
                s.timeout_s
            ),
        ));
    }
    if s.ops == 0 || s.ops > MAX_OPS {
        return Err(("ops", format!("ops must be 1 to {MAX_OPS}, not {}", s.ops)));
    }
    if s.warmup_ops > MAX_OPS {
        return Err((
            "warmup_ops",
            format!("warmup_ops must be at most {MAX_OPS}, not {}", s.warmup_ops),
        ));
    }
    if s.checks > MAX_OPS {
        return Err((
            "checks",
            format!("checks must be at most {MAX_OPS}, not {}", s.checks),
        ));
    }
    if s.trials.get() > MAX_TRIALS {
        return Err(("trials", format!("trials must be at most {MAX_TRIALS}")));
    }
    if s.max_trials < s.trials || s.max_trials.get() > MAX_TRIALS {
        return Err((
            "max_trials",
            format!(
                "max_trials ({}) must be at least trials ({}) and at most {MAX_TRIALS}",
                s.max_trials, s.trials
            ),
        ));
    }
    if !(finite_in(s.target_ci, 0.0, 10.0) && s.target_ci > 0.0) {
        return Err((
            "target_ci",
            format!(
                "target_ci must be more than 0 (0.02 = a 95% interval within ±2% of the median), not {}",
                s.target_ci
            ),
        ));
    }
    if !finite_in(s.min_measured_s, 0.0, s.timeout_s) {
        return Err((
            "min_measured_s",
            format!(
                "min_measured_s must be between 0 and timeout_s ({}), not {}",
                s.timeout_s, s.min_measured_s
            ),
        ));
    }
    Ok(())
}

/// Samples per op of each worker: the sweep's `batch`, for strategies
/// that take it (1 where it is not given), none for the others.
pub fn worker_batch(sweep: &SweepFile, info: &StrategyInfo) -> Result<Option<u32>, Refusal> {
    match sweep.batch {
        None => Ok(info.takes_worker_batch.then_some(1)),
        Some(b) if !info.takes_worker_batch => Err((
            "batch",
            format!(
                "batch (samples per op of each worker) is for hybrid and gpus; {} sets its layout from n (got batch = {b})",
                sweep.strategy
            ),
        )),
        Some(b) if b == 0 || b > MAX_BATCH => {
            Err(("batch", format!("batch must be 1 to {MAX_BATCH}, not {b}")))
        }
        Some(b) => Ok(Some(b)),
    }
}

/// A batching strategy's limits (requests per dispatch, µs of waiting),
/// 16 and 200 where not given; none for the others, which may not set them.
pub fn batching_limits(
    sweep: &SweepFile,
    info: &StrategyInfo,
) -> Result<Option<(u32, u64)>, Refusal> {
    if !info.takes_batching_limits {
        return match (sweep.max_batch, sweep.max_delay_us) {
            (None, None) => Ok(None),
            (b, _) => Err((
                if b.is_some() {
                    "max_batch"
                } else {
                    "max_delay_us"
                },
                format!(
                    "max_batch and max_delay_us are for strategy = \"server\"; {} does not batch requests",
                    sweep.strategy
                ),
            )),
        };
    }
    let b = sweep.max_batch.unwrap_or(16);
    if b == 0 || b > 4096 {
        return Err(("max_batch", format!("max_batch must be 1 to 4096, not {b}")));
    }
    let d = sweep.max_delay_us.unwrap_or(200);
    if d > MAX_DELAY_US {
        return Err((
            "max_delay_us",
            format!("max_delay_us must be at most {MAX_DELAY_US} (a minute), not {d}"),
        ));
    }
    Ok(Some((b, d)))
}

/// Open-loop clients: only where there are clients, at a sane rate, and
/// with trials that fit the point's time.
pub fn arrival_rate(sweep: &SweepFile, info: &StrategyInfo, s: &Settings) -> Result<(), Refusal> {
    let Some(rate) = sweep.arrival_rate_per_s else {
        return Ok(());
    };
    if !info.answers_requests {
        return Err((
            "arrival_rate_per_s",
            format!(
                "arrival_rate_per_s (open-loop clients) is for queue and server; {} has no clients",
                sweep.strategy
            ),
        ));
    }
    if !(rate.is_finite() && (1e-3..=1e7).contains(&rate)) {
        return Err((
            "arrival_rate_per_s",
            format!("arrival_rate_per_s must be between 0.001 and 10,000,000, not {rate}"),
        ));
    }
    // A trial lasts trial_s where the ops are fitted (but a request per
    // client at least), else ops / rate.
    let trial_s = s.trial_s.map_or(s.ops as f64 / rate, |t| t.max(1.0 / rate));
    let total = trial_s * f64::from(s.trials.get());
    if total > s.timeout_s {
        return Err((
            "arrival_rate_per_s",
            format!(
                "trials of {trial_s:.0} s at {rate}/s per client take {total:.0} s for {} trials: more than timeout_s ({}); raise the rate or the timeout, or shorten the trials",
                s.trials, s.timeout_s
            ),
        ));
    }
    Ok(())
}

/// How the host waits: `auto` is a peer's record, never curves' own.
pub fn wait_style(sweep: &SweepFile) -> Result<WaitStyle, Refusal> {
    match sweep.wait {
        Some(WaitStyle::Auto) => Err((
            "wait",
            "wait = \"auto\" is what a framework peer records when it leaves CUDA's schedule at its default; curves waits block, spin or callback".into(),
        )),
        w => Ok(w.unwrap_or_default()),
    }
}

/// When the host waits: a strategy that answers requests must wait for
/// each answer.
pub fn sync_mode(sweep: &SweepFile, info: &StrategyInfo) -> Result<SyncMode, Refusal> {
    let sync = sweep.sync.unwrap_or(SyncMode::Readback);
    if info.answers_requests && sync == SyncMode::End {
        return Err((
            "sync",
            format!(
                "{} answers each request once it is done, so sync = \"end\" (no waiting until the trial ends) does not make sense for it; use readback, wait, device or pipeline:D (at most D batches in flight)",
                sweep.strategy
            ),
        ));
    }
    Ok(sync)
}

/// Recording ahead needs the pool, and a host that waits after every op
/// (a GPU owner waits for every batch it answers, pipelined or not).
pub fn encode_ahead(
    sweep: &SweepFile,
    info: &StrategyInfo,
    s: &Settings,
    sync: SyncMode,
) -> Result<(), Refusal> {
    if !s.encode_ahead {
        return Ok(());
    }
    let key = if sweep.encode_ahead.is_some() {
        "encode_ahead"
    } else {
        "sync"
    };
    if !s.pool {
        return Err((
            key,
            "encode_ahead records each op before it runs, and without the pool (pool = false) an op's buffers are allocated when it is recorded, so the last op recorded ahead (never run) would take the place of its slot's output; use encode_ahead with the pool".into(),
        ));
    }
    if !info.answers_requests && !sync.waits_per_op() {
        return Err((
            key,
            format!(
                "encode_ahead records the next op while the host waits for this one, so it needs a sync mode that waits after every op (readback, wait, device), not {sync}: under pipeline and end encoding already overlaps the GPU"
            ),
        ));
    }
    Ok(())
}

/// Writing inputs from the host before every op: for workers that run
/// their own ops, with the pool, and few enough ops in flight that a
/// slot's input is free again when it is rewritten.
pub fn upload_inputs(
    sweep: &SweepFile,
    info: &StrategyInfo,
    s: &Settings,
    sync: SyncMode,
) -> Result<(), Refusal> {
    if !s.upload_inputs {
        return Ok(());
    }
    let key = if sweep.upload_inputs.is_some() {
        "upload_inputs"
    } else {
        "strategy"
    };
    if !info.runs_own_ops {
        return Err((
            key,
            format!(
                "upload_inputs is for workers that run their own ops in this process (threads, batch, hybrid), not {}: a queue or server owner writes its requests' rows anyway",
                sweep.strategy
            ),
        ));
    }
    if !s.pool {
        return Err((
            key,
            "upload_inputs writes each op's input into the pool's buffers; without the pool (pool = false) every op's input is uploaded afresh already".into(),
        ));
    }
    if sync == SyncMode::End || sync.depth() >= SLOTS {
        return Err((
            key,
            format!(
                "upload_inputs rewrites an op's input only once the op before it in its slot is done, so it needs at most {} ops in flight (readback, wait, device, pipeline:2 or pipeline:{}), not {sync}",
                SLOTS - 1,
                SLOTS - 1
            ),
        ));
    }
    Ok(())
}

/// `launch` and `adapters`: only for a strategy that spreads over
/// adapters, and a list names each adapter once.
pub fn spread(sweep: &SweepFile, info: &StrategyInfo) -> Result<Launch, Refusal> {
    if !info.spreads && (sweep.launch.is_some() || sweep.adapters.is_some()) {
        return Err((
            if sweep.launch.is_some() {
                "launch"
            } else {
                "adapters"
            },
            format!(
                "launch and adapters are for strategy = \"gpus\"; {} runs on the run's adapter",
                sweep.strategy
            ),
        ));
    }
    if let Some(AdapterSpec::Indices(list)) = &sweep.adapters {
        if list.is_empty() {
            return Err((
                "adapters",
                "adapters is empty; list adapter indices from `curves adapters`, or \"all\"".into(),
            ));
        }
        for (i, a) in list.iter().enumerate() {
            if list[..i].contains(a) {
                return Err((
                    "adapters",
                    format!("adapter {a} is listed twice: a multi-GPU point needs each GPU once"),
                ));
            }
        }
    }
    Ok(sweep.launch.unwrap_or_default())
}

/// Each N of the sweep with its layout: listed once, nonzero, within the
/// limits of threads, processes and samples per op.
pub fn n_values(
    sweep: &SweepFile,
    worker_batch: Option<u32>,
    launch: Launch,
) -> Result<Vec<(u32, Layout)>, Refusal> {
    if sweep.n.is_empty() {
        return Err((
            "n",
            "n is empty; list at least one N, such as n = [1, 2, 4]".into(),
        ));
    }
    let mut out = Vec::new();
    for (i, &n) in sweep.n.iter().enumerate() {
        if n == 0 {
            return Err((
                "n",
                "n must be nonzero: N counts workers, clients or samples".into(),
            ));
        }
        if sweep.n[..i].contains(&n) {
            return Err(("n", format!("N = {n} is listed twice")));
        }
        let layout = Layout::of(sweep.strategy, n, worker_batch, launch);
        for (what, value, max) in [
            ("threads", layout.threads, MAX_THREADS),
            ("processes", layout.processes, MAX_PROCESSES),
            ("samples per op", layout.batch, MAX_BATCH),
        ] {
            if value > max {
                return Err(("n", format!("N = {n} needs {value} {what}; at most {max}")));
            }
        }
        out.push((n, layout));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::StrategyKind;

    fn sweep(text: &str) -> SweepFile {
        toml::from_str(text).unwrap()
    }

    fn info(k: StrategyKind) -> &'static StrategyInfo {
        k.info()
    }

    #[test]
    fn worker_batch_only_where_the_table_takes_it() {
        let s = sweep("workload = \"linear\"\nstrategy = \"hybrid\"\nn = [1]\nbatch = 32\n");
        assert_eq!(worker_batch(&s, info(StrategyKind::Hybrid)), Ok(Some(32)));
        let s = sweep("workload = \"linear\"\nstrategy = \"threads\"\nn = [1]\nbatch = 32\n");
        assert_eq!(
            worker_batch(&s, info(StrategyKind::Threads)).unwrap_err().0,
            "batch"
        );
        let s = sweep("workload = \"linear\"\nstrategy = \"gpus\"\nn = [1]\n");
        assert_eq!(worker_batch(&s, info(StrategyKind::Gpus)), Ok(Some(1)));
    }

    #[test]
    fn batching_limits_default_and_are_refused_elsewhere() {
        let s = sweep("workload = \"linear\"\nstrategy = \"server\"\nn = [1]\n");
        assert_eq!(
            batching_limits(&s, info(StrategyKind::Server)),
            Ok(Some((16, 200)))
        );
        let s = sweep("workload = \"linear\"\nstrategy = \"queue\"\nn = [1]\nmax_delay_us = 5\n");
        assert_eq!(
            batching_limits(&s, info(StrategyKind::Queue))
                .unwrap_err()
                .0,
            "max_delay_us"
        );
        let s = sweep("workload = \"linear\"\nstrategy = \"server\"\nn = [1]\nmax_batch = 0\n");
        assert_eq!(
            batching_limits(&s, info(StrategyKind::Server))
                .unwrap_err()
                .0,
            "max_batch"
        );
    }

    #[test]
    fn open_loop_needs_clients_a_sane_rate_and_time() {
        let base = Settings::default();
        let s = sweep(
            "workload = \"linear\"\nstrategy = \"batch\"\nn = [1]\narrival_rate_per_s = 100.0\n",
        );
        assert!(arrival_rate(&s, info(StrategyKind::Batch), &base).is_err());
        let s = sweep(
            "workload = \"linear\"\nstrategy = \"server\"\nn = [1]\narrival_rate_per_s = 100.0\n",
        );
        assert!(arrival_rate(&s, info(StrategyKind::Server), &base).is_ok());
        let fixed = Settings {
            trial_s: None,
            ops: 1_000_000,
            ..Settings::default()
        };
        let e = arrival_rate(&s, info(StrategyKind::Server), &fixed).unwrap_err();
        assert!(e.1.contains("timeout_s"), "{}", e.1);
    }

    #[test]
    fn sync_and_wait_refuse_what_cannot_run() {
        let s = sweep("workload = \"linear\"\nstrategy = \"server\"\nn = [1]\nsync = \"end\"\n");
        assert_eq!(
            sync_mode(&s, info(StrategyKind::Server)).unwrap_err().0,
            "sync"
        );
        assert_eq!(sync_mode(&s, info(StrategyKind::Batch)), Ok(SyncMode::End));
        let s = sweep("workload = \"linear\"\nstrategy = \"batch\"\nn = [1]\nwait = \"auto\"\n");
        assert_eq!(wait_style(&s).unwrap_err().0, "wait");
    }

    #[test]
    fn encode_ahead_needs_the_pool_and_a_wait_per_op() {
        let s =
            sweep("workload = \"linear\"\nstrategy = \"batch\"\nn = [1]\nencode_ahead = true\n");
        let on = Settings {
            encode_ahead: true,
            ..Settings::default()
        };
        let b = info(StrategyKind::Batch);
        assert!(encode_ahead(&s, b, &on, SyncMode::Readback).is_ok());
        assert!(encode_ahead(&s, b, &on, SyncMode::Pipeline(2)).is_err());
        let no_pool = Settings { pool: false, ..on };
        assert_eq!(
            encode_ahead(&s, b, &no_pool, SyncMode::Readback)
                .unwrap_err()
                .0,
            "encode_ahead"
        );
    }

    #[test]
    fn upload_inputs_needs_own_ops_the_pool_and_free_slots() {
        let s =
            sweep("workload = \"linear\"\nstrategy = \"queue\"\nn = [1]\nupload_inputs = true\n");
        let on = Settings {
            upload_inputs: true,
            ..Settings::default()
        };
        assert!(upload_inputs(&s, info(StrategyKind::Queue), &on, SyncMode::Readback).is_err());
        assert!(upload_inputs(&s, info(StrategyKind::Hybrid), &on, SyncMode::Readback).is_ok());
        let e = upload_inputs(&s, info(StrategyKind::Threads), &on, SyncMode::Pipeline(4));
        assert!(e.unwrap_err().1.contains("at most 3 ops in flight"));
    }

    #[test]
    fn spread_keys_are_for_gpus_and_name_each_adapter_once() {
        let s = sweep(
            "workload = \"linear\"\nstrategy = \"threads\"\nn = [1]\nlaunch = \"processes\"\n",
        );
        assert_eq!(
            spread(&s, info(StrategyKind::Threads)).unwrap_err().0,
            "launch"
        );
        let s = sweep("workload = \"linear\"\nstrategy = \"gpus\"\nn = [1]\nadapters = [0, 0]\n");
        assert!(
            spread(&s, info(StrategyKind::Gpus))
                .unwrap_err()
                .1
                .contains("twice")
        );
        let s =
            sweep("workload = \"linear\"\nstrategy = \"gpus\"\nn = [1]\nlaunch = \"processes\"\n");
        assert_eq!(spread(&s, info(StrategyKind::Gpus)), Ok(Launch::Processes));
    }

    #[test]
    fn n_is_listed_once_nonzero_and_within_limits() {
        let s = sweep("workload = \"linear\"\nstrategy = \"threads\"\nn = [1, 2, 2]\n");
        assert!(
            n_values(&s, None, Launch::Threads)
                .unwrap_err()
                .1
                .contains("twice")
        );
        let s = sweep("workload = \"linear\"\nstrategy = \"threads\"\nn = [0]\n");
        assert!(n_values(&s, None, Launch::Threads).is_err());
        let s = sweep("workload = \"linear\"\nstrategy = \"threads\"\nn = [2048]\n");
        assert!(
            n_values(&s, None, Launch::Threads)
                .unwrap_err()
                .1
                .contains("threads")
        );
        let s = sweep("workload = \"linear\"\nstrategy = \"batch\"\nn = [8]\n");
        assert_eq!(n_values(&s, None, Launch::Threads).unwrap()[0].1.batch, 8);
    }

    #[test]
    fn settings_refuse_a_warm_up_as_long_as_the_timeout() {
        let s = Settings {
            warmup_s: 300.0,
            ..Settings::default()
        };
        assert_eq!(settings(&s).unwrap_err().0, "warmup_s");
        assert!(settings(&Settings::default()).is_ok());
        let old = SettingsFile {
            target_spread: Some(toml::Value::Float(0.1)),
            ..SettingsFile::default()
        };
        assert_eq!(replaced_keys(&old).unwrap_err().0, "target_spread");
    }
}
