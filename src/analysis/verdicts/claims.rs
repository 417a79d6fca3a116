//! The seeds' claims, one function each: which points answer it, the
//! matched figure with its interval, and the claim's rule.

use super::{Outcome, Verdict, inside, within_2x};
use crate::analysis::estimate::{self, estimate};
use crate::analysis::{Analysis, Curve, CurvePoint, Interval};
use crate::schema::{Point, Precision, Status, StrategyKind, SyncMode, WaitStyle};
use crate::stats;

/// A claim of the seeds: which report(s), what they said, what they
/// measured.
struct Claim {
    source: &'static str,
    claim: &'static str,
    seeds: &'static str,
}

impl Claim {
    fn verdict<'a>(
        &self,
        measured: String,
        outcome: Outcome,
        rule: impl Into<String>,
        reason: String,
        points: Vec<&'a Point>,
    ) -> Verdict<'a> {
        Verdict {
            source: self.source,
            claim: self.claim,
            seeds: self.seeds,
            measured,
            outcome,
            rule: rule.into(),
            reason,
            points,
            flags: Vec::new(),
        }
    }

    fn not_measured<'a>(&self, what: &str) -> Verdict<'a> {
        self.verdict(
            "–".into(),
            Outcome::NotMeasured,
            "",
            format!("this run has no {what}"),
            Vec::new(),
        )
    }
}

pub const LINEAR: &str = "linear 256→128";

/// The seeds' way of syncing: a readback (`.cpu()`) after every op, the
/// host blocking until it is done.
pub fn seeds_curve<'b, 'a>(
    a: &'b Analysis<'a>,
    run: usize,
    workload: &str,
    strategy: StrategyKind,
) -> Option<&'b Curve<'a>> {
    a.curves_of_run(run).find(|c| {
        c.workload_label() == workload
            && c.strategy() == strategy
            && c.config.sync == SyncMode::Readback
            && c.config.wait == WaitStyle::Block
            && c.config.precision == Precision::F32
            && c.config.label.is_none()
            && c.config.pool
            && !c.config.encode_ahead
            && !c.config.upload_inputs
    })
}

/// The seeds' curves of two strategies on linear 256→128, or the verdict
/// that this run did not measure them.
fn seeds_pair<'b, 'a>(
    a: &'b Analysis<'a>,
    run: usize,
    (x, y): (StrategyKind, StrategyKind),
    claim: &Claim,
) -> Result<(&'b Curve<'a>, &'b Curve<'a>), Box<Verdict<'a>>> {
    match (
        seeds_curve(a, run, LINEAR, x),
        seeds_curve(a, run, LINEAR, y),
    ) {
        (Some(cx), Some(cy)) => Ok((cx, cy)),
        _ => Err(Box::new(claim.not_measured(&format!(
            "{x} and {y} curves of linear 256→128 under readback"
        )))),
    }
}

fn good_at<'b, 'a>(c: &'b Curve<'a>, n: u32) -> Option<&'b CurvePoint<'a>> {
    c.at(n).filter(|p| p.ok())
}

fn pct(i: Interval) -> String {
    format!(
        "{:.1}% ({:.1}–{:.1}%)",
        i.value * 100.0,
        i.lo * 100.0,
        i.hi * 100.0
    )
}

fn times(i: Interval) -> String {
    format!("{:.2}× ({:.2}–{:.2}×)", i.value, i.lo, i.hi)
}

/// Per-op phases at N=1 and N=`n` of `c`, in words, and the phase that
/// grew most with how decisively: the measured reason behind a threads
/// verdict.
struct PhaseGrowth {
    text: String,
    grew: &'static str,
    /// The growth of the phase that grew most over the runner-up's.
    lead: f64,
    /// How much it grew, µs per op.
    by_us: f64,
}

fn phase_growth(c: &Curve, n: u32) -> Option<PhaseGrowth> {
    let one = good_at(c, 1)?.point.measured.phases_us?;
    let many = good_at(c, n)?.point.measured.phases_us?;
    let mut phases = [
        ("encode", one.encode.median, many.encode.median),
        ("submit", one.submit.median, many.submit.median),
        ("wait", one.wait.median, many.wait.median),
        ("readback", one.readback.median, many.readback.median),
    ];
    let text = phases
        .iter()
        .map(|(name, a, b)| format!("{name} {a:.1} → {b:.1} µs"))
        .collect::<Vec<_>>()
        .join(", ");
    let gpu = match (one.gpu, many.gpu) {
        (Some(g1), Some(g8)) => format!("; GPU time {:.1} → {:.1} µs", g1.median, g8.median),
        _ => String::new(),
    };
    phases.sort_by(|x, y| (y.2 - y.1).total_cmp(&(x.2 - x.1)));
    let (top, second) = (
        phases[0].2 - phases[0].1,
        (phases[1].2 - phases[1].1).max(0.0),
    );
    Some(PhaseGrowth {
        text: format!("per op from N=1 to N={n}: {text}{gpu}"),
        grew: phases[0].0,
        lead: if second > 0.0 {
            top / second
        } else {
            f64::INFINITY
        },
        by_us: top,
    })
}

