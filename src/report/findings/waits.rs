//! Where blocking waits stall, and what the phases show of it: a cause is
//! called a hypothesis unless a measurement shows it.

use crate::analysis::{Analysis, Curve};
use crate::schema::{AdapterSummary, Point, StrategyKind, WaitStyle};

/// Share of a point's ops at or above `us`.
fn share_at_least(p: &Point, us: f64) -> f64 {
    let total: u64 = p.measured.latency_histogram.iter().map(|b| b.count).sum();
    let slow: u64 = p
        .measured
        .latency_histogram
        .iter()
        .filter(|b| b.le_us > us)
        .map(|b| b.count)
        .sum();
    slow as f64 / total.max(1) as f64
}

/// Whether `adapter` runs the driver whose blocking wait a system-call
/// trace has looked into (NVIDIA's, on Vulkan: experiments/probes/stalls).
fn traced_driver(adapter: &AdapterSummary) -> bool {
    const NVIDIA: u32 = 0x10de;
    adapter.vendor_id == NVIDIA && adapter.backend.eq_ignore_ascii_case("vulkan")
}

/// Stalls of threads that wait per op, one sentence per curve: the
/// points whose p99 is over 20× their p50 and over 2 ms, where the time
/// sits (each phase's p99 at the worst point), and what the other wait
/// styles show at the same N.
pub fn stalls(a: &Analysis, run: usize) -> Vec<String> {
    let threads: Vec<&Curve> = a
        .curves_of_run(run)
        .filter(|c| {
            c.strategy() == StrategyKind::Threads
                && c.config.sync.waits_per_op()
                && c.config.label.is_none()
        })
        .collect();
    let mut out = Vec::new();
    for c in &threads {
        let stalled: Vec<&Point> = c
            .good()
            .map(|p| p.point)
            .filter(|p| {
                p.measured
                    .latency_us
                    .is_some_and(|l| l.p99 > 20.0 * l.p50 && l.p99 > 2000.0)
            })
            .collect();
        let Some(worst) = stalled
            .iter()
            .copied()
            .max_by(|x, y| share_at_least(x, 5000.0).total_cmp(&share_at_least(y, 5000.0)))
        else {
            continue;
        };
        let l = worst.measured.latency_us.expect("filtered on latency");
        let shares = stalled
            .iter()
            .map(|p| format!("{:.1}% at N={}", 100.0 * share_at_least(p, 5000.0), p.n))
            .collect::<Vec<_>>()
            .join(", ");
        let mut s = format!(
            "{} · {}: ops of 5 ms or more: {shares} (at N={}: p99 {:.0} µs against a p50 of {:.0} µs)",
            c.workload_label(),
            c.label,
            worst.n,
            l.p99,
            l.p50
        );
        let tails = worst
            .measured
            .phases_us
            .and_then(|ph| Some((ph.wait.p99?, ph.submit.p99?, ph.encode.p99?)));
        match tails {
            Some((wait, submit, encode)) => {
                s.push_str(&format!("; per-phase p99 there: wait {wait:.0} µs, submit {submit:.0} µs, encode {encode:.0} µs"));
                let others: Vec<String> = threads
                    .iter()
                    .filter(|o| {
                        o.config.sync == c.config.sync
                            && o.config.wait != c.config.wait
                            && o.config.encode_ahead == c.config.encode_ahead
                            && o.config.upload_inputs == c.config.upload_inputs
                            && o.workload_label() == c.workload_label()
                    })
                    .filter_map(|o| {
                        let q = o.at(worst.n).filter(|q| q.ok())?;
                        Some(format!(
                            "{} {:.0} µs",
                            o.config.wait, q.point.measured.latency_us?.p99
                        ))
                    })
                    .collect();
                if !others.is_empty() {
                    s.push_str(&format!(
                        "; p99 at the same N with other wait styles: {}",
                        others.join(", ")
                    ));
                }
                if wait > 0.5 * l.p99 && c.config.wait == WaitStyle::Block {
                    s.push_str(
                        ". The stall sits in the wait, inside `device.poll(Wait)`, which blocks in the Vulkan driver's semaphore wait \
                         (wgpu-hal's `vkWaitSemaphores`); spinning threads never enter it and the callback style has one poller thread \
                         in it. ",
                    );
                    s.push_str(if traced_driver(&a.runs[run].info.adapter) {
                        "Cause, traced under this driver family (NVIDIA's Vulkan driver 580.159.04 on an H200, \
                         experiments/probes/stalls): its wait polls the device's event with a 10 ms timeout, and a thread whose \
                         wake-up another waiting thread took sleeps until that timeout"
                    } else {
                        "Cause, a hypothesis these phases support: the driver's blocking wait when several threads wait on one \
                         device at once"
                    });
                } else if wait > 0.5 * l.p99 {
                    s.push_str(". The stall sits in the wait phase");
                } else {
                    s.push_str(". The stall is not in the wait: see the phases");
                }
            }
            None => s.push_str(
                "; this file records no per-phase tails, so where the time sits is not shown",
            ),
        }
        out.push(s + ".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testing::{config, point, run};
    use crate::schema::SyncMode;
    use crate::store::Run;

    fn one(points: Vec<Point>) -> Vec<Run> {
        vec![run("gpu", points)]
    }
    use crate::schema::HistogramBin;
    #[test]
    fn the_slow_share_counts_bins_above_the_bound() {
        let mut p = crate::analysis::testing::point(
            crate::analysis::testing::config(StrategyKind::Threads, SyncMode::Readback),
            4,
            &[1000.0],
        );
        p.measured.latency_histogram = vec![
            HistogramBin {
                le_us: 100.0,
                count: 98,
            },
            HistogramBin {
                le_us: 10_000.0,
                count: 2,
            },
        ];
        assert!((share_at_least(&p, 5000.0) - 0.02).abs() < 1e-12);
    }

    #[test]
    fn a_stall_is_called_traced_only_on_the_driver_the_trace_looked_into() {
        let mut stalled = point(config(StrategyKind::Threads, SyncMode::Readback), 4, &[1e4]);
        let latency = stalled.measured.latency_us.as_mut().unwrap();
        (latency.p50, latency.p99) = (70.0, 10_000.0);
        stalled.measured.latency_histogram = vec![
            crate::schema::HistogramBin {
                le_us: 80.0,
                count: 97,
            },
            crate::schema::HistogramBin {
                le_us: 10_500.0,
                count: 3,
            },
        ];
        stalled.measured.phases_us.as_mut().unwrap().wait.p99 = Some(9_900.0);
        let plain = point(config(StrategyKind::Threads, SyncMode::Readback), 1, &[1e4]);
        let mut runs = one(vec![plain, stalled]);
        let said = |runs: &[Run]| stalls(&Analysis::of(runs), 0).join(" ");
        let elsewhere = said(&runs);
        assert!(elsewhere.contains("a hypothesis"), "{elsewhere}");
        runs[0].info.adapter.vendor_id = 0x10de;
        let traced = said(&runs);
        assert!(
            traced.contains("traced")
                && traced.contains("10 ms timeout")
                && !traced.contains("hypothesis"),
            "{traced}"
        );
        // The same driver through another API was not traced.
        runs[0].info.adapter.backend = "gl".into();
        assert!(said(&runs).contains("a hypothesis"));
    }
}
