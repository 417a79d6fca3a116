use super::*;
use crate::analysis::testing::{config, curve, point, run};
use crate::plot::{HEIGHT, WIDTH, layout_boxes};
use crate::schema::SyncMode;

#[test]
fn stems_are_unique_and_file_safe() {
    let mut taken = Vec::new();
    assert_eq!(
        stem("throughput", "linear 256→128", &mut taken),
        "throughput-linear-256-128"
    );
    assert_eq!(
        stem("throughput", "linear 256→128", &mut taken),
        "throughput-linear-256-128-2"
    );
}

/// Seven runs of many curves: every chart keeps to eight series a panel,
/// its panels to a grid that fits, and every text inside its canvas.
#[test]
fn many_runs_become_small_multiples_that_fit() {
    let mut runs = Vec::new();
    for r in 0..7 {
        let mut points = Vec::new();
        for sync in [SyncMode::Readback, SyncMode::Wait, SyncMode::Pipeline(4)] {
            for strategy in [
                StrategyKind::Threads,
                StrategyKind::Batch,
                StrategyKind::Processes,
            ] {
                points.extend(curve(
                    strategy,
                    sync,
                    &[1, 2, 4, 8],
                    &[1e4, 1.8e4, 3e4, 4e4],
                ));
            }
        }
        let mut one = run(&format!("gpu{r}"), points);
        one.info.started_at += chrono::Duration::minutes(r);
        runs.push(one);
    }
    let a = Analysis::of(&runs);
    let charts = all(&a);
    assert!(charts.len() >= 4);
    for named in &charts {
        for panel in named.chart.panels() {
            assert!(
                panel.series() <= MAX_SERIES,
                "{}: {} series",
                named.stem,
                panel.series()
            );
        }
        assert!(named.chart.panels().len() <= 9, "{}", named.stem);
        for b in layout_boxes(&named.chart) {
            assert!(
                b.inside(f64::from(WIDTH), f64::from(HEIGHT)),
                "{}: {b:?}",
                named.stem
            );
        }
    }
}

/// A curve whose efficiency runs past 150% (a slow baseline) gets a panel
/// of its own, named for the reason, instead of being pinned at a cap.
#[test]
fn an_efficiency_above_150_percent_is_drawn_apart_with_its_reason() {
    let mut points = curve(
        StrategyKind::Threads,
        SyncMode::Readback,
        &[1, 2, 4],
        &[1e4, 1.5e4, 2e4],
    );
    points.extend(curve(
        StrategyKind::Batch,
        SyncMode::End,
        &[1, 2, 4],
        &[1e4, 5e4, 1e5],
    ));
    let runs = [run("gpu", points)];
    let a = Analysis::of(&runs);
    let eff = all(&a)
        .into_iter()
        .find(|n| n.stem.starts_with("efficiency"))
        .expect("an efficiency chart");
    let Chart::Panels(p) = &eff.chart else {
        panic!("two panels expected: {:?}", eff.chart.title())
    };
    assert_eq!(p.panels.len(), 2);
    assert!(
        p.panels[1].title().contains("above 150%"),
        "{}",
        p.panels[1].title()
    );
}

/// wgpu and a framework peer are told apart by colour family: the peer's
/// lines are a lighter tint of the same strategy colour.
#[test]
fn a_peer_is_a_lighter_tint_of_the_same_colour() {
    let c = config(StrategyKind::Threads, SyncMode::Readback);
    let mut peer = run("peer", vec![point(c.clone(), 1, &[1.0, 1.0, 1.0])]);
    peer.info.crate_version = "peer".into();
    let runs = [run("gpu", vec![point(c, 1, &[1.0, 1.0, 1.0])]), peer];
    let a = Analysis::of(&runs);
    let (ours, theirs) = (colour(&a, &a.curves[0]), colour(&a, &a.curves[1]));
    assert_eq!(ours, StrategyKind::Threads.info().colour);
    assert!(
        theirs.0 > ours.0 && theirs.1 > ours.1 && theirs.2 > ours.2,
        "{theirs:?}"
    );
}
