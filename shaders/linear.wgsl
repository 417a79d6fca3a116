// y = x · Wᵀ + b, PyTorch's nn.Linear, one invocation per output element.
//
// The weights are stored transposed ([in][out]) so that neighbouring
// invocations (neighbouring outputs) read neighbouring weights: coalesced
// loads on GPUs, sequential ones on CPUs.

struct Params {
    batch: u32,
    in_features: u32,
    out_features: u32,
    _pad: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;          // [batch][in]
@group(0) @binding(2) var<storage, read> weight_t: array<f32>;   // [in][out]
@group(0) @binding(3) var<storage, read> bias: array<f32>;       // [out]
@group(0) @binding(4) var<storage, read_write> y: array<f32>;    // [batch][out]

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let o = id.x;
    let b = id.y;
    if (o >= params.out_features || b >= params.batch) {
        return;
    }
    let x_row = b * params.in_features;
    var acc = bias[o];
    for (var i = 0u; i < params.in_features; i = i + 1u) {
        acc = acc + x[x_row + i] * weight_t[i * params.out_features + o];
    }
    y[b * params.out_features + o] = acc;
}
