//! Interrupts: SIGTERM during a point marks the run interrupted and
//! prints the command that resumes it; `curves run --resume` measures only
//! what is missing and finishes the same run; a parent killed outright
//! leaves no worker process behind.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const LONG: &str = "rounds = \"point\"\n[settings]\ntrial_s = 0\nmin_measured_s = 0\nwarmup_ops = 2\ntrials = 3\nmax_trials = 3\nops = 6\nchecks = 2\n\
    [[sweep]]\nworkload = \"linear\"\nstrategy = \"batch\"\nn = [1, 2]\n\
    [[sweep]]\nworkload = \"linear\"\nstrategy = \"processes\"\nn = [2]\nops = 200000\ntrials = 1\nmax_trials = 1\ntimeout_s = 600\n\
    [[sweep]]\nworkload = \"linear\"\nstrategy = \"threads\"\nn = [1, 2]\n";

fn start(dir: &Path) -> (Child, PathBuf) {
    let file = common::experiment(dir, LONG);
    let out = dir.join("results");
    let child = Command::new(assert_cmd::cargo::cargo_bin("curves"))
        .args([
            "run",
            file.to_str().unwrap(),
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ])
        .env_remove("WGPU_BACKEND")
        .env_remove("WGPU_ADAPTER_NAME")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    (child, out)
}

/// The run directory once its processes point has started (two points done).
fn wait_for_points(out: &Path, points: usize) -> PathBuf {
    let until = Instant::now() + Duration::from_secs(120);
    while Instant::now() < until {
        if let Some(dir) = std::fs::read_dir(out)
            .ok()
            .and_then(|mut d| d.next())
            .map(|e| e.unwrap().path())
        {
            let lines = std::fs::read_to_string(dir.join("points.jsonl"))
                .map(|t| t.lines().count())
                .unwrap_or(0);
            if lines >= points {
                return dir;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the run did not get {points} points done in time");
}

/// PIDs of `curves worker` processes whose parent is `parent`.
fn workers_of(parent: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        let ppid = stat
            .rsplit(") ")
            .next()
            .and_then(|s| s.split(' ').nth(1))
            .and_then(|s| s.parse::<u32>().ok());
        if cmdline.ends_with(b"worker\0") && ppid == Some(parent) {
            out.push(pid);
        }
    }
    out
}

/// Workers that are still alive anywhere, started by `parent` (found before it died).
fn alive(pids: &[u32]) -> Vec<u32> {
    pids.iter()
        .copied()
        .filter(|p| {
            Path::new(&format!("/proc/{p}/cmdline")).exists()
                && std::fs::read(format!("/proc/{p}/cmdline"))
                    .unwrap_or_default()
                    .ends_with(b"worker\0")
        })
        .collect()
}

fn signal(pid: u32, sig: &str) {
    assert!(
        Command::new("kill")
            .args([sig, &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
}

#[cfg(target_os = "linux")]
#[test]
fn sigterm_marks_the_run_interrupted_and_resume_finishes_it() {
    let dir = tempfile::tempdir().unwrap();
    let (child, out) = start(dir.path());
    let run_dir = wait_for_points(&out, 2);
    // The processes point is under way: its workers exist.
    let until = Instant::now() + Duration::from_secs(60);
    let mut workers = workers_of(child.id());
    while workers.is_empty() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
        workers = workers_of(child.id());
    }
    assert!(
        !workers.is_empty(),
        "the processes point started its workers"
    );
    let signalled = Instant::now();
    signal(child.id(), "-TERM");
    let output = child.wait_with_output().unwrap();
    let stopped_in = signalled.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    // Its trial would run 200,000 ops (minutes here): the parent's wait
    // looks at the interrupt. The bound is loose for a loaded CI machine.
    assert!(
        stopped_in < Duration::from_secs(10),
        "stopped {stopped_in:?} after the signal"
    );
    assert!(stderr.contains("curves run --resume"), "{stderr}");
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        alive(&workers).is_empty(),
        "workers outlived the run: {:?}",
        alive(&workers)
    );
    let run = curves::store::Run::load(&run_dir).unwrap();
    assert!(run.info.interrupted.is_some() && run.info.finished_at.is_none());
    assert_eq!(run.points.len(), 2, "the point cut short is not recorded");

    // Resume reads the experiment from run.json: shorten its long point
    // there, so that the resumed run finishes quickly.
    common::edit_run_json(&run_dir, |v| {
        v["experiment_text"] = LONG.replace("ops = 200000", "ops = 6").into()
    });
    common::curves()
        .args(["run", "--resume", run_dir.to_str().unwrap(), "--quiet"])
        .assert()
        .success();
    let run = curves::store::Run::load(&run_dir).unwrap();
    assert_eq!(run.points.len(), 5);
    assert!(run.info.finished_at.is_some() && run.info.interrupted.is_none());
    assert!(
        run.info
            .notes
            .iter()
            .any(|n| n.contains("resumed") && n.contains("2 of 5")),
        "{:?}",
        run.info.notes
    );
    let strategies: Vec<&str> = run
        .points
        .iter()
        .map(|p| p.config.strategy.name())
        .collect();
    assert_eq!(
        strategies,
        vec!["batch", "batch", "processes", "threads", "threads"]
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_parent_killed_outright_leaves_no_worker_behind() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, out) = start(dir.path());
    wait_for_points(&out, 2);
    let until = Instant::now() + Duration::from_secs(60);
    let mut workers = workers_of(child.id());
    while workers.is_empty() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
        workers = workers_of(child.id());
    }
    assert!(!workers.is_empty());
    signal(child.id(), "-KILL");
    let _ = child.wait();
    let until = Instant::now() + Duration::from_secs(5);
    while !alive(&workers).is_empty() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        alive(&workers).is_empty(),
        "orphaned workers: {:?}",
        alive(&workers)
    );
}
