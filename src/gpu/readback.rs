//! The one readback helper: copy a GPU buffer into a mappable staging
//! buffer, map it when the copy's submission is done, and copy the bytes
//! out. Nobody else writes the map/unmap sequence. How the host waits for
//! the mapping (blocking, spinning, sleeping on the callback) is
//! `measure::sync`'s business; [`Readback::read_into`] is the plain
//! blocking read for work outside timed regions.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::GpuError;
use super::completion::Completion;

/// A staging buffer of fixed size, reused for every op of a worker, so the
/// timed loop allocates no buffers.
pub struct Readback {
    staging: wgpu::Buffer,
    bytes: u64,
    mapped: Arc<Completion>,
}

impl Readback {
    pub fn new(device: &wgpu::Device, label: &str, bytes: u64) -> Self {
        let bytes = bytes.max(4).next_multiple_of(4);
        let staging = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: bytes,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        Self {
            staging,
            bytes,
            mapped: Arc::default(),
        }
    }

    /// Records the copy of `source` (its first bytes) into the staging buffer.
    pub fn record_copy(&self, encoder: &mut wgpu::CommandEncoder, source: &wgpu::Buffer) {
        let bytes = self.bytes.min(source.size());
        encoder.copy_buffer_to_buffer(source, 0, &self.staging, 0, bytes);
    }

    /// Asks wgpu to map the staging buffer as soon as the encoder's
    /// submission is done: no separate `map_async` after the submit.
    pub fn map_on_submit(&self, encoder: &wgpu::CommandEncoder) {
        self.mapped.reset();
        let mapped = Arc::clone(&self.mapped);
        encoder.map_buffer_on_submit(&self.staging, wgpu::MapMode::Read, .., move |r| {
            mapped.signal(r.is_ok())
        });
    }

    /// Asks wgpu to map the staging buffer once the work submitted so far
    /// is done (after the copy's submit).
    pub fn map_after_submit(&self) {
        self.mapped.reset();
        let mapped = Arc::clone(&self.mapped);
        self.staging
            .map_async(wgpu::MapMode::Read, .., move |r| mapped.signal(r.is_ok()));
    }

    /// Signalled when the mapping asked for is done.
    pub fn mapped(&self) -> &Arc<Completion> {
        &self.mapped
    }

    /// Copies the mapped values into `out` and unmaps; after the mapping.
    pub fn copy_out<T: bytemuck::Pod>(&self, out: &mut [T]) -> Result<(), GpuError> {
        {
            let view = self
                .staging
                .get_mapped_range(..)
                .map_err(|e| GpuError::Map(e.to_string()))?;
            let values: &[T] =
                bytemuck::try_cast_slice(&view).map_err(|e| GpuError::Map(e.to_string()))?;
            let n = out.len().min(values.len());
            out[..n].copy_from_slice(&values[..n]);
        }
        self.staging.unmap();
        Ok(())
    }

    /// Blocks until `submission` (which must contain [`Self::record_copy`])
    /// is done, then copies the staged values into `out`. For work outside
    /// timed regions: checks, timestamps.
    pub fn read_into<T: bytemuck::Pod>(
        &self,
        device: &wgpu::Device,
        submission: wgpu::SubmissionIndex,
        out: &mut [T],
        timeout: Duration,
    ) -> Result<(), GpuError> {
        self.map_after_submit();
        device.poll(wgpu::PollType::Wait {
            submission_index: Some(submission),
            timeout: Some(timeout),
        })?;
        // Another thread's poll may run our callback, so its signal is
        // awaited rather than assumed.
        match self.mapped.sleep_until(Instant::now() + timeout) {
            Some(true) => self.copy_out(out),
            Some(false) => Err(GpuError::Map(
                "the staging buffer could not be mapped".into(),
            )),
            None => Err(GpuError::Timeout(timeout)),
        }
    }
}
