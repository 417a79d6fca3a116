use super::*;

fn parse(text: &str) -> Result<Experiment, String> {
    Experiment::parse(text, Path::new("test.toml")).map_err(|e| e.to_string())
}

const GOOD: &str = r#"
name = "t"
[settings]
trials = 2
ops = 5

[[sweep]]
workload = "linear"
strategy = "threads"
n = [1, 2]

[[sweep]]
workload = "linear"
dims = [8, 3]
strategy = "batch"
n = [4]
ops = 7
"#;

#[test]
fn sweeps_expand_to_points_in_order_with_overrides() {
    let e = parse(GOOD).unwrap();
    assert_eq!(e.name, "t");
    let summary: Vec<_> = e
        .points
        .iter()
        .map(|p| (p.strategy, p.n, p.settings.ops))
        .collect();
    assert_eq!(
        summary,
        vec![
            (StrategyKind::Threads, 1, 5),
            (StrategyKind::Threads, 2, 5),
            (StrategyKind::Batch, 4, 7)
        ]
    );
    assert_eq!(e.points[2].workload.dims(), vec![8, 3]);
    assert_eq!(e.points[0].settings.trials.get(), 2);
    assert_eq!(
        e.points[0].settings.max_trials.get(),
        Settings::default().max_trials.get(),
        "no cap of its own: the default cap"
    );
    let capped = parse(
        &GOOD
            .replace("trials = 2\n", "trials = 2\nmax_trials = 9\n")
            .replace("ops = 7\n", "ops = 7\ntrials = 1\n"),
    )
    .unwrap();
    assert_eq!(capped.points[0].settings.max_trials.get(), 9);
    assert_eq!(
        (
            capped.points[2].settings.trials.get(),
            capped.points[2].settings.max_trials.get()
        ),
        (1, 9),
        "a sweep keeps the file's cap"
    );
    assert_eq!(e.points[2].origin.sweep, 2);
    assert_eq!(e.points[2].origin.n_line, 16);
}

#[test]
fn trial_s_zero_turns_the_fitting_off_and_target_spread_points_at_target_ci() {
    let e = parse(&GOOD.replace("ops = 5\n", "ops = 5\ntrial_s = 0\n")).unwrap();
    assert!(e.points.iter().all(|p| p.settings.trial_s.is_none()));
    assert_eq!(Settings::default().trial_s, Some(0.1), "fitted by default");
    let e = parse(&GOOD.replace("ops = 7\n", "ops = 7\ntarget_spread = 0.1\n")).unwrap_err();
    assert!(e.contains("line 18") && e.contains("target_ci"), "{e}");
    let e = parse(&GOOD.replace("ops = 5\n", "ops = 5\nmin_measured_s = -1\n")).unwrap_err();
    assert!(e.contains("min_measured_s"), "{e}");
    let e = parse(&format!("rounds = \"curve\"\n{GOOD}")).unwrap();
    assert_eq!(e.rounds, Rounds::Curve);
    assert_eq!(parse(GOOD).unwrap().rounds, Rounds::Workload);
    assert!(parse(&format!("rounds = \"sweep\"\n{GOOD}")).is_err());
}

#[test]
fn trial_s_comes_from_the_file_or_the_command_line() {
    let mut e = parse(&GOOD.replace("ops = 5\n", "ops = 5\ntrial_s = 0.5\n")).unwrap();
    assert!(e.points.iter().all(|p| p.settings.trial_s == Some(0.5)));
    e.override_settings(NonZeroU32::new(4), Some(2.0)).unwrap();
    assert!(e.points.iter().all(|p| p.settings.trial_s == Some(2.0)));
    assert!(e.points.iter().all(|p| p.settings.trials.get() == 4));
    assert!(
        e.points.iter().all(|p| p.settings.max_trials.get() == 4),
        "--trials asks for exactly that many"
    );
    assert_eq!(e.overrides, vec!["trial_s = 2", "trials = 4"]);
    assert!(e.override_settings(None, Some(0.0)).is_err());
    assert!(e.override_settings(None, Some(f64::INFINITY)).is_err());
    let bad = parse(&GOOD.replace("ops = 7", "ops = 7\ntrial_s = -1.0")).unwrap_err();
    assert!(bad.contains("line 18") && bad.contains("trial_s"), "{bad}");
}

