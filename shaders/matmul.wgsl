// y = act(x · w + bias): every linear layer of more than a few rows
// (nn.Linear with the weight stored transposed, [k][n]), ReLU fused.
//
// Register-blocked: a workgroup of WG_X × WG_Y invocations computes a
// BM × BN block of y, each invocation a (4·TM4) × (4·TN4) micro-tile held
// in registers as vec4 accumulators. Each step of BK along k stages a
// BM × BK tile of x (transposed, so a column of it is a run of vec4s) and
// a BK × BN tile of w in workgroup memory; the next step's tiles are
// fetched from global memory into registers while this step computes,
// and stored into the other half of a double buffer, so one barrier per
// step suffices. The I/O snippet (matmul_io_vec4 or matmul_io_scalar)
// supplies the bindings, loads with zero padding past the edges and the
// guarded store with bias and ReLU: any m, k, n.
//
// Why `//#for` blocks instead of loops: naga clamps every dynamically
// indexed private array and bounds every loop (its runtime checks), and a
// driver then keeps such an array in local memory instead of registers:
// measured on an H200, checked modules of the loop-and-array version ran
// 2.3 TFLOP/s. The blocks are unrolled on the host (workload::kernels),
// so every register is a named variable and no check falls on them.
//
// Paired tiles (PAIRED = 1, SINGLE = 0) take two steps of k per loop
// iteration, one from each half of the double buffer, so that the half
// is a constant in every read of workgroup memory and naga's index clamp
// falls only on the loop-invariant part of the index. On an H200 this
// lifted the 128 × 128 × 8 tile from 33.5 to 38.2 TFLOP/s at 4096³ and
// sped it up at every shape measured (workload::matmul has the figures).
//
// Constants from the header: WG_X, WG_Y, BK, TM4, TN4, A_LOADS, B_LOADS,
// PAIRED and SINGLE (1 and 0, or 0 and 1).

struct Params {
    m: u32,     // rows of x and y (batch rows)
    k: u32,     // inner dimension (in features)
    n: u32,     // columns of w and y (out features)
    relu: u32,  // 1: apply ReLU
}

const THREADS: u32 = WG_X * WG_Y;
const BM4: u32 = WG_Y * TM4;
const BN4: u32 = WG_X * TN4;
const BM: u32 = BM4 * 4u;
const BN: u32 = BN4 * 4u;
const BK4: u32 = BK / 4u;

//#for single in 0..SINGLE
// [buffer][k][m / 4] and [buffer][k][n / 4].
var<workgroup> a_tile: array<vec4<f32>, 2u * BK * BM4>;
var<workgroup> b_tile: array<vec4<f32>, 2u * BK * BN4>;
//#end
//#for paired in 0..PAIRED
// [buffer · BK + k][m / 4] and [buffer · BK + k][n / 4]: two dimensions,
// so that the inner loop's outer index is a constant (see main).
var<workgroup> a_tile: array<array<vec4<f32>, BM4>, 2u * BK>;
var<workgroup> b_tile: array<array<vec4<f32>, BN4>, 2u * BK>;
//#end

// The next step's tiles, fetched into registers: A_LOADS and B_LOADS
// vec4s per invocation.
//#for l in 0..A_LOADS
var<private> a_next_{l}: vec4<f32>;
//#end
//#for l in 0..B_LOADS
var<private> b_next_{l}: vec4<f32>;
//#end

// Fetches the step starting at k0 from global memory into registers.
fn fetch(k0: u32, m0: u32, n0: u32, tid: u32) {
//#for l in 0..A_LOADS
    a_next_{l} = load_a(m0 + (tid + {l}u * THREADS) / BK4, k0 + ((tid + {l}u * THREADS) % BK4) * 4u);
//#end
//#for l in 0..B_LOADS
    b_next_{l} = load_b(k0 + (tid + {l}u * THREADS) / BN4, n0 + ((tid + {l}u * THREADS) % BN4) * 4u);
//#end
}

