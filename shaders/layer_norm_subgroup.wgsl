// layer_norm.wgsl's entry point and reduction with subgroups: each
// subgroup sums its lanes with `subgroupAdd`, then the subgroups' totals
// (at most WG of them) are added from workgroup memory.

var<workgroup> partial: array<f32, WG>;
var<private> subgroup: u32;
var<private> subgroups: u32;
var<private> lane: u32;

fn reduce_sum(v: f32) -> f32 {
    let mine = subgroupAdd(v);
    if (lane == 0u) {
        partial[subgroup] = mine;
    }
    workgroupBarrier();
    var total = 0.0;
    for (var s = 0u; s < subgroups; s = s + 1u) {
        total += partial[s];
    }
    workgroupBarrier();
    return total;
}

@compute @workgroup_size(64, 1, 1)
fn main(
    @builtin(local_invocation_index) t: u32,
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(subgroup_id) sg: u32,
    @builtin(num_subgroups) sgs: u32,
    @builtin(subgroup_invocation_id) sg_lane: u32,
) {
    let row = group.x + group.y * groups.x;
    if (row >= params.rows) {
        return;
    }
    subgroup = sg;
    subgroups = sgs;
    lane = sg_lane;
    norm_row(row, t);
}
