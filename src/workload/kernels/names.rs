//! A variant's names: described for points and reports, and the stem
//! its translations are written under.

use super::Kernel;

impl Kernel {
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
}
