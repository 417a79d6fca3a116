// Scaled dot-product self-attention, all heads: softmax(q·kᵀ/√d)·v over
// any sequence length, as flash attention computes it, for head sizes
// that are a multiple of 4 (attention.wgsl serves the others).
//
// qkv holds each token's projected [q | k | v] (3·d_model values, heads
// contiguous within each). A workgroup of QB · LANES invocations owns one
// (sequence, head) and QB queries, LANES neighbouring invocations per
// query, each holding HDL of the head's HD4 vec4s (interleaved, so that
// neighbouring lanes read neighbouring vec4s); keys and values
// stream through workgroup memory KT at a time, and each query keeps its
// running maximum, running sum and output in registers (the online
// softmax, KB keys at a time: their scores are computed independently,
// then the running values are rescaled once per KB keys, so the chain
// from one key to the next is an add, not a max, two exps and a rescale;
// KB rather than the whole tile keeps the unrolled body small enough for
// CPU drivers to compile in seconds), so no score matrix is ever stored
// and the sequence length is bounded only by time. A score is the sum of
// its lanes' partial dot products (`lanes_sum`: subgroup shuffles where the
// adapter has subgroups, else LANES = 1 and no sum). Splitting a query
// over lanes gives short sequences LANES times the invocations and each
// a LANES times shorter chain (seq 32, head 64, batch 256 on an H200:
// one invocation per query kept 32k invocations busy for 48.6 µs). The
// query and the output are registers unrolled by `//#for` (see
// matmul.wgsl for why no private array is indexed at run time). Every
// invocation runs the key loop, a query past the sequence included, so
// that the shuffles stay in uniform control flow. f32 arithmetic;
// `scalar` storage.
//
// Constants from the header: HD (head dimension), HD4 = HD / 4, LANES,
// HDL = HD4 / LANES, KT, KB (keys per block: divides KT), QB,
// WG = QB · LANES.

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

@compute @workgroup_size(WG, 1, 1)
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
    let i = block * QB + t / LANES;
    let part = t % LANES;   // this lane's vec4s: part, part + LANES, …
    let live = i < params.seq;
    let row4 = params.heads * HD4;   // vec4s of one token's d_model values
    let stride4 = 3u * row4;
    let row0 = b * params.seq;

//#for d in 0..HDL
    var q_{d} = vec4<f32>(0.0);
    var acc_{d} = vec4<f32>(0.0);
//#end
    if (live) {
        let scale = 1.0 / sqrt(f32(HD));
        let q_at = (row0 + i) * stride4 + h * HD4 + part;
//#for d in 0..HDL
        q_{d} = vec4<f32>(qkv[q_at + {d}u * LANES]) * scale;
//#end
    }
    var running_max = -3.0e38;
    var running_sum = 0.0;
    for (var j0 = 0u; j0 < params.seq; j0 = j0 + KT) {
        workgroupBarrier();
        for (var e = t; e < KT * HD4; e = e + QB * LANES) {
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
        let keys = min(KT, params.seq - j0);
        // KB keys at a time: their scores first, independent of one
        // another (keys past the sequence score against the zeros loaded
        // for them and are masked out), then one rescale for the block.
        for (var g = 0u; g < keys; g = g + KB) {
//#for r in 0..KB
            var s_{r} = 0.0;
//#for d in 0..HDL
            s_{r} += dot(q_{d}, k_tile[(g + {r}u) * HD4 + part + {d}u * LANES]);
//#end
            s_{r} = select(-3.0e38, lanes_sum(s_{r}), g + {r}u < keys);
//#end
            var block_max = running_max;
//#for r in 0..KB
            block_max = max(block_max, s_{r});
//#end
            let rescale = exp(running_max - block_max);
            running_max = block_max;
            running_sum = running_sum * rescale;
//#for d in 0..HDL
            acc_{d} = acc_{d} * rescale;
//#end
//#for r in 0..KB
            let p_{r} = exp(s_{r} - block_max);
            running_sum += p_{r};
//#for d in 0..HDL
            acc_{d} += p_{r} * v_tile[(g + {r}u) * HD4 + part + {d}u * LANES];
//#end
//#end
        }
    }
    if (live) {
        let at = (row0 + i) * row4 + h * HD4 + part;
        let inv = 1.0 / running_sum;
//#for d in 0..HDL
        out[at + {d}u * LANES] = vec4<scalar>(acc_{d} * inv);
//#end
    }
}
