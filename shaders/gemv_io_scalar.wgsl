// The matrix-vector kernels' bindings for any k: four values along k
// gathered one at a time, zero past the row's end.

struct Params {
    m: u32,
    k: u32,
    n: u32,
    relu: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<scalar>;        // [m][k]
@group(0) @binding(2) var<storage, read> w: array<scalar>;        // [n][k]
@group(0) @binding(3) var<storage, read> bias: array<scalar>;     // [n]
@group(0) @binding(4) var<storage, read_write> y: array<scalar>;  // [m][n]

fn gather(at: u32, k0: u32) -> vec4<f32> {
    var v = vec4<f32>(0.0);
    if (k0 < params.k) { v.x = f32(x[at]); }
    if (k0 + 1u < params.k) { v.y = f32(x[at + 1u]); }
    if (k0 + 2u < params.k) { v.z = f32(x[at + 2u]); }
    if (k0 + 3u < params.k) { v.w = f32(x[at + 3u]); }
    return v;
}

fn load_x(row: u32, k4: u32) -> vec4<f32> {
    return gather(row * params.k + k4 * 4u, k4 * 4u);
}

fn load_w(col: u32, k4: u32) -> vec4<f32> {
    let at = col * params.k + k4 * 4u;
    let k0 = k4 * 4u;
    var v = vec4<f32>(0.0);
    if (k0 < params.k) { v.x = f32(w[at]); }
    if (k0 + 1u < params.k) { v.y = f32(w[at + 1u]); }
    if (k0 + 2u < params.k) { v.z = f32(w[at + 2u]); }
    if (k0 + 3u < params.k) { v.w = f32(w[at + 3u]); }
    return v;
}

fn store_y(row: u32, col: u32, total: f32) {
    var v = total + f32(bias[col]);
    if (params.relu != 0u) {
        v = max(v, 0.0);
    }
    y[row * params.n + col] = scalar(v);
}
