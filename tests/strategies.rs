//! Every strategy completes exactly the expected ops, with no wrong output,
//! on the adapter at hand: a real run through the CLI, read back from its
//! result files.

mod common;

use curves::analysis::Analysis;
use curves::schema::{Status, StrategyKind, Upload};

const TINY: &str = r#"
name = "tiny"
[settings]
trial_s = 0
min_measured_s = 0
warmup_ops = 2
trials = 2
max_trials = 2
ops = 6
checks = 3
timeout_s = 120

[[sweep]]
workload = "linear"
strategy = "threads"
n = [1, 3]

[[sweep]]
workload = "linear"
dims = [40, 70]
strategy = "batch"
n = [1, 5]

[[sweep]]
workload = "linear"
strategy = "processes"
n = [1, 2]
"#;

/// Every workload under every strategy, in a tiny run on `backend`.
fn every_strategy_and_workload_on(backend: &str) {
    let mut text = String::from(TINY);
    for (workload, dims) in [("mlp", "[20, 33, 7]"), ("transformer", "[32, 2, 5, 48]")] {
        for strategy in ["threads", "batch", "processes"] {
            text += &format!(
                "[[sweep]]\nworkload = \"{workload}\"\ndims = {dims}\nstrategy = \"{strategy}\"\nn = [1, 2]\n"
            );
        }
    }
    text += "[[sweep]]\nworkload = \"linear\"\nstrategy = \"devices\"\nn = [1, 2]\n";
    text += "[[sweep]]\nworkload = \"linear\"\nstrategy = \"queue\"\nn = [1, 3]\n";
    text += "[[sweep]]\nworkload = \"linear\"\nstrategy = \"hybrid\"\nbatch = 3\nn = [1, 2]\n";
    let (_dir, run) = common::run_experiment(common::curves(), &text, &["--backend", backend]);
    assert_eq!(run.info.experiment_name, "tiny");
    assert_eq!(run.info.experiment_text, text);
    assert_eq!(run.info.adapter.backend, backend);
    assert!(run.info.finished_at.is_some());
    assert!(run.info.cpu_count >= 1);

    let shapes: Vec<_> = run.points[..6]
        .iter()
        .map(|p| {
            (
                p.config.strategy.name(),
                p.n,
                p.layout.threads,
                p.layout.processes,
                p.layout.batch,
            )
        })
        .collect();
    assert_eq!(
        shapes,
        vec![
            ("threads", 1, 1, 1, 1),
            ("threads", 3, 3, 1, 1),
            ("batch", 1, 1, 1, 1),
            ("batch", 5, 1, 1, 5),
            ("processes", 1, 1, 1, 1),
            ("processes", 2, 1, 2, 1),
        ]
    );
    let hybrid = run.points.last().unwrap();
    assert_eq!(
        (
            hybrid.config.strategy.name(),
            hybrid.n,
            hybrid.layout.threads,
            hybrid.layout.batch
        ),
        ("hybrid", 2, 2, 3)
    );
    assert_eq!(run.points.len(), 6 + 2 * 3 * 2 + 2 + 2 + 2);
    let queue = run
        .points
        .iter()
        .find(|p| p.config.strategy == StrategyKind::Queue && p.n == 3)
        .unwrap();
    assert_eq!(
        (
            queue.layout.threads,
            queue.layout.processes,
            queue.layout.batch
        ),
        (3, 1, 1),
        "three clients, one GPU owner"
    );
    // The owner writes its requests' rows into inputs it maps where the
    // backend can bind a mappable buffer (not GL), else it stages them.
    let upload = if backend == "gl" {
        Upload::Staged
    } else {
        Upload::Mapped
    };
    assert_eq!(queue.prepared.upload, Some(upload), "{backend}");
    assert!(
        run.points
            .iter()
            .filter(|p| p.config.strategy != StrategyKind::Queue)
            .all(|p| p.prepared.upload.is_none()),
        "only an owner uploads requests"
    );
    for p in &run.points {
        let what = format!(
            "{} {} N={} on {backend}: {:?}",
            p.config.workload_label(),
            p.config.strategy,
            p.n,
            p.measured.error
        );
        let workers = u64::from(p.layout.threads * p.layout.processes);
        assert_eq!(p.measured.status, Status::Ok, "{what}");
        assert_eq!(p.measured.ops_expected, 2 * 6 * workers, "{what}");
        assert_eq!(p.measured.ops_completed, p.measured.ops_expected, "{what}");
        // A GPU owner's clients check every answer; other workers sample.
        let checked = if p.config.strategy == StrategyKind::Queue {
            p.measured.ops_completed
        } else {
            2 * 3 * workers
        };
        assert_eq!(p.measured.ops_checked, checked, "{what}");
        assert_eq!(p.measured.ops_wrong, 0, "{what}");
        assert_eq!(p.measured.samples_per_s_trials.len(), 2, "{what}");
        let sps = p.measured.samples_per_s.unwrap();
        assert!(sps.is_finite() && sps > 0.0, "{what}");
        let ops = p.measured.ops_per_s.unwrap();
        assert!(
            (sps / ops - f64::from(p.layout.batch)).abs() < 1e-6 * sps,
            "{what}: samples/s = batch × ops/s"
        );
        let lat = p.measured.latency_us.unwrap();
        assert!(
            lat.p50 > 0.0 && lat.p50 <= lat.p99 && lat.p99 <= lat.max,
            "{what}"
        );
        assert!(
            p.prepared.setup_s.prepare_s > 0.0 && p.prepared.setup_s.start_s > 0.0,
            "{what}"
        );
    }
    // Speedup and efficiency are the analysis's, derived from the files.
    let runs = [run.clone()];
    let analysis = Analysis::of(&runs);
    for c in analysis
        .curves
        .iter()
        .filter(|c| c.strategy() != StrategyKind::Queue)
    {
        for p in &c.points {
            let what = format!("{} {} N={}", c.workload_label(), c.label, p.point.n);
            let (s, e) = (p.speedup.expect(&what), p.efficiency.expect(&what));
            if p.point.n == 1 {
                assert_eq!((s.value, e.value), (1.0, 1.0), "{what}");
                assert!(
                    s.lo <= 1.0 && s.hi >= 1.0,
                    "{what}: its own trials bound it"
                );
            } else {
                assert!(
                    (e.value - s.value / f64::from(p.point.n)).abs() < 1e-12,
                    "{what}"
                );
            }
        }
    }
    let devices = run
        .points
        .iter()
        .find(|p| p.config.strategy == StrategyKind::Devices && p.n == 2)
        .unwrap();
    assert_eq!(
        (
            devices.layout.threads,
            devices.layout.processes,
            devices.layout.batch
        ),
        (2, 1, 1)
    );
    assert!(
        devices.prepared.setup_s.device_s > 0.0,
        "each devices worker opens its own device"
    );
    let processes = run
        .points
        .iter()
        .find(|p| p.config.strategy == StrategyKind::Processes && p.n == 2)
        .unwrap();
    assert!(
        processes.prepared.setup_s.device_s > 0.0,
        "each worker process opens its own device"
    );
}