//#for single in 0..SINGLE
// Stores the fetched step into half `buf` of the double buffer, x transposed.
fn stash(buf: u32, tid: u32) {
    let a_base = buf * BK * BM4;
//#for l in 0..A_LOADS
    {
        let at = tid + {l}u * THREADS;
        let row = at / BK4;
        let kk = (at % BK4) * 4u;
        let cell = a_base + kk * BM4 + row / 4u;
        a_tile[cell][row % 4u] = a_next_{l}.x;
        a_tile[cell + BM4][row % 4u] = a_next_{l}.y;
        a_tile[cell + 2u * BM4][row % 4u] = a_next_{l}.z;
        a_tile[cell + 3u * BM4][row % 4u] = a_next_{l}.w;
    }
//#end
    let b_base = buf * BK * BN4;
//#for l in 0..B_LOADS
    b_tile[b_base + tid + {l}u * THREADS] = b_next_{l};
//#end
}
//#end
//#for paired in 0..PAIRED
// Stores the fetched step into half `buf` of the double buffer, x transposed.
fn stash(buf: u32, tid: u32) {
    let k_base = buf * BK;
//#for l in 0..A_LOADS
    {
        let at = tid + {l}u * THREADS;
        let row = at / BK4;
        let kk = k_base + (at % BK4) * 4u;
        a_tile[kk][row / 4u][row % 4u] = a_next_{l}.x;
        a_tile[kk + 1u][row / 4u][row % 4u] = a_next_{l}.y;
        a_tile[kk + 2u][row / 4u][row % 4u] = a_next_{l}.z;
        a_tile[kk + 3u][row / 4u][row % 4u] = a_next_{l}.w;
    }
//#end
//#for l in 0..B_LOADS
    b_tile[k_base + (tid + {l}u * THREADS) / BN4][(tid + {l}u * THREADS) % BN4] = b_next_{l};
//#end
}
//#end

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(@builtin(local_invocation_id) local: vec3<u32>, @builtin(workgroup_id) group: vec3<u32>) {
    let m0 = group.y * BM;
    let n0 = group.x * BN;
    let tx = local.x;
    let ty = local.y;
    let tid = ty * WG_X + tx;
    let steps = (params.k + BK - 1u) / BK;
    // acc_i_c_j: row 4·(i·WG_Y + ty) + c, columns 4·(j·WG_X + tx) … +3.
//#for i in 0..TM4
//#for c in 0..4
//#for j in 0..TN4
    var acc_{i}_{c}_{j} = vec4<f32>(0.0);
//#end
//#end
//#end
    fetch(0u, m0, n0, tid);
    stash(0u, tid);
    workgroupBarrier();
//#for single in 0..SINGLE
    for (var s = 0u; s < steps; s = s + 1u) {
        let buf = s % 2u;
        let more = s + 1u < steps;
        if (more) {
            fetch((s + 1u) * BK, m0, n0, tid);
        }
//#for kk in 0..BK
        {
            let row_k = buf * BK + {kk}u;
//#for i in 0..TM4
            let a_{i} = a_tile[row_k * BM4 + {i}u * WG_Y + ty];
//#end
//#for j in 0..TN4
            let b_{j} = b_tile[row_k * BN4 + {j}u * WG_X + tx];
//#end
//#for i in 0..TM4
//#for c in 0..4
//#for j in 0..TN4
            acc_{i}_{c}_{j} += a_{i}[{c}] * b_{j};
//#end
//#end
//#end
        }
//#end
        if (more) {
            stash(1u - buf, tid);
        }
        workgroupBarrier();
    }
//#end
//#for paired in 0..PAIRED
    // Two steps per iteration, one from each half of the double buffer,
    // so that every workgroup-memory read below has a constant outer
    // index: naga's checks then clamp only the inner index
    // (`i · WG_Y + ty`), which does not change along k and which the
    // driver computes once.
    for (var s = 0u; s < steps; s = s + 2u) {
//#for h in 0..2
        if (s + {h}u < steps) {
            let more = s + {h}u + 1u < steps;
            if (more) {
                fetch((s + {h}u + 1u) * BK, m0, n0, tid);
            }
//#for kk in 0..BK
            {
//#for i in 0..TM4
                let a_{i} = a_tile[{h}u * BK + {kk}u][{i}u * WG_Y + ty];
//#end
//#for j in 0..TN4
                let b_{j} = b_tile[{h}u * BK + {kk}u][{j}u * WG_X + tx];
//#end
//#for i in 0..TM4
//#for c in 0..4
//#for j in 0..TN4
                acc_{i}_{c}_{j} += a_{i}[{c}] * b_{j};
//#end
//#end
//#end
            }
//#end
            if (more) {
                stash(1u - {h}u, tid);
            }
            workgroupBarrier();
        }
//#end
    }
//#end
//#for i in 0..TM4
//#for c in 0..4
//#for j in 0..TN4
    store_y(m0 + ({i}u * WG_Y + ty) * 4u + {c}u, n0 + ({j}u * WG_X + tx) * 4u, acc_{i}_{c}_{j});
//#end
//#end
//#end
}
