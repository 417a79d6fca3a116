// matmul.wgsl's bindings and edges when k and n are multiples of 4: every
// load and store moves a whole vec4, which then never straddles a row.

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<scalar>>;       // [m][k / 4]
@group(0) @binding(2) var<storage, read> w: array<vec4<scalar>>;       // [k][n / 4]
@group(0) @binding(3) var<storage, read> bias: array<vec4<scalar>>;    // [n / 4]
@group(0) @binding(4) var<storage, read_write> y: array<vec4<scalar>>; // [m][n / 4]

fn load_a(row: u32, k: u32) -> vec4<f32> {
    if (row < params.m && k < params.k) {
        return vec4<f32>(x[(row * params.k + k) / 4u]);
    }
    return vec4<f32>(0.0);
}

fn load_b(k: u32, col: u32) -> vec4<f32> {
    if (k < params.k && col < params.n) {
        return vec4<f32>(w[(k * params.n + col) / 4u]);
    }
    return vec4<f32>(0.0);
}

fn store_y(row: u32, col: u32, v: vec4<f32>) {
    if (row < params.m && col < params.n) {
        var out = v + vec4<f32>(bias[col / 4u]);
        if (params.relu != 0u) {
            out = max(out, vec4<f32>(0.0));
        }
        y[(row * params.n + col) / 4u] = vec4<scalar>(out);
    }
}
