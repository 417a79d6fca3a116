//! The linear kernel against its f64 CPU reference, on the adapter at hand
//! (lavapipe in CI), for shapes that do and do not fill the workgroup.

use std::sync::Arc;
use std::time::Duration;

use curves::gpu::readback::Readback;
use curves::gpu::{AdapterSelection, GpuContext};
use curves::measure::check::{F32_TOLERANCE, relative_error};
use curves::measure::op_loop::OpLoop;
use curves::measure::sync::SyncMode;
use curves::workload::linear::Linear;
use curves::workload::{SLOTS, Workload};

fn context() -> Arc<GpuContext> {
    let selection = AdapterSelection::new(None, None).expect("valid selection");
    Arc::new(GpuContext::open(&selection).expect(
        "these tests run real kernels and need a GPU adapter; on Linux: apt-get install mesa-vulkan-drivers",
    ))
}

/// (in, out, batch): the seeds' layer, and shapes that are not multiples of
/// the 64-wide workgroup, down to a single element.
const SHAPES: [(u32, u32, u32); 6] = [
    (256, 128, 1),
    (256, 128, 33),
    (37, 19, 5),
    (300, 65, 17),
    (1, 1, 1),
    (129, 200, 3),
];

#[test]
fn linear_matches_the_reference_on_every_shape() {
    let ctx = context();
    for (i, (n_in, n_out, batch)) in SHAPES.into_iter().enumerate() {
        let workload = Workload::Linear(Linear {
            in_features: n_in,
            out_features: n_out,
        });
        let mut op_loop = OpLoop::prepare(
            Arc::clone(&ctx),
            &workload,
            batch,
            100 + i as u64,
            SyncMode::Readback,
            Duration::from_secs(60),
        );
        // Check every op of two passes over the input slots.
        let ops = 2 * SLOTS as u64;
        let record = op_loop.run_trial(ops, ops);
        let shape = format!("{n_in}→{n_out} batch {batch}");
        assert_eq!(record.error, None, "{shape}");
        assert_eq!(record.ops_completed, ops, "{shape}");
        assert_eq!(record.ops_checked, ops, "{shape}");
        assert_eq!(
            record.ops_wrong, 0,
            "{shape}: max relative error {}",
            record.max_rel_error
        );
        assert!(
            record.max_rel_error <= F32_TOLERANCE,
            "{shape}: {}",
            record.max_rel_error
        );
    }
}

/// Each slot has its own inputs, so an op answered with another slot's (or
/// another request's) output would be counted wrong, not passed.
#[test]
fn outputs_of_different_slots_differ_and_a_mix_up_is_caught() {
    let ctx = context();
    let workload = Workload::Linear(Linear::default());
    let prepared = workload.prepare(&ctx, 2, 7);
    let readback = Readback::new(
        &ctx.device,
        "test.readback",
        (prepared.output_len() * 4) as u64,
    );
    let mut out = vec![0f32; prepared.output_len()];

    let mut encoder = ctx.device.create_command_encoder(&Default::default());
    prepared.encode(&mut encoder, 0, None);
    readback.record_copy(&mut encoder, prepared.output(0));
    let submission = ctx.queue.submit([encoder.finish()]);
    readback
        .read_into(&ctx.device, submission, &mut out, Duration::from_secs(60))
        .unwrap();

    assert!(relative_error(&out, prepared.expected(0)) <= F32_TOLERANCE);
    assert!(
        relative_error(&out, prepared.expected(1)) > 0.1,
        "slot 1's reference should not match slot 0's output"
    );
    assert!(
        out.iter().any(|&v| v != 0.0),
        "the output should not be all zeros"
    );
}
