// The output of matmul_coop_shared.wgsl in one pass: bias, ReLU where
// asked, f16.

@group(0) @binding(3) var<storage, read> bias: array<vec4<f16>>;    // [n / 4]
@group(0) @binding(4) var<storage, read_write> y: array<vec4<f16>>; // [m][n / 4]

fn tile_bias(col: u32) -> vec4<f32> {
    return vec4<f32>(bias[col / 4u]);
}

fn store_out(z: u32, row: u32, col: u32, v: vec4<f32>) {
    var out = v;
    if (params.relu != 0u) {
        out = max(out, vec4<f32>(0.0));
    }
    y[(row * params.n + col) / 4u] = vec4<f16>(out);
}