#[test]
fn interleaving_takes_one_point_of_each_sweep_in_turn() {
    let e = parse(&format!("order = \"interleave\"\n{GOOD}")).unwrap();
    let order: Vec<_> = e.points.iter().map(|p| (p.strategy, p.n)).collect();
    assert_eq!(
        order,
        vec![
            (StrategyKind::Threads, 1),
            (StrategyKind::Batch, 4),
            (StrategyKind::Threads, 2)
        ]
    );
}

#[test]
fn sync_modes_and_wait_styles_parse_and_bad_ones_name_the_line() {
    let e =
        parse(&GOOD.replace("n = [4]", "n = [4]\nsync = \"pipeline:8\"\nwait = \"spin\"")).unwrap();
    assert_eq!(e.points[2].sync, SyncMode::Pipeline(8));
    assert_eq!(e.points[2].wait, WaitStyle::Spin);
    assert_eq!(e.points[0].wait, WaitStyle::Block);
    let e = parse(&GOOD.replace("n = [4]", "n = [4]\nsync = \"pipelined\"")).unwrap_err();
    assert!(e.contains("line 17") && e.contains("pipeline:D"), "{e}");
    let e = parse(&GOOD.replace("n = [4]", "n = [4]\nsync = \"spin\"")).unwrap_err();
    assert!(
        e.contains("wait = \\\"spin\\\"") || e.contains("wait = \"spin\""),
        "{e}"
    );
}

#[test]
fn every_committed_experiment_file_loads() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let e = Experiment::load(&path).unwrap_or_else(|e| panic!("{e}"));
            assert!(!e.points.is_empty(), "{}", path.display());
            count += 1;
        }
    }
    assert!(count >= 4, "quick, seeds, sync and size at least");
}

#[test]
fn worker_batch_is_only_for_hybrid_and_gpus() {
    let e = parse(&GOOD.replace(
        "strategy = \"batch\"\nn = [4]",
        "strategy = \"hybrid\"\nbatch = 32\nn = [4]",
    ))
    .unwrap();
    assert_eq!((e.points[2].n, e.points[2].worker_batch), (4, Some(32)));
    assert_eq!(e.points[2].layout().batch, 32);
    assert_eq!(e.points[0].worker_batch, None);
    let e = parse(&GOOD.replace("n = [1, 2]", "n = [1, 2]\nbatch = 8")).unwrap_err();
    assert!(e.contains("line 11") && e.contains("hybrid"), "{e}");
}

/// `GOOD` with its second sweep (line 12 on) as `strategy` under `sync`,
/// with the setting `flag` turned on.
fn with_second_sweep(strategy: &str, sync: &str, flag: &str) -> Result<Experiment, String> {
    parse(&GOOD.replace(
        "strategy = \"threads\"\nn = [1, 2]",
        &format!("strategy = \"{strategy}\"\nn = [1, 2]\nsync = \"{sync}\"\n{flag} = true"),
    ))
}

#[test]
fn encode_ahead_needs_a_wait_after_every_op_and_the_pool() {
    let ahead = |strategy: &str, sync: &str| with_second_sweep(strategy, sync, "encode_ahead");
    for sync in ["readback", "wait", "device"] {
        let e = ahead("threads", sync).unwrap();
        assert!(e.points[0].settings.encode_ahead && e.points[0].config(Vec::new()).encode_ahead);
        assert!(
            !e.points[2].settings.encode_ahead,
            "only the sweep that asks"
        );
    }
    for sync in ["pipeline:2", "end"] {
        let e = ahead("batch", sync).unwrap_err();
        assert!(
            e.contains("line 12") && e.contains("waits after every op"),
            "{e}"
        );
    }
    let e = parse(&GOOD.replace(
        "strategy = \"threads\"\nn = [1, 2]",
        "strategy = \"threads\"\nn = [1, 2]\npool = false\nencode_ahead = true",
    ))
    .unwrap_err();
    assert!(e.contains("line 12") && e.contains("pool"), "{e}");
    // A GPU owner records its next batch ahead under any of its modes.
    for (strategy, sync) in [
        ("server", "readback"),
        ("server", "pipeline:2"),
        ("queue", "wait"),
    ] {
        let e = ahead(strategy, sync).unwrap();
        assert!(e.points[0].settings.encode_ahead, "{strategy} {sync}");
    }
    // Set for the whole file, it is refused at the sweep that cannot take it.
    let e = parse(
        &GOOD
            .replace("ops = 5\n", "ops = 5\nencode_ahead = true\n")
            .replace("n = [4]", "n = [4]\nsync = \"end\""),
    )
    .unwrap_err();
    assert!(e.contains("line 18") && e.contains("end"), "{e}");
}

