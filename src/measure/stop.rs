//! When a worker must stop: the point's deadline, a cancel from whoever
//! runs the point (a timeout seen elsewhere), or an interrupt. Checked
//! between ops and bounding every wait, so nothing outlives its point.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::gpu::GpuError;

#[derive(Clone, Debug)]
pub struct Stop {
    pub deadline: Instant,
    cancel: Arc<AtomicBool>,
}

/// `now + seconds`, or a far future for a duration no `Instant` can hold.
pub fn deadline_after(seconds: f64) -> Instant {
    let now = Instant::now();
    Duration::try_from_secs_f64(seconds.max(0.0))
        .ok()
        .and_then(|d| now.checked_add(d))
        .unwrap_or_else(|| now + Duration::from_secs(365 * 24 * 3600))
}

impl Stop {
    pub fn new(deadline: Instant) -> Self {
        Self {
            deadline,
            cancel: Arc::default(),
        }
    }

    /// The same stop (one cancel for both) with another deadline: a point
    /// measured in rounds gives each trial what is left of its time.
    pub fn renewed(&self, deadline: Instant) -> Self {
        Self {
            deadline,
            cancel: Arc::clone(&self.cancel),
        }
    }

    /// Tells every holder of this stop (and its clones) to stop.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }

    /// An error once the worker must stop.
    pub fn check(&self) -> Result<(), GpuError> {
        if self.is_cancelled() {
            Err(GpuError::Stopped(
                "the point was stopped (another worker failed or timed out)",
            ))
        } else if crate::interrupt::requested() {
            Err(GpuError::Stopped("interrupted"))
        } else if Instant::now() >= self.deadline {
            Err(GpuError::Stopped("the point's timeout passed"))
        } else {
            Ok(())
        }
    }

    /// Time left until the deadline.
    pub fn left(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }
}
