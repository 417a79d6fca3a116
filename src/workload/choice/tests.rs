use super::*;

#[test]
fn layer_norm_holds_a_row_per_subgroup_where_it_fits() {
    let caps = |subgroups| Caps {
        workgroup_bytes: 48 * 1024,
        invocations: 1024,
        subgroups,
        cooperative_matrix: false,
        max_workgroups_per_dim: 65535,
    };
    assert_eq!(
        layer_norm_kernel(&caps(Some((32, 32))), 256),
        Kernel::LayerNormRows {
            per_lane: 8,
            rows: 4
        }
    );
    // Sized for the smallest subgroup, spread over the largest.
    assert_eq!(
        layer_norm_kernel(&caps(Some((8, 64))), 100),
        Kernel::LayerNormRows {
            per_lane: 13,
            rows: 2
        }
    );
    assert_eq!(
        layer_norm_kernel(&caps(Some((32, 32))), 1025),
        Kernel::LayerNorm { subgroup: true }
    );
    assert_eq!(
        layer_norm_kernel(&caps(None), 256),
        Kernel::LayerNorm { subgroup: false }
    );
}

fn caps(subgroups: bool, coop: bool) -> Caps {
    Caps {
        workgroup_bytes: 48 * 1024,
        invocations: 1024,
        subgroups: subgroups.then_some((32, 32)),
        cooperative_matrix: coop,
        max_workgroups_per_dim: 65535,
    }
}

#[test]
fn small_batches_get_a_matrix_vector_product() {
    let p = choose(&caps(true, false), Precision::F32, (1, 256, 128));
    assert_eq!(
        p.kernel,
        Kernel::Gemv {
            subgroup: true,
            rows: 1,
            vec4: true
        }
    );
    assert_eq!(p.grid, (64, 1, 1), "two columns per 64-wide workgroup");
    let p = choose(&caps(false, false), Precision::F32, (5, 257, 128));
    assert_eq!(
        p.kernel,
        Kernel::Gemv {
            subgroup: false,
            rows: 8,
            vec4: false
        }
    );
    assert!(matches!(
        choose(&caps(true, false), Precision::F32, (16, 256, 128)).kernel,
        Kernel::Gemv { rows: 16, .. }
    ));
    assert!(matches!(
        choose(&caps(true, false), Precision::F32, (17, 256, 128)).kernel,
        Kernel::Matmul(_)
    ));
    assert_eq!(p.grid, (128, 1, 1), "a workgroup per column");
}

#[test]
fn large_shapes_get_large_tiles_and_small_ones_more_workgroups() {
    let big = choose(&caps(true, false), Precision::F32, (4096, 4096, 4096));
    let Kernel::Matmul(t) = big.kernel else {
        panic!("{big:?}")
    };
    assert_eq!((t.bm(), t.bn(), t.bk, t.vec4), (128, 128, 8, true));
    assert!(t.paired, "two k steps per iteration at 4096³");
    assert_eq!(big.grid, (32, 32, 1));
    let small = choose(&caps(true, false), Precision::F32, (256, 256, 128));
    let Kernel::Matmul(t) = small.kernel else {
        panic!("{small:?}")
    };
    assert_eq!((t.bm(), t.bn()), (32, 32));
    // Fewer than 256 workgroups of 64 × 64 at 256 × 768 → 3072.
    let wide = choose(&caps(true, false), Precision::F32, (256, 768, 3072));
    let Kernel::Matmul(t) = wide.kernel else {
        panic!("{wide:?}")
    };
    assert_eq!((t.bm(), t.bn()), (32, 32));
    let odd = choose(&caps(true, false), Precision::F32, (300, 33, 70));
    let Kernel::Matmul(t) = odd.kernel else {
        panic!("{odd:?}")
    };
    assert!(!t.vec4, "k = 33 is not a multiple of 4");
}

#[test]
fn small_workgroup_memory_rules_out_large_tiles() {
    let mut c = caps(false, false);
    c.workgroup_bytes = 16 * 1024;
    assert!(
        tiles(&c, true)
            .iter()
            .all(|t| t.workgroup_bytes() <= 16 * 1024)
    );
    assert!(tiles(&c, true).iter().any(|t| t.micro == 8), "bk 8 fits");
}

