//! `transformer`: one post-norm encoder layer, as PyTorch's
//! `nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward,
//! batch_first=True)` computes it in eval mode (ReLU, LayerNorm eps 1e-5):
//!
//! h = LayerNorm(x + SelfAttention(x));  y = LayerNorm(h + FF(h))
//!
//! The input is `[batch, seq, d_model]`; one sample is one sequence.

use serde::{Deserialize, Serialize};

use super::Footprint;
use super::builder::Builder;
use super::kernels::BoundsChecks;
use super::program::{Program, ProgramSlot};
use super::reference::{self, narrow, widen};
use super::values::{SamplePool, input_bytes, par_map, random};
use crate::gpu::GpuContext;
use crate::schema::Precision;

const EPS: f32 = 1e-5;
/// The attention kernel keeps a query and its output in registers, one
/// value per element of a head: past this, they would spill.
const MAX_HEAD_DIM: u32 = 256;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transformer {
    pub d_model: u32,
    pub heads: u32,
    pub seq: u32,
    pub ff: u32,
}

impl Default for Transformer {
    fn default() -> Self {
        Self {
            d_model: 256,
            heads: 4,
            seq: 32,
            ff: 2048,
        }
    }
}

struct Weights {
    qkv_w: Vec<f32>,
    qkv_b: Vec<f32>,
    out_w: Vec<f32>,
    out_b: Vec<f32>,
    ln1_g: Vec<f32>,
    ln1_b: Vec<f32>,
    ff1_w: Vec<f32>,
    ff1_b: Vec<f32>,
    ff2_w: Vec<f32>,
    ff2_b: Vec<f32>,
    ln2_g: Vec<f32>,
    ln2_b: Vec<f32>,
}

impl Transformer {
    pub fn from_dims(dims: Option<&[u32]>) -> Result<Self, String> {
        let t = match dims {
            None => Self::default(),
            Some(&[d_model, heads, seq, ff]) => Self {
                d_model,
                heads,
                seq,
                ff,
            },
            Some(d) => {
                return Err(format!(
                    "transformer takes dims = [d_model, heads, seq, ff]; got {d:?}"
                ));
            }
        };
        let ok = t.heads > 0
            && t.d_model > 0
            && t.d_model % t.heads == 0
            && t.d_model / t.heads <= MAX_HEAD_DIM
            && t.seq > 0
            && t.ff > 0;
        if !ok {
            return Err(format!(
                "transformer dims {:?}: d_model must split evenly into heads of at most {MAX_HEAD_DIM}, seq and ff at least 1",
                [t.d_model, t.heads, t.seq, t.ff]
            ));
        }
        Ok(t)
    }

    /// Multiply-adds of the four projections and of attention (q·k and
    /// p·v), two flops each; the norms and softmax are left out.
    pub fn flops(&self, batch: u32) -> f64 {
        let (d, ff, seq) = (
            f64::from(self.d_model),
            f64::from(self.ff),
            f64::from(self.seq),
        );
        let rows = f64::from(batch) * seq;
        2.0 * rows * (d * 3.0 * d + d * d + 2.0 * d * ff)
            + 2.0 * 2.0 * f64::from(batch) * seq * seq * d
    }

    pub fn footprint(&self, batch: u32, precision: Precision) -> Footprint {
        let bytes = precision.bytes() as u64;
        let (d, ff) = (u64::from(self.d_model), u64::from(self.ff));
        let rows = u64::from(batch) * u64::from(self.seq);
        let largest_elements = [rows * 3 * d, rows * ff, d * ff, 3 * d * d]
            .into_iter()
            .max()
            .expect("four sizes");
        let weights = 3 * d * d + 3 * d + d * d + d + 2 * d * ff + ff + d + 4 * d;
        let activations = rows * (3 * d + d + d + d + ff + d) + super::SLOTS as u64 * rows * 2 * d;
        Footprint {
            largest_buffer: largest_elements * bytes,
            largest_elements,
            total_bytes: (weights + activations) * bytes,
            largest_grid: (u64::from(batch) * u64::from(self.heads) * u64::from(self.seq))
                .max(rows.div_ceil(32))
                .max(ff.div_ceil(32)),
        }
    }

    pub fn dims(&self) -> Vec<u32> {
        vec![self.d_model, self.heads, self.seq, self.ff]
    }

    fn weights(&self, seed: u64, p: Precision) -> Weights {
        let (d, ff) = (self.d_model as usize, self.ff as usize);
        let bd = 1.0 / (d as f32).sqrt();
        let bf = 1.0 / (ff as f32).sqrt();
        let s = |k: u64| seed.wrapping_mul(31).wrapping_add(k);
        // Norm scales near 1 and shifts near 0, as after training; not
        // exactly 1 and 0, so a kernel that ignored them would be caught.
        let near_one = |len: usize, k: u64| {
            random(len, 0.1, s(k), p)
                .into_iter()
                .map(|v| 1.0 + v)
                .collect()
        };
        Weights {
            qkv_w: random(d * 3 * d, bd, s(1), p),
            qkv_b: random(3 * d, bd, s(2), p),
            out_w: random(d * d, bd, s(3), p),
            out_b: random(d, bd, s(4), p),
            ln1_g: super::values::quantize(near_one(d, 5), p),
            ln1_b: random(d, 0.1, s(6), p),
            ff1_w: random(d * ff, bd, s(7), p),
            ff1_b: random(ff, bd, s(8), p),
            ff2_w: random(ff * d, bf, s(9), p),
            ff2_b: random(d, bf, s(10), p),
            ln2_g: super::values::quantize(near_one(d, 11), p),
            ln2_b: random(d, 0.1, s(12), p),
        }
    }

