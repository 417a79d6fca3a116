//! `curves peak`: the device's ceilings through wgpu, measured with this
//! project's own kernels, as clpeak and vkpeak measure theirs: matmul
//! TFLOP/s (every tile variant, f32 and f16, tensor cores where the
//! adapter has them), memory bandwidth, the dispatch floor, submissions
//! per second with no wait, the host round trip per wait style, and each
//! workload's GPU time with and without naga's runtime checks. Curves are
//! read against these figures; nothing here is a point of a run.
//!
//! GPU times come from timestamp queries at the start and end of each
//! timed pass where the adapter has them, else from the host clock
//! around a submit and its wait (which then includes the round trip).

use std::sync::Arc;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use crate::gpu::completion::Completion;
use crate::gpu::readback::Readback;
use crate::gpu::timestamps::Timestamps;
use crate::gpu::{GpuContext, GpuError};
use crate::measure::check::relative_error;
use crate::measure::stop::{Stop, deadline_after};
use crate::measure::sync::Waiter;
use crate::schema::{
    Ceiling, Ceilings, DispatchGpuTime, Precision, RoundTrip, SubmitRate, SyncMode, VariantRate,
    WaitStyle, WorkloadGpuTime, WorkloadKind,
};
use crate::stats;
use crate::workload::builder::{Builder, read_values};
use crate::workload::choice::{self, Caps, Choice};
use crate::workload::dispatch::Dispatch;
use crate::workload::kernels::{Checks, Kernel};
use crate::workload::reference;
use crate::workload::values::random;
use crate::workload::{SLOTS, Workload};

/// How much `curves peak` measures.
#[derive(Clone, Debug)]
pub struct PeakOptions {
    /// Small shapes and few repetitions: every path once, for tests and
    /// CPU adapters (ratios only).
    pub quick: bool,
    /// Only the matrix products at these `(m, k, n)`, every variant, and
    /// none of the other ceilings: a kernel's A/B in seconds rather than
    /// the full run's minutes.
    pub shapes: Option<Vec<(u32, u32, u32)>>,
    /// Only the workloads' GPU times per op (and each dispatch's): a
    /// kernel change's effect on the layers, without the other ceilings.
    pub workloads_only: bool,
}

struct Sizes {
    matmul: u32,
    matmul_reps: u32,
    copy_bytes: u64,
    dispatches: u32,
    submit_threads: Vec<u32>,
    submits: u32,
    round_trips: u32,
    op_reps: u32,
    /// Seconds of the measured work before each measurement (see [`warm`]).
    warm_s: f64,
}

impl Sizes {
    fn of(options: &PeakOptions) -> Self {
        if options.quick {
            Self {
                matmul: 128,
                matmul_reps: 3,
                copy_bytes: 4 << 20,
                dispatches: 50,
                submit_threads: vec![1, 2],
                submits: 50,
                round_trips: 30,
                op_reps: 3,
                warm_s: 0.0,
            }
        } else {
            Self {
                matmul: 4096,
                matmul_reps: 10,
                copy_bytes: 256 << 20,
                dispatches: 2000,
                submit_threads: vec![1, 2, 4, 8, 16],
                submits: 2000,
                round_trips: 1000,
                op_reps: 20,
                warm_s: 0.4,
            }
        }
    }
}

