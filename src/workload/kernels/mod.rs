//! The kernel catalogue: every kernel variant ([`Kernel`]), its tiles,
//! files and constants, and which runtime checks its modules keep
//! ([`BoundsChecks`]). How a variant becomes a shader module (its source, the
//! unrolling, naga's validation and translation) is [`toolchain`]'s; its
//! names for points and reports, [`names`]'.
//!
//! Runtime checks: naga clamps every dynamic index into an array and
//! bounds every loop unless a module is built with
//! `create_shader_module_trusted`. Modules here are built checked, except
//! for a dispatch whose every index the host has proven in bounds before
//! building it ([`BoundsChecks::ExceptProven`], the default): today only the
//! tensor-core matmuls (`choice::proven_in_bounds`). No host proof covers
//! the other kernels (the attention and layer-norm loops read rows whose
//! bounds come from uniforms, the SIMT matmuls guard ragged edges by
//! hand). `curves peak` measures each workload with every module checked,
//! as run, and with none checked, and the kernels are written so that the
//! checks fall on no register.

mod names;
mod toolchain;

pub use toolchain::{Translations, check_all, translate, unroll};

/// A register-blocked matmul configuration: a workgroup of `wg_x × wg_y`
/// invocations, each computing `micro × micro` outputs, stepping `bk`
/// along k; `vec4` when k and n are multiples of 4; `paired` when the
/// inner loop takes two steps of k per iteration (see shaders/matmul.wgsl).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Tile {
    pub micro: u32,
    pub wg_x: u32,
    pub wg_y: u32,
    pub bk: u32,
    pub vec4: bool,
    pub paired: bool,
}

impl Tile {
    pub fn bm(self) -> u32 {
        self.wg_y * self.micro
    }

    pub fn bn(self) -> u32 {
        self.wg_x * self.micro
    }

    pub fn threads(self) -> u32 {
        self.wg_x * self.wg_y
    }

    /// vec4 rows (and columns) of an invocation's micro-tile.
    fn tm4(self) -> u32 {
        self.micro / 4
    }

    /// vec4s of the x and w tiles that each invocation fetches per step.
    fn loads(self) -> (u32, u32) {
        (
            self.bm() * self.bk / 4 / self.threads(),
            self.bk * self.bn() / 4 / self.threads(),
        )
    }

    /// Workgroup memory: two k-steps of the x and w tiles, f32.
    pub fn workgroup_bytes(self) -> u32 {
        2 * self.bk * (self.bm() + self.bn()) * 4
    }

    /// Whether every invocation fetches a whole number of vec4s per step.
    pub fn is_valid(self) -> bool {
        let (a, b) = (self.bm() * self.bk / 4, self.bk * self.bn() / 4);
        matches!(self.micro, 4 | 8)
            && self.bk.is_multiple_of(4)
            && a % self.threads() == 0
            && b % self.threads() == 0
            && a >= self.threads()
            && b >= self.threads()
    }
}

/// The compute kernels the workloads are built from, and the two
/// `curves peak` measures the device with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kernel {
    /// Register-blocked matrix product with fused bias and optional ReLU.
    Matmul(Tile),
    /// f16 matrix product on cooperative matrices (tensor cores).
    MatmulCoop,
    /// The same with `ti` × `tj` tiles of 16 × 16 per subgroup and the
    /// output staged for a vectorised epilogue, `strip` rows of tiles at a
    /// time (`strip = ti`: the whole block, one barrier).
    MatmulCoopTiled { ti: u32, tj: u32, strip: u32 },
    /// A workgroup of `sgm` × `sgn` subgroups, each with `ti` × `tj`
    /// tiles of 16 × 16, fed from x and w tiles `bk` deep staged in
    /// workgroup memory and double buffered. With `split` > 1, k is split
    /// in that many parts, one workgroup each, whose f32 sums a
    /// [`Kernel::SplitReduce`] dispatch adds.
    MatmulCoopShared {
        sgm: u32,
        sgn: u32,
        ti: u32,
        tj: u32,
        bk: u32,
        split: u32,
    },
    /// The sum of a split product's `split` parts, with bias and ReLU.
    SplitReduce { split: u32 },
    /// Matrix-vector product for batches of at most `rows`, weights stored
    /// `[n][k]`; `vec4` loads when k is a multiple of 4.
    Gemv {
        subgroup: bool,
        rows: u32,
        vec4: bool,
    },
    /// Flash-style attention over any sequence length; `vec4` registers
    /// when the head size is a multiple of 4; `lanes` invocations per
    /// query (more than one only with vec4 and subgroups).
    Attention {
        head_dim: u32,
        keys: u32,
        queries: u32,
        vec4: bool,
        lanes: u32,
    },
    /// Residual add and layer normalisation.
    LayerNorm { subgroup: bool },
    /// The same with one subgroup per row, `rows` rows per workgroup, and
    /// `per_lane` of a row's values held by each lane.
    LayerNormRows { per_lane: u32, rows: u32 },
    /// Buffer copy (memory bandwidth).
    Copy,
    /// One-invocation increment (dispatch and round-trip floors).
    Tick,
}

