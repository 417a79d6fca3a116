// y = act(part_0 + … + part_{SPLIT-1} + bias) in the storage type: the
// second half of a product split along k (matmul_coop_out_partial.wgsl
// wrote the parts). One vec4 of y per invocation.

struct Params {
    m: u32,
    k: u32,
    n: u32,
    relu: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> part: array<vec4<f32>>;      // [SPLIT][m][n / 4]
@group(0) @binding(2) var<storage, read> bias: array<vec4<scalar>>;   // [n / 4]
@group(0) @binding(3) var<storage, read_write> y: array<vec4<scalar>>; // [m][n / 4]

@compute @workgroup_size(256, 1, 1)
fn main(
    @builtin(global_invocation_id) id: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let n4 = params.n / 4u;
    let total = params.m * n4;
    let i = id.x + id.y * groups.x * 256u;
    if (i >= total) {
        return;
    }
    var v = vec4<f32>(bias[i % n4]);
    for (var z = 0u; z < SPLIT; z = z + 1u) {
        v = v + part[z * total + i];
    }
    if (params.relu != 0u) {
        v = max(v, vec4<f32>(0.0));
    }
    y[i] = vec4<scalar>(v);
}
