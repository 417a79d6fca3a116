// y = act(x · w + bias) in f16 on tensor cores: cooperative matrices,
// f16 inputs, f32 accumulators, operands staged in workgroup memory.
//
// A workgroup of SGM × SGN subgroups (32 lanes each) owns a BM × BN
// block of y; each subgroup a (16·TI) × (16·TJ) part of it, TI × TJ
// accumulators of 16 × 16. Each step of BK along k, every invocation
// fetches A_LOADS vec4s of the x tile and B_LOADS of the w tile
// (neighbouring invocations, neighbouring vec4s: whole rows per load),
// and the subgroups feed their accumulators from workgroup memory with
// coopLoadT. The x tile (BM × BK) and w tile (BK × BN) are double
// buffered: the next step's vec4s are fetched into registers before this
// step's products, and stored into the other buffer after them, so one
// barrier per step separates the writes from the reads and the fetch's
// latency hides behind the tensor cores' work. Rows are padded by 8
// halves (16 bytes) so that the 16 rows of a tile do not land in the same
// banks. Compared with matmul_coop_tiled.wgsl, each fetched value serves
// SGN (x) or SGM (w) subgroups instead of one, and the fetch is
// overlapped instead of waited on.
//
// The accumulators leave one 16 × 16 tile at a time through the
// subgroup's own 256 f32 of `stage`; each lane then takes two vec4s of
// the tile and hands them to the output file's `store_out`, with the
// bias from its `tile_bias`: matmul_coop_out_act.wgsl adds the bias,
// applies ReLU and stores f16; matmul_coop_out_partial.wgsl stores f32
// partial sums. With SPLIT > 1 the product is split along k: workgroup z
// of the grid's SPLIT sums k from z·k/SPLIT, for more workgroups where
// the output's blocks alone would leave multiprocessors idle, and
// matmul_split_reduce.wgsl adds the parts.
// Only for m a multiple of BM, n of BN and k of BK·SPLIT (the host
// checks), so no tile reaches past a buffer; the subgroup size must be 32.
//
// Constants from the header: SGM, SGN, TI, TJ, BM = 16·TI·SGM,
// BN = 16·TJ·SGN, BK (a multiple of 16), KK = BK / 16, AS = BK + 8 and
// BS = BN + 8 (row strides in halves), A_LOADS = BM·BK / 4 / WG,
// B_LOADS = BK·BN / 4 / WG, WG = 32·SGM·SGN, SG = SGM·SGN, SPLIT.

