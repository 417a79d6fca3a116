//! Axes in placed coordinates (log₂ or log₁₀ of the value, or the value),
//! with tick marks chosen here, so a log axis never sees a zero and a huge
//! range never makes a huge loop; and the marker shapes.

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;

use super::super::{Rgb, Scale, si};

/// Most tick marks on an axis.
pub(super) const MAX_TICKS: usize = 16;

/// A linear axis over placed values with the tick marks given here.
#[derive(Clone)]
pub(super) struct Axis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Axis {
    pub(super) fn new(lo: f64, hi: f64, ticks: Vec<f64>) -> Self {
        Self { lo, hi, ticks }
    }
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = self.hi - self.lo;
        let t = if span > 0.0 {
            (value - self.lo) / span
        } else {
            0.5
        };
        let px = f64::from(limit.0) + t.clamp(-1.0, 2.0) * f64::from(limit.1 - limit.0);
        px.round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

pub(super) fn rgb(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

/// A value on a scale, or `None` where the scale cannot place it.
pub(super) fn place(scale: Scale, v: f64) -> Option<f64> {
    if !v.is_finite() {
        return None;
    }
    match scale {
        Scale::Linear => Some(v),
        Scale::Log2 => (v > 0.0).then(|| v.log2()),
        Scale::Log10 => (v > 0.0).then(|| v.log10()),
    }
}

/// A range of placed values widened by `pad` of its span (or by 1 when it
/// is a single value), or 0 to 1 when there is nothing to show.
pub(super) fn span(values: impl Iterator<Item = f64>, pad: f64) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-9 {
        return (lo - 0.5, hi + 0.5);
    }
    let p = (hi - lo) * pad;
    (lo - p, hi + p)
}

/// Tick positions (placed values) within `lo..=hi` for `scale`.
pub(super) fn ticks(scale: Scale, lo: f64, hi: f64) -> Vec<f64> {
    let (first, last) = (lo.ceil() as i64, hi.floor() as i64);
    match scale {
        Scale::Log2 => {
            let step = ((last - first) as usize / MAX_TICKS + 1) as i64;
            (first..=last)
                .step_by(step as usize)
                .map(|k| k as f64)
                .collect()
        }
        Scale::Log10 => {
            let decades = (hi - lo).max(0.0);
            if decades <= 3.0 {
                let (from, to) = (lo.floor() as i64, hi.ceil() as i64);
                (from..=to)
                    .flat_map(|d| [1.0f64, 2.0, 5.0].map(|m| d as f64 + m.log10()))
                    .filter(|v| (lo..=hi).contains(v))
                    .collect()
            } else {
                let step = ((last - first) as usize / MAX_TICKS + 1) as i64;
                (first..=last)
                    .step_by(step as usize)
                    .map(|k| k as f64)
                    .collect()
            }
        }
        Scale::Linear => {
            let raw = (hi - lo) / 8.0;
            if !(raw.is_finite() && raw > 0.0) {
                return vec![lo];
            }
            let mag = 10f64.powf(raw.log10().floor());
            let step = [1.0, 2.0, 2.5, 5.0, 10.0]
                .iter()
                .map(|m| m * mag)
                .find(|s| *s >= raw)
                .unwrap_or(10.0 * mag);
            let start = (lo / step).ceil() as i64;
            let end = (hi / step).floor() as i64;
            (start..=end)
                .take(MAX_TICKS * 2)
                .map(|k| k as f64 * step)
                .collect()
        }
    }
}

/// The label of a placed value.
pub(super) fn label(scale: Scale, v: f64, percent: bool) -> String {
    let value = match scale {
        Scale::Linear => v,
        Scale::Log2 => 2f64.powf(v),
        Scale::Log10 => 10f64.powf(v),
    };
    let text = if scale == Scale::Log2 && value >= 1.0 {
        format!("{}", value.round() as u64)
    } else {
        si(value)
    };
    if percent { format!("{text}%") } else { text }
}

/// A marker's outline, in pixels around its point.
pub(super) fn shape(n: usize) -> Vec<(i32, i32)> {
    match n % 6 {
        0 => vec![
            (-3, -6),
            (3, -6),
            (6, -3),
            (6, 3),
            (3, 6),
            (-3, 6),
            (-6, 3),
            (-6, -3),
        ],
        1 => vec![(0, -8), (7, 5), (-7, 5)],
        2 => vec![(-5, -5), (5, -5), (5, 5), (-5, 5)],
        3 => vec![(0, -7), (7, 0), (0, 7), (-7, 0)],
        4 => vec![(0, 8), (7, -5), (-7, -5)],
        _ => vec![
            (-2, -7),
            (2, -7),
            (2, -2),
            (7, -2),
            (7, 2),
            (2, 2),
            (2, 7),
            (-2, 7),
            (-2, 2),
            (-7, 2),
            (-7, -2),
            (-2, -2),
        ],
    }
}
