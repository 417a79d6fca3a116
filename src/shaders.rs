//! Every WGSL source, embedded once, next to the enum that names it. One
//! source per kernel serves both precisions: the storage type `scalar` is
//! declared when the shader is built (`alias scalar = f16;` after `enable
//! f16;`, or `f32`). [`translate`] parses and validates each variant with
//! naga and translates it to every backend's language, so a shader that
//! Metal, DX12 or GL would reject fails here, on a machine that has none.

use crate::workload::Precision;

/// The compute kernels the workloads are built from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kernel {
    /// Tiled matrix product with fused bias and optional ReLU.
    Matmul,
    /// Multi-head scaled dot-product attention with softmax.
    Attention,
    /// Residual add and layer normalisation.
    LayerNorm,
}

impl Kernel {
    pub const ALL: [Kernel; 3] = [Kernel::Matmul, Kernel::Attention, Kernel::LayerNorm];

    pub fn file_name(self) -> &'static str {
        match self {
            Kernel::Matmul => "matmul.wgsl",
            Kernel::Attention => "attention.wgsl",
            Kernel::LayerNorm => "layer_norm.wgsl",
        }
    }

    fn body(self) -> &'static str {
        match self {
            Kernel::Matmul => include_str!("../shaders/matmul.wgsl"),
            Kernel::Attention => include_str!("../shaders/attention.wgsl"),
            Kernel::LayerNorm => include_str!("../shaders/layer_norm.wgsl"),
        }
    }

    /// The kernel's full source for `precision`. The header is one line, so
    /// line numbers in errors are the file's plus one.
    pub fn source(self, precision: Precision) -> String {
        let header = match precision {
            Precision::F32 => "alias scalar = f32;",
            Precision::F16 => "enable f16; alias scalar = f16;",
        };
        format!("{header}\n{}", self.body())
    }

    /// Builds the kernel's pipeline on `device`; pipelines are built while
    /// preparing a point, never inside a timed region.
    pub fn pipeline(self, device: &wgpu::Device, precision: Precision) -> wgpu::ComputePipeline {
        let label = format!("{} ({})", self.file_name(), precision.name());
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(&label),
            source: wgpu::ShaderSource::Wgsl(self.source(precision).into()),
        });
        device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(&label),
            layout: None,
            module: &module,
            entry_point: Some("main"),
            compilation_options: Default::default(),
            cache: None,
        })
    }
}

/// A kernel variant in every shading language wgpu targets.
pub struct Translations {
    pub wgsl: String,
    pub spirv: Vec<u32>,
    pub msl: String,
    pub hlsl: String,
    /// `None` for f16: wgpu's GL backend has no f16 shaders.
    pub glsl: Option<String>,
}

/// Parses, validates and translates one kernel variant. The error names
/// the file, the line and naga's reason.
pub fn translate(kernel: Kernel, precision: Precision) -> Result<Translations, String> {
    use naga::back;
    use naga::valid::{Capabilities, ValidationFlags, Validator};

    let name = format!("shaders/{} ({})", kernel.file_name(), precision.name());
    let wgsl = kernel.source(precision);
    let module = naga::front::wgsl::parse_str(&wgsl)
        .map_err(|e| e.emit_to_string_with_path(&wgsl, &name))?;
    let info = Validator::new(ValidationFlags::all(), Capabilities::all())
        .validate(&module)
        .map_err(|e| e.emit_to_string_with_path(&wgsl, &name))?;

    let spirv = back::spv::write_vec(&module, &info, &back::spv::Options::default(), None)
        .map_err(|e| format!("{name}: SPIR-V (Vulkan): {e}"))?;
    let (msl, _) = back::msl::write_string(
        &module,
        &info,
        &back::msl::Options::default(),
        &back::msl::PipelineOptions::default(),
    )
    .map_err(|e| format!("{name}: MSL (Metal): {e}"))?;
    let mut hlsl = String::new();
    let hlsl_options = back::hlsl::Options {
        // 16-bit types need shader model 6.2, as wgpu's DX12 backend asks for.
        shader_model: back::hlsl::ShaderModel::V6_2,
        ..Default::default()
    };
    back::hlsl::Writer::new(
        &mut hlsl,
        &hlsl_options,
        &back::hlsl::PipelineOptions::default(),
    )
    .write(&module, &info, None)
    .map_err(|e| format!("{name}: HLSL (DX12): {e}"))?;
    let glsl = match precision {
        Precision::F16 => None,
        Precision::F32 => {
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
        }
    };
    Ok(Translations {
        wgsl,
        spirv,
        msl,
        hlsl,
        glsl,
    })
}

/// `curves shaders`: every kernel in every precision, validated and
/// translated; with `out`, the translations are written there. Returns the
/// files written, or every failure.
pub fn check_all(out: Option<&std::path::Path>) -> Result<Vec<std::path::PathBuf>, String> {
    let mut written = Vec::new();
    let mut failures = Vec::new();
    for kernel in Kernel::ALL {
        for precision in [Precision::F32, Precision::F16] {
            match translate(kernel, precision) {
                Err(e) => failures.push(e),
                Ok(t) => {
                    let Some(dir) = out else { continue };
                    let stem = format!(
                        "{}.{}",
                        kernel.file_name().trim_end_matches(".wgsl"),
                        precision.name()
                    );
                    let mut files: Vec<(String, Vec<u8>)> = vec![
                        (format!("{stem}.wgsl"), t.wgsl.into_bytes()),
                        (
                            format!("{stem}.spv"),
                            bytemuck::cast_slice(&t.spirv).to_vec(),
                        ),
                        (format!("{stem}.metal"), t.msl.into_bytes()),
                        (format!("{stem}.hlsl"), t.hlsl.into_bytes()),
                    ];
                    if let Some(glsl) = t.glsl {
                        files.push((format!("{stem}.comp.glsl"), glsl.into_bytes()));
                    }
                    for (name, bytes) in files {
                        let path = dir.join(name);
                        std::fs::create_dir_all(dir)
                            .and_then(|_| std::fs::write(&path, bytes))
                            .map_err(|e| format!("writing {}: {e}", path.display()))?;
                        written.push(path);
                    }
                }
            }
        }
    }
    if failures.is_empty() {
        Ok(written)
    } else {
        Err(failures.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kernel_validates_and_translates_in_both_precisions() {
        for kernel in Kernel::ALL {
            for precision in [Precision::F32, Precision::F16] {
                let t = translate(kernel, precision).unwrap_or_else(|e| panic!("{e}"));
                assert!(!t.spirv.is_empty());
                assert!(
                    t.msl.contains("kernel void"),
                    "{kernel:?} {precision:?}: no MSL kernel"
                );
                assert!(
                    t.hlsl.contains("numthreads"),
                    "{kernel:?} {precision:?}: no HLSL entry point"
                );
                if precision == Precision::F16 {
                    assert!(
                        t.msl.contains("half"),
                        "{kernel:?}: f16 storage should be MSL half"
                    );
                    assert!(t.glsl.is_none());
                } else {
                    assert!(t.glsl.unwrap().contains("local_size_x"));
                }
            }
        }
    }

    #[test]
    fn a_broken_shader_names_file_and_line() {
        let source = "alias scalar = f32;\nfn main() { let x: u32 = 1.5; }\n";
        let module = naga::front::wgsl::parse_str(source);
        let err = module
            .map(|_| ())
            .map_err(|e| e.emit_to_string_with_path(source, "shaders/broken.wgsl"));
        let err = err.unwrap_err();
        assert!(err.contains("shaders/broken.wgsl:2"), "{err}");
    }
}
