// y = LayerNorm(a + b) · gamma + beta: the residual add and the
// normalisation of a post-norm transformer layer.
//
// One 64-wide workgroup per row: each invocation sums a strided share of
// the row and `reduce_sum` (from the entry-point snippet:
// layer_norm_subgroup or layer_norm_workgroup) totals the shares. Two
// passes, mean then centred squares, as PyTorch's reference does.
// f32 arithmetic; `scalar` storage.

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

fn norm_row(row: u32, t: u32) {
    let at = row * params.dim;
    var sum = 0.0;
    for (var i = t; i < params.dim; i = i + WG) {
        sum += f32(a[at + i]) + f32(b[at + i]);
    }
    let mean = reduce_sum(sum) / f32(params.dim);
    var square = 0.0;
    for (var i = t; i < params.dim; i = i + WG) {
        let d = f32(a[at + i]) + f32(b[at + i]) - mean;
        square += d * d;
    }
    let inv = 1.0 / sqrt(reduce_sum(square) / f32(params.dim) + params.eps);
    for (var i = t; i < params.dim; i = i + WG) {
        let v = (f32(a[at + i]) + f32(b[at + i]) - mean) * inv;
        y[at + i] = scalar(v * f32(gamma[i]) + f32(beta[i]));
    }
}
