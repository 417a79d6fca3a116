//! What every workload is built from: buffers in the point's precision,
//! kernel dispatches, and the [`Program`] that encodes one op as one
//! compute pass over a chain of dispatches, intermediates staying on the
//! GPU.

use std::collections::HashMap;

use wgpu::util::DeviceExt;

use super::kernels::{Checks, Kernel};
use super::matmul::{Caps, Plan, WeightLayout, choose, proven_in_bounds, split_bytes};
use super::{Prepared, SLOTS, random_values};
use crate::gpu::GpuContext;
use crate::gpu::upload::MappedInput;
use crate::schema::Precision;

/// `data` in the storage format of `precision`.
pub fn encode_values(data: &[f32], precision: Precision) -> Vec<u8> {
    match precision {
        Precision::F32 => bytemuck::cast_slice(data).to_vec(),
        Precision::F16 => {
            let halves: Vec<half::f16> = data.iter().map(|&v| half::f16::from_f32(v)).collect();
            bytemuck::cast_slice(&halves).to_vec()
        }
    }
}

/// An input's bytes, padded to the 4 bytes a buffer write moves at least.
pub fn input_bytes(data: &[f32], precision: Precision) -> Vec<u8> {
    let mut bytes = encode_values(data, precision);
    bytes.resize(bytes.len().next_multiple_of(4), 0);
    bytes
}

