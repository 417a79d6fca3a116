// Scaled dot-product self-attention, all heads: softmax(q·kᵀ/√d_head)·v.
//
// qkv holds each token's projected [q | k | v] (3·d_model values, heads
// contiguous within each). One invocation computes one (sequence, head,
// query) row: scores against every key, a numerically stable softmax, and
// the weighted sum of values. f32 arithmetic; `scalar` storage.

struct Params {
    batch: u32,     // sequences
    seq: u32,       // tokens per sequence (at most MAX_SEQ)
    heads: u32,
    head_dim: u32,  // d_model / heads (at most MAX_HEAD_DIM)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> qkv: array<scalar>;       // [batch·seq][3·d_model]
@group(0) @binding(2) var<storage, read_write> out: array<scalar>; // [batch·seq][d_model]

const MAX_SEQ: u32 = 128u;
const MAX_HEAD_DIM: u32 = 128u;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let total = params.batch * params.heads * params.seq;
    let index = id.x;
    if (index >= total) {
        return;
    }
    let i = index % params.seq;
    let h = (index / params.seq) % params.heads;
    let b = index / (params.seq * params.heads);
    let d_model = params.heads * params.head_dim;
    let stride = 3u * d_model;
    let q_at = (b * params.seq + i) * stride + h * params.head_dim;
    let scale = 1.0 / sqrt(f32(params.head_dim));

    var scores: array<f32, MAX_SEQ>;
    var peak = -3.0e38;
    for (var j = 0u; j < params.seq; j = j + 1u) {
        let k_at = (b * params.seq + j) * stride + d_model + h * params.head_dim;
        var s = 0.0;
        for (var d = 0u; d < params.head_dim; d = d + 1u) {
            s = s + f32(qkv[q_at + d]) * f32(qkv[k_at + d]);
        }
        s = s * scale;
        scores[j] = s;
        peak = max(peak, s);
    }

    var acc: array<f32, MAX_HEAD_DIM>;
    var total_weight = 0.0;
    for (var j = 0u; j < params.seq; j = j + 1u) {
        let p = exp(scores[j] - peak);
        total_weight = total_weight + p;
        let v_at = (b * params.seq + j) * stride + 2u * d_model + h * params.head_dim;
        for (var d = 0u; d < params.head_dim; d = d + 1u) {
            acc[d] = acc[d] + p * f32(qkv[v_at + d]);
        }
    }
    let out_at = (b * params.seq + i) * d_model + h * params.head_dim;
    for (var d = 0u; d < params.head_dim; d = d + 1u) {
        out[out_at + d] = scalar(acc[d] / total_weight);
    }
}
