// matmul.wgsl's bindings and edges for any k and n: vec4s gathered and
// scattered one value at a time, each guarded.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<scalar>;       // [m][k]
@group(0) @binding(2) var<storage, read> w: array<scalar>;       // [k][n]
@group(0) @binding(3) var<storage, read> bias: array<scalar>;    // [n]
@group(0) @binding(4) var<storage, read_write> y: array<scalar>; // [m][n]

fn load_a(row: u32, k: u32) -> vec4<f32> {
    var v = vec4<f32>(0.0);
    if (row < params.m) {
        for (var i = 0u; i < 4u; i = i + 1u) {
            if (k + i < params.k) {
                v[i] = f32(x[row * params.k + k + i]);
            }
        }
    }
    return v;
}

fn load_b(k: u32, col: u32) -> vec4<f32> {
    var v = vec4<f32>(0.0);
    if (k < params.k) {
        for (var i = 0u; i < 4u; i = i + 1u) {
            if (col + i < params.n) {
                v[i] = f32(w[k * params.n + col + i]);
            }
        }
    }
    return v;
}

fn store_y(row: u32, col: u32, v: vec4<f32>) {
    if (row < params.m) {
        for (var i = 0u; i < 4u; i = i + 1u) {
            if (col + i < params.n) {
                var out = v[i] + f32(bias[col + i]);
                if (params.relu != 0u) {
                    out = max(out, 0.0);
                }
                y[row * params.n + col + i] = scalar(out);
            }
        }
    }
}
