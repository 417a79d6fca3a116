//! Fuzzing, briefly, as CI can afford: the experiment parser on generated
//! files (keys and values of the real vocabulary, wrong types, junk), and
//! `report`, `compare` and `export` on generated result files (the
//! fixture's points with fields replaced by any JSON). Nothing may panic;
//! an input is read or refused with a message, and every message and
//! exported cell is printable.

mod common;

use std::path::Path;

use proptest::prelude::*;

/// Keys that are neither settings nor a sweep's extras.
const OTHER_KEYS: &[&str] = &[
    "workload", "strategy", "n", "name", "rounds", "clients", "rate",
];

const VALUES: &[&str] = &[
    "\"linear\"",
    "\"mlp\"",
    "\"transformer\"",
    "\"threads\"",
    "\"batch\"",
    "\"processes\"",
    "\"server\"",
    "\"queue\"",
    "\"hybrid\"",
    "\"gpus\"",
    "\"readback\"",
    "\"wait\"",
    "\"pipeline:3\"",
    "\"pipeline:0\"",
    "\"spin\"",
    "\"f16\"",
    "[1, 2, 4]",
    "[0]",
    "[256, 128]",
    "[4294967295]",
    "[]",
    "[[1]]",
    "0",
    "-1",
    "1e308",
    "nan",
    "inf",
    "0.0001",
    "18446744073709551615",
    "true",
    "\"\\u001b[31mred\"",
    "\"=HYPERLINK(1)\"",
    "{ a = 1 }",
    "\"",
];

/// Any key with any value of the vocabulary, or junk.
fn line() -> impl Strategy<Value = String> {
    let keys: Vec<&'static str> = [SETTINGS, SWEEP, OTHER_KEYS].concat();
    prop_oneof![
        6 => (prop::sample::select(keys), prop::sample::select(VALUES))
            .prop_map(|(k, v)| format!("{k} = {v}")),
        2 => Just("[[sweep]]".to_string()),
        1 => Just("[settings]".to_string()),
        1 => "[ -~]{0,40}",
    ]
}

/// A value that suits `key` (most of the time), else any.
fn value_for(key: &'static str) -> impl Strategy<Value = String> {
    let suits: &'static [&'static str] = match key {
        "sync" => &[
            "\"readback\"",
            "\"wait\"",
            "\"pipeline:3\"",
            "\"pipeline:0\"",
            "\"end\"",
        ],
        "wait" => &["\"spin\"", "\"block\"", "\"callback\""],
        "precision" => &["\"f16\"", "\"f32\""],
        "encode_ahead" | "upload_inputs" => &["true", "false"],
        "dims" => &["[256, 128]", "[20, 33, 7]", "[32, 2, 5, 48]", "[0, 1]"],
        "label" | "name" => &[
            "\"a\"",
            "\"\\u001b[31mred\"",
            "\"=HYPERLINK(1)\"",
            "\"a\\nb\"",
        ],
        "trial_s" | "timeout_s" | "warmup_s" | "min_measured_s" | "target_ci" | "rate" => {
            &["0.01", "0.1", "1.0", "0", "-1.0", "1e308", "nan"]
        }
        _ => &["1", "2", "4", "16", "0", "4294967295"],
    };
    prop_oneof![
        8 => prop::sample::select(suits).prop_map(str::to_string),
        1 => prop::sample::select(VALUES).prop_map(str::to_string),
    ]
}

const SETTINGS: &[&str] = &[
    "trials",
    "max_trials",
    "trial_s",
    "ops",
    "checks",
    "timeout_s",
    "warmup_s",
    "warmup_ops",
    "min_measured_s",
    "target_ci",
    "seed",
];

const SWEEP: &[&str] = &[
    "dims",
    "sync",
    "wait",
    "batch",
    "precision",
    "max_batch",
    "max_delay_us",
    "label",
    "encode_ahead",
    "upload_inputs",
    "worker_batch",
    "trials",
    "ops",
];

/// Some of `keys`, each at most once, with values that mostly suit them.
fn key_lines(keys: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
    prop::sample::subsequence(keys, 0..max)
        .prop_flat_map(|keys| {
            keys.into_iter()
                .map(|k| value_for(k).prop_map(move |v| format!("{k} = {v}")))
                .collect::<Vec<_>>()
        })
        .prop_map(|lines| lines.join("\n"))
}

/// A sweep that parses alone (workload, strategy, N), with keys that
/// may break it.
fn sweep() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["linear", "mlp", "transformer"]),
        prop::sample::select(vec![
            "threads",
            "batch",
            "processes",
            "queue",
            "server",
            "hybrid",
        ]),
        prop::sample::select(vec![
            "[1]",
            "[1, 2]",
            "[2, 4, 8]",
            "[1]",
            "[1, 2]",
            "[1, 2]",
            "[0]",
            "[1, 1]",
        ]),
        key_lines(SWEEP, 3),
    )
        .prop_map(|(w, s, n, extra)| {
            format!("[[sweep]]\nworkload = \"{w}\"\nstrategy = \"{s}\"\nn = {n}\n{extra}")
        })
}

/// Experiments near valid ones, and junk.
fn experiment_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (key_lines(SETTINGS, 4), prop::collection::vec(sweep(), 1..4))
            .prop_map(|(settings, sweeps)| format!("[settings]\n{settings}\n{}", sweeps.join("\n"))),
        1 => prop::collection::vec(line(), 0..24).prop_map(|lines| lines.join("\n")),
    ]
}

