//! Which kernel computes each part of an op of a given shape: the rule
//! for a linear layer (tensor cores where the adapter has them and the
//! shape suits, the matrix-vector kernel for a few rows, else the largest
//! register-blocked tile that fills the device), the layer norm and the
//! attention; and the grid each dispatches. Read off `curves peak`'s
//! per-variant tables on an H200: docs/kernel-choice.md gives the
//! measurements behind each threshold.

use super::kernels::{Kernel, Tile};
use crate::gpu::GpuContext;
use crate::schema::Precision;

/// Rows up to which a layer runs as a matrix-vector product.
pub const GEMV_ROWS: u32 = 16;

/// Workgroups a staged tensor-core block must give before a larger
/// block is preferred (about one per multiprocessor of an H200).
pub const FILL_WORKGROUPS: u64 = 128;

/// Workgroups a register-blocked tile must give before a larger tile
/// is preferred (about two per multiprocessor of an H200).
pub const TILE_WORKGROUPS: u64 = 256;

/// Workgroups (one 64 × 64 block of the output each) the 64 × 64
/// tensor-core kernel must give before it is preferred to smaller tiles.
pub const COOP_WORKGROUPS: u64 = 512;

/// Workgroups the 32 × 64 staged tensor-core tile must give before it is
/// preferred to the 32 × 32 one.
pub const COOP_SMALL_WORKGROUPS: u64 = 384;

/// What the kernel choice depends on in a device.
#[derive(Clone, Copy, Debug)]
pub struct Caps {
    pub workgroup_bytes: u32,
    pub invocations: u32,
    /// Subgroup sizes (min, max) where the device has subgroups.
    pub subgroups: Option<(u32, u32)>,
    pub cooperative_matrix: bool,
    pub max_workgroups_per_dim: u32,
}

impl Caps {
    pub fn of(ctx: &GpuContext) -> Self {
        Self {
            workgroup_bytes: ctx.limits.max_compute_workgroup_storage_size,
            invocations: ctx.limits.max_compute_invocations_per_workgroup,
            // The subgroup kernels assume at most 64 lanes per subgroup.
            subgroups: ctx
                .subgroup_size
                .filter(|&(_, max)| (1..=64).contains(&max)),
            cooperative_matrix: ctx.info.cooperative_matrix
                && ctx.has(wgpu::Features::EXPERIMENTAL_COOPERATIVE_MATRIX)
                && ctx.subgroup_size == Some((32, 32)),
            max_workgroups_per_dim: ctx.limits.max_compute_workgroups_per_dimension,
        }
    }
}

/// The register-blocked tiles, largest first.
pub fn tiles(caps: &Caps, vec4: bool) -> Vec<Tile> {
    let tile = |micro, wg_x, wg_y, bk| Tile {
        micro,
        wg_x,
        wg_y,
        bk,
        vec4,
        paired: false,
    };
    [
        // 128 × 128, k steps of 8, two per iteration
        Tile {
            paired: true,
            ..tile(8, 16, 16, 8)
        },
        tile(8, 16, 16, 8),  // the same, one step per iteration (for the table)
        tile(8, 16, 16, 16), // 128 × 128, twice the workgroup memory
        tile(8, 8, 16, 16),  // 128 rows × 64 columns
        tile(8, 8, 8, 16),   // 64 × 64, 64 invocations
        tile(4, 16, 16, 16), // 64 × 64, 256 invocations
        tile(4, 8, 8, 16),   // 32 × 32
    ]
    .into_iter()
    .filter(|t| {
        t.is_valid()
            && t.workgroup_bytes() <= caps.workgroup_bytes
            && t.threads() <= caps.invocations
    })
    .collect()
}

/// How a layer's weights are laid out in their buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeightLayout {
    /// `[k][n]`: a row of w per input feature (the tiled kernels).
    InMajor,
    /// `[n][k]`, as nn.Linear stores them: a row per output feature (the
    /// matrix-vector kernels, whose lanes read along k).
    OutMajor,
}

impl Kernel {
    pub fn weight_layout(self) -> WeightLayout {
        match self {
            Kernel::Gemv { .. } => WeightLayout::OutMajor,
            _ => WeightLayout::InMajor,
        }
    }
}

/// A chosen kernel and its dispatch grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Choice {
    pub kernel: Kernel,
    pub grid: (u32, u32, u32),
}

/// The workgroups a cooperative-matrix `kernel` gives for an
/// `m × k → n` product (one per block of the output and part of k),
/// where its blocks divide the output and its k step (times its parts)
/// divides k; `None` where they do not or the kernel is not one.
pub fn coop_workgroups(kernel: Kernel, (m, k, n): (u32, u32, u32)) -> Option<u64> {
    let (bm, bn) = kernel.coop_block()?;
    let bk = kernel.coop_k_step()?;
    (m % bm == 0 && n % bn == 0 && k % bk == 0)
        .then(|| u64::from(m / bm) * u64::from(n / bn) * u64::from(kernel.split()))
}

