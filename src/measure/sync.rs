//! How the host waits for the GPU. The sync mode says when a worker waits
//! (after every op for its output or its submission, for the whole
//! device, for the oldest of D in flight, or once at the end); the wait
//! style says how:
//!
//! * `block`: inside the driver, `device.poll(Wait)` (a fence wait);
//! * `spin`: `device.poll(Poll)` in a loop until the op's completion
//!   callback has fired (the thread never sleeps);
//! * `callback`: asleep on the op's completion callback while the
//!   device's poller thread drives it (how an event loop waits).
//!
//! Efficiency is only ever computed between points of the same sync mode
//! and wait style: sync cost is exactly what the seeds mistook for
//! parallel scaling.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::stop::Stop;
use crate::gpu::completion::Completion;
use crate::gpu::poller::Poller;
use crate::gpu::{GpuContext, GpuError};
use crate::schema::{SyncMode, WaitStyle};

pub struct Waiter {
    pub sync: SyncMode,
    pub style: WaitStyle,
    device_done: Arc<Completion>,
    _poller: Option<Arc<Poller>>,
}

fn poll_error(e: wgpu::PollError, stop: &Stop) -> GpuError {
    match e {
        wgpu::PollError::Timeout => GpuError::Timeout(stop.left()),
        other => GpuError::Poll(other),
    }
}

impl Waiter {
    pub fn new(ctx: &GpuContext, sync: SyncMode, style: WaitStyle) -> Self {
        Self {
            sync,
            style,
            device_done: Arc::default(),
            _poller: (style == WaitStyle::Callback).then(|| ctx.poller()),
        }
    }

    /// Whether each op registers a completion signal when it is encoded
    /// (the styles that wait on callbacks, in the modes that wait per op).
    pub fn needs_signal(&self) -> bool {
        !self.style.blocks()
            && matches!(
                self.sync,
                SyncMode::Wait | SyncMode::Pipeline(_) | SyncMode::End
            )
    }

    /// Arms `signal` to fire when `encoder`'s work is done on the GPU.
    pub fn arm(&self, encoder: &wgpu::CommandEncoder, signal: &Arc<Completion>) {
        signal.reset();
        let s = Arc::clone(signal);
        encoder.on_submitted_work_done(move || s.signal(true));
    }

    /// Waits until `submission` is done; where the style waits on a
    /// callback, `signal` is the one armed for it (or its mapping's).
    pub fn wait_for(
        &self,
        ctx: &GpuContext,
        submission: wgpu::SubmissionIndex,
        signal: Option<&Completion>,
        stop: &Stop,
    ) -> Result<(), GpuError> {
        match (self.style, signal) {
            (WaitStyle::Block | WaitStyle::Auto, _) | (_, None) => {
                ctx.device
                    .poll(wgpu::PollType::Wait {
                        submission_index: Some(submission),
                        timeout: Some(stop.left()),
                    })
                    .map_err(|e| poll_error(e, stop))?;
                // The poll ran the callbacks of everything it finished,
                // unless another thread's poll is running them just now.
                match signal {
                    Some(s) if s.state().is_none() => sleep(s, stop),
                    Some(s) => ok_or_failed(s.state()),
                    None => Ok(()),
                }
            }
            (WaitStyle::Spin, Some(s)) => spin(ctx, s, stop),
            (WaitStyle::Callback, Some(s)) => sleep(s, stop),
        }
    }

    /// Waits until everything submitted to the device so far (by any
    /// thread) is done.
    pub fn wait_device(&self, ctx: &GpuContext, stop: &Stop) -> Result<(), GpuError> {
        if self.style.blocks() {
            ctx.device
                .poll(wgpu::PollType::Wait {
                    submission_index: None,
                    timeout: Some(stop.left()),
                })
                .map_err(|e| poll_error(e, stop))?;
            return Ok(());
        }
        self.device_done.reset();
        let done = Arc::clone(&self.device_done);
        ctx.queue.on_submitted_work_done(move || done.signal(true));
        match self.style {
            WaitStyle::Spin => spin(ctx, &self.device_done, stop),
            _ => sleep(&self.device_done, stop),
        }
    }
}

fn ok_or_failed(state: Option<bool>) -> Result<(), GpuError> {
    match state {
        Some(true) => Ok(()),
        _ => Err(GpuError::Map(
            "the GPU reported the op's buffer unmappable".into(),
        )),
    }
}

/// Polls without blocking until `signal` fires.
fn spin(ctx: &GpuContext, signal: &Completion, stop: &Stop) -> Result<(), GpuError> {
    let mut spins: u32 = 0;
    loop {
        if let Some(ok) = signal.state() {
            return ok_or_failed(Some(ok));
        }
        ctx.device
            .poll(wgpu::PollType::Poll)
            .map_err(|e| poll_error(e, stop))?;
        spins = spins.wrapping_add(1);
        if spins.is_multiple_of(256) {
            stop.check()?;
        }
        std::hint::spin_loop();
    }
}

/// Sleeps on `signal` while another thread polls, waking now and then to
/// look at the stop.
fn sleep(signal: &Completion, stop: &Stop) -> Result<(), GpuError> {
    loop {
        let until = stop
            .deadline
            .min(Instant::now() + Duration::from_millis(100));
        if let Some(ok) = signal.sleep_until(until) {
            return ok_or_failed(Some(ok));
        }
        stop.check()?;
    }
}
