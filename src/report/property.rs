//! Property tests: the analysis, every chart and the whole report are
//! total functions of any records — generated points with any figures
//! (zero, negative, huge, tiny, missing), any statuses and any mix of
//! strategies and sync modes never make them panic or loop.

use proptest::prelude::*;

use crate::analysis::Analysis;
use crate::analysis::testing::{config, point, run};
use crate::schema::{Status, StrategyKind, SyncMode};

fn figure() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0),
        Just(-1.0),
        Just(1e308),
        Just(1e-300),
        Just(f64::MIN_POSITIVE),
        1e-3..1e9f64,
    ]
}

fn strategy() -> impl Strategy<Value = StrategyKind> {
    prop::sample::select(StrategyKind::ALL.to_vec())
}

fn sync() -> impl Strategy<Value = SyncMode> {
    prop_oneof![
        Just(SyncMode::Readback),
        Just(SyncMode::Wait),
        Just(SyncMode::Device),
        Just(SyncMode::End),
        (1u32..9).prop_map(SyncMode::Pipeline),
    ]
}

fn status() -> impl Strategy<Value = Status> {
    prop::sample::select(vec![
        Status::Ok,
        Status::Ok,
        Status::Ok,
        Status::Failed,
        Status::Wrong,
        Status::Unsupported,
        Status::Invalid,
    ])
}

prop_compose! {
    fn a_point()(
        strategy in strategy(),
        sync in sync(),
        n in prop::sample::select(vec![1u32, 1, 2, 4, 8, 16, 256]),
        trials in prop::collection::vec(figure(), 0..5),
        status in status(),
        latency in figure(),
        max_batch in 1u32..32,
        missing_spread in any::<bool>(),
    ) -> crate::schema::Point {
        let mut c = config(strategy, sync);
        if strategy == StrategyKind::Server {
            c.max_batch = Some(max_batch);
            c.max_delay_us = Some(100);
        }
        if matches!(strategy, StrategyKind::Hybrid | StrategyKind::Gpus) {
            c.worker_batch = Some(4);
        }
        let mut p = point(c, n, &trials);
        p.measured.status = status;
        if let Some(l) = p.measured.latency_us.as_mut() {
            l.p50 = latency;
            l.p99 = latency * 2.0;
        }
        if missing_spread {
            p.measured.samples_per_s_spread = None;
        }
        p
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_records_analyse_draw_and_report(points in prop::collection::vec(a_point(), 0..24), second in prop::collection::vec(a_point(), 0..8)) {
        let runs = vec![run("a", points), run("b", second)];
        let a = Analysis::of(&runs);
        let charts = crate::plot::charts::all(&a);
        for c in &charts {
            let svg = crate::plot::svg(&c.chart).expect("draws");
            prop_assert!(svg.contains("</svg>"));
        }
        let doc = super::document(&a, &charts, &[]);
        let md = super::markdown(&doc);
        prop_assert!(md.contains("## Caveats"));
        let _ = super::appendix(&doc);
        let _ = super::points_table(&a).csv();
    }
}