struct Params {
    m: u32,
    k: u32,
    n: u32,
    relu: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f16>>;       // [m][k / 4]
@group(0) @binding(2) var<storage, read> w: array<vec4<f16>>;       // [k][n / 4]

var<workgroup> a_tile: array<f16, 2 * BM * AS>;
var<workgroup> b_tile: array<f16, 2 * BK * BS>;
var<workgroup> stage: array<f32, 256 * SG>;

@compute @workgroup_size(WG, 1, 1)
fn main(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(local_invocation_index) t: u32,
    @builtin(subgroup_id) sg: u32,
    @builtin(subgroup_invocation_id) lane: u32,
) {
    let m0 = group.y * BM;
    let n0 = group.x * BN;
    // This workgroup's part of k.
    let kz = group.z * (params.k / SPLIT);
    let k4 = params.k / 4u;
    let n4 = params.n / 4u;
    // This subgroup's rows and columns within the block.
    let sm0 = (sg / SGN) * TI * 16u;
    let sn0 = (sg % SGN) * TJ * 16u;
    let mine = sg * 256u;
    for (var e = lane; e < 256u; e = e + 32u) {
        stage[mine + e] = 0.0;
    }
    // Where this invocation's vec4s of each tile sit: row and column.
//#for l in 0..A_LOADS
    let ar_{l} = (t + {l}u * WG) / (BK / 4u);
    let ac_{l} = ((t + {l}u * WG) % (BK / 4u)) * 4u;
    var ra_{l} = x[(m0 + ar_{l}) * k4 + (kz + ac_{l}) / 4u];
//#end
//#for l in 0..B_LOADS
    let br_{l} = (t + {l}u * WG) / (BN / 4u);
    let bc_{l} = ((t + {l}u * WG) % (BN / 4u)) * 4u;
    var rb_{l} = w[(kz + br_{l}) * n4 + (n0 + bc_{l}) / 4u];
//#end
//#for l in 0..A_LOADS
    a_tile[ar_{l} * AS + ac_{l}] = ra_{l}.x;
    a_tile[ar_{l} * AS + ac_{l} + 1u] = ra_{l}.y;
    a_tile[ar_{l} * AS + ac_{l} + 2u] = ra_{l}.z;
    a_tile[ar_{l} * AS + ac_{l} + 3u] = ra_{l}.w;
//#end
//#for l in 0..B_LOADS
    b_tile[br_{l} * BS + bc_{l}] = rb_{l}.x;
    b_tile[br_{l} * BS + bc_{l} + 1u] = rb_{l}.y;
    b_tile[br_{l} * BS + bc_{l} + 2u] = rb_{l}.z;
    b_tile[br_{l} * BS + bc_{l} + 3u] = rb_{l}.w;
//#end
    workgroupBarrier();
    let zero_at = &stage[mine];
    let zero_stride = 16u;
//#for i in 0..TI
//#for j in 0..TJ
    var c_{i}_{j} = coopLoadT<coop_mat16x16<f32, C>>(zero_at, zero_stride);
//#end
//#end
    let steps = params.k / SPLIT / BK;
    for (var s = 0u; s < steps; s = s + 1u) {
        let here = s % 2u;
        let more = s + 1u < steps;
        if (more) {
            let k0 = kz + (s + 1u) * BK;
//#for l in 0..A_LOADS
            ra_{l} = x[(m0 + ar_{l}) * k4 + (k0 + ac_{l}) / 4u];
//#end
//#for l in 0..B_LOADS
            rb_{l} = w[(k0 + br_{l}) * n4 + (n0 + bc_{l}) / 4u];
//#end
        }
        let a_at = here * BM * AS + sm0 * AS;
        let b_at = here * BK * BS + sn0;
//#for kk in 0..KK
//#for i in 0..TI
        let a_{kk}_{i} = coopLoadT<coop_mat16x16<f16, A>>(&a_tile[a_at + ({i}u * 16u) * AS + {kk}u * 16u], AS);
//#end
//#for j in 0..TJ
        let b_{kk}_{j} = coopLoadT<coop_mat16x16<f16, B>>(&b_tile[b_at + ({kk}u * 16u) * BS + {j}u * 16u], BS);
//#end
//#for i in 0..TI
//#for j in 0..TJ
        c_{i}_{j} = coopMultiplyAdd(a_{kk}_{i}, b_{kk}_{j}, c_{i}_{j});
//#end
//#end
//#end
        if (more) {
            let a_next = (1u - here) * BM * AS;
            let b_next = (1u - here) * BK * BS;
//#for l in 0..A_LOADS
            a_tile[a_next + ar_{l} * AS + ac_{l}] = ra_{l}.x;
            a_tile[a_next + ar_{l} * AS + ac_{l} + 1u] = ra_{l}.y;
            a_tile[a_next + ar_{l} * AS + ac_{l} + 2u] = ra_{l}.z;
            a_tile[a_next + ar_{l} * AS + ac_{l} + 3u] = ra_{l}.w;
//#end
//#for l in 0..B_LOADS
            b_tile[b_next + br_{l} * BS + bc_{l}] = rb_{l}.x;
            b_tile[b_next + br_{l} * BS + bc_{l} + 1u] = rb_{l}.y;
            b_tile[b_next + br_{l} * BS + bc_{l} + 2u] = rb_{l}.z;
            b_tile[b_next + br_{l} * BS + bc_{l} + 3u] = rb_{l}.w;
//#end
        }
        workgroupBarrier();
    }
    // naga 30's SPIR-V writer needs coopStore's arguments bound with let.
    let at = &stage[mine];
    let stride = 16u;
    // Two vec4s of the 16 × 16 tile per lane: rows lane / 4 and 8 + lane / 4.
    let row = lane / 4u;
    let col = (lane % 4u) * 4u;
//#for i in 0..TI
//#for j in 0..TJ
    {
        let tile = c_{i}_{j};
        coopStoreT(tile, at, stride);
        workgroupBarrier();
        let c = n0 + sn0 + {j}u * 16u + col;
        let b = tile_bias(c);
        for (var r = row; r < 16u; r = r + 8u) {
            let e = mine + r * 16u + col;
            let v = vec4<f32>(stage[e], stage[e + 1u], stage[e + 2u], stage[e + 3u]) + b;
            store_out(group.z, m0 + sm0 + {i}u * 16u + r, c, v);
        }
        workgroupBarrier();
    }
//#end
//#end
}
