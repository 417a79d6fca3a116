// The matrix-vector kernels' bindings when k is a multiple of 4: every
// load moves a whole vec4 along k.

struct Params {
    m: u32,
    k: u32,
    n: u32,
    relu: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<scalar>>;  // [m][k / 4]
@group(0) @binding(2) var<storage, read> w: array<vec4<scalar>>;  // [n][k / 4]
@group(0) @binding(3) var<storage, read> bias: array<scalar>;     // [n]
@group(0) @binding(4) var<storage, read_write> y: array<scalar>;  // [m][n]

fn load_x(row: u32, k4: u32) -> vec4<f32> {
    return vec4<f32>(x[row * (params.k / 4u) + k4]);
}

fn load_w(col: u32, k4: u32) -> vec4<f32> {
    return vec4<f32>(w[col * (params.k / 4u) + k4]);
}

fn store_y(row: u32, col: u32, total: f32) {
    var v = total + f32(bias[col]);
    if (params.relu != 0u) {
        v = max(v, 0.0);
    }
    y[row * params.n + col] = scalar(v);
}