fn threading_efficiency<'a>(a: &Analysis<'a>, run: usize) -> Verdict<'a> {
    let claim = Claim {
        source: "000, 002",
        claim: "Threads barely scale: 8 threads sharing the GPU run at 3.2% efficiency (1.6% at 16)",
        seeds: "3.2% at 8, 1.6% at 16 (linear 256→128, `.cpu()` after each op)",
    };
    let Some(c) = seeds_curve(a, run, LINEAR, StrategyKind::Threads) else {
        return claim.not_measured("threads curve of linear 256→128 under readback");
    };
    let (Some(p8), Some(p1)) = (good_at(c, 8), good_at(c, 1)) else {
        return claim.not_measured("good threads points at N=1 and N=8");
    };
    let Some(e8) = p8.efficiency else {
        return claim.not_measured("threads efficiency at N=8");
    };
    let e16 = good_at(c, 16).and_then(|p| p.efficiency);
    let mut measured = format!("{} at 8", pct(e8));
    if let Some(e) = e16 {
        measured.push_str(&format!(", {} at 16", pct(e)));
    }
    // "Barely": anything under twice the seeds' figure agrees.
    let outcome = inside(e8, 0.0, 2.0 * 0.032);
    let mut reason = match outcome {
        Outcome::Holds => "the matched efficiency is as low as the seeds found".to_string(),
        Outcome::DoesNotHold => {
            "efficiency against threads N=1 under the same readback is far above the seeds' figure"
                .to_string()
        }
        _ => "the interval reaches both sides of twice the seeds' figure".to_string(),
    };
    // The seeds' mismatch, redone where the run has what it needs:
    // threads synced every op over batch 1 synced once per trial.
    let mismatch = a
        .curves_of_run(run)
        .find(|b| {
            b.workload_label() == LINEAR
                && b.strategy() == StrategyKind::Batch
                && b.config.sync == SyncMode::End
                && b.config.label.is_none()
        })
        .and_then(|b| good_at(b, 1))
        .and_then(|b1| estimate(&[p8.point, b1.point], |r| r[0] / (8.0 * r[1])));
    if let Some(seeds_way) = mismatch {
        reason.push_str(&format!(
            "; computed the seeds' way (threads synced every op over 8 × batch 1 synced once per trial) this run gives {}: the headline mixed sync cost into scaling",
            pct(seeds_way)
        ));
    }
    if let Some(g) = phase_growth(c, 8) {
        reason.push_str(&format!("; {}", g.text));
    }
    claim.verdict(
        measured,
        outcome,
        "holds if the 8-thread efficiency's interval lies below 6.4% (twice the seeds'), does not hold if it lies above",
        reason,
        vec![p1.point, p8.point],
    )
}

fn driver_serialises_encoding<'a>(a: &Analysis<'a>, run: usize) -> Verdict<'a> {
    let claim = Claim {
        source: "000, 002",
        claim: "The cause is the driver: command encoding is serialised per process, so threads wait to encode",
        seeds: "inferred from efficiency ≈ 1/N; no phase measured",
    };
    let Some(c) = seeds_curve(a, run, LINEAR, StrategyKind::Threads) else {
        return claim.not_measured("threads curve of linear 256→128 under readback");
    };
    let Some(g) = phase_growth(c, 8) else {
        return claim.not_measured("phases at threads N=1 and N=8");
    };
    // Per-op phase medians are over thousands of ops; the runner-up
    // must be clearly behind for the lead to mean anything.
    let decisive = g.lead >= 1.5 && g.by_us >= 2.0;
    let outcome = match (decisive, g.grew == "encode") {
        (true, true) => Outcome::Holds,
        (true, false) => Outcome::DoesNotHold,
        (false, _) => Outcome::Inconclusive,
    };
    let points = [good_at(c, 1), good_at(c, 8)]
        .into_iter()
        .flatten()
        .map(|p| p.point)
        .collect();
    claim.verdict(
        format!("the phase that grows most from 1 to 8 threads: {}", g.grew),
        outcome,
        "holds if encode is the phase that grows most, by 1.5× the runner-up's growth and 2 µs at least; does not hold if another phase does so",
        g.text,
        points,
    )
}

