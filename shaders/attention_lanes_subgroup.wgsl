// attention_vec4.wgsl's score across its LANES lanes (neighbours in one
// subgroup): a butterfly of subgroup shuffles, every lane left with the sum.

fn lanes_sum(partial: f32) -> f32 {
    var s = partial;
    for (var l = 1u; l < LANES; l = l << 1u) {
        s += subgroupShuffleXor(s, l);
    }
    return s;
}
