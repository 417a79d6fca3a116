//! How close each workload's best point comes to the device's ceilings:
//! the compute it achieves and the bandwidth its minimum traffic needs (a
//! roofline in numbers).

use super::Analysis;
use crate::schema::{Point, Precision};

/// A workload's best point read against the device's ceilings.
#[derive(Clone, Debug)]
pub struct Roofline<'a> {
    pub workload: String,
    pub precision: Precision,
    pub point: &'a Point,
    pub achieved_tflops: f64,
    /// Flops per byte an op must move.
    pub intensity: Option<f64>,
    pub pct_compute: Option<f64>,
    pub achieved_gb_s: Option<f64>,
    pub pct_bandwidth: Option<f64>,
    /// `compute` or `bandwidth`: the lower roof at this intensity.
    pub bound: Option<&'static str>,
}

/// The best good point of each (workload, precision) of `run`, read
/// against the run's ceilings (none without `curves peak`).
pub fn roofline<'a>(a: &Analysis<'a>, run: usize) -> Vec<Roofline<'a>> {
    let Some(ceilings) = &a.runs[run].ceilings else {
        return Vec::new();
    };
    let mut best: Vec<(String, Precision, &'a Point)> = Vec::new();
    for c in a.curves_of_run(run) {
        for p in c.good() {
            let key = (c.workload_label(), c.config.precision);
            match best.iter_mut().find(|(w, pr, _)| (w.clone(), *pr) == key) {
                Some(b) if p.point.measured.samples_per_s > b.2.measured.samples_per_s => {
                    b.2 = p.point
                }
                Some(_) => {}
                None => best.push((key.0, key.1, p.point)),
            }
        }
    }
    best.into_iter()
        .filter_map(|(workload, precision, point)| {
            let flops = point.flops_per_sample?;
            let sps = point.measured.samples_per_s?;
            let achieved = sps * flops / 1e12;
            let peak = match precision {
                Precision::F32 => ceilings.matmul_f32_tflops.as_ref(),
                Precision::F16 => ceilings.matmul_f16_tflops.as_ref(),
            };
            let ops_per_s = point
                .measured
                .ops_per_s
                .unwrap_or(sps / f64::from(point.layout.batch.max(1)));
            let bytes = point.bytes_per_op;
            let gb_s = bytes.map(|b| b * ops_per_s / 1e9);
            let intensity = bytes.map(|b| flops * f64::from(point.layout.batch) / b);
            let pct_compute = peak.map(|p| 100.0 * achieved / p.value);
            let pct_bandwidth = gb_s
                .zip(ceilings.bandwidth_gb_s.as_ref())
                .map(|(g, b)| 100.0 * g / b.value);
            // The roof at this intensity: compute where intensity × bandwidth exceeds the compute peak.
            let bound = match (intensity, peak, &ceilings.bandwidth_gb_s) {
                (Some(i), Some(p), Some(b)) => Some(if i * b.value * 1e9 >= p.value * 1e12 {
                    "compute"
                } else {
                    "bandwidth"
                }),
                _ => None,
            };
            Some(Roofline {
                workload,
                precision,
                point,
                achieved_tflops: achieved,
                intensity,
                pct_compute,
                achieved_gb_s: gb_s,
                pct_bandwidth,
                bound,
            })
        })
        .collect()
}