/// Bytes read back from the GPU, as f32 values.
pub fn decode_values(bytes: &[u8], precision: Precision) -> Vec<f32> {
    match precision {
        Precision::F32 => bytes
            .chunks_exact(4)
            .map(|c| f32::from_ne_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        Precision::F16 => bytes
            .chunks_exact(2)
            .map(|c| half::f16::from_bits(u16::from_ne_bytes([c[0], c[1]])).to_f32())
            .collect(),
    }
}

/// `data` rounded to what `precision` can store, so the CPU reference
/// starts from exactly the GPU's weights and inputs.
pub fn quantize(mut data: Vec<f32>, precision: Precision) -> Vec<f32> {
    if precision == Precision::F16 {
        for v in &mut data {
            *v = half::f16::from_f32(*v).to_f32();
        }
    }
    data
}

/// Random values in `[-scale, scale)`, rounded to `precision`.
pub fn random(len: usize, scale: f32, seed: u64, precision: Precision) -> Vec<f32> {
    quantize(random_values(len, scale, seed), precision)
}

/// A linear layer on the device: its kernel and its weights, in the
/// layout that kernel reads, shared by every slot's dispatch.
pub struct Linear {
    pub plan: Plan,
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
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
    /// What is bound at 0, 1, 2, …, to bind afresh without the pool.
    buffers: Vec<wgpu::Buffer>,
    workgroups: (u32, u32, u32),
}

/// A bind group of `buffers`, at bindings 0, 1, 2, …, for `pipeline`.
fn bind<'b>(
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
    fn bind_swapped(
        &self,
        device: &wgpu::Device,
        label: &str,
        swap: impl Fn(&wgpu::Buffer) -> wgpu::Buffer,
    ) -> wgpu::BindGroup {
        let buffers: Vec<wgpu::Buffer> = self.buffers.iter().map(swap).collect();
        bind(device, &self.pipeline, label, buffers.iter())
    }

    /// Binds `new` wherever this dispatch bound `old`, from now on.
    fn rebind(&mut self, device: &wgpu::Device, old: &wgpu::Buffer, new: &wgpu::Buffer) {
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

/// Creates buffers and dispatches for one prepared workload, with
/// pipelines built once per kernel variant, and notes which variants ran.
pub struct Builder<'a> {
    ctx: &'a GpuContext,
    pub precision: Precision,
    pub caps: Caps,
    pub checks: Checks,
    /// Built once per variant and checks kept.
    pipelines: HashMap<(Kernel, bool), wgpu::ComputePipeline>,
    /// The variants chosen, once each: `matmul 32×256→768: tile …`.
    pub kernels: Vec<String>,
}

impl<'a> Builder<'a> {
    pub fn new(ctx: &'a GpuContext, precision: Precision) -> Self {
        Self {
            ctx,
            precision,
            caps: Caps::of(ctx),
            checks: Checks::default(),
            pipelines: HashMap::new(),
            kernels: Vec::new(),
        }
    }

    fn note(&mut self, what: String) {
        if !self.kernels.contains(&what) {
            self.kernels.push(what);
        }
    }

    /// A read-only storage buffer holding `data`.
    pub fn upload(&self, label: &str, data: &[f32]) -> wgpu::Buffer {
        self.ctx
            .device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: &input_bytes(data, self.precision),
                usage: wgpu::BufferUsages::STORAGE,
            })
    }

    /// An op's input: like [`Self::upload`], and writable from the host so
    /// that a server can put its requests' rows in it.
    pub fn input(&self, label: &str, data: &[f32]) -> wgpu::Buffer {
        self.ctx
            .device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: &input_bytes(data, self.precision),
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
            })
    }

    /// A storage buffer of `len` values the GPU writes (copyable, clearable).
    pub fn scratch(&self, label: &str, len: usize) -> wgpu::Buffer {
        self.ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: (len * self.precision.bytes()).next_multiple_of(16).max(16) as u64,
            usage: wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::COPY_SRC
                | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        })
    }

    pub fn uniform(&self, label: &str, words: &[u32]) -> wgpu::Buffer {
        self.ctx
            .device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: bytemuck::cast_slice(words),
                usage: wgpu::BufferUsages::UNIFORM,
            })
    }

    /// A dispatch of `kernel` with `buffers` bound at 0, 1, 2, … in order,
    /// its module checked unless the builder's checks are off.
    pub fn dispatch(
        &mut self,
        kernel: Kernel,
        label: &str,
        buffers: &[&wgpu::Buffer],
        workgroups: (u32, u32, u32),
    ) -> Dispatch {
        self.dispatch_as(kernel, label, buffers, workgroups, false)
    }

    /// [`Self::dispatch`], `proven` when the caller has proven every index
    /// the dispatch reaches in bounds of its buffers (its module may then
    /// run without naga's checks, as [`Checks::keeps`] says).
    fn dispatch_as(
        &mut self,
        kernel: Kernel,
        label: &str,
        buffers: &[&wgpu::Buffer],
        workgroups: (u32, u32, u32),
        proven: bool,
    ) -> Dispatch {
        let (device, precision) = (&self.ctx.device, self.precision);
        let checked = self.checks.keeps(proven);
        let pipeline = self
            .pipelines
            .entry((kernel, checked))
            .or_insert_with(|| kernel.pipeline(device, precision, checked))
            .clone();
        let bind_group = bind(device, &pipeline, label, buffers.iter().copied());
        Dispatch {
            label: label.split('[').next().unwrap_or(label).to_string(),
            kernel: kernel.describe(),
            pipeline,
            bind_group,
            buffers: buffers.iter().map(|b| (*b).clone()).collect(),
            workgroups,
        }
    }

    /// A linear layer `k → n` for `m` rows: the kernel the rule in
    /// [`super::matmul`] picks for the shape, and `w` (`[k][n]`) and
    /// `bias` uploaded once, in the layout that kernel reads.
    pub fn linear(
        &mut self,
        label: &str,
        w: &[f32],
        bias: &[f32],
        (m, k, n): (u32, u32, u32),
    ) -> Linear {
        let plan = choose(&self.caps, self.precision, (m, k, n));
        self.linear_with(label, plan, w, bias, (m, k, n))
    }

    /// [`Self::linear`] with a given kernel and grid (tests and `curves
    /// peak` run every variant).
    pub fn linear_with(
        &mut self,
        label: &str,
        plan: Plan,
        w: &[f32],
        bias: &[f32],
        (m, k, n): (u32, u32, u32),
    ) -> Linear {
        let w = match plan.kernel.weight_layout() {
            WeightLayout::InMajor => self.upload(&format!("{label}.weight_t"), w),
            WeightLayout::OutMajor => {
                let (k, n) = (k as usize, n as usize);
                let mut t = vec![0f32; k * n];
                for (i, row) in w.chunks_exact(n).enumerate() {
                    for (j, &v) in row.iter().enumerate() {
                        t[j * k + i] = v;
                    }
                }
                self.upload(&format!("{label}.weight"), &t)
            }
        };
        Linear {
            plan,
            w,
            bias: self.upload(&format!("{label}.bias"), bias),
            shape: (m, k, n),
        }
    }

    /// `y = act(x · w + bias)` of `layer` from `x` into `y`: one
    /// dispatch, or two where the kernel splits k (the parts into a
    /// buffer of their own, then their sum into y).
    pub fn matmul(
        &mut self,
        label: &str,
        layer: &Linear,
        x: &wgpu::Buffer,
        y: &wgpu::Buffer,
        relu: bool,
    ) -> Vec<Dispatch> {
        let (m, k, n) = layer.shape;
        let kernel = layer.plan.kernel;
        let parts = (kernel.split() > 1).then(|| {
            self.ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(&format!("{label}.parts")),
                size: split_bytes(kernel, layer.shape),
                usage: wgpu::BufferUsages::STORAGE,
                mapped_at_creation: false,
            })
        });
        let out = parts.as_ref().unwrap_or(y);
        let sizes = [x.size(), layer.w.size(), layer.bias.size(), out.size()];
        let proven = proven_in_bounds(layer.plan, layer.shape, sizes, self.precision.bytes());
        let mut what = format!("matmul {m}×{k}→{n}: {}", kernel.describe());
        if !self.checks.keeps(proven) {
            what.push_str(", unchecked");
        }
        self.note(what.clone());
        let params = self.uniform(&format!("{label}.params"), &[m, k, n, u32::from(relu)]);
        let buffers: Vec<&wgpu::Buffer> = match &parts {
            Some(parts) => vec![&params, x, &layer.w, parts],
            None => vec![&params, x, &layer.w, &layer.bias, y],
        };
        let mut d = self.dispatch_as(kernel, label, &buffers, layer.plan.grid, proven);
        d.kernel = what;
        let Some(parts) = parts else {
            return vec![d];
        };
        // The sum of the parts: a vec4 of y per invocation, 256 a workgroup.
        let reduce = Kernel::SplitReduce {
            split: kernel.split(),
        };
        let what = format!("matmul {m}×{k}→{n}: {}", reduce.describe());
        self.note(what.clone());
        let (base, slot) = label.split_at(label.find('[').unwrap_or(label.len()));
        let items = (m * n / 4).div_ceil(256);
        let mut sum = self.dispatch(
            reduce,
            &format!("{base}.sum{slot}"),
            &[&params, &parts, &layer.bias, y],
            grid(items),
        );
        sum.kernel = what;
        vec![d, sum]
    }

    /// Multi-head self-attention over `batch` sequences of `seq` tokens,
    /// reading `qkv` (`[rows][3·heads·head_dim]`) into `out`.
    pub fn attention(
        &mut self,
        label: &str,
        qkv: &wgpu::Buffer,
        out: &wgpu::Buffer,
        (batch, seq, heads, head_dim): (u32, u32, u32, u32),
    ) -> Dispatch {
        let kernel = attention_kernel(&self.caps, seq, head_dim);
        let Kernel::Attention { queries, .. } = kernel else {
            unreachable!("attention_kernel gives an attention kernel")
        };
        self.note(kernel.describe());
        let params = self.uniform(&format!("{label}.params"), &[batch, seq, heads, head_dim]);
        let items = batch * heads * seq.div_ceil(queries);
        self.dispatch(kernel, label, &[&params, qkv, out], grid(items))
    }

    /// `y = LayerNorm(a + b) · gamma + beta` over `rows` rows of `dim`.
    pub fn layer_norm(
        &mut self,
        label: &str,
        (a, b, gamma, beta, y): (
            &wgpu::Buffer,
            &wgpu::Buffer,
            &wgpu::Buffer,
            &wgpu::Buffer,
            &wgpu::Buffer,
        ),
        rows: u32,
        dim: u32,
        eps: f32,
    ) -> Dispatch {
        let kernel = layer_norm_kernel(&self.caps, dim);
        self.note(kernel.describe());
        let params = self.uniform(&format!("{label}.params"), &[rows, dim, eps.to_bits(), 0]);
        let workgroups = match kernel {
            Kernel::LayerNormRows { rows: per, .. } => rows.div_ceil(per),
            _ => rows,
        };
        self.dispatch(
            kernel,
            label,
            &[&params, a, b, gamma, beta, y],
            grid(workgroups),
        )
    }
}

