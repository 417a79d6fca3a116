//! A point's configuration: every setting that changes what an op does
//! or how it is driven, N aside. Points sharing one are a curve.

use serde::{Deserialize, Serialize};

use super::{Launch, Precision, StrategyKind, SyncMode, WaitStyle, WorkloadKind};

/// Everything that decides what an op does and how it is driven, except
/// N: points that share a config and differ in N are one curve. A setting
/// added later belongs here, and so joins a curve's identity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointConfig {
    pub workload: WorkloadKind,
    /// The workload's dimensions (`[in, out]` for linear).
    pub dims: Vec<u32>,
    pub strategy: StrategyKind,
    pub sync: SyncMode,
    /// How the host waits (missing in files written before it existed: block).
    #[serde(default)]
    pub wait: WaitStyle,
    pub precision: Precision,
    /// The sweep's label (a step of a sequence), if it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// `false` when every op allocated its buffers and bind groups.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub pool: bool,
    /// Each op's commands recorded while the previous op ran (the
    /// `encode_ahead` setting); `false` in files written before it existed.
    #[serde(default, skip_serializing_if = "is_false")]
    pub encode_ahead: bool,
    /// Each op's input written from the host before its submit (the
    /// `upload_inputs` setting); `false` in files written before it existed.
    #[serde(default, skip_serializing_if = "is_false")]
    pub upload_inputs: bool,
    /// Samples per op of each worker, for strategies that take it (hybrid, gpus).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_batch: Option<u32>,
    /// `server`'s most requests per dispatch and longest wait (µs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_batch: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_delay_us: Option<u64>,
    /// Open-loop clients' mean request rate each (requests/s), if open loop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrival_rate_per_s: Option<f64>,
    /// `gpus`: threads of one process or a process each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch: Option<Launch>,
    /// `gpus`: the adapters (by index) the workers are spread over.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adapters: Vec<u32>,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl PointConfig {
    /// `linear 256→128`.
    pub fn workload_label(&self) -> String {
        self.workload.label(&self.dims)
    }

    /// The strategy as shown in tables and legends: `hybrid ×32`,
    /// `server ≤16 / 200 µs`, with `(no pool)` and open-loop rates named.
    pub fn strategy_label(&self) -> String {
        let open = self.arrival_rate_per_s.map_or(String::new(), |r| {
            format!(" · open loop {r:.0}/s per client")
        });
        let mut label = match self.strategy {
            StrategyKind::Server => format!(
                "server ≤{} / {} µs{open}",
                self.max_batch.unwrap_or(0),
                self.max_delay_us.unwrap_or(0)
            ),
            StrategyKind::Queue => format!("queue{open}"),
            StrategyKind::Hybrid => format!("hybrid ×{}", self.worker_batch.unwrap_or(1)),
            StrategyKind::Gpus => format!(
                "gpus ×{} ({}, {} adapters)",
                self.worker_batch.unwrap_or(1),
                match self.launch.unwrap_or_default() {
                    Launch::Threads => "threads",
                    Launch::Processes => "processes",
                },
                self.adapters.len()
            ),
            other => other.name().to_string(),
        };
        if !self.pool {
            label.push_str(" (no pool)");
        }
        if self.upload_inputs {
            label.push_str(" (inputs written each op)");
        }
        label
    }

    /// Whether the one thread batching that a GPU owner's curve is read
    /// against records its ops ahead too: when the owner does and the
    /// sync mode waits after every op (under `pipeline` a worker's
    /// encoding overlaps the GPU already, and it records nothing ahead).
    pub fn baseline_encodes_ahead(&self) -> bool {
        self.encode_ahead && self.sync.waits_per_op()
    }

    /// `readback` or `wait · spin`: the sync mode, with the wait style
    /// where it is not the default, and `encoded ahead` where it applies.
    pub fn sync_label(&self) -> String {
        let mut label = self.sync.to_string();
        if self.wait != WaitStyle::Block {
            label.push_str(&format!(" · {}", self.wait));
        }
        if self.encode_ahead {
            label.push_str(" · encoded ahead");
        }
        label
    }
}
