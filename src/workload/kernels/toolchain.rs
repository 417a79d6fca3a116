//! The shader toolchain: a variant's source (its files after a header
//! that declares the storage type and its constants), the unrolling of
//! `//#for NAME in 0..BOUND` … `//#end` blocks (registers become named
//! variables, which naga's runtime checks would otherwise clamp and a
//! driver keep in local memory), naga's validation and translation to
//! every backend's language, so a shader that Metal, DX12 or GL would
//! reject fails here, on a machine that has none of them; and the files
//! `curves shaders` writes.

use super::Kernel;
use crate::schema::Precision;

fn file(name: &str) -> &'static str {
    match name {
        "matmul.wgsl" => include_str!("../../../shaders/matmul.wgsl"),
        "matmul_io_vec4.wgsl" => include_str!("../../../shaders/matmul_io_vec4.wgsl"),
        "matmul_io_scalar.wgsl" => include_str!("../../../shaders/matmul_io_scalar.wgsl"),
        "matmul_coop.wgsl" => include_str!("../../../shaders/matmul_coop.wgsl"),
        "matmul_coop_tiled.wgsl" => include_str!("../../../shaders/matmul_coop_tiled.wgsl"),
        "matmul_coop_shared.wgsl" => include_str!("../../../shaders/matmul_coop_shared.wgsl"),
        "matmul_coop_out_act.wgsl" => include_str!("../../../shaders/matmul_coop_out_act.wgsl"),
        "matmul_coop_out_partial.wgsl" => {
            include_str!("../../../shaders/matmul_coop_out_partial.wgsl")
        }
        "matmul_split_reduce.wgsl" => include_str!("../../../shaders/matmul_split_reduce.wgsl"),
        "gemv_subgroup.wgsl" => include_str!("../../../shaders/gemv_subgroup.wgsl"),
        "gemv_workgroup.wgsl" => include_str!("../../../shaders/gemv_workgroup.wgsl"),
        "gemv_io_vec4.wgsl" => include_str!("../../../shaders/gemv_io_vec4.wgsl"),
        "gemv_io_scalar.wgsl" => include_str!("../../../shaders/gemv_io_scalar.wgsl"),
        "attention.wgsl" => include_str!("../../../shaders/attention.wgsl"),
        "attention_vec4.wgsl" => include_str!("../../../shaders/attention_vec4.wgsl"),
        "attention_lanes_one.wgsl" => include_str!("../../../shaders/attention_lanes_one.wgsl"),
        "attention_lanes_subgroup.wgsl" => {
            include_str!("../../../shaders/attention_lanes_subgroup.wgsl")
        }
        "layer_norm.wgsl" => include_str!("../../../shaders/layer_norm.wgsl"),
        "layer_norm_subgroup.wgsl" => include_str!("../../../shaders/layer_norm_subgroup.wgsl"),
        "layer_norm_workgroup.wgsl" => include_str!("../../../shaders/layer_norm_workgroup.wgsl"),
        "layer_norm_rows.wgsl" => include_str!("../../../shaders/layer_norm_rows.wgsl"),
        "copy.wgsl" => include_str!("../../../shaders/copy.wgsl"),
        "tick.wgsl" => include_str!("../../../shaders/tick.wgsl"),
        other => unreachable!("no shader file {other}"),
    }
}

impl Kernel {
    /// The variant's full source for `precision`.
    pub fn source(self, precision: Precision) -> String {
        let mut header = String::new();
        if self.is_coop() {
            header.push_str("enable f16; enable wgpu_cooperative_matrix; alias scalar = f16;");
        } else if self.has_precision() {
            header.push_str(match precision {
                Precision::F32 => "alias scalar = f32;",
                Precision::F16 => "enable f16; alias scalar = f16;",
            });
        }
        for (name, value) in self.constants() {
            header.push_str(&format!(" const {name}: u32 = {value}u;"));
        }
        let mut source = header;
        for f in self.files() {
            source.push_str(&format!("\n// ---- {f}\n"));
            source.push_str(file(f));
        }
        unroll(&source, &self.constants())
            .unwrap_or_else(|e| panic!("shaders/{}: {e}", self.name()))
    }

    /// Builds the variant's pipeline on `device`; pipelines are built while
    /// preparing a point, never inside a timed region.
    pub fn pipeline(
        self,
        device: &wgpu::Device,
        precision: Precision,
        checked: bool,
    ) -> wgpu::ComputePipeline {
        let label = format!("{} ({precision})", self.name());
        let desc = wgpu::ShaderModuleDescriptor {
            label: Some(&label),
            source: wgpu::ShaderSource::Wgsl(self.source(precision).into()),
        };
        let module = if checked {
            device.create_shader_module(desc)
        } else {
            unchecked_module(device, desc)
        };
        device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(&label),
            layout: None,
            module: &module,
            entry_point: Some("main"),
            compilation_options: wgpu::PipelineCompilationOptions {
                // Every kernel writes its workgroup memory before reading it.
                zero_initialize_workgroup_memory: false,
                ..Default::default()
            },
            cache: None,
        })
    }
}

