//! Every sync mode under every strategy completes the expected ops with no
//! wrong output; N=1 of each (strategy, sync) pair is its own baseline
//! (efficiency exactly 1); GPU times come from timestamps where the adapter
//! has them; the phase breakdown and USL fits are recorded.

mod common;

use curves::results::{FITS_FILE, Status};

const SYNC_MODES: [&str; 6] = ["readback", "wait", "device", "spin", "pipeline:3", "end"];

#[test]
fn every_sync_mode_under_every_strategy() {
    let mut text = String::from("[settings]\nwarmup_ops = 2\ntrials = 2\nops = 7\nchecks = 3\n");
    for sync in SYNC_MODES {
        for strategy in ["threads", "devices", "batch", "processes", "queue"] {
            if strategy == "queue" && sync == "end" {
                continue; // refused by the loader: queue answers each request when it is done
            }
            text += &format!(
                "[[sweep]]\nworkload = \"linear\"\nstrategy = \"{strategy}\"\nn = [1, 2, 3]\nsync = \"{sync}\"\n"
            );
        }
    }
    let (_dir, run) = common::run_experiment(common::curves(), &text, &[]);
    assert_eq!(run.points.len(), SYNC_MODES.len() * 4 * 3 + 5 * 3);

    for p in &run.points {
        let what = format!("{} N={} sync {}: {:?}", p.strategy, p.n, p.sync, p.error);
        let workers = u64::from(p.threads * p.processes);
        assert_eq!(p.status, Status::Ok, "{what}");
        assert_eq!(p.ops_expected, 2 * 7 * workers, "{what}");
        assert_eq!(p.ops_completed, p.ops_expected, "{what}");
        assert_eq!(p.ops_wrong, 0, "{what}");
        // readback checks sampled ops per worker; the other modes each
        // slot's last output per worker; queue's clients check every answer.
        let per_trial = if p.sync == "readback" { 3 } else { 4 };
        let checked = if p.strategy == "queue" {
            p.ops_completed
        } else {
            2 * per_trial * workers
        };
        assert_eq!(p.ops_checked, checked, "{what}");
        if p.n == 1 {
            assert_eq!(p.efficiency, Some(1.0), "{what}: N=1 is its own baseline");
        } else {
            assert!(p.efficiency.is_some(), "{what}: has its matched baseline");
        }
        let phases = p.phases_us.unwrap();
        assert!(
            phases.encode.median > 0.0 && phases.submit.median > 0.0,
            "{what}"
        );
        if p.sync == "readback" || p.strategy == "queue" {
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
            assert_eq!(p.timing_method, "gpu-timestamps", "{what}");
            assert!(phases.gpu.unwrap().median > 0.0, "{what}");
        } else {
            assert_eq!(p.timing_method, "wall-clock", "{what}");
        }
        let lat = p.latency_us.unwrap();
        assert!(lat.p50 > 0.0, "{what}");
        assert_eq!(
            p.latency_histogram.iter().map(|b| b.count).sum::<u64>(),
            p.ops_completed,
            "{what}"
        );
    }

    let fits: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(run.dir.join(FITS_FILE)).unwrap()).unwrap();
    // Workers sharing the GPU: threads, devices and processes in every sync
    // mode; never batch, nor queue's clients of one GPU owner.
    assert_eq!(fits.len(), 3 * SYNC_MODES.len(), "{fits:?}");
    assert!(fits.iter().all(|f| {
        ["threads", "devices", "processes"].contains(&f["strategy"].as_str().unwrap())
            && f["fit"]["sigma"].as_f64().unwrap() >= 0.0
    }));
}
