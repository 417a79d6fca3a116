//! Every kernel against its f64 CPU reference, on random inputs: each
//! matmul variant and tile configuration at awkward shapes, attention at
//! sequence lengths that do and do not fill its tiles and at head sizes
//! from 8 to 160, every workload in f32 (relative error ≤ 1e-4) and f16
//! (≤ 1e-2), on the Vulkan adapter at hand (lavapipe in CI, with
//! subgroups) and on GL (llvmpipe, without them: the fallback kernels).

use std::sync::Arc;

use curves::gpu::{AdapterSelection, BackendChoice, GpuContext};
use curves::measure::check::relative_error;
use curves::measure::op_loop::OpLoop;
use curves::measure::record::TrialRecord;
use curves::measure::request_loop::RequestLoop;
use curves::measure::stop::{Stop, deadline_after};
use curves::schema::{Precision, SyncMode, Upload, WaitStyle, WorkloadKind};
use curves::strategy::request_set::RequestSet;
use curves::workload::builder::matmul_once;
use curves::workload::choice::{self, Caps, Choice};
use curves::workload::kernels::Kernel;
use curves::workload::reference::{linear, narrow, widen};
use curves::workload::values::random;
use curves::workload::{SLOTS, Workload};

fn context(backend: BackendChoice) -> Arc<GpuContext> {
    let selection = AdapterSelection::new(Some(backend), None).expect("valid selection");
    Arc::new(GpuContext::open(&selection).unwrap_or_else(|e| {
        panic!("these tests run real kernels on {backend:?} and need an adapter (lavapipe / llvmpipe on Linux: apt-get install mesa-vulkan-drivers libgl1-mesa-dri libegl-mesa0): {e}")
    }))
}

fn stop() -> Stop {
    Stop::new(deadline_after(600.0))
}

/// Every matmul variant the device can run for `(m, k, n)`: each tile in
/// both load widths (vec4 only where k and n allow), and the matrix-vector
/// kernels where m is small.
fn variants(caps: &Caps, (m, k, n): (u32, u32, u32)) -> Vec<Choice> {
    let mut kernels = Vec::new();
    for vec4 in [false, true] {
        if vec4 && (k % 4 != 0 || n % 4 != 0) {
            continue;
        }
        kernels.extend(choice::tiles(caps, vec4).into_iter().map(Kernel::Matmul));
    }
    if m <= choice::GEMV_ROWS {
        let rows = m.next_power_of_two();
        for vec4 in [false, k % 4 == 0] {
            kernels.push(Kernel::Gemv {
                subgroup: false,
                rows,
                vec4,
            });
            if caps.subgroups.is_some() {
                kernels.push(Kernel::Gemv {
                    subgroup: true,
                    rows,
                    vec4,
                });
            }
        }
    }
    kernels
        .into_iter()
        .map(|kernel| Choice {
            kernel,
            grid: choice::grid(kernel, caps, m, n),
        })
        .collect()
}

