//! A plan checked against the chosen adapter before anything runs: every
//! buffer within the device's buffer and binding sizes, every index the
//! kernels compute within 32 bits, every dispatch within the grid limit.
//! An experiment that cannot fit names its sweep, the value and the limit.

use super::{Experiment, PointSpec};
use crate::schema::StrategyKind;

/// What the plan is checked against (a device's limits).
#[derive(Clone, Copy, Debug)]
pub struct DeviceLimits {
    pub max_buffer_size: u64,
    pub max_storage_binding: u64,
    pub max_workgroups_per_dim: u32,
}

impl DeviceLimits {
    pub fn of(limits: &wgpu::Limits) -> Self {
        Self {
            max_buffer_size: limits.max_buffer_size,
            max_storage_binding: limits.max_storage_buffer_binding_size,
            max_workgroups_per_dim: limits.max_compute_workgroups_per_dimension,
        }
    }
}

/// Samples per op a point's largest op runs (a server's largest batch).
fn largest_batch(p: &PointSpec) -> u32 {
    match (p.strategy, p.server) {
        (StrategyKind::Server, Some((max_batch, _))) => max_batch,
        _ => p.layout().batch,
    }
}

fn where_(p: &PointSpec) -> String {
    let mut lines = vec![format!("line {}", p.origin.n_line)];
    lines.extend(p.origin.dims_line.map(|l| format!("dims at line {l}")));
    lines.extend(p.origin.batch_line.map(|l| format!("batch at line {l}")));
    lines.extend(
        p.origin
            .max_batch_line
            .map(|l| format!("max_batch at line {l}")),
    );
    format!("{}, {}", p.origin.sweep_name(), lines.join(", "))
}

/// BoundsChecks one point; the error says what does not fit.
pub fn check_point(p: &PointSpec, limits: &DeviceLimits) -> Result<(), String> {
    let batch = largest_batch(p);
    let f = p.workload.footprint(batch, p.precision);
    let what = format!(
        "{} at {batch} samples per op ({})",
        p.workload.label(),
        p.precision
    );
    if f.largest_elements > u64::from(u32::MAX) {
        return Err(format!(
            "{}: {what} needs a buffer of {} values; the kernels index buffers with 32-bit integers, so at most {}",
            where_(p),
            f.largest_elements,
            u32::MAX
        ));
    }
    let binding = limits.max_storage_binding.min(limits.max_buffer_size);
    if f.largest_buffer > binding {
        return Err(format!(
            "{}: {what} needs a buffer of {} bytes; this adapter binds at most {binding} bytes (max_storage_buffer_binding_size / max_buffer_size)",
            where_(p),
            f.largest_buffer
        ));
    }
    if f.largest_grid > u64::from(limits.max_workgroups_per_dim) {
        return Err(format!(
            "{}: {what} needs {} workgroups along one dimension of a dispatch; this adapter allows {} (max_compute_workgroups_per_dimension)",
            where_(p),
            f.largest_grid,
            limits.max_workgroups_per_dim
        ));
    }
    Ok(())
}

/// BoundsChecks every point of `experiment`; the first that cannot fit is the error.
pub fn check(experiment: &Experiment, limits: &DeviceLimits) -> Result<(), String> {
    for p in &experiment.points {
        check_point(p, limits).map_err(|e| format!("{}: {e}", experiment.path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// WebGPU's default limits: 256 MiB buffers, 128 MiB storage bindings.
    const WEBGPU_DEFAULT: DeviceLimits = DeviceLimits {
        max_buffer_size: 1 << 28,
        max_storage_binding: 1 << 27,
        max_workgroups_per_dim: 65535,
    };

    fn check_text(text: &str) -> Result<(), String> {
        let e = Experiment::parse(text, Path::new("t.toml")).map_err(|e| e.to_string())?;
        check(&e, &WEBGPU_DEFAULT)
    }

    #[test]
    fn oversized_points_name_the_sweep_the_value_and_the_limit() {
        let e = check_text("[[sweep]]\nworkload = \"linear\"\ndims = [100000, 100000]\nstrategy = \"batch\"\nn = [1]\n")
            .unwrap_err();
        assert!(
            e.contains("sweep 1 (line 1)") && e.contains("32-bit"),
            "{e}"
        );
        assert!(e.contains("dims at line 3"), "{e}");
        let e = check_text("[[sweep]]\nworkload = \"linear\"\ndims = [16, 64]\nstrategy = \"batch\"\nn = [1, 600000]\n")
            .unwrap_err();
        assert!(
            e.contains("line 5") && e.contains("max_storage_buffer_binding_size"),
            "{e}"
        );
        let e = check_text("[[sweep]]\nworkload = \"linear\"\ndims = [65536, 65537]\nstrategy = \"batch\"\nn = [1]\n")
            .unwrap_err();
        assert!(e.contains("32-bit") || e.contains("bytes"), "{e}");
    }

    #[test]
    fn ordinary_points_fit() {
        check_text("[[sweep]]\nworkload = \"transformer\"\nstrategy = \"batch\"\nn = [1, 256]\n")
            .unwrap();
        check_text("[[sweep]]\nworkload = \"linear\"\ndims = [4096, 2048]\nstrategy = \"batch\"\nn = [4096]\n").unwrap();
    }
}
