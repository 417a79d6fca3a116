//! A thread that drives one device: it polls until the device's work is
//! done, over and over, so that completion callbacks fire while the
//! threads waiting for them sleep (the `callback` wait style: how an
//! event loop waits). Shared by every waiter of the device; it stops when
//! the last handle is dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

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
                while !flag.load(Ordering::Acquire) {
                    let polled = device.poll(wgpu::PollType::Wait {
                        submission_index: None,
                        timeout: Some(Duration::from_millis(100)),
                    });
                    if matches!(polled, Ok(wgpu::PollStatus::QueueEmpty)) {
                        // Nothing submitted: give the core to the workers.
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
