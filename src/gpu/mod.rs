//! Adapter and device selection: the one place that talks to wgpu's
//! instance. Kernels and strategies receive a [`GpuContext`]; only the
//! strategies whose point is "one device each" open more than one.

pub mod readback;

use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::{Deserialize, Serialize};

/// The backends a user can ask for by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendChoice {
    Vulkan,
    Metal,
    Dx12,
    Gl,
}

impl BackendChoice {
    pub fn backends(self) -> wgpu::Backends {
        match self {
            Self::Vulkan => wgpu::Backends::VULKAN,
            Self::Metal => wgpu::Backends::METAL,
            Self::Dx12 => wgpu::Backends::DX12,
            Self::Gl => wgpu::Backends::GL,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    #[error("no GPU adapter found (backends tried: {tried}).\n{hint}")]
    NoAdapter { tried: String, hint: String },
    #[error("no adapter matches {wanted:?} (backends tried: {tried}); adapters found:\n{found}")]
    NoMatch {
        wanted: String,
        tried: String,
        found: String,
    },
    #[error("could not open a device on {adapter}: {source}")]
    RequestDevice {
        adapter: String,
        source: wgpu::RequestDeviceError,
    },
    #[error("waiting for the GPU failed: {0}")]
    Poll(#[from] wgpu::PollError),
    #[error("mapping a readback buffer failed: {0}")]
    Map(String),
    #[error("the GPU did not answer within {0:?}")]
    Timeout(std::time::Duration),
    #[error("WGPU_BACKEND={0:?} names no backend; use vulkan, metal, dx12 or gl (comma-separated)")]
    BadBackendEnv(String),
    #[error("wgpu reported an error: {0}")]
    Validation(String),
}

/// Which adapter to use: backends and an optional name substring.
/// Flags win over wgpu's own environment variables (`WGPU_BACKEND`,
/// `WGPU_ADAPTER_NAME`), which win over "everything".
#[derive(Clone, Debug)]
pub struct AdapterSelection {
    pub backends: wgpu::Backends,
    pub name: Option<String>,
}

impl AdapterSelection {
    pub fn new(backend: Option<BackendChoice>, name: Option<String>) -> Result<Self, GpuError> {
        let backends = match (backend, std::env::var("WGPU_BACKEND")) {
            (Some(choice), _) => choice.backends(),
            (None, Ok(env)) => {
                let backends = wgpu::Backends::from_comma_list(&env);
                if backends.is_empty() {
                    return Err(GpuError::BadBackendEnv(env));
                }
                backends
            }
            (None, Err(_)) => wgpu::Backends::all(),
        };
        let name = name
            .or_else(|| std::env::var("WGPU_ADAPTER_NAME").ok())
            .filter(|n| !n.trim().is_empty());
        Ok(Self { backends, name })
    }

    /// Exactly this adapter: how the parent tells a worker process which one
    /// it measured, so both measure the same GPU.
    pub fn exact(info: &AdapterSummary) -> Self {
        Self {
            backends: backend_from_name(&info.backend),
            name: Some(info.name.clone()),
        }
    }
}

fn backend_from_name(name: &str) -> wgpu::Backends {
    wgpu::Backends::from_comma_list(name)
}

/// What a run records about its adapter, so results from different
/// machines can be merged and compared.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct AdapterSummary {
    pub name: String,
    pub backend: String,
    pub device_type: String,
    pub driver: String,
    pub driver_info: String,
    pub vendor_id: u32,
    pub device_id: u32,
    pub shader_f16: bool,
    pub timestamp_query: bool,
}

impl AdapterSummary {
    /// "name (backend)", as reports and charts name an adapter.
    pub fn label(&self) -> String {
        format!("{} ({})", self.name, self.backend)
    }

    pub fn of(adapter: &wgpu::Adapter) -> Self {
        let info = adapter.get_info();
        let features = adapter.features();
        Self {
            name: info.name,
            backend: backend_name(info.backend).to_string(),
            device_type: device_type_name(info.device_type).to_string(),
            driver: info.driver,
            driver_info: info.driver_info,
            vendor_id: info.vendor,
            device_id: info.device,
            shader_f16: features.contains(wgpu::Features::SHADER_F16),
            timestamp_query: features.contains(wgpu::Features::TIMESTAMP_QUERY),
        }
    }
}

pub fn backend_name(backend: wgpu::Backend) -> &'static str {
    match backend {
        wgpu::Backend::Vulkan => "vulkan",
        wgpu::Backend::Metal => "metal",
        wgpu::Backend::Dx12 => "dx12",
        wgpu::Backend::Gl => "gl",
        wgpu::Backend::BrowserWebGpu => "webgpu",
        wgpu::Backend::Noop => "noop",
    }
}

fn device_type_name(device_type: wgpu::DeviceType) -> &'static str {
    match device_type {
        wgpu::DeviceType::DiscreteGpu => "discrete-gpu",
        wgpu::DeviceType::IntegratedGpu => "integrated-gpu",
        wgpu::DeviceType::VirtualGpu => "virtual-gpu",
        wgpu::DeviceType::Cpu => "cpu",
        wgpu::DeviceType::Other => "other",
    }
}

