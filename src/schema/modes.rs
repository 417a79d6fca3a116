//! When and how the host waits (sync mode, wait style), what an op
//! computes (workload) and in which precision: the design's vocabulary,
//! as experiment files and result files spell it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// When the host waits for the GPU. Efficiency is only ever computed
/// between points of the same sync mode: sync cost is exactly what the
/// seeds mistook for parallel scaling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum SyncMode {
    /// Every op copies its output back to the host and waits for it, like
    /// PyTorch's `.cpu()` after each call.
    Readback,
    /// Every op waits for its own submission, like waiting on an event.
    Wait,
    /// Every op waits for everything submitted to the device so far, by any
    /// thread, like `torch.cuda.synchronize()`.
    Device,
    /// Up to D ops in flight per worker; the oldest is waited for before
    /// another is submitted.
    Pipeline(u32),
    /// No wait until the end of the trial.
    End,
}

impl SyncMode {
    pub const NAMES: &'static str = "readback, wait, device, pipeline:D (D ≥ 1), end";

    /// Whether every op's result reaches the host before the next op:
    /// the modes a user who needs each answer could run.
    pub fn answers_every_op(self) -> bool {
        matches!(self, SyncMode::Readback | SyncMode::Wait)
    }

    /// Whether the host waits after every op (`readback`, `wait`,
    /// `device`): the modes whose per-op latency means what a caller waits.
    pub fn waits_per_op(self) -> bool {
        !matches!(self, SyncMode::End | SyncMode::Pipeline(_))
    }

    /// Ops one worker may have in flight.
    pub fn depth(self) -> usize {
        match self {
            SyncMode::Pipeline(d) => d as usize,
            _ => 1,
        }
    }
}

impl fmt::Display for SyncMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncMode::Readback => f.write_str("readback"),
            SyncMode::Wait => f.write_str("wait"),
            SyncMode::Device => f.write_str("device"),
            SyncMode::Pipeline(depth) => write!(f, "pipeline:{depth}"),
            SyncMode::End => f.write_str("end"),
        }
    }
}

impl FromStr for SyncMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "readback" => Ok(SyncMode::Readback),
            "wait" => Ok(SyncMode::Wait),
            "device" => Ok(SyncMode::Device),
            "end" => Ok(SyncMode::End),
            "spin" => Err(
                "sync = \"spin\" is now how the host waits, not when: write sync = \"wait\" and wait = \"spin\""
                    .into(),
            ),
            other => match other.strip_prefix("pipeline:").map(str::parse::<u32>) {
                Some(Ok(depth)) if depth >= 1 => Ok(SyncMode::Pipeline(depth)),
                _ => Err(format!(
                    "unknown sync mode {other:?}; known: {}",
                    Self::NAMES
                )),
            },
        }
    }
}

impl TryFrom<String> for SyncMode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<SyncMode> for String {
    fn from(mode: SyncMode) -> Self {
        mode.to_string()
    }
}

/// How the host waits, whenever its sync mode says to wait.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WaitStyle {
    /// Block in the driver: `device.poll(Wait)`, a fence wait.
    #[default]
    Block,
    /// Spin on `device.poll(Poll)` until the op's completion callback fires.
    Spin,
    /// Sleep until the op's completion callback fires, while a poller
    /// thread drives the device (an event loop's way of waiting).
    Callback,
    /// A framework's default, recorded by a peer: CUDA's context
    /// schedule left as it is, which spins while fewer threads are active
    /// than cores and yields otherwise. Never matched with `block`.
    Auto,
}

impl WaitStyle {
    pub const ALL: [WaitStyle; 3] = [WaitStyle::Block, WaitStyle::Spin, WaitStyle::Callback];

    /// Whether the host waits in the driver (`auto` is a framework's
    /// default, which curves itself never runs: it waits as `block`).
    pub fn blocks(self) -> bool {
        matches!(self, WaitStyle::Block | WaitStyle::Auto)
    }

    pub fn name(self) -> &'static str {
        match self {
            WaitStyle::Block => "block",
            WaitStyle::Spin => "spin",
            WaitStyle::Callback => "callback",
            WaitStyle::Auto => "auto",
        }
    }
}

impl fmt::Display for WaitStyle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A workload's name in experiment files and results.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkloadKind {
    Linear,
    Mlp,
    Transformer,
}

impl WorkloadKind {
    pub fn name(self) -> &'static str {
        match self {
            WorkloadKind::Linear => "linear",
            WorkloadKind::Mlp => "mlp",
            WorkloadKind::Transformer => "transformer",
        }
    }

    /// `linear 256→128`, `transformer d256 h4 seq32 ff2048`.
    pub fn label(self, dims: &[u32]) -> String {
        match (self, dims) {
            (WorkloadKind::Transformer, &[d, h, s, f]) => {
                format!("transformer d{d} h{h} seq{s} ff{f}")
            }
            _ => {
                let dims: Vec<String> = dims.iter().map(u32::to_string).collect();
                format!("{} {}", self.name(), dims.join("→"))
            }
        }
    }
}

impl fmt::Display for WorkloadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The scalar type the kernels store values in (they accumulate in f32).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    #[default]
    F32,
    /// Needs the adapter's `SHADER_F16`; points are `unsupported` without it.
    F16,
}

impl Precision {
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::F16 => "f16",
        }
    }

    pub fn bytes(self) -> usize {
        match self {
            Precision::F32 => 4,
            Precision::F16 => 2,
        }
    }

    /// Largest relative error (‖got − want‖ / ‖want‖) an op may have.
    pub fn tolerance(self) -> f64 {
        match self {
            Precision::F32 => 1e-4,
            Precision::F16 => 1e-2,
        }
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
