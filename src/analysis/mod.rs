//! Figures derived from result records, never measured: curves (built
//! once, with their baselines, speedups, efficiencies, noise and fits),
//! cross-strategy advantages between matched points, the picks a user
//! could act on, the seeds' verdicts and run-to-run comparisons. Pure
//! functions of loaded runs; charts and reports read them and compute
//! nothing of their own.

mod bootstrap;
pub mod compare;
pub mod curve;
pub mod estimate;
pub mod reproduce;
pub mod roofline;
pub mod sanity;
#[cfg(test)]
pub mod testing;
#[cfg(test)]
mod tests;
pub mod usl;
pub mod verdicts;

use crate::schema::{Point, Status, StrategyKind};
use crate::store::Run;
pub use curve::{Baseline, Curve, CurvePoint, Noise};
pub use estimate::Interval;

/// Everything derived from a set of runs.
pub struct Analysis<'a> {
    pub runs: &'a [Run],
    /// Each run's short label for legends: its adapter, and its start time
    /// when two runs share an adapter.
    pub run_labels: Vec<String>,
    pub curves: Vec<Curve<'a>>,
}

/// "adapter (backend)", the adapter's name without its parenthesised
/// details ("llvmpipe (LLVM 15.0.6, 256 bits)" is "llvmpipe").
fn adapter_label(run: &Run) -> String {
    let full = &run.info.adapter.name;
    let name = crate::printable::clip(full.split(" (").next().unwrap_or(full).trim(), 40);
    format!("{name} ({})", run.info.adapter.backend)
}

impl<'a> Analysis<'a> {
    pub fn of(runs: &'a [Run]) -> Self {
        let adapters: Vec<String> = runs.iter().map(adapter_label).collect();
        // Runs sharing an adapter are told apart by their experiment, and
        // by their start where that is shared too.
        let by_name: Vec<String> = adapters
            .iter()
            .zip(runs)
            .map(|(a, run)| {
                if adapters.iter().filter(|b| *b == a).count() > 1 {
                    format!("{a} · {}", run.info.experiment_name)
                } else {
                    a.clone()
                }
            })
            .collect();
        let run_labels = by_name
            .iter()
            .zip(runs)
            .map(|(l, run)| {
                if by_name.iter().filter(|b| *b == l).count() > 1 {
                    format!("{l} · {}", run.info.started_at.format("%Y-%m-%d %H:%M"))
                } else {
                    l.clone()
                }
            })
            .collect();
        let curves = runs
            .iter()
            .enumerate()
            .flat_map(|(i, r)| curve::build(i, &r.points))
            .collect();
        Self {
            runs,
            run_labels,
            curves,
        }
    }

    /// The workloads in first-measured order, each with its curves.
    pub fn by_workload(&self) -> Vec<(String, Vec<&Curve<'a>>)> {
        let mut groups: Vec<(String, Vec<&Curve>)> = Vec::new();
        for c in &self.curves {
            let w = c.workload_label();
            match groups.iter_mut().find(|(k, _)| *k == w) {
                Some((_, g)) => g.push(c),
                None => groups.push((w, vec![c])),
            }
        }
        groups
    }

    pub fn curves_of_run(&self, run: usize) -> impl Iterator<Item = &Curve<'a>> {
        self.curves.iter().filter(move |c| c.run == run)
    }

    /// The curve point of `p`, if `p` is one of the analysed points.
    pub fn point(&self, p: &Point) -> Option<&CurvePoint<'a>> {
        self.curves
            .iter()
            .flat_map(|c| &c.points)
            .find(|cp| std::ptr::eq(cp.point, p))
    }
}

/// One N of a cross-strategy comparison: each strategy's samples/s there,
/// all under one sync mode, wait style and precision. An advantage
/// ("batching is 30× threading at N=8"), never an efficiency.
#[derive(Clone, Debug, PartialEq)]
pub struct AdvantageRow {
    pub n: u32,
    /// (curve label, samples/s) of every curve with a good point at this N.
    pub samples_per_s: Vec<(String, f64)>,
}

