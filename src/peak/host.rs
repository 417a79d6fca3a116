//! The floors of the host path and the device: memory bandwidth, the
//! dispatch and pass floors, submissions per second, the GPU's interval
//! between queued submissions, and the round trip per wait style.

use super::*;

pub(super) fn bandwidth(ctx: &GpuContext, sizes: &Sizes) -> Result<Option<Ceiling>, GpuError> {
    let limit = ctx
        .limits
        .max_storage_buffer_binding_size
        .min(ctx.limits.max_buffer_size);
    let bytes = sizes.copy_bytes.min(limit / 16 * 16);
    let mut b = Builder::new(ctx, Precision::F32);
    let (src, dst) = (
        b.scratch("peak.src", (bytes / 4) as usize),
        b.scratch("peak.dst", (bytes / 4) as usize),
    );
    let vec4s = bytes / 16;
    let groups = vec4s.div_ceil(256).clamp(1, 65535) as u32;
    let d = b.dispatch(Kernel::Copy, "peak.copy", &[&src, &dst], (groups, 1, 1));
    warm(ctx, sizes.warm_s, pass_of(&[&d], 1))?;
    let seconds = time_passes(ctx, sizes.matmul_reps, pass_of(&[&d], 1))?;
    let rates: Vec<f64> = seconds
        .iter()
        .map(|s| 2.0 * bytes as f64 / s / 1e9)
        .collect();
    Ok(ceiling(
        &rates,
        format!("vec4 copy of {} MiB (bytes read + written)", bytes >> 20),
    ))
}

/// The one-invocation increment every floor is measured with, and the
/// counter it increments.
pub(super) fn tick(ctx: &GpuContext) -> (Dispatch, wgpu::Buffer) {
    let mut b = Builder::new(ctx, Precision::F32);
    let counter = b.scratch("peak.counter", 4);
    let d = b.dispatch(Kernel::Tick, "peak.tick", &[&counter], (1, 1, 1));
    (d, counter)
}

pub(super) fn dispatch_floor(ctx: &GpuContext, sizes: &Sizes) -> Result<Option<Ceiling>, GpuError> {
    let (d, _) = tick(ctx);
    warm(ctx, sizes.warm_s, pass_of(&[&d], sizes.dispatches))?;
    let seconds = time_passes(ctx, 5, pass_of(&[&d], sizes.dispatches))?;
    let per: Vec<f64> = seconds
        .iter()
        .map(|s| s / f64::from(sizes.dispatches) * 1e6)
        .collect();
    Ok(ceiling(
        &per,
        format!(
            "{} dependent one-invocation dispatches in one pass",
            sizes.dispatches
        ),
    ))
}

/// One one-invocation dispatch in a pass of its own, timed as every op
/// is: what a pass costs the GPU whatever its dispatch does.
pub(super) fn pass_floor(ctx: &GpuContext, sizes: &Sizes) -> Result<Option<Ceiling>, GpuError> {
    let (d, _) = tick(ctx);
    warm(ctx, sizes.warm_s, pass_of(&[&d], 1))?;
    let seconds = time_passes(ctx, sizes.round_trips, pass_of(&[&d], 1))?;
    let us: Vec<f64> = seconds.iter().map(|s| s * 1e6).collect();
    Ok(ceiling(
        &us,
        "one one-invocation dispatch in its own pass, timestamps at the pass's ends".into(),
    ))
}