/// Values per lane up to which a row's layer norm stays in registers.
const LAYER_NORM_PER_LANE: u32 = 32;

/// The layer-norm variant for rows of `dim`: a row per subgroup, held in
/// registers, where the adapter has subgroups and a row fits
/// [`LAYER_NORM_PER_LANE`] values per lane at its smallest subgroup size;
/// else a workgroup per row that reads the row three times.
pub fn layer_norm_kernel(caps: &Caps, dim: u32) -> Kernel {
    if let Some((min, max)) = caps.subgroups {
        let per_lane = dim.div_ceil(min.max(1)).max(1);
        if per_lane <= LAYER_NORM_PER_LANE {
            return Kernel::LayerNormRows {
                per_lane,
                rows: (super::kernels::LAYER_NORM_WG / max.max(1)).max(1),
            };
        }
    }
    Kernel::LayerNorm {
        subgroup: caps.subgroups.is_some(),
    }
}

/// The attention variant for `seq` and `head_dim`: 64 queries per
/// workgroup (32 for short sequences), as many keys per tile (at most
/// 32, a power of two) as fit workgroup memory twice (keys and values),
/// and 4 lanes per query where the adapter has subgroups of at least 4
/// and the head splits into 4 × vec4 (a query's chain over its keys is
/// then 4 times shorter and short sequences fill 4 times the lanes).
/// Measured on an H200 (`curves peak`, head 64, 2026-12-03, one lane →
/// four): seq 32 × batch 256 f16 48.6 → 35.1 µs, seq 2048 × batch 1 f32
/// 582.9 → 491.8 µs, but seq 512 × batch 2 (12 heads) f16 156.2 → 186.6
/// µs: four lanes lose there, for a reason not yet measured.
pub fn attention_kernel(caps: &Caps, seq: u32, head_dim: u32) -> Kernel {
    let per_key = 2 * head_dim.max(1) * 4;
    let mut keys = 32;
    while keys > 1 && keys * per_key > caps.workgroup_bytes {
        keys /= 2;
    }
    Kernel::Attention {
        head_dim,
        keys,
        queries: if seq > 32 { 64 } else { 32 },
        vec4: head_dim.is_multiple_of(4),
        lanes: if head_dim.is_multiple_of(16) && caps.subgroups.is_some_and(|(min, _)| min >= 4) {
            4
        } else {
            1
        },
    }
}

