//! Matrix products at every kernel variant the rule could pick, in f32
//! and f16: TFLOP/s, each checked against the reference.

use super::*;

/// One matmul variant at `(m, k, n)`: median GPU µs, TFLOP/s, and the
/// relative error of a few sampled rows against the f64 reference.
pub(super) struct Operands {
    x: Vec<f32>,
    w: Vec<f32>,
    bias: Vec<f32>,
    shape: (u32, u32, u32),
}

impl Operands {
    fn new((m, k, n): (u32, u32, u32), precision: Precision) -> Self {
        let scale = 1.0 / (k as f32).sqrt();
        Self {
            x: random((m * k) as usize, 1.0, 11, precision),
            w: random((k * n) as usize, scale, 12, precision),
            bias: random(n as usize, scale, 13, precision),
            shape: (m, k, n),
        }
    }

    /// The reference of rows `rows` (f64 accumulation).
    fn reference_rows(&self, rows: &[u32]) -> Vec<Vec<f64>> {
        let (_, k, n) = self.shape;
        rows.iter()
            .map(|&r| {
                let x = reference::widen(&self.x[(r * k) as usize..((r + 1) * k) as usize]);
                reference::linear(&x, &self.w, &self.bias, 1, k as usize, n as usize, false)
            })
            .collect()
    }
}

pub(super) fn matmul_variant(
    ctx: &GpuContext,
    ops: &Operands,
    precision: Precision,
    plan: Choice,
    reps: u32,
    warm_s: f64,
) -> Result<VariantRate, GpuError> {
    let (m, k, n) = ops.shape;
    let mut b = Builder::new(ctx, precision);
    let layer = b.linear_with("peak.matmul", plan, &ops.w, &ops.bias, (m, k, n));
    let x = b.upload("peak.x", &ops.x);
    let y = b.scratch("peak.y", (m * n) as usize);
    let dispatches = b.matmul("peak.matmul", &layer, &x, &y, false);
    let d: Vec<&Dispatch> = dispatches.iter().collect();
    // Warm up (the driver compiles lazily, the clock rises), then time.
    warm(ctx, warm_s, pass_of(&d, 1))?;
    let seconds = time_passes(ctx, reps, pass_of(&d, 1))?;
    let median = stats::median(&seconds).unwrap_or(f64::NAN);
    // Check sampled rows of the output.
    let encoder = ctx.device.create_command_encoder(&Default::default());
    let got = read_values(ctx, encoder, &y, precision)?;
    let rows = [0, m / 3, m - 1];
    let want = ops.reference_rows(&rows);
    let rel_error = rows
        .iter()
        .zip(&want)
        .map(|(&r, want)| {
            let at = (r * n) as usize;
            relative_error(&got[at..at + n as usize], &reference::narrow(want))
        })
        .fold(0.0, f64::max);
    let flops = 2.0 * f64::from(m) * f64::from(k) * f64::from(n);
    let (gx, gy, gz) = plan.grid;
    let workgroups = u64::from(gx) * u64::from(gy) * u64::from(gz);
    Ok(VariantRate {
        kernel: plan.kernel.describe(),
        shape: format!("{m}×{k}×{n}"),
        precision,
        gpu_us: median * 1e6,
        tflops: flops / median / 1e12,
        rel_error: Some(rel_error),
        note: Some(if rel_error > precision.tolerance() {
            format!("{workgroups} workgroups; WRONG: output differs from the reference")
        } else {
            format!("{workgroups} workgroups")
        }),
    })
}