#[test]
fn every_strategy_and_workload_completes_the_expected_ops_on_vulkan() {
    every_strategy_and_workload_on("vulkan");
}

#[test]
fn every_strategy_and_workload_completes_the_expected_ops_on_gl() {
    every_strategy_and_workload_on("gl");
}

/// Where the adapter has no f16 (GL), an f16 point is `unsupported` with
/// the reason, and the run goes on.
#[test]
fn f16_without_shader_f16_is_unsupported_and_the_run_goes_on() {
    let text = "[settings]\ntrial_s = 0\nmin_measured_s = 0\nops = 3\ntrials = 1\nmax_trials = 1\n[[sweep]]\nworkload = \"linear\"\nstrategy = \"batch\"\nn = [2]\nprecision = \"f16\"\n\
                [[sweep]]\nworkload = \"linear\"\nstrategy = \"batch\"\nn = [2]\n";
    let (_dir, run) = common::run_experiment(common::curves(), text, &["--backend", "gl"]);
    assert!(!run.info.adapter.shader_f16);
    assert_eq!(run.points[0].measured.status, Status::Unsupported);
    assert!(
        run.points[0]
            .measured
            .error
            .as_deref()
            .unwrap()
            .contains("SHADER_F16")
    );
    assert_eq!(run.points[1].measured.status, Status::Ok);
}