fn every_matmul_variant_matches_the_reference_on(backend: BackendChoice) {
    let ctx = context(backend);
    let caps = Caps::of(&ctx);
    let precisions: &[Precision] = if ctx.info.shader_f16 {
        &[Precision::F32, Precision::F16]
    } else {
        &[Precision::F32]
    };
    let shapes = [
        (1, 256, 128),
        (3, 37, 19),
        (8, 64, 64),
        (33, 300, 65),
        (129, 16, 132),
        (200, 128, 256),
        (16, 40, 24),
        (1, 1, 1),
    ];
    let mut checked = 0;
    for &precision in precisions {
        for (i, &(m, k, n)) in shapes.iter().enumerate() {
            let seed = 7 + i as u64;
            let x = random((m * k) as usize, 1.0, seed, precision);
            let w = random((k * n) as usize, 0.2, seed ^ 1, precision);
            let b = random(n as usize, 0.2, seed ^ 2, precision);
            for relu in [false, true] {
                let want = narrow(&linear(
                    &widen(&x),
                    &w,
                    &b,
                    m as usize,
                    k as usize,
                    n as usize,
                    relu,
                ));
                for plan in variants(&caps, (m, k, n)) {
                    let got = matmul_once(&ctx, Some(plan), precision, &x, &w, &b, (m, k, n), relu)
                        .unwrap_or_else(|e| panic!("{plan:?}: {e}"));
                    let err = relative_error(&got, &want);
                    assert!(
                        err <= precision.tolerance(),
                        "{} at {m}×{k}→{n} {precision} relu={relu} on {}: relative error {err:e}",
                        plan.kernel.describe(),
                        ctx.info.label()
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 50, "{checked} variant checks");
}

#[test]
fn every_matmul_variant_matches_its_reference_on_vulkan() {
    every_matmul_variant_matches_the_reference_on(BackendChoice::Vulkan);
}

#[test]
fn every_matmul_variant_matches_its_reference_on_gl() {
    every_matmul_variant_matches_the_reference_on(BackendChoice::Gl);
}

/// (workload, dims, batch): the seeds' shapes, awkward ones, and
/// attention at sequences of 1, 33, 129, 300 and 512 with heads of 8 to 160
/// (and of 10, which is no multiple of 4: the scalar attention kernel).
fn cases() -> Vec<(WorkloadKind, Vec<u32>, u32)> {
    use WorkloadKind::*;
    vec![
        (Linear, vec![256, 128], 1),
        (Linear, vec![256, 128], 33),
        (Linear, vec![37, 19], 5),
        (Linear, vec![1, 1], 1),
        (Mlp, vec![256, 512, 256, 128], 1),
        (Mlp, vec![33, 70, 17, 5], 18),
        (Transformer, vec![256, 4, 32, 2048], 1),
        (Transformer, vec![48, 3, 7, 40], 3),
        (Transformer, vec![16, 2, 1, 24], 2),
        (Transformer, vec![64, 4, 33, 40], 2),
        (Transformer, vec![64, 2, 129, 64], 1),
        (Transformer, vec![40, 5, 300, 32], 1),
        (Transformer, vec![64, 4, 512, 64], 1),
        (Transformer, vec![160, 1, 40, 32], 1),
        (Transformer, vec![30, 3, 17, 20], 2),
        // Rows longer than the row-per-subgroup layer norm holds in
        // registers at lavapipe's subgroup size: the workgroup-per-row one.
        (Transformer, vec![264, 2, 3, 16], 1),
    ]
}

fn check_every_case(ctx: &Arc<GpuContext>, precision: Precision) {
    for (i, (kind, dims, batch)) in cases().into_iter().enumerate() {
        let workload = Workload::new(kind, Some(&dims)).unwrap();
        let what = format!(
            "{} batch {batch} {precision} on {}",
            workload.label(),
            ctx.info.backend
        );
        let mut op_loop = OpLoop::prepare(
            Arc::clone(ctx),
            &workload,
            batch,
            precision,
            100 + i as u64,
            SyncMode::Readback,
            WaitStyle::Block,
        );
        // Check every op of two passes over the input slots.
        let ops = 2 * SLOTS as u64;
        let record = op_loop.run_trial(ops, ops, stop());
        assert_eq!(record.error, None, "{what}");
        assert_eq!(record.ops_completed, ops, "{what}");
        assert_eq!(record.ops_checked, ops, "{what}");
        assert_eq!(
            record.ops_wrong, 0,
            "{what}: max relative error {:e}",
            record.max_rel_error
        );
        assert!(
            !op_loop.prepared().kernels().is_empty(),
            "{what}: records its kernels"
        );
    }
}

#[test]
fn every_workload_matches_its_reference_in_f32_on_vulkan() {
    check_every_case(&context(BackendChoice::Vulkan), Precision::F32);
}

#[test]
fn every_workload_matches_its_reference_in_f16_on_vulkan() {
    let ctx = context(BackendChoice::Vulkan);
    assert!(ctx.info.shader_f16, "lavapipe offers SHADER_F16");
    check_every_case(&ctx, Precision::F16);
}

#[test]
fn every_workload_matches_its_reference_in_f32_on_gl() {
    check_every_case(&context(BackendChoice::Gl), Precision::F32);
}

#[test]
fn the_cooperative_path_is_chosen_only_where_the_feature_exists() {
    for backend in [BackendChoice::Vulkan, BackendChoice::Gl] {
        let ctx = context(backend);
        let caps = Caps::of(&ctx);
        let plan = choice::choose(&caps, Precision::F16, (2048, 256, 512));
        assert_eq!(
            plan.kernel.is_coop(),
            ctx.info.cooperative_matrix,
            "{}",
            ctx.info.label()
        );
        assert!(
            !caps.cooperative_matrix,
            "{}: CPU adapters have no tensor cores",
            ctx.info.label()
        );
    }
}

/// A GPU owner's op path answers each op with the rows it was given:
/// written in place into mapped inputs where the backend binds them,
/// staged through a belt elsewhere, each op recorded ahead of its rows.
/// A trial that ends with an op recorded, its rows written, and never
/// submitted leaves that op's input ready for the next trial.
fn a_request_loop_answers_its_rows_on(backend: BackendChoice, upload: Upload) {
    let ctx = context(backend);
    let workload = Workload::new(WorkloadKind::Linear, Some(&[40, 24])).unwrap();
    let op_loop = OpLoop::prepare(
        ctx,
        &workload,
        4,
        Precision::F32,
        7,
        SyncMode::Readback,
        WaitStyle::Block,
    );
    let mut requests = RequestLoop::new(op_loop, true);
    assert_eq!(requests.upload(), upload, "{backend:?}");
    let set = RequestSet::new(requests.op_loop().prepared(), 12, 99);
    let row = set.answer_bytes();
    for t in 0..2u64 {
        let mut trial = requests.begin_trial(10, stop());
        requests.record_ahead(&trial);
        let mut checked = TrialRecord::default();
        for op in 0..10u64 {
            // Three requests in a batch of four, different every op.
            let samples: Vec<usize> = (0..3).map(|r| ((op * 3 + r + t) % 12) as usize).collect();
            let rows = samples.iter().map(|&s| set.input(s));
            let written = requests.write_rows(&mut trial, rows).is_some();
            assert!(
                written && requests.submit(&mut trial),
                "{backend:?}: {:?}",
                trial.record.error
            );
            requests.record_ahead(&trial);
            let out = requests.answer_oldest(&mut trial).expect("answered");
            for (r, &s) in samples.iter().enumerate() {
                set.check(s, &out[r * row..(r + 1) * row], &mut checked);
            }
        }
        assert_eq!(
            (checked.ops_checked, checked.ops_wrong),
            (30, 0),
            "{backend:?} trial {t}"
        );
        // Rows written for an op that never goes (as after an error).
        assert!(requests.write_rows(&mut trial, [set.input(0)]).is_some());
        assert_eq!(requests.end_trial(trial).error, None, "{backend:?}");
    }
}

#[test]
fn a_request_loop_answers_its_rows_written_in_place_on_vulkan() {
    a_request_loop_answers_its_rows_on(BackendChoice::Vulkan, Upload::Mapped);
}

#[test]
fn a_request_loop_answers_its_rows_staged_on_gl() {
    a_request_loop_answers_its_rows_on(BackendChoice::Gl, Upload::Staged);
}
