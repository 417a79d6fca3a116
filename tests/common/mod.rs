//! Helpers shared by the CLI tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The `curves` binary, with wgpu's adapter variables cleared so each test
/// says what it wants.
pub fn curves() -> Command {
    let mut cmd = Command::cargo_bin("curves").expect("the curves binary is built");
    cmd.env_remove("WGPU_BACKEND")
        .env_remove("WGPU_ADAPTER_NAME");
    cmd
}

/// Writes `text` as an experiment file in `dir`.
pub fn experiment(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("experiment.toml");
    std::fs::write(&path, text).expect("writing the experiment file");
    path
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Runs `curves run` with `cmd` (environment set by the caller) on an
/// experiment file holding `text`, plus `args`; expects success and the run
/// directory on stdout, inside the temporary directory returned with the run.
pub fn run_experiment(
    mut cmd: Command,
    text: &str,
    args: &[&str],
) -> (tempfile::TempDir, curves::store::Run) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = experiment(dir.path(), text);
    let out = dir.path().join("results");
    let assert = cmd
        .args([
            "run",
            file.to_str().unwrap(),
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ])
        .args(args)
        .assert()
        .success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).expect("utf-8 output");
    let run_dir = PathBuf::from(stdout.trim());
    assert!(
        run_dir.starts_with(&out),
        "prints the run directory: {stdout}"
    );
    let run = curves::store::Run::load(&run_dir).expect("the run loads");
    (dir, run)
}

/// A copy of fixture `name` in `dir` (as `dir/name`), with `edit` applied
/// to each point's JSON.
pub fn edited_copy(
    name: &str,
    dir: &Path,
    edit: impl Fn(usize, &mut serde_json::Value),
) -> PathBuf {
    let src = fixture(name);
    let dst = dir.join(name);
    std::fs::create_dir_all(&dst).unwrap();
    std::fs::copy(src.join("run.json"), dst.join("run.json")).unwrap();
    let text = std::fs::read_to_string(src.join("points.jsonl")).unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
        edit(i, &mut v);
        out.push_str(&v.to_string());
        out.push('\n');
    }
    std::fs::write(dst.join("points.jsonl"), out).unwrap();
    dst
}

/// A run directory's run.json.
pub fn run_json(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap()
}

/// Rewrites a run directory's run.json with `edit` applied.
pub fn edit_run_json(dir: &Path, edit: impl Fn(&mut serde_json::Value)) {
    let mut info = run_json(dir);
    edit(&mut info);
    std::fs::write(dir.join("run.json"), info.to_string()).unwrap();
}
