//! Every WGSL source, embedded once, and the enum that names each kernel
//! variant. A variant's source is its files joined after a header that
//! declares the storage type (`alias scalar = f16;` after `enable f16;`,
//! or `f32`) and the variant's constants (tile sizes, head size), so one
//! set of files serves every precision and shape. Blocks between
//! `//#for NAME in 0..BOUND` and `//#end` are then unrolled ([`unroll`]):
//! registers become named variables instead of arrays indexed in loops,
//! which naga's runtime checks would clamp and a driver would then keep
//! in local memory. [`translate`] parses
//! and validates each variant with naga and translates it to every
//! backend's language, so a shader that Metal, DX12 or GL would reject
//! fails here, on a machine that has none of them.
//!
//! Runtime checks: naga clamps every dynamic index into an array and
//! bounds every loop unless a module is built with
//! `create_shader_module_trusted`. Modules here are built checked, except
//! for a dispatch whose every index the host has proven in bounds before
//! building it ([`Checks::ExceptProven`], the default): today only the
//! tensor-core matmuls, proven in `program::Builder::matmul` (see
//! `matmul::proven_in_bounds`). No host proof covers the other kernels
//! (the attention and layer-norm loops read rows whose bounds come from
//! uniforms, the SIMT matmuls guard ragged edges by hand). `curves peak`
//! measures each workload with every module checked, as run, and with
//! none checked (see [`Checks`]), and the kernels are written so that the
//! checks fall on no register.

use crate::schema::Precision;

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
pub enum Checks {
    /// Every module (`create_shader_module`).
    All,
    /// Every module but those of dispatches whose every index the host
    /// has proven in bounds: what every point runs. On the H200 the checks
    /// cost the staged tensor-core kernels 36–43% of the f16 workloads'
    /// GPU time (they index workgroup arrays at run time, and each index
    /// gets a clamp), against 0–12% for the f32 ones (2026-12-03 17:55).
    #[default]
    ExceptProven,
    /// None (`create_shader_module_trusted`, `ShaderRuntimeChecks::unchecked`):
    /// only `curves peak`, to measure what the checks cost.
    Off,
}

impl Checks {
    /// Whether a dispatch's module keeps the checks; `proven` when the
    /// host has proven every index of the dispatch in bounds.
    pub fn keeps(self, proven: bool) -> bool {
        match self {
            Checks::All => true,
            Checks::ExceptProven => !proven,
            Checks::Off => false,
        }
    }
}

