// y = LayerNorm(a + b) · gamma + beta: the residual add and the
// normalisation of a post-norm transformer layer, one subgroup per row.
//
// Each subgroup of the WG-wide workgroup owns one row (RPW rows per
// workgroup: the subgroups past RPW, where the subgroups are smaller than
// the host planned for, have none); each lane holds PER of the row's
// values in registers (lane, lane + size, …), so the row is read from
// memory once, and the two sums (mean, then centred squares, as
// PyTorch's reference computes them) are `subgroupAdd`s: no workgroup
// memory and no barrier. layer_norm.wgsl serves adapters without
// subgroups and rows too long for PER registers. f32 arithmetic;
// `scalar` storage.
//
// Constants from the header: WG, RPW (rows per workgroup), PER (values
// per lane: the row length over the smallest subgroup size, rounded up).

struct Params {
    rows: u32,
    dim: u32,
    eps: f32,
    _pad: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<scalar>;        // [rows][dim]
@group(0) @binding(2) var<storage, read> b: array<scalar>;        // [rows][dim] (the residual)
@group(0) @binding(3) var<storage, read> gamma: array<scalar>;    // [dim]
@group(0) @binding(4) var<storage, read> beta: array<scalar>;     // [dim]
@group(0) @binding(5) var<storage, read_write> y: array<scalar>;  // [rows][dim]

@compute @workgroup_size(WG, 1, 1)
fn main(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(subgroup_id) sg: u32,
    @builtin(subgroup_invocation_id) lane: u32,
    @builtin(subgroup_size) size: u32,
) {
    // Uniform per subgroup: whole subgroups leave, so the sums below
    // still see every lane of the ones that stay.
    let row = (group.x + group.y * groups.x) * RPW + sg;
    if (sg >= RPW || row >= params.rows) {
        return;
    }
    let dim = params.dim;
    let at = row * dim;
    var sum = 0.0;
//#for p in 0..PER
    let i_{p} = lane + {p}u * size;
    var v_{p} = 0.0;
    if (i_{p} < dim) {
        v_{p} = f32(a[at + i_{p}]) + f32(b[at + i_{p}]);
    }
    sum += v_{p};
//#end
    let mean = subgroupAdd(sum) / f32(dim);
    var square = 0.0;
//#for p in 0..PER
    if (i_{p} < dim) {
        let d_{p} = v_{p} - mean;
        square += d_{p} * d_{p};
    }
//#end
    let inv = 1.0 / sqrt(subgroupAdd(square) / f32(dim) + params.eps);
//#for p in 0..PER
    if (i_{p} < dim) {
        y[at + i_{p}] = scalar((v_{p} - mean) * inv * f32(gamma[i_{p}]) + f32(beta[i_{p}]));
    }
//#end
}