/// A value of the same kind as `like` (a number for a number, a string
/// for a string, a list of numbers for one), hostile ones likelier, or now
/// and then anything: so that most files load and reach the analysis.
fn json_like(like: &serde_json::Value, pick: u8, number: f64) -> serde_json::Value {
    use serde_json::json;
    const NUMBERS: &[f64] = &[-1.0, -100000.0, 0.0, 1e308, 1e-300, 0.5, 3.0];
    const STRINGS: &[&str] = &[
        "=cmd|' /C calc'!A0",
        "@SUM(1+1)",
        "\u{1b}]0;title\u{7}<script>x</script>",
        "a\nb\tc\u{1b}[31m",
        "",
    ];
    let n = if pick.is_multiple_of(3) {
        number
    } else {
        NUMBERS[pick as usize % NUMBERS.len()]
    };
    if pick >= 240 {
        return [json!(null), json!([]), json!({}), json!(true), json!("x")][pick as usize % 5]
            .clone();
    }
    match like {
        serde_json::Value::Number(orig) if orig.is_u64() => {
            json!((n.abs() as u64).min(u64::from(u32::MAX)))
        }
        serde_json::Value::Number(_) => json!(n),
        // Half the strings stay (most are names of a closed vocabulary).
        serde_json::Value::String(_) if pick.is_multiple_of(2) => like.clone(),
        serde_json::Value::String(_) => json!(STRINGS[pick as usize / 2 % STRINGS.len()]),
        serde_json::Value::Array(a) if a.first().is_some_and(|v| v.is_u64()) => json!(
            a.iter()
                .map(|_| (n.abs() as u64).min(u64::from(u32::MAX)))
                .collect::<Vec<_>>()
        ),
        serde_json::Value::Array(a) if a.first().is_some_and(|v| v.is_number()) => {
            json!(
                a.iter()
                    .enumerate()
                    .map(|(i, _)| if i == 0 { n } else { number })
                    .collect::<Vec<_>>()
            )
        }
        other => other.clone(),
    }
}

/// The fixture's points with some fields replaced or removed.
fn result_lines() -> impl Strategy<Value = Vec<String>> {
    let fixture = std::fs::read_to_string(common::fixture("run-lavapipe").join("points.jsonl"))
        .expect("the fixture's points");
    let lines: Vec<serde_json::Value> = fixture
        .lines()
        .map(|l| serde_json::from_str(l).expect("fixture line"))
        .collect();
    let fields: Vec<String> = lines[0]
        .as_object()
        .expect("an object")
        .keys()
        .cloned()
        .collect();
    prop::collection::vec(
        (
            0..lines.len(),
            prop::sample::select(fields),
            any::<u8>(),
            -1e6..1e9f64,
        ),
        1..5,
    )
    .prop_map(move |edits| {
        let mut out = lines.clone();
        for (i, field, pick, number) in edits {
            let obj = out[i].as_object_mut().expect("an object");
            if pick == 0 {
                obj.remove(&field);
            } else if let Some(like) = obj.get(&field).cloned() {
                obj.insert(field, json_like(&like, pick, number));
            }
        }
        out.iter().map(|v| v.to_string()).collect()
    })
}

fn printable(text: &str) -> bool {
    !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
}

fn write_run(dir: &Path, lines: &[String]) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::copy(
        common::fixture("run-lavapipe").join("run.json"),
        dir.join("run.json"),
    )
    .unwrap();
    std::fs::write(dir.join("points.jsonl"), lines.join("\n")).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_experiment_parser_reads_or_refuses_any_file(text in experiment_text()) {
        match curves::plan::Experiment::parse(&text, Path::new("fuzz.toml")) {
            Ok(e) => prop_assert!(!e.points.is_empty(), "an experiment that parses has points"),
            Err(e) => {
                let message = e.to_string();
                prop_assert!(!message.is_empty());
                prop_assert!(printable(&message), "{message:?}");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn report_compare_and_export_read_or_refuse_any_result_file(lines in result_lines()) {
        let dir = tempfile::tempdir().unwrap();
        let run_dir = dir.path().join("fuzzed");
        write_run(&run_dir, &lines);
        let run = match curves::store::Run::load(&run_dir) {
            Ok(run) => run,
            Err(e) => {
                let message = format!("{e:#}");
                prop_assert!(printable(&message), "{message:?}");
                return Ok(());
            }
        };
        for p in &run.points {
            let m = &p.measured;
            if m.status == curves::schema::Status::Ok {
                prop_assert!(m.samples_per_s.is_some_and(|v| v.is_finite() && v > 0.0), "{}", p.describe());
                prop_assert!(m.ops_wrong <= m.ops_checked, "{}", p.describe());
            }
        }
        let original = curves::store::Run::load(&common::fixture("run-lavapipe")).unwrap();
        let runs = vec![original, run];
        let analysis = curves::analysis::Analysis::of(&runs);
        let charts = curves::plot::charts::all(&analysis);
        let doc = curves::report::document(&analysis, &charts, &[]);
        let md = curves::report::markdown(&doc);
        prop_assert!(printable(&md));
        let csv = curves::report::points_table(&analysis).csv();
        prop_assert!(printable(&csv));
        for cell in csv.split([',', '\n']) {
            let cell = cell.trim_start_matches('"');
            prop_assert!(!cell.starts_with(['=', '@', '+']), "{cell}");
        }
        let c = curves::analysis::compare::compare(&runs[0], &runs[1], 0.05);
        for p in &c.points {
            if let (Some(r), Some(lo), Some(hi)) = (p.ratio, p.ratio_lo, p.ratio_hi) {
                prop_assert!(r.is_finite() && lo <= r && r <= hi, "{r} {lo} {hi}");
            }
        }
        let _ = curves::report::comparison(&c);
    }
}