fn backends_list(backends: wgpu::Backends) -> String {
    let names: Vec<&str> = [
        (wgpu::Backends::VULKAN, "vulkan"),
        (wgpu::Backends::METAL, "metal"),
        (wgpu::Backends::DX12, "dx12"),
        (wgpu::Backends::GL, "gl"),
    ]
    .into_iter()
    .filter(|(b, _)| backends.contains(*b))
    .map(|(_, n)| n)
    .collect();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

fn no_adapter_hint() -> String {
    if cfg!(target_os = "linux") {
        "On Linux, install a Vulkan driver; with no GPU, Mesa's lavapipe runs the kernels on the CPU:\n  \
         sudo apt-get install mesa-vulkan-drivers\n\
         (`make curves` does this itself when it runs as root and apt-get is usable.)"
            .into()
    } else if cfg!(target_os = "macos") {
        "On macOS, wgpu uses Metal, which every supported Mac has; check that --backend / WGPU_BACKEND do not exclude it."
            .into()
    } else {
        "Install your GPU vendor's driver, or check that --backend / WGPU_BACKEND do not exclude it.".into()
    }
}

fn instance(backends: wgpu::Backends) -> wgpu::Instance {
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
    desc.backends = backends;
    wgpu::Instance::new(desc)
}

/// Every adapter wgpu finds on the given backends, best first.
pub fn enumerate(backends: wgpu::Backends) -> Vec<wgpu::Adapter> {
    let mut adapters = pollster::block_on(instance(backends).enumerate_adapters(backends));
    adapters.sort_by_key(|a| preference(&a.get_info()));
    adapters
}

/// Lower is better: real GPUs before software ones, native APIs before GL.
fn preference(info: &wgpu::AdapterInfo) -> (u8, u8) {
    let device = match info.device_type {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Other => 3,
        wgpu::DeviceType::Cpu => 4,
    };
    let backend = u8::from(info.backend == wgpu::Backend::Gl);
    (device, backend)
}

/// The adapter a selection names: the best one whose name contains the
/// requested substring (case-insensitive), or the best one overall.
pub fn select(selection: &AdapterSelection) -> Result<wgpu::Adapter, GpuError> {
    // GL is only probed when no native backend has a matching adapter: it
    // would lose the ranking anyway, and probing EGL can be slow and noisy.
    let native = selection.backends - wgpu::Backends::GL;
    if !native.is_empty() && native != selection.backends {
        let narrowed = AdapterSelection {
            backends: native,
            name: selection.name.clone(),
        };
        if let Ok(adapter) = select(&narrowed) {
            return Ok(adapter);
        }
    }
    let adapters = enumerate(selection.backends);
    let tried = backends_list(selection.backends);
    if adapters.is_empty() {
        return Err(GpuError::NoAdapter {
            tried,
            hint: no_adapter_hint(),
        });
    }
    let Some(wanted) = &selection.name else {
        return Ok(adapters.into_iter().next().expect("checked non-empty"));
    };
    let needle = wanted.to_lowercase();
    let found = adapters
        .iter()
        .map(|a| {
            let s = AdapterSummary::of(a);
            format!("  {} ({})", s.name, s.backend)
        })
        .collect::<Vec<_>>()
        .join("\n");
    adapters
        .into_iter()
        .find(|a| a.get_info().name.to_lowercase().contains(&needle))
        .ok_or(GpuError::NoMatch {
            wanted: wanted.clone(),
            tried,
            found,
        })
}

/// One device and its queue, with what the run records about the adapter.
/// Built once by [`GpuContext::open`] and shared by reference.
pub struct GpuContext {
    pub info: AdapterSummary,
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    /// Seconds spent finding the adapter and opening the device.
    pub open_s: f64,
    errors: Arc<Mutex<Vec<String>>>,
}

impl GpuContext {
    /// Opens a new device on the selected adapter. Every call makes a new
    /// device, which is what the per-device and per-process strategies want.
    pub fn open(selection: &AdapterSelection) -> Result<Self, GpuError> {
        let started = Instant::now();
        let adapter = select(selection)?;
        let info = AdapterSummary::of(&adapter);
        let wanted = wgpu::Features::SHADER_F16 | wgpu::Features::TIMESTAMP_QUERY;
        let desc = wgpu::DeviceDescriptor {
            label: Some("curves"),
            required_features: adapter.features() & wanted,
            // Ask for everything the adapter has: the size sweep's largest
            // layer needs more than the WebGPU defaults on some adapters.
            required_limits: adapter.limits(),
            ..Default::default()
        };
        let (device, queue) =
            pollster::block_on(adapter.request_device(&desc)).map_err(|source| {
                GpuError::RequestDevice {
                    adapter: format!("{} ({})", info.name, info.backend),
                    source,
                }
            })?;
        // wgpu panics on an uncaptured validation error by default; a
        // benchmark records it against the point instead.
        let errors: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = Arc::clone(&errors);
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            sink.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(e.to_string());
        }));
        let lost = Arc::clone(&errors);
        device.set_device_lost_callback(move |reason, message| {
            lost.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(format!("device lost ({reason:?}): {message}"));
        });
        Ok(Self {
            info,
            device,
            queue,
            open_s: started.elapsed().as_secs_f64(),
            errors,
        })
    }

    /// The first error wgpu reported since the last call, if any.
    pub fn take_error(&self) -> Option<GpuError> {
        let mut errors = self.errors.lock().unwrap_or_else(|p| p.into_inner());
        if errors.is_empty() {
            None
        } else {
            let first = errors.remove(0);
            errors.clear();
            Some(GpuError::Validation(first))
        }
    }
}
