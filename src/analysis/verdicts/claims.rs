//! The seeds' claims, one function each: which points answer it, the
//! matched figure with its interval, and the claim's rule.

use super::{Outcome, Verdict, inside, within_2x};
use crate::analysis::estimate;
use crate::analysis::{Analysis, Curve, CurvePoint, Interval};
use crate::schema::{Point, Precision, Status, StrategyKind, SyncMode, WaitStyle};
use crate::stats;

/// A claim of the seeds: which report(s), what they said, what they
/// measured.
pub(super) struct Claim {
    pub(super) source: &'static str,
    pub(super) claim: &'static str,
    pub(super) seeds: &'static str,
}

impl Claim {
    pub(super) fn verdict<'a>(
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

    pub(super) fn not_measured<'a>(&self, what: &str) -> Verdict<'a> {
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
pub(super) fn seeds_pair<'b, 'a>(
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

pub(super) fn good_at<'b, 'a>(c: &'b Curve<'a>, n: u32) -> Option<&'b CurvePoint<'a>> {
    c.at(n).filter(|p| p.ok())
}

pub(super) fn pct(i: Interval) -> String {
    format!(
        "{:.1}% ({:.1}–{:.1}%)",
        i.value * 100.0,
        i.lo * 100.0,
        i.hi * 100.0
    )
}

pub(super) fn times(i: Interval) -> String {
    format!("{:.2}× ({:.2}–{:.2}×)", i.value, i.lo, i.hi)
}

/// Per-op phases at N=1 and N=`n` of `c`, in words, and the phase that
/// grew most with how decisively: the measured reason behind a threads
/// verdict.
pub(super) struct PhaseGrowth {
    pub(super) text: String,
    pub(super) grew: &'static str,
    /// The growth of the phase that grew most over the runner-up's.
    pub(super) lead: f64,
    /// How much it grew, µs per op.
    pub(super) by_us: f64,
}

pub(super) fn phase_growth(c: &Curve, n: u32) -> Option<PhaseGrowth> {
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

pub(super) fn batch_queue<'a>(a: &Analysis<'a>, run: usize) -> Verdict<'a> {
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

pub(super) fn hybrid<'a>(a: &Analysis<'a>, run: usize) -> Verdict<'a> {
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

pub(super) fn stack<'a>(a: &Analysis<'a>, run: usize) -> Verdict<'a> {
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
    // The stack of experiments/stack.toml is six steps; a long sequence
    // lists its first gains.
    const LISTED: usize = 12;
    let mut gains: Vec<String> = good
        .windows(2)
        .take(LISTED)
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
    if good.len() > LISTED + 1 {
        gains.push(format!("and {} steps more", good.len() - 1 - LISTED));
    }
    claim.verdict(
        format!("{} from the first step to the last", times(r)),
        within_2x(r, 62.0),
        "holds if the interval lies within half to twice the seeds' 62× (31–124×), does not hold if it lies wholly outside",
        format!("each step's gain: {}", gains.join(", ")),
        good,
    )
}

pub(super) fn tensor_pool<'a>(a: &Analysis<'a>, run: usize) -> Verdict<'a> {
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

pub(super) fn stress<'a>(a: &Analysis<'a>, run: usize) -> Verdict<'a> {
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
            "{} model{}: {checked} outputs checked against the f64 reference, {wrong} wrong",
            points.len(),
            if points.len() == 1 { "" } else { "s" }
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