#[test]
fn upload_inputs_is_for_workers_of_their_own_with_the_pool_and_few_ops_in_flight() {
    let upload = |strategy: &str, sync: &str| with_second_sweep(strategy, sync, "upload_inputs");
    for (strategy, sync) in [
        ("threads", "readback"),
        ("batch", "wait"),
        ("batch", "pipeline:3"),
    ] {
        let e = upload(strategy, sync).unwrap();
        assert!(
            e.points[0].config(Vec::new()).upload_inputs,
            "{strategy} {sync}"
        );
        assert!(
            e.points[0]
                .config(Vec::new())
                .strategy_label()
                .contains("inputs written each op")
        );
        assert!(
            !e.points[2].settings.upload_inputs,
            "only the sweep that asks"
        );
    }
    for sync in ["pipeline:4", "end"] {
        let e = upload("batch", sync).unwrap_err();
        assert!(
            e.contains("line 12") && e.contains("at most 3 ops in flight"),
            "{e}"
        );
    }
    for strategy in ["server", "queue", "processes", "devices"] {
        let e = upload(strategy, "readback").unwrap_err();
        assert!(
            e.contains("line 12") && e.contains("workers that run their own ops"),
            "{e}"
        );
    }
    let e = parse(&GOOD.replace(
        "strategy = \"threads\"\nn = [1, 2]",
        "strategy = \"threads\"\nn = [1, 2]\npool = false\nupload_inputs = true",
    ))
    .unwrap_err();
    assert!(e.contains("line 12") && e.contains("pool"), "{e}");
}

#[test]
fn queue_refuses_sync_modes_that_answer_before_the_op_is_done() {
    let e = parse(&GOOD.replace(
        "strategy = \"threads\"\nn = [1, 2]",
        "strategy = \"queue\"\nn = [1, 2]\nsync = \"end\"",
    ))
    .unwrap_err();
    assert!(e.contains("line 11") && e.contains("queue"), "{e}");
    assert!(parse(&GOOD.replace("strategy = \"threads\"", "strategy = \"queue\"")).is_ok());
    assert!(
        parse(&GOOD.replace(
            "strategy = \"threads\"\nn = [1, 2]",
            "strategy = \"server\"\nn = [1, 2]\nsync = \"pipeline:4\"",
        ))
        .is_ok()
    );
}

#[test]
fn batching_limits_are_for_server_only() {
    let e = parse(&GOOD.replace("n = [1, 2]", "n = [1, 2]\nmax_batch = 8")).unwrap_err();
    assert!(e.contains("line 11") && e.contains("server"), "{e}");
    let ok = parse(&GOOD.replace(
        "strategy = \"threads\"\nn = [1, 2]",
        "strategy = \"server\"\nn = [1, 2]\nmax_batch = 8",
    ))
    .unwrap();
    assert_eq!(ok.points[0].server, Some((8, 200)));
    let e = parse(&GOOD.replace(
        "strategy = \"threads\"\nn = [1, 2]",
        "strategy = \"server\"\nn = [1, 2]\nmax_delay_us = 1000000000000",
    ))
    .unwrap_err();
    assert!(e.contains("line 11") && e.contains("max_delay_us"), "{e}");
}

#[test]
fn arrival_rates_are_for_clients_only_and_must_finish_in_time() {
    let e =
        parse(&GOOD.replace("n = [1, 2]", "n = [1, 2]\narrival_rate_per_s = 100.0")).unwrap_err();
    assert!(
        e.contains("line 11") && e.contains("queue and server"),
        "{e}"
    );
    for bad in ["0.0", "1e-300", "inf"] {
        let e = parse(&GOOD.replace(
            "strategy = \"threads\"\nn = [1, 2]",
            &format!("strategy = \"queue\"\nn = [1, 2]\narrival_rate_per_s = {bad}"),
        ))
        .unwrap_err();
        assert!(e.contains("between 0.001"), "{bad}: {e}");
    }
    let e = parse(&GOOD.replace(
        "strategy = \"threads\"\nn = [1, 2]",
        "strategy = \"queue\"\nn = [1, 2]\narrival_rate_per_s = 0.01\ntimeout_s = 10",
    ))
    .unwrap_err();
    assert!(e.contains("more than timeout_s"), "{e}");
}

#[test]
fn a_typo_names_the_line() {
    let e = parse(&GOOD.replace("strategy = \"batch\"", "stratgy = \"batch\"")).unwrap_err();
    assert!(e.contains("line 15") || e.contains("line 13"), "{e}");
    assert!(e.contains("stratgy"), "{e}");
}

