//! Text measured with the font the charts draw in (DejaVu Sans, embedded),
//! so that every title, legend entry and note is laid out to fit its
//! canvas rather than cut: wrapped at word boundaries where it is too
//! wide, never truncated.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, ScaleFont};

fn font(bold: bool) -> &'static FontRef<'static> {
    static REGULAR: OnceLock<FontRef<'static>> = OnceLock::new();
    static BOLD: OnceLock<FontRef<'static>> = OnceLock::new();
    let (cell, bytes) = if bold {
        (&BOLD, dejavu::sans::bold())
    } else {
        (&REGULAR, dejavu::sans::regular())
    };
    cell.get_or_init(|| FontRef::try_from_slice(bytes).expect("the embedded DejaVu Sans parses"))
}

/// The width in pixels of `text` at `px` (plotters' font size), as the
/// charts draw it.
pub fn width(text: &str, px: f64, bold: bool) -> f64 {
    let scaled = font(bold).as_scaled(px as f32);
    text.chars()
        .map(|c| f64::from(scaled.h_advance(scaled.glyph_id(c))))
        .sum()
}

/// `text` in lines no wider than `max_w` at `px`, broken at spaces (a word
/// wider than a line gets a line of its own, broken between characters).
pub fn wrap(text: &str, px: f64, bold: bool, max_w: f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if width(&candidate, px, bold) <= max_w {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // A word too wide for a line on its own: cut it by characters.
        let mut piece = String::new();
        for c in word.chars() {
            piece.push(c);
            if width(&piece, px, bold) > max_w && piece.chars().count() > 1 {
                let last = piece.pop().expect("two characters at least");
                lines.push(std::mem::take(&mut piece));
                piece.push(last);
            }
        }
        line = piece;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_grow_with_text_and_size() {
        let w = width("throughput", 16.0, false);
        assert!(w > 50.0 && w < 120.0, "{w}");
        assert!(width("throughput", 32.0, false) > 1.9 * w);
        assert!(width("throughput", 16.0, true) > w);
        assert_eq!(width("", 16.0, false), 0.0);
    }

    #[test]
    fn wrapped_lines_fit_and_keep_every_word() {
        let text =
            "server ≤16 / 200 µs · open loop 3000/s per client · NVIDIA H200 (vulkan) · seeds";
        let lines = wrap(text, 15.0, false, 200.0);
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(width(l, 15.0, false) <= 200.0, "{l}");
        }
        assert_eq!(lines.join(" "), text);
        let long = wrap(
            "a_very_long_identifier_without_spaces_at_all",
            15.0,
            false,
            60.0,
        );
        assert!(
            long.iter().all(|l| width(l, 15.0, false) <= 60.0),
            "{long:?}"
        );
        assert_eq!(
            long.concat(),
            "a_very_long_identifier_without_spaces_at_all"
        );
    }
}
