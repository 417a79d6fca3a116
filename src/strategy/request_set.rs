//! The requests `queue` and `server` clients send: each carries its own
//! sample, and each answer is checked against that sample's reference, so
//! a request answered with another request's rows is a wrong op.

use crate::measure::check::check_output;
use crate::measure::record::TrialRecord;
use crate::schema::Precision;
use crate::workload::Prepared;
use crate::workload::values::{encode_values, random};

/// Distinct samples clients draw from, with their reference outputs.
pub struct RequestSet {
    /// Each sample's rows in the storage format.
    inputs: Vec<Vec<u8>>,
    expected: Vec<Vec<f32>>,
    precision: Precision,
}

impl RequestSet {
    /// `count` random samples for `prepared`'s workload, reproducible from
    /// `seed`, with references computed on the CPU (outside every timed
    /// region).
    pub fn new(prepared: &dyn Prepared, count: usize, seed: u64) -> Self {
        let precision = prepared.precision();
        let samples: Vec<Vec<f32>> = (0..count.max(1))
            .map(|i| {
                random(
                    prepared.sample_len(),
                    1.0,
                    seed.wrapping_add(104_729 * (i as u64 + 1)),
                    precision,
                )
            })
            .collect();
        Self {
            inputs: samples
                .iter()
                .map(|s| encode_values(s, precision))
                .collect(),
            expected: samples.iter().map(|s| prepared.reference(s)).collect(),
            precision,
        }
    }

    /// How many samples `clients` clients need: each owns its own few, so
    /// two clients' requests always differ, and a client's consecutive
    /// requests differ too.
    pub fn count_for(clients: usize) -> usize {
        clients.max(1) * Self::per_client(clients)
    }

    fn per_client(clients: usize) -> usize {
        (64 / clients.max(1)).clamp(2, 8)
    }

    /// The sample of client `client`'s `request`-th request, of `clients`:
    /// client `c` cycles through samples `c`, `c + clients`, ….
    pub fn sample_of(&self, client: usize, request: u64, clients: usize) -> usize {
        let per_client = (self.inputs.len() / clients.max(1)).max(1) as u64;
        (client as u64 + clients as u64 * (request % per_client)) as usize % self.inputs.len()
    }

    pub fn input(&self, sample: usize) -> &[u8] {
        &self.inputs[sample]
    }

    /// Bytes of one sample's answer.
    pub fn answer_bytes(&self) -> usize {
        self.expected[0].len() * self.precision.bytes()
    }

    /// BoundsChecks `answer` (bytes in the storage format) against `sample`'s
    /// reference, counting it in `record`.
    pub fn check(&self, sample: usize, answer: &[u8], record: &mut TrialRecord) {
        check_output(answer, &self.expected[sample], self.precision, record);
    }
}

#[cfg(test)]
mod tests {
    use super::RequestSet;
    use crate::schema::Precision;

    /// A set with `count` one-value samples, no GPU needed.
    fn set(count: usize) -> RequestSet {
        RequestSet {
            inputs: vec![Vec::new(); count],
            expected: (0..count).map(|i| vec![i as f32 + 1.0]).collect(),
            precision: Precision::F32,
        }
    }

    #[test]
    fn clients_never_share_a_sample_and_never_repeat_one_back_to_back() {
        for clients in [1, 2, 3, 5, 8, 16, 40, 100] {
            let s = set(RequestSet::count_for(clients));
            let owner = |sample: usize| sample % clients;
            for c in 0..clients {
                for j in 0..20 {
                    let sample = s.sample_of(c, j, clients);
                    assert!(sample < s.inputs.len());
                    assert_eq!(
                        owner(sample),
                        c,
                        "{clients} clients: client {c} request {j}"
                    );
                    assert_ne!(sample, s.sample_of(c, j + 1, clients));
                }
            }
        }
    }

    #[test]
    fn an_answer_for_another_sample_is_wrong() {
        let s = set(4);
        let mut record = Default::default();
        s.check(2, bytemuck::cast_slice(&[3.0f32]), &mut record);
        assert_eq!((record.ops_checked, record.ops_wrong), (1, 0));
        s.check(2, bytemuck::cast_slice(&[2.0f32]), &mut record);
        assert_eq!((record.ops_checked, record.ops_wrong), (2, 1));
    }
}