impl AdvantageRow {
    /// samples/s of curve `a` over curve `b`, where both were measured.
    pub fn ratio(&self, a: &str, b: &str) -> Option<f64> {
        let get = |s: &str| {
            self.samples_per_s
                .iter()
                .find(|(k, _)| k == s)
                .map(|(_, v)| *v)
        };
        Some(get(a)? / get(b)?)
    }
}

/// A group of matched curves: one run, workload, sync, wait style and precision.
#[derive(Clone, Debug, PartialEq)]
pub struct Matched {
    pub workload: String,
    pub sync: String,
    pub precision: String,
    pub rows: Vec<AdvantageRow>,
}

/// Cross-strategy comparisons within run `run`: for each (workload, sync,
/// wait, precision), the N at which at least two curves have good points.
/// Labelled curves (steps of a sequence) and `hybrid` (its N counts
/// threads of B samples) are left out.
pub fn advantages(a: &Analysis, run: usize) -> Vec<Matched> {
    let mut groups: Vec<Matched> = Vec::new();
    for c in a.curves_of_run(run).filter(|c| {
        c.config.label.is_none()
            && c.strategy() != StrategyKind::Hybrid
            && c.strategy() != StrategyKind::Gpus
    }) {
        let (workload, sync, precision) = (
            c.workload_label(),
            c.config.sync_label(),
            c.config.precision.to_string(),
        );
        let gi = match groups
            .iter()
            .position(|g| g.workload == workload && g.sync == sync && g.precision == precision)
        {
            Some(i) => i,
            None => {
                groups.push(Matched {
                    workload,
                    sync,
                    precision,
                    rows: Vec::new(),
                });
                groups.len() - 1
            }
        };
        let label = c.config.strategy_label();
        for p in c.good() {
            let sps = p
                .point
                .measured
                .samples_per_s
                .expect("good points have a rate");
            let rows = &mut groups[gi].rows;
            match rows.iter_mut().find(|r| r.n == p.point.n) {
                Some(row) => row.samples_per_s.push((label.clone(), sps)),
                None => rows.push(AdvantageRow {
                    n: p.point.n,
                    samples_per_s: vec![(label.clone(), sps)],
                }),
            }
        }
    }
    for g in &mut groups {
        g.rows.retain(|r| r.samples_per_s.len() >= 2);
        g.rows.sort_by_key(|r| r.n);
    }
    groups.retain(|g| !g.rows.is_empty());
    groups
}

/// A latency bound the picks and the server metric are read against, µs.
pub const LATENCY_BOUNDS_US: [f64; 2] = [1_000.0, 10_000.0];

/// The best configurations a user could act on, among points whose sync
/// gives every op's result to the host (`readback`, `wait`): a point
/// synchronised once per trial would win by answering nobody.
#[derive(Clone, Debug)]
pub struct Picks<'a> {
    pub single_stream: Option<&'a Point>,
    pub parallel_streams: Option<&'a Point>,
    /// The most samples/s whose p99 stays within the bound, per bound (µs).
    pub latency: Vec<(f64, Option<&'a Point>)>,
}

pub fn picks<'a>(a: &Analysis<'a>, run: usize) -> Picks<'a> {
    let usable: Vec<&'a Point> = a
        .curves_of_run(run)
        .filter(|c| c.config.sync.answers_every_op() && c.config.label.is_none())
        .flat_map(|c| c.good().map(|p| p.point))
        .collect();
    let best = |keep: &dyn Fn(&Point) -> bool| {
        usable.iter().copied().filter(|p| keep(p)).max_by(|x, y| {
            x.measured
                .samples_per_s
                .unwrap_or(0.0)
                .total_cmp(&y.measured.samples_per_s.unwrap_or(0.0))
        })
    };
    Picks {
        single_stream: best(&|p| {
            p.workers() == 1
                && p.config.strategy != StrategyKind::Server
                && p.config.strategy != StrategyKind::Queue
        }),
        parallel_streams: best(&|p| {
            p.workers() > 1
                || matches!(
                    p.config.strategy,
                    StrategyKind::Server | StrategyKind::Queue
                )
        }),
        latency: LATENCY_BOUNDS_US
            .iter()
            .map(|&bound| {
                (
                    bound,
                    best(&|p| p.measured.latency_us.is_some_and(|l| l.p99 <= bound)),
                )
            })
            .collect(),
    }
}