/// Every variant the rule could pick for `shape`, with the rule's own
/// choice marked.
pub(super) fn variants_for(
    caps: &Caps,
    precision: Precision,
    (m, k, n): (u32, u32, u32),
) -> Vec<(Choice, bool)> {
    let chosen = choice::choose(caps, precision, (m, k, n));
    let mut kernels: Vec<Kernel> = Vec::new();
    let vec4 = k % 4 == 0 && n % 4 == 0;
    kernels.extend(choice::tiles(caps, vec4).into_iter().map(Kernel::Matmul));
    // The matrix-vector kernels past the rule's row limit too, so the
    // limit can be read off the table.
    if m <= 32 {
        let rows = m.max(1).next_power_of_two();
        let vec4 = k % 4 == 0;
        kernels.push(Kernel::Gemv {
            subgroup: false,
            rows,
            vec4,
        });
        if caps.subgroups.is_some() {
            kernels.push(Kernel::Gemv {
                subgroup: true,
                rows,
                vec4,
            });
        }
    }
    if precision == Precision::F16 && caps.cooperative_matrix {
        // The staged block whole (one barrier) and, for 64 × 64, in strips
        // of 16 rows (a quarter of the workgroup memory).
        let tiled = [(4, 4, 4), (4, 4, 1), (4, 2, 4), (2, 4, 2), (2, 2, 2)]
            .map(|(ti, tj, strip)| Kernel::MatmulCoopTiled { ti, tj, strip });
        // Staged in workgroup memory, blocks of 2, 4, 8 or 16 subgroups,
        // k 16, 32 or 64 deep; the small blocks (32 × 32, 32 × 64) and k 64
        // for the layers at batch 256, whose 64 × 64 blocks give few
        // workgroups that each wait on many short steps. Left out after
        // one table (H200, 2026-12-03 16:54): 128 × 128 at k 32 and 64 ×
        // 128 of 2 × 2 at k 32 (both slower than at k 16 everywhere) and
        // 64 × 128 of 1 × 2 subgroups (3 to 4 times slower than any other).
        let shared = [
            (4, 4, 1, 1, 32),
            (4, 4, 1, 2, 32),
            (4, 4, 2, 1, 32),
            (2, 4, 1, 1, 32),
            (4, 2, 1, 1, 32),
            (2, 2, 1, 1, 64),
            (2, 2, 2, 2, 64),
            (1, 2, 2, 2, 32),
            (2, 2, 1, 2, 32),
            (2, 2, 1, 1, 32),
            (2, 2, 4, 4, 16),
            (2, 2, 2, 2, 32),
            (2, 2, 2, 2, 16),
            (2, 2, 4, 2, 16),
            (2, 2, 2, 4, 16),
            (4, 2, 2, 2, 32),
            (2, 4, 2, 2, 32),
            (4, 4, 2, 2, 16),
        ]
        .map(|(sgm, sgn, ti, tj, bk)| Kernel::MatmulCoopShared {
            sgm,
            sgn,
            ti,
            tj,
            bk,
            split: 1,
        });
        // k split in 2 to 4 parts, where the output's blocks alone give
        // fewer than two workgroups per multiprocessor of an H200.
        let split = [
            (2, 2, 2, 2, 32),
            (2, 2, 1, 1, 64),
            (2, 2, 1, 1, 32),
            (4, 4, 1, 2, 32),
            (1, 2, 2, 2, 32),
        ]
        .into_iter()
        .flat_map(|(sgm, sgn, ti, tj, bk)| {
            (2..=4).map(move |split| Kernel::MatmulCoopShared {
                sgm,
                sgn,
                ti,
                tj,
                bk,
                split,
            })
        })
        .filter(|&kernel| {
            let (bm, bn) = kernel.coop_block().unwrap_or((1, 1));
            u64::from(m / bm) * u64::from(n / bn) < 2 * choice::FILL_WORKGROUPS
        });
        kernels.extend(
            std::iter::once(Kernel::MatmulCoop)
                .chain(tiled)
                .chain(shared)
                .chain(split)
                .filter(|&kernel| {
                    choice::coop_workgroups(kernel, (m, k, n)).is_some()
                        && choice::coop_fits(kernel, caps)
                }),
        );
    }
    if !kernels.contains(&chosen.kernel) {
        kernels.push(chosen.kernel);
    }
    kernels
        .into_iter()
        .map(|kernel| {
            (
                Choice {
                    kernel,
                    grid: choice::grid(kernel, caps, m, n),
                },
                kernel == chosen.kernel,
            )
        })
        .collect()
}

