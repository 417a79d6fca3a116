//! The command line's errors: clear, and with a non-zero exit, never a panic.

mod common;

use predicates::prelude::*;

const ONE_POINT: &str = "[[sweep]]\nworkload = \"linear\"\nstrategy = \"batch\"\nn = [1]\n";

#[test]
fn help_explains_every_command() {
    common::curves().arg("--help").assert().success().stdout(
        predicate::str::contains("adapters")
            .and(predicate::str::contains("run"))
            .and(predicate::str::contains("plot")),
    );
    common::curves()
        .args(["run", "--help"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("--backend")
                .and(predicate::str::contains("WGPU_ADAPTER_NAME")),
        );
}

#[test]
fn an_unknown_backend_is_a_usage_error() {
    common::curves()
        .args(["run", "--backend", "opengl3"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "possible values: vulkan, metal, dx12, gl",
        ));
}

#[test]
fn a_bad_wgpu_backend_variable_is_named() {
    common::curves()
        .env("WGPU_BACKEND", "vulcan")
        .args(["adapters"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "WGPU_BACKEND=\"vulcan\" names no backend",
        ));
}

#[test]
fn n_zero_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = common::experiment(dir.path(), &ONE_POINT.replace("[1]", "[1, 0]"));
    common::curves()
        .args(["run", file.to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("line 4")
                .and(predicate::str::contains("nonzero"))
                .and(predicate::str::contains("panicked").not()),
        );
}

#[test]
fn a_missing_experiment_file_is_named() {
    common::curves()
        .args(["run", "experiments/no-such-file.toml"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "cannot read experiment file experiments/no-such-file.toml",
        ));
}

#[test]
fn a_malformed_experiment_file_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = common::experiment(dir.path(), &format!("{ONE_POINT}opps = 3\n"));
    common::curves()
        .args(["run", file.to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("line 5")
                .and(predicate::str::contains("unknown field `opps`")),
        );
    let file = common::experiment(dir.path(), "[[sweep]\nworkload = 1\n");
    common::curves()
        .args(["run", file.to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("line 1"));
}

/// Linux has no Metal: asking for it is the no-adapter path, whatever
/// drivers the machine has.
#[cfg(target_os = "linux")]
#[test]
fn no_adapter_says_what_was_tried_and_how_to_get_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = common::experiment(dir.path(), ONE_POINT);
    for args in [
        vec!["run", file.to_str().unwrap(), "--backend", "metal"],
        vec!["adapters", "--backend", "metal"],
    ] {
        common::curves().args(&args).assert().code(3).stderr(
            predicate::str::contains("no GPU adapter found (backends tried: metal)").and(
                predicate::str::contains("apt-get install mesa-vulkan-drivers"),
            ),
        );
    }
    // The environment variable is honoured the same way.
    common::curves()
        .env("WGPU_BACKEND", "metal")
        .args(["run", file.to_str().unwrap()])
        .assert()
        .code(3);
}

#[test]
fn an_adapter_name_that_matches_nothing_lists_what_exists() {
    let dir = tempfile::tempdir().unwrap();
    let file = common::experiment(dir.path(), ONE_POINT);
    common::curves()
        .args([
            "run",
            file.to_str().unwrap(),
            "--adapter",
            "no such gpu 9000",
        ])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("no adapter matches \"no such gpu 9000\"")
                .and(predicate::str::contains("adapters found")),
        );
}

#[test]
fn adapters_lists_at_least_one_with_its_capabilities() {
    common::curves().arg("adapters").assert().success().stdout(
        predicate::str::contains("BACKEND")
            .and(predicate::str::contains("TIMESTAMPS"))
            .and(predicate::str::is_match("\n.+ (vulkan|metal|dx12|gl) ").unwrap()),
    );
}

#[test]
fn plot_refuses_a_directory_that_is_not_a_run() {
    let dir = tempfile::tempdir().unwrap();
    common::curves()
        .args(["plot", dir.path().to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is ").and(predicate::str::contains("a run directory?")));
}

#[test]
fn stress_checks_every_op_and_says_pass() {
    common::curves()
        .args(["stress", "--threads", "3", "--ops", "5"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Total ops: 15 (expected: 15)")
                .and(predicate::str::contains("Checked: 15, wrong: 0"))
                .and(predicate::str::contains("Status: PASS")),
        );
}

#[test]
fn stress_fails_loudly_when_ops_cannot_complete() {
    // A point given no time at all cannot complete: the exit status says so.
    common::curves()
        .args([
            "stress",
            "--threads",
            "2",
            "--ops",
            "5",
            "--timeout-s",
            "0.000001",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("Status: FAIL"))
        .stderr(predicate::str::contains("stress verification failed"));
}

#[test]
fn shaders_validates_and_writes_every_translation() {
    let dir = tempfile::tempdir().unwrap();
    common::curves()
        .args(["shaders", "--out", dir.path().to_str().unwrap()])
        .assert()
        .success()
        .stderr(predicate::str::contains("translated to SPIR-V, MSL, HLSL"));
    for kernel in ["matmul", "attention", "layer_norm"] {
        for file in [
            format!("{kernel}.f32.wgsl"),
            format!("{kernel}.f32.spv"),
            format!("{kernel}.f32.metal"),
            format!("{kernel}.f32.hlsl"),
            format!("{kernel}.f32.comp.glsl"),
            format!("{kernel}.f16.metal"),
            format!("{kernel}.f16.hlsl"),
        ] {
            let path = dir.path().join(&file);
            assert!(
                std::fs::metadata(&path)
                    .map(|m| m.len() > 100)
                    .unwrap_or(false),
                "{file} missing or empty"
            );
        }
    }
}
