//! index.html: the whole report in one page that opens from disk with no
//! server and no network. Charts are inline SVG (the PNGs' colours), the
//! tables sort on a click on their header, the appendix folds away.

use super::table::escape;
use super::{Block, Document, Section};

const STYLE: &str = "
body { font-family: 'DejaVu Sans', system-ui, sans-serif; margin: 0 auto; max-width: 1320px; padding: 1em 2em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.86em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; vertical-align: top; text-align: left; }
th { background: #f2f2f2; cursor: pointer; user-select: none; }
th.asc::after { content: ' ▲'; } th.desc::after { content: ' ▼'; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.verdict-holds { background: #e6f4e6; } .verdict-does-not-hold { background: #fbe5e5; } .verdict-not-measured { color: #777; }
.verdict-inconclusive { background: #fdf5d8; } .verdict-flips { background: #fbd9b0; }
.table-wrap { overflow-x: auto; max-width: 100%; } td { overflow-wrap: anywhere; }
code { overflow-wrap: anywhere; }
figure { margin: 1em 0; } figure svg { width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.85em; color: #555; }
details { margin: 0.8em 0; } summary { cursor: pointer; font-weight: bold; font-size: 1.1em; }
.caption { font-weight: bold; margin: 0.8em 0 0.2em; }
";

const SCRIPT: &str = "
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('th').forEach(function (th, col) {
    th.addEventListener('click', function () {
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var asc = !th.classList.contains('asc');
      table.querySelectorAll('th').forEach(function (h) { h.classList.remove('asc', 'desc'); });
      th.classList.add(asc ? 'asc' : 'desc');
      rows.sort(function (a, b) {
        var x = a.cells[col], y = b.cells[col];
        var xs = x && x.dataset.sort, ys = y && y.dataset.sort;
        var r = (xs !== undefined && ys !== undefined) ? parseFloat(xs) - parseFloat(ys)
          : (x ? x.textContent : '').localeCompare(y ? y.textContent : '');
        return asc ? r : -r;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
document.querySelectorAll('td').forEach(function (td) {
  var t = td.textContent.trim().replace(/ \\(.*\\)$/, '');
  if (['holds', 'does not hold', 'not measured', 'inconclusive', 'flips'].indexOf(t) >= 0) {
    td.classList.add('verdict-' + t.replace(/ /g, '-'));
  }
});
// Whether anything runs past the page's right edge (tests read it).
(function () {
  document.querySelectorAll('details').forEach(function (d) { d.open = true; });
  var edge = document.documentElement.clientWidth;
  var over = 0;
  document.querySelectorAll('body *').forEach(function (el) {
    if (el.closest('.table-wrap') || el.closest('svg')) { return; }
    if (el.getBoundingClientRect().right > edge + 1) { over += 1; }
  });
  document.querySelectorAll('details').forEach(function (d) { d.open = false; });
  document.body.dataset.overflowing = String(over);
})();
";

fn blocks(out: &mut String, blocks: &[Block], svgs: &[(String, String)]) {
    for b in blocks {
        match b {
            Block::Para(p) => out.push_str(&format!("<p>{}</p>\n", inline(p))),
            Block::Bullets(items) => {
                out.push_str("<ul>\n");
                for i in items {
                    out.push_str(&format!("<li>{}</li>\n", inline(i)));
                }
                out.push_str("</ul>\n");
            }
            Block::Table(t) => {
                if !t.title.is_empty() {
                    out.push_str(&format!(
                        "<div class=\"caption\">{}</div>\n",
                        escape(&t.title)
                    ));
                }
                out.push_str("<div class=\"table-wrap\">");
                out.push_str(&t.html());
                out.push_str("</div>\n");
            }
            Block::Chart { stem, title, png } => {
                let svg = svgs
                    .iter()
                    .find(|(s, _)| s == stem)
                    .map(|(_, svg)| svg.as_str());
                out.push_str(&format!("<figure id=\"chart-{}\">\n", escape(stem)));
                match svg {
                    // plotters' SVG starts with its own XML prolog-free <svg> element.
                    Some(svg) => out.push_str(svg.trim_start_matches(|c: char| c != '<')),
                    None => out.push_str("<p>(chart not drawn)</p>"),
                }
                let link = if *png {
                    format!(" — <a href=\"{}.png\">PNG</a>", escape(stem))
                } else {
                    String::new()
                };
                out.push_str(&format!(
                    "\n<figcaption>{}{link}</figcaption>\n</figure>\n",
                    escape(title)
                ));
            }
        }
    }
}

/// Text with Markdown's `code` spans kept as code, everything else escaped.
fn inline(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in escape(text).split('`').enumerate() {
        if i % 2 == 1 {
            out.push_str(&format!("<code>{part}</code>"));
        } else {
            out.push_str(part);
        }
    }
    out
}

fn sections(out: &mut String, list: &[Section], svgs: &[(String, String)]) {
    for s in list {
        out.push_str(&format!("<h2>{}</h2>\n", escape(&s.heading)));
        blocks(out, &s.blocks, svgs);
    }
}

/// The page; `svgs` are the charts' SVG documents by stem.
pub fn page(doc: &Document, svgs: &[(String, String)]) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n<p>{}</p>\n",
        escape(&doc.title),
        escape(&doc.title),
        inline(&doc.intro)
    );
    sections(&mut out, &doc.sections, svgs);
    for s in &doc.appendix {
        out.push_str(&format!(
            "<details>\n<summary>{}</summary>\n",
            escape(&s.heading)
        ));
        blocks(&mut out, &s.blocks, svgs);
        out.push_str("</details>\n");
    }
    out.push_str(&format!("<script>{SCRIPT}</script>\n</body>\n</html>\n"));
    out
}