/// Keys whose scores the vec4 attention computes before one rescale: up
/// to 8, a power of two that divides the tile's `keys`, and at most 32
/// unrolled dot products of `per_lane` vec4s each. More keys per block
/// give the GPU more independent work per step; the bound keeps the
/// unrolled body near the size of the one-key loop it replaced (CPU
/// drivers compile a block of 8 × 16 dots in minutes, not seconds).
fn attention_key_block(keys: u32, per_lane: u32) -> u32 {
    let mut block = 8.min(keys.max(1));
    while block > 1 && (block * per_lane.max(1) > 32 || !keys.is_multiple_of(block)) {
        block /= 2;
    }
    block
}

/// Invocations per workgroup of the row-per-subgroup layer norm.
pub const LAYER_NORM_WG: u32 = 128;

/// Which modules keep naga's runtime checks (bounds checks and loop
/// bounding).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum BoundsChecks {
    /// Every module (`create_shader_module`).
    All,
    /// Every module but those of dispatches whose every index the host
    /// has proven in bounds: what every point runs. The checks cost most
    /// where kernels index workgroup arrays at run time (each index gets
    /// a clamp); docs/kernel-choice.md has the measurement.
    #[default]
    ExceptProven,
    /// None (`create_shader_module_trusted`, `ShaderRuntimeChecks::unchecked`):
    /// only `curves peak`, to measure what the checks cost.
    Off,
}

impl BoundsChecks {
    /// Whether a dispatch's module keeps the checks; `proven` when the
    /// host has proven every index of the dispatch in bounds.
    pub fn keeps(self, proven: bool) -> bool {
        match self {
            BoundsChecks::All => true,
            BoundsChecks::ExceptProven => !proven,
            BoundsChecks::Off => false,
        }
    }
}

impl Kernel {
    /// One of each kind, at the settings the workloads use most: what
    /// `curves shaders` and the translation test check.
    pub fn representatives() -> Vec<Kernel> {
        let tile = |micro, wg, vec4| Tile {
            micro,
            wg_x: wg,
            wg_y: wg,
            bk: 16,
            vec4,
            paired: false,
        };
        vec![
            Kernel::Matmul(Tile {
                bk: 8,
                paired: true,
                ..tile(8, 16, true)
            }),
            Kernel::Matmul(tile(8, 16, true)),
            Kernel::Matmul(tile(4, 16, false)),
            Kernel::MatmulCoop,
            Kernel::MatmulCoopTiled {
                ti: 4,
                tj: 4,
                strip: 4,
            },
            Kernel::MatmulCoopTiled {
                ti: 4,
                tj: 4,
                strip: 1,
            },
            Kernel::MatmulCoopTiled {
                ti: 2,
                tj: 2,
                strip: 2,
            },
            Kernel::MatmulCoopShared {
                sgm: 2,
                sgn: 2,
                ti: 4,
                tj: 4,
                bk: 32,
                split: 1,
            },
            Kernel::MatmulCoopShared {
                sgm: 2,
                sgn: 2,
                ti: 1,
                tj: 1,
                bk: 64,
                split: 2,
            },
            Kernel::SplitReduce { split: 2 },
            Kernel::Gemv {
                subgroup: true,
                rows: 4,
                vec4: true,
            },
            Kernel::Gemv {
                subgroup: false,
                rows: 4,
                vec4: false,
            },
            Kernel::Attention {
                head_dim: 64,
                keys: 32,
                queries: 64,
                vec4: true,
                lanes: 1,
            },
            Kernel::Attention {
                head_dim: 64,
                keys: 32,
                queries: 32,
                vec4: true,
                lanes: 4,
            },
            Kernel::Attention {
                head_dim: 10,
                keys: 32,
                queries: 32,
                vec4: false,
                lanes: 1,
            },
            Kernel::LayerNorm { subgroup: true },
            Kernel::LayerNorm { subgroup: false },
            Kernel::LayerNormRows {
                per_lane: 8,
                rows: 4,
            },
            Kernel::Copy,
            Kernel::Tick,
        ]
    }

