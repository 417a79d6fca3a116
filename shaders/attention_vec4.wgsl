// Scaled dot-product self-attention, all heads: softmax(q·kᵀ/√d)·v over
// any sequence length, as flash attention computes it, for head sizes
// that are a multiple of 4 (attention.wgsl serves the others).
//
// qkv holds each token's projected [q | k | v] (3·d_model values, heads
// contiguous within each). A workgroup of QB invocations owns one
// (sequence, head) and QB queries, one per invocation; keys and values
// stream through workgroup memory KT at a time, and each query keeps its
// running maximum, running sum and output in registers (the online
// softmax, one key at a time), so no score matrix is ever stored and the
// sequence length is bounded only by time. The query and the output are
// HD4 vec4 registers each, unrolled by `//#for` (see matmul.wgsl for why
// no private array is indexed at run time). f32 arithmetic; `scalar`
// storage.
//
// Constants from the header: HD (head dimension), HD4 = HD / 4, KT, QB.

struct Params {
    batch: u32,     // sequences
    seq: u32,       // tokens per sequence
    heads: u32,
    head_dim: u32,  // d_model / heads (= HD)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> qkv: array<vec4<scalar>>;       // [batch·seq][3·d_model / 4]
@group(0) @binding(2) var<storage, read_write> out: array<vec4<scalar>>; // [batch·seq][d_model / 4]

var<workgroup> k_tile: array<vec4<f32>, KT * HD4>;
var<workgroup> v_tile: array<vec4<f32>, KT * HD4>;

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
    let row4 = params.heads * HD4;   // vec4s of one token's d_model values
    let stride4 = 3u * row4;
    let row0 = b * params.seq;

//#for d in 0..HD4
    var q_{d} = vec4<f32>(0.0);
    var acc_{d} = vec4<f32>(0.0);
//#end
    if (live) {
        let scale = 1.0 / sqrt(f32(HD));
        let q_at = (row0 + i) * stride4 + h * HD4;
//#for d in 0..HD4
        q_{d} = vec4<f32>(qkv[q_at + {d}u]) * scale;
//#end
    }
    var running_max = -3.0e38;
    var running_sum = 0.0;
    for (var j0 = 0u; j0 < params.seq; j0 = j0 + KT) {
        workgroupBarrier();
        for (var e = t; e < KT * HD4; e = e + QB) {
            let j = j0 + e / HD4;
            var kv = vec4<f32>(0.0);
            var vv = vec4<f32>(0.0);
            if (j < params.seq) {
                let at = (row0 + j) * stride4 + h * HD4 + e % HD4;
                kv = vec4<f32>(qkv[at + row4]);
                vv = vec4<f32>(qkv[at + 2u * row4]);
            }
            k_tile[e] = kv;
            v_tile[e] = vv;
        }
        workgroupBarrier();
        if (live) {
            let keys = min(KT, params.seq - j0);
            for (var r = 0u; r < keys; r = r + 1u) {
                let base = r * HD4;
                var s = 0.0;
//#for d in 0..HD4
                s += dot(q_{d}, k_tile[base + {d}u]);
//#end
                let new_max = max(running_max, s);
                let rescale = exp(running_max - new_max);
                let p = exp(s - new_max);
                running_sum = running_sum * rescale + p;
//#for d in 0..HD4
                acc_{d} = acc_{d} * rescale + p * v_tile[base + {d}u];
//#end
                running_max = new_max;
            }
        }
    }
    if (live) {
        let at = (row0 + i) * row4 + h * HD4;
        let inv = 1.0 / running_sum;
//#for d in 0..HD4
        out[at + {d}u] = vec4<scalar>(acc_{d} * inv);
//#end
    }
}