fn file(name: &str) -> &'static str {
    match name {
        "matmul.wgsl" => include_str!("../../shaders/matmul.wgsl"),
        "matmul_io_vec4.wgsl" => include_str!("../../shaders/matmul_io_vec4.wgsl"),
        "matmul_io_scalar.wgsl" => include_str!("../../shaders/matmul_io_scalar.wgsl"),
        "matmul_coop.wgsl" => include_str!("../../shaders/matmul_coop.wgsl"),
        "matmul_coop_tiled.wgsl" => include_str!("../../shaders/matmul_coop_tiled.wgsl"),
        "matmul_coop_shared.wgsl" => include_str!("../../shaders/matmul_coop_shared.wgsl"),
        "matmul_coop_out_act.wgsl" => include_str!("../../shaders/matmul_coop_out_act.wgsl"),
        "matmul_coop_out_partial.wgsl" => {
            include_str!("../../shaders/matmul_coop_out_partial.wgsl")
        }
        "matmul_split_reduce.wgsl" => include_str!("../../shaders/matmul_split_reduce.wgsl"),
        "gemv_subgroup.wgsl" => include_str!("../../shaders/gemv_subgroup.wgsl"),
        "gemv_workgroup.wgsl" => include_str!("../../shaders/gemv_workgroup.wgsl"),
        "gemv_io_vec4.wgsl" => include_str!("../../shaders/gemv_io_vec4.wgsl"),
        "gemv_io_scalar.wgsl" => include_str!("../../shaders/gemv_io_scalar.wgsl"),
        "attention.wgsl" => include_str!("../../shaders/attention.wgsl"),
        "attention_vec4.wgsl" => include_str!("../../shaders/attention_vec4.wgsl"),
        "attention_lanes_one.wgsl" => include_str!("../../shaders/attention_lanes_one.wgsl"),
        "attention_lanes_subgroup.wgsl" => {
            include_str!("../../shaders/attention_lanes_subgroup.wgsl")
        }
        "layer_norm.wgsl" => include_str!("../../shaders/layer_norm.wgsl"),
        "layer_norm_subgroup.wgsl" => include_str!("../../shaders/layer_norm_subgroup.wgsl"),
        "layer_norm_workgroup.wgsl" => include_str!("../../shaders/layer_norm_workgroup.wgsl"),
        "layer_norm_rows.wgsl" => include_str!("../../shaders/layer_norm_rows.wgsl"),
        "copy.wgsl" => include_str!("../../shaders/copy.wgsl"),
        "tick.wgsl" => include_str!("../../shaders/tick.wgsl"),
        other => unreachable!("no shader file {other}"),
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

    /// Human-readable, for points and reports: what ran and why it differs.
    pub fn describe(self) -> String {
        match self {
            Kernel::Matmul(t) => format!(
                "tile {}×{}×{}, {}×{} per invocation{}{}",
                t.bm(),
                t.bn(),
                t.bk,
                t.micro,
                t.micro,
                if t.vec4 { ", vec4" } else { "" },
                if t.paired {
                    ", two k steps per iteration"
                } else {
                    ""
                }
            ),
            Kernel::MatmulCoop => "f16 cooperative matrices, 64×64 per subgroup".into(),
            Kernel::MatmulCoopTiled { ti, tj, strip } => format!(
                "f16 cooperative matrices, {}×{} per subgroup, {}",
                16 * ti,
                16 * tj,
                if strip >= ti {
                    "one-barrier epilogue".to_string()
                } else {
                    format!("epilogue in strips of {} rows", 16 * strip)
                }
            ),
            Kernel::MatmulCoopShared {
                sgm,
                sgn,
                ti,
                tj,
                bk,
                split,
            } => format!(
                "f16 cooperative matrices, {}×{} per workgroup of {}×{} subgroups, k {bk} staged{}",
                16 * ti * sgm,
                16 * tj * sgn,
                sgm,
                sgn,
                if split > 1 {
                    format!(", k split in {split}")
                } else {
                    String::new()
                }
            ),
            Kernel::SplitReduce { split } => {
                format!("sum of {split} parts of k, bias and activation")
            }
            Kernel::Gemv {
                subgroup,
                rows,
                vec4,
            } => format!(
                "gemv ≤{rows} rows, {} reduction{}",
                if subgroup { "subgroup" } else { "workgroup" },
                if vec4 { ", vec4" } else { "" }
            ),
            Kernel::Attention {
                head_dim,
                keys,
                queries,
                vec4,
                lanes,
            } => format!(
                "flash attention, head {head_dim}, {keys} keys per tile, {queries} queries per workgroup{}{}",
                if vec4 { ", vec4" } else { "" },
                if lanes > 1 {
                    format!(", {lanes} lanes per query")
                } else {
                    String::new()
                }
            ),
            Kernel::LayerNorm { subgroup } => format!(
                "layer norm, {} reduction",
                if subgroup { "subgroup" } else { "workgroup" }
            ),
            Kernel::LayerNormRows { per_lane, .. } => {
                format!("layer norm, a row per subgroup, {per_lane} values per lane")
            }
            Kernel::Copy => "vec4 copy".into(),
            Kernel::Tick => "one-invocation tick".into(),
        }
    }

    /// A file-name stem naming the variant: `matmul-128x128x16-8x8-vec4`.
    pub fn stem(self) -> String {
        match self {
            Kernel::Matmul(t) => format!(
                "matmul-{}x{}x{}-{}x{}{}",
                t.bm(),
                t.bn(),
                t.bk,
                t.micro,
                t.micro,
                if t.vec4 { "-vec4" } else { "" }
            ),
            Kernel::MatmulCoop => "matmul-coop".into(),
            Kernel::MatmulCoopTiled { ti, tj, strip } => {
                format!("matmul-coop-{}x{}-s{strip}", 16 * ti, 16 * tj)
            }
            Kernel::MatmulCoopShared {
                sgm,
                sgn,
                ti,
                tj,
                bk,
                split,
            } => format!(
                "matmul-coop-shared-{}x{}x{bk}-{sgm}x{sgn}{}",
                16 * ti * sgm,
                16 * tj * sgn,
                if split > 1 {
                    format!("-k{split}")
                } else {
                    String::new()
                }
            ),
            Kernel::SplitReduce { split } => format!("split-reduce-{split}"),
            Kernel::Gemv {
                subgroup,
                rows,
                vec4,
            } => format!(
                "gemv-{}-r{rows}{}",
                if subgroup { "subgroup" } else { "workgroup" },
                if vec4 { "-vec4" } else { "" }
            ),
            Kernel::Attention {
                head_dim,
                vec4,
                lanes,
                ..
            } => {
                format!(
                    "attention-hd{head_dim}{}{}",
                    if vec4 { "-vec4" } else { "" },
                    if lanes > 1 {
                        format!("-lanes{lanes}")
                    } else {
                        String::new()
                    }
                )
            }
            Kernel::LayerNorm { subgroup } => {
                format!(
                    "layer-norm-{}",
                    if subgroup { "subgroup" } else { "workgroup" }
                )
            }
            Kernel::LayerNormRows { per_lane, .. } => format!("layer-norm-rows-p{per_lane}"),
            Kernel::Copy => "copy".into(),
            Kernel::Tick => "tick".into(),
        }
    }

    /// The name of the variant's source for error messages: its files.
    pub fn name(self) -> String {
        self.files().join(" + ")
    }

    /// The variant's full source for `precision`.
    pub fn source(self, precision: Precision) -> String {
        let mut header = String::new();
        if self.is_coop() {
            header.push_str("enable f16; enable wgpu_cooperative_matrix; alias scalar = f16;");
        } else if self.has_precision() {
            header.push_str(match precision {
                Precision::F32 => "alias scalar = f32;",
                Precision::F16 => "enable f16; alias scalar = f16;",
            });
        }
        for (name, value) in self.constants() {
            header.push_str(&format!(" const {name}: u32 = {value}u;"));
        }
        let mut source = header;
        for f in self.files() {
            source.push_str(&format!("\n// ---- {f}\n"));
            source.push_str(file(f));
        }
        unroll(&source, &self.constants())
            .unwrap_or_else(|e| panic!("shaders/{}: {e}", self.name()))
    }

    /// Builds the variant's pipeline on `device`; pipelines are built while
    /// preparing a point, never inside a timed region.
    pub fn pipeline(
        self,
        device: &wgpu::Device,
        precision: Precision,
        checked: bool,
    ) -> wgpu::ComputePipeline {
        let label = format!("{} ({precision})", self.name());
        let desc = wgpu::ShaderModuleDescriptor {
            label: Some(&label),
            source: wgpu::ShaderSource::Wgsl(self.source(precision).into()),
        };
        let module = if checked {
            device.create_shader_module(desc)
        } else {
            unchecked_module(device, desc)
        };
        device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(&label),
            layout: None,
            module: &module,
            entry_point: Some("main"),
            compilation_options: wgpu::PipelineCompilationOptions {
                // Every kernel writes its workgroup memory before reading it.
                zero_initialize_workgroup_memory: false,
                ..Default::default()
            },
            cache: None,
        })
    }
}

