//! Each workload's GPU time per op as every point runs it, with every
//! module checked and with none, and split into its dispatches.

use super::*;

/// Each dispatch of an op timed on its own: alone in a pass, and back to
/// back in one pass (`STREAM` times, each after the last), so that an
/// op's GPU time can be split into its kernels and the passes around them.
pub(super) fn dispatch_times(
    ctx: &GpuContext,
    sizes: &Sizes,
    dispatches: &[Dispatch],
) -> Result<Vec<DispatchGpuTime>, GpuError> {
    const STREAM: u32 = 20;
    let mut out = Vec::new();
    for d in dispatches {
        warm(ctx, sizes.warm_s.min(0.1), pass_of(&[d], 1))?;
        let alone = time_passes(ctx, sizes.op_reps, pass_of(&[d], 1))?;
        let stream = time_passes(ctx, sizes.op_reps.div_ceil(4), pass_of(&[d], STREAM))?;
        out.push(DispatchGpuTime {
            label: d.label.clone(),
            kernel: d.kernel.clone(),
            alone_us: stats::median(&alone).unwrap_or(f64::NAN) * 1e6,
            in_stream_us: stats::median(&stream).unwrap_or(f64::NAN) * 1e6 / f64::from(STREAM),
        });
    }
    Ok(out)
}

/// Each workload's GPU time per op at the batches the table
/// names: as every point runs it, with every module checked, and with none.
pub(super) fn workloads(
    ctx: &GpuContext,
    sizes: &Sizes,
    log: &mut dyn FnMut(String),
    out: &mut Ceilings,
) {
    use WorkloadKind::*;
    log("Workloads, GPU time per op (naga runtime checks as run / on every module / off):".into());
    let mut cases: Vec<(WorkloadKind, Vec<u32>, u32, Precision)> = if ctx_is_quick(sizes) {
        vec![
            (Linear, vec![256, 128], 1, Precision::F32),
            (Mlp, vec![64, 96, 32], 4, Precision::F32),
            (Transformer, vec![64, 4, 16, 128], 2, Precision::F32),
        ]
    } else {
        vec![
            (Linear, vec![256, 128], 1, Precision::F32),
            (Linear, vec![256, 128], 256, Precision::F32),
            (Linear, vec![768, 3072], 256, Precision::F32),
            (Mlp, vec![256, 512, 256, 128], 1, Precision::F32),
            (Mlp, vec![256, 512, 256, 128], 256, Precision::F32),
            (Mlp, vec![512, 1024, 1024, 512], 256, Precision::F32),
            (Transformer, vec![256, 4, 32, 2048], 1, Precision::F32),
            (Transformer, vec![256, 4, 32, 2048], 256, Precision::F32),
            (Transformer, vec![768, 12, 512, 3072], 2, Precision::F32),
            (Transformer, vec![256, 4, 2048, 1024], 1, Precision::F32),
        ]
    };
    if ctx.info.shader_f16 {
        let f16: Vec<_> = cases
            .iter()
            .filter(|c| c.2 > 1)
            .map(|(k, d, b, _)| (*k, d.clone(), *b, Precision::F16))
            .collect();
        cases.extend(f16);
    }
    for (kind, dims, batch, precision) in cases {
        let workload = Workload::new(kind, Some(&dims)).expect("valid dims");
        let time =
            |checks: BoundsChecks| -> Result<(f64, Vec<String>, Vec<DispatchGpuTime>), GpuError> {
                let prepared =
                    workload.prepare_with_bounds_checks(ctx, batch, precision, 5, checks);
                let record =
                    |encoder: &mut wgpu::CommandEncoder,
                     ts: Option<wgpu::ComputePassTimestampWrites<'_>>| {
                        prepared.encode(encoder, 0, ts);
                    };
                warm(ctx, sizes.warm_s, record)?;
                let mut seconds = Vec::new();
                for slot in 0..SLOTS.min(sizes.op_reps as usize) {
                    let reps = sizes.op_reps / SLOTS as u32 + 1;
                    seconds.extend(time_passes(ctx, reps, |e, ts| {
                        prepared.encode(e, slot, ts);
                    })?);
                }
                let each = if checks == BoundsChecks::ExceptProven {
                    dispatch_times(ctx, sizes, prepared.dispatches(0))?
                } else {
                    Vec::new()
                };
                Ok((
                    stats::median(&seconds).unwrap_or(f64::NAN),
                    prepared.kernels(),
                    each,
                ))
            };
        let all = || time(BoundsChecks::All).map(|t| t.0);
        let off = || time(BoundsChecks::Off).map(|t| t.0);
        match time(BoundsChecks::ExceptProven)
            .and_then(|(run, kernels, each)| Ok((run, all()?, off()?, kernels, each)))
        {
            Ok((run, all, off, kernels, dispatches)) => {
                let w = WorkloadGpuTime {
                    workload: workload.label(),
                    batch,
                    precision,
                    as_run_us: Some(run * 1e6),
                    checked_us: all * 1e6,
                    unchecked_us: off * 1e6,
                    tflops: workload.flops(batch) / run / 1e12,
                    kernels,
                    dispatches,
                };
                log(format!(
                    "  {} batch {batch} {precision}: {:.1} µs as run, {:.1} all checked, {:.1} unchecked (checks cost {:+.1}% as run, {:+.1}% all), {} TFLOP/s",
                    w.workload,
                    w.as_run(),
                    w.checked_us,
                    w.unchecked_us,
                    (w.as_run() / w.unchecked_us - 1.0) * 100.0,
                    (w.checked_us / w.unchecked_us - 1.0) * 100.0,
                    sig3(w.tflops)
                ));
                for d in &w.dispatches {
                    log(format!(
                        "      {:<22} {:>8.1} µs alone, {:>8.1} µs back to back  {}",
                        d.label, d.alone_us, d.in_stream_us, d.kernel
                    ));
                }
                out.workloads.push(w);
            }
            Err(e) => log(format!(
                "  {} batch {batch} {precision}: failed: {e}",
                workload.label()
            )),
        }
    }
}
