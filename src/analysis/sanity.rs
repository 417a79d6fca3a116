//! Sanity flags: figures a careful reader would not take at face value.
//!
//! * an efficiency above 100% beyond its interval: a point cannot beat N
//!   times its own baseline unless the baseline was slow, so the flag
//!   names the phase in which the baseline's op took longer;
//! * the same op at N=1 under different strategies (threads, batch,
//!   processes, devices and hybrid of one sample all run one op of one
//!   sample at a time) disagreeing beyond their intervals, by 5% or more;
//! * a point measured while the GPU's clock moved: a reading under 75% of
//!   the highest during its trials (nvbench's throttle check reads the
//!   clock against 75% of its default).
//!
//! Verdicts say when a point they use is flagged; reports, charts and
//! `compare` show the flags.

use super::estimate;
use super::{Analysis, Baseline, Curve, CurvePoint, Interval};
use crate::schema::{Point, PointConfig, StrategyKind};

/// A clock reading under this share of the point's highest: it ramped.
pub const CLOCK_RAMP: f64 = 0.75;
/// N=1 points of one op differing by less than this are not flagged.
pub const SAME_OP_TOLERANCE: f64 = 0.05;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlagKind {
    AboveLinear,
    SameOpDisagrees,
    ClockRamp,
}

impl FlagKind {
    pub fn name(self) -> &'static str {
        match self {
            FlagKind::AboveLinear => "efficiency above 100%",
            FlagKind::SameOpDisagrees => "same op disagrees",
            FlagKind::ClockRamp => "clock moved",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Flag<'a> {
    pub kind: FlagKind,
    /// The points flagged (both sides of a disagreement).
    pub points: Vec<&'a Point>,
    /// What was seen, with its figures.
    pub text: String,
}

/// Every flag of run `run`, in curve order.
pub fn flags<'a>(a: &Analysis<'a>, run: usize) -> Vec<Flag<'a>> {
    let mut out = Vec::new();
    for c in a.curves_of_run(run) {
        for p in c.good() {
            if let Some(f) = above_linear(c, p) {
                out.push(f);
            }
            if let Some(f) = clock_ramp(p.point) {
                out.push(f);
            }
        }
    }
    out.extend(same_op_disagreements(a, run));
    out
}

fn pct(i: Interval) -> String {
    format!(
        "{:.0}% ({:.0}–{:.0}%)",
        i.value * 100.0,
        i.lo * 100.0,
        i.hi * 100.0
    )
}

fn above_linear<'a>(c: &Curve<'a>, p: &CurvePoint<'a>) -> Option<Flag<'a>> {
    let e = p.efficiency?;
    if e.lo <= 1.0 {
        return None;
    }
    let mut text = format!(
        "{} N={}: efficiency {} is above 100% beyond its interval",
        c.label,
        p.point.n,
        pct(e)
    );
    if let Baseline::OwnN1(base) = c.baseline
        && let (Some(b), Some(x)) = (base.measured.phases_us, p.point.measured.phases_us)
    {
        let phases = [
            ("encode", b.encode.median, x.encode.median),
            ("submit", b.submit.median, x.submit.median),
            ("wait", b.wait.median, x.wait.median),
            ("readback", b.readback.median, x.readback.median),
        ];
        if let Some((name, at1, atn)) = phases
            .iter()
            .filter(|(_, at1, atn)| at1 > atn)
            .max_by(|x, y| (x.1 - x.2).total_cmp(&(y.1 - y.2)))
        {
            text.push_str(&format!(
                ": the N=1 baseline's {name} phase took {at1:.1} µs per op against {atn:.1} µs at N={}, so the baseline was slow",
                p.point.n
            ));
        }
    }
    Some(Flag {
        kind: FlagKind::AboveLinear,
        points: vec![p.point],
        text,
    })
}

fn clock_ramp(p: &Point) -> Option<Flag<'_>> {
    let clocks = &p.measured.conditions.as_ref()?.gpu_clock_mhz;
    let lo = clocks.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = clocks.iter().copied().fold(0.0, f64::max);
    (hi > 0.0 && lo < CLOCK_RAMP * hi).then(|| Flag {
        kind: FlagKind::ClockRamp,
        points: vec![p],
        text: format!(
            "{} N={}: the GPU's clock read {lo:.0} to {hi:.0} MHz during its trials",
            p.config.strategy_label(),
            p.n
        ),
    })
}

/// Whether `c` runs one op of one sample at a time on one worker at N=1.
fn one_sample_one_worker(c: &PointConfig) -> bool {
    match c.strategy {
        StrategyKind::Threads
        | StrategyKind::Batch
        | StrategyKind::Processes
        | StrategyKind::Devices => true,
        StrategyKind::Hybrid => c.worker_batch.unwrap_or(1) == 1,
        _ => false,
    }
}

/// What makes two N=1 points the same op: everything but the strategy.
fn same_op_key(c: &PointConfig) -> String {
    let mut c = c.clone();
    c.strategy = StrategyKind::Threads;
    c.worker_batch = None;
    super::curve::config_key(&c)
}