fn batching_efficiency<'a>(a: &Analysis<'a>, run: usize) -> Verdict<'a> {
    let claim = Claim {
        source: "000",
        claim: "Batching scales near-linearly: 88% efficiency at batch 64, 51% at 256",
        seeds: "88% at 64, 51% at 256 (linear 256→128)",
    };
    let Some(c) = seeds_curve(a, run, LINEAR, StrategyKind::Batch) else {
        return claim.not_measured("batch curve of linear 256→128 under readback");
    };
    let (Some(p1), Some(p64), Some(p256)) = (good_at(c, 1), good_at(c, 64), good_at(c, 256)) else {
        return claim.not_measured("good batch points at 1, 64 and 256");
    };
    let (Some(e64), Some(e256)) = (p64.efficiency, p256.efficiency) else {
        return claim.not_measured("batch efficiencies at 64 and 256");
    };
    // Near-linear: at least half the seeds' efficiency at each size.
    let outcome = Outcome::all(&[
        inside(e64, 0.88 / 2.0, f64::INFINITY),
        inside(e256, 0.51 / 2.0, f64::INFINITY),
    ]);
    let gpu = (|| {
        Some((
            p1.point.measured.phases_us?.gpu?.median,
            p256.point.measured.phases_us?.gpu?.median,
        ))
    })();
    claim.verdict(
        format!("{} at 64, {} at 256", pct(e64), pct(e256)),
        outcome,
        "holds if both intervals lie above half the seeds' figures (44% at 64, 25.5% at 256), does not hold if either lies below",
        match gpu {
            Some((g1, g256)) => format!(
                "an op's GPU time grows only {g1:.1} → {g256:.1} µs from batch 1 to 256, while the host's round trip stays per op: batching amortises the round trip"
            ),
            None => "batching amortises each op's round trip over its samples".into(),
        },
        vec![p1.point, p64.point, p256.point],
    )
}

fn batching_advantage<'a>(a: &Analysis<'a>, run: usize) -> Verdict<'a> {
    let claim = Claim {
        source: "000",
        claim: "Batching is 30× threading at N=8 (7× at 2, 60× at 16)",
        seeds: "30× at 8 (82,315 vs 2,728 samples/s)",
    };
    let (t, b) = match seeds_pair(a, run, (StrategyKind::Threads, StrategyKind::Batch), &claim) {
        Ok(pair) => pair,
        Err(v) => return *v,
    };
    let (Some(b8), Some(t8)) = (good_at(b, 8), good_at(t, 8)) else {
        return claim.not_measured("good threads and batch points at N=8");
    };
    let Some(r) = estimate::ratio(b8.point, t8.point) else {
        return claim.not_measured("throughput at threads and batch N=8");
    };
    claim.verdict(
        format!("{} at 8 (same readback, same blocking wait)", times(r)),
        within_2x(r, 30.0),
        "holds if the interval lies within half to twice the seeds' 30× (15–60×), does not hold if it lies wholly outside",
        "an advantage between strategies under one sync mode, never an efficiency".into(),
        vec![b8.point, t8.point],
    )
}

fn process_pool<'a>(a: &Analysis<'a>, run: usize) -> Verdict<'a> {
    let claim = Claim {
        source: "002",
        claim: "A process pool is 6.8× more efficient than threading at 8 workers (23.0% vs 3.4%): processes bypass the driver's serialisation",
        seeds: "6.8× (23.0% vs 3.4% at 8)",
    };
    let (t, p) = match seeds_pair(
        a,
        run,
        (StrategyKind::Threads, StrategyKind::Processes),
        &claim,
    ) {
        Ok(pair) => pair,
        Err(v) => return *v,
    };
    let (Some(t1), Some(t8), Some(p1), Some(p8)) =
        (good_at(t, 1), good_at(t, 8), good_at(p, 1), good_at(p, 8))
    else {
        return claim.not_measured("good threads and processes points at N=1 and N=8");
    };
    let (Some(et), Some(ep)) = (t8.efficiency, p8.efficiency) else {
        return claim.not_measured("threads and processes efficiencies at N=8");
    };
    // Processes' efficiency over threads', round by round where they ran
    // side by side.
    let Some(r) = estimate(&[p8.point, p1.point, t8.point, t1.point], |x| {
        (x[0] / x[1]) / (x[2] / x[3])
    }) else {
        return claim.not_measured("threads efficiency above zero");
    };
    let mut reason = format!("processes {} vs threads {} at 8", pct(ep), pct(et));
    if let Some(g) = phase_growth(p, 8) {
        reason.push_str(&format!("; processes, {}", g.text));
    }
    claim.verdict(
        times(r),
        within_2x(r, 6.8),
        "holds if the ratio of efficiencies lies within half to twice the seeds' 6.8× (3.4–13.6×), does not hold if it lies wholly outside",
        reason,
        vec![t1.point, t8.point, p1.point, p8.point],
    )
}

