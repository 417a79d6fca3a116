//! Every sync mode, in every wait style, under every strategy, completes
//! the expected ops with no wrong output; N=1 of each curve is its own
//! baseline (efficiency exactly 1, as the analysis derives it from the
//! files); GPU times come from timestamps where the adapter has them; the
//! phases are recorded; the scaling model is fitted only where N counts
//! workers sharing the GPU. The same holds with each op encoded ahead.

mod common;

use curves::analysis::Analysis;
use curves::schema::{BaselineRule, Status, StrategyKind, SyncMode, TimingMethod};

const SYNC_MODES: [&str; 5] = ["readback", "wait", "device", "pipeline:3", "end"];
const WAIT_STYLES: [&str; 3] = ["block", "spin", "callback"];

#[test]
fn every_sync_mode_in_every_wait_style_under_every_strategy() {
    let mut text = String::from(
        "[settings]\ntrial_s = 0\nmin_measured_s = 0\nwarmup_ops = 2\ntrials = 2\nmax_trials = 2\nops = 7\nchecks = 3\n",
    );
    let mut expected = 0;
    for sync in SYNC_MODES {
        for wait in WAIT_STYLES {
            for strategy in ["threads", "batch", "queue"] {
                if strategy == "queue" && sync == "end" {
                    continue; // refused by the loader: queue answers each request when it is done
                }
                text += &format!(
                    "[[sweep]]\nworkload = \"linear\"\nstrategy = \"{strategy}\"\nn = [1, 2]\nsync = \"{sync}\"\nwait = \"{wait}\"\n"
                );
                expected += 2;
            }
        }
        // Each op's commands recorded while the one before it runs, where
        // the host waits after every op (threads and batch in every wait
        // style, processes across their boundary).
        if matches!(sync, "readback" | "wait" | "device") {
            for wait in WAIT_STYLES {
                for strategy in ["threads", "batch"] {
                    text += &format!(
                        "[[sweep]]\nworkload = \"linear\"\nstrategy = \"{strategy}\"\nn = [1, 2]\nsync = \"{sync}\"\nwait = \"{wait}\"\nencode_ahead = true\n"
                    );
                    expected += 2;
                }
            }
            text += &format!(
                "[[sweep]]\nworkload = \"linear\"\nstrategy = \"processes\"\nn = [1, 2]\nsync = \"{sync}\"\nencode_ahead = true\n"
            );
            expected += 2;
        }
        // Workers with devices of their own, in the default (blocking) style.
        for strategy in ["devices", "processes"] {
            text += &format!(
                "[[sweep]]\nworkload = \"linear\"\nstrategy = \"{strategy}\"\nn = [1, 2, 3]\nsync = \"{sync}\"\n"
            );
            expected += 3;
        }
    }
    let (_dir, run) = common::run_experiment(common::curves(), &text, &[]);
    assert_eq!(run.points.len(), expected);
    assert_eq!(
        run.points.iter().filter(|p| p.config.encode_ahead).count(),
        3 * (3 * 2 * 2 + 2),
        "every encode_ahead sweep ran and says so"
    );

    for p in &run.points {
        let c = &p.config;
        let what = format!(
            "{} N={} {}: {:?}",
            c.strategy,
            p.n,
            c.sync_label(),
            p.measured.error
        );
        let workers = u64::from(p.layout.threads * p.layout.processes);
        assert_eq!(p.measured.status, Status::Ok, "{what}");
        assert_eq!(p.measured.ops_expected, 2 * 7 * workers, "{what}");
        assert_eq!(p.measured.ops_completed, p.measured.ops_expected, "{what}");
        assert_eq!(p.measured.ops_wrong, 0, "{what}");
        // readback checks sampled ops per worker; the other modes each
        // slot's last output per worker; queue's clients check every answer.
        let per_trial = if c.sync == SyncMode::Readback { 3 } else { 4 };
        let checked = if c.strategy == StrategyKind::Queue {
            p.measured.ops_completed
        } else {
            2 * per_trial * workers
        };
        assert_eq!(p.measured.ops_checked, checked, "{what}");
        let phases = p.measured.phases_us.unwrap();
        assert!(
            phases.encode.median > 0.0 && phases.submit.median > 0.0,
            "{what}"
        );
        if c.sync == SyncMode::Readback || c.strategy == StrategyKind::Queue {
            assert!(
                phases.readback.median > 0.0,
                "{what}: answers are read back"
            );
        } else {
            assert_eq!(
                phases.readback.median, 0.0,
                "{what}: only readback copies to the host"
            );
        }
        if run.info.adapter.timestamp_query {
            assert_eq!(
                p.measured.timing_method,
                TimingMethod::GpuTimestamps,
                "{what}"
            );
            assert!(phases.gpu.unwrap().median > 0.0, "{what}");
        } else {
            assert_eq!(p.measured.timing_method, TimingMethod::WallClock, "{what}");
        }
        assert!(p.measured.latency_us.unwrap().p50 > 0.0, "{what}");
        assert_eq!(
            c.sync_label().ends_with("encoded ahead"),
            c.encode_ahead,
            "{what}"
        );
        assert_eq!(
            p.measured
                .latency_histogram
                .iter()
                .map(|b| b.count)
                .sum::<u64>(),
            p.measured.ops_completed,
            "{what}"
        );
    }

    let runs = [run];
    let a = Analysis::of(&runs);
    for c in &a.curves {
        let own = c.strategy().info().baseline == BaselineRule::OwnN1;
        for p in &c.points {
            let what = format!("{} {} N={}", c.label, c.config.sync_label(), p.point.n);
            let e = p
                .efficiency
                .unwrap_or_else(|| panic!("{what}: has its matched baseline"));
            if own && p.point.n == 1 {
                assert_eq!(e.value, 1.0, "{what}: N=1 is its own baseline");
            }
        }
        // The scaling model only where N counts workers sharing the GPU.
        assert_eq!(
            c.fit.is_some(),
            c.strategy().info().scaling_model,
            "{}",
            c.label
        );
    }
}