/// Expands every `//#for NAME in 0..BOUND` … `//#end` block of `source`:
/// the body once per value of NAME from 0 below BOUND (a literal or one
/// of `constants`), with `{NAME}` replaced by the value. Blocks nest; an
/// inner bound may name a constant. The error names the line.
pub fn unroll(source: &str, constants: &[(&str, u32)]) -> Result<String, String> {
    let lines: Vec<&str> = source.lines().collect();
    let mut out = String::with_capacity(source.len() * 2);
    expand(&lines, 0, &mut Vec::new(), constants, &mut out)?;
    Ok(out)
}

/// Expands `lines` (starting at source line `first`, 0-based) with the
/// loop variables `bound` so far.
fn expand(
    lines: &[&str],
    first: usize,
    bound: &mut Vec<(String, u32)>,
    constants: &[(&str, u32)],
    out: &mut String,
) -> Result<(), String> {
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start();
        if let Some(head) = trimmed.strip_prefix("//#for ") {
            let at = first + i + 1;
            let (name, range) = head
                .split_once(" in 0..")
                .ok_or_else(|| format!("line {at}: expected `//#for NAME in 0..BOUND`"))?;
            let name = name.trim().to_string();
            let range = range.trim();
            let count = range
                .parse::<u32>()
                .ok()
                .or_else(|| constants.iter().find(|(c, _)| *c == range).map(|c| c.1))
                .ok_or_else(|| format!("line {at}: unknown bound {range:?}"))?;
            // The matching `//#end`.
            let mut depth = 1;
            let mut end = i + 1;
            while end < lines.len() {
                let t = lines[end].trim_start();
                if t.starts_with("//#for ") {
                    depth += 1;
                } else if t.starts_with("//#end") {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                end += 1;
            }
            if depth != 0 {
                return Err(format!("line {at}: `//#for` without `//#end`"));
            }
            for value in 0..count {
                bound.push((name.clone(), value));
                expand(&lines[i + 1..end], first + i + 1, bound, constants, out)?;
                bound.pop();
            }
            i = end + 1;
            continue;
        }
        if trimmed.starts_with("//#end") {
            return Err(format!("line {}: `//#end` without `//#for`", first + i + 1));
        }
        let mut text = line.to_string();
        for (name, value) in bound.iter() {
            text = text.replace(&format!("{{{name}}}"), &value.to_string());
        }
        out.push_str(&text);
        out.push('\n');
        i += 1;
    }
    Ok(())
}

