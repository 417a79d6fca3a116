//! What each strategy is, in one table: how its N is laid out, how it
//! starts its workers, what its efficiency is measured against, and the
//! rules an experiment file follows for it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How parallelism N is obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StrategyKind {
    /// N threads share one device and queue, batch 1 each.
    Threads,
    /// One thread, batch N.
    Batch,
    /// N OS processes, each with its own device, batch 1 each.
    Processes,
    /// N threads sharing one device, each running ops of `worker_batch` samples.
    Hybrid,
    /// N threads in one process, each with its own device, batch 1 each.
    Devices,
    /// N client threads hand batch-1 requests to one GPU owner thread.
    Queue,
    /// N clients' requests coalesced by one GPU owner into batched
    /// dispatches of at most `max_batch`, waiting at most `max_delay_us`.
    Server,
    /// N workers spread round robin over several adapters of one host.
    Gpus,
}

/// How a strategy's N is laid out into workers and samples per op.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayoutRule {
    /// N threads, batch 1 each.
    Threads,
    /// One worker, batch N.
    Batch,
    /// N processes, batch 1 each.
    Processes,
    /// N workers of `worker_batch` samples each (threads, or processes
    /// with `launch = "processes"`).
    Workers,
    /// N client threads of batch-1 requests (the GPU owner batches).
    Clients,
}

/// How a strategy starts its workers (`gpus` as its sweep's [`Launch`] says).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spawn {
    /// Threads of this process on the run's shared device.
    SharedDevice,
    /// Threads of this process, each opening its own device.
    OwnDevice,
    /// Processes of this program, each opening its own device.
    Processes,
    /// One GPU owner thread serving client threads.
    GpuOwner,
    /// Workers spread over the chosen adapters (threads or processes, as
    /// the point's `launch` says).
    Spread,
}

/// What a point's efficiency is measured against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BaselineRule {
    /// N=1 of the same curve.
    OwnN1,
    /// `batch` at the size the owner could batch to (min(N, max_batch)),
    /// same workload, sync and wait: a server's lone client waits out the
    /// batching delay, so its own N=1 is no baseline.
    BatchAtSize,
}

/// One strategy's facts: the one place that says what a strategy is.
#[derive(Clone, Copy, Debug)]
pub struct StrategyInfo {
    pub kind: StrategyKind,
    pub name: &'static str,
    /// What N counts, for table headers and axes.
    pub n_label: &'static str,
    /// Its colour on every chart (RGB).
    pub colour: (u8, u8, u8),
    pub layout: LayoutRule,
    /// How it starts its workers.
    pub spawn: Spawn,
    /// Whether N counts workers contending for the GPU, the contention the
    /// Universal Scalability Law describes.
    pub scaling_model: bool,
    pub baseline: BaselineRule,
    /// Whether its workers answer requests (so `end`, no wait, cannot apply).
    pub answers_requests: bool,
    /// Whether the sweep may set `worker_batch` (samples per op of each worker).
    pub takes_worker_batch: bool,
    /// Whether its workers run their own ops in this process on the run's
    /// device (so `upload_inputs` can write their inputs).
    pub runs_own_ops: bool,
    /// Whether it batches requests by `max_batch` and `max_delay_us`.
    pub takes_batching_limits: bool,
    /// Whether it spreads over adapters (`launch`, `adapters`).
    pub spreads: bool,
}

