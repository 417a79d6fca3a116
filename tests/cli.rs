//! The command line's errors: clear, and with a non-zero exit, never a panic.

mod common;

use predicates::prelude::*;

const ONE_POINT: &str = "[[sweep]]\nworkload = \"linear\"\nstrategy = \"batch\"\nn = [1]\n";

#[test]
fn help_explains_every_command() {
    common::curves().arg("--help").assert().success().stdout(
        predicate::str::contains("adapters")
            .and(predicate::str::contains("run"))
            .and(predicate::str::contains("plot"))
            .and(predicate::str::contains("report"))
            .and(predicate::str::contains("compare"))
            .and(predicate::str::contains("peak")),
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
        .code(2)
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
        .code(2)
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
        .code(2)
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
        .code(2)
        .stderr(
            predicate::str::contains("line 5")
                .and(predicate::str::contains("unknown field `opps`")),
        );
    let file = common::experiment(dir.path(), "[[sweep]\nworkload = 1\n");
    common::curves()
        .args(["run", file.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("line 1"));
}

/// Linux has no Metal: asking for it says so (a usage error), instead of
/// telling the user to install a Vulkan driver.
#[cfg(target_os = "linux")]
#[test]
fn a_backend_this_os_lacks_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let file = common::experiment(dir.path(), ONE_POINT);
    for args in [
        vec!["run", file.to_str().unwrap(), "--backend", "metal"],
        vec!["adapters", "--backend", "metal"],
        vec!["peak", "--backend", "dx12", "--quick"],
    ] {
        common::curves().args(&args).assert().code(2).stderr(
            predicate::str::contains("does not exist on linux")
                .and(predicate::str::contains("Backends here: vulkan, gl"))
                .and(predicate::str::contains("mesa-vulkan-drivers").not()),
        );
    }
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
        .code(2)
        .stderr(
            predicate::str::contains("no adapter matches \"no such gpu 9000\"")
                .and(predicate::str::contains("adapters found")),
        );
}

#[test]
fn adapters_lists_at_least_one_with_its_capabilities() {
    common::curves().arg("adapters").assert().success().stdout(
        predicate::str::contains("INDEX")
            .and(predicate::str::contains("BACKEND"))
            .and(predicate::str::contains("PCI BUS"))
            .and(predicate::str::is_match("\n +0  .+ (vulkan|metal|dx12|gl) ").unwrap()),
    );
}

#[test]
fn plot_refuses_a_directory_that_is_not_a_run() {
    let dir = tempfile::tempdir().unwrap();
    common::curves()
        .args(["plot", dir.path().to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not a run directory"));
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
        .stderr(predicate::str::contains("valid WGSL, translated as listed"));
    for kernel in [
        "matmul-128x128x16-8x8-vec4",
        "attention-hd64-vec4",
        "layer-norm-workgroup",
        "gemv-workgroup-r4",
    ] {
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

fn ceilings(run: &std::path::Path) -> curves::schema::Ceilings {
    serde_json::from_str(&std::fs::read_to_string(run.join("ceilings.json")).unwrap()).unwrap()
}

/// Every matmul variant `curves peak` measured matched its reference.
fn every_variant_is_right(c: &curves::schema::Ceilings) {
    for v in &c.variants {
        assert!(
            v.rel_error.is_some_and(|e| e <= v.precision.tolerance()),
            "{} at {}: {:?}",
            v.kernel,
            v.shape,
            v.rel_error
        );
    }
}

/// `curves peak --quick` measures every ceiling once on the adapter at
/// hand, every matmul variant's output right; `--into` puts them beside a
/// run, whose report then reads its best points against them.
#[test]
fn peak_quick_measures_every_ceiling_and_goes_beside_a_run() {
    let text = "[settings]\ntrial_s = 0\nmin_measured_s = 0\nwarmup_ops = 2\ntrials = 2\nmax_trials = 2\nops = 5\n[[sweep]]\nworkload = \"linear\"\nstrategy = \"batch\"\nn = [1, 4]\n";
    let (dir, run) = common::run_experiment(common::curves(), text, &[]);
    common::curves()
        .args(["peak", "--quick", "--into", run.dir.to_str().unwrap()])
        .assert()
        .success()
        .stderr(predicate::str::contains("Dispatch floor"));
    let c = ceilings(&run.dir);
    assert!(c.quick);
    assert!(c.matmul_f32_tflops.as_ref().is_some_and(|m| m.value > 0.0));
    assert!(c.bandwidth_gb_s.is_some() && c.dispatch_us.is_some());
    assert!(c.variants.len() >= 8, "{} variants", c.variants.len());
    every_variant_is_right(&c);
    assert_eq!(
        c.round_trip_us.len(),
        6,
        "three wait styles, readback and done"
    );
    assert!(c.submits_per_s.len() >= 4 && !c.workloads.is_empty());
    // The pass floor, and every op split into its dispatches, each timed.
    assert!(c.pass_floor_us.as_ref().is_some_and(|m| m.value > 0.0));
    for w in &c.workloads {
        let labels: Vec<&str> = w.dispatches.iter().map(|d| d.label.as_str()).collect();
        if w.workload.starts_with("transformer") {
            assert_eq!(
                labels,
                [
                    "transformer.qkv",
                    "transformer.attention",
                    "transformer.out",
                    "transformer.norm1",
                    "transformer.ff1",
                    "transformer.ff2",
                    "transformer.norm2"
                ]
            );
        } else {
            assert!(!labels.is_empty(), "{}", w.workload);
        }
        for d in &w.dispatches {
            assert!(d.alone_us > 0.0 && d.in_stream_us > 0.0, "{d:?}");
            assert!(!d.kernel.is_empty());
        }
    }
    let out = dir.path().join("report");
    common::curves()
        .args([
            "report",
            run.dir.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .assert()
        .success();
    let appendix = std::fs::read_to_string(out.join("APPENDIX.md")).unwrap();
    assert!(
        appendix.contains("## Against the device's ceilings"),
        "{appendix}"
    );
    assert!(
        appendix.contains("transformer.attention") && appendix.contains("pass floor"),
        "the per-dispatch times and the pass floor are in the appendix"
    );
    // A run of another adapter is refused.
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    let mut info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.dir.join("run.json")).unwrap()).unwrap();
    info["adapter"]["name"] = "Some Other GPU".into();
    std::fs::write(other.join("run.json"), info.to_string()).unwrap();
    common::curves()
        .args(["peak", "--quick", "--into", other.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "ceilings go beside the run they bound",
        ));
    // A run another curves writes is refused, naming it.
    let held = curves::runner::WriterLock::take(&run.dir).unwrap();
    common::curves()
        .args(["peak", "--quick", "--into", run.dir.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "process {}",
            std::process::id()
        )));
    drop(held);
}

/// `curves peak --shapes` measures every variant at the given shapes and
/// nothing else, each output right; a shape that is not one, or too large
/// to allocate, is a usage error, and a partial set of ceilings never
/// replaces a run's.
#[test]
fn peak_shapes_measures_only_those_products() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::curves()
        .args(["peak", "--quick", "--shapes", "33x20x17,1×64×32", "--out"])
        .arg(dir.path())
        .assert()
        .success()
        .stderr(predicate::str::contains("Only the given shapes"))
        .stderr(predicate::str::contains("Dispatch floor").not())
        .get_output()
        .stdout
        .clone();
    let run = std::path::PathBuf::from(String::from_utf8(out).unwrap().trim());
    let c = ceilings(&run);
    assert!(c.bandwidth_gb_s.is_none() && c.round_trip_us.is_empty() && c.workloads.is_empty());
    let shapes: std::collections::BTreeSet<&str> =
        c.variants.iter().map(|v| v.shape.as_str()).collect();
    assert_eq!(shapes, ["1×64×32", "33×20×17"].into_iter().collect());
    every_variant_is_right(&c);
    for (shape, why) in [
        ("0x1x1", "is not a size from 1 to 16384"),
        ("4x4", "is not M×K×N"),
        ("8192x8193x2", "more than the 67108864 allowed"),
    ] {
        common::curves()
            .args(["peak", "--quick", "--shapes", shape])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(why));
    }
    common::curves()
        .args(["peak", "--quick", "--shapes", "8x8x8", "--into"])
        .arg(&run)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be used with"));
}

/// `curves peak --workloads` times the workloads and their dispatches and
/// nothing else; it cannot go into a run either.
#[test]
fn peak_workloads_measures_only_the_layers() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::curves()
        .args(["peak", "--quick", "--workloads", "--out"])
        .arg(dir.path())
        .assert()
        .success()
        .stderr(predicate::str::contains("Only the workloads"))
        .stderr(predicate::str::contains("Matrix products").not())
        .get_output()
        .stdout
        .clone();
    let run = std::path::PathBuf::from(String::from_utf8(out).unwrap().trim());
    let c = ceilings(&run);
    assert!(c.variants.is_empty() && c.bandwidth_gb_s.is_none() && c.round_trip_us.is_empty());
    assert!(!c.workloads.is_empty());
    for w in &c.workloads {
        assert!(
            w.as_run_us.is_some_and(|t| t > 0.0)
                && w.checked_us > 0.0
                && w.unchecked_us > 0.0
                && !w.dispatches.is_empty(),
            "{}: {w:?}",
            w.workload
        );
    }
    common::curves()
        .args(["peak", "--quick", "--workloads", "--shapes", "8x8x8"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be used with"));
}

/// Every committed run compared with a copy of itself (another directory,
/// the same run id) changes nothing: every point with a figure is "no
/// change", and the comparison exits 0.
#[test]
fn every_committed_run_compares_with_its_copy_as_no_change() {
    let results = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("results");
    let mut checked = 0;
    for entry in std::fs::read_dir(&results).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.join("points.jsonl").exists() {
            continue;
        }
        let copy = tempfile::tempdir().unwrap();
        for file in ["run.json", "points.jsonl"] {
            std::fs::copy(dir.join(file), copy.path().join(file)).unwrap();
        }
        let out = common::curves()
            .args([
                "compare",
                dir.to_str().unwrap(),
                copy.path().to_str().unwrap(),
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let c: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        for p in c["points"].as_array().unwrap() {
            let change = p["change"].as_str().unwrap();
            assert!(
                change == "no_change" || (change == "not_comparable" && p["ratio"].is_null()),
                "{}: {p}",
                dir.display()
            );
            if let Some(r) = p["ratio"].as_f64() {
                assert!((r - 1.0).abs() < 1e-12, "{}: {p}", dir.display());
            }
        }
        assert!(c["only_in_base"].as_array().unwrap().is_empty());
        checked += 1;
    }
    assert!(checked >= 10, "{checked} runs");
}
