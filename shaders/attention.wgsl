// Scaled dot-product self-attention, all heads: softmax(q·kᵀ/√d)·v over
// any sequence length, as flash attention computes it.
//
// qkv holds each token's projected [q | k | v] (3·d_model values, heads
// contiguous within each). A workgroup of QB invocations owns one
// (sequence, head) and QB queries, one per invocation; keys and values
// stream through workgroup memory KT at a time, and each query keeps a
// running maximum, a running sum and its output in registers (the online
// softmax), so no score matrix is ever stored and the sequence length is
// bounded only by time. f32 arithmetic; `scalar` storage.
//
// Constants from the header: HD (head dimension), KT, QB.

struct Params {
    batch: u32,     // sequences
    seq: u32,       // tokens per sequence
    heads: u32,
    head_dim: u32,  // d_model / heads (= HD)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> qkv: array<scalar>;       // [batch·seq][3·d_model]
@group(0) @binding(2) var<storage, read_write> out: array<scalar>; // [batch·seq][d_model]

var<workgroup> k_tile: array<f32, KT * HD>;
var<workgroup> v_tile: array<f32, KT * HD>;

@compute @workgroup_size(QB, 1, 1)
fn main(
    @builtin(local_invocation_index) t: u32,
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let blocks = (params.seq + QB - 1u) / QB;
    let index = group.x + group.y * groups.x;
    // Uniform per workgroup.
    if (index >= params.batch * params.heads * blocks) {
        return;
    }
    let block = index % blocks;
    let h = (index / blocks) % params.heads;
    let b = index / (blocks * params.heads);
    let i = block * QB + t;
    let live = i < params.seq;
    let d_model = params.heads * HD;
    let stride = 3u * d_model;
    let row0 = b * params.seq;

    var q: array<f32, HD>;
    var acc: array<f32, HD>;
    if (live) {
        let scale = 1.0 / sqrt(f32(HD));
        let q_at = (row0 + i) * stride + h * HD;
        for (var d = 0u; d < HD; d = d + 1u) {
            q[d] = f32(qkv[q_at + d]) * scale;
        }
    }
    var running_max = -3.0e38;
    var running_sum = 0.0;
    for (var j0 = 0u; j0 < params.seq; j0 = j0 + KT) {
        workgroupBarrier();
        for (var e = t; e < KT * HD; e = e + QB) {
            let j = j0 + e / HD;
            var kv = 0.0;
            var vv = 0.0;
            if (j < params.seq) {
                let at = (row0 + j) * stride + h * HD + e % HD;
                kv = f32(qkv[at + d_model]);
                vv = f32(qkv[at + 2u * d_model]);
            }
            k_tile[e] = kv;
            v_tile[e] = vv;
        }
        workgroupBarrier();
        if (live) {
            var scores: array<f32, KT>;
            var tile_max = -3.0e38;
            for (var r = 0u; r < KT; r = r + 1u) {
                var s = -3.0e38;
                if (j0 + r < params.seq) {
                    s = 0.0;
                    for (var d = 0u; d < HD; d = d + 1u) {
                        s += q[d] * k_tile[r * HD + d];
                    }
                }
                scores[r] = s;
                tile_max = max(tile_max, s);
            }
            let new_max = max(running_max, tile_max);
            let rescale = exp(running_max - new_max);
            running_sum *= rescale;
            for (var d = 0u; d < HD; d = d + 1u) {
                acc[d] *= rescale;
            }
            for (var r = 0u; r < KT; r = r + 1u) {
                if (j0 + r < params.seq) {
                    let p = exp(scores[r] - new_max);
                    running_sum += p;
                    for (var d = 0u; d < HD; d = d + 1u) {
                        acc[d] += p * v_tile[r * HD + d];
                    }
                }
            }
            running_max = new_max;
        }
    }
    if (live) {
        let at = (row0 + i) * d_model + h * HD;
        for (var d = 0u; d < HD; d = d + 1u) {
            out[at + d] = scalar(acc[d] / running_sum);
        }
    }
}
