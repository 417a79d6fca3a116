// y = act(x · wᵀ + bias) for a few rows (batch ≤ ROWS) with subgroup
// reductions: each subgroup owns one output column, its lanes stride
// along k through that column's weights (stored [n][k] for this kernel,
// as nn.Linear stores them, so neighbouring lanes read neighbouring
// values), and `subgroupAdd` sums the lanes' shares. A batch-1 layer of
// 128 outputs is spread over 128 subgroups instead of a tiled kernel's
// one or two workgroups.
//
// Rows are unrolled (`//#for`): each has an accumulator of its own, so
// no private array is indexed at run time (see matmul.wgsl for why).
// The I/O snippet (gemv_io_vec4 or gemv_io_scalar) supplies the bindings
// and the loads of four values along k.
//
// Constants from the header: ROWS (most batch rows).

@compute @workgroup_size(64, 1, 1)
fn main(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(subgroup_id) subgroup: u32,
    @builtin(num_subgroups) subgroups: u32,
    @builtin(subgroup_invocation_id) lane: u32,
    @builtin(subgroup_size) lanes: u32,
) {
    let col = (group.x + group.y * groups.x) * subgroups + subgroup;
    // Uniform per subgroup: every lane of it takes the same branch.
    if (col >= params.n) {
        return;
    }
//#for r in 0..ROWS
    var acc_{r} = 0.0;
//#end
    let k4s = (params.k + 3u) / 4u;
    for (var k4 = lane; k4 < k4s; k4 = k4 + lanes) {
        let wv = load_w(col, k4);
//#for r in 0..ROWS
        if ({r}u < params.m) {
            acc_{r} += dot(load_x({r}u, k4), wv);
        }
//#end
    }
//#for r in 0..ROWS
    {
        let total = subgroupAdd(acc_{r});
        if (lane == 0u && {r}u < params.m) {
            store_y({r}u, col, total);
        }
    }
//#end
}
