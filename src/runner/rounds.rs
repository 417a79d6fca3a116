//! Points measured in interleaved rounds, so that a slow episode of the
//! machine (a clock that drops, a neighbour's load, a driver's stall)
//! hits every point of a comparison alike instead of the few whose turn
//! it was. The points of a group (by default every point of one
//! workload: each curve and what its verdicts compare it with) are
//! prepared together; then each round runs one trial of every point not
//! finished yet, in an order shuffled anew each round from the
//! experiment's seed, until every point's stopping rule is met.
//!
//! A group's workers stay prepared while it runs (threads, processes and
//! devices of every point at once), so a group is at most
//! [`MAX_GROUP`] points.

use rand::SeedableRng;
use rand::seq::SliceRandom;

use super::conditions::Gauges;
use super::point::Measuring;
use crate::plan::{PointSpec, Rounds};
use crate::schema::Spawn;

/// The most points prepared at once.
pub const MAX_GROUP: usize = 64;

/// The groups `todo` is measured in, each in plan order, the groups in
/// the order of their first points.
pub fn groups<'a>(todo: &[&'a PointSpec], rounds: Rounds) -> Vec<Vec<&'a PointSpec>> {
    let key = |p: &PointSpec| match rounds {
        Rounds::Workload => {
            let base = match &p.group {
                Some(g) => format!("group {g}"),
                None => p.workload.label(),
            };
            // Strategies that open devices of their own run apart: on an
            // H200 (2026-12-05) a group holding processes points saw the
            // SM clock wander 510-1980 MHz through every point's trials,
            // groups without them held 1980.
            match p.strategy.info().spawn {
                Spawn::SharedDevice | Spawn::GpuOwner => base,
                Spawn::OwnDevice | Spawn::Processes | Spawn::Spread => {
                    format!("{base} · own devices")
                }
            }
        }
        Rounds::Curve => format!("{:?}", p.config(Vec::new())),
        Rounds::Point => p.key(),
    };
    let mut groups: Vec<(String, Vec<&PointSpec>)> = Vec::new();
    for &p in todo {
        let k = key(p);
        match groups
            .iter_mut()
            .find(|(g, members)| *g == k && members.len() < MAX_GROUP)
        {
            Some((_, members)) => members.push(p),
            None => groups.push((k, vec![p])),
        }
    }
    groups.into_iter().map(|(_, members)| members).collect()
}

/// Measures prepared points in rounds until each is finished, handing
/// every finished one to `done` at once. With `interleaved` false the
/// group is one point, whose trials run back to back (round 0 each).
/// Stops early on an interrupt: the points not finished are dropped
/// unmeasured (a resume measures them).
pub fn measure(
    mut points: Vec<Measuring<'_>>,
    interleaved: bool,
    seed: u64,
    gauges: &Gauges,
    mut progress: impl FnMut(u32, usize),
    mut done: impl FnMut(Measuring<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut round = 0u32;
    loop {
        // A point finished by an interrupt was cut short: not a
        // measurement (a resume measures it).
        if crate::interrupt::requested() {
            return Ok(());
        }
        let mut finished = Vec::new();
        let mut i = 0;
        while i < points.len() {
            if points[i].is_finished() {
                finished.push(points.remove(i));
            } else {
                i += 1;
            }
        }
        for m in finished {
            done(m)?;
        }
        if points.is_empty() {
            return Ok(());
        }
        round += 1;
        progress(round, points.len());
        let mut order: Vec<usize> = (0..points.len()).collect();
        let mut rng =
            rand::rngs::StdRng::seed_from_u64(seed ^ u64::from(round).wrapping_mul(0x9e37_79b9));
        order.shuffle(&mut rng);
        for i in order {
            if crate::interrupt::requested() {
                return Ok(());
            }
            points[i].trial(if interleaved { round } else { 0 }, gauges);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Experiment;

    fn plan(text: &str) -> Experiment {
        Experiment::parse(text, std::path::Path::new("t.toml")).unwrap()
    }

    const TWO_WORKLOADS: &str = "[[sweep]]\nworkload = \"linear\"\nstrategy = \"threads\"\nn = [1, 2]\n\
         [[sweep]]\nworkload = \"mlp\"\nstrategy = \"batch\"\nn = [1, 4]\n\
         [[sweep]]\nworkload = \"linear\"\nstrategy = \"batch\"\nn = [1, 8]\n\
         [[sweep]]\nworkload = \"linear\"\nstrategy = \"processes\"\nn = [1, 2]\n";

    #[test]
    fn a_workload_is_one_group_and_a_curve_or_point_is_one_when_asked() {
        let e = plan(TWO_WORKLOADS);
        let todo: Vec<&PointSpec> = e.points.iter().collect();
        let sizes = |r| groups(&todo, r).iter().map(Vec::len).collect::<Vec<_>>();
        assert_eq!(sizes(Rounds::Workload), vec![4, 2, 2], "processes apart");
        assert_eq!(sizes(Rounds::Curve), vec![2, 2, 2, 2]);
        assert_eq!(sizes(Rounds::Point), vec![1; 8]);
        let linear = &groups(&todo, Rounds::Workload)[0];
        assert!(
            linear
                .iter()
                .all(|p| p.workload.label() == "linear 256→128")
        );
    }

    #[test]
    fn a_named_group_gathers_sweeps_of_several_workloads() {
        let e = plan(&format!(
            "{TWO_WORKLOADS}[[sweep]]\nworkload = \"linear\"\ndims = [512, 256]\nstrategy = \"hybrid\"\nbatch = 16\nn = [1, 8]\ngroup = \"size\"\n\
             [[sweep]]\nworkload = \"linear\"\ndims = [1024, 512]\nstrategy = \"hybrid\"\nbatch = 16\nn = [1, 8]\ngroup = \"size\"\n"
        ));
        let todo: Vec<&PointSpec> = e.points.iter().collect();
        let sizes: Vec<usize> = groups(&todo, Rounds::Workload)
            .iter()
            .map(Vec::len)
            .collect();
        assert_eq!(sizes, vec![4, 2, 2, 4]);
    }

    #[test]
    fn a_large_workload_is_cut_into_groups_of_at_most_the_limit() {
        let ns: Vec<String> = (1..=100).map(|n| n.to_string()).collect();
        let e = plan(&format!(
            "[[sweep]]\nworkload = \"linear\"\nstrategy = \"batch\"\nn = [{}]\n",
            ns.join(", ")
        ));
        let todo: Vec<&PointSpec> = e.points.iter().collect();
        let sizes: Vec<usize> = groups(&todo, Rounds::Workload)
            .iter()
            .map(Vec::len)
            .collect();
        assert_eq!(sizes, vec![MAX_GROUP, 100 - MAX_GROUP]);
    }
}
