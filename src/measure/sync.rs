//! When the host waits for the GPU. Efficiency is only ever computed
//! between points of the same sync mode, since sync cost is exactly what
//! the seeds mistook for parallel scaling.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum SyncMode {
    /// Every op copies its output back to the host and waits for it, like
    /// PyTorch's `.cpu()` after each call.
    Readback,
    /// Every op waits for its own submission, like waiting on an event.
    Wait,
    /// Every op waits for everything submitted to the device so far, by any
    /// thread, like `torch.mps.synchronize()`.
    Device,
    /// Like `wait`, but the host busy-polls the device instead of blocking
    /// in the driver: tells a blocking wait's own cost apart from the GPU's.
    Spin,
    /// Up to D ops in flight per worker; the oldest is waited for before
    /// another is submitted.
    Pipeline(u32),
    /// No wait until the end of the trial.
    End,
}

impl SyncMode {
    pub const NAMES: &'static str = "readback, wait, device, spin, pipeline:D (D ≥ 1), end";
}

impl fmt::Display for SyncMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncMode::Readback => f.write_str("readback"),
            SyncMode::Wait => f.write_str("wait"),
            SyncMode::Device => f.write_str("device"),
            SyncMode::Spin => f.write_str("spin"),
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
            "spin" => Ok(SyncMode::Spin),
            "end" => Ok(SyncMode::End),
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

#[cfg(test)]
mod tests {
    use super::SyncMode;

    #[test]
    fn names_round_trip() {
        for mode in [
            SyncMode::Readback,
            SyncMode::Wait,
            SyncMode::Device,
            SyncMode::Spin,
            SyncMode::Pipeline(8),
            SyncMode::End,
        ] {
            assert_eq!(mode.to_string().parse::<SyncMode>(), Ok(mode));
        }
    }

    #[test]
    fn bad_names_list_the_known_ones() {
        for bad in ["pipeline:0", "pipeline:", "pipeline:x", "sync"] {
            let e = bad.parse::<SyncMode>().unwrap_err();
            assert!(e.contains("pipeline:D"), "{e}");
        }
    }
}