/// Bytes of the f32 parts a product split along k sums (0 unsplit).
pub fn split_bytes(kernel: Kernel, (m, _, n): (u32, u32, u32)) -> u64 {
    match kernel.split() {
        1 => 0,
        parts => u64::from(parts) * u64::from(m) * u64::from(n) * 4,
    }
}

/// Whether every index a dispatch of `plan` for an `m × k → n` product
/// reaches lies in its buffers (`bytes`: x, w, bias, y, where y is the
/// f32 parts of a product split along k; `scalar` bytes a value), so
/// that its module may run without naga's runtime checks.
/// True only for the tensor-core kernels, whose sources index nothing
/// but whole BM × BK tiles of x, BK × BN of w, BN of the bias and BM × BN
/// of y at the workgroup's block, and workgroup arrays at offsets fixed
/// by their constants (for subgroups of 32 lanes, which [`Caps`] requires
/// of them). So they stay in bounds when m, n and k are multiples of the
/// block, the grid is exactly the blocks of y, and each buffer holds its
/// matrix. The SIMT matmuls guard ragged edges by hand and stay checked.
pub fn proven_in_bounds(
    plan: Choice,
    (m, k, n): (u32, u32, u32),
    [x, w, bias, y]: [u64; 4],
    scalar: usize,
) -> bool {
    let Some((bm, bn)) = plan.kernel.coop_block() else {
        return false;
    };
    let values = |rows: u32, cols: u32| u64::from(rows) * u64::from(cols) * scalar as u64;
    let out = match plan.kernel.split() {
        1 => values(m, n),
        _ => split_bytes(plan.kernel, (m, k, n)),
    };
    coop_workgroups(plan.kernel, (m, k, n)).is_some()
        && plan.grid == (n / bn, m / bm, plan.kernel.split())
        && x >= values(m, k)
        && w >= values(k, n)
        && bias >= values(1, n)
        && y >= out
}

/// Whether a cooperative-matrix `kernel` fits the device's workgroup
/// memory and invocations.
pub fn coop_fits(kernel: Kernel, caps: &Caps) -> bool {
    // Every invocation of a staged variant fetches whole vec4s of both tiles.
    let whole_loads =
        !matches!(kernel, Kernel::MatmulCoopShared { .. }) || kernel.staged_loads().is_some();
    whole_loads
        && kernel.coop_workgroup_bytes() <= caps.workgroup_bytes
        && kernel.coop_invocations() <= caps.invocations
}

/// The grid of `kernel` for an `m × k → n` product.
pub fn grid(kernel: Kernel, caps: &Caps, m: u32, n: u32) -> (u32, u32, u32) {
    if let Some((bm, bn)) = kernel.coop_block() {
        return (n / bn, m / bm, kernel.split());
    }
    match kernel {
        Kernel::Matmul(t) => (n.div_ceil(t.bn()), m.div_ceil(t.bm()), 1),
        Kernel::Gemv { subgroup: true, .. } => {
            // Columns per workgroup at the largest subgroup size: at a
            // smaller one the grid covers more columns than there are.
            let max = caps.subgroups.map_or(64, |s| s.1).max(1);
            workgroup_grid(n.div_ceil((64 / max).max(1)))
        }
        Kernel::Gemv { .. } => workgroup_grid(n),
        _ => unreachable!("not a matrix product"),
    }
}

