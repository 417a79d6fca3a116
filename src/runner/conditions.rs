//! What could change a point's speed besides the point itself, read
//! around every trial where the machine lets it be read: the GPU's clock
//! (through NVML, on NVIDIA GPUs where its library is present), the
//! host's load average and its CPU frequency governor. Reading them is
//! outside every timed region.

use nvml_wrapper::Nvml;
use nvml_wrapper::enum_wrappers::device::Clock;

use crate::schema::AdapterSummary;

/// PCI vendor id of NVIDIA.
const NVIDIA: u32 = 0x10de;

/// The readings a run can take of its adapter and host.
pub struct Gauges {
    nvml: Option<(Nvml, Which)>,
}

/// Which of NVML's devices is the run's adapter.
enum Which {
    Bus(String),
    Index(u32),
}

impl Gauges {
    /// Gauges for `adapter`: its clock where it is an NVIDIA GPU NVML can
    /// find (by PCI bus, or the only one), the host's load everywhere.
    pub fn open(adapter: &AdapterSummary) -> Self {
        let nvml = (adapter.vendor_id == NVIDIA)
            .then(|| Nvml::init().ok())
            .flatten()
            .and_then(|nvml| {
                let which = if !adapter.pci_bus_id.is_empty()
                    && nvml
                        .device_by_pci_bus_id(adapter.pci_bus_id.as_str())
                        .is_ok()
                {
                    Which::Bus(adapter.pci_bus_id.clone())
                } else if nvml.device_count().ok() == Some(1) {
                    Which::Index(0)
                } else {
                    return None;
                };
                Some((nvml, which))
            });
        Self { nvml }
    }

    /// Gauges that read nothing of a GPU (tests, and adapters NVML lacks).
    pub fn host_only() -> Self {
        Self { nvml: None }
    }

    fn read(&self, clock: impl Fn(&nvml_wrapper::Device) -> Option<u32>) -> Option<f64> {
        let (nvml, which) = self.nvml.as_ref()?;
        let device = match which {
            Which::Bus(bus) => nvml.device_by_pci_bus_id(bus.as_str()).ok()?,
            Which::Index(i) => nvml.device_by_index(*i).ok()?,
        };
        clock(&device).map(f64::from)
    }

    /// The GPU's SM clock now, MHz.
    pub fn gpu_clock_mhz(&self) -> Option<f64> {
        self.read(|d| d.clock_info(Clock::SM).ok())
    }

    /// The highest SM clock the GPU can run at, MHz.
    pub fn gpu_clock_max_mhz(&self) -> Option<f64> {
        self.read(|d| d.max_clock_info(Clock::SM).ok())
    }

    /// Where the GPU's clock is read from, for the run's record.
    pub fn gpu_clock_source(&self) -> Option<String> {
        self.nvml.as_ref().map(|_| "NVML".to_string())
    }
}

/// The host's one-minute load average (Linux).
pub fn load_1m() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The first CPU's frequency governor (Linux), such as `performance`.
pub fn cpu_governor() -> Option<String> {
    std::fs::read_to_string("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")
        .ok()
        .map(|g| g.trim().to_string())
        .filter(|g| !g.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_load_is_read_where_linux_gives_it() {
        if std::path::Path::new("/proc/loadavg").exists() {
            let load = load_1m().expect("a load average");
            assert!(load.is_finite() && load >= 0.0);
        }
        assert!(Gauges::host_only().gpu_clock_mhz().is_none());
    }
}
