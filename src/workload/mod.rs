//! What one op computes. Each workload builds its pipelines and buffers in
//! `prepare` (never in a timed region), encodes one op (one forward pass)
//! as one compute pass, and carries the CPU reference its outputs are
//! checked against.

pub mod mlp;
pub mod program;
pub mod reference;
pub mod transformer;

use serde::{Deserialize, Serialize};

use crate::gpu::GpuContext;
use mlp::Mlp;
use transformer::Transformer;

/// Distinct input sets each worker cycles through, so that consecutive ops
/// read different data and a stale or mixed-up output is caught.
pub const SLOTS: usize = 4;

/// A workload's name in experiment files and results.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkloadKind {
    Linear,
    Mlp,
    Transformer,
}

/// The seeds' `nn.Linear(256, 128)`.
pub const LINEAR_DEFAULT: [u32; 2] = [256, 128];
/// Report 003's MLP: 256 → 512 → 256 → 128.
pub const MLP_DEFAULT: [u32; 4] = [256, 512, 256, 128];

/// A workload with its dimensions resolved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "workload", rename_all = "lowercase")]
pub enum Workload {
    /// One `nn.Linear` layer, dims `[in, out]`.
    Linear(Mlp),
    /// Linear layers with ReLU between them, dims `[in, hidden…, out]`.
    Mlp(Mlp),
    Transformer(Transformer),
}

impl Workload {
    /// Builds the workload from its kind and the optional `dims` of an
    /// experiment file; the error says what the dims must look like.
    pub fn new(kind: WorkloadKind, dims: Option<&[u32]>) -> Result<Self, String> {
        match kind {
            WorkloadKind::Linear => {
                if let Some(d) = dims.filter(|d| d.len() != 2) {
                    return Err(format!(
                        "linear takes dims = [in, out], both at least 1; got {d:?}"
                    ));
                }
                Mlp::from_dims(dims, &LINEAR_DEFAULT, "linear").map(Workload::Linear)
            }
            WorkloadKind::Mlp => Mlp::from_dims(dims, &MLP_DEFAULT, "mlp").map(Workload::Mlp),
            WorkloadKind::Transformer => Transformer::from_dims(dims).map(Workload::Transformer),
        }
    }

    /// Every workload at its default dimensions (what `curves stress` checks).
    pub fn defaults() -> Vec<Self> {
        [
            WorkloadKind::Linear,
            WorkloadKind::Mlp,
            WorkloadKind::Transformer,
        ]
        .into_iter()
        .map(|k| Self::new(k, None).expect("defaults are valid"))
        .collect()
    }

    pub fn name(&self) -> &'static str {
        match self {
            Workload::Linear(_) => "linear",
            Workload::Mlp(_) => "mlp",
            Workload::Transformer(_) => "transformer",
        }
    }

    pub fn dims(&self) -> Vec<u32> {
        match self {
            Workload::Linear(m) | Workload::Mlp(m) => m.dims.clone(),
            Workload::Transformer(t) => t.dims(),
        }
    }

    /// Human-readable, for titles and tables: `linear 256→128`.
    pub fn label(&self) -> String {
        match self {
            Workload::Transformer(t) => format!(
                "transformer d{} h{} seq{} ff{}",
                t.d_model, t.heads, t.seq, t.ff
            ),
            _ => {
                let dims: Vec<String> = self.dims().iter().map(u32::to_string).collect();
                format!("{} {}", self.name(), dims.join("→"))
            }
        }
    }

    /// Uploads weights and `SLOTS` input sets for `batch` samples per op in
    /// `precision`, and computes the reference outputs. `seed` makes the
    /// data reproducible.
    pub fn prepare(
        &self,
        ctx: &GpuContext,
        batch: u32,
        precision: Precision,
        seed: u64,
    ) -> Box<dyn Prepared> {
        match self {
            Workload::Linear(m) | Workload::Mlp(m) => {
                Box::new(m.prepare(ctx, batch, precision, seed))
            }
            Workload::Transformer(t) => Box::new(t.prepare(ctx, batch, precision, seed)),
        }
    }
}

