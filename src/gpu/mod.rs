//! Adapters and devices: the one place that talks to wgpu's instance.
//! Kernels and strategies receive a [`GpuContext`]; only the strategies
//! whose point is "one device each" (devices, processes, gpus) open more
//! than one.
//!
//! Every adapter has a stable index: its position among all adapters of
//! all backends, native APIs first, then by kind (discrete before
//! integrated before software). Two identical GPUs of one host share a
//! name, so indices (and PCI bus ids) are how a run tells them apart.

pub mod completion;
pub mod poller;
pub mod readback;
pub mod timestamps;
pub mod upload;

use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::schema::AdapterSummary;

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

    /// Whether wgpu can offer this backend on the OS it was built for.
    pub fn exists_on_this_os(self) -> bool {
        match self {
            Self::Vulkan | Self::Gl => !cfg!(target_vendor = "apple"),
            Self::Metal => cfg!(target_vendor = "apple"),
            Self::Dx12 => cfg!(windows),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    #[error("no GPU adapter found (backends tried: {tried}).\n{hint}")]
    NoAdapter { tried: String, hint: String },
    #[error(
        "{backend} does not exist on {os}: wgpu offers it only on {where_}. Backends here: {here}"
    )]
    BackendNotOnThisOs {
        backend: String,
        os: &'static str,
        where_: &'static str,
        here: &'static str,
    },
    #[error("no adapter matches {wanted:?} (backends tried: {tried}); adapters found:\n{found}")]
    NoMatch {
        wanted: String,
        tried: String,
        found: String,
    },
    #[error("{0}")]
    BadAdapterSet(String),
    /// The reason is in the message, not a `source`: printed once.
    #[error("could not open a device on {adapter}: {reason}")]
    RequestDevice {
        adapter: String,
        reason: wgpu::RequestDeviceError,
    },
    #[error("waiting for the GPU failed: {0}")]
    Poll(#[from] wgpu::PollError),
    #[error("mapping a readback buffer failed: {0}")]
    Map(String),
    #[error("the GPU did not answer within {0:?}")]
    Timeout(std::time::Duration),
    #[error("stopped: {0}")]
    Stopped(&'static str),
    #[error("WGPU_BACKEND={0:?} names no backend; use vulkan, metal, dx12 or gl (comma-separated)")]
    BadBackendEnv(String),
    #[error("wgpu reported an error: {0}")]
    Validation(String),
}

/// Which adapter to use: backends, and the best one, one by name
/// substring, or one by index. Flags win over wgpu's own environment
/// variables (`WGPU_BACKEND`, `WGPU_ADAPTER_NAME`), which win over "the best".
#[derive(Clone, Debug)]
pub struct AdapterSelection {
    pub backends: wgpu::Backends,
    pub name: Option<String>,
    /// An index from `curves adapters`; wins over `name`.
    pub index: Option<u32>,
}

impl AdapterSelection {
    pub fn new(backend: Option<BackendChoice>, name: Option<String>) -> Result<Self, GpuError> {
        let backends = match (backend, std::env::var("WGPU_BACKEND")) {
            (Some(choice), _) => {
                if !choice.exists_on_this_os() {
                    return Err(backend_not_here(choice));
                }
                choice.backends()
            }
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
        // A bare number names an adapter by its index.
        let (index, name) = match name.as_deref().map(str::trim).map(str::parse::<u32>) {
            Some(Ok(i)) => (Some(i), None),
            _ => (None, name),
        };
        Ok(Self {
            backends,
            name,
            index,
        })
    }

    /// Exactly this adapter: how a parent tells a worker process which one
    /// to open, so both measure the same GPU.
    pub fn exact(info: &AdapterSummary) -> Self {
        Self {
            backends: wgpu::Backends::from_comma_list(&info.backend),
            name: Some(info.name.clone()),
            index: info.index,
        }
    }
}

fn backend_not_here(choice: BackendChoice) -> GpuError {
    let (backend, where_) = match choice {
        BackendChoice::Metal => ("Metal", "macOS and iOS"),
        BackendChoice::Dx12 => ("DX12", "Windows"),
        BackendChoice::Vulkan => ("Vulkan", "Linux, Windows and Android"),
        BackendChoice::Gl => ("GL", "Linux, Windows and Android"),
    };
    let here = if cfg!(target_vendor = "apple") {
        "metal"
    } else if cfg!(windows) {
        "vulkan, dx12, gl"
    } else {
        "vulkan, gl"
    };
    GpuError::BackendNotOnThisOs {
        backend: backend.into(),
        os: std::env::consts::OS,
        where_,
        here,
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

/// What the run records about `adapter`, found at `index`.
pub fn summary(adapter: &wgpu::Adapter, index: Option<u32>) -> AdapterSummary {
    let info = adapter.get_info();
    let features = adapter.features();
    AdapterSummary {
        index,
        name: info.name,
        backend: backend_name(info.backend).to_string(),
        device_type: device_type_name(info.device_type).to_string(),
        driver: info.driver,
        driver_info: info.driver_info,
        vendor_id: info.vendor,
        device_id: info.device,
        pci_bus_id: info.device_pci_bus_id,
        shader_f16: features.contains(wgpu::Features::SHADER_F16),
        timestamp_query: features.contains(wgpu::Features::TIMESTAMP_QUERY),
        subgroups: features.contains(wgpu::Features::SUBGROUP),
        cooperative_matrix: !f16_cooperative_sizes(adapter).is_empty(),
    }
}

/// The f16-input, f32-accumulator 16×16×16 cooperative matrix shape, if
/// the adapter offers it (the one the tensor-core matmul uses).
fn f16_cooperative_sizes(adapter: &wgpu::Adapter) -> Vec<wgpu::CooperativeMatrixProperties> {
    if !adapter
        .features()
        .contains(wgpu::Features::EXPERIMENTAL_COOPERATIVE_MATRIX)
    {
        return Vec::new();
    }
    adapter
        .cooperative_matrix_properties()
        .into_iter()
        .filter(|p| {
            (p.m_size, p.n_size, p.k_size) == (16, 16, 16)
                && p.ab_type == wgpu::CooperativeScalarType::F16
                && p.cr_type == wgpu::CooperativeScalarType::F32
        })
        .collect()
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

/// Lower is better: native APIs before GL, then real GPUs before software ones.
fn preference(info: &wgpu::AdapterInfo) -> (u8, u8) {
    let device = match info.device_type {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Other => 3,
        wgpu::DeviceType::Cpu => 4,
    };
    (u8::from(info.backend == wgpu::Backend::Gl), device)
}

fn sorted(backends: wgpu::Backends) -> Vec<wgpu::Adapter> {
    let mut adapters = pollster::block_on(instance(backends).enumerate_adapters(backends));
    adapters.sort_by_key(|a| preference(&a.get_info()));
    adapters
}

/// Every adapter of every backend with its stable index, best first.
/// GL is enumerated only when `backends` asks for it (probing EGL is slow
/// and noisy); it sorts after every native adapter, so native indices do
/// not depend on it.
pub fn enumerate(backends: wgpu::Backends) -> Vec<(u32, wgpu::Adapter)> {
    let native = sorted(wgpu::Backends::all() - wgpu::Backends::GL);
    let first_gl = native.len() as u32;
    let gl = if backends.contains(wgpu::Backends::GL) {
        sorted(wgpu::Backends::GL)
    } else {
        Vec::new()
    };
    native
        .into_iter()
        .enumerate()
        .map(|(i, a)| (i as u32, a))
        .chain(
            gl.into_iter()
                .enumerate()
                .map(|(i, a)| (first_gl + i as u32, a)),
        )
        .filter(|(_, a)| backends.contains(a.get_info().backend.into()))
        .collect()
}

/// The adapter a selection names, with its index: by index, else the
/// best one whose name contains the substring (case-insensitive), else
/// the best one.
pub fn select(selection: &AdapterSelection) -> Result<(u32, wgpu::Adapter), GpuError> {
    // GL is only probed when no native adapter matches: it would lose the
    // ranking anyway.
    let native = selection.backends - wgpu::Backends::GL;
    let with_gl = selection.index.is_some() || native.is_empty();
    let mut adapters = enumerate(if with_gl { selection.backends } else { native });
    let matches = |adapters: &[(u32, wgpu::Adapter)]| -> Option<usize> {
        match (&selection.index, &selection.name) {
            (Some(i), _) => adapters.iter().position(|(j, _)| j == i),
            (None, Some(name)) => {
                let needle = name.to_lowercase();
                adapters
                    .iter()
                    .position(|(_, a)| a.get_info().name.to_lowercase().contains(&needle))
            }
            (None, None) => (!adapters.is_empty()).then_some(0),
        }
    };
    let mut found = matches(&adapters);
    if found.is_none() && !with_gl && selection.backends.contains(wgpu::Backends::GL) {
        adapters = enumerate(selection.backends);
        found = matches(&adapters);
    }
    let tried = backends_list(selection.backends);
    if adapters.is_empty() {
        return Err(GpuError::NoAdapter {
            tried,
            hint: no_adapter_hint(),
        });
    }
    match found {
        Some(i) => Ok(adapters.swap_remove(i)),
        None => Err(GpuError::NoMatch {
            wanted: selection.index.map_or_else(
                || selection.name.clone().unwrap_or_default(),
                |i| format!("index {i}"),
            ),
            tried,
            found: adapters
                .iter()
                .map(|(i, a)| {
                    let s = summary(a, Some(*i));
                    format!("  [{i}] {} ({})", s.name, s.backend)
                })
                .collect::<Vec<_>>()
                .join("\n"),
        }),
    }
}

/// The adapters a multi-GPU point may use: `all`, a comma-separated list
/// of indices, or a name substring (every adapter whose name has it).
/// The same GPU twice (an index repeated, or one PCI bus twice) is refused.
pub fn select_set(spec: &str, backends: wgpu::Backends) -> Result<Vec<AdapterSummary>, GpuError> {
    let adapters: Vec<AdapterSummary> = enumerate(backends)
        .iter()
        .map(|(i, a)| summary(a, Some(*i)))
        .collect();
    if adapters.is_empty() {
        return Err(GpuError::NoAdapter {
            tried: backends_list(backends),
            hint: no_adapter_hint(),
        });
    }
    let listing = || {
        adapters
            .iter()
            .map(|a| format!("  [{}] {} ({})", a.index.unwrap_or(0), a.name, a.backend))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let spec = spec.trim();
    let chosen: Vec<AdapterSummary> = if spec.eq_ignore_ascii_case("all") {
        // Every native adapter; GL views of the same GPUs would count them twice.
        let native: Vec<_> = adapters
            .iter()
            .filter(|a| a.backend != "gl")
            .cloned()
            .collect();
        if native.is_empty() {
            adapters.clone()
        } else {
            native
        }
    } else if spec.split(',').all(|s| s.trim().parse::<u32>().is_ok()) {
        let mut chosen = Vec::new();
        for part in spec.split(',') {
            let i: u32 = part.trim().parse().expect("checked");
            let a = adapters
                .iter()
                .find(|a| a.index == Some(i))
                .ok_or_else(|| {
                    GpuError::BadAdapterSet(format!(
                        "--adapters {spec}: there is no adapter {i}; adapters found:\n{}",
                        listing()
                    ))
                })?;
            chosen.push(a.clone());
        }
        chosen
    } else {
        let needle = spec.to_lowercase();
        adapters
            .iter()
            .filter(|a| a.name.to_lowercase().contains(&needle))
            .cloned()
            .collect()
    };
    if chosen.is_empty() {
        return Err(GpuError::BadAdapterSet(format!(
            "--adapters {spec} matches no adapter; adapters found:\n{}",
            listing()
        )));
    }
    for (k, a) in chosen.iter().enumerate() {
        for b in &chosen[k + 1..] {
            let same_index = a.index == b.index;
            let same_bus = !a.pci_bus_id.is_empty() && a.pci_bus_id == b.pci_bus_id;
            if same_index || same_bus {
                return Err(GpuError::BadAdapterSet(format!(
                    "--adapters {spec} lists one GPU twice: [{}] {} ({}) and [{}] {} ({}){}; \
                     a multi-GPU point needs each GPU once",
                    a.index.unwrap_or(0),
                    a.name,
                    a.backend,
                    b.index.unwrap_or(0),
                    b.name,
                    b.backend,
                    if same_bus {
                        format!(", both on PCI bus {}", a.pci_bus_id)
                    } else {
                        String::new()
                    }
                )));
            }
        }
    }
    Ok(chosen)
}

/// One device and its queue, with what the run records about the adapter.
/// Built once by [`GpuContext::open`] and shared by reference.
pub struct GpuContext {
    pub info: AdapterSummary,
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub limits: wgpu::Limits,
    /// The adapter's subgroup sizes (min, max), where it has subgroups.
    pub subgroup_size: Option<(u32, u32)>,
    /// Seconds spent finding the adapter and opening the device.
    pub open_s: f64,
    errors: Arc<Mutex<Vec<String>>>,
    poller: Mutex<std::sync::Weak<poller::Poller>>,
}

/// Features the kernels use where the adapter has them (and mappable
/// storage buffers, for inputs a GPU owner writes in place: `upload`).
fn wanted_features() -> wgpu::Features {
    wgpu::Features::SHADER_F16
        | wgpu::Features::TIMESTAMP_QUERY
        | wgpu::Features::SUBGROUP
        | wgpu::Features::EXPERIMENTAL_COOPERATIVE_MATRIX
        | wgpu::Features::MAPPABLE_PRIMARY_BUFFERS
}

#[expect(
    unsafe_code,
    reason = "cooperative matrices are an experimental wgpu feature: the opt-in token is unsafe"
)]
fn experimental() -> wgpu::ExperimentalFeatures {
    // SAFETY: the only experimental feature requested is cooperative
    // matrices, used by one kernel (matmul_coop.wgsl) whose loads and
    // stores stay inside buffers sized on the host (checked in
    // workload::matmul), and only where the adapter lists the 16×16×16
    // f16→f32 shape.
    unsafe { wgpu::ExperimentalFeatures::enabled() }
}

impl GpuContext {
    /// Opens a new device on the selected adapter. Every call makes a new
    /// device, which is what the per-device and per-process strategies want.
    pub fn open(selection: &AdapterSelection) -> Result<Self, GpuError> {
        let started = Instant::now();
        let (index, adapter) = select(selection)?;
        let info = summary(&adapter, Some(index));
        let mut features = adapter.features() & wanted_features();
        if !info.cooperative_matrix {
            features.remove(wgpu::Features::EXPERIMENTAL_COOPERATIVE_MATRIX);
        }
        let limits = adapter.limits();
        let desc = wgpu::DeviceDescriptor {
            label: Some("curves"),
            required_features: features,
            // Ask for everything the adapter has: the size sweep's largest
            // layer needs more than the WebGPU defaults on some adapters.
            required_limits: limits.clone(),
            experimental_features: if info.cooperative_matrix {
                experimental()
            } else {
                wgpu::ExperimentalFeatures::disabled()
            },
            ..Default::default()
        };
        let (device, queue) =
            pollster::block_on(adapter.request_device(&desc)).map_err(|reason| {
                GpuError::RequestDevice {
                    adapter: info.label(),
                    reason,
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
        let raw = adapter.get_info();
        let subgroup_size = features
            .contains(wgpu::Features::SUBGROUP)
            .then_some((raw.subgroup_min_size, raw.subgroup_max_size));
        Ok(Self {
            info,
            device,
            queue,
            limits,
            subgroup_size,
            open_s: started.elapsed().as_secs_f64(),
            errors,
            poller: Mutex::default(),
        })
    }

    /// The device's poller thread, started on first use and shared by
    /// every holder; it stops when the last handle is dropped.
    pub fn poller(&self) -> Arc<poller::Poller> {
        let mut slot = self.poller.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = slot.upgrade() {
            return p;
        }
        let p = Arc::new(poller::Poller::start(self.device.clone()));
        *slot = Arc::downgrade(&p);
        p
    }

    /// Whether the device has `feature` enabled.
    pub fn has(&self, feature: wgpu::Features) -> bool {
        self.device.features().contains(feature)
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
