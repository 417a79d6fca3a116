//! A kernel dispatch of an op: its pipeline, its bind groups per input
//! slot, its grid; and a linear layer's buffers.

use super::choice::Choice;

/// A linear layer on the device: its kernel and its weights, in the
/// layout that kernel reads, shared by every slot's dispatch.
pub struct Linear {
    pub plan: Choice,
    pub w: wgpu::Buffer,
    pub bias: wgpu::Buffer,
    /// `(m, k, n)`: rows, in features, out features.
    pub shape: (u32, u32, u32),
}

/// One kernel launch with its bindings.
pub struct Dispatch {
    /// Its label without the slot (`transformer.qkv`), and what it runs
    /// (`matmul 8192×256→768: …`), for per-dispatch GPU times.
    pub label: String,
    pub kernel: String,
    pub(super) pipeline: wgpu::ComputePipeline,
    pub(super) bind_group: wgpu::BindGroup,
    /// What is bound at 0, 1, 2, …, to bind afresh without the pool.
    pub(super) buffers: Vec<wgpu::Buffer>,
    pub(super) workgroups: (u32, u32, u32),
}

/// A bind group of `buffers`, at bindings 0, 1, 2, …, for `pipeline`.
pub fn bind<'b>(
    device: &wgpu::Device,
    pipeline: &wgpu::ComputePipeline,
    label: &str,
    buffers: impl Iterator<Item = &'b wgpu::Buffer>,
) -> wgpu::BindGroup {
    let entries: Vec<wgpu::BindGroupEntry> = buffers
        .enumerate()
        .map(|(i, b)| wgpu::BindGroupEntry {
            binding: i as u32,
            resource: b.as_entire_binding(),
        })
        .collect();
    device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some(label),
        layout: &pipeline.get_bind_group_layout(0),
        entries: &entries,
    })
}

impl Dispatch {
    /// A bind group of this dispatch's buffers, each replaced by what
    /// `swap` gives for it.
    pub fn bind_swapped(
        &self,
        device: &wgpu::Device,
        label: &str,
        swap: impl Fn(&wgpu::Buffer) -> wgpu::Buffer,
    ) -> wgpu::BindGroup {
        let buffers: Vec<wgpu::Buffer> = self.buffers.iter().map(swap).collect();
        bind(device, &self.pipeline, label, buffers.iter())
    }

    /// Binds `new` wherever this dispatch bound `old`, from now on.
    pub fn rebind(&mut self, device: &wgpu::Device, old: &wgpu::Buffer, new: &wgpu::Buffer) {
        if !self.buffers.contains(old) {
            return;
        }
        let swap = |b: &wgpu::Buffer| if b == old { new.clone() } else { b.clone() };
        self.bind_group = self.bind_swapped(device, &self.label, swap);
        for b in &mut self.buffers {
            *b = swap(b);
        }
    }

    /// Records the launch into `pass`.
    pub fn record(&self, pass: &mut wgpu::ComputePass<'_>) {
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &self.bind_group, &[]);
        pass.dispatch_workgroups(self.workgroups.0, self.workgroups.1, self.workgroups.2);
    }
}