/// The kernel for `y[m×n] = x[m×k] · w[k×n]` on a device with `caps`, by
/// the rule above.
pub fn choose(caps: &Caps, precision: Precision, (m, k, n): (u32, u32, u32)) -> Choice {
    let plan = |kernel| Choice {
        kernel,
        grid: grid(kernel, caps, m, n),
    };
    if precision == Precision::F16 && caps.cooperative_matrix {
        let workgroups = |kernel| coop_workgroups(kernel, (m, k, n));
        let large = Kernel::MatmulCoopTiled {
            ti: 4,
            tj: 4,
            strip: 1,
        };
        let wide = Kernel::MatmulCoopTiled {
            ti: 2,
            tj: 4,
            strip: 2,
        };
        let small = Kernel::MatmulCoopTiled {
            ti: 2,
            tj: 2,
            strip: 2,
        };
        let staged_large = Kernel::MatmulCoopShared {
            sgm: 4,
            sgn: 4,
            ti: 2,
            tj: 2,
            bk: 16,
            split: 1,
        };
        let staged = Kernel::MatmulCoopShared {
            sgm: 2,
            sgn: 2,
            ti: 2,
            tj: 2,
            bk: 32,
            split: 1,
        };
        let narrow = Kernel::MatmulCoopShared {
            sgm: 2,
            sgn: 2,
            ti: 1,
            tj: 1,
            bk: 64,
            split: 1,
        };
        let fits = |kernel| coop_fits(kernel, caps);
        if fits(staged_large) && workgroups(staged_large).is_some_and(|w| w >= FILL_WORKGROUPS) {
            return plan(staged_large);
        }
        if fits(staged) && workgroups(staged).is_some_and(|w| w >= FILL_WORKGROUPS) {
            return plan(staged);
        }
        if fits(narrow) && workgroups(narrow).is_some() {
            return plan(narrow);
        }
        if fits(staged) && workgroups(staged).is_some() {
            return plan(staged);
        }
        if workgroups(large).is_some_and(|w| w >= COOP_WORKGROUPS) {
            return plan(large);
        }
        if workgroups(wide).is_some_and(|w| w >= COOP_SMALL_WORKGROUPS) {
            return plan(wide);
        }
        if workgroups(small).is_some() {
            return plan(small);
        }
    }
    if m <= GEMV_ROWS {
        return plan(Kernel::Gemv {
            subgroup: caps.subgroups.is_some(),
            rows: m.max(1).next_power_of_two(),
            vec4: k % 4 == 0,
        });
    }
    let vec4 = k % 4 == 0 && n % 4 == 0;
    let tiles = tiles(caps, vec4);
    let workgroups = |t: &Tile| u64::from(m.div_ceil(t.bm())) * u64::from(n.div_ceil(t.bn()));
    let tile = tiles
        .iter()
        .find(|t| workgroups(t) >= TILE_WORKGROUPS)
        .or_else(|| tiles.iter().max_by_key(|t| workgroups(t)))
        .copied()
        .unwrap_or(Tile {
            // Fits any device wgpu runs on: 4 KiB of workgroup memory, 64 invocations.
            micro: 4,
            wg_x: 8,
            wg_y: 8,
            bk: 4,
            vec4,
            paired: false,
        });
    plan(Kernel::Matmul(tile))
}

/// Values per lane up to which a row's layer norm stays in registers.
const LAYER_NORM_PER_LANE: u32 = 32;

/// The layer-norm variant for rows of `dim`: a row per subgroup, held in
/// registers, where the adapter has subgroups and a row fits
/// [`LAYER_NORM_PER_LANE`] values per lane at its smallest subgroup size;
/// else a workgroup per row that reads the row three times.
pub fn layer_norm_kernel(caps: &Caps, dim: u32) -> Kernel {
    if let Some((min, max)) = caps.subgroups {
        let per_lane = dim.div_ceil(min.max(1)).max(1);
        if per_lane <= LAYER_NORM_PER_LANE {
            return Kernel::LayerNormRows {
                per_lane,
                rows: (super::kernels::LAYER_NORM_WG / max.max(1)).max(1),
            };
        }
    }
    Kernel::LayerNorm {
        subgroup: caps.subgroups.is_some(),
    }
}

/// The attention variant for `seq` and `head_dim`: 64 queries per
/// workgroup (32 for short sequences), as many keys per tile (at most
/// 32, a power of two) as fit workgroup memory twice (keys and values),
/// and 4 lanes per query where the adapter has subgroups of at least 4
/// and the head splits into 4 × vec4 (a query's chain over its keys is
/// then 4 times shorter and short sequences fill 4 times the lanes).
/// Measured on an H200 (`curves peak`, head 64, 2026-12-03, one lane →
/// four): seq 32 × batch 256 f16 48.6 → 35.1 µs, seq 2048 × batch 1 f32
/// 582.9 → 491.8 µs, but seq 512 × batch 2 (12 heads) f16 156.2 → 186.6
/// µs: four lanes lose there, for a reason not yet measured.
pub fn attention_kernel(caps: &Caps, seq: u32, head_dim: u32) -> Kernel {
    let per_key = 2 * head_dim.max(1) * 4;
    let mut keys = 32;
    while keys > 1 && keys * per_key > caps.workgroup_bytes {
        keys /= 2;
    }
    Kernel::Attention {
        head_dim,
        keys,
        queries: if seq > 32 { 64 } else { 32 },
        vec4: head_dim.is_multiple_of(4),
        lanes: if head_dim.is_multiple_of(16) && caps.subgroups.is_some_and(|(min, _)| min >= 4) {
            4
        } else {
            1
        },
    }
}

/// One workgroup per item: x up to the 65535 a dimension allows, the rest in y.
pub fn workgroup_grid(items: u32) -> (u32, u32, u32) {
    const MAX: u32 = 65535;
    (items.clamp(1, MAX), items.div_ceil(MAX).max(1), 1)
}

#[cfg(test)]
mod tests;
