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
    ("printable", &[]),
    ("interrupt", &[]),
    ("stats", &["schema"]),
    ("store", &["schema", "printable"]),
    (
        "analysis",
        &["analysis", "schema", "stats", "store", "units", "printable"],
    ),
    ("plot", &["plot", "analysis", "schema", "store", "units"]),
    (
        "report",
        &[
            "report",
            "plot",
            "analysis",
            "schema",
            "store",
            "stats",
            "units",
            "printable",
        ],
    ),
    ("gpu", &["gpu", "schema"]),
    ("workload", &["workload", "gpu", "schema", "store"]),
    (
        "measure",
        &["measure", "workload", "gpu", "schema", "stats", "interrupt"],
    ),
    ("plan", &["plan", "workload", "schema", "printable"]),
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
            "printable",
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
            "printable",
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
    "schema",
    "units",
    "printable",
    "stats",
    "store",
    "analysis",
    "plot",
    "report",
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
        // The binary's own modules (main.rs, cli/) may use every module.
        if module == "main" || module == "lib" || module == "cli" {
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

/// A source file's module path: `src/workload/matmul.rs` is
/// `workload::matmul`, `src/workload/mod.rs` is `workload`.
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts
        .last()
        .is_some_and(|l| l == "mod" || l == "lib" || l == "main")
    {
        parts.pop();
    }
    parts
}

/// The module paths a source names: `crate::a::b`, `super::a`, `self::a`,
/// with `{…}` groups opened one level.
fn paths_named(text: &str, here: &[String], is_mod: bool) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    for (root, base) in [
        ("crate::", Vec::new()),
        ("super::", {
            let mut b = here.to_vec();
            if !is_mod || !b.is_empty() {
                b.pop();
            }
            b
        }),
        ("self::", if is_mod { here.to_vec() } else { Vec::new() }),
    ] {
        if root == "self::" && !is_mod {
            continue;
        }
        for (i, _) in code.match_indices(root) {
            if i > 0 && code[..i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            let rest = &code[i + root.len()..];
            let word = |s: &str| -> Vec<String> {
                s.split("::")
                    .map(|w| {
                        w.trim()
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect::<String>()
                    })
                    .take_while(|w| !w.is_empty())
                    .collect()
            };
            let mut heads = word(rest);
            if heads.is_empty() && rest.starts_with('{') {
                let group = &rest[1..rest.find('}').unwrap_or(rest.len())];
                for item in group.split(',') {
                    let mut p = base.clone();
                    p.extend(word(item));
                    out.push(p);
                }
                continue;
            }
            let mut p = base.clone();
            p.append(&mut heads);
            out.push(p);
        }
    }
    out
}

/// Files may not use each other in a circle, directly or through others
/// (a folder's `mod.rs` declaring and re-exporting its own children is not
/// a use of them).
#[test]
fn no_two_files_use_each_other() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let modules: Vec<(Vec<String>, String, bool)> = files
        .iter()
        .map(|f| {
            let rel = f.strip_prefix(&src).unwrap();
            let is_mod = rel
                .file_name()
                .is_some_and(|n| n == "mod.rs" || n == "lib.rs" || n == "main.rs");
            (module_of(rel), rel.display().to_string(), is_mod)
        })
        .collect();
    let index_of = |path: &[String]| -> Option<usize> {
        (1..=path.len()).rev().find_map(|k| {
            modules
                .iter()
                .position(|(m, _, _)| m.as_slice() == &path[..k])
        })
    };
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); files.len()];
    for (i, f) in files.iter().enumerate() {
        let (here, _, is_mod) = &modules[i];
        if here.is_empty() {
            continue; // lib.rs and main.rs declare everything
        }
        let text = std::fs::read_to_string(f).unwrap();
        for p in paths_named(&text, here, *is_mod) {
            let Some(j) = index_of(&p) else { continue };
            let (there, _, _) = &modules[j];
            let own_child = *is_mod && there.len() > here.len() && there.starts_with(here);
            if j != i && !own_child && !there.is_empty() {
                edges[i].push(j);
            }
        }
    }
    // Depth-first search: every edge back to a file on the stack closes a circle.
    fn visit(
        n: usize,
        edges: &[Vec<usize>],
        state: &mut [u8],
        stack: &mut Vec<usize>,
        found: &mut Vec<Vec<usize>>,
    ) {
        state[n] = 1;
        stack.push(n);
        for &m in &edges[n] {
            if state[m] == 1 {
                let at = stack.iter().position(|&x| x == m).expect("on the stack");
                found.push(stack[at..].to_vec());
            } else if state[m] == 0 {
                visit(m, edges, state, stack, found);
            }
        }
        stack.pop();
        state[n] = 2;
    }
    let mut state = vec![0u8; files.len()];
    let mut found = Vec::new();
    for n in 0..files.len() {
        if state[n] == 0 {
            visit(n, &edges, &mut state, &mut Vec::new(), &mut found);
        }
    }
    let circles: Vec<String> = found
        .iter()
        .map(|c| {
            c.iter()
                .map(|&i| modules[i].1.clone())
                .collect::<Vec<_>>()
                .join(" → ")
        })
        .collect();
    let total: usize = edges.iter().map(Vec::len).sum();
    assert!(total > 50, "{total} uses found: the scan reads nothing");
    assert!(
        circles.is_empty(),
        "files that use each other:\n{}",
        circles.join("\n")
    );
}