/// One workgroup per item: x up to the 65535 a dimension allows, the rest in y.
pub fn grid(items: u32) -> (u32, u32, u32) {
    const MAX: u32 = 65535;
    (items.clamp(1, MAX), items.div_ceil(MAX).max(1), 1)
}

/// Runs `y = act(x · w + bias)` once with `plan` (or the rule's choice
/// when `None`) and reads y back: for the kernel tests and `curves peak`'s
/// correctness checks, never for measurement.
#[expect(
    clippy::too_many_arguments,
    reason = "the product's operands, shape and options"
)]
pub fn matmul_once(
    ctx: &GpuContext,
    plan: Option<Plan>,
    precision: Precision,
    x: &[f32],
    w: &[f32],
    bias: &[f32],
    (m, k, n): (u32, u32, u32),
    relu: bool,
) -> Result<Vec<f32>, crate::gpu::GpuError> {
    let mut b = Builder::new(ctx, precision);
    let plan = plan.unwrap_or_else(|| choose(&b.caps, precision, (m, k, n)));
    let layer = b.linear_with("matmul_once", plan, w, bias, (m, k, n));
    let xb = b.upload("x", x);
    let y = b.scratch("y", (m * n) as usize);
    let dispatches = b.matmul("matmul_once", &layer, &xb, &y, relu);
    let mut encoder = ctx.device.create_command_encoder(&Default::default());
    {
        let mut pass = encoder.begin_compute_pass(&Default::default());
        for d in &dispatches {
            d.record(&mut pass);
        }
    }
    let mut values = read_values(ctx, encoder, &y, precision)?;
    if let Some(e) = ctx.take_error() {
        return Err(e);
    }
    values.truncate((m * n) as usize);
    Ok(values)
}

/// Submits `encoder` with a copy of `buffer` after its work and returns
/// the buffer's values: a one-off read for checks, never for measurement.
pub fn read_values(
    ctx: &GpuContext,
    mut encoder: wgpu::CommandEncoder,
    buffer: &wgpu::Buffer,
    precision: Precision,
) -> Result<Vec<f32>, crate::gpu::GpuError> {
    let readback = crate::gpu::readback::Readback::new(&ctx.device, "once.staging", buffer.size());
    readback.record_copy(&mut encoder, buffer);
    let submission = ctx.queue.submit([encoder.finish()]);
    let mut bytes = vec![0u8; buffer.size() as usize];
    readback.read_into(
        &ctx.device,
        submission,
        &mut bytes,
        std::time::Duration::from_secs(120),
    )?;
    Ok(decode_values(&bytes, precision))
}

