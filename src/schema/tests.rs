use super::*;

#[test]
fn sync_names_round_trip_and_spin_points_at_its_replacement() {
    for mode in [
        SyncMode::Readback,
        SyncMode::Wait,
        SyncMode::Device,
        SyncMode::Pipeline(8),
        SyncMode::End,
    ] {
        assert_eq!(mode.to_string().parse::<SyncMode>(), Ok(mode));
    }
    for bad in ["pipeline:0", "pipeline:", "pipeline:x", "sync"] {
        let e = bad.parse::<SyncMode>().unwrap_err();
        assert!(e.contains("pipeline:D"), "{e}");
    }
    let e = "spin".parse::<SyncMode>().unwrap_err();
    assert!(e.contains("wait = \"spin\""), "{e}");
}

#[test]
fn every_strategy_has_one_entry_and_a_distinct_colour() {
    for (i, a) in StrategyKind::ALL.iter().enumerate() {
        assert_eq!(a.info().kind, *a);
        for b in &StrategyKind::ALL[i + 1..] {
            assert_ne!(a.info().colour, b.info().colour, "{a} and {b}");
            assert_ne!(a.name(), b.name());
        }
    }
}

#[test]
fn layouts_follow_the_table() {
    let s = |k, n, b, l| Layout::of(k, n, b, l);
    use StrategyKind::*;
    assert_eq!(s(Threads, 4, None, Launch::Threads).workers(), 4);
    assert_eq!(s(Batch, 64, None, Launch::Threads).batch, 64);
    assert_eq!(s(Processes, 3, None, Launch::Threads).processes, 3);
    let h = s(Hybrid, 2, Some(32), Launch::Threads);
    assert_eq!((h.threads, h.batch), (2, 32));
    let g = s(Gpus, 4, Some(256), Launch::Processes);
    assert_eq!((g.threads, g.processes, g.batch), (1, 4, 256));
}

#[test]
fn a_point_round_trips_through_json_with_its_parts_flattened() {
    let config = PointConfig {
        workload: WorkloadKind::Linear,
        dims: vec![256, 128],
        strategy: StrategyKind::Server,
        sync: SyncMode::Readback,
        wait: WaitStyle::Spin,
        precision: Precision::F32,
        label: None,
        pool: true,
        encode_ahead: false,
        upload_inputs: false,
        worker_batch: None,
        max_batch: Some(16),
        max_delay_us: Some(200),
        arrival_rate_per_s: None,
        launch: None,
        adapters: Vec::new(),
    };
    let layout = Layout::of(StrategyKind::Server, 4, None, Launch::Threads);
    let mut p = Point::new(config, 4, layout);
    p.prepared.upload = Some(Upload::Mapped);
    p.measured.batch_sizes = [(1, 3), (4, 10)].into();
    p.measured.samples_per_s_trials = vec![1.0, 2.0];
    let text = serde_json::to_string(&p).unwrap();
    for field in [
        "\"batch\":1",
        "\"threads\":4",
        "\"upload\":\"mapped\"",
        "\"status\":\"ok\"",
    ] {
        assert!(text.contains(field), "{field} in {text}");
    }
    let back: Point = serde_json::from_str(&text).unwrap();
    assert_eq!(back, p);
}