/// A worker process that dies mid-point makes that point `failed`, with the
/// exit status and the worker's last words, and the run goes on.
#[test]
fn a_dying_worker_process_fails_its_point_and_the_run_goes_on() {
    let text = "[settings]\ntrial_s = 0\nmin_measured_s = 0\nops = 3\ntrials = 1\nmax_trials = 1\n[[sweep]]\nworkload = \"linear\"\nstrategy = \"processes\"\nn = [2]\n\
                [[sweep]]\nworkload = \"linear\"\nstrategy = \"batch\"\nn = [2]\n";
    let mut cmd = common::curves();
    cmd.env(curves::strategy::processes::DIE_ON_TRIAL, "1");
    let (_dir, run) = common::run_experiment(cmd, text, &[]);
    let dead = &run.points[0];
    assert_eq!(dead.measured.status, Status::Failed);
    assert_eq!(dead.measured.ops_completed, 0);
    assert_eq!(dead.measured.samples_per_s, None);
    let error = dead.measured.error.as_deref().unwrap();
    assert!(
        error.contains("exited")
            && error.contains("7")
            && error.contains("instead of running the trial"),
        "{error}"
    );
    assert_eq!(
        run.points[1].measured.status,
        Status::Ok,
        "the next point still runs"
    );
}

/// The server coalesces closed-loop clients' requests into batches of at
/// most `max_batch`, and a lone client's request waits `max_delay_us` for
/// company before it runs; every request is counted, none is wrong.
#[test]
fn server_respects_max_batch_and_max_delay() {
    let text = "[settings]\ntrial_s = 0\nmin_measured_s = 0\nwarmup_ops = 2\ntrials = 2\nmax_trials = 2\nops = 6\nchecks = 3\n\
                [[sweep]]\nworkload = \"linear\"\nstrategy = \"server\"\nn = [4]\nmax_batch = 2\nmax_delay_us = 100000\n\
                [[sweep]]\nworkload = \"linear\"\nstrategy = \"server\"\nn = [1]\nmax_batch = 8\nmax_delay_us = 20000\n";
    let (_dir, run) = common::run_experiment(common::curves(), text, &[]);
    for p in &run.points {
        let what = format!(
            "server N={} ≤{:?}: {:?}",
            p.n, p.config.max_batch, p.measured.error
        );
        assert_eq!(p.measured.status, Status::Ok, "{what}");
        assert_eq!(p.measured.ops_completed, 2 * 6 * u64::from(p.n), "{what}");
        assert_eq!(p.measured.ops_wrong, 0, "{what}");
        assert!(p.measured.ops_checked > 0, "{what}");
        let served: u64 = p
            .measured
            .batch_sizes
            .iter()
            .map(|(size, count)| u64::from(*size) * count)
            .sum();
        assert_eq!(
            served, p.measured.ops_completed,
            "{what}: every request in exactly one batch"
        );
        assert!(
            p.measured
                .batch_sizes
                .keys()
                .all(|&size| size <= p.config.max_batch.unwrap()),
            "{what}: {:?}",
            p.measured.batch_sizes
        );
        assert!(
            p.measured.queue_us.is_some() && p.measured.service_us.is_some(),
            "{what}"
        );
    }
    let (full, lone) = (&run.points[0], &run.points[1]);
    assert!(
        full.measured.batch_sizes.contains_key(&2),
        "four clients fill batches of two: {:?}",
        full.measured.batch_sizes
    );
    assert_eq!(
        lone.measured
            .batch_sizes
            .keys()
            .copied()
            .collect::<Vec<_>>(),
        vec![1],
        "a lone client is always alone"
    );
    let waited = lone.measured.queue_us.unwrap();
    assert!(
        waited.p50 >= 19_000.0,
        "a lone request waits max_delay_us for company: {waited:?}"
    );
}

