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
}

impl SyncMode {
    pub const NAMES: &'static str = "readback";
}

impl fmt::Display for SyncMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncMode::Readback => f.write_str("readback"),
        }
    }
}

impl FromStr for SyncMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "readback" => Ok(SyncMode::Readback),
            other => Err(format!(
                "unknown sync mode {other:?}; this build measures: {}",
                Self::NAMES
            )),
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
