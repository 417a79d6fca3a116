//! What a run records about where and how it was measured, so results
//! from different machines can be merged and compared.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::TimingMethod;

/// What a run records about an adapter, so results from different
/// machines can be merged and compared.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct AdapterSummary {
    /// Its position in `curves adapters`; stable on one machine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u32>,
    pub name: String,
    pub backend: String,
    pub device_type: String,
    pub driver: String,
    pub driver_info: String,
    pub vendor_id: u32,
    pub device_id: u32,
    /// The PCI bus the device sits on, where the backend says: what tells
    /// two identical GPUs of one host apart.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pci_bus_id: String,
    pub shader_f16: bool,
    pub timestamp_query: bool,
    #[serde(default)]
    pub subgroups: bool,
    #[serde(default)]
    pub cooperative_matrix: bool,
}

impl AdapterSummary {
    /// "name (backend)", as reports and charts name an adapter.
    pub fn label(&self) -> String {
        format!("{} ({})", self.name, self.backend)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RunInfo {
    /// A file name, never a path (checked on load).
    pub run_id: String,
    pub experiment_name: String,
    pub experiment_path: String,
    /// The experiment file's text, so the run can be repeated exactly.
    pub experiment_text: String,
    /// Settings given on the command line over the file's (`trials = 3`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<String>,
    /// The adapter the run measured on (the first, for multi-GPU runs).
    pub adapter: AdapterSummary,
    /// Every adapter the run's points used (multi-GPU points use several).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adapters: Vec<AdapterSummary>,
    pub os: String,
    pub arch: String,
    pub cpu_count: usize,
    pub crate_version: String,
    /// `git describe` of the build, `-dirty` when it had uncommitted changes.
    pub git_revision: String,
    pub timing_method: TimingMethod,
    pub started_at: DateTime<Utc>,
    /// `None` while the run is going on, or if it was interrupted.
    pub finished_at: Option<DateTime<Utc>>,
    /// Why the run stopped early (a signal), if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<String>,
    /// The host's CPU frequency governor when the run began (Linux).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_governor: Option<String>,
    /// Where each point's GPU clock readings come from (`NVML`); none
    /// where the adapter's clock cannot be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu_clock_source: Option<String>,
    /// Things that happened to the run as a whole (a fresh device opened
    /// after a worker was left behind, a resume), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}