/// Each request carries its own sample and each client checks its own
/// rows: every request is checked and none is wrong; and when the owner
/// hands requests each other's rows (a test hook), exactly the requests in
/// shared batches come out wrong, so a mix-up cannot pass unseen.
#[test]
fn server_never_mixes_up_requests() {
    let text = "[settings]\ntrial_s = 0\nmin_measured_s = 0\nwarmup_ops = 2\ntrials = 2\nmax_trials = 2\nops = 8\nchecks = 1\n\
                [[sweep]]\nworkload = \"linear\"\nstrategy = \"server\"\nn = [4]\nmax_batch = 4\nmax_delay_us = 100000\n\
                [[sweep]]\nworkload = \"mlp\"\ndims = [20, 33, 7]\nstrategy = \"server\"\nn = [3]\nmax_batch = 4\nmax_delay_us = 2000\narrival_rate_per_s = 3000\n\
                [[sweep]]\nworkload = \"linear\"\nstrategy = \"queue\"\nn = [3]\nsync = \"wait\"\nwait = \"spin\"\n\
                [[sweep]]\nworkload = \"linear\"\nstrategy = \"queue\"\nn = [4]\nsync = \"pipeline:4\"\n\
                [[sweep]]\nworkload = \"transformer\"\ndims = [32, 2, 5, 48]\nstrategy = \"server\"\nn = [6]\nmax_batch = 2\nmax_delay_us = 5000\nsync = \"pipeline:3\"\n\
                [[sweep]]\nworkload = \"linear\"\nstrategy = \"server\"\nn = [8]\nmax_batch = 4\nmax_delay_us = 2000\nsync = \"pipeline:2\"\nwait = \"spin\"\n\
                [[sweep]]\nworkload = \"linear\"\nstrategy = \"server\"\nn = [4]\nmax_batch = 4\nmax_delay_us = 100000\nencode_ahead = true\n\
                [[sweep]]\nworkload = \"mlp\"\ndims = [20, 33, 7]\nstrategy = \"server\"\nn = [5]\nmax_batch = 4\nmax_delay_us = 2000\nsync = \"pipeline:2\"\nwait = \"spin\"\nencode_ahead = true\n\
                [[sweep]]\nworkload = \"linear\"\nstrategy = \"queue\"\nn = [3]\nsync = \"wait\"\nencode_ahead = true\n\
                [[sweep]]\nworkload = \"linear\"\nstrategy = \"server\"\nn = [8]\nmax_batch = 4\nmax_delay_us = 2000\nwait = \"spin\"\n\
                [[sweep]]\nworkload = \"mlp\"\ndims = [20, 33, 7]\nstrategy = \"server\"\nn = [8]\nmax_batch = 4\nmax_delay_us = 2000\nwait = \"spin\"\nencode_ahead = true\n\
                [[sweep]]\nworkload = \"linear\"\nstrategy = \"queue\"\nn = [3]\nsync = \"pipeline:6\"\n";
    let in_shared_batches = |p: &curves::schema::Point| -> u64 {
        p.measured
            .batch_sizes
            .iter()
            .filter(|(size, _)| **size > 1)
            .map(|(size, count)| u64::from(*size) * count)
            .sum()
    };
    let (_dir, run) = common::run_experiment(common::curves(), text, &[]);
    for p in &run.points {
        let what = format!(
            "{} N={}: {:?}",
            p.config.strategy_label(),
            p.n,
            p.measured.error
        );
        assert_eq!(p.measured.status, Status::Ok, "{what}");
        assert_eq!(p.measured.ops_completed, 2 * 8 * u64::from(p.n), "{what}");
        assert_eq!(
            p.measured.ops_checked, p.measured.ops_completed,
            "{what}: every request checked"
        );
        assert_eq!(p.measured.ops_wrong, 0, "{what}");
    }
    assert!(in_shared_batches(&run.points[0]) > 0);
    // A spinning owner fills the next batch while one is in flight.
    assert!(
        in_shared_batches(&run.points[5]) > 0,
        "{:?}",
        run.points[5].measured.batch_sizes
    );
    // An owner that records its batches ahead forms them as one that
    // does not, and says so in its points.
    assert!(in_shared_batches(&run.points[6]) > 0);
    assert!(run.points[6..9].iter().all(|p| p.config.encode_ahead));
    // Under readback a spinning owner with more clients than a batch
    // collects the next batch while one runs, and still answers each
    // request with its own rows (checked above).
    assert!(run.points[9..11].iter().all(|p| in_shared_batches(p) > 0));
    // Every owner records its own costs per batch: the rows copied and
    // the answers handed out, each batch, and they take some time.
    for p in &run.points {
        let costs = p
            .measured
            .owner_us
            .unwrap_or_else(|| panic!("{}: no owner costs", p.n));
        assert!(
            costs.rows.median >= 0.0 && costs.rows.mean > 0.0,
            "{costs:?}"
        );
        assert!(costs.answer.median > 0.0, "{costs:?}");
        assert!(costs.idle.is_none_or(|i| i.median >= 0.0), "{costs:?}");
    }
    // A spinning owner is pinned to a core of its own wherever the host
    // lets this process use three cores or more; no other owner is.
    let can_pin = curves::strategy::cores::Split::of_process().is_some();
    for p in &run.points {
        let spins = p.config.wait == curves::schema::WaitStyle::Spin;
        assert_eq!(
            p.prepared.owner_cores.is_some(),
            spins && can_pin,
            "{} N={}",
            p.config.strategy_label(),
            p.n
        );
    }

    // Staged through a belt instead of written in place, every request
    // is still answered with its own rows.
    let mapped = if run.info.adapter.backend == "gl" {
        Upload::Staged
    } else {
        Upload::Mapped
    };
    // A pipeline as deep as the slots stages its rows: an input is
    // rewritten only once the op before it in its slot is answered.
    for p in &run.points {
        let deep = p.config.sync.depth() >= curves::workload::SLOTS;
        let upload = if deep { Upload::Staged } else { mapped };
        assert_eq!(p.prepared.upload, Some(upload), "{}", p.config.sync_label());
    }
    assert!(run.points.last().unwrap().config.sync.depth() > curves::workload::SLOTS);
    let mut cmd = common::curves();
    cmd.env(curves::measure::request_loop::STAGED, "1");
    let (_dir, staged) = common::run_experiment(cmd, text, &[]);
    for p in &staged.points {
        let what = format!(
            "{} N={}: {:?}",
            p.config.strategy_label(),
            p.n,
            p.measured.error
        );
        assert_eq!(p.prepared.upload, Some(Upload::Staged), "{what}");
        assert_eq!(p.measured.status, Status::Ok, "{what}");
        assert_eq!(p.measured.ops_checked, 2 * 8 * u64::from(p.n), "{what}");
        assert_eq!(p.measured.ops_wrong, 0, "{what}");
    }

    let mut cmd = common::curves();
    cmd.env(curves::strategy::owner::SWAP_ANSWERS, "1");
    let (_dir, run) = common::run_experiment(cmd, text, &[]);
    for p in &run.points {
        let what = format!(
            "{} N={}: {:?}",
            p.config.strategy_label(),
            p.n,
            p.measured.batch_sizes
        );
        assert_eq!(p.measured.ops_checked, p.measured.ops_completed, "{what}");
        if p.config.arrival_rate_per_s.is_none() {
            // Closed-loop clients' requests in one batch always differ.
            assert_eq!(p.measured.ops_wrong, in_shared_batches(p), "{what}");
        } else {
            // An open-loop backlog can hold one sample twice; swapping
            // those two answers is harmless, and not counted.
            assert!(
                p.measured.ops_wrong > 0 && p.measured.ops_wrong <= in_shared_batches(p),
                "{what}"
            );
        }
    }
    assert_eq!(run.points[0].measured.status, Status::Wrong);
    assert_eq!(
        run.points[2].measured.status,
        Status::Ok,
        "a queue never shares a batch"
    );
}