#[expect(
    unsafe_code,
    reason = "dispatches the host proves in bounds, and measuring what naga's runtime checks cost, need modules built without them"
)]
fn unchecked_module(
    device: &wgpu::Device,
    desc: wgpu::ShaderModuleDescriptor,
) -> wgpu::ShaderModule {
    // SAFETY: two callers only. `program::Builder::dispatch_as` for a
    // dispatch whose every index the host has proven in bounds
    // (`matmul::proven_in_bounds`: shape, grid and buffer sizes checked
    // before the dispatch is built), and `curves peak`, which builds
    // unchecked modules on its own workloads' buffers to measure the
    // checks: those buffers are sized by the same code as the checked
    // runs, which are validated against the reference.
    unsafe { device.create_shader_module_trusted(desc, wgpu::ShaderRuntimeChecks::unchecked()) }
}

/// A kernel variant in the shading languages wgpu targets; a language the
/// variant cannot be written in (subgroups in GLSL ES, cooperative
/// matrices outside SPIR-V and MSL, f16 in GLSL) is `None`.
pub struct Translations {
    pub wgsl: String,
    pub spirv: Vec<u32>,
    pub msl: Option<String>,
    pub hlsl: Option<String>,
    pub glsl: Option<String>,
}

/// Parses, validates and translates one kernel variant. The error names
/// the files, the line and naga's reason.
pub fn translate(kernel: Kernel, precision: Precision) -> Result<Translations, String> {
    use naga::back;
    use naga::valid::{Capabilities, ValidationFlags, Validator};

    let name = format!("shaders/{} ({precision})", kernel.name());
    let wgsl = kernel.source(precision);
    let module = naga::front::wgsl::parse_str(&wgsl)
        .map_err(|e| e.emit_to_string_with_path(&wgsl, &name))?;
    let info = Validator::new(ValidationFlags::all(), Capabilities::all())
        .validate(&module)
        .map_err(|e| e.emit_to_string_with_path(&wgsl, &name))?;

    let spirv = back::spv::write_vec(&module, &info, &back::spv::Options::default(), None)
        .map_err(|e| format!("{name}: SPIR-V (Vulkan): {e}"))?;
    let coop = kernel.is_coop();
    let msl = back::msl::write_string(
        &module,
        &info,
        &back::msl::Options {
            lang_version: (2, 3),
            ..Default::default()
        },
        &back::msl::PipelineOptions::default(),
    )
    .map(|(s, _)| s)
    .map_err(|e| format!("{name}: MSL (Metal): {e}"))?;
    let hlsl = if coop {
        None
    } else {
        let mut hlsl = String::new();
        let options = back::hlsl::Options {
            // 16-bit types and wave intrinsics need shader model 6.2, as wgpu's DX12 backend asks for.
            shader_model: back::hlsl::ShaderModel::V6_2,
            ..Default::default()
        };
        back::hlsl::Writer::new(&mut hlsl, &options, &back::hlsl::PipelineOptions::default())
            .write(&module, &info, None)
            .map_err(|e| format!("{name}: HLSL (DX12): {e}"))?;
        Some(hlsl)
    };
    let glsl = if precision == Precision::F16 || coop || kernel.needs_subgroups() {
        None
    } else {
        let mut glsl = String::new();
        let options = back::glsl::Options {
            version: back::glsl::Version::Embedded {
                version: 310,
                is_webgl: false,
            },
            ..Default::default()
        };
        let pipeline = back::glsl::PipelineOptions {
            shader_stage: naga::ShaderStage::Compute,
            entry_point: "main".into(),
            multiview: None,
        };
        back::glsl::Writer::new(
            &mut glsl,
            &module,
            &info,
            &options,
            &pipeline,
            naga::proc::BoundsCheckPolicies::default(),
        )
        .and_then(|mut w| w.write())
        .map_err(|e| format!("{name}: GLSL (GL): {e}"))?;
        Some(glsl)
    };
    Ok(Translations {
        wgsl,
        spirv,
        msl: Some(msl),
        hlsl,
        glsl,
    })
}