fn batch_queue<'a>(a: &Analysis<'a>, run: usize) -> Verdict<'a> {
    let claim = Claim {
        source: "002",
        claim: "A BatchQueue (one GPU owner serving client threads) adds overhead: 0.42× the batch-32 baseline",
        seeds: "0.42× (134,411 vs 318,965 samples/s)",
    };
    let (q, b) = match seeds_pair(a, run, (StrategyKind::Queue, StrategyKind::Batch), &claim) {
        Ok(pair) => pair,
        Err(v) => return *v,
    };
    let Some(best) = q.peak() else {
        return claim.not_measured("good queue point");
    };
    let Some(b32) = good_at(b, 32) else {
        return claim.not_measured("good batch point at 32");
    };
    let Some(r) = estimate::ratio(best.point, b32.point) else {
        return claim.not_measured("throughput at batch 32");
    };
    claim.verdict(
        format!("{} (queue's best, {} clients, over batch 32)", times(r), best.point.n),
        within_2x(r, 0.42),
        "holds if the interval lies within half to twice the seeds' 0.42× (0.21–0.84×), does not hold if it lies wholly outside",
        "the owner runs each request as its own batch-1 op, so it can do no better than one thread at batch 1".into(),
        vec![best.point, b32.point],
    )
}

fn hybrid<'a>(a: &Analysis<'a>, run: usize) -> Verdict<'a> {
    let claim = Claim {
        source: "002",
        claim: "Hybrid threads × batch is worse than pure batching at the same samples per round",
        seeds: "2 threads × batch 64: 138,788 vs batch 128: 848,136 samples/s (0.16×)",
    };
    let h = a.curves_of_run(run).find(|c| {
        c.workload_label() == LINEAR
            && c.strategy() == StrategyKind::Hybrid
            && c.config.worker_batch == Some(64)
            && c.config.sync == SyncMode::Readback
            && c.config.wait == WaitStyle::Block
            && c.config.label.is_none()
            && !c.config.encode_ahead
    });
    let (Some(h), Some(b)) = (h, seeds_curve(a, run, LINEAR, StrategyKind::Batch)) else {
        return claim.not_measured("hybrid ×64 and batch curves of linear 256→128 under readback");
    };
    let (Some(h2), Some(b128)) = (good_at(h, 2), good_at(b, 128)) else {
        return claim.not_measured("good hybrid ×64 N=2 and batch 128 points");
    };
    let Some(r) = estimate::ratio(h2.point, b128.point) else {
        return claim.not_measured("throughput of hybrid ×64 N=2 and batch 128");
    };
    claim.verdict(
        format!("{} (2 threads × 64 over batch 128)", times(r)),
        inside(r, 0.0, 1.0),
        "holds if the hybrid's interval lies wholly below batching's (under 1×), does not hold if wholly above",
        "the same samples per round, as two ops of 64 on two threads or one op of 128".into(),
        vec![h2.point, b128.point],
    )
}