/// Open-loop clients send at Poisson times without waiting for answers;
/// every request is still answered once, checked, and batched.
#[test]
fn open_loop_server_answers_every_request() {
    let text = "[settings]\ntrial_s = 0\nmin_measured_s = 0\nwarmup_ops = 2\ntrials = 2\nmax_trials = 2\nops = 30\nchecks = 3\n\
                [[sweep]]\nworkload = \"linear\"\nstrategy = \"server\"\nn = [3]\nmax_batch = 8\nmax_delay_us = 2000\narrival_rate_per_s = 2000\n";
    let (_dir, run) = common::run_experiment(common::curves(), text, &[]);
    let p = &run.points[0];
    assert_eq!(p.measured.status, Status::Ok, "{:?}", p.measured.error);
    assert_eq!(p.config.arrival_rate_per_s, Some(2000.0));
    assert_eq!(p.measured.ops_completed, 2 * 30 * 3);
    assert_eq!(p.measured.ops_wrong, 0);
    assert!(p.measured.ops_checked > 0);
    let served: u64 = p
        .measured
        .batch_sizes
        .iter()
        .map(|(size, count)| u64::from(*size) * count)
        .sum();
    assert_eq!(served, p.measured.ops_completed);
    // 3 clients at 2,000/s offer 6,000 requests/s: 90 per trial take ~15 ms.
    assert!(
        p.measured.measured_s > 0.02,
        "open-loop trials last as long as their arrivals: {} s",
        p.measured.measured_s
    );
    assert!(
        p.config.strategy_label().contains("open loop 2000/s"),
        "{}",
        p.config.strategy_label()
    );
}

