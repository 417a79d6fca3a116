//! Imports point one way: `main → runner → strategy → measure → workload
//! → gpu`, and `plot`, `report → analysis → schema`. Each module may
//! name only the modules listed for it; the result side (schema,
//! analysis, plot, report) never names wgpu. Read from the sources, so a
//! new import against the flow fails here.

use std::collections::BTreeSet;
use std::path::Path;

/// Module → the crate modules it may use (itself included).
const ALLOWED: &[(&str, &[&str])] = &[
    ("schema", &[]),
    ("units", &[]),
    ("interrupt", &[]),
    ("stats", &["schema"]),
    ("store", &["schema"]),
    (
        "analysis",
        &["analysis", "schema", "stats", "store", "units"],
    ),
    ("plot", &["plot", "analysis", "schema", "store", "units"]),
    (
        "report",
        &["report", "plot", "analysis", "schema", "store", "units"],
    ),
    ("gpu", &["gpu", "schema"]),
    ("workload", &["workload", "gpu", "schema", "store"]),
    (
        "measure",
        &["measure", "workload", "gpu", "schema", "stats", "interrupt"],
    ),
    ("plan", &["plan", "workload", "schema"]),
    (
        "strategy",
        &[
            "strategy",
            "measure",
            "workload",
            "gpu",
            "plan",
            "schema",
            "interrupt",
        ],
    ),
    (
        "runner",
        &[
            "runner",
            "strategy",
            "measure",
            "plan",
            "gpu",
            "schema",
            "stats",
            "store",
            "interrupt",
        ],
    ),
    (
        "peak",
        &["peak", "gpu", "measure", "workload", "schema", "stats"],
    ),
    (
        "stress",
        &["stress", "runner", "strategy", "plan", "workload", "schema"],
    ),
];

/// Modules of the result side, which compile without GPU types.
const NO_WGPU: &[&str] = &[
    "schema", "units", "stats", "store", "analysis", "plot", "report",
];

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The crate modules a source names (`crate::x`, or `super::…` resolving
/// outside its module is caught by the listing of `crate::` uses).
fn used(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + 7..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.insert(name);
        }
    }
    out
}

#[test]
fn imports_point_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut checked = 0;
    let mut problems = Vec::new();
    for file in files {
        let rel = file.strip_prefix(&src).unwrap();
        let module = rel
            .iter()
            .next()
            .unwrap()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if module == "main" || module == "lib" {
            continue;
        }
        let Some((_, allowed)) = ALLOWED.iter().find(|(m, _)| *m == module) else {
            problems.push(format!(
                "{}: module {module} has no entry in tests/layers.rs",
                rel.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(&file).unwrap();
        for name in used(&text) {
            if name != module && !allowed.contains(&name.as_str()) {
                problems.push(format!("{}: {module} uses crate::{name}", rel.display()));
            }
        }
        if NO_WGPU.contains(&module.as_str())
            && (text.contains("wgpu::") || text.contains("naga::"))
        {
            problems.push(format!("{}: {module} names GPU types", rel.display()));
        }
        checked += 1;
    }
    assert!(checked > 40, "{checked} files checked");
    assert!(
        problems.is_empty(),
        "imports against the flow:\n{}",
        problems.join("\n")
    );
}
