// y = act(x · w + bias) in f16 on tensor cores: cooperative matrices,
// f16 inputs, f32 accumulators.
//
// A workgroup is one subgroup of 32 lanes and owns a 64 × 64 block of y:
// 4 × 4 accumulators of 16 × 16, fed each step of 16 along k by four
// 16 × 16 tiles of x and four of w loaded straight from memory (row
// major: coopLoadT). At the end each accumulator passes through
// workgroup memory, where the lanes add the bias, apply ReLU and store
// f16. Only for m and n multiples of 64 and k a multiple of 16 (the
// host checks), so no tile reaches past a buffer.

struct Params {
    m: u32,
    k: u32,
    n: u32,
    relu: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f16>;       // [m][k]
@group(0) @binding(2) var<storage, read> w: array<f16>;       // [k][n]
@group(0) @binding(3) var<storage, read> bias: array<f16>;    // [n]
@group(0) @binding(4) var<storage, read_write> y: array<f16>; // [m][n]

var<workgroup> stage: array<f32, 256>;

// Adds bias, applies ReLU and stores the 16 × 16 tile in `stage` at (row0, col0).
fn epilogue(row0: u32, col0: u32, lane: u32) {
    for (var e = lane; e < 256u; e = e + 32u) {
        let col = col0 + e % 16u;
        var v = stage[e] + f32(bias[col]);
        if (params.relu != 0u) {
            v = max(v, 0.0);
        }
        y[(row0 + e / 16u) * params.n + col] = f16(v);
    }
}

@compute @workgroup_size(32, 1, 1)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
    let m0 = group.y * 64u;
    let n0 = group.x * 64u;
    let k = params.k;
    let n = params.n;
    for (var e = lane; e < 256u; e = e + 32u) {
        stage[e] = 0.0;
    }
    workgroupBarrier();
    let zero_at = &stage[0];
    let zero_stride = 16u;
    var c00 = coopLoadT<coop_mat16x16<f32, C>>(zero_at, zero_stride);
    var c01 = c00; var c02 = c00; var c03 = c00;
    var c10 = c00; var c11 = c00; var c12 = c00; var c13 = c00;
    var c20 = c00; var c21 = c00; var c22 = c00; var c23 = c00;
    var c30 = c00; var c31 = c00; var c32 = c00; var c33 = c00;
    for (var k0 = 0u; k0 < k; k0 = k0 + 16u) {
        let a0 = coopLoadT<coop_mat16x16<f16, A>>(&x[m0 * k + k0], k);
        let a1 = coopLoadT<coop_mat16x16<f16, A>>(&x[(m0 + 16u) * k + k0], k);
        let a2 = coopLoadT<coop_mat16x16<f16, A>>(&x[(m0 + 32u) * k + k0], k);
        let a3 = coopLoadT<coop_mat16x16<f16, A>>(&x[(m0 + 48u) * k + k0], k);
        let b0 = coopLoadT<coop_mat16x16<f16, B>>(&w[k0 * n + n0], n);
        let b1 = coopLoadT<coop_mat16x16<f16, B>>(&w[k0 * n + n0 + 16u], n);
        let b2 = coopLoadT<coop_mat16x16<f16, B>>(&w[k0 * n + n0 + 32u], n);
        let b3 = coopLoadT<coop_mat16x16<f16, B>>(&w[k0 * n + n0 + 48u], n);
        c00 = coopMultiplyAdd(a0, b0, c00);
        c01 = coopMultiplyAdd(a0, b1, c01);
        c02 = coopMultiplyAdd(a0, b2, c02);
        c03 = coopMultiplyAdd(a0, b3, c03);
        c10 = coopMultiplyAdd(a1, b0, c10);
        c11 = coopMultiplyAdd(a1, b1, c11);
        c12 = coopMultiplyAdd(a1, b2, c12);
        c13 = coopMultiplyAdd(a1, b3, c13);
        c20 = coopMultiplyAdd(a2, b0, c20);
        c21 = coopMultiplyAdd(a2, b1, c21);
        c22 = coopMultiplyAdd(a2, b2, c22);
        c23 = coopMultiplyAdd(a2, b3, c23);
        c30 = coopMultiplyAdd(a3, b0, c30);
        c31 = coopMultiplyAdd(a3, b1, c31);
        c32 = coopMultiplyAdd(a3, b2, c32);
        c33 = coopMultiplyAdd(a3, b3, c33);
    }
    // naga 30's SPIR-V writer needs coopStore's arguments bound with let.
    let at = &stage[0];
    let stride = 16u;
    workgroupBarrier();
    let t00 = c00; coopStoreT(t00, at, stride); workgroupBarrier(); epilogue(m0, n0, lane); workgroupBarrier();
    let t01 = c01; coopStoreT(t01, at, stride); workgroupBarrier(); epilogue(m0, n0 + 16u, lane); workgroupBarrier();
    let t02 = c02; coopStoreT(t02, at, stride); workgroupBarrier(); epilogue(m0, n0 + 32u, lane); workgroupBarrier();
    let t03 = c03; coopStoreT(t03, at, stride); workgroupBarrier(); epilogue(m0, n0 + 48u, lane); workgroupBarrier();
    let t10 = c10; coopStoreT(t10, at, stride); workgroupBarrier(); epilogue(m0 + 16u, n0, lane); workgroupBarrier();
    let t11 = c11; coopStoreT(t11, at, stride); workgroupBarrier(); epilogue(m0 + 16u, n0 + 16u, lane); workgroupBarrier();
    let t12 = c12; coopStoreT(t12, at, stride); workgroupBarrier(); epilogue(m0 + 16u, n0 + 32u, lane); workgroupBarrier();
    let t13 = c13; coopStoreT(t13, at, stride); workgroupBarrier(); epilogue(m0 + 16u, n0 + 48u, lane); workgroupBarrier();
    let t20 = c20; coopStoreT(t20, at, stride); workgroupBarrier(); epilogue(m0 + 32u, n0, lane); workgroupBarrier();
    let t21 = c21; coopStoreT(t21, at, stride); workgroupBarrier(); epilogue(m0 + 32u, n0 + 16u, lane); workgroupBarrier();
    let t22 = c22; coopStoreT(t22, at, stride); workgroupBarrier(); epilogue(m0 + 32u, n0 + 32u, lane); workgroupBarrier();
    let t23 = c23; coopStoreT(t23, at, stride); workgroupBarrier(); epilogue(m0 + 32u, n0 + 48u, lane); workgroupBarrier();
    let t30 = c30; coopStoreT(t30, at, stride); workgroupBarrier(); epilogue(m0 + 48u, n0, lane); workgroupBarrier();
    let t31 = c31; coopStoreT(t31, at, stride); workgroupBarrier(); epilogue(m0 + 48u, n0 + 16u, lane); workgroupBarrier();
    let t32 = c32; coopStoreT(t32, at, stride); workgroupBarrier(); epilogue(m0 + 48u, n0 + 32u, lane); workgroupBarrier();
    let t33 = c33; coopStoreT(t33, at, stride); workgroupBarrier(); epilogue(m0 + 48u, n0 + 48u, lane); workgroupBarrier();
}
