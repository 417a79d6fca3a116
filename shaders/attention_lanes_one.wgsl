// attention_vec4.wgsl without subgroups: one lane per query (LANES = 1),
// whose partial dot product is the score.

fn lanes_sum(partial: f32) -> f32 {
    return partial;
}