/// Expands every `//#for NAME in 0..BOUND` … `//#end` block of `source`:
/// the body once per value of NAME from 0 below BOUND (a literal or one
/// of `constants`), with `{NAME}` replaced by the value. Blocks nest; an
/// inner bound may name a constant. The error names the line.
pub fn unroll(source: &str, constants: &[(&str, u32)]) -> Result<String, String> {
    let lines: Vec<&str> = source.lines().collect();
    let mut out = String::with_capacity(source.len() * 2);
    expand(&lines, 0, &mut Vec::new(), constants, &mut out)?;
    Ok(out)
}

/// Expands `lines` (starting at source line `first`, 0-based) with the
/// loop variables `bound` so far.
pub(super) fn expand(
    lines: &[&str],
    first: usize,
    bound: &mut Vec<(String, u32)>,
    constants: &[(&str, u32)],
    out: &mut String,
) -> Result<(), String> {
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start();
        if let Some(head) = trimmed.strip_prefix("//#for ") {
            let at = first + i + 1;
            let (name, range) = head
                .split_once(" in 0..")
                .ok_or_else(|| format!("line {at}: expected `//#for NAME in 0..BOUND`"))?;
            let name = name.trim().to_string();
            let range = range.trim();
            let count = range
                .parse::<u32>()
                .ok()
                .or_else(|| constants.iter().find(|(c, _)| *c == range).map(|c| c.1))
                .ok_or_else(|| format!("line {at}: unknown bound {range:?}"))?;
            // The matching `//#end`.
            let mut depth = 1;
            let mut end = i + 1;
            while end < lines.len() {
                let t = lines[end].trim_start();
                if t.starts_with("//#for ") {
                    depth += 1;
                } else if t.starts_with("//#end") {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                end += 1;
            }
            if depth != 0 {
                return Err(format!("line {at}: `//#for` without `//#end`"));
            }
            for value in 0..count {
                bound.push((name.clone(), value));
                expand(&lines[i + 1..end], first + i + 1, bound, constants, out)?;
                bound.pop();
            }
            i = end + 1;
            continue;
        }
        if trimmed.starts_with("//#end") {
            return Err(format!("line {}: `//#end` without `//#for`", first + i + 1));
        }
        let mut text = line.to_string();
        for (name, value) in bound.iter() {
            text = text.replace(&format!("{{{name}}}"), &value.to_string());
        }
        out.push_str(&text);
        out.push('\n');
        i += 1;
    }
    Ok(())
}

#[expect(
    unsafe_code,
    reason = "dispatches the host proves in bounds, and measuring what naga's runtime checks cost, need modules built without them"
)]
pub(super) fn unchecked_module(
    device: &wgpu::Device,
    desc: wgpu::ShaderModuleDescriptor,
) -> wgpu::ShaderModule {
    // SAFETY: two callers only. `program::Builder::dispatch_as` for a
    // dispatch whose every index the host has proven in bounds
    // (`matmul::proven_in_bounds`: shape, grid and buffer sizes checked
    // before the dispatch is built), and `curves peak`, which builds
    // unchecked modules on its own workloads' buffers to measure the
    // checks: those buffers are sized by the same code as the checked
    // runs, which are validated against the reference.
    unsafe { device.create_shader_module_trusted(desc, wgpu::ShaderRuntimeChecks::unchecked()) }
}

/// A kernel variant in the shading languages wgpu targets; a language the
/// variant cannot be written in (subgroups in GLSL ES, cooperative
/// matrices outside SPIR-V and MSL, f16 in GLSL) is `None`.
pub struct Translations {
    pub wgsl: String,
    pub spirv: Vec<u32>,
    pub msl: Option<String>,
    pub hlsl: Option<String>,
    pub glsl: Option<String>,
}