/// Without the pool (`pool = false`) every op allocates its own input,
/// output and bind groups; outputs stay right under every strategy, sync
/// mode and workload, and the points say they were measured so.
#[test]
fn without_the_pool_every_op_allocates_and_stays_right() {
    let mut text = String::from(
        "[settings]\ntrial_s = 0\nmin_measured_s = 0\nwarmup_ops = 2\ntrials = 2\nmax_trials = 2\nops = 6\nchecks = 3\npool = false\n",
    );
    for (strategy, sync) in [
        ("threads", "readback"),
        ("threads", "wait"),
        ("batch", "end"),
        ("processes", "readback"),
        ("queue", "readback"),
        ("devices", "wait\"\nwait = \"spin"),
    ] {
        text += &format!(
            "[[sweep]]\nworkload = \"linear\"\nstrategy = \"{strategy}\"\nn = [1, 2]\nsync = \"{sync}\"\n"
        );
    }
    for (workload, dims) in [("mlp", "[20, 33, 7]"), ("transformer", "[32, 2, 5, 48]")] {
        text += &format!(
            "[[sweep]]\nworkload = \"{workload}\"\ndims = {dims}\nstrategy = \"threads\"\nn = [2]\n"
        );
    }
    text += "[[sweep]]\nworkload = \"linear\"\nstrategy = \"threads\"\nn = [2]\npool = true\n";
    let (_dir, run) = common::run_experiment(common::curves(), &text, &[]);
    let (pooled, fresh): (Vec<_>, Vec<_>) = run.points.iter().partition(|p| p.config.pool);
    assert_eq!((fresh.len(), pooled.len()), (6 * 2 + 2, 1));
    for p in &run.points {
        let what = format!(
            "{} {} N={} sync {} pool {}: {:?}",
            p.config.workload_label(),
            p.config.strategy,
            p.n,
            p.config.sync,
            p.config.pool,
            p.measured.error
        );
        assert_eq!(p.measured.status, Status::Ok, "{what}");
        assert_eq!(p.measured.ops_completed, p.measured.ops_expected, "{what}");
        assert_eq!(p.measured.ops_wrong, 0, "{what}");
        assert!(p.measured.ops_checked > 0, "{what}");
        assert_eq!(
            p.config.strategy_label().ends_with("(no pool)"),
            !p.config.pool,
            "{what}"
        );
    }
    // A curve with and one without the pool are different curves.
    assert_ne!(
        curves::analysis::curve::config_key(&fresh[0].config),
        curves::analysis::curve::config_key(&pooled[0].config)
    );
}

