//! The one readback helper: copy a GPU buffer into a mappable staging
//! buffer, wait for that submission, and copy the bytes out. Nobody else
//! writes the map/poll/unmap sequence.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::Duration;

use super::GpuError;

/// A staging buffer of fixed size, reused for every op of a worker, so the
/// timed loop allocates no buffers.
pub struct Readback {
    staging: wgpu::Buffer,
    bytes: u64,
    done_tx: SyncSender<Result<(), wgpu::BufferAsyncError>>,
    done_rx: Receiver<Result<(), wgpu::BufferAsyncError>>,
}

impl Readback {
    pub fn new(device: &wgpu::Device, label: &str, bytes: u64) -> Self {
        let staging = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: bytes,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let (done_tx, done_rx) = sync_channel(1);
        Self {
            staging,
            bytes,
            done_tx,
            done_rx,
        }
    }

    /// Records the copy of `source` (its first `bytes`) into the staging buffer.
    pub fn record_copy(&self, encoder: &mut wgpu::CommandEncoder, source: &wgpu::Buffer) {
        encoder.copy_buffer_to_buffer(source, 0, &self.staging, 0, self.bytes);
    }

    /// Waits for `submission` (which must contain [`Self::record_copy`]),
    /// then copies the staged values into `out`.
    pub fn read_into<T: bytemuck::Pod>(
        &self,
        device: &wgpu::Device,
        submission: wgpu::SubmissionIndex,
        out: &mut [T],
        timeout: Duration,
    ) -> Result<(), GpuError> {
        self.wait(device, submission, timeout)?;
        self.copy_out(out)
    }

    /// Maps the staging buffer once `submission` has completed.
    pub fn wait(
        &self,
        device: &wgpu::Device,
        submission: wgpu::SubmissionIndex,
        timeout: Duration,
    ) -> Result<(), GpuError> {
        let tx = self.done_tx.clone();
        self.staging
            .map_async(wgpu::MapMode::Read, .., move |result| {
                // The receiver lives as long as `self`; a send can only fail
                // after the worker is gone, when nobody needs the answer.
                let _ = tx.send(result);
            });
        device.poll(wgpu::PollType::Wait {
            submission_index: Some(submission),
            timeout: Some(timeout),
        })?;
        // Another thread's poll may be the one that runs our callback, so
        // the answer is taken from the channel rather than assumed.
        match self.done_rx.recv_timeout(timeout) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(GpuError::Map(e.to_string())),
            Err(_) => Err(GpuError::Timeout(timeout)),
        }
    }

    /// Copies the mapped values into `out` and unmaps; after [`Self::wait`].
    pub fn copy_out<T: bytemuck::Pod>(&self, out: &mut [T]) -> Result<(), GpuError> {
        {
            let view = self
                .staging
                .get_mapped_range(..)
                .map_err(|e| GpuError::Map(e.to_string()))?;
            let values: &[T] =
                bytemuck::try_cast_slice(&view).map_err(|e| GpuError::Map(e.to_string()))?;
            out.copy_from_slice(&values[..out.len()]);
        }
        self.staging.unmap();
        Ok(())
    }
}
