//! The data an op computes on: values in each precision's storage format,
//! random inputs and weights reproducible from a seed, and the pool of
//! distinct samples each slot's input draws its rows from.

use super::SLOTS;
use crate::schema::Precision;

/// Uniform random values in `[-scale, scale)`, reproducible from `seed`.
pub fn random_values(len: usize, scale: f32, seed: u64) -> Vec<f32> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    (0..len).map(|_| rng.random_range(-scale..scale)).collect()
}

/// `data` in the storage format of `precision`.
pub fn encode_values(data: &[f32], precision: Precision) -> Vec<u8> {
    match precision {
        Precision::F32 => bytemuck::cast_slice(data).to_vec(),
        Precision::F16 => {
            let halves: Vec<half::f16> = data.iter().map(|&v| half::f16::from_f32(v)).collect();
            bytemuck::cast_slice(&halves).to_vec()
        }
    }
}

/// An input's bytes, padded to the 4 bytes a buffer write moves at least.
pub fn input_bytes(data: &[f32], precision: Precision) -> Vec<u8> {
    let mut bytes = encode_values(data, precision);
    bytes.resize(bytes.len().next_multiple_of(4), 0);
    bytes
}

/// Bytes read back from the GPU, as f32 values.
pub fn decode_values(bytes: &[u8], precision: Precision) -> Vec<f32> {
    match precision {
        Precision::F32 => bytes
            .chunks_exact(4)
            .map(|c| f32::from_ne_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        Precision::F16 => bytes
            .chunks_exact(2)
            .map(|c| half::f16::from_bits(u16::from_ne_bytes([c[0], c[1]])).to_f32())
            .collect(),
    }
}

/// `data` rounded to what `precision` can store, so the CPU reference
/// starts from exactly the GPU's weights and inputs.
pub fn quantize(mut data: Vec<f32>, precision: Precision) -> Vec<f32> {
    if precision == Precision::F16 {
        for v in &mut data {
            *v = half::f16::from_f32(*v).to_f32();
        }
    }
    data
}

/// Random values in `[-scale, scale)`, rounded to `precision`.
pub fn random(len: usize, scale: f32, seed: u64, precision: Precision) -> Vec<f32> {
    quantize(random_values(len, scale, seed), precision)
}

/// Per-sample input for the pool from which every slot's batch is drawn.
/// Distinct samples are capped, so that the reference (computed once per
/// distinct sample) stays cheap at large batches; slots still differ.
pub struct SamplePool {
    pub samples: Vec<Vec<f32>>,
    batch: usize,
}

const MAX_DISTINCT_SAMPLES: usize = 64;

impl SamplePool {
    pub fn new(batch: u32, sample_len: usize, precision: Precision, seed: u64) -> Self {
        let batch = batch as usize;
        let count = (batch * SLOTS).min(MAX_DISTINCT_SAMPLES);
        let samples = (0..count)
            .map(|i| {
                random(
                    sample_len,
                    1.0,
                    seed.wrapping_add(7919 * (i as u64 + 1)),
                    precision,
                )
            })
            .collect();
        Self { samples, batch }
    }

    /// Which pool sample is row `row` of slot `slot`: all distinct while
    /// they fit, else a different rotation per slot.
    pub fn index(&self, slot: usize, row: usize) -> usize {
        if self.batch * SLOTS <= self.samples.len() {
            slot * self.batch + row
        } else {
            (row + 13 * slot) % self.samples.len()
        }
    }

    /// Slot `slot`'s batch, rows concatenated.
    pub fn slot_input(&self, slot: usize) -> Vec<f32> {
        (0..self.batch)
            .flat_map(|row| self.samples[self.index(slot, row)].iter().copied())
            .collect()
    }

    /// Slot `slot`'s expected output from per-sample references.
    pub fn slot_expected(&self, slot: usize, references: &[Vec<f32>]) -> Vec<f32> {
        (0..self.batch)
            .flat_map(|row| references[self.index(slot, row)].iter().copied())
            .collect()
    }
}

/// `f` of every item, in order, spread over the machine's cores: the CPU
/// references of a large workload take seconds each, and `prepare` is
/// never timed but should not take minutes.
pub fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores <= 1 || items.len() <= 1 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(cores);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                let f = &f;
                scope.spawn(move || part.iter().map(f).collect::<Vec<R>>())
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a reference thread panicked"))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_both_storage_formats() {
        let data = vec![1.0, -0.5, 3.25];
        for precision in [Precision::F32, Precision::F16] {
            assert_eq!(
                decode_values(&encode_values(&data, precision), precision),
                data
            );
        }
        assert_eq!(
            quantize(vec![0.1], Precision::F16),
            vec![half::f16::from_f32(0.1).to_f32()]
        );
    }

    #[test]
    fn slots_draw_different_rows_from_the_pool() {
        for batch in [1, 3, 16, 256] {
            let pool = SamplePool::new(batch, 2, Precision::F32, 1);
            let slots: Vec<Vec<f32>> = (0..SLOTS).map(|s| pool.slot_input(s)).collect();
            assert_eq!(slots[0].len(), batch as usize * 2);
            for a in 0..SLOTS {
                for b in a + 1..SLOTS {
                    assert_ne!(
                        slots[a], slots[b],
                        "batch {batch}: slots {a} and {b} are the same"
                    );
                }
            }
        }
    }
}
