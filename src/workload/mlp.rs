//! `mlp`: Linear-ReLU-…-Linear, PyTorch's `nn.Sequential` of `nn.Linear`
//! layers with a ReLU between each pair. `linear` is its one-layer case.

use serde::{Deserialize, Serialize};

use super::Precision;
use super::program::{Builder, Program, ProgramSlot, SamplePool, input_bytes, random};
use super::reference::{self, narrow, widen};
use crate::gpu::GpuContext;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mlp {
    /// Layer widths: `[in, hidden…, out]`.
    pub dims: Vec<u32>,
}

struct Layer {
    w: Vec<f32>,
    b: Vec<f32>,
}

impl Mlp {
    pub fn from_dims(dims: Option<&[u32]>, default: &[u32], what: &str) -> Result<Self, String> {
        let dims = dims.unwrap_or(default);
        if dims.len() < 2 || dims.contains(&0) {
            return Err(format!(
                "{what} takes dims = [in, …, out] (at least two widths, each at least 1); got {dims:?}"
            ));
        }
        Ok(Self {
            dims: dims.to_vec(),
        })
    }

    fn layers(&self, seed: u64, precision: Precision) -> Vec<Layer> {
        self.dims
            .windows(2)
            .enumerate()
            .map(|(i, io)| {
                let bound = 1.0 / (io[0] as f32).sqrt();
                let seed = seed.wrapping_add(1_000 * i as u64);
                Layer {
                    w: random((io[0] * io[1]) as usize, bound, seed ^ 0x77, precision),
                    b: random(io[1] as usize, bound, seed ^ 0xb1a5, precision),
                }
            })
            .collect()
    }

    fn reference(&self, layers: &[Layer], x: &[f32]) -> Vec<f32> {
        let mut h = widen(x);
        for (i, (layer, io)) in layers.iter().zip(self.dims.windows(2)).enumerate() {
            let relu = i + 1 < layers.len();
            h = reference::linear(
                &h,
                &layer.w,
                &layer.b,
                1,
                io[0] as usize,
                io[1] as usize,
                relu,
            );
        }
        narrow(&h)
    }

    pub fn prepare(
        &self,
        ctx: &GpuContext,
        batch: u32,
        precision: Precision,
        seed: u64,
    ) -> Program {
        let mut b = Builder::new(ctx, precision);
        let layers = self.layers(seed, precision);
        let weights: Vec<(wgpu::Buffer, wgpu::Buffer)> = layers
            .iter()
            .enumerate()
            .map(|(i, l)| {
                (
                    b.upload(&format!("mlp.layer{i}.weight_t"), &l.w),
                    b.upload(&format!("mlp.layer{i}.bias"), &l.b),
                )
            })
            .collect();
        let n_layers = layers.len();
        // Intermediates between layers, shared by the slots: one op at a
        // time per worker reaches them, in queue order.
        let hidden: Vec<wgpu::Buffer> = self.dims[1..n_layers]
            .iter()
            .enumerate()
            .map(|(i, &w)| b.scratch(&format!("mlp.hidden{i}"), (batch * w) as usize))
            .collect();
        let pool = SamplePool::new(batch, self.dims[0] as usize, precision, seed);
        let references: Vec<Vec<f32>> = pool
            .samples
            .iter()
            .map(|s| self.reference(&layers, s))
            .collect();
        let out_width = *self.dims.last().expect("at least two dims");

        let slots = (0..super::SLOTS)
            .map(|slot| {
                let input_data = pool.slot_input(slot);
                let input = b.input(&format!("mlp.x[{slot}]"), &input_data);
                let output = b.scratch(&format!("mlp.y[{slot}]"), (batch * out_width) as usize);
                let dispatches = (0..n_layers)
                    .map(|i| {
                        let x = if i == 0 { &input } else { &hidden[i - 1] };
                        let y = if i + 1 == n_layers {
                            &output
                        } else {
                            &hidden[i]
                        };
                        let shape = (batch, self.dims[i], self.dims[i + 1]);
                        let (w, bias) = &weights[i];
                        b.matmul(
                            &format!("mlp.layer{i}[{slot}]"),
                            x,
                            w,
                            bias,
                            y,
                            shape,
                            i + 1 < n_layers,
                        )
                    })
                    .collect();
                ProgramSlot {
                    dispatches,
                    input_bytes: input_bytes(&input_data, precision),
                    input,
                    output,
                    expected: pool.slot_expected(slot, &references),
                }
            })
            .collect();
        let this = self.clone();
        Program {
            precision,
            slots,
            out_len: (batch * out_width) as usize,
            batch: batch as usize,
            sample_len: self.dims[0] as usize,
            reference: Box::new(move |x| this.reference(&layers, x)),
            device: ctx.device.clone(),
            fresh: None,
        }
    }
}