/// A workload ready to run on one device: everything allocated, nothing
/// left to build. One op = one forward pass over one input slot.
pub trait Prepared: Send {
    /// Records one op over input slot `slot` into `encoder` and returns the
    /// buffer its output lands in. With `timestamps`, the GPU writes the
    /// time at the op's start and end, so GPU execution time can be measured.
    fn encode(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        slot: usize,
        timestamps: Option<wgpu::ComputePassTimestampWrites<'_>>,
    ) -> wgpu::Buffer;
    /// The buffer slot `slot`'s latest output is in.
    fn output(&self, slot: usize) -> wgpu::Buffer;
    /// From now on, allocate each op's input and output buffers and bind
    /// groups afresh instead of reusing them (no pool), as an eager
    /// framework does, so the pool's gain can be measured.
    fn allocate_per_op(&mut self);
    /// Output values of one op.
    fn output_len(&self) -> usize;
    /// The storage format of the output.
    fn precision(&self) -> Precision;
    /// Bytes of one op's output, padded to the 4 bytes a buffer copy moves
    /// at least (an odd count of f16 values is not a whole number of words).
    fn output_bytes(&self) -> usize {
        (self.output_len() * self.precision().bytes()).next_multiple_of(4)
    }
    /// The CPU reference for slot `slot`'s output.
    fn expected(&self, slot: usize) -> &[f32];
    /// Samples per op.
    fn batch(&self) -> usize;
    /// Input values of one sample (one request's rows).
    fn sample_len(&self) -> usize;
    /// The CPU reference output of one sample, whose values must already
    /// be rounded to the storage precision.
    fn reference(&self, sample: &[f32]) -> Vec<f32>;
    /// Replaces the first samples of slot `slot`'s input with `rows`
    /// (whole samples in the storage format), for ops that serve requests:
    /// the slot's own reference no longer holds after this.
    fn write_input(&mut self, queue: &wgpu::Queue, slot: usize, rows: &[u8]);
}

/// Uniform random values in `[-scale, scale)`, reproducible from `seed`.
pub fn random_values(len: usize, scale: f32, seed: u64) -> Vec<f32> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    (0..len).map(|_| rng.random_range(-scale..scale)).collect()
}

/// The scalar type the kernels store values in (they accumulate in f32).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    #[default]
    F32,
    /// Needs the adapter's `SHADER_F16`; points are `unsupported` without it.
    F16,
}

impl Precision {
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::F16 => "f16",
        }
    }

    pub fn bytes(self) -> usize {
        match self {
            Precision::F32 => 4,
            Precision::F16 => 2,
        }
    }

    /// Largest relative error (‖got − want‖ / ‖want‖) an op may have.
    pub fn tolerance(self) -> f64 {
        match self {
            Precision::F32 => 1e-4,
            Precision::F16 => 1e-2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dims_are_validated_per_workload() {
        assert_eq!(
            Workload::new(WorkloadKind::Linear, None).unwrap().dims(),
            vec![256, 128]
        );
        assert_eq!(
            Workload::new(WorkloadKind::Mlp, None).unwrap().dims(),
            vec![256, 512, 256, 128]
        );
        assert_eq!(
            Workload::new(WorkloadKind::Transformer, None)
                .unwrap()
                .dims(),
            vec![256, 4, 32, 2048]
        );
        assert!(Workload::new(WorkloadKind::Linear, Some(&[3])).is_err());
        assert!(Workload::new(WorkloadKind::Linear, Some(&[3, 4, 5])).is_err());
        assert!(Workload::new(WorkloadKind::Linear, Some(&[0, 5])).is_err());
        assert!(Workload::new(WorkloadKind::Mlp, Some(&[512, 1024, 1024, 512])).is_ok());
        assert!(
            Workload::new(WorkloadKind::Transformer, Some(&[256, 3, 32, 2048])).is_err(),
            "256 does not split into 3 heads"
        );
        assert!(
            Workload::new(WorkloadKind::Transformer, Some(&[256, 4, 500, 2048])).is_err(),
            "seq too long"
        );
    }
}
