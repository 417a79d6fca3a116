//! Plain CPU references, accumulated in f64: what every kernel's output is
//! checked against. Layouts match the GPU's (weights `[in][out]`).

/// `x · w + bias` (then ReLU if asked) for `rows` rows of `k` → `n`.
pub fn linear(
    x: &[f64],
    w: &[f32],
    bias: &[f32],
    rows: usize,
    k: usize,
    n: usize,
    relu: bool,
) -> Vec<f64> {
    let mut y = vec![0f64; rows * n];
    for r in 0..rows {
        let out = &mut y[r * n..(r + 1) * n];
        for (o, b) in out.iter_mut().zip(bias) {
            *o = f64::from(*b);
        }
        for i in 0..k {
            let xi = x[r * k + i];
            let w_row = &w[i * n..(i + 1) * n];
            for (o, &wv) in out.iter_mut().zip(w_row) {
                *o += xi * f64::from(wv);
            }
        }
        if relu {
            for o in out.iter_mut() {
                *o = o.max(0.0);
            }
        }
    }
    y
}

/// Multi-head scaled dot-product self-attention over one sequence;
/// `qkv` rows are `[q | k | v]`.
pub fn attention(qkv: &[f64], seq: usize, heads: usize, head_dim: usize) -> Vec<f64> {
    let d = heads * head_dim;
    let mut out = vec![0f64; seq * d];
    let scale = 1.0 / (head_dim as f64).sqrt();
    for h in 0..heads {
        for i in 0..seq {
            let q = &qkv[i * 3 * d + h * head_dim..][..head_dim];
            let scores: Vec<f64> = (0..seq)
                .map(|j| {
                    let k = &qkv[j * 3 * d + d + h * head_dim..][..head_dim];
                    q.iter().zip(k).map(|(a, b)| a * b).sum::<f64>() * scale
                })
                .collect();
            let peak = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let weights: Vec<f64> = scores.iter().map(|s| (s - peak).exp()).collect();
            let total: f64 = weights.iter().sum();
            for (j, p) in weights.iter().enumerate() {
                let v = &qkv[j * 3 * d + 2 * d + h * head_dim..][..head_dim];
                for (o, vv) in out[i * d + h * head_dim..][..head_dim].iter_mut().zip(v) {
                    *o += p / total * vv;
                }
            }
        }
    }
    out
}

/// `LayerNorm(a + b) · gamma + beta` per row of `dim`.
pub fn layer_norm(
    a: &[f64],
    b: &[f64],
    gamma: &[f32],
    beta: &[f32],
    dim: usize,
    eps: f64,
) -> Vec<f64> {
    let mut y = vec![0f64; a.len()];
    for r in 0..a.len() / dim {
        let s: Vec<f64> = (0..dim).map(|i| a[r * dim + i] + b[r * dim + i]).collect();
        let mean = s.iter().sum::<f64>() / dim as f64;
        let var = s.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / dim as f64;
        let inv = 1.0 / (var + eps).sqrt();
        for i in 0..dim {
            y[r * dim + i] = (s[i] - mean) * inv * f64::from(gamma[i]) + f64::from(beta[i]);
        }
    }
    y
}

pub fn widen(x: &[f32]) -> Vec<f64> {
    x.iter().map(|&v| f64::from(v)).collect()
}

pub fn narrow(x: &[f64]) -> Vec<f32> {
    x.iter().map(|&v| v as f32).collect()
}

/// A sample's CPU reference output, from the workload's own weights.
pub type Reference = Box<dyn Fn(&[f32]) -> Vec<f32> + Send + Sync>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_by_hand() {
        // x = [1, 2], W = [[1, 2, 3], [4, 5, 6]] stored [in][out].
        let y = linear(
            &[1.0, 2.0],
            &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            &[0.5, 0.0, -20.0],
            1,
            2,
            3,
            true,
        );
        assert_eq!(y, vec![9.5, 12.0, 0.0]);
    }

    #[test]
    fn attention_with_equal_scores_averages_values() {
        // One head of dim 1, two tokens, all q·k equal: each output is the mean of v.
        let qkv = [1.0, 1.0, 2.0, 1.0, 1.0, 4.0];
        assert_eq!(attention(&qkv, 2, 1, 1), vec![3.0, 3.0]);
    }

    #[test]
    fn layer_norm_centres_and_scales() {
        let y = layer_norm(&[1.0, 3.0], &[0.0, 0.0], &[1.0, 1.0], &[0.0, 0.0], 2, 0.0);
        assert_eq!(y, vec![-1.0, 1.0]);
    }
}
