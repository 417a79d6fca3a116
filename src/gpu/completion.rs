//! Signals that a thread may spin on or sleep on: [`Bell`], which wakes
//! sleepers only when there are some, and [`Completion`], a one-shot
//! signal from a wgpu callback (a buffer mapped, a submission's work
//! done) to the thread waiting for it, built on a bell. Reset a
//! completion before each use.

use std::sync::atomic::{AtomicU8, AtomicU32, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// Where threads sleep until what they look at changes. Ringing with no
/// sleeper skips the wake-up (a system call), which a GPU owner answering
/// many spinning clients would otherwise pay once per client.
#[derive(Default)]
pub struct Bell {
    lock: Mutex<()>,
    rung: Condvar,
    sleepers: AtomicU32,
}

impl Bell {
    /// Wakes every sleeper, if there is one. Call it after making the
    /// change the sleepers look for.
    pub fn ring(&self) {
        // A sleeper registers under the lock before it looks, so either
        // it sees the change or this sees it.
        if self.sleepers.load(Ordering::SeqCst) > 0 {
            let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
            self.rung.notify_all();
        }
    }

    /// Sleeps until `ready()` or `deadline`; whether it became ready.
    pub fn sleep_until(&self, ready: impl Fn() -> bool, deadline: Instant) -> bool {
        let mut guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        self.sleepers.fetch_add(1, Ordering::SeqCst);
        let outcome = loop {
            if ready() {
                break true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break false;
            }
            guard = self
                .rung
                .wait_timeout(guard, left.min(Duration::from_secs(1)))
                .unwrap_or_else(|p| p.into_inner())
                .0;
        };
        self.sleepers.fetch_sub(1, Ordering::SeqCst);
        drop(guard);
        outcome
    }
}

const PENDING: u8 = 0;
const DONE: u8 = 1;
const FAILED: u8 = 2;

#[derive(Default)]
pub struct Completion {
    state: AtomicU8,
    bell: Bell,
}

impl Completion {
    /// Arms the signal for the next callback.
    pub fn reset(&self) {
        self.state.store(PENDING, Ordering::Release);
    }

    /// Called from the callback: done, or failed.
    pub fn signal(&self, ok: bool) {
        self.state
            .store(if ok { DONE } else { FAILED }, Ordering::SeqCst);
        self.bell.ring();
    }

    /// `None` while pending, else whether it succeeded.
    pub fn state(&self) -> Option<bool> {
        match self.state.load(Ordering::SeqCst) {
            PENDING => None,
            s => Some(s == DONE),
        }
    }

    /// Sleeps until signalled or `deadline`; `None` on timeout.
    pub fn sleep_until(&self, deadline: Instant) -> Option<bool> {
        if self.bell.sleep_until(|| self.state().is_some(), deadline) {
            self.state()
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_signal_wakes_a_sleeper_and_a_reset_rearms() {
        let c = Arc::new(Completion::default());
        assert_eq!(c.state(), None);
        let signaller = Arc::clone(&c);
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            signaller.signal(true);
        });
        assert_eq!(
            c.sleep_until(Instant::now() + Duration::from_secs(5)),
            Some(true)
        );
        t.join().unwrap();
        c.reset();
        assert_eq!(
            c.sleep_until(Instant::now() + Duration::from_millis(10)),
            None
        );
        c.signal(false);
        assert_eq!(c.state(), Some(false));
    }
}
