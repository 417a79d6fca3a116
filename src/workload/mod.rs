//! What one op computes. Each workload builds its pipelines and buffers in
//! `prepare` (never in a timed region), encodes one op (one forward pass)
//! as one compute pass, and carries the CPU reference its outputs are
//! checked against. The kernel variant of each layer is chosen per shape
//! (`choice`), and the variants that ran are recorded with the point.

pub mod builder;
pub mod choice;
pub mod dispatch;
pub mod kernels;
pub mod mlp;
pub mod program;
pub mod reference;
pub mod transformer;
pub mod values;

pub use values::random_values;

use serde::{Deserialize, Serialize};

use crate::gpu::GpuContext;
use crate::gpu::upload::MappedInput;
use crate::schema::{Precision, WorkloadKind};
use kernels::BoundsChecks;
use mlp::Mlp;
use transformer::Transformer;

/// Distinct input sets each worker cycles through, so that consecutive ops
/// read different data and a stale or mixed-up output is caught.
pub const SLOTS: usize = 4;

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

/// What a prepared op needs of a device, to check an experiment against
/// the adapter's limits before anything runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Footprint {
    /// The largest single buffer, bytes.
    pub largest_buffer: u64,
    /// The most values any kernel indexes in one buffer (shaders index in u32).
    pub largest_elements: u64,
    /// All buffers of one worker, bytes.
    pub total_bytes: u64,
    /// The most workgroups any dispatch needs along one dimension,
    /// before spilling into the next.
    pub largest_grid: u64,
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

    pub fn kind(&self) -> WorkloadKind {
        match self {
            Workload::Linear(_) => WorkloadKind::Linear,
            Workload::Mlp(_) => WorkloadKind::Mlp,
            Workload::Transformer(_) => WorkloadKind::Transformer,
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
        self.kind().label(&self.dims())
    }

    /// Floating-point operations of one op at `batch` (multiply-adds count two).
    pub fn flops(&self, batch: u32) -> f64 {
        match self {
            Workload::Linear(m) | Workload::Mlp(m) => m.flops(batch),
            Workload::Transformer(t) => t.flops(batch),
        }
    }

    /// Bytes an op at `batch` must move at least: every weight read once,
    /// the input read, the output written, and each intermediate written
    /// once and read once.
    pub fn min_bytes(&self, batch: u32, precision: Precision) -> f64 {
        let b = f64::from(batch);
        let values = match self {
            Workload::Linear(m) | Workload::Mlp(m) => {
                let weights: f64 = m
                    .dims
                    .windows(2)
                    .map(|io| f64::from(io[0]) * f64::from(io[1]) + f64::from(io[1]))
                    .sum();
                let edges = f64::from(m.dims[0]) + f64::from(*m.dims.last().expect("two dims"));
                let hidden: f64 = m.dims[1..m.dims.len() - 1]
                    .iter()
                    .map(|&w| 2.0 * f64::from(w))
                    .sum();
                weights + b * (edges + hidden)
            }
            Workload::Transformer(t) => {
                let (d, ff) = (f64::from(t.d_model), f64::from(t.ff));
                let rows = b * f64::from(t.seq);
                let weights = 4.0 * d * d + 2.0 * d * ff + 9.0 * d + ff;
                // In and out, then qkv, attention, projection, norm, ff1, ff2.
                weights + rows * (2.0 * d + 2.0 * (3.0 * d + d + d + d + ff + d))
            }
        };
        values * precision.bytes() as f64
    }

    /// What one worker's op at `batch` in `precision` asks of the device.
    pub fn footprint(&self, batch: u32, precision: Precision) -> Footprint {
        match self {
            Workload::Linear(m) | Workload::Mlp(m) => m.footprint(batch, precision),
            Workload::Transformer(t) => t.footprint(batch, precision),
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
        self.prepare_with_bounds_checks(ctx, batch, precision, seed, BoundsChecks::default())
    }

    /// [`Self::prepare`] with other runtime checks than every point's
    /// ([`BoundsChecks::ExceptProven`]): `curves peak` measures what they cost.
    pub fn prepare_with_bounds_checks(
        &self,
        ctx: &GpuContext,
        batch: u32,
        precision: Precision,
        seed: u64,
        bounds_checks: BoundsChecks,
    ) -> Box<dyn Prepared> {
        match self {
            Workload::Linear(m) | Workload::Mlp(m) => {
                Box::new(m.prepare(ctx, batch, precision, seed, bounds_checks))
            }
            Workload::Transformer(t) => {
                Box::new(t.prepare(ctx, batch, precision, seed, bounds_checks))
            }
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
    /// The dispatches one op over slot `slot` records, in order (with the
    /// pool's buffers), for timing each on its own.
    fn dispatches(&self, slot: usize) -> &[dispatch::Dispatch];
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
    /// the slot's own reference no longer holds after this. The upload is
    /// recorded into `encoder` (the op's own, ahead of its dispatches)
    /// from `belt`'s mapped staging chunks.
    fn write_input(
        &mut self,
        encoder: &mut wgpu::CommandEncoder,
        belt: &mut wgpu::util::StagingBelt,
        slot: usize,
        rows: &[u8],
    );
    /// Records into `encoder` the upload of slot `slot`'s whole input from
    /// `belt`, before the rows that will fill it are known, and returns
    /// the mapped range it reads (holding the slot's last input until the
    /// caller writes there): a GPU owner that records its next batch
    /// ahead writes the requests' rows into its first samples once they
    /// arrive, then submits. `None` without the pool, where an op's input
    /// is allocated when it is recorded.
    fn input_ahead(
        &mut self,
        encoder: &mut wgpu::CommandEncoder,
        belt: &mut wgpu::util::StagingBelt,
        slot: usize,
    ) -> Option<wgpu::BufferViewMut>;
    /// Slot `slot`'s input as the GPU holds it (the storage format, padded
    /// to 4 bytes), for a worker that writes it again before every op.
    fn input(&self, slot: usize) -> &[u8];
    /// Moves each slot's input into a buffer the host writes in place
    /// ([`MappedInput`]), rebinding the dispatches that read it, and
    /// returns them by slot: a GPU owner then writes its requests' rows
    /// there instead of uploading them ([`Self::write_input`] and
    /// [`Self::input_ahead`] no longer apply). `None` where the device
    /// cannot bind a mappable buffer, or without the pool.
    fn map_inputs(&mut self) -> Option<Vec<MappedInput>>;
    /// The kernel variants an op runs, with the shapes they were chosen for.
    fn kernels(&self) -> Vec<String>;
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
            Workload::new(WorkloadKind::Transformer, Some(&[768, 12, 512, 3072])).is_ok(),
            "BERT-class sequences run"
        );
        assert!(
            Workload::new(WorkloadKind::Transformer, Some(&[1024, 1, 64, 64])).is_err(),
            "a head of 1024 is past the kernel's registers"
        );
    }

    #[test]
    fn footprints_count_in_u64() {
        let w = Workload::new(WorkloadKind::Linear, Some(&[100_000, 100_000])).unwrap();
        let f = w.footprint(1, Precision::F32);
        assert_eq!(f.largest_elements, 10_000_000_000);
        assert_eq!(f.largest_buffer, 40_000_000_000);
        assert_eq!(w.flops(2), 2.0 * 2.0 * 1e10, "a multiply-add counts two");
    }
}