fn per_model<'a>(a: &Analysis<'a>, run: usize) -> Verdict<'a> {
    let claim = Claim {
        source: "003",
        claim: "Threads give about 2× at 8 on every model: linear 1.92×, MLP 1.92×, transformer 1.34×",
        seeds: "1.92×, 1.92×, 1.34× at 8 threads",
    };
    let models = [
        (LINEAR, 1.92),
        ("mlp 256→512→256→128", 1.92),
        ("transformer d256 h4 seq32 ff2048", 1.34),
    ];
    let mut parts = Vec::new();
    let mut outcomes = Vec::new();
    let mut points = Vec::new();
    for (workload, figure) in models {
        let Some(c) = seeds_curve(a, run, workload, StrategyKind::Threads) else {
            continue;
        };
        let (Some(p1), Some(p8)) = (good_at(c, 1), good_at(c, 8)) else {
            continue;
        };
        let Some(s) = p8.speedup else {
            continue;
        };
        parts.push(format!("{workload}: {}", times(s)));
        // A gain of about the seeds' size: within half to twice it, and
        // above 1× (threads that give nothing give no "2×").
        outcomes.push(Outcome::all(&[
            within_2x(s, figure),
            inside(s, 1.0, f64::INFINITY),
        ]));
        points.extend([p1.point, p8.point]);
    }
    if outcomes.is_empty() {
        return claim.not_measured("threads curve at N=1 and N=8 of the seeds' models");
    }
    let outcome = if outcomes.len() == models.len() || outcomes.contains(&Outcome::DoesNotHold) {
        Outcome::all(&outcomes)
    } else {
        Outcome::Inconclusive
    };
    claim.verdict(
        parts.join("; "),
        outcome,
        "holds if every model's speedup interval lies within half to twice its seeds' figure and above 1×; does not hold if any lies wholly outside either",
        format!("{} of {} models measured", outcomes.len(), models.len()),
        points,
    )
}

fn size_impact<'a>(a: &Analysis<'a>, run: usize) -> Verdict<'a> {
    let claim = Claim {
        source: "001",
        claim: "Larger layers scale better across threads: 8-thread efficiency rises from 3.8% (256×128) to 14.5% (4096×2048)",
        seeds: "3.8% → 14.5% (1 vs 8 threads at each layer's batch)",
    };
    let rows = crate::analysis::size_rows(a, run);
    let effs: Vec<(String, Interval)> = rows
        .iter()
        .filter_map(|(dims, _, one, eight)| {
            Some((
                format!("{}×{}", dims[0], dims[1]),
                estimate(&[eight, one], |r| r[0] / (8.0 * r[1]))?,
            ))
        })
        .collect();
    if effs.len() < 2 {
        return claim.not_measured("two layer sizes (hybrid at 1 and 8 threads)");
    }
    let (small, large) = (&rows[0], &rows[rows.len() - 1]);
    let Some(r) = estimate(&[large.3, large.2, small.3, small.2], |x| {
        (x[0] / x[1]) / (x[2] / x[3])
    }) else {
        return claim.not_measured("throughput at the smallest and largest layers");
    };
    claim.verdict(
        format!(
            "{}; largest over smallest {}",
            effs.iter()
                .map(|(d, e)| format!("{d}: {}", pct(*e)))
                .collect::<Vec<_>>()
                .join(", "),
            times(r)
        ),
        inside(r, 1.0, f64::INFINITY),
        "holds if the largest layer's 8-thread efficiency over the smallest's lies wholly above 1×, does not hold if wholly below",
        "each layer at its own batch per op, 1 thread against 8".into(),
        rows.iter().flat_map(|(_, _, one, eight)| [*one, *eight]).collect(),
    )
}

fn stack<'a>(a: &Analysis<'a>, run: usize) -> Verdict<'a> {
    let claim = Claim {
        source: "004",
        claim: "The optimisation stack (dynamic batching, pipelining, f16, compile) is 62× naive threading",
        seeds: "62× (1,100 → 50,600 samples/s)",
    };
    let steps = crate::analysis::steps(&a.runs[run]);
    let good: Vec<&Point> = steps
        .iter()
        .copied()
        .filter(|p| p.measured.status == Status::Ok && p.measured.samples_per_s.is_some())
        .collect();
    let (Some(first), Some(last)) = (good.first(), good.last()) else {
        return claim.not_measured("labelled steps (experiments/stack.toml)");
    };
    // The stack starts from naive threading: labelled steps that start
    // elsewhere are some other sequence.
    if good.len() < 2 || first.config.strategy != StrategyKind::Threads {
        return claim.not_measured(
            "sequence of labelled steps starting from threads (experiments/stack.toml)",
        );
    }
    let Some(r) = estimate::ratio(last, first) else {
        return claim.not_measured("throughput at the first step");
    };
    let gains: Vec<String> = good
        .windows(2)
        .filter_map(|w| {
            let g = estimate::ratio(w[1], w[0])?;
            Some(format!(
                "{}: {:+.0}% ({:+.0} to {:+.0}%)",
                w[1].config.label.as_deref().unwrap_or("?"),
                (g.value - 1.0) * 100.0,
                (g.lo - 1.0) * 100.0,
                (g.hi - 1.0) * 100.0
            ))
        })
        .collect();
    claim.verdict(
        format!("{} from the first step to the last", times(r)),
        within_2x(r, 62.0),
        "holds if the interval lies within half to twice the seeds' 62× (31–124×), does not hold if it lies wholly outside",
        format!("each step's gain: {}", gains.join(", ")),
        good,
    )
}

