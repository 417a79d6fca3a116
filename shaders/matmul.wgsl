// y = act(x · w + bias): every linear layer (nn.Linear with the weight
// stored transposed, [k][n]), optionally with a fused ReLU.
//
// Tiled: each 16×16 workgroup computes a 16×16 block of y, staging 16×16
// tiles of x and w in workgroup memory, so each value read from global
// memory is used 16 times. `scalar` (f32 or f16) is the storage type, set
// when the shader is built; accumulation is always f32.

struct Params {
    m: u32,     // rows of x and y (batch rows)
    k: u32,     // inner dimension (in features)
    n: u32,     // columns of w and y (out features)
    relu: u32,  // 1: apply ReLU
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<scalar>;        // [m][k]
@group(0) @binding(2) var<storage, read> w: array<scalar>;        // [k][n]
@group(0) @binding(3) var<storage, read> bias: array<scalar>;     // [n]
@group(0) @binding(4) var<storage, read_write> y: array<scalar>;  // [m][n]

const TILE: u32 = 16u;
var<workgroup> x_tile: array<array<f32, 16>, 16>;
var<workgroup> w_tile: array<array<f32, 16>, 16>;

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(local_invocation_id) local: vec3<u32>, @builtin(workgroup_id) group: vec3<u32>) {
    let row = group.y * TILE + local.y;
    let col = group.x * TILE + local.x;
    var acc = 0.0;
    let tiles = (params.k + TILE - 1u) / TILE;
    for (var t = 0u; t < tiles; t = t + 1u) {
        let kx = t * TILE + local.x;
        let kw = t * TILE + local.y;
        var xv = 0.0;
        if (row < params.m && kx < params.k) {
            xv = f32(x[row * params.k + kx]);
        }
        var wv = 0.0;
        if (kw < params.k && col < params.n) {
            wv = f32(w[kw * params.n + col]);
        }
        x_tile[local.y][local.x] = xv;
        w_tile[local.y][local.x] = wv;
        workgroupBarrier();
        for (var i = 0u; i < TILE; i = i + 1u) {
            acc = acc + x_tile[local.y][i] * w_tile[i][local.x];
        }
        workgroupBarrier();
    }
    if (row < params.m && col < params.n) {
        var v = acc + f32(bias[col]);
        if (params.relu != 0u) {
            v = max(v, 0.0);
        }
        y[row * params.n + col] = scalar(v);
    }
}