/// Per-sample input for the pool from which every slot's batch is drawn.
/// Distinct samples are capped, so that the reference (computed once per
/// distinct sample) stays cheap at large batches; slots still differ.
pub struct SamplePool {
    pub samples: Vec<Vec<f32>>,
    batch: usize,
}

const MAX_DISTINCT_SAMPLES: usize = 64;

impl SamplePool {
    pub fn new(batch: u32, sample_len: usize, precision: Precision, seed: u64) -> Self {
        let batch = batch as usize;
        let count = (batch * SLOTS).min(MAX_DISTINCT_SAMPLES);
        let samples = (0..count)
            .map(|i| {
                random(
                    sample_len,
                    1.0,
                    seed.wrapping_add(7919 * (i as u64 + 1)),
                    precision,
                )
            })
            .collect();
        Self { samples, batch }
    }

    /// Which pool sample is row `row` of slot `slot`: all distinct while
    /// they fit, else a different rotation per slot.
    pub fn index(&self, slot: usize, row: usize) -> usize {
        if self.batch * SLOTS <= self.samples.len() {
            slot * self.batch + row
        } else {
            (row + 13 * slot) % self.samples.len()
        }
    }

    /// Slot `slot`'s batch, rows concatenated.
    pub fn slot_input(&self, slot: usize) -> Vec<f32> {
        (0..self.batch)
            .flat_map(|row| self.samples[self.index(slot, row)].iter().copied())
            .collect()
    }

    /// Slot `slot`'s expected output from per-sample references.
    pub fn slot_expected(&self, slot: usize, references: &[Vec<f32>]) -> Vec<f32> {
        (0..self.batch)
            .flat_map(|row| references[self.index(slot, row)].iter().copied())
            .collect()
    }
}

/// `f` of every item, in order, spread over the machine's cores: the CPU
/// references of a large workload take seconds each, and `prepare` is
/// never timed but should not take minutes.
pub fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores <= 1 || items.len() <= 1 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(cores);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                let f = &f;
                scope.spawn(move || part.iter().map(f).collect::<Vec<R>>())
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a reference thread panicked"))
            .collect()
    })
}

/// A sample's CPU reference output, from the workload's own weights.
pub type Reference = Box<dyn Fn(&[f32]) -> Vec<f32> + Send + Sync>;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_norm_holds_a_row_per_subgroup_where_it_fits() {
        let caps = |subgroups| Caps {
            workgroup_bytes: 48 * 1024,
            invocations: 1024,
            subgroups,
            cooperative_matrix: false,
            max_workgroups_per_dim: 65535,
        };
        assert_eq!(
            layer_norm_kernel(&caps(Some((32, 32))), 256),
            Kernel::LayerNormRows {
                per_lane: 8,
                rows: 4
            }
        );
        // Sized for the smallest subgroup, spread over the largest.
        assert_eq!(
            layer_norm_kernel(&caps(Some((8, 64))), 100),
            Kernel::LayerNormRows {
                per_lane: 13,
                rows: 2
            }
        );
        assert_eq!(
            layer_norm_kernel(&caps(Some((32, 32))), 1025),
            Kernel::LayerNorm { subgroup: true }
        );
        assert_eq!(
            layer_norm_kernel(&caps(None), 256),
            Kernel::LayerNorm { subgroup: false }
        );
    }

    #[test]
    fn values_round_trip_through_both_storage_formats() {
        let data = vec![1.0, -0.5, 3.25];
        for precision in [Precision::F32, Precision::F16] {
            assert_eq!(
                decode_values(&encode_values(&data, precision), precision),
                data
            );
        }
        assert_eq!(
            quantize(vec![0.1], Precision::F16),
            vec![half::f16::from_f32(0.1).to_f32()]
        );
    }

    #[test]
    fn slots_draw_different_rows_from_the_pool() {
        for batch in [1, 3, 16, 256] {
            let pool = SamplePool::new(batch, 2, Precision::F32, 1);
            let slots: Vec<Vec<f32>> = (0..SLOTS).map(|s| pool.slot_input(s)).collect();
            assert_eq!(slots[0].len(), batch as usize * 2);
            for a in 0..SLOTS {
                for b in a + 1..SLOTS {
                    assert_ne!(
                        slots[a], slots[b],
                        "batch {batch}: slots {a} and {b} are the same"
                    );
                }
            }
        }
    }
}