fn tensor_pool<'a>(a: &Analysis<'a>, run: usize) -> Verdict<'a> {
    let claim = Claim {
        source: "004",
        claim: "Pre-allocating buffers (a tensor pool) speeds inference by 35%",
        seeds: "+35% (TensorPool)",
    };
    let mut gains: Vec<f64> = Vec::new();
    let mut points = Vec::new();
    for c in a.curves_of_run(run).filter(|c| !c.config.pool) {
        let mut pooled = c.config.clone();
        pooled.pool = true;
        let key = crate::analysis::curve::config_key(&pooled);
        let Some(p) = a.curves_of_run(run).find(|o| o.key == key) else {
            continue;
        };
        for np in c.good() {
            let Some(pp) = good_at(p, np.point.n) else {
                continue;
            };
            if let Some(r) = estimate::ratio(pp.point, np.point) {
                gains.push(r.value - 1.0);
                points.extend([pp.point, np.point]);
            }
        }
    }
    if gains.is_empty() {
        return claim.not_measured("points measured with and without the pool");
    }
    // The gain of the median pair, with the order-statistic interval of
    // that median over the pairs: how much the pool gives a typical
    // configuration, not the luckiest one.
    let median = stats::median(&gains).unwrap_or(0.0);
    let ci = stats::median_ci(&gains, stats::LEVEL).expect("some gains");
    let gain = Interval {
        value: median,
        lo: ci.lo,
        hi: ci.hi,
    };
    let (lo, hi) = (
        gains.iter().copied().fold(f64::INFINITY, f64::min),
        gains.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    );
    claim.verdict(
        format!(
            "median gain {:+.0}% ({:+.0} to {:+.0}%) over {} pairs (each pair from {:+.0}% to {:+.0}%)",
            gain.value * 100.0,
            gain.lo * 100.0,
            gain.hi * 100.0,
            gains.len(),
            lo * 100.0,
            hi * 100.0
        ),
        if ci.level >= stats::LEVEL {
            within_2x(gain, 0.35)
        } else {
            Outcome::Inconclusive
        },
        "holds if the median pair's gain, with its 95% interval over the pairs, lies within half to twice the seeds' +35% (+17.5 to +70%), does not hold if wholly outside; fewer than six pairs are inconclusive",
        "each op allocating its buffers and bind groups against reusing them, same everything else".into(),
        points,
    )
}

fn stress<'a>(a: &Analysis<'a>, run: usize) -> Verdict<'a> {
    let claim = Claim {
        source: "003",
        claim: "Under 8 threads × 50 ops every model's outputs are correct (400 of 400)",
        seeds: "400 of 400 ops, 0 errors, per model",
    };
    let points = crate::analysis::stress_points(&a.runs[run]);
    if points.is_empty() {
        return claim.not_measured("threads points");
    }
    let checked: u64 = points.iter().map(|p| p.measured.ops_checked).sum();
    let wrong: u64 = points.iter().map(|p| p.measured.ops_wrong).sum();
    let all = points.iter().all(|p| p.verified());
    claim.verdict(
        format!(
            "{} models: {checked} outputs checked against the f64 reference, {wrong} wrong",
            points.len()
        ),
        if all {
            Outcome::Holds
        } else {
            Outcome::DoesNotHold
        },
        "holds if every expected op completed and no checked output was wrong",
        points
            .iter()
            .map(|p| {
                format!(
                    "{} at {} threads: {}",
                    p.config.workload_label(),
                    p.n,
                    if p.verified() {
                        "verified"
                    } else {
                        p.measured.status.name()
                    }
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        points,
    )
}

/// Every claim's verdict for run `run`, in the seeds' order.
pub(super) fn all<'a>(a: &Analysis<'a>, run: usize) -> Vec<Verdict<'a>> {
    vec![
        threading_efficiency(a, run),
        driver_serialises_encoding(a, run),
        batching_efficiency(a, run),
        batching_advantage(a, run),
        process_pool(a, run),
        batch_queue(a, run),
        hybrid(a, run),
        per_model(a, run),
        size_impact(a, run),
        stack(a, run),
        tensor_pool(a, run),
        stress(a, run),
    ]
}
