// Scaled dot-product self-attention, all heads: softmax(q·kᵀ/√d_head)·v.
//
// qkv holds each token's projected [q | k | v] (3·d_model values, heads
// contiguous within each). One 128-wide workgroup computes one (sequence,
// head, query) row: invocation j scores key j, the softmax's max and sum
// are reduced in workgroup memory, and invocation d sums output element d.
// seq and head_dim are at most 128. f32 arithmetic; `scalar` storage.

struct Params {
    batch: u32,     // sequences
    seq: u32,       // tokens per sequence
    heads: u32,
    head_dim: u32,  // d_model / heads
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> qkv: array<scalar>;       // [batch·seq][3·d_model]
@group(0) @binding(2) var<storage, read_write> out: array<scalar>; // [batch·seq][d_model]

const WG: u32 = 128u;
var<workgroup> weights: array<f32, 128>;
var<workgroup> partial: array<f32, 128>;

@compute @workgroup_size(128, 1, 1)
fn main(
    @builtin(local_invocation_id) local: vec3<u32>,
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let index = group.x + group.y * groups.x;
    if (index >= params.batch * params.heads * params.seq) {
        return;
    }
    let t = local.x;
    let i = index % params.seq;
    let h = (index / params.seq) % params.heads;
    let b = index / (params.seq * params.heads);
    let d_model = params.heads * params.head_dim;
    let stride = 3u * d_model;
    let row0 = b * params.seq;
    let q_at = (row0 + i) * stride + h * params.head_dim;

    var score = -3.0e38;
    if (t < params.seq) {
        let k_at = (row0 + t) * stride + d_model + h * params.head_dim;
        var s = 0.0;
        for (var d = 0u; d < params.head_dim; d = d + 1u) {
            s = s + f32(qkv[q_at + d]) * f32(qkv[k_at + d]);
        }
        score = s / sqrt(f32(params.head_dim));
    }
    partial[t] = score;
    workgroupBarrier();
    for (var step = WG / 2u; step > 0u; step = step / 2u) {
        if (t < step) {
            partial[t] = max(partial[t], partial[t + step]);
        }
        workgroupBarrier();
    }
    let peak = partial[0];
    workgroupBarrier();

    var weight = 0.0;
    if (t < params.seq) {
        weight = exp(score - peak);
    }
    weights[t] = weight;
    partial[t] = weight;
    workgroupBarrier();
    for (var step = WG / 2u; step > 0u; step = step / 2u) {
        if (t < step) {
            partial[t] = partial[t] + partial[t + step];
        }
        workgroupBarrier();
    }
    let total = partial[0];

    if (t < params.head_dim) {
        var acc = 0.0;
        for (var j = 0u; j < params.seq; j = j + 1u) {
            let v_at = (row0 + j) * stride + 2u * d_model + h * params.head_dim;
            acc = acc + weights[j] * f32(qkv[v_at + t]);
        }
        out[(row0 + i) * d_model + h * params.head_dim + t] = scalar(acc / total);
    }
}