/// MLPerf's server metric: the most samples/s of a `server` or `queue`
/// curve whose p99 per request stays within each bound (µs).
pub fn server_capacity<'a>(a: &Analysis<'a>, run: usize) -> Vec<(String, f64, Option<&'a Point>)> {
    let mut out = Vec::new();
    for c in a
        .curves_of_run(run)
        .filter(|c| matches!(c.strategy(), StrategyKind::Server | StrategyKind::Queue))
    {
        for &bound in &LATENCY_BOUNDS_US {
            let best = c
                .good()
                .filter(|p| p.point.measured.latency_us.is_some_and(|l| l.p99 <= bound))
                .max_by(|x, y| {
                    x.point
                        .measured
                        .samples_per_s
                        .unwrap_or(0.0)
                        .total_cmp(&y.point.measured.samples_per_s.unwrap_or(0.0))
                })
                .map(|p| p.point);
            out.push((format!("{} · {}", c.workload_label(), c.label), bound, best));
        }
    }
    out
}

/// One server configuration read against one thread batching 16
/// samples per op under the same sync mode and wait style.
#[derive(Clone, Debug)]
pub struct ServerRow<'a> {
    pub point: &'a Point,
    /// One thread batching 16 under the same sync and wait: the baseline.
    pub batch16: Option<&'a Point>,
    /// samples/s over batch 16's, as an interval from both points' trials.
    pub vs_batch16: Option<Interval>,
    /// The same thread writing its inputs from the host before every op
    /// (`upload_inputs`), as the owner writes its requests' rows: the
    /// baseline matched for the upload, where the run measured it.
    pub uploading16: Option<&'a Point>,
    pub vs_uploading16: Option<Interval>,
    /// Requests per batch the owner formed, on average.
    pub mean_batch: Option<f64>,
}

/// The server's reference: one thread batching 16 under `c`'s workload,
/// sync, wait, precision and pool, issuing ops as `c`'s baseline does,
/// writing its inputs before every op (`uploads`) or not.
pub fn batch16<'b, 'a>(
    a: &'b Analysis<'a>,
    c: &Curve,
    uploads: bool,
) -> Option<&'b CurvePoint<'a>> {
    a.curves_of_run(c.run)
        .find(|b| {
            b.strategy() == StrategyKind::Batch
                && b.config.label.is_none()
                && b.workload_label() == c.workload_label()
                && b.config.sync == c.config.sync
                && b.config.wait == c.config.wait
                && b.config.precision == c.config.precision
                && b.config.pool == c.config.pool
                && b.config.encode_ahead == c.config.baseline_encodes_ahead()
                && b.config.upload_inputs == uploads
        })
        .and_then(|b| b.at(16).filter(|q| q.ok()))
}

/// The `server` points of `run` with closed-loop clients and at least 16
/// of them: the configuration search the report tabulates, best first.
pub fn server_search<'a>(a: &Analysis<'a>, run: usize) -> Vec<ServerRow<'a>> {
    let mut rows: Vec<ServerRow> = a
        .curves_of_run(run)
        .filter(|c| c.strategy() == StrategyKind::Server && c.config.arrival_rate_per_s.is_none())
        .flat_map(|c| c.good().filter(|p| p.point.n >= 16).map(move |p| (c, p)))
        .map(|(c, p)| {
            let batch16 = |uploads: bool| batch16(a, c, uploads);
            let range = |p: &Point| {
                let v = p.measured.samples_per_s?;
                let s = p.measured.samples_per_s_spread;
                Some((v, s.map_or(v, |s| s.min), s.map_or(v, |s| s.max)))
            };
            let against = |b: &CurvePoint| {
                let (v, lo, hi) = range(p.point)?;
                let (bv, blo, bhi) = range(b.point)?;
                (bv > 0.0 && blo > 0.0).then(|| Interval {
                    value: v / bv,
                    lo: lo / bhi,
                    hi: hi / blo,
                })
            };
            let (plain, uploading) = (batch16(false), batch16(true));
            let (sum, count) = p
                .point
                .measured
                .batch_sizes
                .iter()
                .fold((0u64, 0u64), |(s, c), (size, n)| {
                    (s + u64::from(*size) * n, c + n)
                });
            ServerRow {
                point: p.point,
                batch16: plain.map(|b| b.point),
                vs_batch16: plain.and_then(against),
                uploading16: uploading.map(|b| b.point),
                vs_uploading16: uploading.and_then(against),
                mean_batch: (count > 0).then(|| sum as f64 / count as f64),
            }
        })
        .collect();
    rows.sort_by(|x, y| {
        let v = |r: &ServerRow| r.vs_batch16.map_or(-1.0, |i| i.value);
        v(y).total_cmp(&v(x))
    });
    rows
}