/// Times `reps` passes, each recorded by `record`, and returns each pass's
/// GPU seconds (timestamps) or host seconds around submit and wait.
fn time_passes(
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
fn warm(
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

fn wait(
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

fn check(ctx: &GpuContext) -> Result<(), GpuError> {
    ctx.take_error().map_or(Ok(()), Err)
}

/// A pass holding `dispatches`, `times` over.
fn pass_of<'a>(
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

fn ceiling(values: &[f64], how: String) -> Option<Ceiling> {
    let spread = stats::spread(values)?;
    Some(Ceiling {
        value: spread.median,
        spread,
        how,
    })
}

/// One matmul variant at `(m, k, n)`: median GPU µs, TFLOP/s, and the
/// relative error of a few sampled rows against the f64 reference.
struct Operands {
    x: Vec<f32>,
    w: Vec<f32>,
    bias: Vec<f32>,
    shape: (u32, u32, u32),
}

impl Operands {
    fn new((m, k, n): (u32, u32, u32), precision: Precision) -> Self {
        let scale = 1.0 / (k as f32).sqrt();
        Self {
            x: random((m * k) as usize, 1.0, 11, precision),
            w: random((k * n) as usize, scale, 12, precision),
            bias: random(n as usize, scale, 13, precision),
            shape: (m, k, n),
        }
    }

    /// The reference of rows `rows` (f64 accumulation).
    fn reference_rows(&self, rows: &[u32]) -> Vec<Vec<f64>> {
        let (_, k, n) = self.shape;
        rows.iter()
            .map(|&r| {
                let x = reference::widen(&self.x[(r * k) as usize..((r + 1) * k) as usize]);
                reference::linear(&x, &self.w, &self.bias, 1, k as usize, n as usize, false)
            })
            .collect()
    }
}

fn matmul_variant(
    ctx: &GpuContext,
    ops: &Operands,
    precision: Precision,
    plan: Choice,
    reps: u32,
    warm_s: f64,
) -> Result<VariantRate, GpuError> {
    let (m, k, n) = ops.shape;
    let mut b = Builder::new(ctx, precision);
    let layer = b.linear_with("peak.matmul", plan, &ops.w, &ops.bias, (m, k, n));
    let x = b.upload("peak.x", &ops.x);
    let y = b.scratch("peak.y", (m * n) as usize);
    let dispatches = b.matmul("peak.matmul", &layer, &x, &y, false);
    let d: Vec<&Dispatch> = dispatches.iter().collect();
    // Warm up (the driver compiles lazily, the clock rises), then time.
    warm(ctx, warm_s, pass_of(&d, 1))?;
    let seconds = time_passes(ctx, reps, pass_of(&d, 1))?;
    let median = stats::median(&seconds).unwrap_or(f64::NAN);
    // Check sampled rows of the output.
    let encoder = ctx.device.create_command_encoder(&Default::default());
    let got = read_values(ctx, encoder, &y, precision)?;
    let rows = [0, m / 3, m - 1];
    let want = ops.reference_rows(&rows);
    let rel_error = rows
        .iter()
        .zip(&want)
        .map(|(&r, want)| {
            let at = (r * n) as usize;
            relative_error(&got[at..at + n as usize], &reference::narrow(want))
        })
        .fold(0.0, f64::max);
    let flops = 2.0 * f64::from(m) * f64::from(k) * f64::from(n);
    let (gx, gy, gz) = plan.grid;
    let workgroups = u64::from(gx) * u64::from(gy) * u64::from(gz);
    Ok(VariantRate {
        kernel: plan.kernel.describe(),
        shape: format!("{m}×{k}×{n}"),
        precision,
        gpu_us: median * 1e6,
        tflops: flops / median / 1e12,
        rel_error: Some(rel_error),
        note: Some(if rel_error > precision.tolerance() {
            format!("{workgroups} workgroups; WRONG: output differs from the reference")
        } else {
            format!("{workgroups} workgroups")
        }),
    })
}

/// Every variant the rule could pick for `shape`, with the rule's own
/// choice marked.
fn variants_for(
    caps: &Caps,
    precision: Precision,
    (m, k, n): (u32, u32, u32),
) -> Vec<(Choice, bool)> {
    let chosen = choice::choose(caps, precision, (m, k, n));
    let mut kernels: Vec<Kernel> = Vec::new();
    let vec4 = k % 4 == 0 && n % 4 == 0;
    kernels.extend(choice::tiles(caps, vec4).into_iter().map(Kernel::Matmul));
    // The matrix-vector kernels past the rule's row limit too, so the
    // limit can be read off the table.
    if m <= 32 {
        let rows = m.max(1).next_power_of_two();
        let vec4 = k % 4 == 0;
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
    if precision == Precision::F16 && caps.cooperative_matrix {
        // The staged block whole (one barrier) and, for 64 × 64, in strips
        // of 16 rows (a quarter of the workgroup memory).
        let tiled = [(4, 4, 4), (4, 4, 1), (4, 2, 4), (2, 4, 2), (2, 2, 2)]
            .map(|(ti, tj, strip)| Kernel::MatmulCoopTiled { ti, tj, strip });
        // Staged in workgroup memory, blocks of 2, 4, 8 or 16 subgroups,
        // k 16, 32 or 64 deep; the small blocks (32 × 32, 32 × 64) and k 64
        // for the layers at batch 256, whose 64 × 64 blocks give few
        // workgroups that each wait on many short steps. Left out after
        // one table (H200, 2026-12-03 16:54): 128 × 128 at k 32 and 64 ×
        // 128 of 2 × 2 at k 32 (both slower than at k 16 everywhere) and
        // 64 × 128 of 1 × 2 subgroups (3 to 4 times slower than any other).
        let shared = [
            (4, 4, 1, 1, 32),
            (4, 4, 1, 2, 32),
            (4, 4, 2, 1, 32),
            (2, 4, 1, 1, 32),
            (4, 2, 1, 1, 32),
            (2, 2, 1, 1, 64),
            (2, 2, 2, 2, 64),
            (1, 2, 2, 2, 32),
            (2, 2, 1, 2, 32),
            (2, 2, 1, 1, 32),
            (2, 2, 4, 4, 16),
            (2, 2, 2, 2, 32),
            (2, 2, 2, 2, 16),
            (2, 2, 4, 2, 16),
            (2, 2, 2, 4, 16),
            (4, 2, 2, 2, 32),
            (2, 4, 2, 2, 32),
            (4, 4, 2, 2, 16),
        ]
        .map(|(sgm, sgn, ti, tj, bk)| Kernel::MatmulCoopShared {
            sgm,
            sgn,
            ti,
            tj,
            bk,
            split: 1,
        });
        // k split in 2 to 4 parts, where the output's blocks alone give
        // fewer than two workgroups per multiprocessor of an H200.
        let split = [
            (2, 2, 2, 2, 32),
            (2, 2, 1, 1, 64),
            (2, 2, 1, 1, 32),
            (4, 4, 1, 2, 32),
            (1, 2, 2, 2, 32),
        ]
        .into_iter()
        .flat_map(|(sgm, sgn, ti, tj, bk)| {
            (2..=4).map(move |split| Kernel::MatmulCoopShared {
                sgm,
                sgn,
                ti,
                tj,
                bk,
                split,
            })
        })
        .filter(|&kernel| {
            let (bm, bn) = kernel.coop_block().unwrap_or((1, 1));
            u64::from(m / bm) * u64::from(n / bn) < 2 * choice::FILL_WORKGROUPS
        });
        kernels.extend(
            std::iter::once(Kernel::MatmulCoop)
                .chain(tiled)
                .chain(shared)
                .chain(split)
                .filter(|&kernel| {
                    choice::coop_workgroups(kernel, (m, k, n)).is_some()
                        && choice::coop_fits(kernel, caps)
                }),
        );
    }
    if !kernels.contains(&chosen.kernel) {
        kernels.push(chosen.kernel);
    }
    kernels
        .into_iter()
        .map(|kernel| {
            (
                Choice {
                    kernel,
                    grid: choice::grid(kernel, caps, m, n),
                },
                kernel == chosen.kernel,
            )
        })
        .collect()
}

/// The large square product, then the layer shapes of the seeds'
/// workloads at batch 256 and 1, so the kernel rule can be read off.
fn default_shapes(sizes: &Sizes) -> Vec<(u32, u32, u32)> {
    let big = sizes.matmul;
    let mut shapes = vec![(big, big, big)];
    if !ctx_is_quick(sizes) {
        shapes.extend([
            (256, 768, 3072),
            (256, 512, 1024),
            (256, 1024, 1024),
            (256, 256, 128),
            (8192, 256, 768),
            (8192, 256, 2048),
            (8192, 2048, 256),
            (8192, 256, 256),
            (1024, 768, 2304),
            (1024, 3072, 768),
            (2048, 256, 1024),
            (1, 256, 128),
            (4, 256, 128),
            (16, 256, 128),
            (32, 256, 128),
            (64, 256, 128),
            (16, 512, 256),
            (1, 768, 3072),
        ]);
    } else {
        shapes.push((1, 64, 32));
    }
    shapes
}

fn matmuls(
    ctx: &GpuContext,
    sizes: &Sizes,
    shapes: &[(u32, u32, u32)],
    log: &mut dyn FnMut(String),
    out: &mut Ceilings,
) {
    let caps = Caps::of(ctx);
    let big = sizes.matmul;
    let mut precisions = vec![Precision::F32];
    if ctx.info.shader_f16 {
        precisions.push(Precision::F16);
    }
    for precision in precisions {
        for &shape in shapes {
            let ops = Operands::new(shape, precision);
            let reps = if shape == (big, big, big) {
                sizes.matmul_reps
            } else {
                sizes.matmul_reps * 3
            };
            for (plan, chosen) in variants_for(&caps, precision, shape) {
                match matmul_variant(ctx, &ops, precision, plan, reps, sizes.warm_s) {
                    Ok(mut v) => {
                        if chosen {
                            v.note = Some(v.note.map_or("the rule's choice".into(), |n| {
                                format!("{n}; the rule's choice")
                            }));
                        }
                        log(format!(
                            "  matmul {} {precision}: {:>9.1} µs {:>9} TFLOP/s  {}{}",
                            v.shape,
                            v.gpu_us,
                            sig3(v.tflops),
                            v.kernel,
                            v.note
                                .as_ref()
                                .map_or(String::new(), |n| format!("  ({n})"))
                        ));
                        out.variants.push(v);
                    }
                    Err(e) => log(format!(
                        "  matmul {shape:?} {precision} {}: failed: {e}",
                        plan.kernel.describe()
                    )),
                }
            }
        }
        let best = out
            .variants
            .iter()
            .filter(|v| {
                v.precision == precision
                    && v.shape == format!("{big}×{big}×{big}")
                    && v.note.as_deref().is_none_or(|n| !n.contains("WRONG"))
            })
            .max_by(|a, b| a.tflops.total_cmp(&b.tflops));
        let best = best.map(|v| Ceiling {
            value: v.tflops,
            spread: crate::schema::Spread {
                median: v.tflops,
                min: v.tflops,
                max: v.tflops,
                iqr: 0.0,
            },
            how: format!("{} at {}", v.kernel, v.shape),
        });
        match precision {
            Precision::F32 => out.matmul_f32_tflops = best,
            Precision::F16 => out.matmul_f16_tflops = best,
        }
    }
}

/// Three significant digits: 41.2, 0.0123.
fn sig3(v: f64) -> String {
    if !v.is_finite() || v == 0.0 {
        return format!("{v}");
    }
    let digits = (2 - v.abs().log10().floor() as i32).max(0) as usize;
    format!("{v:.digits$}")
}

fn ctx_is_quick(sizes: &Sizes) -> bool {
    sizes.matmul < 1024
}

fn bandwidth(ctx: &GpuContext, sizes: &Sizes) -> Result<Option<Ceiling>, GpuError> {
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
fn tick(ctx: &GpuContext) -> (Dispatch, wgpu::Buffer) {
    let mut b = Builder::new(ctx, Precision::F32);
    let counter = b.scratch("peak.counter", 4);
    let d = b.dispatch(Kernel::Tick, "peak.tick", &[&counter], (1, 1, 1));
    (d, counter)
}

fn dispatch_floor(ctx: &GpuContext, sizes: &Sizes) -> Result<Option<Ceiling>, GpuError> {
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
fn pass_floor(ctx: &GpuContext, sizes: &Sizes) -> Result<Option<Ceiling>, GpuError> {
    let (d, _) = tick(ctx);
    warm(ctx, sizes.warm_s, pass_of(&[&d], 1))?;
    let seconds = time_passes(ctx, sizes.round_trips, pass_of(&[&d], 1))?;
    let us: Vec<f64> = seconds.iter().map(|s| s * 1e6).collect();
    Ok(ceiling(
        &us,
        "one one-invocation dispatch in its own pass, timestamps at the pass's ends".into(),
    ))
}

/// Each dispatch of an op timed on its own: alone in a pass, and back to
/// back in one pass (`STREAM` times, each after the last), so that an
/// op's GPU time can be split into its kernels and the passes around them.
fn dispatch_times(
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

/// Submissions per second from `threads` threads, none waiting, of empty
/// or one-dispatch command buffers.
fn submit_rate(
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
fn submit_gpu_interval(ctx: &GpuContext, submits: u32) -> Result<Option<Ceiling>, GpuError> {
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
fn round_trip(
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

/// Each workload's GPU time per op at the batches the table
/// names: as every point runs it, with every module checked, and with none.
fn workloads(ctx: &GpuContext, sizes: &Sizes, log: &mut dyn FnMut(String), out: &mut Ceilings) {
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
        let time = |checks: Checks| -> Result<(f64, Vec<String>, Vec<DispatchGpuTime>), GpuError> {
            let prepared = workload.prepare_with_checks(ctx, batch, precision, 5, checks);
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
            let each = if checks == Checks::ExceptProven {
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
        let all = || time(Checks::All).map(|t| t.0);
        let off = || time(Checks::Off).map(|t| t.0);
        match time(Checks::ExceptProven)
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

/// Measures every ceiling on `ctx`, logging as it goes. A figure that
/// cannot be measured is left out and logged, never guessed.
pub fn peak(ctx: &Arc<GpuContext>, options: &PeakOptions, log: &mut dyn FnMut(String)) -> Ceilings {
    let sizes = Sizes::of(options);
    let mut out = Ceilings {
        adapter: Some(ctx.info.clone()),
        quick: options.quick,
        ..Default::default()
    };
    log(format!(
        "Ceilings of {} through wgpu ({}){}",
        ctx.info.label(),
        if ctx.info.timestamp_query {
            "GPU timestamps"
        } else {
            "host clock: no timestamps"
        },
        if options.quick { ", quick shapes" } else { "" }
    ));
    if options.workloads_only {
        workloads(ctx, &sizes, log, &mut out);
        log("Only the workloads: the other ceilings are not measured.".into());
        return out;
    }
    log("Matrix products (every variant; GPU time per product):".into());
    let shapes = options
        .shapes
        .clone()
        .unwrap_or_else(|| default_shapes(&sizes));
    matmuls(ctx, &sizes, &shapes, log, &mut out);
    if options.shapes.is_some() {
        log("Only the given shapes: the other ceilings are not measured.".into());
        return out;
    }
    match bandwidth(ctx, &sizes) {
        Ok(b) => {
            if let Some(b) = &b {
                log(format!("Memory bandwidth: {:.0} GB/s ({})", b.value, b.how));
            }
            out.bandwidth_gb_s = b;
        }
        Err(e) => log(format!("Memory bandwidth: failed: {e}")),
    }
    match dispatch_floor(ctx, &sizes) {
        Ok(d) => {
            if let Some(d) = &d {
                log(format!(
                    "Dispatch floor: {:.2} µs per dispatch ({})",
                    d.value, d.how
                ));
            }
            out.dispatch_us = d;
        }
        Err(e) => log(format!("Dispatch floor: failed: {e}")),
    }
    match pass_floor(ctx, &sizes) {
        Ok(f) => {
            if let Some(f) = &f {
                log(format!("Pass floor: {:.2} µs ({})", f.value, f.how));
            }
            out.pass_floor_us = f;
        }
        Err(e) => log(format!("Pass floor: failed: {e}")),
    }
    log("Submissions with no wait:".into());
    for &threads in &sizes.submit_threads {
        for dispatch in [false, true] {
            match submit_rate(ctx, threads, sizes.submits, dispatch) {
                Ok(r) => {
                    log(format!(
                        "  {threads:>2} threads, {:<8} {:>9.0} submits/s, {:.1} µs per submit (host, median)",
                        r.command_buffer, r.submits_per_s, r.submit_us
                    ));
                    out.submits_per_s.push(r);
                }
                Err(e) => log(format!("  {threads} threads: failed: {e}")),
            }
        }
    }
    match submit_gpu_interval(ctx, sizes.submits) {
        Ok(g) => {
            if let Some(g) = &g {
                log(format!(
                    "  GPU timeline: {:.1} µs from one queued submission's start to the next",
                    g.value
                ));
            }
            out.submit_gpu_interval_us = g;
        }
        Err(e) => log(format!("  GPU timeline of submissions: failed: {e}")),
    }
    log("Host round trip of a one-invocation dispatch:".into());
    for readback in [true, false] {
        for style in WaitStyle::ALL {
            match round_trip(ctx, style, readback, sizes.round_trips) {
                Ok(r) => {
                    log(format!(
                        "  {:<8} {:<8} p50 {:>7.1} µs  p99 {:>8.1} µs",
                        r.completion, style, r.latency_us.p50, r.latency_us.p99
                    ));
                    out.round_trip_us.push(r);
                }
                Err(e) => log(format!(
                    "  {style} ({}): failed: {e}",
                    if readback { "readback" } else { "done" }
                )),
            }
        }
    }
    workloads(ctx, &sizes, log, &mut out);
    out
}
