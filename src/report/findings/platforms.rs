//! Across platforms: a framework peer beside wgpu on one GPU, and
//! workers spread over several GPUs.

use super::{fmt_rate, percent};
use crate::analysis::Analysis;
use crate::analysis::verdicts::{LINEAR, seeds_curve};
use crate::schema::StrategyKind;

/// The GPU a run measured, without a framework's prefix: `PyTorch 2.11 ·
/// NVIDIA H200` and `NVIDIA H200` are one GPU.
fn gpu_of(name: &str) -> &str {
    name.rsplit(" · ").next().unwrap_or(name)
}

/// Framework or API? For each pair of merged runs on one GPU (wgpu's and
/// a peer framework's, such as the PyTorch peer), the matched threads and
/// round-trip figures side by side, and where each threads curve peaks:
/// what the figures show, and no cause they do not measure.
pub fn frameworks(a: &Analysis) -> Vec<String> {
    let mut out = Vec::new();
    let figure = |run: usize| {
        let threads = seeds_curve(a, run, LINEAR, StrategyKind::Threads)?;
        let batch1 = seeds_curve(a, run, LINEAR, StrategyKind::Batch)?;
        let peak = threads.peak()?.point;
        let largest = threads.good().map(|p| p.point.n).max()?;
        Some((
            threads.at(8).and_then(|p| p.efficiency)?,
            (peak.n, peak.measured.samples_per_s?),
            largest,
            batch1
                .at(1)
                .filter(|p| p.ok())?
                .point
                .measured
                .latency_us?
                .p50,
            threads.config.wait,
        ))
    };
    let mut seen: Vec<(String, String)> = Vec::new();
    for i in 0..a.runs.len() {
        for j in i + 1..a.runs.len() {
            let (ni, nj) = (&a.runs[i].info.adapter.name, &a.runs[j].info.adapter.name);
            let pair = (
                a.runs[i].info.adapter.label(),
                a.runs[j].info.adapter.label(),
            );
            if gpu_of(ni) != gpu_of(nj) || ni == nj || seen.contains(&pair) {
                continue;
            }
            let (Some(fi), Some(fj)) = (figure(i), figure(j)) else {
                continue;
            };
            seen.push(pair);
            let shape = |f: &(_, (u32, f64), u32, f64, _), who: &str| {
                if f.1.0 == f.2 {
                    format!("{who}'s threads still gain at N={}, the most measured", f.2)
                } else {
                    format!("{who}'s threads peak at N={} and fall after it", f.1.0)
                }
            };
            out.push(format!(
                "{} and {} on one GPU, linear 256→128 with a readback after every op and a {} wait on both sides: 8 threads reach {} and {} efficiency; threads peak at {} and {} samples/s; one op's round trip takes {:.0} and {:.0} µs (p50). {}; {}.",
                a.run_labels[i],
                a.run_labels[j],
                fi.4,
                percent(fi.0),
                percent(fj.0),
                fmt_rate(fi.1.1),
                fmt_rate(fj.1.1),
                fi.3,
                fj.3,
                shape(&fi, &a.run_labels[i]),
                shape(&fj, &a.run_labels[j])
            ));
        }
    }
    out
}

/// Past one GPU: for each `gpus` curve, whether throughput grows linearly
/// with the workers spread over the adapters (efficiency at its largest
/// N at least 90%, its whole interval), sub-linearly (with the phase that
/// grew most and each adapter's share of the ops), or was not measured.
pub fn gpus(a: &Analysis, run: usize) -> Vec<String> {
    let mut out = Vec::new();
    for c in a
        .curves_of_run(run)
        .filter(|c| c.strategy() == StrategyKind::Gpus)
    {
        let name = format!("{} · {}", c.workload_label(), c.label);
        let Some(top) = c.good().filter(|p| p.point.n > 1).last() else {
            out.push(format!(
                "{name}: not measured (no good point past one worker)"
            ));
            continue;
        };
        let Some(e) = top.efficiency else {
            out.push(format!("{name}: not measured (no baseline at one worker)"));
            continue;
        };
        let share: Vec<String> = top
            .point
            .measured
            .adapter_ops
            .iter()
            .map(|(adapter, ops)| {
                let total: u64 = top.point.measured.adapter_ops.values().sum();
                format!(
                    "adapter {adapter} {:.0}%",
                    100.0 * *ops as f64 / total.max(1) as f64
                )
            })
            .collect();
        let phases = c
            .at(1)
            .and_then(|p1| Some((p1.point.measured.phases_us?, top.point.measured.phases_us?)));
        let grew = phases.map(|(one, many)| {
            let growth = [
                ("encode", many.encode.median - one.encode.median),
                ("submit", many.submit.median - one.submit.median),
                ("wait", many.wait.median - one.wait.median),
            ];
            let (phase, by) =
                growth.iter().fold(
                    ("wait", f64::MIN),
                    |best, g| if g.1 > best.1 { *g } else { best },
                );
            format!("{phase} grew most, by {by:.1} µs per op")
        });
        let verdict = if e.lo >= 0.9 { "linear" } else { "sub-linear" };
        out.push(format!(
            "{name}: {verdict}: {} efficiency at {} workers against one worker on one GPU{}{}",
            percent(e),
            top.point.n,
            if share.is_empty() {
                String::new()
            } else {
                format!("; ops per adapter: {}", share.join(", "))
            },
            if verdict == "sub-linear" {
                grew.map_or(String::new(), |g| format!("; {g}"))
            } else {
                String::new()
            }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::SyncMode;

    #[test]
    fn gpus_curves_get_a_line_each() {
        let mut c = crate::analysis::testing::config(StrategyKind::Gpus, SyncMode::Readback);
        c.worker_batch = Some(1);
        c.adapters = vec![0, 1];
        let mut two = crate::analysis::testing::point(c.clone(), 2, &[198.0, 199.0, 200.0]);
        two.measured.adapter_ops = [(0, 50), (1, 50)].into_iter().collect();
        let mut linear = crate::analysis::testing::run(
            "x",
            vec![
                crate::analysis::testing::point(c.clone(), 1, &[100.0, 100.0, 100.0]),
                two,
            ],
        );
        let runs = [linear.clone()];
        let lines = gpus(&Analysis::of(&runs), 0);
        assert!(
            lines[0].contains(": linear: 100%") && lines[0].contains("adapter 1 50%"),
            "{lines:?}"
        );
        linear.points[1].measured.samples_per_s_trials = vec![120.0, 121.0, 122.0];
        linear.points[1].measured.samples_per_s = Some(121.0);
        linear.points[1].measured.samples_per_s_spread =
            crate::stats::spread(&[120.0, 121.0, 122.0]);
        let runs = [linear];
        let lines = gpus(&Analysis::of(&runs), 0);
        assert!(
            lines[0].contains("sub-linear: 60%") && lines[0].contains("grew most"),
            "{lines:?}"
        );
    }
}
