//! `mlp`: Linear-ReLU-…-Linear, PyTorch's `nn.Sequential` of `nn.Linear`
//! layers with a ReLU between each pair. `linear` is its one-layer case.

use serde::{Deserialize, Serialize};

use super::Footprint;
use super::builder::Builder;
use super::dispatch::Linear;
use super::kernels::BoundsChecks;
use super::program::{Program, ProgramSlot};
use super::reference::{self, narrow, widen};
use super::values::{SamplePool, input_bytes, par_map, random};
use crate::gpu::GpuContext;
use crate::schema::Precision;

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

    /// 2 · batch · Σ in·out: a multiply-add counts two.
    pub fn flops(&self, batch: u32) -> f64 {
        self.dims
            .windows(2)
            .map(|io| 2.0 * f64::from(batch) * f64::from(io[0]) * f64::from(io[1]))
            .sum()
    }

    pub fn footprint(&self, batch: u32, precision: Precision) -> Footprint {
        let bytes = precision.bytes() as u64;
        let b = u64::from(batch);
        let mut f = Footprint::default();
        for io in self.dims.windows(2) {
            let (i, o) = (u64::from(io[0]), u64::from(io[1]));
            for elements in [i * o, b * i, b * o] {
                f.largest_elements = f.largest_elements.max(elements);
                f.largest_buffer = f.largest_buffer.max(elements * bytes);
            }
            // Weights and bias, and the activations of every slot.
            f.total_bytes += (i * o + o) * bytes;
            f.largest_grid = f.largest_grid.max(b.div_ceil(32).max(o.div_ceil(32)));
        }
        let first = u64::from(self.dims[0]);
        let last = u64::from(*self.dims.last().expect("two dims"));
        let hidden: u64 = self.dims[1..self.dims.len() - 1]
            .iter()
            .map(|&w| u64::from(w))
            .sum();
        f.total_bytes += b * bytes * (super::SLOTS as u64 * (first + last) + hidden);
        f
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
        bounds_checks: BoundsChecks,
    ) -> Program {
        let mut b = Builder::new(ctx, precision);
        b.bounds_checks = bounds_checks;
        let layers = self.layers(seed, precision);
        let linears: Vec<Linear> = layers
            .iter()
            .zip(self.dims.windows(2))
            .enumerate()
            .map(|(i, (l, io))| {
                b.linear(&format!("mlp.layer{i}"), &l.w, &l.b, (batch, io[0], io[1]))
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
        let references = par_map(&pool.samples, |s| self.reference(&layers, s));
        let out_width = *self.dims.last().expect("at least two dims");

        let slots = (0..super::SLOTS)
            .map(|slot| {
                let input_data = pool.slot_input(slot);
                let input = b.input(&format!("mlp.x[{slot}]"), &input_data);
                let output = b.scratch(&format!("mlp.y[{slot}]"), (batch * out_width) as usize);
                let dispatches = (0..n_layers)
                    .flat_map(|i| {
                        let x = if i == 0 { &input } else { &hidden[i - 1] };
                        let y = if i + 1 == n_layers {
                            &output
                        } else {
                            &hidden[i]
                        };
                        b.matmul(
                            &format!("mlp.layer{i}[{slot}]"),
                            &linears[i],
                            x,
                            y,
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
        let kernels = std::mem::take(&mut b.kernels);
        Program {
            kernels,
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
