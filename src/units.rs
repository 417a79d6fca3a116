//! How figures are written in charts, tables and sentences: `12.3k`,
//! `1.2M`. Nothing else.

/// `12.3k`, `1.2M`: short labels for large figures.
pub fn si(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let (scaled, unit) = match v.abs() {
        a if a >= 1e12 => (v / 1e12, "T"),
        a if a >= 1e9 => (v / 1e9, "G"),
        a if a >= 1e6 => (v / 1e6, "M"),
        a if a >= 1e3 => (v / 1e3, "k"),
        _ => (v, ""),
    };
    let text = if scaled.abs() >= 100.0 || scaled.fract().abs() < 1e-9 {
        format!("{scaled:.0}")
    } else if scaled.abs() >= 1.0 {
        format!("{scaled:.1}")
    } else {
        let text = format!("{scaled:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    format!("{text}{unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_labels() {
        assert_eq!(si(1_390_000.0), "1.4M");
        assert_eq!(si(2720.0), "2.7k");
        assert_eq!(si(250.0), "250");
        assert_eq!(si(0.05), "0.05");
        assert_eq!(si(f64::INFINITY), "inf");
    }
}
