//! Inputs the host writes in place: a storage buffer that the kernels read
//! and the host maps for writing (wgpu's `MAPPABLE_PRIMARY_BUFFERS`),
//! mapped again by wgpu as soon as the op that read it is done. A GPU
//! owner writes its requests' rows straight into it before the submit, so
//! the op records no upload copy, and no staging chunk is unmapped,
//! tracked and recalled per batch. Where the device lacks the feature
//! (GL), the owner uploads through a staging belt instead.

use std::sync::Arc;
use std::time::Instant;

use super::GpuError;
use super::completion::Completion;

/// A storage buffer of fixed size that the host writes between the ops
/// that read it.
pub struct MappedInput {
    buffer: wgpu::Buffer,
    mapped: Arc<Completion>,
}

impl MappedInput {
    /// Whether `device` can bind a mappable buffer as storage.
    pub fn supported(device: &wgpu::Device) -> bool {
        device
            .features()
            .contains(wgpu::Features::MAPPABLE_PRIMARY_BUFFERS)
    }

    /// A buffer holding `contents` (padded to 4 bytes), mapped and ready
    /// for the first write. The device must support it ([`Self::supported`]).
    pub fn new(device: &wgpu::Device, label: &str, contents: &[u8]) -> Result<Self, GpuError> {
        let size = contents.len().next_multiple_of(4).max(4);
        let buffer = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: size as u64,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::MAP_WRITE,
            mapped_at_creation: true,
        });
        buffer
            .slice(..)
            .get_mapped_range_mut()
            .map_err(|e| GpuError::Map(e.to_string()))?
            .slice(..contents.len())
            .copy_from_slice(contents);
        let mapped = Arc::new(Completion::default());
        mapped.signal(true);
        Ok(Self { buffer, mapped })
    }

    /// The buffer, to bind.
    pub fn buffer(&self) -> &wgpu::Buffer {
        &self.buffer
    }

    /// Asks wgpu to map the buffer for writing again as soon as the
    /// encoder's submission (the op that reads it) is done. The signal is
    /// re-armed when the buffer is unmapped ([`Self::write`]), not here: a
    /// command buffer recorded ahead and dropped unsubmitted never calls
    /// back, and the buffer stays mapped.
    pub fn map_on_submit(&self, encoder: &wgpu::CommandEncoder) {
        let mapped = Arc::clone(&self.mapped);
        encoder.map_buffer_on_submit(&self.buffer, wgpu::MapMode::Write, .., move |r| {
            mapped.signal(r.is_ok())
        });
    }

    /// Maps the buffer again after a [`Self::write`] that no submit
    /// followed (an error in between), so that the next write finds it.
    pub fn map_again(&self) {
        let mapped = Arc::clone(&self.mapped);
        self.buffer
            .slice(..)
            .map_async(wgpu::MapMode::Write, move |r| mapped.signal(r.is_ok()));
    }

    /// Writes `rows` one after the other from the buffer's start and
    /// unmaps it, for the submit of the op that reads it, which must
    /// follow (it maps it again). Until the buffer is mapped again after
    /// the op that read it last, polls the device, up to `deadline`: an
    /// owner rewrites an input only once that op is answered, so this
    /// seldom waits.
    pub fn write<'r>(
        &self,
        device: &wgpu::Device,
        rows: impl IntoIterator<Item = &'r [u8]>,
        deadline: Instant,
    ) -> Result<(), GpuError> {
        let started = Instant::now();
        loop {
            match self.mapped.state() {
                Some(true) => break,
                Some(false) => {
                    return Err(GpuError::Map(
                        "an input buffer could not be mapped for writing".into(),
                    ));
                }
                None if Instant::now() >= deadline => {
                    return Err(GpuError::Timeout(started.elapsed()));
                }
                None => {
                    device.poll(wgpu::PollType::Poll)?;
                    std::hint::spin_loop();
                }
            }
        }
        {
            let mut view = self
                .buffer
                .slice(..)
                .get_mapped_range_mut()
                .map_err(|e| GpuError::Map(e.to_string()))?;
            let mut at = 0;
            for row in rows {
                // Left mapped, as it was, when the rows do not fit.
                if at + row.len() > view.len() {
                    return Err(GpuError::Map(format!(
                        "the rows do not fit an input of {} bytes",
                        view.len()
                    )));
                }
                view.slice(at..at + row.len()).copy_from_slice(row);
                at += row.len();
            }
        }
        self.buffer.unmap();
        self.mapped.reset();
        Ok(())
    }
}
