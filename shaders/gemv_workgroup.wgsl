// y = act(x · wᵀ + bias) for a few rows (batch ≤ ROWS), for adapters
// without subgroups: a workgroup of 64 invocations owns one output
// column, strides along k through its weights (stored [n][k] for this
// kernel) and sums the invocations' shares with a tree in workgroup
// memory, one row at a time. Rows are unrolled (`//#for`, see
// matmul.wgsl for why). The I/O snippet supplies the bindings and loads.
//
// Constants from the header: ROWS (most batch rows).

const WG: u32 = 64u;
var<workgroup> partial: array<f32, WG>;

fn reduce(t: u32, v: f32) -> f32 {
    partial[t] = v;
    workgroupBarrier();
    for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
        if (t < stride) {
            partial[t] += partial[t + stride];
        }
        workgroupBarrier();
    }
    let total = partial[0];
    workgroupBarrier();
    return total;
}

@compute @workgroup_size(64, 1, 1)
fn main(
    @builtin(local_invocation_index) t: u32,
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let col = group.x + group.y * groups.x;
    // Uniform per workgroup.
    if (col >= params.n) {
        return;
    }
//#for r in 0..ROWS
    var acc_{r} = 0.0;
//#end
    let k4s = (params.k + 3u) / 4u;
    for (var k4 = t; k4 < k4s; k4 = k4 + WG) {
        let wv = load_w(col, k4);
//#for r in 0..ROWS
        if ({r}u < params.m) {
            acc_{r} += dot(load_x({r}u, k4), wv);
        }
//#end
    }
//#for r in 0..ROWS
    {
        let total = reduce(t, acc_{r});
        if (t == 0u && {r}u < params.m) {
            store_y({r}u, col, total);
        }
    }
//#end
}
