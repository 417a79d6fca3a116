//! An experiment file as written: the TOML tables serde reads (unknown
//! keys refused), and where a key's line is, for messages.

use std::num::NonZeroU32;

use serde::Deserialize;

use super::{AdapterSpec, Order, Rounds, Settings};
use crate::schema::{Launch, Precision, StrategyKind, SyncMode, WaitStyle, WorkloadKind};

/// The keys a sweep and `[settings]` may both set.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsFile {
    pub(super) warmup_ops: Option<u64>,
    pub(super) warmup_s: Option<f64>,
    pub(super) trials: Option<NonZeroU32>,
    pub(super) max_trials: Option<NonZeroU32>,
    pub(super) target_ci: Option<f64>,
    pub(super) min_measured_s: Option<f64>,
    /// Refused with a pointer to `target_ci`, which replaced it.
    pub(super) target_spread: Option<toml::Value>,
    pub(super) ops: Option<u64>,
    pub(super) checks: Option<u64>,
    pub(super) timeout_s: Option<f64>,
    pub(super) seed: Option<u64>,
    pub(super) pool: Option<bool>,
    pub(super) encode_ahead: Option<bool>,
    pub(super) upload_inputs: Option<bool>,
    pub(super) trial_s: Option<f64>,
}

impl SettingsFile {
    /// These settings over `base`.
    pub(super) fn over(&self, base: &Settings) -> Settings {
        let trials = self.trials.unwrap_or(base.trials);
        Settings {
            warmup_ops: self.warmup_ops.unwrap_or(base.warmup_ops),
            warmup_s: self.warmup_s.unwrap_or(base.warmup_s),
            trials,
            // With no cap of its own, the cap follows `trials` where the
            // base had none either (its cap equal to its trials), and is
            // raised to `trials` where it was below.
            max_trials: self
                .max_trials
                .unwrap_or(if base.max_trials == base.trials {
                    trials
                } else {
                    base.max_trials.max(trials)
                }),
            target_ci: self.target_ci.unwrap_or(base.target_ci),
            min_measured_s: self.min_measured_s.unwrap_or(base.min_measured_s),
            ops: self.ops.unwrap_or(base.ops),
            checks: self.checks.unwrap_or(base.checks),
            timeout_s: self.timeout_s.unwrap_or(base.timeout_s),
            seed: self.seed.unwrap_or(base.seed),
            pool: self.pool.unwrap_or(base.pool),
            encode_ahead: self.encode_ahead.unwrap_or(base.encode_ahead),
            upload_inputs: self.upload_inputs.unwrap_or(base.upload_inputs),
            trial_s: match self.trial_s {
                Some(0.0) => None,
                Some(t) => Some(t),
                None => base.trial_s,
            },
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ExperimentFile {
    pub(super) name: Option<String>,
    pub(super) description: Option<String>,
    #[serde(default)]
    pub(super) order: Order,
    #[serde(default)]
    pub(super) rounds: Rounds,
    pub(super) settings: Option<toml::Spanned<SettingsFile>>,
    pub(super) sweep: toml::Spanned<Vec<toml::Spanned<SweepFile>>>,
}

/// A `[[sweep]]` table. It repeats `SettingsFile`'s keys rather than
/// flattening it in: serde's `flatten` does not work with
/// `deny_unknown_fields`, and unknown keys must be refused.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SweepFile {
    pub(super) workload: WorkloadKind,
    pub(super) dims: Option<Vec<u32>>,
    pub(super) strategy: StrategyKind,
    pub(super) n: Vec<u32>,
    /// Samples per op of each worker (`hybrid`, `gpus`).
    pub(super) batch: Option<u32>,
    /// `server` only: most requests coalesced into one dispatch.
    pub(super) max_batch: Option<u32>,
    /// `server` only: longest wait, in µs, after a batch's first request.
    pub(super) max_delay_us: Option<u64>,
    /// `queue`/`server` only: open loop — each client sends requests at
    /// Poisson-distributed times at this mean rate, without waiting for answers.
    pub(super) arrival_rate_per_s: Option<f64>,
    /// `gpus` only: threads of one process (default) or a process each.
    pub(super) launch: Option<Launch>,
    /// `gpus` only: the adapters to spread over (default: `--adapters`, else all).
    pub(super) adapters: Option<AdapterSpec>,
    /// Names the sweep's points as a step of a sequence (the seeds'
    /// optimisation stack); the report tabulates labelled steps in order.
    pub(super) label: Option<String>,
    /// Measures the sweep's points in rounds with every other sweep of the
    /// same group, whatever their workloads (the layer sizes a verdict
    /// compares, say); by default a sweep's group is its workload.
    pub(super) group: Option<String>,
    pub(super) sync: Option<SyncMode>,
    pub(super) wait: Option<WaitStyle>,
    pub(super) precision: Option<Precision>,
    pub(super) warmup_ops: Option<u64>,
    pub(super) warmup_s: Option<f64>,
    pub(super) trials: Option<NonZeroU32>,
    pub(super) max_trials: Option<NonZeroU32>,
    pub(super) target_ci: Option<f64>,
    pub(super) min_measured_s: Option<f64>,
    pub(super) target_spread: Option<toml::Value>,
    pub(super) ops: Option<u64>,
    pub(super) checks: Option<u64>,
    pub(super) timeout_s: Option<f64>,
    pub(super) seed: Option<u64>,
    pub(super) pool: Option<bool>,
    pub(super) encode_ahead: Option<bool>,
    pub(super) upload_inputs: Option<bool>,
    pub(super) trial_s: Option<f64>,
}

impl SweepFile {
    /// The settings the sweep sets over the file's.
    pub(super) fn settings(&self) -> SettingsFile {
        SettingsFile {
            warmup_ops: self.warmup_ops,
            warmup_s: self.warmup_s,
            trials: self.trials,
            max_trials: self.max_trials,
            target_ci: self.target_ci,
            min_measured_s: self.min_measured_s,
            target_spread: self.target_spread.clone(),
            ops: self.ops,
            checks: self.checks,
            timeout_s: self.timeout_s,
            seed: self.seed,
            pool: self.pool,
            encode_ahead: self.encode_ahead,
            upload_inputs: self.upload_inputs,
            trial_s: self.trial_s,
        }
    }
}

pub(super) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The line of `key = …` inside the table that starts at `span` of
/// `text` (up to the next table header: toml's spans of an array of
/// tables may cover its header only), or the span's first line.
pub(super) fn key_line(text: &str, span: &std::ops::Range<usize>, key: &str) -> usize {
    let start = span.start.min(text.len());
    let after_header = text[start..]
        .find('\n')
        .map_or(text.len(), |i| start + i + 1);
    let next_table = text[after_header..]
        .split_inclusive('\n')
        .scan(after_header, |at, line| {
            let here = *at;
            *at += line.len();
            Some((here, line))
        })
        .find(|(_, line)| line.trim_start().starts_with('['))
        .map_or(text.len(), |(at, _)| at);
    let end = span.end.min(text.len()).max(next_table).max(start);
    let mut offset = start;
    for line in text[start..end].split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            return line_of(text, offset);
        }
        offset += line.len();
    }
    line_of(text, start)
}
