//! `linear`: PyTorch's `nn.Linear(in, out)` with bias, the seeds' 256→128 layer.

use serde::{Deserialize, Serialize};
use wgpu::util::DeviceExt;

use super::{Prepared, SLOTS, random_values};
use crate::gpu::GpuContext;
use crate::shaders::Kernel;

const WORKGROUP_SIZE: u32 = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Linear {
    pub in_features: u32,
    pub out_features: u32,
}

impl Default for Linear {
    fn default() -> Self {
        Self {
            in_features: 256,
            out_features: 128,
        }
    }
}

impl Linear {
    pub fn from_dims(dims: Option<&[u32]>) -> Result<Self, String> {
        match dims {
            None => Ok(Self::default()),
            Some(&[i, o]) if i > 0 && o > 0 => Ok(Self {
                in_features: i,
                out_features: o,
            }),
            Some(d) => Err(format!(
                "linear takes dims = [in, out], both at least 1; got {d:?}"
            )),
        }
    }

    pub fn prepare(&self, ctx: &GpuContext, batch: u32, seed: u64) -> PreparedLinear {
        let (n_in, n_out) = (self.in_features as usize, self.out_features as usize);
        // PyTorch's default init range, so magnitudes resemble a real layer.
        let bound = 1.0 / (n_in as f32).sqrt();
        let weight_t = random_values(n_in * n_out, bound, seed);
        let bias = random_values(n_out, bound, seed ^ 0x5eed_b1a5);
        let device = &ctx.device;
        let storage = |label: &str, data: &[f32]| {
            device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: bytemuck::cast_slice(data),
                usage: wgpu::BufferUsages::STORAGE,
            })
        };
        let weight_buf = storage("linear.weight_t", &weight_t);
        let bias_buf = storage("linear.bias", &bias);
        let params = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("linear.params"),
            contents: bytemuck::cast_slice(&[batch, self.in_features, self.out_features, 0]),
            usage: wgpu::BufferUsages::UNIFORM,
        });
        let pipeline = Kernel::Linear.pipeline(device);
        let layout = pipeline.get_bind_group_layout(0);
        let out_len = batch as usize * n_out;

        let mut slots = Vec::with_capacity(SLOTS);
        for slot in 0..SLOTS {
            let x = random_values(
                batch as usize * n_in,
                1.0,
                seed.wrapping_add(1 + slot as u64),
            );
            let expected = reference(&x, &weight_t, &bias, batch as usize, n_in, n_out);
            let input = storage(&format!("linear.x[{slot}]"), &x);
            let output = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(&format!("linear.y[{slot}]")),
                size: (out_len * 4) as u64,
                // COPY_DST: cleared before each trial, so a missing op is seen.
                usage: wgpu::BufferUsages::STORAGE
                    | wgpu::BufferUsages::COPY_SRC
                    | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(&format!("linear.bind_group[{slot}]")),
                layout: &layout,
                entries: &[
                    entry(0, &params),
                    entry(1, &input),
                    entry(2, &weight_buf),
                    entry(3, &bias_buf),
                    entry(4, &output),
                ],
            });
            slots.push(Slot {
                bind_group,
                output,
                expected,
            });
        }
        PreparedLinear {
            pipeline,
            slots,
            workgroups: (self.out_features.div_ceil(WORKGROUP_SIZE), batch),
            out_len,
        }
    }
}

fn entry(binding: u32, buffer: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: buffer.as_entire_binding(),
    }
}

struct Slot {
    bind_group: wgpu::BindGroup,
    output: wgpu::Buffer,
    expected: Vec<f32>,
}

pub struct PreparedLinear {
    pipeline: wgpu::ComputePipeline,
    slots: Vec<Slot>,
    workgroups: (u32, u32),
    out_len: usize,
}

impl Prepared for PreparedLinear {
    fn encode(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        slot: usize,
        timestamps: Option<wgpu::ComputePassTimestampWrites<'_>>,
    ) {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("linear"),
            timestamp_writes: timestamps,
        });
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &self.slots[slot].bind_group, &[]);
        pass.dispatch_workgroups(self.workgroups.0, self.workgroups.1, 1);
    }

    fn output(&self, slot: usize) -> &wgpu::Buffer {
        &self.slots[slot].output
    }

    fn output_len(&self) -> usize {
        self.out_len
    }

    fn expected(&self, slot: usize) -> &[f32] {
        &self.slots[slot].expected
    }
}

/// `y[b][o] = bias[o] + Σᵢ x[b][i] · weight_t[i][o]`, accumulated in f64.
pub fn reference(
    x: &[f32],
    weight_t: &[f32],
    bias: &[f32],
    batch: usize,
    n_in: usize,
    n_out: usize,
) -> Vec<f32> {
    let mut y = vec![0f32; batch * n_out];
    for b in 0..batch {
        let row = &x[b * n_in..(b + 1) * n_in];
        for o in 0..n_out {
            let acc: f64 = row
                .iter()
                .enumerate()
                .map(|(i, &xi)| f64::from(xi) * f64::from(weight_t[i * n_out + o]))
                .sum();
            y[b * n_out + o] = (acc + f64::from(bias[o])) as f32;
        }
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_matches_a_hand_computed_layer() {
        // x = [1, 2], W = [[1, 2, 3], [4, 5, 6]] stored as weight_t[i][o].
        let weight_t = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let y = reference(&[1.0, 2.0], &weight_t, &[0.5, 0.0, -1.0], 1, 2, 3);
        assert_eq!(y, vec![9.5, 12.0, 14.0]);
    }

    #[test]
    fn dims_are_validated() {
        assert_eq!(Linear::from_dims(None).unwrap(), Linear::default());
        assert_eq!(
            Linear::from_dims(Some(&[3, 5])).unwrap(),
            Linear {
                in_features: 3,
                out_features: 5
            }
        );
        assert!(Linear::from_dims(Some(&[3])).is_err());
        assert!(Linear::from_dims(Some(&[0, 5])).is_err());
    }
}