/// Parses, validates and translates one kernel variant. The error names
/// the files, the line and naga's reason.
pub fn translate(kernel: Kernel, precision: Precision) -> Result<Translations, String> {
    use naga::back;
    use naga::valid::{Capabilities, ValidationFlags, Validator};

    let name = format!("shaders/{} ({precision})", kernel.name());
    let wgsl = kernel.source(precision);
    let module = naga::front::wgsl::parse_str(&wgsl)
        .map_err(|e| e.emit_to_string_with_path(&wgsl, &name))?;
    let info = Validator::new(ValidationFlags::all(), Capabilities::all())
        .validate(&module)
        .map_err(|e| e.emit_to_string_with_path(&wgsl, &name))?;

    let spirv = back::spv::write_vec(&module, &info, &back::spv::Options::default(), None)
        .map_err(|e| format!("{name}: SPIR-V (Vulkan): {e}"))?;
    let coop = kernel.is_coop();
    let msl = back::msl::write_string(
        &module,
        &info,
        &back::msl::Options {
            lang_version: (2, 3),
            ..Default::default()
        },
        &back::msl::PipelineOptions::default(),
    )
    .map(|(s, _)| s)
    .map_err(|e| format!("{name}: MSL (Metal): {e}"))?;
    let hlsl = if coop {
        None
    } else {
        let mut hlsl = String::new();
        let options = back::hlsl::Options {
            // 16-bit types and wave intrinsics need shader model 6.2, as wgpu's DX12 backend asks for.
            shader_model: back::hlsl::ShaderModel::V6_2,
            ..Default::default()
        };
        back::hlsl::Writer::new(&mut hlsl, &options, &back::hlsl::PipelineOptions::default())
            .write(&module, &info, None)
            .map_err(|e| format!("{name}: HLSL (DX12): {e}"))?;
        Some(hlsl)
    };
    let glsl = if precision == Precision::F16 || coop || kernel.needs_subgroups() {
        None
    } else {
        let mut glsl = String::new();
        let options = back::glsl::Options {
            version: back::glsl::Version::Embedded {
                version: 310,
                is_webgl: false,
            },
            ..Default::default()
        };
        let pipeline = back::glsl::PipelineOptions {
            shader_stage: naga::ShaderStage::Compute,
            entry_point: "main".into(),
            multiview: None,
        };
        back::glsl::Writer::new(
            &mut glsl,
            &module,
            &info,
            &options,
            &pipeline,
            naga::proc::BoundsCheckPolicies::default(),
        )
        .and_then(|mut w| w.write())
        .map_err(|e| format!("{name}: GLSL (GL): {e}"))?;
        Some(glsl)
    };
    Ok(Translations {
        wgsl,
        spirv,
        msl: Some(msl),
        hlsl,
        glsl,
    })
}

/// The precisions a variant is built in.
pub(super) fn precisions(kernel: Kernel) -> Vec<Precision> {
    match kernel {
        k if k.is_coop() => vec![Precision::F16],
        k if k.has_precision() => vec![Precision::F32, Precision::F16],
        _ => vec![Precision::F32],
    }
}

/// `curves shaders`: every representative variant in every precision,
/// validated and translated; with `out`, the translations are written
/// there. Returns the files written and a line per variant, or every failure.
pub fn check_all(
    out: Option<&std::path::Path>,
) -> Result<(Vec<std::path::PathBuf>, Vec<String>), String> {
    let mut written = Vec::new();
    let mut lines = Vec::new();
    let mut failures = Vec::new();
    for kernel in Kernel::representatives() {
        for precision in precisions(kernel) {
            let t = match translate(kernel, precision) {
                Ok(t) => t,
                Err(e) => {
                    failures.push(e);
                    continue;
                }
            };
            let mut langs = vec!["SPIR-V"];
            langs.extend(t.msl.as_ref().map(|_| "MSL"));
            langs.extend(t.hlsl.as_ref().map(|_| "HLSL"));
            langs.extend(t.glsl.as_ref().map(|_| "GLSL"));
            lines.push(format!(
                "{} ({precision}): {}",
                kernel.describe(),
                langs.join(", ")
            ));
            let Some(dir) = out else { continue };
            let stem = format!("{}.{precision}", kernel.stem());
            let mut files: Vec<(String, Vec<u8>)> = vec![
                (format!("{stem}.wgsl"), t.wgsl.into_bytes()),
                (
                    format!("{stem}.spv"),
                    bytemuck::cast_slice(&t.spirv).to_vec(),
                ),
            ];
            files.extend(t.msl.map(|s| (format!("{stem}.metal"), s.into_bytes())));
            files.extend(t.hlsl.map(|s| (format!("{stem}.hlsl"), s.into_bytes())));
            files.extend(
                t.glsl
                    .map(|s| (format!("{stem}.comp.glsl"), s.into_bytes())),
            );
            std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
            for (name, bytes) in files {
                let path = dir.join(name);
                crate::store::write_atomic(&path, &bytes)
                    .map_err(|e| format!("writing {}: {e:#}", path.display()))?;
                written.push(path);
            }
        }
    }
    if failures.is_empty() {
        Ok((written, lines))
    } else {
        Err(failures.join("\n"))
    }
}