#[test]
fn an_unknown_strategy_lists_the_known_ones() {
    let e = parse(&GOOD.replace("\"threads\"", "\"thread\"")).unwrap_err();
    assert!(e.contains("line 9") && e.contains("threads"), "{e}");
}

#[test]
fn n_zero_empty_and_duplicate_are_refused_with_their_line() {
    let e = parse(&GOOD.replace("n = [1, 2]", "n = [0, 2]")).unwrap_err();
    assert!(e.contains("line 10") && e.contains("nonzero"), "{e}");
    let e = parse(&GOOD.replace("n = [1, 2]", "n = []")).unwrap_err();
    assert!(e.contains("line 10") && e.contains("empty"), "{e}");
    let e = parse(&GOOD.replace("n = [1, 2]", "n = [1, 2, 1]")).unwrap_err();
    assert!(e.contains("line 10") && e.contains("twice"), "{e}");
    let e = parse(&GOOD.replace("n = [1, 2]", "n = [2048]")).unwrap_err();
    assert!(e.contains("line 10") && e.contains("threads"), "{e}");
}

#[test]
fn the_same_point_in_two_sweeps_is_refused_unless_labelled() {
    let twice =
        format!("{GOOD}\n[[sweep]]\nworkload = \"linear\"\nstrategy = \"threads\"\nn = [2, 4]\n");
    let e = parse(&twice).unwrap_err();
    assert!(
        e.contains("line 22") && e.contains("sweep 1 (line 7)"),
        "{e}"
    );
    let labelled = twice.replace("n = [2, 4]", "n = [2, 4]\nlabel = \"again\"");
    assert!(parse(&labelled).is_ok());
}

#[test]
fn values_that_would_overflow_or_never_end_are_refused_with_their_own_line() {
    for (key, value) in [
        ("timeout_s", "inf"),
        ("timeout_s", "1e300"),
        ("timeout_s", "1e19"),
        ("timeout_s", "nan"),
        ("timeout_s", "-1.0"),
        ("ops", "9223372036854775807"),
        ("warmup_s", "1e9"),
        ("checks", "9223372036854775807"),
        ("trials", "100000"),
        ("target_spread", "0.0"),
    ] {
        let text = GOOD.replace("ops = 7", &format!("ops = 7\n{key} = {value}"));
        let e = parse(&text).unwrap_err();
        assert!(
            e.contains("line 18") && e.contains(key),
            "{key} = {value}: {e}"
        );
    }
    // In [settings], the key's own line too.
    let e = parse(&GOOD.replace("ops = 5", "ops = 5\ntimeout_s = inf")).unwrap_err();
    assert!(e.contains("line 6") && e.contains("timeout_s"), "{e}");
}

#[test]
fn bad_dims_name_their_line() {
    let e = parse(&GOOD.replace("dims = [8, 3]", "dims = [8]")).unwrap_err();
    assert!(e.contains("line 14") && e.contains("[in, out]"), "{e}");
}

#[test]
fn gpus_sweeps_take_launch_and_adapters_and_others_refuse_them() {
    let e = parse(&GOOD.replace(
        "strategy = \"batch\"\nn = [4]",
        "strategy = \"gpus\"\nn = [1, 2]\nbatch = 256\nlaunch = \"processes\"\nadapters = [0, 1]",
    ))
    .unwrap();
    let p = &e.points[3];
    assert_eq!((p.launch, p.worker_batch), (Launch::Processes, Some(256)));
    assert_eq!(p.layout().processes, 2);
    assert_eq!(p.adapters, Some(AdapterSpec::Indices(vec![0, 1])));
    let e = parse(&GOOD.replace(
        "strategy = \"batch\"\nn = [4]",
        "strategy = \"gpus\"\nn = [1, 2]\nadapters = [0, 0]",
    ))
    .unwrap_err();
    assert!(e.contains("twice"), "{e}");
    let e = parse(&GOOD.replace("n = [1, 2]", "n = [1, 2]\nlaunch = \"processes\"")).unwrap_err();
    assert!(e.contains("line 11") && e.contains("gpus"), "{e}");
}

#[test]
fn a_file_without_sweeps_is_refused() {
    let e = parse("name = \"x\"\n").unwrap_err();
    assert!(e.contains("sweep"), "{e}");
}

