//! What the page and the Markdown show of a document: every section, but
//! a table's first rows, a list's first items and a section's first
//! tables, each cut said where it is made. A run of 200,000 points stays
//! a page a browser opens; `curves export` writes every row.

use super::{Block, Document, Section};

/// Rows of one table shown.
pub const ROWS: usize = 200;
/// Items of one list shown.
pub const ITEMS: usize = 60;
/// Tables of one section shown (the appendix's "Every curve" has one a curve).
pub const TABLES: usize = 200;

const EXPORT: &str = "`curves export --what tables` writes every row of every table";

/// How much of the tables a document is built with.
#[derive(Clone, Copy, Debug)]
pub struct Shown {
    /// Rows of a table that grows with the points.
    pub rows: usize,
    /// Curves given a table of their own.
    pub tables: usize,
}

impl Shown {
    /// Every row and every table: what `curves export` writes.
    pub const EVERYTHING: Shown = Shown {
        rows: usize::MAX,
        tables: usize::MAX,
    };
    /// What the page and the Markdown show.
    pub const PAGE: Shown = Shown {
        rows: ROWS,
        tables: TABLES,
    };
}

/// `doc` cut to what a page shows.
pub fn cut(mut doc: Document) -> Document {
    for s in doc.sections.iter_mut().chain(doc.appendix.iter_mut()) {
        cut_section(s);
    }
    doc
}

fn cut_section(s: &mut Section) {
    let mut tables = 0;
    let mut tables_left_out = 0;
    let mut blocks = Vec::with_capacity(s.blocks.len());
    for b in s.blocks.drain(..) {
        match b {
            Block::Table(_) if tables >= TABLES => tables_left_out += 1,
            Block::Table(mut t) => {
                tables += 1;
                t.truncate(ROWS);
                blocks.push(Block::Table(t));
            }
            Block::Bullets(mut items) if items.len() > ITEMS => {
                let more = items.len() - ITEMS;
                items.truncate(ITEMS);
                items.push(format!("… and {more} more"));
                blocks.push(Block::Bullets(items));
            }
            other => blocks.push(other),
        }
    }
    if tables_left_out > 0 {
        blocks.push(Block::Para(format!(
            "{tables_left_out} more tables are not shown here; {EXPORT}."
        )));
    }
    s.blocks = blocks;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Table;

    fn table(rows: usize) -> Block {
        let mut t = Table::new("t", "T", &["n"]);
        for i in 0..rows {
            t.push(vec![i.to_string().into()]);
        }
        Block::Table(t)
    }

    #[test]
    fn long_tables_lists_and_sections_are_cut_and_say_so() {
        let mut blocks = vec![table(ROWS + 5), Block::Bullets(vec!["x".into(); ITEMS + 3])];
        blocks.extend((0..TABLES + 2).map(|_| table(1)));
        let doc = cut(Document {
            title: String::new(),
            intro: String::new(),
            sections: vec![Section {
                heading: "h".into(),
                blocks,
            }],
            appendix: Vec::new(),
        });
        let b = &doc.sections[0].blocks;
        let Block::Table(t) = &b[0] else { panic!() };
        assert_eq!((t.rows.len(), t.left_out), (ROWS, 5));
        assert!(
            t.markdown()
                .contains(&format!("The first {ROWS} of {} rows", ROWS + 5))
        );
        assert!(
            matches!(&b[1], Block::Bullets(i) if i.len() == ITEMS + 1 && i[ITEMS] == "… and 3 more")
        );
        let shown = b.iter().filter(|x| matches!(x, Block::Table(_))).count();
        assert_eq!(shown, TABLES);
        assert!(matches!(b.last(), Some(Block::Para(p)) if p.starts_with("3 more tables")));
    }
}