fn same_op_disagreements<'a>(a: &Analysis<'a>, run: usize) -> Vec<Flag<'a>> {
    let ones: Vec<&'a Point> = a
        .curves_of_run(run)
        .filter(|c| c.config.label.is_none() && one_sample_one_worker(c.config))
        .filter_map(|c| c.at(1).filter(|p| p.ok()).map(|p| p.point))
        .collect();
    // Points of one op differ only in strategy and worker batch: a group
    // is a handful, and pairs are made within groups only.
    let mut groups: Vec<Vec<&'a Point>> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = Default::default();
    for p in ones {
        let i = *index.entry(same_op_key(&p.config)).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[i].push(p);
    }
    let pairs = groups.iter().flat_map(|g| {
        g.iter()
            .enumerate()
            .flat_map(move |(i, x)| g[i + 1..].iter().map(move |y| (*x, *y)))
    });
    let mut out = Vec::new();
    for (x, y) in pairs {
        let Some(r) = estimate::ratio(y, x) else {
            continue;
        };
        let beyond = r.lo > 1.0 + SAME_OP_TOLERANCE || r.hi < 1.0 - SAME_OP_TOLERANCE;
        if beyond {
            out.push(Flag {
                kind: FlagKind::SameOpDisagrees,
                points: vec![x, y],
                text: format!(
                    "{} N=1 ({:.0} samples/s) and {} N=1 ({:.0}) run the same op, yet differ by {:+.0}% ({:+.0} to {:+.0}%), beyond their intervals",
                    y.config.strategy,
                    y.measured.samples_per_s.unwrap_or(0.0),
                    x.config.strategy,
                    x.measured.samples_per_s.unwrap_or(0.0),
                    (r.value - 1.0) * 100.0,
                    (r.lo - 1.0) * 100.0,
                    (r.hi - 1.0) * 100.0
                ),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testing::{config, point, run};
    use crate::schema::{Conditions, SyncMode};

    fn tight(rate: f64) -> Vec<f64> {
        (0..10)
            .map(|i| rate * (1.0 + 0.001 * f64::from(i)))
            .collect()
    }

    #[test]
    fn a_slow_baseline_is_flagged_with_the_phase_that_was_slow() {
        let batch = config(StrategyKind::Batch, SyncMode::Readback);
        let mut one = point(batch.clone(), 1, &tight(10_000.0));
        one.measured.phases_us.as_mut().unwrap().submit.median = 44.8;
        let two = point(batch, 2, &tight(30_000.0));
        let runs = [run("gpu", vec![one, two])];
        let a = Analysis::of(&runs);
        let f = flags(&a, 0);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].kind, FlagKind::AboveLinear);
        assert!(
            f[0].text.contains("submit phase took 44.8 µs"),
            "{}",
            f[0].text
        );
    }

    #[test]
    fn the_same_op_at_one_under_two_strategies_disagreeing_is_flagged() {
        let threads = point(
            config(StrategyKind::Threads, SyncMode::Readback),
            1,
            &tight(11_492.0),
        );
        let processes = point(
            config(StrategyKind::Processes, SyncMode::Readback),
            1,
            &tight(14_434.0),
        );
        let batch = point(
            config(StrategyKind::Batch, SyncMode::Readback),
            1,
            &tight(11_500.0),
        );
        let runs = [run("gpu", vec![threads, processes, batch])];
        let a = Analysis::of(&runs);
        let f = flags(&a, 0);
        let same: Vec<_> = f
            .iter()
            .filter(|f| f.kind == FlagKind::SameOpDisagrees)
            .collect();
        assert_eq!(same.len(), 2, "processes against each of the others: {f:?}");
        assert!(same.iter().all(|f| {
            f.points
                .iter()
                .any(|p| p.config.strategy == StrategyKind::Processes)
        }));
    }

    #[test]
    fn a_clock_that_moved_during_a_point_is_flagged() {
        let mut p = point(
            config(StrategyKind::Batch, SyncMode::Readback),
            1,
            &tight(100.0),
        );
        p.measured.conditions = Some(Conditions {
            gpu_clock_mhz: vec![345.0, 1980.0, 1980.0],
            gpu_clock_max_mhz: Some(1980.0),
            load_1m: Vec::new(),
        });
        let mut steady = p.clone();
        steady.n = 2;
        steady.measured.conditions.as_mut().unwrap().gpu_clock_mhz = vec![1980.0, 1965.0];
        let runs = [run("gpu", vec![p, steady])];
        let a = Analysis::of(&runs);
        let ramps: Vec<_> = flags(&a, 0)
            .into_iter()
            .filter(|f| f.kind == FlagKind::ClockRamp)
            .collect();
        assert_eq!(ramps.len(), 1);
        assert!(
            ramps[0].text.contains("345 to 1980 MHz"),
            "{}",
            ramps[0].text
        );
    }
}
