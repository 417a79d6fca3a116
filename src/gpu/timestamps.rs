//! GPU execution time of sampled ops, from timestamp queries written at
//! the start and end of each sampled op's compute pass.

use std::time::Duration;

use super::readback::Readback;
use super::{GpuContext, GpuError};

pub struct Timestamps {
    query_set: wgpu::QuerySet,
    resolve: wgpu::Buffer,
    readback: Readback,
    period_ns: f64,
    /// Pairs available: ops that can be sampled per trial.
    pub capacity: u32,
}

impl Timestamps {
    /// Room for `pairs` sampled ops; `None` where the device has no timestamps.
    pub fn new(ctx: &GpuContext, pairs: u32) -> Option<Self> {
        if !ctx.has(wgpu::Features::TIMESTAMP_QUERY) || pairs == 0 {
            return None;
        }
        let count = 2 * pairs;
        let bytes = u64::from(count) * 8;
        Some(Self {
            query_set: ctx.device.create_query_set(&wgpu::QuerySetDescriptor {
                label: Some("op.timestamps"),
                ty: wgpu::QueryType::Timestamp,
                count,
            }),
            resolve: ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("op.timestamps.resolve"),
                size: bytes,
                usage: wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
                mapped_at_creation: false,
            }),
            readback: Readback::new(&ctx.device, "op.timestamps.staging", bytes),
            period_ns: f64::from(ctx.queue.get_timestamp_period()),
            capacity: pairs,
        })
    }

    /// The pass timestamp writes of sampled op `k`.
    pub fn writes(&self, k: u32) -> wgpu::ComputePassTimestampWrites<'_> {
        wgpu::ComputePassTimestampWrites {
            query_set: &self.query_set,
            beginning_of_pass_write_index: Some(2 * k),
            end_of_pass_write_index: Some(2 * k + 1),
        }
    }

    /// Resolves the first `pairs` pairs into GPU times in nanoseconds
    /// (pairs whose end is not after their start are left out).
    pub fn read(
        &self,
        ctx: &GpuContext,
        pairs: u32,
        timeout: Duration,
    ) -> Result<Vec<u64>, GpuError> {
        Ok(self
            .read_pairs(ctx, pairs, timeout)?
            .into_iter()
            .filter(|(start, end)| end > start)
            .map(|(start, end)| end - start)
            .collect())
    }

    /// The first `pairs` pairs as (start, end) on the GPU's clock, in
    /// nanoseconds: for the gaps between passes as well as their lengths.
    pub fn read_pairs(
        &self,
        ctx: &GpuContext,
        pairs: u32,
        timeout: Duration,
    ) -> Result<Vec<(u64, u64)>, GpuError> {
        let pairs = pairs.min(self.capacity);
        if pairs == 0 {
            return Ok(Vec::new());
        }
        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        encoder.resolve_query_set(&self.query_set, 0..2 * pairs, &self.resolve, 0);
        self.readback.record_copy(&mut encoder, &self.resolve);
        let submission = ctx.queue.submit([encoder.finish()]);
        let mut raw = vec![0u64; 2 * self.capacity as usize];
        self.readback
            .read_into(&ctx.device, submission, &mut raw, timeout)?;
        let ns = |ticks: u64| (ticks as f64 * self.period_ns) as u64;
        Ok(raw[..2 * pairs as usize]
            .chunks(2)
            .map(|pair| (ns(pair[0]), ns(pair[1])))
            .collect())
    }
}
