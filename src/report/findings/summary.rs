//! The summary a report opens with: the verdicts counted, the seeds'
//! central comparison in a few figures, the best configurations, and the
//! server against one thread batching.

use super::waits::stalls;
use super::{fmt_rate, percent};
use crate::analysis::verdicts::{LINEAR, Outcome, Verdict, seeds_curve};
use crate::analysis::{Analysis, Picks, ServerRow};
use crate::schema::{Point, StrategyKind, SyncMode, Upload, WaitStyle};

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
    let inconclusive = verdicts
        .iter()
        .filter(|v| v.outcome == Outcome::Inconclusive)
        .count();
    let unmeasured = verdicts.len() - held - failed - inconclusive;
    let were = |n: usize| if n == 1 { "was" } else { "were" };
    let are = |n: usize| if n == 1 { "is" } else { "are" };
    let holds = |n: usize| if n == 1 { "holds" } else { "hold" };
    let does = |n: usize| if n == 1 { "does" } else { "do" };
    out.push(format!(
        "On {label}, of the seeds' {} claims {held} {}, {failed} {} not, {inconclusive} {} inconclusive (the interval reaches both sides of the rule) and {unmeasured} {} not measured by this run.",
        verdicts.len(),
        holds(held),
        does(failed),
        are(inconclusive),
        were(unmeasured)
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
    out.extend(server_lines(&crate::analysis::server_search(a, run)));
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
fn server_lines(rows: &[ServerRow]) -> Vec<String> {
    let mut out = Vec::new();
    let measured = |r: &&ServerRow| r.vs_batch16.is_some();
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
fn reaches(row: &ServerRow) -> String {
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
fn and_uploading(row: &ServerRow) -> String {
    row.vs_uploading16.map_or(String::new(), |v| {
        format!(
            ", and {} of that thread writing its inputs before every op, as the owner writes its requests' rows",
            percent(v)
        )
    })
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
fn server_time(best: &ServerRow) -> Option<String> {
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
