// y = LayerNorm(a + b) · gamma + beta: the residual add and the
// normalisation of a post-norm transformer layer.
//
// One 64-wide workgroup per row: each invocation sums a strided share of
// the row, and the shares are reduced in workgroup memory. (One invocation
// per row was latency-bound: a batch-1 layer has only 32 rows, too few
// invocations to hide memory latency.) f32 arithmetic; `scalar` storage.

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

const WG: u32 = 64u;
var<workgroup> partial: array<f32, 64>;

// Sums `partial` into partial[0]; every invocation of the workgroup calls it.
fn reduce_sum(t: u32) {
    for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
        if (t < stride) {
            partial[t] = partial[t] + partial[t + stride];
        }
        workgroupBarrier();
    }
}

@compute @workgroup_size(64, 1, 1)
fn main(
    @builtin(local_invocation_id) local: vec3<u32>,
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    // Rows beyond 65535 spill into the y dimension of the dispatch.
    let row = group.x + group.y * groups.x;
    if (row >= params.rows) {
        return;
    }
    let t = local.x;
    let at = row * params.dim;

    var sum = 0.0;
    for (var i = t; i < params.dim; i = i + WG) {
        sum = sum + f32(a[at + i]) + f32(b[at + i]);
    }
    partial[t] = sum;
    workgroupBarrier();
    reduce_sum(t);
    let mean = partial[0] / f32(params.dim);
    workgroupBarrier();

    var square = 0.0;
    for (var i = t; i < params.dim; i = i + WG) {
        let d = f32(a[at + i]) + f32(b[at + i]) - mean;
        square = square + d * d;
    }
    partial[t] = square;
    workgroupBarrier();
    reduce_sum(t);
    let inv = 1.0 / sqrt(partial[0] / f32(params.dim) + params.eps);

    for (var i = t; i < params.dim; i = i + WG) {
        let v = (f32(a[at + i]) + f32(b[at + i]) - mean) * inv;
        y[at + i] = scalar(v * f32(gamma[i]) + f32(beta[i]));
    }
}