/// Submissions per second from `threads` threads, none waiting, of empty
/// or one-dispatch command buffers.
pub(super) fn submit_rate(
    ctx: &Arc<GpuContext>,
    threads: u32,
    submits: u32,
    dispatch: bool,
) -> Result<SubmitRate, GpuError> {
    let d = Arc::new(tick(ctx).0);
    let start = Arc::new(Barrier::new(threads as usize + 1));
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (ctx, d, start) = (Arc::clone(ctx), Arc::clone(&d), Arc::clone(&start));
            std::thread::spawn(move || {
                let mut submit_ns = Vec::with_capacity(submits as usize);
                start.wait();
                for _ in 0..submits {
                    let mut encoder = ctx.device.create_command_encoder(&Default::default());
                    if dispatch {
                        let mut pass = encoder.begin_compute_pass(&Default::default());
                        d.record(&mut pass);
                    }
                    let commands = encoder.finish();
                    let t = Instant::now();
                    ctx.queue.submit([commands]);
                    submit_ns.push(t.elapsed().as_nanos() as u64);
                }
                submit_ns
            })
        })
        .collect();
    start.wait();
    let started = Instant::now();
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.join().unwrap_or_default());
    }
    let wall = started.elapsed().as_secs_f64();
    ctx.device
        .poll(wgpu::PollType::Wait {
            submission_index: None,
            timeout: Some(Duration::from_secs(120)),
        })
        .map_err(GpuError::Poll)?;
    check(ctx)?;
    Ok(SubmitRate {
        threads,
        command_buffer: if dispatch { "dispatch" } else { "empty" }.into(),
        submits_per_s: f64::from(threads * submits) / wall,
        submit_us: stats::center_us(&all).map_or(f64::NAN, |c| c.median),
    })
}

/// GPU time from one queued submission's start to the next one's, with
/// one thread submitting one-dispatch command buffers and never waiting.
pub(super) fn submit_gpu_interval(
    ctx: &GpuContext,
    submits: u32,
) -> Result<Option<Ceiling>, GpuError> {
    let pairs = submits.min(500);
    let Some(ts) = Timestamps::new(ctx, pairs) else {
        return Ok(None);
    };
    let (d, _) = tick(ctx);
    for k in 0..pairs {
        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("peak.submit"),
                timestamp_writes: Some(ts.writes(k)),
            });
            d.record(&mut pass);
        }
        ctx.queue.submit([encoder.finish()]);
    }
    let pairs = ts.read_pairs(ctx, pairs, Duration::from_secs(60))?;
    let gaps: Vec<f64> = pairs
        .windows(2)
        .filter(|w| w[1].0 > w[0].0)
        .map(|w| (w[1].0 - w[0].0) as f64 / 1e3)
        .collect();
    Ok(ceiling(
        &gaps,
        "start to start of consecutive queued one-dispatch submissions".into(),
    ))
}

/// The host round trip of one tick dispatch, with a 4-byte readback or
/// waiting for the submission's work to be done, in each wait style.
pub(super) fn round_trip(
    ctx: &GpuContext,
    style: WaitStyle,
    readback: bool,
    count: u32,
) -> Result<RoundTrip, GpuError> {
    let (d, counter) = tick(ctx);
    let staging = Readback::new(&ctx.device, "peak.rt.staging", 4);
    let sync = if readback {
        SyncMode::Readback
    } else {
        SyncMode::Wait
    };
    let waiter = Waiter::new(ctx, sync, style);
    let signal: Arc<Completion> = Arc::default();
    let stop = Stop::new(deadline_after(120.0));
    let mut out = [0u32; 1];
    let mut latencies = Vec::with_capacity(count as usize);
    for i in 0..count + 50 {
        let t0 = Instant::now();
        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            d.record(&mut pass);
        }
        if readback {
            staging.record_copy(&mut encoder, &counter);
            staging.map_on_submit(&encoder);
        } else if style != WaitStyle::Block {
            waiter.arm(&encoder, &signal);
        }
        let submission = ctx.queue.submit([encoder.finish()]);
        if readback {
            waiter.wait_for(ctx, submission, Some(staging.mapped()), &stop)?;
            staging.copy_out(&mut out)?;
        } else {
            let s = (style != WaitStyle::Block).then_some(&*signal);
            waiter.wait_for(ctx, submission, s, &stop)?;
        }
        // The first 50 warm up.
        if i >= 50 {
            latencies.push(t0.elapsed().as_secs_f64() * 1e6);
        }
    }
    check(ctx)?;
    Ok(RoundTrip {
        wait: style,
        completion: if readback { "readback" } else { "done" }.into(),
        latency_us: stats::latency(&latencies).ok_or(GpuError::Map("no round trips".into()))?,
    })
}
