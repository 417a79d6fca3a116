//! Comparing GPU outputs with the CPU reference: one rule for every op,
//! whether the worker checks its own outputs or a client checks the
//! answer to its request.

use super::record::TrialRecord;
use crate::schema::Precision;
use crate::workload::values::decode_values;

/// ‖got − want‖₂ / ‖want‖₂; infinite when `got` has a NaN or infinity, or
/// the lengths differ, so such an output always counts as wrong.
pub fn relative_error(got: &[f32], want: &[f32]) -> f64 {
    if got.len() != want.len() || got.iter().any(|v| !v.is_finite()) {
        return f64::INFINITY;
    }
    let (mut diff, mut norm) = (0f64, 0f64);
    for (&g, &w) in got.iter().zip(want) {
        let d = f64::from(g) - f64::from(w);
        diff += d * d;
        norm += f64::from(w) * f64::from(w);
    }
    if norm == 0.0 {
        if diff == 0.0 { 0.0 } else { f64::INFINITY }
    } else {
        (diff / norm).sqrt()
    }
}

/// BoundsChecks `got` (bytes in `precision`'s storage format, possibly padded)
/// against `want`, counting the op in `record`.
pub fn check_output(got: &[u8], want: &[f32], precision: Precision, record: &mut TrialRecord) {
    let mut values = decode_values(got, precision);
    values.truncate(want.len());
    let err = relative_error(&values, want);
    record.ops_checked += 1;
    record.max_rel_error = record.max_rel_error.max(err);
    if err > precision.tolerance() || err.is_nan() {
        record.ops_wrong += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_outputs_have_no_error() {
        assert_eq!(relative_error(&[1.0, -2.0], &[1.0, -2.0]), 0.0);
    }

    #[test]
    fn error_is_the_norm_ratio() {
        // ‖(0, 0.5)‖ / ‖(3, 4)‖ = 0.5 / 5
        let e = relative_error(&[3.0, 4.5], &[3.0, 4.0]);
        assert!((e - 0.1).abs() < 1e-12, "{e}");
    }

    #[test]
    fn nan_wrong_length_and_nonzero_against_zero_are_infinitely_wrong() {
        assert_eq!(relative_error(&[f32::NAN], &[1.0]), f64::INFINITY);
        assert_eq!(relative_error(&[1.0], &[1.0, 2.0]), f64::INFINITY);
        assert_eq!(relative_error(&[1.0], &[0.0]), f64::INFINITY);
    }

    #[test]
    fn a_wrong_answer_counts() {
        let mut r = TrialRecord::default();
        check_output(
            bytemuck::cast_slice(&[3.0f32, 0.0]),
            &[3.0],
            Precision::F32,
            &mut r,
        );
        check_output(
            bytemuck::cast_slice(&[2.0f32]),
            &[3.0],
            Precision::F32,
            &mut r,
        );
        assert_eq!((r.ops_checked, r.ops_wrong), (2, 1));
    }
}