mod property {
    use super::*;
    use proptest::prelude::*;

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("inf".to_string()),
            Just("nan".to_string()),
            Just("-1".to_string()),
            Just("0".to_string()),
            Just("1e300".to_string()),
            Just("18446744073709551615".to_string()),
            Just("[]".to_string()),
            Just("[0, 1]".to_string()),
            Just("\"spin\"".to_string()),
            (0u64..5000).prop_map(|v| v.to_string()),
            (0.0..1e4f64).prop_map(|v| format!("{v}")),
        ]
    }

    fn key() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "n",
            "dims",
            "batch",
            "ops",
            "trials",
            "max_trials",
            "timeout_s",
            "warmup_s",
            "warmup_ops",
            "checks",
            "max_batch",
            "max_delay_us",
            "arrival_rate_per_s",
            "sync",
            "wait",
            "precision",
            "strategy",
            "target_spread",
            "trial_s",
            "adapters",
            "launch",
            "encode_ahead",
            "upload_inputs",
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Whatever a sweep's keys hold, loading gives a plan or an error
        /// naming a line, and a plan fits or is refused: never a panic.
        #[test]
        fn any_values_load_or_are_refused_with_a_line(pairs in prop::collection::vec((key(), value()), 0..6), strategy in prop::sample::select(vec!["threads", "batch", "server", "queue", "hybrid", "gpus", "processes"])) {
            let mut text = format!("[[sweep]]\nworkload = \"linear\"\nstrategy = \"{strategy}\"\nn = [1]\n");
            for (k, v) in &pairs {
                text.push_str(&format!("{k} = {v}\n"));
            }
            match Experiment::parse(&text, Path::new("p.toml")) {
                Ok(e) => {
                    let limits = crate::plan::limits::DeviceLimits { max_buffer_size: 1 << 28, max_storage_binding: 1 << 27, max_workgroups_per_dim: 65535 };
                    let _ = crate::plan::limits::check(&e, &limits);
                    for p in &e.points {
                        prop_assert!(p.settings.timeout_s.is_finite() && p.settings.timeout_s <= MAX_TIMEOUT_S);
                        prop_assert!(p.settings.ops >= 1 && p.settings.ops <= MAX_OPS);
                    }
                }
                Err(e) => prop_assert!(e.to_string().contains("p.toml"), "{e}"),
            }
        }

        #[test]
        fn any_text_loads_or_is_refused(text in "\\PC{0,200}") {
            let _ = Experiment::parse(&text, Path::new("p.toml"));
        }
    }
}

/// Every experiment file the project ships parses, with points to run.
#[test]
fn every_shipped_experiment_parses() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            files.push(path);
        }
    }
    assert!(files.len() >= 5, "{files:?}");
    for path in files {
        let e = Experiment::load(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(!e.points.is_empty(), "{}", path.display());
    }
}

#[test]
fn names_and_labels_are_one_printable_line() {
    let sweep = "[[sweep]]\nworkload = \"linear\"\nstrategy = \"threads\"\nn = [1]\n";
    for bad in ["a\\nb", "\\u001b[31mred", "a\\u202eb"] {
        let e = parse(&format!("{sweep}label = \"{bad}\"\n")).unwrap_err();
        assert!(e.contains("label"), "{bad}: {e}");
        let e = parse(&format!("name = \"{bad}\"\n{sweep}")).unwrap_err();
        assert!(e.contains("name"), "{bad}: {e}");
    }
    let long = "x".repeat(rules::MAX_LABEL + 1);
    let e = parse(&format!("{sweep}label = \"{long}\"\n")).unwrap_err();
    assert!(e.contains("at most"), "{e}");
    assert!(parse(&format!("{sweep}label = \"=HYPERLINK(1)\"\n")).is_ok());
}

#[test]
fn a_file_past_the_limit_is_refused_before_it_is_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.toml");
    std::fs::write(&big, "#".repeat(MAX_FILE as usize + 1)).unwrap();
    let e = Experiment::load(&big).unwrap_err().to_string();
    assert!(e.contains("KiB"), "{e}");
    #[cfg(unix)]
    {
        let e = Experiment::load(Path::new("/dev/zero"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("KiB"), "{e}");
    }
}

#[test]
fn a_parse_error_quotes_the_file_briefly_and_printably() {
    let line = format!("n = [1, \u{1b}[31m{}", "9".repeat(100_000));
    let e = parse(&format!("[[sweep]]\n{line}\n")).unwrap_err();
    assert!(e.len() < 4_000, "{} characters", e.len());
    assert!(!e.contains('\u{1b}'), "{e}");
}
