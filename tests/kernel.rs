//! Every workload's kernels against their f64 CPU reference, on random
//! inputs, for shapes that do and do not fill the 16-wide tiles and
//! 64-wide workgroups, in f32 (relative error ≤ 1e-4) and f16 (≤ 1e-2),
//! on the Vulkan adapter at hand (lavapipe in CI) and on GL (llvmpipe).

use std::sync::Arc;
use std::time::Duration;

use curves::gpu::readback::Readback;
use curves::gpu::{AdapterSelection, BackendChoice, GpuContext};
use curves::measure::check::relative_error;
use curves::measure::op_loop::OpLoop;
use curves::measure::sync::SyncMode;
use curves::workload::program::decode_values;
use curves::workload::{Precision, SLOTS, Workload, WorkloadKind};

fn context(backend: BackendChoice) -> Arc<GpuContext> {
    let selection = AdapterSelection::new(Some(backend), None).expect("valid selection");
    Arc::new(GpuContext::open(&selection).unwrap_or_else(|e| {
        panic!("these tests run real kernels on {backend:?} and need an adapter (lavapipe / llvmpipe on Linux: apt-get install mesa-vulkan-drivers libgl1-mesa-dri libegl-mesa0): {e}")
    }))
}

/// (workload, dims, batch): the seeds' shapes, and awkward ones.
fn cases() -> Vec<(WorkloadKind, Vec<u32>, u32)> {
    use WorkloadKind::*;
    vec![
        (Linear, vec![256, 128], 1),
        (Linear, vec![256, 128], 33),
        (Linear, vec![37, 19], 5),
        (Linear, vec![300, 65], 17),
        (Linear, vec![1, 1], 1),
        (Mlp, vec![256, 512, 256, 128], 1),
        (Mlp, vec![33, 70, 17, 5], 18),
        (Mlp, vec![512, 1024, 1024, 512], 2),
        (Transformer, vec![256, 4, 32, 2048], 1),
        (Transformer, vec![48, 3, 7, 40], 3),
        (Transformer, vec![64, 2, 33, 100], 2),
    ]
}

fn check_every_case(ctx: &Arc<GpuContext>, precision: Precision) {
    for (i, (kind, dims, batch)) in cases().into_iter().enumerate() {
        let workload = Workload::new(kind, Some(&dims)).unwrap();
        let what = format!(
            "{} batch {batch} {} on {}",
            workload.label(),
            precision.name(),
            ctx.info.backend
        );
        let mut op_loop = OpLoop::prepare(
            Arc::clone(ctx),
            &workload,
            batch,
            precision,
            100 + i as u64,
            SyncMode::Readback,
            Duration::from_secs(120),
        );
        // Check every op of two passes over the input slots.
        let ops = 2 * SLOTS as u64;
        let record = op_loop.run_trial(ops, ops);
        assert_eq!(record.error, None, "{what}");
        assert_eq!(record.ops_completed, ops, "{what}");
        assert_eq!(record.ops_checked, ops, "{what}");
        assert_eq!(
            record.ops_wrong, 0,
            "{what}: max relative error {:e}",
            record.max_rel_error
        );
        assert!(
            record.max_rel_error <= precision.tolerance(),
            "{what}: {:e}",
            record.max_rel_error
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
    assert!(
        ctx.info.shader_f16,
        "{} has no SHADER_F16; lavapipe has it",
        ctx.info.name
    );
    check_every_case(&ctx, Precision::F16);
}

#[test]
fn every_workload_matches_its_reference_in_f32_on_gl() {
    check_every_case(&context(BackendChoice::Gl), Precision::F32);
}

/// Each slot has its own inputs, so an op answered with another slot's (or
/// another request's) output would be counted wrong, not passed.
#[test]
fn outputs_of_different_slots_differ_and_a_mix_up_is_caught() {
    let ctx = context(BackendChoice::Vulkan);
    for workload in Workload::defaults() {
        let prepared = workload.prepare(&ctx, 2, Precision::F32, 7);
        let readback = Readback::new(&ctx.device, "test.readback", prepared.output_bytes() as u64);
        let mut out = vec![0u8; prepared.output_bytes()];

        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        let output = prepared.encode(&mut encoder, 0, None);
        readback.record_copy(&mut encoder, &output);
        let submission = ctx.queue.submit([encoder.finish()]);
        readback
            .read_into(&ctx.device, submission, &mut out, Duration::from_secs(60))
            .unwrap();
        let mut out = decode_values(&out, Precision::F32);
        out.truncate(prepared.output_len());

        let label = workload.label();
        assert!(
            relative_error(&out, prepared.expected(0)) <= 1e-4,
            "{label}"
        );
        assert!(
            relative_error(&out, prepared.expected(1)) > 0.05,
            "{label}: slot 1's reference should not match slot 0's output"
        );
        assert!(
            out.iter().any(|&v| v != 0.0),
            "{label}: the output should not be all zeros"
        );
    }
}