/// The precisions a variant is built in.
fn precisions(kernel: Kernel) -> Vec<Precision> {
    match kernel {
        k if k.is_coop() => vec![Precision::F16],
        k if k.has_precision() => vec![Precision::F32, Precision::F16],
        _ => vec![Precision::F32],
    }
}

/// `curves shaders`: every representative variant in every precision,
/// validated and translated; with `out`, the translations are written
/// there. Returns the files written and a line per variant, or every failure.
pub fn check_all(
    out: Option<&std::path::Path>,
) -> Result<(Vec<std::path::PathBuf>, Vec<String>), String> {
    let mut written = Vec::new();
    let mut lines = Vec::new();
    let mut failures = Vec::new();
    for kernel in Kernel::representatives() {
        for precision in precisions(kernel) {
            let t = match translate(kernel, precision) {
                Ok(t) => t,
                Err(e) => {
                    failures.push(e);
                    continue;
                }
            };
            let mut langs = vec!["SPIR-V"];
            langs.extend(t.msl.as_ref().map(|_| "MSL"));
            langs.extend(t.hlsl.as_ref().map(|_| "HLSL"));
            langs.extend(t.glsl.as_ref().map(|_| "GLSL"));
            lines.push(format!(
                "{} ({precision}): {}",
                kernel.describe(),
                langs.join(", ")
            ));
            let Some(dir) = out else { continue };
            let stem = format!("{}.{precision}", kernel.stem());
            let mut files: Vec<(String, Vec<u8>)> = vec![
                (format!("{stem}.wgsl"), t.wgsl.into_bytes()),
                (
                    format!("{stem}.spv"),
                    bytemuck::cast_slice(&t.spirv).to_vec(),
                ),
            ];
            files.extend(t.msl.map(|s| (format!("{stem}.metal"), s.into_bytes())));
            files.extend(t.hlsl.map(|s| (format!("{stem}.hlsl"), s.into_bytes())));
            files.extend(
                t.glsl
                    .map(|s| (format!("{stem}.comp.glsl"), s.into_bytes())),
            );
            std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
            for (name, bytes) in files {
                let path = dir.join(name);
                crate::store::write_atomic(&path, &bytes)
                    .map_err(|e| format!("writing {}: {e:#}", path.display()))?;
                written.push(path);
            }
        }
    }
    if failures.is_empty() {
        Ok((written, lines))
    } else {
        Err(failures.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kernel_validates_and_translates() {
        for kernel in Kernel::representatives() {
            for precision in precisions(kernel) {
                let t = translate(kernel, precision).unwrap_or_else(|e| panic!("{e}"));
                assert!(!t.spirv.is_empty());
                let msl = t.msl.expect("every kernel has MSL");
                assert!(msl.contains("kernel void"), "{kernel:?}: no MSL kernel");
                if !kernel.is_coop() {
                    assert!(
                        t.hlsl.expect("HLSL").contains("numthreads"),
                        "{kernel:?} {precision}: no HLSL entry point"
                    );
                }
                if precision == Precision::F16 && kernel.has_precision() {
                    assert!(
                        msl.contains("half"),
                        "{kernel:?}: f16 storage should be MSL half"
                    );
                }
                let glsl_expected =
                    precision == Precision::F32 && !kernel.is_coop() && !kernel.needs_subgroups();
                assert_eq!(t.glsl.is_some(), glsl_expected, "{kernel:?} {precision}");
                if let Some(glsl) = t.glsl {
                    assert!(glsl.contains("local_size_x"));
                }
            }
        }
    }

    #[test]
    fn tiles_fetch_whole_vec4s() {
        let t = |micro, wg_x, wg_y, bk| Tile {
            micro,
            wg_x,
            wg_y,
            bk,
            vec4: true,
            paired: false,
        };
        assert!(t(8, 16, 16, 16).is_valid());
        assert_eq!(t(8, 16, 16, 16).workgroup_bytes(), 32 * 1024);
        assert!(t(8, 16, 16, 8).is_valid());
        assert!(t(4, 16, 16, 16).is_valid());
        assert!(
            !t(4, 16, 16, 8).is_valid(),
            "64×8 / 4 = 128 vec4s for 256 invocations"
        );
        assert!(t(4, 8, 8, 16).is_valid());
    }

    #[test]
    fn unroll_expands_nested_blocks_with_constant_bounds() {
        let src = "a\n//#for i in 0..2\n//#for j in 0..N\nx_{i}_{j};\n//#end\n//#end\nb\n";
        let out = unroll(src, &[("N", 3)]).unwrap();
        assert_eq!(
            out,
            "a\nx_0_0;\nx_0_1;\nx_0_2;\nx_1_0;\nx_1_1;\nx_1_2;\nb\n"
        );
        assert!(
            unroll("//#for i in 0..M\n//#end\n", &[])
                .unwrap_err()
                .contains("line 1")
        );
        assert!(
            unroll("//#for i in 0..2\nx\n", &[])
                .unwrap_err()
                .contains("without `//#end`")
        );
        assert!(unroll("x\n//#end\n", &[]).unwrap_err().contains("line 2"));
    }

    #[test]
    fn staged_loads_are_whole_vec4s_per_invocation() {
        let staged = |sgm, sgn, ti, tj, bk| Kernel::MatmulCoopShared {
            sgm,
            sgn,
            ti,
            tj,
            bk,
            split: 1,
        };
        // 128 × 16 halves of x over 512 invocations: one vec4 each.
        assert_eq!(staged(4, 4, 2, 2, 16).staged_loads(), Some((1, 1)));
        assert_eq!(staged(2, 2, 2, 2, 32).staged_loads(), Some((4, 4)));
        assert_eq!(staged(1, 2, 4, 4, 32).staged_loads(), Some((8, 16)));
        // k steps that are not whole tiles, and fetches that do not divide.
        assert_eq!(staged(2, 2, 2, 2, 8).staged_loads(), None);
        assert_eq!(staged(4, 4, 1, 1, 16).staged_loads(), None);
        assert_eq!(Kernel::MatmulCoop.staged_loads(), None);
        let src = staged(2, 2, 2, 2, 32).source(Precision::F16);
        assert!(
            src.contains("const A_LOADS: u32 = 4u;") && src.contains("const B_LOADS: u32 = 4u;")
        );
    }

    #[test]
    fn no_kernel_indexes_a_register_array_in_a_loop() {
        // The fast variants keep every register a named variable: the
        // checks naga adds to dynamic indices would fall on none of them.
        for kernel in Kernel::representatives() {
            if matches!(kernel, Kernel::Attention { vec4: false, .. }) {
                continue;
            }
            let src = kernel.source(Precision::F32);
            assert!(
                src.lines().all(|l| !l.trim_start().starts_with("//#")),
                "{kernel:?}: unexpanded block"
            );
            for line in src.lines() {
                let l = line.trim();
                assert!(
                    !(l.starts_with("var ") || l.starts_with("var<private>"))
                        || !l.contains("array<"),
                    "{kernel:?}: a register array: {l}"
                );
            }
        }
    }

    /// The clamps naga's index checks add, as wgpu's Vulkan backend asks
    /// for them (`BoundsCheckPolicy::Restrict` on every dynamic index),
    /// counted in the Metal translation, where each one is a `min(`: the
    /// distinct ones.
    fn clamps(kernel: Kernel) -> usize {
        use naga::proc::{BoundsCheckPolicies, BoundsCheckPolicy};
        let wgsl = kernel.source(Precision::F32);
        let module = naga::front::wgsl::parse_str(&wgsl).unwrap();
        let info = naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::all(),
        )
        .validate(&module)
        .unwrap();
        let options = naga::back::msl::Options {
            lang_version: (2, 3),
            bounds_check_policies: BoundsCheckPolicies {
                index: BoundsCheckPolicy::Restrict,
                ..Default::default()
            },
            ..Default::default()
        };
        let (msl, _) = naga::back::msl::write_string(
            &module,
            &info,
            &options,
            &naga::back::msl::PipelineOptions::default(),
        )
        .unwrap();
        // Distinct clamps: the same clamped expression at every step of k
        // is one value for the driver, computed once.
        let distinct: std::collections::BTreeSet<&str> = msl
            .match_indices("min(")
            .map(|(at, _)| msl[at..].split(';').next().unwrap_or(""))
            .map(|rest| rest.split("))").next().unwrap_or(rest))
            .collect();
        distinct.len()
    }

    #[test]
    fn the_matmul_inner_loop_reads_workgroup_memory_without_clamps() {
        // Per step of k an invocation reads BK · (TM4 + TN4) vec4s of the
        // tiles; a clamp on each would cost an issue slot beside every
        // four multiply-adds. The checks may fall only on the fetch and
        // stash (a handful per step) and on the loop-invariant inner index.
        let tile = Tile {
            micro: 8,
            wg_x: 16,
            wg_y: 16,
            bk: 8,
            vec4: true,
            paired: true,
        };
        let reads = tile.bk * 2 * tile.tm4();
        let n = clamps(Kernel::Matmul(tile));
        assert!(
            n < reads as usize,
            "{n} distinct clamps for {reads} reads of workgroup memory per step"
        );
    }

    #[test]
    fn a_broken_shader_names_file_and_line() {
        let source = "alias scalar = f32;\nfn main() { let x: u32 = 1.5; }\n";
        let err = naga::front::wgsl::parse_str(source)
            .map(|_| ())
            .map_err(|e| e.emit_to_string_with_path(source, "shaders/broken.wgsl"))
            .unwrap_err();
        assert!(err.contains("shaders/broken.wgsl:2"), "{err}");
    }

    #[test]
    fn only_proven_dispatches_run_unchecked_by_default() {
        assert!(Checks::default().keeps(false));
        assert!(!Checks::default().keeps(true));
        assert!(Checks::All.keeps(true) && Checks::All.keeps(false));
        assert!(!Checks::Off.keeps(true) && !Checks::Off.keeps(false));
    }
}
