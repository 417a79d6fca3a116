// The output of matmul_coop_shared.wgsl split along k: part z of the
// product, f32, no bias; matmul_split_reduce.wgsl adds the parts.

@group(0) @binding(3) var<storage, read_write> part: array<vec4<f32>>; // [SPLIT][m][n / 4]

fn tile_bias(col: u32) -> vec4<f32> {
    return vec4<f32>(0.0);
}

fn store_out(z: u32, row: u32, col: u32, v: vec4<f32>) {
    part[((z * params.m + row) * params.n + col) / 4u] = v;
}