    /// The files the variant is built from, main body first.
    pub fn files(self) -> Vec<&'static str> {
        match self {
            Kernel::Matmul(t) => vec![
                "matmul.wgsl",
                if t.vec4 {
                    "matmul_io_vec4.wgsl"
                } else {
                    "matmul_io_scalar.wgsl"
                },
            ],
            Kernel::MatmulCoop => vec!["matmul_coop.wgsl"],
            Kernel::MatmulCoopTiled { .. } => vec!["matmul_coop_tiled.wgsl"],
            Kernel::MatmulCoopShared { split, .. } => vec![
                "matmul_coop_shared.wgsl",
                if split > 1 {
                    "matmul_coop_out_partial.wgsl"
                } else {
                    "matmul_coop_out_act.wgsl"
                },
            ],
            Kernel::SplitReduce { .. } => vec!["matmul_split_reduce.wgsl"],
            Kernel::Gemv { subgroup, vec4, .. } => vec![
                if subgroup {
                    "gemv_subgroup.wgsl"
                } else {
                    "gemv_workgroup.wgsl"
                },
                if vec4 {
                    "gemv_io_vec4.wgsl"
                } else {
                    "gemv_io_scalar.wgsl"
                },
            ],
            Kernel::Attention {
                vec4: true, lanes, ..
            } => vec![
                "attention_vec4.wgsl",
                if lanes > 1 {
                    "attention_lanes_subgroup.wgsl"
                } else {
                    "attention_lanes_one.wgsl"
                },
            ],
            Kernel::Attention { .. } => vec!["attention.wgsl"],
            Kernel::LayerNorm { subgroup } => vec![
                "layer_norm.wgsl",
                if subgroup {
                    "layer_norm_subgroup.wgsl"
                } else {
                    "layer_norm_workgroup.wgsl"
                },
            ],
            Kernel::LayerNormRows { .. } => vec!["layer_norm_rows.wgsl"],
            Kernel::Copy => vec!["copy.wgsl"],
            Kernel::Tick => vec!["tick.wgsl"],
        }
    }

    /// The block of the output (rows, columns) one subgroup of a
    /// cooperative-matrix variant owns; `None` for every other variant.
    pub fn coop_block(self) -> Option<(u32, u32)> {
        match self {
            Kernel::MatmulCoop => Some((64, 64)),
            Kernel::MatmulCoopTiled { ti, tj, .. } => Some((16 * ti, 16 * tj)),
            Kernel::MatmulCoopShared {
                sgm, sgn, ti, tj, ..
            } => Some((16 * ti * sgm, 16 * tj * sgn)),
            _ => None,
        }
    }

    /// How many parts a product's k is split in (1 but for a split
    /// staged variant).
    pub fn split(self) -> u32 {
        match self {
            Kernel::MatmulCoopShared { split, .. } => split.max(1),
            _ => 1,
        }
    }

    /// The multiple of k a cooperative-matrix variant needs: the depth it
    /// steps along k. `None` for every other variant.
    pub fn coop_k_step(self) -> Option<u32> {
        match self {
            Kernel::MatmulCoopShared { bk, split, .. } => Some(bk * split),
            _ => self.is_coop().then_some(16),
        }
    }

    /// The vec4s of the x and w tiles each invocation of the staged
    /// variant fetches per k step, where every invocation fetches a whole
    /// number of them and k steps by whole 16 × 16 tiles; `None` where
    /// not, or for any other variant.
    pub fn staged_loads(self) -> Option<(u32, u32)> {
        let Kernel::MatmulCoopShared { bk, .. } = self else {
            return None;
        };
        let (bm, bn) = self.coop_block()?;
        let wg = self.coop_invocations();
        let (a, b) = (bm * bk / 4, bk * bn / 4);
        (bk % 16 == 0 && a % wg == 0 && b % wg == 0).then_some((a / wg, b / wg))
    }

    /// Workgroup memory a cooperative-matrix variant declares, in bytes
    /// (0 for every other variant: the SIMT tiles have their own count).
    pub fn coop_workgroup_bytes(self) -> u32 {
        match self {
            Kernel::MatmulCoop => 256 * 4,
            Kernel::MatmulCoopTiled { tj, strip, .. } => 256 * strip * tj * 4,
            Kernel::MatmulCoopShared { sgm, sgn, bk, .. } => {
                let (bm, bn) = self.coop_block().unwrap_or_default();
                2 * (bm * (bk + 8) + bk * (bn + 8)) * 2 + 256 * sgm * sgn * 4
            }
            _ => 0,
        }
    }

    /// Invocations per workgroup of a cooperative-matrix variant.
    pub fn coop_invocations(self) -> u32 {
        match self {
            Kernel::MatmulCoopShared { sgm, sgn, .. } => 32 * sgm * sgn,
            _ => 32,
        }
    }

    /// Whether the variant runs on cooperative matrices (f16 only).
    pub fn is_coop(self) -> bool {
        self.coop_block().is_some()
    }

    /// Whether the variant needs the adapter's subgroups.
    pub fn needs_subgroups(self) -> bool {
        matches!(
            self,
            Kernel::Gemv { subgroup: true, .. }
                | Kernel::LayerNorm { subgroup: true }
                | Kernel::LayerNormRows { .. }
                | Kernel::Attention { lanes: 2.., .. }
        )
    }

    /// Whether the variant stores values in the point's precision (the
    /// peak kernels use f32 and u32 only; the cooperative one f16 only).
    pub fn has_precision(self) -> bool {
        !matches!(self, Kernel::Copy | Kernel::Tick)
    }

    /// The variant's constants, declared in its header.
    fn constants(self) -> Vec<(&'static str, u32)> {
        match self {
            Kernel::Matmul(t) => vec![
                ("WG_X", t.wg_x),
                ("WG_Y", t.wg_y),
                ("BK", t.bk),
                ("TM4", t.tm4()),
                ("TN4", t.tm4()),
                ("A_LOADS", t.loads().0),
                ("B_LOADS", t.loads().1),
                ("PAIRED", u32::from(t.paired)),
                ("SINGLE", u32::from(!t.paired)),
            ],
            Kernel::MatmulCoopTiled { ti, tj, strip } => vec![
                ("TI", ti),
                ("TJ", tj),
                ("BM", 16 * ti),
                ("BN", 16 * tj),
                ("SR", strip),
                ("STAGE", 256 * strip * tj),
            ],
            Kernel::MatmulCoopShared {
                sgm,
                sgn,
                ti,
                tj,
                bk,
                split,
            } => {
                let (bm, bn) = self.coop_block().unwrap_or_default();
                let (a_loads, b_loads) = self.staged_loads().unwrap_or_default();
                vec![
                    ("SGM", sgm),
                    ("SGN", sgn),
                    ("TI", ti),
                    ("TJ", tj),
                    ("BM", bm),
                    ("BN", bn),
                    ("BK", bk),
                    ("KK", bk / 16),
                    ("AS", bk + 8),
                    ("BS", bn + 8),
                    ("A_LOADS", a_loads),
                    ("B_LOADS", b_loads),
                    ("WG", self.coop_invocations()),
                    ("SG", sgm * sgn),
                    ("SPLIT", split),
                ]
            }
            Kernel::SplitReduce { split } => vec![("SPLIT", split)],
            Kernel::Gemv { rows, .. } => vec![("ROWS", rows)],
            Kernel::LayerNormRows { per_lane, rows } => {
                vec![("WG", LAYER_NORM_WG), ("RPW", rows), ("PER", per_lane)]
            }
            Kernel::Attention {
                head_dim,
                keys,
                queries,
                lanes,
                ..
            } => vec![
                ("HD", head_dim),
                ("HD4", head_dim / 4),
                ("LANES", lanes),
                ("HDL", head_dim / 4 / lanes.max(1)),
                ("WG", queries * lanes),
                ("KT", keys),
                ("KB", attention_key_block(keys, head_dim / 4 / lanes.max(1))),
                ("QB", queries),
            ],
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests;
