//! The traps a careless analysis falls into, each on hand-built records,
//! each asserting the honest outcome.

use super::testing::{config, curve, point, run};
use super::usl::FitOutcome;
use super::verdicts::{Outcome, verdicts};
use super::*;
use crate::schema::{Status, StrategyKind, SyncMode};

fn one(points: Vec<Point>) -> Vec<Run> {
    vec![run("gpu", points)]
}

#[test]
fn two_n1_points_with_different_labels_are_two_curves_with_their_own_baselines() {
    let mut a = config(StrategyKind::Batch, SyncMode::Readback);
    a.label = Some("first".into());
    let mut b = a.clone();
    b.label = None;
    let runs = one(vec![
        point(a.clone(), 1, &[100.0, 101.0, 99.0]),
        point(b.clone(), 1, &[200.0, 201.0, 199.0]),
        point(b, 2, &[400.0, 402.0, 398.0]),
    ]);
    let an = Analysis::of(&runs);
    assert_eq!(an.curves.len(), 2);
    for c in &an.curves {
        assert_eq!(
            c.at(1).unwrap().efficiency.unwrap().value,
            1.0,
            "{}",
            c.label
        );
    }
    let unlabelled = an.curves.iter().find(|c| c.config.label.is_none()).unwrap();
    assert_eq!(
        unlabelled.at(2).unwrap().efficiency.unwrap().value,
        1.0,
        "against its own N=1 (200), not the labelled one"
    );
}

#[test]
fn a_server_is_measured_against_batching_at_the_size_it_batches_to_not_its_own_n1() {
    let mut server = config(StrategyKind::Server, SyncMode::Readback);
    server.max_batch = Some(16);
    server.max_delay_us = Some(200);
    let mut points = curve(
        StrategyKind::Batch,
        SyncMode::Readback,
        &[1, 2, 4, 8, 16],
        &[10e3, 20e3, 40e3, 80e3, 160e3],
    );
    // A lone client waits out the delay: the server's own N=1 is tiny.
    points.push(point(server.clone(), 1, &[2e3, 2e3, 2e3]));
    points.push(point(server, 16, &[128e3, 128e3, 128e3]));
    let runs = one(points);
    let an = Analysis::of(&runs);
    let s = an
        .curves
        .iter()
        .find(|c| c.strategy() == StrategyKind::Server)
        .unwrap();
    assert_eq!(s.baseline, Baseline::BatchAtSize);
    let e16 = s.at(16).unwrap().efficiency.unwrap();
    assert!(
        (e16.value - 0.8).abs() < 1e-9,
        "128k of batch 16's 160k, not 128k / (16 × 2k) = 400%: {e16:?}"
    );
    let e1 = s.at(1).unwrap().efficiency.unwrap();
    assert!((e1.value - 0.2).abs() < 1e-9, "{e1:?}");
}

#[test]
fn a_bimodal_baseline_is_seen_and_widens_every_efficiency() {
    let c = config(StrategyKind::Batch, SyncMode::Readback);
    let runs = one(vec![
        point(c.clone(), 1, &[83.0, 84.0, 118.0, 119.0, 120.0]),
        point(c, 2, &[200.0, 201.0, 202.0]),
    ]);
    let an = Analysis::of(&runs);
    let curve = &an.curves[0];
    let base = curve.at(1).unwrap();
    assert!(base.noise.bimodal && base.noise.is_noisy());
    assert!(!steady(base), "a noisy point is not a steady figure");
    let e2 = curve.at(2).unwrap().efficiency.unwrap();
    assert!(
        e2.lo < 0.85 && e2.hi > 1.2,
        "the baseline's two levels carry into the interval: {e2:?}"
    );
}

#[test]
fn a_retrograde_threads_curve_gets_no_usl_reading() {
    let runs = one(curve(
        StrategyKind::Threads,
        SyncMode::Readback,
        &[1, 2, 4, 8],
        &[1000.0, 700.0, 400.0, 250.0],
    ));
    let an = Analysis::of(&runs);
    match an.curves[0].fit.as_ref().unwrap() {
        FitOutcome::Refused { reason, .. } => assert!(reason.contains("falls at N=2"), "{reason}"),
        FitOutcome::Fitted(f) => panic!("a verdict from a retrograde curve: {f:?}"),
    }
    let batch = one(curve(
        StrategyKind::Batch,
        SyncMode::Readback,
        &[1, 2, 4],
        &[1.0, 2.0, 4.0],
    ));
    assert!(
        Analysis::of(&batch).curves[0].fit.is_none(),
        "batching's N is no count of contending workers"
    );
}

#[test]
fn an_end_mode_point_never_wins_a_pick() {
    let mut points = curve(StrategyKind::Batch, SyncMode::End, &[1, 256], &[1e6, 9e9]);
    points.extend(curve(
        StrategyKind::Batch,
        SyncMode::Readback,
        &[1, 256],
        &[1e4, 2e6],
    ));
    let runs = one(points);
    let an = Analysis::of(&runs);
    let p = picks(&an, 0);
    let single = p.single_stream.unwrap();
    assert_eq!(
        single.config.sync,
        SyncMode::Readback,
        "end answers nobody until the trial ends"
    );
    assert_eq!(single.n, 256);
    for (_, latency) in &p.latency {
        assert_ne!(latency.unwrap().config.sync, SyncMode::End);
    }
}