#[test]
fn f16_uses_tensor_cores_only_where_the_shape_allows() {
    let c = caps(true, true);
    let kernel = |p, shape| choose(&c, p, shape).kernel;
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
    assert_eq!(kernel(Precision::F16, (4096, 4096, 4096)), staged_large);
    assert_eq!(
        choose(&c, Precision::F16, (8192, 2048, 256)).grid,
        (2, 64, 1)
    );
    let narrow = Kernel::MatmulCoopShared {
        sgm: 2,
        sgn: 2,
        ti: 1,
        tj: 1,
        bk: 64,
        split: 1,
    };
    // Fewer than 128 blocks of 128 × 128 but as many of 64 × 64:
    // 64 × 64 blocks.
    assert_eq!(kernel(Precision::F16, (256, 768, 3072)), staged);
    // Fewer of 64 × 64 too: 32 × 32 blocks, k 64 deep.
    let small = choose(&c, Precision::F16, (256, 512, 1024));
    assert_eq!(small.kernel, narrow);
    assert_eq!(small.grid, (32, 8, 1));
    assert_eq!(kernel(Precision::F16, (256, 1024, 512)), narrow);
    assert_eq!(kernel(Precision::F16, (32, 256, 768)), narrow);
    // k not a multiple of 64: 64 × 64 blocks however few.
    assert_eq!(kernel(Precision::F16, (256, 544, 1024)), staged);
    // Without the workgroup memory for the staged kernels: one
    // subgroup per block.
    let mut lean = c;
    lean.workgroup_bytes = 16 * 1024;
    assert_eq!(
        choose(&lean, Precision::F16, (4096, 4096, 4096)).kernel,
        Kernel::MatmulCoopTiled {
            ti: 4,
            tj: 4,
            strip: 1,
        }
    );
    // m not a multiple of 128 and k not of 32: one subgroup per block.
    assert_eq!(
        kernel(Precision::F16, (4160, 272, 256)),
        Kernel::MatmulCoopTiled {
            ti: 2,
            tj: 4,
            strip: 2,
        }
    );
    assert_eq!(
        kernel(Precision::F16, (32, 272, 768)),
        Kernel::MatmulCoopTiled {
            ti: 2,
            tj: 2,
            strip: 2,
        }
    );
    // Shapes the coop tiles do not divide: SIMT tiles or GEMV.
    assert!(matches!(
        kernel(Precision::F16, (300, 256, 768)),
        Kernel::Matmul(_)
    ));
    assert!(matches!(
        kernel(Precision::F16, (256, 40, 768)),
        Kernel::Matmul(_)
    ));
    assert!(matches!(
        kernel(Precision::F16, (1, 256, 128)),
        Kernel::Gemv { .. }
    ));
    assert!(!kernel(Precision::F32, (4096, 4096, 4096)).is_coop());
    assert!(
        !choose(&caps(true, false), Precision::F16, (4096, 4096, 4096))
            .kernel
            .is_coop()
    );
}

#[test]
fn only_tensor_core_products_that_fill_their_buffers_are_proven_in_bounds() {
    let c = caps(true, true);
    let (m, k, n) = (256, 768, 3072);
    let plan = choose(&c, Precision::F16, (m, k, n));
    let f16 = |rows: u64, cols: u64| rows * cols * 2;
    let sizes = [f16(256, 768), f16(768, 3072), f16(1, 3072), f16(256, 3072)];
    assert!(proven_in_bounds(plan, (m, k, n), sizes, 2));
    // Any buffer a value short, or a grid past y's blocks: not proven.
    for short in 0..4 {
        let mut s = sizes;
        s[short] -= 2;
        assert!(!proven_in_bounds(plan, (m, k, n), s, 2), "buffer {short}");
    }
    let wide = Choice {
        grid: (plan.grid.0 + 1, plan.grid.1, 1),
        ..plan
    };
    assert!(!proven_in_bounds(wide, (m, k, n), sizes, 2));
    // A shape the block does not divide (the kernel would read past x).
    assert!(!proven_in_bounds(plan, (m, k + 16, n), sizes, 2));
    // Split along k: a workgroup per part, writing f32 parts.
    let split = Kernel::MatmulCoopShared {
        sgm: 2,
        sgn: 2,
        ti: 2,
        tj: 2,
        bk: 32,
        split: 3,
    };
    let plan3 = Choice {
        kernel: split,
        grid: grid(split, &c, m, n),
    };
    assert_eq!(plan3.grid, (48, 4, 3));
    assert_eq!(coop_workgroups(split, (m, k, n)), Some(576));
    let parts = split_bytes(split, (m, k, n));
    assert_eq!(parts, 3 * 256 * 3072 * 4);
    let with_parts = [sizes[0], sizes[1], sizes[2], parts];
    assert!(proven_in_bounds(plan3, (m, k, n), with_parts, 2));
    assert!(
        !proven_in_bounds(plan3, (m, k, n), sizes, 2),
        "y alone is too small"
    );
    // k = 768 is not a multiple of 32 × 5.
    let split5 = Kernel::MatmulCoopShared {
        sgm: 2,
        sgn: 2,
        ti: 2,
        tj: 2,
        bk: 32,
        split: 5,
    };
    assert_eq!(coop_workgroups(split5, (m, k, n)), None);
    // SIMT kernels guard their edges by hand: never proven.
    let simt = choose(&caps(true, false), Precision::F32, (m, k, n));
    assert!(matches!(simt.kernel, Kernel::Matmul(_)));
    let f32 = sizes.map(|b| b * 2);
    assert!(!proven_in_bounds(simt, (m, k, n), f32, 4));
}
