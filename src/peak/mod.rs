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
use crate::workload::kernels::{BoundsChecks, Kernel};
use crate::workload::reference;
use crate::workload::values::random;
use crate::workload::{SLOTS, Workload};

mod host;
mod matmuls;
mod timing;
mod workloads;

use host::*;
use matmuls::*;
use timing::*;
use workloads::*;

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
