//! A table of the report, written once and rendered four ways: Markdown
//! (REPORT.md), HTML (index.html, sortable), CSV and JSON (`curves
//! export`), as hyperfine's exporters serialise one result in several
//! formats.

use serde_json::{Map, Value};

/// One cell: its text, and the number it sorts by where it has one.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    pub text: String,
    pub sort: Option<f64>,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            sort: None,
        }
    }

    /// A figure shown as `text`, sorting by `value`.
    pub fn number(text: impl Into<String>, value: f64) -> Self {
        Self {
            text: text.into(),
            sort: value.is_finite().then_some(value),
        }
    }

    /// A whole number: its digits, sorted by its value.
    pub fn count(n: u64) -> Self {
        Self::number(n.to_string(), n as f64)
    }

    /// `–` for a figure that is missing.
    pub fn missing() -> Self {
        Self::text("–")
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Cell::text(text)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Cell::text(text)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// A file-safe name, for exports: `verdicts-1`, `curve-threads-linear`.
    pub id: String,
    pub title: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// Rows counted but not kept (a page shows a table's first rows);
    /// the Markdown and the page say so under the table.
    pub left_out: usize,
}

impl Table {
    pub fn new(id: impl Into<String>, title: impl Into<String>, header: &[&str]) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
            left_out: 0,
        }
    }

    pub fn push(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }

    /// Whether the table holds `limit` rows: a builder counts the rest in
    /// `left_out` instead of making them.
    pub fn is_full(&self, limit: usize) -> bool {
        self.rows.len() >= limit
    }

    /// Keeps the first `limit` rows, counting the others as left out.
    pub fn truncate(&mut self, limit: usize) {
        self.left_out += self.rows.len().saturating_sub(limit);
        self.rows.truncate(limit);
    }

    /// The line under a table that lost rows, or none.
    pub fn left_out_note(&self) -> Option<String> {
        (self.left_out > 0).then(|| {
            format!(
                "The first {} of {} rows; `curves export --what tables` writes every row.",
                self.rows.len(),
                self.rows.len() + self.left_out
            )
        })
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn markdown(&self) -> String {
        let esc = crate::printable::markdown;
        let mut out = format!(
            "| {} |\n",
            self.header
                .iter()
                .map(|h| esc(h))
                .collect::<Vec<_>>()
                .join(" | ")
        );
        out.push_str(&format!("|{}\n", "---|".repeat(self.header.len())));
        for row in &self.rows {
            let cells: Vec<String> = (0..self.header.len())
                .map(|i| row.get(i).map_or(String::new(), |c| esc(&c.text)))
                .collect();
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        if let Some(note) = self.left_out_note() {
            out.push_str(&format!("\n{note}\n"));
        }
        out
    }

    /// A sortable HTML table (the page's script sorts by `data-sort`).
    pub fn html(&self) -> String {
        let mut out = format!(
            "<table class=\"sortable\" id=\"{}\">\n<thead><tr>",
            escape(&self.id)
        );
        for h in &self.header {
            out.push_str(&format!("<th>{}</th>", escape(h)));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for row in &self.rows {
            out.push_str("<tr>");
            for i in 0..self.header.len() {
                match row.get(i) {
                    Some(Cell {
                        text,
                        sort: Some(v),
                    }) => out.push_str(&format!(
                        "<td data-sort=\"{v}\" class=\"num\">{}</td>",
                        escape(text)
                    )),
                    Some(Cell { text, sort: None }) => {
                        out.push_str(&format!("<td>{}</td>", escape(text)))
                    }
                    None => out.push_str("<td></td>"),
                }
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody></table>\n");
        if let Some(note) = self.left_out_note() {
            out.push_str(&format!("<p class=\"note\">{}</p>\n", escape(&note)));
        }
        out
    }

    /// RFC 4180 CSV: a header line, then one line per row; a cell a
    /// spreadsheet would run as a formula is neutralised.
    pub fn csv(&self) -> String {
        let mut out = csv_line(&self.header);
        for row in &self.rows {
            out.push_str(&csv_row(self.header.len(), row));
        }
        out
    }

    /// `{"id", "title", "rows": [{header: value}]}`; numeric cells as
    /// numbers, the others as their text.
    pub fn json(&self) -> Value {
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|row| json_row(&self.header, row))
            .collect();
        serde_json::json!({ "id": self.id, "title": self.title, "rows": rows })
    }
}

/// A CSV line of texts (a header), ended by CRLF.
pub fn csv_line<S: AsRef<str>>(texts: &[S]) -> String {
    let cells: Vec<String> = texts
        .iter()
        .map(|t| crate::printable::csv_cell(t.as_ref()))
        .collect();
    cells.join(",") + "\r\n"
}

/// A row as a CSV line of `columns` cells (missing ones empty).
pub fn csv_row(columns: usize, row: &[Cell]) -> String {
    let cells: Vec<String> = (0..columns)
        .map(|i| {
            row.get(i)
                .map_or(String::new(), |c| crate::printable::csv_cell(&c.text))
        })
        .collect();
    cells.join(",") + "\r\n"
}

/// A row as a JSON object keyed by `header`: numeric cells as numbers.
pub fn json_row<S: AsRef<str>>(header: &[S], row: &[Cell]) -> Value {
    let mut obj = Map::new();
    for (i, h) in header.iter().enumerate() {
        let v = match row.get(i) {
            Some(Cell { sort: Some(v), .. }) => {
                serde_json::Number::from_f64(*v).map_or(Value::Null, Value::Number)
            }
            Some(Cell { text, .. }) => Value::String(text.clone()),
            None => Value::Null,
        };
        obj.insert(h.as_ref().to_string(), v);
    }
    Value::Object(obj)
}

/// Text safe inside HTML elements and attribute values.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        let mut t = Table::new("t", "T", &["name", "value"]);
        t.push(vec!["a|b, \"c\"".into(), Cell::number("1.5k", 1500.0)]);
        t.push(vec!["<x>".into(), Cell::missing()]);
        t
    }

    #[test]
    fn every_format_keeps_the_cells_and_escapes_them() {
        let t = table();
        assert!(t.markdown().contains("| a\\|b, \"c\" | 1.5k |"));
        assert!(t.csv().contains("\"a|b, \"\"c\"\"\",1.5k\r\n"));
        assert!(
            t.html()
                .contains("<td data-sort=\"1500\" class=\"num\">1.5k</td>")
        );
        assert!(t.html().contains("&lt;x&gt;"));
        let j = t.json();
        assert_eq!(j["rows"][0]["value"], 1500.0);
        assert_eq!(j["rows"][1]["value"], "–");
    }
}