/// The large square product, then the layer shapes of the seeds'
/// workloads at batch 256 and 1, so the kernel rule can be read off.
pub(super) fn default_shapes(sizes: &Sizes) -> Vec<(u32, u32, u32)> {
    let big = sizes.matmul;
    let mut shapes = vec![(big, big, big)];
    if !ctx_is_quick(sizes) {
        shapes.extend([
            (256, 768, 3072),
            (256, 512, 1024),
            (256, 1024, 1024),
            (256, 256, 128),
            (8192, 256, 768),
            (8192, 256, 2048),
            (8192, 2048, 256),
            (8192, 256, 256),
            (1024, 768, 2304),
            (1024, 3072, 768),
            (2048, 256, 1024),
            (1, 256, 128),
            (4, 256, 128),
            (16, 256, 128),
            (32, 256, 128),
            (64, 256, 128),
            (16, 512, 256),
            (1, 768, 3072),
        ]);
    } else {
        shapes.push((1, 64, 32));
    }
    shapes
}

pub(super) fn matmuls(
    ctx: &GpuContext,
    sizes: &Sizes,
    shapes: &[(u32, u32, u32)],
    log: &mut dyn FnMut(String),
    out: &mut Ceilings,
) {
    let caps = Caps::of(ctx);
    let big = sizes.matmul;
    let mut precisions = vec![Precision::F32];
    if ctx.info.shader_f16 {
        precisions.push(Precision::F16);
    }
    for precision in precisions {
        for &shape in shapes {
            let ops = Operands::new(shape, precision);
            let reps = if shape == (big, big, big) {
                sizes.matmul_reps
            } else {
                sizes.matmul_reps * 3
            };
            for (plan, chosen) in variants_for(&caps, precision, shape) {
                match matmul_variant(ctx, &ops, precision, plan, reps, sizes.warm_s) {
                    Ok(mut v) => {
                        if chosen {
                            v.note = Some(v.note.map_or("the rule's choice".into(), |n| {
                                format!("{n}; the rule's choice")
                            }));
                        }
                        log(format!(
                            "  matmul {} {precision}: {:>9.1} µs {:>9} TFLOP/s  {}{}",
                            v.shape,
                            v.gpu_us,
                            sig3(v.tflops),
                            v.kernel,
                            v.note
                                .as_ref()
                                .map_or(String::new(), |n| format!("  ({n})"))
                        ));
                        out.variants.push(v);
                    }
                    Err(e) => log(format!(
                        "  matmul {shape:?} {precision} {}: failed: {e}",
                        plan.kernel.describe()
                    )),
                }
            }
        }
        let best = out
            .variants
            .iter()
            .filter(|v| {
                v.precision == precision
                    && v.shape == format!("{big}×{big}×{big}")
                    && v.note.as_deref().is_none_or(|n| !n.contains("WRONG"))
            })
            .max_by(|a, b| a.tflops.total_cmp(&b.tflops));
        let best = best.map(|v| Ceiling {
            value: v.tflops,
            spread: crate::schema::Spread {
                median: v.tflops,
                min: v.tflops,
                max: v.tflops,
                iqr: 0.0,
            },
            how: format!("{} at {}", v.kernel, v.shape),
        });
        match precision {
            Precision::F32 => out.matmul_f32_tflops = best,
            Precision::F16 => out.matmul_f16_tflops = best,
        }
    }
}

/// Three significant digits: 41.2, 0.0123.
pub(super) fn sig3(v: f64) -> String {
    if !v.is_finite() || v == 0.0 {
        return format!("{v}");
    }
    let digits = (2 - v.abs().log10().floor() as i32).max(0) as usize;
    format!("{v:.digits$}")
}

pub(super) fn ctx_is_quick(sizes: &Sizes) -> bool {
    sizes.matmul < 1024
}