#[test]
fn a_failed_point_has_no_efficiency_and_counts_against_the_curve() {
    let c = config(StrategyKind::Processes, SyncMode::Readback);
    let mut failed = point(c.clone(), 4, &[300.0]);
    failed.measured.status = Status::Failed;
    failed.measured.error = Some("worker process 2 exited".into());
    let runs = one(vec![
        point(c.clone(), 1, &[100.0, 100.0, 100.0]),
        point(c, 2, &[150.0, 150.0, 150.0]),
        failed,
    ]);
    let an = Analysis::of(&runs);
    let p4 = an.curves[0].at(4).unwrap();
    assert!(!p4.ok() && p4.efficiency.is_none() && p4.speedup.is_none());
    assert_eq!(an.curves[0].good().count(), 2);
}

#[test]
fn a_duplicate_n1_gives_no_baseline_rather_than_a_wrong_one() {
    let c = config(StrategyKind::Threads, SyncMode::Readback);
    let runs = one(vec![
        point(c.clone(), 1, &[100.0]),
        point(c.clone(), 1, &[96.0]),
        point(c, 2, &[150.0]),
    ]);
    let an = Analysis::of(&runs);
    assert!(
        matches!(&an.curves[0].baseline, Baseline::Missing(why) if why.contains("2 N=1 points"))
    );
    assert!(an.curves[0].at(2).unwrap().efficiency.is_none());
}

#[test]
fn verdicts_read_matched_figures_and_say_what_was_not_measured() {
    let mut points = curve(
        StrategyKind::Threads,
        SyncMode::Readback,
        &[1, 2, 4, 8, 16],
        &[10e3, 11e3, 11e3, 11e3, 11e3],
    );
    points.extend(curve(
        StrategyKind::Batch,
        SyncMode::Readback,
        &[1, 8, 32, 64, 128, 256],
        &[10e3, 80e3, 300e3, 600e3, 1.1e6, 2e6],
    ));
    let runs = one(points);
    let an = Analysis::of(&runs);
    let v = verdicts(&an, 0);
    assert_eq!(v.len(), 12);
    // 11k at 8 threads over 8 × 10k: 13.75%, above twice the seeds' 3.2%.
    assert_eq!(v[0].outcome, Outcome::DoesNotHold, "{:?}", v[0]);
    assert!(v[0].measured.starts_with("13.8%"), "{}", v[0].measured);
    // Batching: 600k / (64 × 10k) = 94% at 64, 2M / 2.56M = 78% at 256.
    assert_eq!(v[2].outcome, Outcome::Holds, "{:?}", v[2]);
    // 80k / 11k at N=8 = 7.3×: within half to twice 30×? No: below 15.
    assert_eq!(v[3].outcome, Outcome::DoesNotHold, "{:?}", v[3]);
    // No processes, queue, stack, pool points: not measured, with why.
    for i in [4, 5, 9, 10] {
        assert_eq!(v[i].outcome, Outcome::NotMeasured, "{:?}", v[i]);
        assert!(v[i].reason.starts_with("this run has no"), "{:?}", v[i]);
    }
}

/// Eleven pool pairs: one lucky pair at +69%, the rest at +5% to +12%.
/// The verdict reads the median pair with its interval over the pairs,
/// never the best: the pool gives a typical configuration about +9%.
#[test]
fn a_pool_with_one_lucky_pair_is_read_at_its_median_pair() {
    let mut points = Vec::new();
    let gains = [
        0.05, 0.06, 0.07, 0.08, 0.09, 0.09, 0.10, 0.11, 0.12, 0.12, 0.69,
    ];
    for (i, g) in gains.iter().enumerate() {
        let n = i as u32 + 1;
        let pooled = config(StrategyKind::Batch, SyncMode::Readback);
        let mut unpooled = pooled.clone();
        unpooled.pool = false;
        let tight =
            |r: f64| -> Vec<f64> { (0..10).map(|k| r * (1.0 + 0.001 * f64::from(k))).collect() };
        points.push(point(pooled, n, &tight(1000.0 * (1.0 + g))));
        points.push(point(unpooled, n, &tight(1000.0)));
    }
    let runs = one(points);
    let an = Analysis::of(&runs);
    let pool = &verdicts(&an, 0)[10];
    assert!(pool.claim.contains("tensor pool"), "{}", pool.claim);
    assert!(
        pool.measured.starts_with("median gain +9%"),
        "{}",
        pool.measured
    );
    assert!(pool.measured.contains("over 11 pairs"), "{}", pool.measured);
    // Its interval over the pairs lies below half the seeds' +35%.
    assert_eq!(pool.outcome, Outcome::DoesNotHold, "{pool:?}");
}

/// A noisy N=1 baseline widens every efficiency against it, and a claim
/// whose interval then crosses its rule's edge is inconclusive, never
/// held or refuted by luck.
#[test]
fn noise_makes_a_verdict_inconclusive_not_easier() {
    // Threads at 8 around 6% efficiency: tight, it is above 6.4%? No:
    // centred on it, either side reachable.
    let wide = |r: f64| -> Vec<f64> { (0..10).map(|k| r * (0.7 + 0.06 * f64::from(k))).collect() };
    let mut points = vec![point(
        config(StrategyKind::Threads, SyncMode::Readback),
        1,
        &wide(10_000.0),
    )];
    points.push(point(
        config(StrategyKind::Threads, SyncMode::Readback),
        8,
        &wide(5_100.0),
    ));
    let runs = one(points);
    let an = Analysis::of(&runs);
    let v = &verdicts(&an, 0)[0];
    assert_eq!(v.outcome, Outcome::Inconclusive, "{v:?}");
    assert!(v.rule.contains("6.4%"), "{}", v.rule);
}
