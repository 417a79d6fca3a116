//! Building an op: the [`Builder`] that records a workload's buffers and
//! dispatches (each matmul's kernel chosen for its shape by `choice`),
//! and running one product once for tests and `curves peak`.

use std::collections::HashMap;

use wgpu::util::DeviceExt;

use super::choice::{
    Caps, Choice, WeightLayout, attention_kernel, choose, layer_norm_kernel, proven_in_bounds,
    split_bytes, workgroup_grid,
};
use super::dispatch::{Dispatch, Linear, bind};
use super::kernels::{BoundsChecks, Kernel};
use super::values::{decode_values, input_bytes};
use crate::gpu::GpuContext;
use crate::schema::Precision;

/// Creates buffers and dispatches for one prepared workload, with
/// pipelines built once per kernel variant, and notes which variants ran.
pub struct Builder<'a> {
    ctx: &'a GpuContext,
    pub precision: Precision,
    pub caps: Caps,
    pub bounds_checks: BoundsChecks,
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
            bounds_checks: BoundsChecks::default(),
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
    /// run without naga's checks, as [`BoundsChecks::keeps`] says).
    fn dispatch_as(
        &mut self,
        kernel: Kernel,
        label: &str,
        buffers: &[&wgpu::Buffer],
        workgroups: (u32, u32, u32),
        proven: bool,
    ) -> Dispatch {
        let (device, precision) = (&self.ctx.device, self.precision);
        let checked = self.bounds_checks.keeps(proven);
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
        plan: Choice,
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
        if !self.bounds_checks.keeps(proven) {
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
            workgroup_grid(items),
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
        self.dispatch(kernel, label, &[&params, qkv, out], workgroup_grid(items))
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
            workgroup_grid(workgroups),
        )
    }
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
    plan: Option<Choice>,
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
