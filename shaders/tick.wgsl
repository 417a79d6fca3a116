// counter[0] += 1 in one invocation: the smallest op there is. `curves
// peak` chains it (each dispatch waits for the previous one's write) for
// the dispatch floor, and reads it back for the host round-trip floor.

@group(0) @binding(0) var<storage, read_write> counter: array<u32>;

@compute @workgroup_size(1, 1, 1)
fn main() {
    counter[0] = counter[0] + 1u;
}
