//! How `curves peak` times GPU work: passes between timestamps (or the
//! host clock without them), the warm-up before each measurement, and a
//! ceiling from repeated measurements.

use super::*;

/// Times `reps` passes, each recorded by `record`, and returns each pass's
/// GPU seconds (timestamps) or host seconds around submit and wait.
pub(super) fn time_passes(
    ctx: &GpuContext,
    reps: u32,
    mut record: impl FnMut(&mut wgpu::CommandEncoder, Option<wgpu::ComputePassTimestampWrites<'_>>),
) -> Result<Vec<f64>, GpuError> {
    let timeout = Duration::from_secs(300);
    if let Some(ts) = Timestamps::new(ctx, reps) {
        for k in 0..reps {
            let mut encoder = ctx.device.create_command_encoder(&Default::default());
            record(&mut encoder, Some(ts.writes(k)));
            ctx.queue.submit([encoder.finish()]);
        }
        let ns = ts.read(ctx, reps, timeout)?;
        check(ctx)?;
        return Ok(ns.into_iter().map(|t| t as f64 / 1e9).collect());
    }
    let mut times = Vec::new();
    for _ in 0..reps {
        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        record(&mut encoder, None);
        let started = Instant::now();
        let submission = ctx.queue.submit([encoder.finish()]);
        wait(ctx, submission, timeout)?;
        times.push(started.elapsed().as_secs_f64());
    }
    check(ctx)?;
    Ok(times)
}

/// Keeps the GPU busy with `record` for `seconds` before a measurement:
/// a GPU left idle runs at a lower clock for a while, and a short
/// measurement taken then reads the ramp, not the ceiling. On an H200 the
/// SM clock fell to its idle 345 MHz (of 1980) within a second of the
/// host computing references, and measurements taken after such a gap
/// read 2 to 4 times slow (the f16 workloads, all measured after one);
/// the bandwidth read 1678 GB/s in one lease and 4169 in another. Eight
/// passes per submission keep even a microsecond pass busy enough.
pub(super) fn warm(
    ctx: &GpuContext,
    seconds: f64,
    mut record: impl FnMut(&mut wgpu::CommandEncoder, Option<wgpu::ComputePassTimestampWrites<'_>>),
) -> Result<(), GpuError> {
    let started = Instant::now();
    // At least once: the driver compiles lazily.
    loop {
        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        for _ in 0..8 {
            record(&mut encoder, None);
        }
        let submission = ctx.queue.submit([encoder.finish()]);
        wait(ctx, submission, Duration::from_secs(60))?;
        if started.elapsed().as_secs_f64() >= seconds {
            return check(ctx);
        }
    }
}

pub(super) fn wait(
    ctx: &GpuContext,
    submission: wgpu::SubmissionIndex,
    timeout: Duration,
) -> Result<(), GpuError> {
    ctx.device
        .poll(wgpu::PollType::Wait {
            submission_index: Some(submission),
            timeout: Some(timeout),
        })
        .map(|_| ())
        .map_err(GpuError::Poll)
}

pub(super) fn check(ctx: &GpuContext) -> Result<(), GpuError> {
    ctx.take_error().map_or(Ok(()), Err)
}

/// A pass holding `dispatches`, `times` over.
pub(super) fn pass_of<'a>(
    dispatches: &'a [&'a Dispatch],
    times: u32,
) -> impl FnMut(&mut wgpu::CommandEncoder, Option<wgpu::ComputePassTimestampWrites<'_>>) + 'a {
    move |encoder, timestamps| {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("peak"),
            timestamp_writes: timestamps,
        });
        for _ in 0..times {
            for d in dispatches {
                d.record(&mut pass);
            }
        }
    }
}

pub(super) fn ceiling(values: &[f64], how: String) -> Option<Ceiling> {
    let spread = stats::spread(values)?;
    Some(Ceiling {
        value: spread.median,
        spread,
        how,
    })
}
