//! A thread that drives one device: it polls until the device's work is
//! done, over and over, so that completion callbacks fire while the
//! threads waiting for them sleep (the `callback` wait style: how an
//! event loop waits). Shared by every waiter of the device; it stops when
//! the last handle is dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long the device must have been idle before the poller sleeps
/// between polls instead of yielding: far longer than any gap between
/// the ops of a trial.
const IDLE_AFTER: Duration = Duration::from_millis(20);

pub struct Poller {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Poller {
    pub fn start(device: wgpu::Device) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("device-poller".into())
            .spawn(move || {
                let mut idle_since: Option<Instant> = None;
                while !flag.load(Ordering::Acquire) {
                    let polled = device.poll(wgpu::PollType::Wait {
                        submission_index: None,
                        timeout: Some(Duration::from_millis(100)),
                    });
                    if !matches!(polled, Ok(wgpu::PollStatus::QueueEmpty)) {
                        idle_since = None;
                        continue;
                    }
                    // Nothing submitted: give the core to the workers, and
                    // sleep once the device has been idle a while (between
                    // trials, while other points of a round run).
                    let since = *idle_since.get_or_insert_with(Instant::now);
                    if since.elapsed() > IDLE_AFTER {
                        std::thread::sleep(Duration::from_millis(1));
                    } else {
                        std::thread::yield_now();
                    }
                }
            })
            .ok();
        Self { stop, thread }
    }
}

impl Drop for Poller {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
