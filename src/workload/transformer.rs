//! `transformer`: one post-norm encoder layer, as PyTorch's
//! `nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward,
//! batch_first=True)` computes it in eval mode (ReLU, LayerNorm eps 1e-5):
//!
//! h = LayerNorm(x + SelfAttention(x));  y = LayerNorm(h + FF(h))
//!
//! The input is `[batch, seq, d_model]`; one sample is one sequence.

use serde::{Deserialize, Serialize};

use super::Precision;
use super::program::{Builder, Program, ProgramSlot, SamplePool, input_bytes, random};
use super::reference::{self, narrow, widen};
use crate::gpu::GpuContext;
use crate::shaders::Kernel;

const EPS: f32 = 1e-5;
/// The attention kernel gives one invocation to each key and to each output
/// element of a query row, in a 128-wide workgroup.
const MAX_SEQ: u32 = 128;
const MAX_HEAD_DIM: u32 = 128;

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

/// One workgroup per item: x up to the 65535 a dimension allows, the rest in y.
fn grid(items: u32) -> (u32, u32, u32) {
    const MAX: u32 = 65535;
    (items.min(MAX), items.div_ceil(MAX), 1)
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
            && (1..=MAX_SEQ).contains(&t.seq)
            && t.ff > 0;
        if !ok {
            return Err(format!(
                "transformer dims {:?}: d_model must split evenly into heads of at most {MAX_HEAD_DIM}, seq must be 1..={MAX_SEQ}, ff at least 1",
                [t.d_model, t.heads, t.seq, t.ff]
            ));
        }
        Ok(t)
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
            ln1_g: super::program::quantize(near_one(d, 5), p),
            ln1_b: random(d, 0.1, s(6), p),
            ff1_w: random(d * ff, bd, s(7), p),
            ff1_b: random(ff, bd, s(8), p),
            ff2_w: random(ff * d, bf, s(9), p),
            ff2_b: random(d, bf, s(10), p),
            ln2_g: super::program::quantize(near_one(d, 11), p),
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
    ) -> Program {
        let mut b = Builder::new(ctx, precision);
        let (d, ff, seq, heads) = (self.d_model, self.ff, self.seq, self.heads);
        let rows = batch * seq;
        let w = self.weights(seed, precision);
        let up =
            |b: &Builder, name: &str, data: &[f32]| b.upload(&format!("transformer.{name}"), data);
        let (qkv_w, qkv_b) = (
            up(&b, "qkv.weight_t", &w.qkv_w),
            up(&b, "qkv.bias", &w.qkv_b),
        );
        let (out_w, out_b) = (
            up(&b, "out.weight_t", &w.out_w),
            up(&b, "out.bias", &w.out_b),
        );
        let (ln1_g, ln1_b) = (up(&b, "ln1.gamma", &w.ln1_g), up(&b, "ln1.beta", &w.ln1_b));
        let (ff1_w, ff1_b) = (
            up(&b, "ff1.weight_t", &w.ff1_w),
            up(&b, "ff1.bias", &w.ff1_b),
        );
        let (ff2_w, ff2_b) = (
            up(&b, "ff2.weight_t", &w.ff2_w),
            up(&b, "ff2.bias", &w.ff2_b),
        );
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
        let attention_params = b.uniform(
            "transformer.attention.params",
            &[batch, seq, heads, d / heads],
        );
        let norm_params = b.uniform("transformer.norm.params", &[rows, d, EPS.to_bits(), 0]);

        let pool = SamplePool::new(batch, (seq * d) as usize, precision, seed);
        let references: Vec<Vec<f32>> =
            pool.samples.iter().map(|s| self.reference(&w, s)).collect();
        let slots = (0..super::SLOTS)
            .map(|slot| {
                let x_data = pool.slot_input(slot);
                let x = b.input(&format!("transformer.x[{slot}]"), &x_data);
                let y = b.scratch(&format!("transformer.y[{slot}]"), (rows * d) as usize);
                let l = |name: &str| format!("transformer.{name}[{slot}]");
                let dispatches = vec![
                    b.matmul(&l("qkv"), &x, &qkv_w, &qkv_b, &qkv, (rows, d, 3 * d), false),
                    b.dispatch(
                        Kernel::Attention,
                        &l("attention"),
                        &[&attention_params, &qkv, &attn],
                        grid(batch * heads * seq),
                    ),
                    b.matmul(&l("out"), &attn, &out_w, &out_b, &proj, (rows, d, d), false),
                    b.dispatch(
                        Kernel::LayerNorm,
                        &l("norm1"),
                        &[&norm_params, &x, &proj, &ln1_g, &ln1_b, &h],
                        grid(rows),
                    ),
                    b.matmul(&l("ff1"), &h, &ff1_w, &ff1_b, &f1, (rows, d, ff), true),
                    b.matmul(&l("ff2"), &f1, &ff2_w, &ff2_b, &f2, (rows, ff, d), false),
                    b.dispatch(
                        Kernel::LayerNorm,
                        &l("norm2"),
                        &[&norm_params, &h, &f2, &ln2_g, &ln2_b, &y],
                        grid(rows),
                    ),
                ];
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
        Program {
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
