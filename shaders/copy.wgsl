// dst = src, a vec4 per invocation in a grid-stride loop: the device's
// memory bandwidth as `curves peak` measures it (bytes read + written).

@group(0) @binding(0) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<f32>>;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let total = arrayLength(&src);
    let step = groups.x * 256u;
    for (var i = id.x; i < total; i = i + step) {
        dst[i] = src[i];
    }
}
