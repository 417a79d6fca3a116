// y = act(x · w + bias) in f16 on tensor cores: cooperative matrices,
// f16 inputs, f32 accumulators.
//
// A workgroup is one subgroup of 32 lanes and owns a BM × BN block of y
// (BM = 16·TI, BN = 16·TJ): TI × TJ accumulators of 16 × 16, fed each
// step of 16 along k by TI tiles of x and TJ of w loaded straight from
// memory (row major: coopLoadT). At the end all accumulators are stored
// at once into workgroup memory; after one barrier each lane takes four
// neighbouring columns (their bias read once), adds the bias, applies
// ReLU and writes four f16 values at a time. With SR < TI the block goes
// through workgroup memory SR rows of tiles at a time (a barrier pair per
// strip, SR/TI of the memory: more workgroups fit on a multiprocessor).
// Only for m a multiple of BM, n of BN and k of 16 (the host checks), so
// no tile reaches past a buffer.
//
// Constants from the header: TI, TJ (16 × 16 tiles per subgroup along m
// and n), BM, BN, SR (rows of tiles staged at a time), STAGE (= 256 · SR · TJ).

struct Params {
    m: u32,
    k: u32,
    n: u32,
    relu: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f16>;             // [m][k]
@group(0) @binding(2) var<storage, read> w: array<f16>;             // [k][n]
@group(0) @binding(3) var<storage, read> bias: array<vec4<f16>>;    // [n / 4]
@group(0) @binding(4) var<storage, read_write> y: array<vec4<f16>>; // [m][n / 4]

var<workgroup> stage: array<f32, STAGE>;

@compute @workgroup_size(32, 1, 1)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
    let m0 = group.y * BM;
    let n0 = group.x * BN;
    let k = params.k;
    let n = params.n;
    for (var e = lane; e < 256u; e = e + 32u) {
        stage[e] = 0.0;
    }
    workgroupBarrier();
    let zero_at = &stage[0];
    let zero_stride = 16u;
//#for i in 0..TI
//#for j in 0..TJ
    var c_{i}_{j} = coopLoadT<coop_mat16x16<f32, C>>(zero_at, zero_stride);
//#end
//#end
    for (var k0 = 0u; k0 < k; k0 = k0 + 16u) {
//#for i in 0..TI
        let a_{i} = coopLoadT<coop_mat16x16<f16, A>>(&x[(m0 + {i}u * 16u) * k + k0], k);
//#end
//#for j in 0..TJ
        let b_{j} = coopLoadT<coop_mat16x16<f16, B>>(&w[k0 * n + n0 + {j}u * 16u], n);
//#end
//#for i in 0..TI
//#for j in 0..TJ
        c_{i}_{j} = coopMultiplyAdd(a_{i}, b_{j}, c_{i}_{j});
//#end
//#end
    }
    // Every lane has read the zero tile before any accumulator lands on it.
    workgroupBarrier();
    // naga 30's SPIR-V writer needs coopStore's arguments bound with let.
    let stride = BN;
    // BN / 4 lanes cover a row; 32 / (BN / 4) rows per round.
    let quads = BN / 4u;
    let col = 4u * (lane % quads);
    let b = vec4<f32>(bias[(n0 + col) / 4u]);
//#for i in 0..TI
//#for j in 0..TJ
    {
        let t = c_{i}_{j};
        let at = &stage[({i}u % SR) * 16u * BN + {j}u * 16u];
        coopStoreT(t, at, stride);
    }
//#end
    if ({i}u % SR == SR - 1u) {
        workgroupBarrier();
        strip_out(m0 + ({i}u + 1u - SR) * 16u, n0, col, b, lane / quads, 32u / quads, n);
        workgroupBarrier();
    }
//#end
}

// Adds the bias, applies ReLU and writes the SR · 16 staged rows (from
// row0) four f16 values at a time; the lane's columns are `col`, its
// first row `first`, every `step`-th row after it.
fn strip_out(row0: u32, n0: u32, col: u32, b: vec4<f32>, first: u32, step: u32, n: u32) {
    for (var r = first; r < SR * 16u; r = r + step) {
        let s = r * BN + col;
        var v = vec4<f32>(stage[s], stage[s + 1u], stage[s + 2u], stage[s + 3u]) + b;
        if (params.relu != 0u) {
            v = max(v, vec4<f32>(0.0));
        }
        y[((row0 + r) * n + n0 + col) / 4u] = vec4<f16>(v);
    }
}