/// devices, queue and server run every workload, not only linear.
#[test]
fn devices_queue_and_server_run_every_workload() {
    let mut text = String::from(
        "[settings]\ntrial_s = 0\nmin_measured_s = 0\nwarmup_ops = 2\ntrials = 1\nmax_trials = 1\nops = 4\nchecks = 2\n",
    );
    for (workload, dims) in [("mlp", "[20, 33, 7]"), ("transformer", "[32, 2, 5, 48]")] {
        for strategy in ["devices", "queue", "server"] {
            text += &format!(
                "[[sweep]]\nworkload = \"{workload}\"\ndims = {dims}\nstrategy = \"{strategy}\"\nn = [2]\n"
            );
        }
    }
    let (_dir, run) = common::run_experiment(common::curves(), &text, &[]);
    assert_eq!(run.points.len(), 6);
    for p in &run.points {
        let what = format!(
            "{} {}: {:?}",
            p.config.workload_label(),
            p.config.strategy,
            p.measured.error
        );
        assert_eq!(p.measured.status, Status::Ok, "{what}");
        assert_eq!(p.measured.ops_completed, 2 * 4, "{what}");
        assert_eq!(p.measured.ops_wrong, 0, "{what}");
        assert!(p.measured.ops_checked > 0, "{what}");
    }
}

/// `--trial-s` fits each point's ops to the adapter: a file asking for a
/// million ops per trial (and of warm-up) finishes in moments, every point
/// records the ops it ran, and the run records what the command line set.
#[test]
fn trial_s_fits_ops_per_trial_to_a_slow_adapter() {
    let text = "[settings]\ntrial_s = 0\nmin_measured_s = 0\nops = 1000000\nwarmup_ops = 1000000\ntrials = 5\nmax_trials = 5\n\
                [[sweep]]\nworkload = \"linear\"\nstrategy = \"batch\"\nn = [1, 8]\n\
                [[sweep]]\nworkload = \"linear\"\nstrategy = \"processes\"\nn = [2]\n\
                [[sweep]]\nworkload = \"linear\"\nstrategy = \"queue\"\nn = [2]\n";
    let (_dir, run) = common::run_experiment(
        common::curves(),
        text,
        &["--trial-s", "0.05", "--trials", "2"],
    );
    assert_eq!(run.info.overrides, vec!["trial_s = 0.05", "trials = 2"]);
    assert_eq!(run.points.len(), 4);
    for p in &run.points {
        assert_eq!(p.measured.status, Status::Ok, "{p:?}");
        assert_eq!(p.measured.trials, 2);
        assert!(
            (1..1_000_000).contains(&p.measured.ops_per_worker),
            "{} ops per worker",
            p.measured.ops_per_worker
        );
        assert_eq!(p.measured.ops_completed, p.measured.ops_expected);
        assert_eq!(
            p.measured.ops_expected,
            2 * p.measured.ops_per_worker * u64::from(p.layout.threads * p.layout.processes)
        );
    }
}

/// `gpus` over two adapters of different backends (lavapipe's Vulkan and
/// llvmpipe's GL here): workers round robin over them, as threads of one
/// process and as a process each; the run records both adapters, each
/// point its share of the ops per adapter, and every output is checked.
#[test]
fn gpus_spreads_workers_over_two_adapters_and_records_both() {
    let text = "[settings]\ntrial_s = 0\nmin_measured_s = 0\nwarmup_ops = 2\ntrials = 2\nmax_trials = 2\nops = 6\nchecks = 3\n\
                [[sweep]]\nworkload = \"linear\"\nstrategy = \"gpus\"\nn = [1, 2]\nadapters = [0, 1]\n\
                [[sweep]]\nworkload = \"linear\"\nstrategy = \"gpus\"\nbatch = 4\nn = [2]\nlaunch = \"processes\"\nadapters = [0, 1]\n";
    let (_dir, run) = common::run_experiment(common::curves(), text, &[]);
    let backends: Vec<&str> = run
        .info
        .adapters
        .iter()
        .map(|a| a.backend.as_str())
        .collect();
    assert!(
        backends.contains(&"vulkan") && backends.contains(&"gl"),
        "{backends:?}"
    );
    assert_eq!(run.points.len(), 3);
    for p in &run.points {
        let what = format!(
            "{} N={}: {:?}",
            p.config.strategy_label(),
            p.n,
            p.measured.error
        );
        assert_eq!(p.measured.status, Status::Ok, "{what}");
        assert_eq!(p.config.adapters, vec![0, 1], "{what}");
        assert_eq!(p.measured.ops_completed, p.measured.ops_expected, "{what}");
        assert_eq!(p.measured.ops_wrong, 0, "{what}");
        assert_eq!(
            p.measured.ops_checked,
            2 * 3 * u64::from(p.workers()),
            "{what}"
        );
        let share: Vec<u32> = p.measured.adapter_ops.keys().copied().collect();
        assert_eq!(
            share,
            if p.n == 1 { vec![0] } else { vec![0, 1] },
            "{what}: round robin"
        );
        assert_eq!(
            p.measured.adapter_ops.values().sum::<u64>(),
            p.measured.ops_completed,
            "{what}"
        );
    }
    let procs = &run.points[2];
    assert_eq!(
        (
            procs.layout.threads,
            procs.layout.processes,
            procs.layout.batch
        ),
        (1, 2, 4)
    );
}

