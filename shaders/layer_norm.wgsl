// y = LayerNorm(a + b) · gamma + beta: the residual add and the
// normalisation of a post-norm transformer layer, one invocation per row.
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

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let row = id.x;
    if (row >= params.rows) {
        return;
    }
    let at = row * params.dim;
    var sum = 0.0;
    for (var i = 0u; i < params.dim; i = i + 1u) {
        sum = sum + f32(a[at + i]) + f32(b[at + i]);
    }
    let mean = sum / f32(params.dim);
    var square = 0.0;
    for (var i = 0u; i < params.dim; i = i + 1u) {
        let d = f32(a[at + i]) + f32(b[at + i]) - mean;
        square = square + d * d;
    }
    let inv = 1.0 / sqrt(square / f32(params.dim) + params.eps);
    for (var i = 0u; i < params.dim; i = i + 1u) {
        let v = (f32(a[at + i]) + f32(b[at + i]) - mean) * inv;
        y[at + i] = scalar(v * f32(gamma[i]) + f32(beta[i]));
    }
}
