//! The README's figures are the reports': every row of its generated
//! verdict table is a row of the committed report it names, and every
//! file it links exists.

use std::path::Path;

#[test]
fn the_readme_verdicts_are_the_committed_reports() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let start = readme
        .find("<!-- generated from ")
        .expect("a generated block");
    let source = readme[start + 20..].split(" -->").next().unwrap().trim();
    let end = readme
        .find("<!-- end of generated table -->")
        .expect("its end");
    let report =
        std::fs::read_to_string(root.join(source)).unwrap_or_else(|e| panic!("{source}: {e}"));
    let rows: Vec<&str> = readme[start..end]
        .lines()
        .filter(|l| l.starts_with('|'))
        .collect();
    assert!(rows.len() > 10, "{} rows", rows.len());
    for row in rows {
        assert!(report.lines().any(|l| l == row), "not in {source}: {row}");
    }
}

#[test]
fn every_file_the_readme_links_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let mut checked = 0;
    for (i, _) in readme.match_indices("](") {
        let target = readme[i + 2..].split(')').next().unwrap();
        if target.starts_with("http") || target.starts_with('#') {
            continue;
        }
        assert!(
            root.join(target).exists(),
            "README links {target}, which does not exist"
        );
        checked += 1;
    }
    assert!(checked >= 5, "{checked} links");
}
