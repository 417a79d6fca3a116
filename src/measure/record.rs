//! What a worker measures in one trial, raw: the records that cross from
//! worker threads and processes to the runner, before any statistics.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Where each op's host time went, per op, in nanoseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Phases {
    /// Creating the command encoder, encoding the op, finishing the buffer.
    pub encode_ns: Vec<u64>,
    /// `queue.submit`.
    pub submit_ns: Vec<u64>,
    /// Waiting until the GPU finished (this op, the device, or the oldest in flight).
    pub wait_ns: Vec<u64>,
    /// Copying the mapped output to host memory and unmapping (`readback` only).
    pub readback_ns: Vec<u64>,
}

impl Phases {
    pub fn with_capacity(n: usize) -> Self {
        Self {
            encode_ns: Vec::with_capacity(n),
            submit_ns: Vec::with_capacity(n),
            wait_ns: Vec::with_capacity(n),
            readback_ns: Vec::with_capacity(n),
        }
    }

    pub fn append(&mut self, other: Phases) {
        self.encode_ns.extend(other.encode_ns);
        self.submit_ns.extend(other.submit_ns);
        self.wait_ns.extend(other.wait_ns);
        self.readback_ns.extend(other.readback_ns);
    }
}

/// A GPU owner's own costs per batch, beside its op's phases, in ns.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OwnerPhases {
    /// Copying the requests' rows into the batch's input (`mapped`), or
    /// into the buffer it uploads (`staged`): part of the encode phase.
    pub rows_ns: Vec<u64>,
    /// Splitting the output among the requests and waking their clients.
    pub answer_ns: Vec<u64>,
    /// From the last batch's read-back until this batch started, where
    /// nothing was on the GPU: waiting for requests (the first batch of a
    /// trial and batches submitted behind another are left out).
    pub idle_ns: Vec<u64>,
}

impl OwnerPhases {
    pub fn extend_from(&mut self, other: &OwnerPhases) {
        self.rows_ns.extend_from_slice(&other.rows_ns);
        self.answer_ns.extend_from_slice(&other.answer_ns);
        self.idle_ns.extend_from_slice(&other.idle_ns);
    }
}

/// What one worker measured in one trial.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TrialRecord {
    /// Wall-clock start and end (ns since the Unix epoch), comparable across
    /// the processes of one machine.
    pub start_unix_ns: u64,
    pub end_unix_ns: u64,
    pub ops_completed: u64,
    /// Per-op latency in nanoseconds: from starting to encode the op until
    /// the host saw it complete (at once, or when its wait came round).
    pub latencies_ns: Vec<u64>,
    pub phases: Phases,
    /// GPU execution time of sampled ops (timestamp queries), in ns; empty
    /// where the adapter has no timestamps.
    pub gpu_ns: Vec<u64>,
    pub ops_checked: u64,
    pub ops_wrong: u64,
    /// Largest relative error among checked ops.
    pub max_rel_error: f64,
    /// `queue`/`server` clients: per request, ns from sending it until its
    /// batch started on the GPU owner, and ns the batch's op took there.
    #[serde(default)]
    pub queue_ns: Vec<u64>,
    #[serde(default)]
    pub service_ns: Vec<u64>,
    /// `queue`/`server` owner: how many batches of each size it formed.
    #[serde(default)]
    pub batch_sizes: BTreeMap<u32, u64>,
    /// `queue`/`server` owner: its own costs per batch.
    #[serde(default)]
    pub owner: OwnerPhases,
    /// The adapter (by index) the worker ran on, for multi-GPU points.
    #[serde(default)]
    pub adapter: Option<u32>,
    /// Why the trial stopped early, if it did.
    pub error: Option<String>,
}

/// How long setting a worker up took, outside every timed region.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct WorkerSetup {
    /// Opening the worker's own device (0 when it shares one).
    #[serde(default)]
    pub device_s: f64,
    pub prepare_s: f64,
    pub warmup_s: f64,
}

/// Wall-clock ns since the Unix epoch: comparable across threads and processes.
pub fn unix_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}