/// Report 001's workload size impact: single linear layers measured as
/// `hybrid` at 1 and at 8 threads with the same batch per op, as
/// (dims, batch, one-thread point, eight-thread point), smallest first.
pub fn size_rows<'a>(a: &Analysis<'a>, run: usize) -> Vec<(Vec<u32>, u32, &'a Point, &'a Point)> {
    let mut rows: Vec<(Vec<u32>, u32, &Point, &Point)> = a
        .curves_of_run(run)
        .filter(|c| {
            c.config.workload == crate::schema::WorkloadKind::Linear
                && c.strategy() == StrategyKind::Hybrid
        })
        .filter_map(|c| {
            let one = c.at(1).filter(|p| p.ok())?.point;
            let eight = c.at(8).filter(|p| p.ok())?.point;
            Some((c.config.dims.clone(), one.layout.batch, one, eight))
        })
        .collect();
    rows.sort_by_key(|(d, _, _, _)| d.iter().map(|&x| u64::from(x)).product::<u64>());
    rows
}

/// Labelled points (the steps of a sequence, report 004's stack), in
/// measured order.
pub fn steps(run: &Run) -> Vec<&Point> {
    run.points
        .iter()
        .filter(|p| p.config.label.is_some())
        .collect()
}

/// Report 003's stress verification: per model and precision, the
/// `threads` point that checked every output if there is one, else the
/// one with the most threads.
pub fn stress_points(run: &Run) -> Vec<&Point> {
    let mut chosen: Vec<&Point> = Vec::new();
    for p in run.points.iter().filter(|p| {
        // A point the adapter or peer could not run checked nothing.
        p.config.strategy == StrategyKind::Threads
            && p.config.label.is_none()
            && p.measured.status != Status::Unsupported
    }) {
        let same = |q: &&Point| {
            q.config.workload_label() == p.config.workload_label()
                && q.config.precision == p.config.precision
        };
        let rank = |q: &Point| {
            let every =
                q.measured.ops_checked > 0 && q.measured.ops_checked == q.measured.ops_completed;
            (every, q.n, q.measured.ops_checked)
        };
        match chosen.iter().position(same) {
            Some(i) if rank(p) > rank(chosen[i]) => chosen[i] = p,
            Some(_) => {}
            None => chosen.push(p),
        }
    }
    chosen
}

/// Curves measured by more than one run, by key: the cross-backend,
/// cross-machine check.
pub fn across_runs<'a, 'b>(a: &'b Analysis<'a>) -> Vec<Vec<&'b Curve<'a>>> {
    let mut groups: Vec<Vec<&Curve>> = Vec::new();
    let mut index: std::collections::HashMap<&str, usize> = Default::default();
    for c in &a.curves {
        let i = *index.entry(c.key.as_str()).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[i].push(c);
    }
    groups.retain(|g| {
        let mut runs: Vec<usize> = g.iter().map(|c| c.run).collect();
        runs.dedup();
        runs.len() > 1
    });
    groups
}

/// Whether a point's figure can be trusted (ok and not noisy).
pub fn steady(p: &CurvePoint) -> bool {
    p.ok() && !p.noise.is_noisy()
}

/// Points of a run that did not produce a figure.
pub fn bad_points(run: &Run) -> impl Iterator<Item = &Point> {
    run.points
        .iter()
        .filter(|p| p.measured.status != Status::Ok)
}
