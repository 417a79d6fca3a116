//! Every WGSL source, embedded once, next to the enum that names it.
//! A test parses and validates each with naga and translates it to every
//! backend's shading language, so a shader that Metal, DX12 or GL would
//! reject fails here, on a machine that has none of them.

/// The compute kernels the workloads are built from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kernel {
    Linear,
}

impl Kernel {
    pub const ALL: [Kernel; 1] = [Kernel::Linear];

    pub fn file_name(self) -> &'static str {
        match self {
            Kernel::Linear => "linear.wgsl",
        }
    }

    pub fn source(self) -> &'static str {
        match self {
            Kernel::Linear => include_str!("../shaders/linear.wgsl"),
        }
    }

    /// Builds the kernel's pipeline on `device`; pipelines are built while
    /// preparing a point, never inside a timed region.
    pub fn pipeline(self, device: &wgpu::Device) -> wgpu::ComputePipeline {
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(self.file_name()),
            source: wgpu::ShaderSource::Wgsl(self.source().into()),
        });
        device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(self.file_name()),
            layout: None,
            module: &module,
            entry_point: Some("main"),
            compilation_options: Default::default(),
            cache: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Kernel;
    use naga::back;
    use naga::valid::{Capabilities, ValidationFlags, Validator};

    #[test]
    fn every_kernel_validates_and_translates_to_every_backend_language() {
        for kernel in Kernel::ALL {
            let name = kernel.file_name();
            let module = naga::front::wgsl::parse_str(kernel.source())
                .unwrap_or_else(|e| panic!("{name}: {}", e.emit_to_string(kernel.source())));
            let info = Validator::new(ValidationFlags::all(), Capabilities::all())
                .validate(&module)
                .unwrap_or_else(|e| panic!("{name}: {}", e.emit_to_string(kernel.source())));

            let spv = back::spv::write_vec(&module, &info, &back::spv::Options::default(), None)
                .unwrap_or_else(|e| panic!("{name} → SPIR-V: {e}"));
            assert!(!spv.is_empty());

            let (msl, _) = back::msl::write_string(
                &module,
                &info,
                &back::msl::Options::default(),
                &back::msl::PipelineOptions::default(),
            )
            .unwrap_or_else(|e| panic!("{name} → MSL: {e}"));
            assert!(
                msl.contains("kernel"),
                "{name}: MSL has no kernel entry point"
            );

            let mut hlsl = String::new();
            back::hlsl::Writer::new(
                &mut hlsl,
                &back::hlsl::Options::default(),
                &back::hlsl::PipelineOptions::default(),
            )
            .write(&module, &info, None)
            .unwrap_or_else(|e| panic!("{name} → HLSL: {e}"));
            assert!(
                hlsl.contains("numthreads"),
                "{name}: HLSL has no compute entry point"
            );

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
            .unwrap_or_else(|e| panic!("{name} → GLSL: {e}"));
            assert!(
                glsl.contains("local_size_x"),
                "{name}: GLSL has no compute layout"
            );
        }
    }
}
