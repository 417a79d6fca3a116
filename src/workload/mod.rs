//! What one op computes. Each workload builds its pipelines and buffers in
//! `prepare` (never in a timed region), encodes one op into a command
//! encoder, and carries the CPU reference its outputs are checked against.

pub mod linear;

use serde::{Deserialize, Serialize};

use crate::gpu::GpuContext;

/// Distinct input sets each worker cycles through, so that consecutive ops
/// read different data and a stale or mixed-up output is caught.
pub const SLOTS: usize = 4;

/// A workload's name in experiment files and results.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkloadKind {
    Linear,
}

/// A workload with its dimensions resolved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "workload", rename_all = "lowercase")]
pub enum Workload {
    Linear(linear::Linear),
}

impl Workload {
    /// Builds the workload from its kind and the optional `dims` of an
    /// experiment file; the error says what the dims must look like.
    pub fn new(kind: WorkloadKind, dims: Option<&[u32]>) -> Result<Self, String> {
        match kind {
            WorkloadKind::Linear => linear::Linear::from_dims(dims).map(Workload::Linear),
        }
    }

    /// Every workload at its default dimensions (what `curves stress` checks).
    pub fn defaults() -> Vec<Self> {
        vec![Workload::Linear(linear::Linear::default())]
    }

    pub fn name(&self) -> &'static str {
        match self {
            Workload::Linear(_) => "linear",
        }
    }

    pub fn dims(&self) -> Vec<u32> {
        match self {
            Workload::Linear(l) => vec![l.in_features, l.out_features],
        }
    }

    /// Human-readable, for titles and tables: `linear 256→128`.
    pub fn label(&self) -> String {
        let dims: Vec<String> = self.dims().iter().map(u32::to_string).collect();
        format!("{} {}", self.name(), dims.join("→"))
    }

    /// Uploads weights and `SLOTS` input sets for `batch` samples per op, and
    /// computes the reference outputs. `seed` makes the data reproducible.
    pub fn prepare(&self, ctx: &GpuContext, batch: u32, seed: u64) -> Box<dyn Prepared> {
        match self {
            Workload::Linear(l) => Box::new(l.prepare(ctx, batch, seed)),
        }
    }
}

/// A workload ready to run on one device: everything allocated, nothing
/// left to build. One op = one forward pass over one input slot.
pub trait Prepared: Send {
    /// Records one op over input slot `slot` into `encoder`. With
    /// `timestamps`, the GPU writes the time at the op's first pass's start
    /// and its last pass's end, so GPU execution time can be measured.
    fn encode(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        slot: usize,
        timestamps: Option<wgpu::ComputePassTimestampWrites<'_>>,
    );
    /// The buffer slot `slot`'s output lands in.
    fn output(&self, slot: usize) -> &wgpu::Buffer;
    /// Output values of one op.
    fn output_len(&self) -> usize;
    /// The CPU reference for slot `slot`'s output.
    fn expected(&self, slot: usize) -> &[f32];
}

/// Uniform random values in `[-scale, scale)`, reproducible from `seed`.
pub fn random_values(len: usize, scale: f32, seed: u64) -> Vec<f32> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    (0..len).map(|_| rng.random_range(-scale..scale)).collect()
}

/// The scalar type the kernels compute in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    #[default]
    F32,
}

impl Precision {
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
        }
    }
}
