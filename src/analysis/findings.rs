//! What a run's figures say, in numbers and in sentences: how close each
//! workload's best point comes to the device's ceilings (a roofline in
//! words), where blocking waits stall and what the phases show of it, and
//! the short summary a report opens with. Every sentence names the
//! figures it rests on; a cause is called a hypothesis unless a
//! measurement shows it.

use super::verdicts::{LINEAR, Outcome, Verdict, seeds_curve};
use super::{Analysis, Curve, Picks};
use crate::schema::{AdapterSummary, Point, Precision, StrategyKind, SyncMode, Upload, WaitStyle};

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

/// The GPU a run measured, without a framework's prefix: `PyTorch 2.11 ·
/// NVIDIA H200` and `NVIDIA H200` are one GPU.
fn gpu_of(name: &str) -> &str {
    name.rsplit(" · ").next().unwrap_or(name)
}

/// Framework or API? For each pair of merged runs on one GPU (wgpu's and
/// a peer framework's, such as the PyTorch peer), the matched threads and
/// round-trip figures side by side: a plateau both show follows the
/// per-op synchronisation, not one framework.
pub fn frameworks(a: &Analysis) -> Vec<String> {
    let mut out = Vec::new();
    let figure = |run: usize| {
        let threads = seeds_curve(a, run, LINEAR, StrategyKind::Threads)?;
        let batch1 = seeds_curve(a, run, LINEAR, StrategyKind::Batch)?;
        Some((
            threads.at(8).and_then(|p| p.efficiency)?,
            threads.peak()?.point.measured.samples_per_s?,
            batch1
                .at(1)
                .filter(|p| p.ok())?
                .point
                .measured
                .latency_us?
                .p50,
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
            let both_plateau = fi.0.hi < 0.5 && fj.0.hi < 0.5;
            out.push(format!(
                "{} and {} on one GPU, linear 256→128 with a readback after every op: 8 threads reach {:.0}% and {:.0}% efficiency, threads peak at {} and {} samples/s, one op's round trip takes {:.0} and {:.0} µs (p50). {}",
                a.run_labels[i],
                a.run_labels[j],
                fi.0.value * 100.0,
                fj.0.value * 100.0,
                fmt_rate(fi.1),
                fmt_rate(fj.1),
                fi.2,
                fj.2,
                if both_plateau {
                    "Both plateau: the plateau is neither framework's alone; it follows the per-op synchronisation both pay."
                } else {
                    "They differ: the one that scales shows the plateau is the other framework's (or its API's), not the GPU's."
                }
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

fn fmt_rate(v: f64) -> String {
    crate::units::si(v)
}

/// The report's opening sentences for `run`, each from its figures.
pub fn summary(a: &Analysis, run: usize, verdicts: &[Verdict], picks: &Picks) -> Vec<String> {
    let mut out = Vec::new();
    let label = &a.run_labels[run];
    let held = verdicts
        .iter()
        .filter(|v| v.outcome == Outcome::Holds)
        .count();
    let failed = verdicts
        .iter()
        .filter(|v| v.outcome == Outcome::DoesNotHold)
        .count();
    let unmeasured = verdicts.len() - held - failed;
    out.push(format!(
        "On {label}, of the seeds' {} claims {held} hold, {failed} do not and {unmeasured} were not measured by this run (the table above gives each figure and why).",
        verdicts.len()
    ));
    let find = |strategy| seeds_curve(a, run, LINEAR, strategy);
    // Only a batch curve that reaches large batches says where batching goes.
    let batch = find(StrategyKind::Batch).filter(|b| b.good().any(|p| p.point.n >= 64));
    if let (Some(t), Some(b)) = (find(StrategyKind::Threads), batch) {
        let (tp, bp) = (t.peak(), b.peak());
        if let (Some(tp), Some(bp)) = (tp, bp) {
            let e8 = t.at(8).and_then(|p| p.efficiency);
            out.push(format!(
                "On linear 256→128 with a readback after every op, threads peak at {} samples/s (N={}){}; one thread batching peaks at {} samples/s (batch {}), {:.0}× the threads' best.",
                fmt_rate(tp.point.measured.samples_per_s.unwrap_or(0.0)),
                tp.point.n,
                e8.map_or(String::new(), |e| format!(", {:.0}% efficiency at 8 threads against 1 thread under the same sync", e.value * 100.0)),
                fmt_rate(bp.point.measured.samples_per_s.unwrap_or(0.0)),
                bp.point.n,
                bp.point.measured.samples_per_s.unwrap_or(0.0) / tp.point.measured.samples_per_s.unwrap_or(1.0)
            ));
        }
    }
    // The shortest round trip of one op, with its output read back, and
    // waiting for the op only.
    for (sync, what) in [
        (SyncMode::Readback, "with its output read back"),
        (
            SyncMode::Wait,
            "waiting for the op only (its output stays on the GPU)",
        ),
    ] {
        let round_trips: Vec<_> = a
            .curves_of_run(run)
            .filter(|c| {
                // The op's own round trip: its input stays on the GPU.
                c.strategy() == StrategyKind::Batch
                    && c.config.sync == sync
                    && c.config.label.is_none()
                    && !c.config.upload_inputs
            })
            .filter_map(|c| {
                Some((
                    c,
                    c.at(1).filter(|p| p.ok())?.point.measured.latency_us?.p50,
                ))
            })
            .collect();
        if let Some(&(c, p50)) = round_trips.iter().min_by(|x, y| x.1.total_cmp(&y.1)) {
            // The same op and issue in the other wait styles: why this one.
            let others: Vec<String> = round_trips
                .iter()
                .filter(|(o, _)| {
                    o.config.wait != c.config.wait
                        && o.config.encode_ahead == c.config.encode_ahead
                        && o.config.workload_label() == c.workload_label()
                        && o.config.precision == c.config.precision
                })
                .map(|(o, v)| format!("{} {v:.1}", o.config.wait))
                .collect();
            let why = match c.config.wait {
                WaitStyle::Spin => {
                    " (a thread that spins on poll notices the completion first, at the cost of a core)"
                }
                _ => "",
            };
            out.push(format!(
                "The shortest round trip of one op at batch 1 {what}: {} {} with {} waits{}, p50 {:.1} µs{}{why}.",
                c.workload_label(),
                c.config.precision,
                c.config.wait,
                if c.config.encode_ahead {
                    ", each op encoded while the one before it ran"
                } else {
                    ""
                },
                p50,
                if others.is_empty() {
                    String::new()
                } else {
                    format!(" against {} µs", others.join(", "))
                }
            ));
        }
    }
    if let Some(p) = picks.single_stream {
        out.push(format!(
            "Best single stream among configurations that answer every op: {} N={} ({} · {}), {} samples/s.",
            p.config.strategy_label(),
            p.n,
            p.config.workload_label(),
            p.config.sync_label(),
            fmt_rate(p.measured.samples_per_s.unwrap_or(0.0))
        ));
    }
    out.extend(server_lines(&super::server_search(a, run)));
    let stalls = stalls(a, run);
    if !stalls.is_empty() {
        out.push(format!(
            "{} threads curve(s) stall: a few ops per hundred wait about 10 ms (see 'Stalls' for where the time sits).",
            stalls.len()
        ));
    }
    out
}

/// The server's lines: its best configuration at 16 clients against
/// batch 16 and where its time goes; and, where that misses the target,
/// the best with more clients than a batch, which can overlap what 16
/// clients and batches of 16 cannot.
fn server_lines(rows: &[super::ServerRow]) -> Vec<String> {
    let mut out = Vec::new();
    let measured = |r: &&super::ServerRow| r.vs_batch16.is_some();
    let Some(best) = rows.iter().filter(measured).find(|r| r.point.n == 16) else {
        return out;
    };
    out.push(format!(
        "The best server configuration measured at 16 closed-loop batch-1 clients, {} of one thread batching 16 under the same sync and wait (target 80%){}.",
        reaches(best),
        and_uploading(best)
    ));
    out.extend(server_time(best));
    let short = best.vs_batch16.is_some_and(|v| v.value < 0.8);
    if let Some(more) = rows
        .iter()
        .filter(measured)
        .find(|r| r.point.n > 16 && short)
    {
        let met = more.vs_batch16.is_some_and(|v| v.value >= 0.8);
        out.push(format!(
            "That is a limit of 16 clients: each waits in the batch on the GPU, so nothing can be collected while it runs, and its answering and the next batch's collecting add to every batch. \
             With {} clients one batch's clients send their next requests while the other batch runs: {} of batch 16{}{}.",
            more.point.n,
            reaches(more),
            if met { " (target met this way)" } else { "" },
            and_uploading(more)
        ));
    }
    out
}

/// A server configuration, what it reaches and its share of batch 16:
/// "server ≤16 / 50 µs under readback · spin, reaches 159k samples/s:
/// 51% (23–56%)".
fn reaches(row: &super::ServerRow) -> String {
    let p = row.point;
    let share = row
        .vs_batch16
        .map_or(String::new(), |v| format!(": {}", percent(v)));
    format!(
        "{} under {}{}, reaches {} samples/s{share}",
        p.config.strategy_label(),
        p.config.sync_label(),
        pinned(p),
        fmt_rate(p.measured.samples_per_s.unwrap_or(0.0)),
    )
}

/// The server's share of the thread that pays for its inputs as the owner
/// does, where the run measured it: ", and 80% (75–85%) of that thread
/// writing its inputs …".
fn and_uploading(row: &super::ServerRow) -> String {
    row.vs_uploading16.map_or(String::new(), |v| {
        format!(
            ", and {} of that thread writing its inputs before every op, as the owner writes its requests' rows",
            percent(v)
        )
    })
}

/// A share with its range, in whole percents: "51% (23–56%)".
fn percent(v: super::Interval) -> String {
    format!(
        "{:.0}% ({:.0}–{:.0}%)",
        v.value * 100.0,
        v.lo * 100.0,
        v.hi * 100.0
    )
}

/// How a spinning owner was placed, for a configuration's name.
fn pinned(p: &Point) -> String {
    p.prepared.owner_cores.map_or(String::new(), |c| {
        format!(
            " (owner pinned to a core of its own, clients sharing the other {})",
            c.clients
        )
    })
}

/// Where the best server's time goes, against its baseline's round trip:
/// its service per batch, its phases beside the thread's, the requests'
/// queueing, and the most its clients could get through that service
/// with no hand-off at all (batches in flight × mean batch / service).
fn server_time(best: &super::ServerRow) -> Option<String> {
    let p = best.point;
    let b = best.batch16?;
    let service = p.measured.service_us?.p50;
    let queued = p.measured.queue_us?.p50;
    let round_trip = b.measured.latency_us?.p50;
    let (own, base) = (p.measured.phases_us?, b.measured.phases_us?);
    let mean_batch = best.mean_batch?;
    let b_rate = b.measured.samples_per_s?;
    if service <= 0.0 || b_rate <= 0.0 {
        return None;
    }
    let bound = p.config.sync.depth() as f64 * mean_batch / (service * 1e-6);
    // The owner's own costs per batch, where recorded.
    let costs = p.measured.owner_us.map_or(String::new(), |o| {
        format!(
            "per batch the owner copies the requests' rows {} in {:.1} µs and hands out the answers in {:.1} µs{}; ",
            match p.prepared.upload {
                Some(Upload::Mapped) => "in place, into the input it maps (the op copies nothing),",
                Some(Upload::Staged) | None => "for a staging chunk (which the op copies to its input)",
            },
            o.rows.median,
            o.answer.median,
            o.idle.map_or(String::new(), |i| format!(
                ", and the GPU waits {:.1} µs (median; mean {:.1}) between an answer and the next batch",
                i.median, i.mean
            ))
        )
    });
    Some(format!(
        "Where that server's time goes: a batch's service takes {service:.0} µs (p50) against {round_trip:.0} µs for the thread's whole round trip at batch 16 \
         (per op, owner against thread: encode {:.1} against {:.1} µs, submit {:.1} against {:.1}, wait {:.1} against {:.1}), and requests queue {queued:.0} µs for company; \
         {costs}at {mean_batch:.1} requests a batch and {} in flight, that service alone caps the server at {} samples/s ({:.0}% of batch 16) even with no hand-off.",
        own.encode.median,
        base.encode.median,
        own.submit.median,
        base.submit.median,
        own.wait.median,
        base.wait.median,
        match p.config.sync.depth() {
            1 => "one batch".to_string(),
            d => format!("{d} batches"),
        },
        fmt_rate(bound),
        100.0 * bound / b_rate
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::HistogramBin;

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
    fn the_server_line_caps_it_by_its_service_and_names_the_phases() {
        use crate::analysis::testing::{config, point, run};
        use crate::schema::Latency;
        let mut server = config(StrategyKind::Server, SyncMode::Readback);
        server.max_batch = Some(16);
        server.max_delay_us = Some(50);
        let mut s = point(server, 16, &[100_000.0, 100_000.0, 100_000.0]);
        let lat = |p50: f64| Latency {
            avg: p50,
            p50,
            p90: None,
            p95: None,
            p99: p50,
            max: p50,
        };
        s.measured.service_us = Some(lat(80.0));
        s.measured.queue_us = Some(lat(20.0));
        s.measured.batch_sizes = [(16, 3), (8, 2)].into_iter().collect();
        let center = |median: f64| crate::schema::Center {
            median,
            mean: median + 1.0,
            p99: None,
            max: None,
        };
        s.measured.owner_us = Some(crate::schema::OwnerBreakdown {
            rows: center(0.5),
            answer: center(3.5),
            idle: Some(center(20.0)),
        });
        let b = point(
            config(StrategyKind::Batch, SyncMode::Readback),
            16,
            &[400_000.0, 400_000.0, 400_000.0],
        );
        let runs = [run("x", vec![s, b])];
        let a = Analysis::of(&runs);
        let best = crate::analysis::server_search(&a, 0).remove(0);
        let line = server_time(&best).expect("every figure is there");
        // 12.8 requests a batch over 80 µs: 160k samples/s, 40% of 400k.
        assert!(
            line.contains("service takes 80 µs")
                && line.contains("queue 20 µs")
                && line.contains("copies the requests' rows for a staging chunk (which the op copies to its input) in 0.5 µs and hands out the answers in 3.5 µs, and the GPU waits 20.0 µs (median; mean 21.0)")
                && line.contains("at 12.8 requests a batch and one batch in flight")
                && line.contains("160k samples/s (40% of batch 16)"),
            "{line}"
        );
        // An owner that wrote its rows in place says so.
        let mut mapped = best.point.clone();
        mapped.prepared.upload = Some(Upload::Mapped);
        let row = crate::analysis::ServerRow {
            point: &mapped,
            ..best
        };
        let line = server_time(&row).expect("every figure is there");
        assert!(
            line.contains("copies the requests' rows in place, into the input it maps (the op copies nothing), in 0.5 µs"),
            "{line}"
        );
        // Without the service time there is nothing to say.
        let mut no_service = best.point.clone();
        no_service.measured.service_us = None;
        let row = crate::analysis::ServerRow {
            point: &no_service,
            ..best
        };
        assert_eq!(server_time(&row), None);
    }

    #[test]
    fn a_server_short_of_the_target_at_16_clients_is_shown_with_the_configuration_that_overcomes_it()
     {
        use crate::analysis::server_search;
        use crate::analysis::testing::{config, point, run};
        use crate::schema::WaitStyle;
        let server = |n: u32, rate: f64| {
            let mut c = config(StrategyKind::Server, SyncMode::Readback);
            c.max_batch = Some(16);
            c.max_delay_us = Some(50);
            c.wait = WaitStyle::Spin;
            let mut p = point(c, n, &[rate, rate, rate]);
            p.prepared.owner_cores = Some(crate::schema::OwnerCores {
                owner: 0,
                clients: 15,
            });
            p
        };
        let mut batch = config(StrategyKind::Batch, SyncMode::Readback);
        batch.wait = WaitStyle::Spin;
        let b = point(batch, 16, &[400_000.0, 400_000.0, 400_000.0]);
        let runs = [run(
            "x",
            vec![server(16, 200_000.0), server(32, 340_000.0), b.clone()],
        )];
        let a = Analysis::of(&runs);
        let lines = server_lines(&server_search(&a, 0));
        assert!(
            lines[0].contains("at 16 closed-loop batch-1 clients")
                && lines[0].contains("clients sharing the other 15")
                && lines[0].contains("50% (50–50%)"),
            "{lines:?}"
        );
        let last = lines.last().unwrap();
        assert!(
            last.contains("With 32 clients")
                && last.contains("85% (85–85%)")
                && last.contains("target met this way"),
            "{last}"
        );
        // At the target with 16 clients, nothing more is said.
        let runs = [run(
            "x",
            vec![server(16, 330_000.0), server(32, 340_000.0), b],
        )];
        let a = Analysis::of(&runs);
        let lines = server_lines(&server_search(&a, 0));
        assert!(
            lines.iter().all(|l| !l.contains("With 32 clients")),
            "{lines:?}"
        );
    }

    #[test]
    fn a_server_is_also_read_against_a_thread_that_writes_its_inputs_where_one_was_measured() {
        use crate::analysis::server_search;
        use crate::analysis::testing::{config, point, run};
        let mut server = config(StrategyKind::Server, SyncMode::Readback);
        server.max_batch = Some(16);
        server.max_delay_us = Some(50);
        let server = point(server, 16, &[200_000.0; 3]);
        let plain = point(
            config(StrategyKind::Batch, SyncMode::Readback),
            16,
            &[400_000.0; 3],
        );
        let mut uploads = config(StrategyKind::Batch, SyncMode::Readback);
        uploads.upload_inputs = true;
        let uploading = point(uploads, 16, &[250_000.0; 3]);
        let runs = [run("x", vec![server.clone(), plain.clone(), uploading])];
        let a = Analysis::of(&runs);
        let rows = server_search(&a, 0);
        // The target stays against the plain thread; the other is beside it.
        assert_eq!(rows[0].batch16.map(|b| b.config.upload_inputs), Some(false));
        assert_eq!(
            rows[0].uploading16.map(|b| b.config.upload_inputs),
            Some(true)
        );
        let lines = server_lines(&rows);
        assert!(
            lines[0].contains("reaches 200k samples/s: 50% (50–50%) of one thread batching 16 under the same sync and wait (target 80%), and 80% (80–80%) of that thread writing its inputs before every op"),
            "{lines:?}"
        );
        // Without that thread in the run, only the plain one is named.
        let runs = [run("x", vec![server, plain])];
        let a = Analysis::of(&runs);
        let lines = server_lines(&server_search(&a, 0));
        assert!(
            !lines[0].contains("writing its inputs") && lines[0].contains("50% (50–50%)"),
            "{lines:?}"
        );
    }
}