/// One GPU listed twice is refused with a clear message, before anything runs.
#[test]
fn one_gpu_listed_twice_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = common::experiment(
        dir.path(),
        "[[sweep]]\nworkload = \"linear\"\nstrategy = \"gpus\"\nn = [2]\nadapters = [0, 0]\n",
    );
    common::curves()
        .args(["run", file.to_str().unwrap(), "--quiet"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("adapter 0 is listed twice"));
    let file = common::experiment(
        dir.path(),
        "[[sweep]]\nworkload = \"linear\"\nstrategy = \"gpus\"\nn = [2]\n",
    );
    common::curves()
        .args([
            "run",
            file.to_str().unwrap(),
            "--adapters",
            "0,0",
            "--quiet",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("lists one GPU twice"));
}

/// Workers that write their inputs before every op (`upload_inputs`):
/// every op completes and checks out under each mode that allows it, the
/// points say so, and where the adapter cannot bind a buffer the host maps
/// (GL) they are unsupported, with the reason.
#[test]
fn workers_that_write_their_inputs_every_op_stay_right_or_are_unsupported() {
    let text = "[settings]\ntrial_s = 0\nmin_measured_s = 0\nwarmup_ops = 2\ntrials = 2\nmax_trials = 2\nops = 8\nchecks = 8\nupload_inputs = true\n\
                [[sweep]]\nworkload = \"linear\"\nstrategy = \"batch\"\nn = [1, 4]\n\
                [[sweep]]\nworkload = \"mlp\"\ndims = [20, 33, 7]\nstrategy = \"threads\"\nn = [1, 2]\nsync = \"pipeline:3\"\nwait = \"spin\"\n\
                [[sweep]]\nworkload = \"transformer\"\ndims = [32, 2, 5, 48]\nstrategy = \"hybrid\"\nbatch = 2\nn = [1, 2]\nencode_ahead = true\n\
                [[sweep]]\nworkload = \"linear\"\nstrategy = \"batch\"\nn = [1, 4]\nsync = \"wait\"\nwait = \"callback\"\nencode_ahead = true\n";
    let (_dir, run) = common::run_experiment(common::curves(), text, &["--backend", "vulkan"]);
    assert_eq!(run.points.len(), 8);
    for p in &run.points {
        let what = format!("{}: {:?}", p.describe(), p.measured.error);
        assert_eq!(p.measured.status, Status::Ok, "{what}");
        assert!(p.config.upload_inputs, "{what}");
        assert!(
            p.config.strategy_label().contains("inputs written each op"),
            "{what}"
        );
        assert_eq!(p.measured.ops_completed, p.measured.ops_expected, "{what}");
        assert!(p.measured.ops_checked > 0, "{what}");
        assert_eq!(p.measured.ops_wrong, 0, "{what}");
    }
    let (_dir, run) = common::run_experiment(common::curves(), text, &["--backend", "gl"]);
    for p in &run.points {
        assert_eq!(p.measured.status, Status::Unsupported, "{}", p.describe());
        assert!(
            p.measured
                .error
                .as_deref()
                .is_some_and(|e| e.contains("MAPPABLE_PRIMARY_BUFFERS")),
            "{:?}",
            p.measured.error
        );
    }
}
