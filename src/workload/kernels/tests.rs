//! Every variant validates and translates; the unrolling; no register
//! array indexed in a loop; checks where the host proves nothing.

use super::toolchain::*;
use super::*;
use crate::schema::Precision;

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
    assert!(src.contains("const A_LOADS: u32 = 4u;") && src.contains("const B_LOADS: u32 = 4u;"));
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
                !(l.starts_with("var ") || l.starts_with("var<private>")) || !l.contains("array<"),
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
    assert!(BoundsChecks::default().keeps(false));
    assert!(!BoundsChecks::default().keeps(true));
    assert!(BoundsChecks::All.keeps(true) && BoundsChecks::All.keeps(false));
    assert!(!BoundsChecks::Off.keeps(true) && !BoundsChecks::Off.keeps(false));
}