const STRATEGIES: [StrategyInfo; 8] = [
    StrategyInfo {
        kind: StrategyKind::Threads,
        name: "threads",
        n_label: "Threads",
        colour: (214, 39, 40),
        layout: LayoutRule::Threads,
        spawn: Spawn::SharedDevice,
        scaling_model: true,
        baseline: BaselineRule::OwnN1,
        answers_requests: false,
        takes_worker_batch: false,
        runs_own_ops: true,
        takes_batching_limits: false,
        spreads: false,
    },
    StrategyInfo {
        kind: StrategyKind::Batch,
        name: "batch",
        n_label: "Batch",
        colour: (31, 119, 180),
        layout: LayoutRule::Batch,
        spawn: Spawn::SharedDevice,
        scaling_model: false,
        baseline: BaselineRule::OwnN1,
        answers_requests: false,
        takes_worker_batch: false,
        runs_own_ops: true,
        takes_batching_limits: false,
        spreads: false,
    },
    StrategyInfo {
        kind: StrategyKind::Processes,
        name: "processes",
        n_label: "Processes",
        colour: (44, 160, 44),
        layout: LayoutRule::Processes,
        spawn: Spawn::Processes,
        scaling_model: true,
        baseline: BaselineRule::OwnN1,
        answers_requests: false,
        takes_worker_batch: false,
        runs_own_ops: false,
        takes_batching_limits: false,
        spreads: false,
    },
    StrategyInfo {
        kind: StrategyKind::Hybrid,
        name: "hybrid",
        n_label: "Threads",
        colour: (148, 103, 189),
        layout: LayoutRule::Workers,
        spawn: Spawn::SharedDevice,
        scaling_model: false,
        baseline: BaselineRule::OwnN1,
        answers_requests: false,
        takes_worker_batch: true,
        runs_own_ops: true,
        takes_batching_limits: false,
        spreads: false,
    },
    StrategyInfo {
        kind: StrategyKind::Devices,
        name: "devices",
        n_label: "Threads",
        colour: (255, 127, 14),
        layout: LayoutRule::Threads,
        spawn: Spawn::OwnDevice,
        scaling_model: true,
        baseline: BaselineRule::OwnN1,
        answers_requests: false,
        takes_worker_batch: false,
        runs_own_ops: false,
        takes_batching_limits: false,
        spreads: false,
    },
    StrategyInfo {
        kind: StrategyKind::Queue,
        name: "queue",
        n_label: "Clients",
        colour: (140, 86, 75),
        layout: LayoutRule::Clients,
        spawn: Spawn::GpuOwner,
        scaling_model: false,
        baseline: BaselineRule::BatchAtSize,
        answers_requests: true,
        takes_worker_batch: false,
        runs_own_ops: false,
        takes_batching_limits: false,
        spreads: false,
    },
    StrategyInfo {
        kind: StrategyKind::Server,
        name: "server",
        n_label: "Clients",
        colour: (227, 119, 194),
        layout: LayoutRule::Clients,
        spawn: Spawn::GpuOwner,
        scaling_model: false,
        baseline: BaselineRule::BatchAtSize,
        answers_requests: true,
        takes_worker_batch: false,
        runs_own_ops: false,
        takes_batching_limits: true,
        spreads: false,
    },
    StrategyInfo {
        kind: StrategyKind::Gpus,
        name: "gpus",
        n_label: "Workers",
        colour: (23, 190, 207),
        layout: LayoutRule::Workers,
        spawn: Spawn::Spread,
        scaling_model: true,
        baseline: BaselineRule::OwnN1,
        answers_requests: false,
        takes_worker_batch: true,
        runs_own_ops: false,
        takes_batching_limits: false,
        spreads: true,
    },
];

impl StrategyKind {
    pub const ALL: [StrategyKind; 8] = [
        Self::Threads,
        Self::Batch,
        Self::Processes,
        Self::Hybrid,
        Self::Devices,
        Self::Queue,
        Self::Server,
        Self::Gpus,
    ];

    pub fn info(self) -> &'static StrategyInfo {
        STRATEGIES
            .iter()
            .find(|s| s.kind == self)
            .expect("every strategy has an entry")
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }
}

impl fmt::Display for StrategyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a point's N is laid out: `threads × processes` workers, each
/// running ops of `batch` samples (recorded in the point, flattened).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    /// Samples per op.
    pub batch: u32,
    /// Worker threads per process.
    pub threads: u32,
    pub processes: u32,
}

impl Layout {
    pub fn workers(self) -> u32 {
        self.threads * self.processes
    }

    /// The layout of `strategy` at `n`, with the sweep's `worker_batch`
    /// (hybrid, gpus) and `launch` (gpus).
    pub fn of(strategy: StrategyKind, n: u32, worker_batch: Option<u32>, launch: Launch) -> Self {
        let per_worker = worker_batch.unwrap_or(1);
        match strategy.info().layout {
            LayoutRule::Threads | LayoutRule::Clients => Self {
                threads: n,
                processes: 1,
                batch: 1,
            },
            LayoutRule::Batch => Self {
                threads: 1,
                processes: 1,
                batch: n,
            },
            LayoutRule::Processes => Self {
                threads: 1,
                processes: n,
                batch: 1,
            },
            LayoutRule::Workers => match launch {
                Launch::Threads => Self {
                    threads: n,
                    processes: 1,
                    batch: per_worker,
                },
                Launch::Processes => Self {
                    threads: 1,
                    processes: n,
                    batch: per_worker,
                },
            },
        }
    }
}

/// How `gpus` starts its workers: threads of one process, or a process each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Launch {
    #[default]
    Threads,
    Processes,
}
