// layer_norm.wgsl's entry point and reduction where the adapter has no
// subgroups: a tree in workgroup memory.

var<workgroup> partial: array<f32, WG>;
var<private> lane: u32;

fn reduce_sum(v: f32) -> f32 {
    partial[lane] = v;
    workgroupBarrier();
    for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
        if (lane < stride) {
            partial[lane] += partial[lane + stride];
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
    // Rows beyond 65535 spill into the y dimension of the dispatch.
    let row = group.x + group.y * groups.x;
    if (row >= params.rows) {
        return;
    }
    lane = t;
    norm_row(row, t);
}
