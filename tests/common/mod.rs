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