    fn reference(&self, w: &Weights, x: &[f32]) -> Vec<f32> {
        let (d, ff, seq) = (self.d_model as usize, self.ff as usize, self.seq as usize);
        let x = widen(x);
        let qkv = reference::linear(&x, &w.qkv_w, &w.qkv_b, seq, d, 3 * d, false);
        let attn = reference::attention(&qkv, seq, self.heads as usize, d / self.heads as usize);
        let proj = reference::linear(&attn, &w.out_w, &w.out_b, seq, d, d, false);
        let h = reference::layer_norm(&x, &proj, &w.ln1_g, &w.ln1_b, d, f64::from(EPS));
        let f = reference::linear(&h, &w.ff1_w, &w.ff1_b, seq, d, ff, true);
        let f = reference::linear(&f, &w.ff2_w, &w.ff2_b, seq, ff, d, false);
        narrow(&reference::layer_norm(
            &h,
            &f,
            &w.ln2_g,
            &w.ln2_b,
            d,
            f64::from(EPS),
        ))
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
        let (d, ff, seq, heads) = (self.d_model, self.ff, self.seq, self.heads);
        let rows = batch * seq;
        let w = self.weights(seed, precision);
        let up =
            |b: &Builder, name: &str, data: &[f32]| b.upload(&format!("transformer.{name}"), data);
        let qkv_l = b.linear("transformer.qkv", &w.qkv_w, &w.qkv_b, (rows, d, 3 * d));
        let out_l = b.linear("transformer.out", &w.out_w, &w.out_b, (rows, d, d));
        let (ln1_g, ln1_b) = (up(&b, "ln1.gamma", &w.ln1_g), up(&b, "ln1.beta", &w.ln1_b));
        let ff1_l = b.linear("transformer.ff1", &w.ff1_w, &w.ff1_b, (rows, d, ff));
        let ff2_l = b.linear("transformer.ff2", &w.ff2_w, &w.ff2_b, (rows, ff, d));
        let (ln2_g, ln2_b) = (up(&b, "ln2.gamma", &w.ln2_g), up(&b, "ln2.beta", &w.ln2_b));
        // Intermediates, shared by the slots (one op at a time per worker).
        let scratch = |b: &Builder, name: &str, width: u32| {
            b.scratch(&format!("transformer.{name}"), (rows * width) as usize)
        };
        let qkv = scratch(&b, "qkv", 3 * d);
        let attn = scratch(&b, "attention", d);
        let proj = scratch(&b, "projection", d);
        let h = scratch(&b, "norm1", d);
        let f1 = scratch(&b, "ff1", ff);
        let f2 = scratch(&b, "ff2", d);

        let pool = SamplePool::new(batch, (seq * d) as usize, precision, seed);
        let references = par_map(&pool.samples, |s| self.reference(&w, s));
        let slots = (0..super::SLOTS)
            .map(|slot| {
                let x_data = pool.slot_input(slot);
                let x = b.input(&format!("transformer.x[{slot}]"), &x_data);
                let y = b.scratch(&format!("transformer.y[{slot}]"), (rows * d) as usize);
                let l = |name: &str| format!("transformer.{name}[{slot}]");
                let mut dispatches = b.matmul(&l("qkv"), &qkv_l, &x, &qkv, false);
                dispatches.push(b.attention(
                    &l("attention"),
                    &qkv,
                    &attn,
                    (batch, seq, heads, d / heads),
                ));
                dispatches.extend(b.matmul(&l("out"), &out_l, &attn, &proj, false));
                dispatches.push(b.layer_norm(
                    &l("norm1"),
                    (&x, &proj, &ln1_g, &ln1_b, &h),
                    rows,
                    d,
                    EPS,
                ));
                dispatches.extend(b.matmul(&l("ff1"), &ff1_l, &h, &f1, true));
                dispatches.extend(b.matmul(&l("ff2"), &ff2_l, &f1, &f2, false));
                dispatches.push(b.layer_norm(
                    &l("norm2"),
                    (&h, &f2, &ln2_g, &ln2_b, &y),
                    rows,
                    d,
                    EPS,
                ));
                ProgramSlot {
                    dispatches,
                    input_bytes: input_bytes(&x_data, precision),
                    input: x,
                    output: y,
                    expected: pool.slot_expected(slot, &references),
                }
            })
            .collect();
        let this = *self;
        let kernels = std::mem::take(&mut b.kernels);
        Program {
            kernels,
            precision,
            slots,
            out_len: (rows * d) as usize,
            batch: batch as usize,
            sample_len: (seq * d) as usize,
            reference: Box::new(move |x| this.reference(&w, x)),
            device: ctx.device.clone(),
            fresh: None,
        }
    }
}
