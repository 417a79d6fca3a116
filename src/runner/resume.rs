//! Finishing a run: only the points its experiment has and its file does
//! not, on the adapter that measured the others, by one writer. What it
//! would not finish as the run was started it refuses, with the reason.

use std::path::{Path, PathBuf};

use chrono::Utc;

use super::{RunError, RunOptions, WriterLock, check_fits, kept, measure_all, point_key};
use crate::gpu::AdapterSelection;
use crate::plan::{Experiment, PointSpec};
use crate::schema::{AdapterSummary, Point};
use crate::store::{self, Run};
use crate::strategy::Env;

/// Finishes the run in `dir`: measures the points of its experiment that
/// `points.jsonl` does not hold yet, into the same run.
pub fn resume(dir: &Path, options: &RunOptions) -> anyhow::Result<PathBuf> {
    // Before the lock, which would leave a file in any directory named.
    if !dir.join(store::RUN_FILE).is_file() {
        return Err(store::NotARun(dir.to_path_buf()).into());
    }
    let _lock = WriterLock::take(dir)?;
    let run = Run::load(dir)?;
    if let (Some(at), None) = (run.info.finished_at, &run.info.interrupted) {
        return Err(RunError::Resume(format!(
            "{} finished at {} with {} points: nothing is left to measure (`curves run EXPERIMENT` starts a new run)",
            dir.display(),
            at.format("%Y-%m-%d %H:%M:%S UTC"),
            run.points.len()
        ))
        .into());
    }
    let mut experiment = Experiment::parse(
        &run.info.experiment_text,
        Path::new(&run.info.experiment_path),
    )
    .map_err(|e| anyhow::anyhow!("the run's experiment no longer parses: {e}"))?;
    let (trials, trial_s) = overrides_of(&run.info.overrides);
    experiment
        .override_settings(trials, trial_s)
        .map_err(anyhow::Error::msg)?;
    refuse_strangers(dir, &experiment, &run.points)?;
    let env = open_recorded(&run.info.adapter)?;
    check_fits(&experiment, &env)?;
    let mut info = run.info;
    info.interrupted = None;
    info.finished_at = None;
    let done = run.points.len();
    info.notes.push(format!(
        "resumed at {} with {done} of {} points measured",
        Utc::now().format("%Y-%m-%d %H:%M:%S UTC"),
        experiment.points.len()
    ));
    let options = RunOptions {
        selection: env.selection.clone(),
        results_dir: options.results_dir.clone(),
        progress: options.progress,
        adapters: options.adapters.clone(),
    };
    measure_all(&experiment, &options, env, dir, info, run.points).map_err(|e| kept(e, dir))
}

/// Refuses points that are not the experiment's (its text edited since).
fn refuse_strangers(dir: &Path, experiment: &Experiment, points: &[Point]) -> anyhow::Result<()> {
    let planned: std::collections::HashSet<String> =
        experiment.points.iter().map(PointSpec::key).collect();
    let strangers: Vec<&Point> = points
        .iter()
        .filter(|p| !planned.contains(&point_key(p)))
        .collect();
    match strangers.first() {
        None => Ok(()),
        Some(first) => Err(RunError::Resume(format!(
            "{} of the {} points in {} are not points of the run's experiment (was run.json's experiment_text edited?), the first: {}. A resume measures the experiment the points came from; start a new run for another",
            strangers.len(),
            points.len(),
            dir.join(store::POINTS_FILE).display(),
            first.describe()
        ))
        .into()),
    }
}

/// Opens the adapter the run was measured on: by its recorded index, else
/// by its name, and only if it is that adapter (name, backend, device and
/// driver). A run's points are measured on one adapter: finishing an H200
/// run on another machine's CPU adapter would mix them.
fn open_recorded(recorded: &AdapterSummary) -> anyhow::Result<Env> {
    let by_index = AdapterSelection::exact(recorded);
    // By name too only where the index could have named another adapter.
    let by_name = recorded.index.map(|_| AdapterSelection {
        index: None,
        ..by_index.clone()
    });
    let mut found = Vec::new();
    for selection in std::iter::once(by_index).chain(by_name) {
        if let Ok(env) = Env::open(&selection) {
            if same_adapter(&env.ctx.info, recorded) {
                return Ok(env);
            }
            found.push(env.ctx.info.clone());
        }
    }
    let here = match found.first() {
        Some(a) => format!(
            "the closest here is {} (driver {} {})",
            a.label(),
            a.driver,
            a.driver_info
        ),
        None => "no adapter here has its name".into(),
    };
    Err(RunError::Resume(format!(
        "the run was measured on {} (driver {} {}) and {here}. A run's points are measured on one adapter: resume it where that adapter is, or start a new run here (`curves adapters` lists this machine's)",
        recorded.label(),
        recorded.driver,
        recorded.driver_info
    ))
    .into())
}

/// The same adapter and driver: what a run's points must share.
fn same_adapter(a: &AdapterSummary, b: &AdapterSummary) -> bool {
    a.name == b.name
        && a.backend == b.backend
        && a.vendor_id == b.vendor_id
        && a.device_id == b.device_id
        && a.driver == b.driver
        && a.driver_info == b.driver_info
        && (a.pci_bus_id.is_empty() || b.pci_bus_id.is_empty() || a.pci_bus_id == b.pci_bus_id)
}

/// `trials = N` and `trial_s = S` from a run's recorded overrides.
fn overrides_of(overrides: &[String]) -> (Option<std::num::NonZeroU32>, Option<f64>) {
    let value = |key: &str| {
        overrides.iter().find_map(|o| {
            o.strip_prefix(key)?
                .trim_start()
                .strip_prefix('=')
                .map(str::trim)
        })
    };
    (
        value("trials").and_then(|v| v.parse().ok()),
        value("trial_s").and_then(|v| v.parse().ok()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_overrides_are_read_back_for_a_resume() {
        let (t, s) = overrides_of(&["trial_s = 0.3".into(), "trials = 4".into()]);
        assert_eq!(t.map(|t| t.get()), Some(4));
        assert_eq!(s, Some(0.3));
        assert_eq!(overrides_of(&[]), (None, None));
    }
}
