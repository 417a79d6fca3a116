//! The [`Program`] that encodes one op as one compute pass over a chain of
//! dispatches, intermediates staying on the GPU: what every workload
//! prepares.

use super::dispatch::Dispatch;
use super::reference::Reference;
use wgpu::util::DeviceExt;

use super::Prepared;
use crate::gpu::upload::MappedInput;
use crate::schema::Precision;

/// A prepared workload: per slot, its input, output and chain of
/// dispatches, and the reference output.
pub struct Program {
    pub precision: Precision,
    pub slots: Vec<ProgramSlot>,
    pub out_len: usize,
    pub batch: usize,
    /// Input values per sample.
    pub sample_len: usize,
    pub reference: Reference,
    pub device: wgpu::Device,
    /// Without the pool: each slot's latest freshly allocated output.
    pub fresh: Option<std::sync::Mutex<Vec<wgpu::Buffer>>>,
    /// The kernel variants the program runs, as [`Builder::kernels`] noted them.
    pub kernels: Vec<String>,
}

pub struct ProgramSlot {
    pub dispatches: Vec<Dispatch>,
    pub input: wgpu::Buffer,
    /// The input's bytes (padded to 4), kept to upload afresh without the
    /// pool and to write requests' rows into.
    pub input_bytes: Vec<u8>,
    pub output: wgpu::Buffer,
    pub expected: Vec<f32>,
}

impl Prepared for Program {
    fn encode(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        slot: usize,
        timestamps: Option<wgpu::ComputePassTimestampWrites<'_>>,
    ) -> wgpu::Buffer {
        let this = &self.slots[slot];
        let Some(fresh) = &self.fresh else {
            // One pass: wgpu orders the dispatches in it, each seeing the
            // previous one's writes.
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("op"),
                timestamp_writes: timestamps,
            });
            for d in &this.dispatches {
                d.record(&mut pass);
            }
            return this.output.clone();
        };
        // No pool: this op's own input, output and bind groups.
        let input = self
            .device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("op.fresh.input"),
                contents: &this.input_bytes,
                usage: wgpu::BufferUsages::STORAGE,
            });
        let output = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("op.fresh.output"),
            size: this.output.size(),
            usage: this.output.usage(),
            mapped_at_creation: false,
        });
        let bind_groups: Vec<wgpu::BindGroup> = this
            .dispatches
            .iter()
            .map(|d| {
                d.bind_swapped(&self.device, "op.fresh.bind_group", |b| {
                    if *b == this.input {
                        input.clone()
                    } else if *b == this.output {
                        output.clone()
                    } else {
                        b.clone()
                    }
                })
            })
            .collect();
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("op"),
                timestamp_writes: timestamps,
            });
            for (d, bind_group) in this.dispatches.iter().zip(&bind_groups) {
                pass.set_pipeline(&d.pipeline);
                pass.set_bind_group(0, bind_group, &[]);
                pass.dispatch_workgroups(d.workgroups.0, d.workgroups.1, d.workgroups.2);
            }
        }
        fresh.lock().unwrap_or_else(|p| p.into_inner())[slot] = output.clone();
        output
    }

    fn dispatches(&self, slot: usize) -> &[Dispatch] {
        &self.slots[slot].dispatches
    }

    fn output(&self, slot: usize) -> wgpu::Buffer {
        match &self.fresh {
            Some(fresh) => fresh.lock().unwrap_or_else(|p| p.into_inner())[slot].clone(),
            None => self.slots[slot].output.clone(),
        }
    }

    fn allocate_per_op(&mut self) {
        let outputs = self.slots.iter().map(|s| s.output.clone()).collect();
        self.fresh = Some(std::sync::Mutex::new(outputs));
    }

    fn output_len(&self) -> usize {
        self.out_len
    }

    fn kernels(&self) -> Vec<String> {
        self.kernels.clone()
    }

    fn precision(&self) -> Precision {
        self.precision
    }

    fn expected(&self, slot: usize) -> &[f32] {
        &self.slots[slot].expected
    }

    fn batch(&self) -> usize {
        self.batch
    }

    fn sample_len(&self) -> usize {
        self.sample_len
    }

    fn reference(&self, sample: &[f32]) -> Vec<f32> {
        (self.reference)(sample)
    }

    fn write_input(
        &mut self,
        encoder: &mut wgpu::CommandEncoder,
        belt: &mut wgpu::util::StagingBelt,
        slot: usize,
        rows: &[u8],
    ) {
        let this = &mut self.slots[slot];
        this.input_bytes[..rows.len()].copy_from_slice(rows);
        // Without the pool the next op uploads `input_bytes` itself.
        let written = rows.len().next_multiple_of(4);
        if self.fresh.is_none()
            && let Some(size) = wgpu::BufferSize::new(written as u64)
        {
            belt.write_buffer(encoder, &this.input, 0, size)
                .copy_from_slice(&this.input_bytes[..written]);
        }
    }

    fn input_ahead(
        &mut self,
        encoder: &mut wgpu::CommandEncoder,
        belt: &mut wgpu::util::StagingBelt,
        slot: usize,
    ) -> Option<wgpu::BufferViewMut> {
        let this = &self.slots[slot];
        let size = wgpu::BufferSize::new(this.input_bytes.len() as u64)?;
        if self.fresh.is_some() {
            return None;
        }
        let mut view = belt.write_buffer(encoder, &this.input, 0, size);
        view.copy_from_slice(&this.input_bytes);
        Some(view)
    }

    fn input(&self, slot: usize) -> &[u8] {
        &self.slots[slot].input_bytes
    }

    fn map_inputs(&mut self) -> Option<Vec<MappedInput>> {
        if self.fresh.is_some() || !MappedInput::supported(&self.device) {
            return None;
        }
        // All or none: made first, rebound after.
        let inputs: Vec<MappedInput> = self
            .slots
            .iter()
            .map(|this| MappedInput::new(&self.device, "op.input.mapped", &this.input_bytes))
            .collect::<Result<_, _>>()
            .ok()?;
        for (this, mapped) in self.slots.iter_mut().zip(&inputs) {
            for d in &mut this.dispatches {
                d.rebind(&self.device, &this.input, mapped.buffer());
            }
            this.input = mapped.buffer().clone();
        }
        Some(inputs)
    }
}
