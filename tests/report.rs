//! `plot`, `report`, `compare` and `export` on result files: the committed
//! fixture runs (real lavapipe and llvmpipe runs, each with a genuinely
//! failed point), and files a user could hand them from elsewhere —
//! hostile values, a path for a run id, a run given twice, a partial run.
//! They draw what they can, mark what they cannot, and never hang, panic
//! or write outside the directory they were given.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use curves::plot::{HEIGHT, WIDTH};

fn decode(path: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let pixels = buf[..info.buffer_size()]
        .chunks(3)
        .map(|c| [c[0], c[1], c[2]])
        .collect();
    (info.width, info.height, pixels)
}

fn report(args: &[&str], cwd: &Path) -> assert_cmd::assert::Assert {
    common::curves()
        .current_dir(cwd)
        .arg("report")
        .args(args)
        .timeout(Duration::from_secs(120))
        .assert()
}

#[test]
fn a_report_is_a_page_a_short_read_an_appendix_and_its_charts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let fixture = common::fixture("run-lavapipe");
    let assert = report(
        &[fixture.to_str().unwrap(), "--out", out.to_str().unwrap()],
        dir.path(),
    )
    .success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.lines().next().unwrap().ends_with("index.html"),
        "the page first: {stdout}"
    );

    let md = std::fs::read_to_string(out.join("REPORT.md")).unwrap();
    for section in ["## The seeds' claims", "## Summary", "## Caveats"] {
        assert!(md.contains(section), "REPORT.md lacks {section}");
    }
    assert!(md.contains("| Seed | Claim | Adapter | Measured here (matched) | Verdict |"));
    assert!(
        md.split_whitespace().count() <= 1500,
        "a short read: {} words",
        md.split_whitespace().count()
    );
    assert!(
        md.contains("does not hold") || md.contains("holds"),
        "verdicts computed"
    );
    // The fixture's failed point is a caveat, with its reason.
    assert!(
        md.contains("point(s) failed") && md.contains("timed out"),
        "{md}"
    );
    let appendix = std::fs::read_to_string(out.join("APPENDIX.md")).unwrap();
    assert!(appendix.contains("## Every curve") && appendix.contains("| N | samples/s |"));
    assert!(
        appendix.contains("## Best configurations") && appendix.contains("Why, and the rule")
            || appendix.contains(
                "| Seed | Claim | Seeds' figure | Measured here (matched) | Verdict | Why |"
            )
    );

    let pngs: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    assert!(pngs.len() >= 3, "{} headline charts", pngs.len());
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    let figures = page.matches("<figure id=\"chart-").count();
    assert!(
        figures >= 5 && figures >= pngs.len(),
        "{figures} charts in the page"
    );
    assert_eq!(
        page.matches("<svg").count(),
        figures,
        "every chart inline, as SVG"
    );
    for png in &pngs {
        let stem = png.file_stem().unwrap().to_string_lossy();
        assert!(
            page.contains(&format!("id=\"chart-{stem}\"")),
            "{stem} is not in the page"
        );
        assert!(
            md.contains(&format!("({stem}.png)")),
            "{stem}.png is a headline chart of REPORT.md"
        );
        let (w, h, pixels) = decode(png);
        assert_eq!((w, h), (WIDTH, HEIGHT), "{stem}");
        let white = pixels.iter().filter(|p| **p == [255, 255, 255]).count();
        assert!(
            white < pixels.len() * 98 / 100,
            "{stem}.png is nearly blank"
        );
    }
    assert!(page.contains("<table class=\"sortable\""));
    for fetch in ["src=\"http", "href=\"http", "url(http", "@import"] {
        assert!(!page.contains(fetch), "the page needs no network: {fetch}");
    }
    // Throughput and efficiency keep the strategies' colours.
    let threads = curves::schema::StrategyKind::Threads.info().colour;
    let (_, _, pixels) = decode(&out.join("throughput-linear-256-128.png"));
    assert!(
        pixels
            .iter()
            .filter(|p| **p == [threads.0, threads.1, threads.2])
            .count()
            > 100
    );
}

#[test]
fn plot_writes_every_chart_as_svg_and_png() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = common::fixture("run-lavapipe");
    let assert = common::curves()
        .args([
            "plot",
            fixture.to_str().unwrap(),
            "--out",
            dir.path().to_str().unwrap(),
        ])
        .assert()
        .success();
    let files = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let svgs: Vec<&str> = files.lines().filter(|l| l.ends_with(".svg")).collect();
    assert!(svgs.len() >= 5);
    for svg in svgs {
        let text = std::fs::read_to_string(svg).unwrap();
        assert!(
            text.trim_start().starts_with("<svg") && text.trim_end().ends_with("</svg>"),
            "{svg}"
        );
        assert!(text.contains("<text"), "{svg}: no text");
        let (w, h, _) = decode(&Path::new(svg).with_extension("png"));
        assert_eq!((w, h), (WIDTH, HEIGHT), "{svg}");
    }
}

#[test]
fn an_existing_output_directory_is_written_into_not_beside() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("existing");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "mine").unwrap();
    let fixture = common::fixture("run-llvmpipe-gl");
    report(
        &[fixture.to_str().unwrap(), "--out", out.to_str().unwrap()],
        dir.path(),
    )
    .success();
    assert!(out.join("REPORT.md").exists() && out.join("index.html").exists());
    assert_eq!(
        std::fs::read_to_string(out.join("keep.txt")).unwrap(),
        "mine"
    );
    let beside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        beside,
        vec![std::ffi::OsString::from("existing")],
        "nothing written beside it"
    );
}

#[test]
fn a_run_id_is_a_name_never_a_path() {
    let dir = tempfile::tempdir().unwrap();
    let run = common::edited_copy("run-lavapipe", dir.path(), |_, _| {});
    for bad in ["../../escape", "/tmp/escape-abs", ".."] {
        common::edit_run_json(&run, |v| v["run_id"] = bad.into());
        let work = dir.path().join("work");
        std::fs::create_dir_all(&work).unwrap();
        report(&[run.to_str().unwrap()], &work).success();
        let plots: Vec<_> = std::fs::read_dir(work.join("plots"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(plots.len(), 1, "{bad}: one directory under plots/");
        assert!(plots[0].join("REPORT.md").exists(), "{bad}");
        assert!(
            !dir.path().join("escape").exists() && !Path::new("/tmp/escape-abs").exists(),
            "{bad}"
        );
        std::fs::remove_dir_all(&work).unwrap();
    }
}

#[test]
fn hostile_figures_are_drawn_around_never_hung_on() {
    let dir = tempfile::tempdir().unwrap();
    let run = common::edited_copy("run-lavapipe", dir.path(), |i, v| match i % 5 {
        0 => {
            v["samples_per_s"] = 0.0.into();
            v["samples_per_s_trials"] = serde_json::json!([0.0, 0.0]);
        }
        1 => {
            v["samples_per_s"] = 1e308.into();
            v["samples_per_s_trials"] = serde_json::json!([1e308, -5.0]);
            v["samples_per_s_spread"] =
                serde_json::json!({"median": 1e308, "min": -5.0, "max": 1e308, "iqr": 1e308});
        }
        2 => {
            v["samples_per_s_spread"] = serde_json::Value::Null;
            v["noisy"] = true.into();
            v["latency_us"] = serde_json::Value::Null;
        }
        3 => {
            v["samples_per_s"] = (-3.0).into();
            v["phases_us"] = serde_json::Value::Null;
            v["latency_histogram"] = serde_json::json!([{"le_us": 0.0, "count": 0}, {"le_us": 1e300, "count": 18446744073709551615u64}]);
        }
        _ => {}
    });
    for command in ["plot", "report"] {
        let out = dir.path().join(command);
        common::curves()
            .args([
                command,
                run.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ])
            .timeout(Duration::from_secs(120))
            .assert()
            .success();
    }
    let md = std::fs::read_to_string(dir.path().join("report/REPORT.md")).unwrap();
    assert!(md.contains("## Caveats"));
}

#[test]
fn the_same_run_twice_is_used_once_and_said_so() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = common::fixture("run-lavapipe");
    let out = dir.path().join("out");
    report(
        &[
            fixture.to_str().unwrap(),
            fixture.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        dir.path(),
    )
    .success()
    .stderr(predicates::str::contains("given more than once"));
    let md = std::fs::read_to_string(out.join("REPORT.md")).unwrap();
    assert!(
        md.starts_with("# What scales on llvmpipe"),
        "one run, not a merge of two"
    );
    assert!(md.contains("given more than once"), "a caveat says so");
}

#[test]
fn two_runs_merge_into_one_report_with_a_table_across_them() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let (a, b) = (
        common::fixture("run-lavapipe"),
        common::fixture("run-llvmpipe-gl"),
    );
    report(
        &[
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        dir.path(),
    )
    .success();
    let md = std::fs::read_to_string(out.join("REPORT.md")).unwrap();
    let appendix = std::fs::read_to_string(out.join("APPENDIX.md")).unwrap();
    assert!(
        md.starts_with("# What scales: 2 runs on llvmpipe"),
        "{}",
        md.lines().next().unwrap()
    );
    assert_eq!(
        md.matches("## The seeds' claims").count(),
        1,
        "one verdict table, each claim once per adapter"
    );
    assert!(md.contains("| Seed | Claim | Adapter |"));
    assert!(
        appendix.contains("## The seeds' claims, with their rules · "),
        "each run's own table in the appendix"
    );
    assert!(appendix.contains("## The same curves across runs"));
}

#[test]
fn a_partial_run_is_reported_and_marked() {
    let dir = tempfile::tempdir().unwrap();
    let run = common::edited_copy("run-lavapipe", dir.path(), |_, _| {});
    let text = std::fs::read_to_string(run.join("points.jsonl")).unwrap();
    let kept: Vec<&str> = text.lines().take(4).collect();
    std::fs::write(run.join("points.jsonl"), kept.join("\n") + "\n").unwrap();
    common::edit_run_json(&run, |v| v["finished_at"] = serde_json::Value::Null);
    let out = dir.path().join("out");
    report(
        &[run.to_str().unwrap(), "--out", out.to_str().unwrap()],
        dir.path(),
    )
    .success();
    let md = std::fs::read_to_string(out.join("REPORT.md")).unwrap();
    assert!(md.contains("did not finish"), "{md}");
}

#[test]
fn compare_finds_no_change_against_itself_and_a_regression_against_a_slowed_copy() {
    let dir = tempfile::tempdir().unwrap();
    let base = common::fixture("run-lavapipe");
    let copy = common::edited_copy("run-lavapipe", dir.path(), |_, _| {});
    // A copy of the run is another run: another start time.
    common::edit_run_json(&copy, |v| v["started_at"] = "2026-11-22T00:00:00Z".into());
    let assert = common::curves()
        .args(["compare", base.to_str().unwrap(), copy.to_str().unwrap()])
        .assert()
        .success();
    let md = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(md.contains("0 improved, 0 regressed"), "{md}");

    let slow = dir.path().join("slow");
    std::fs::create_dir_all(&slow).unwrap();
    let slowed = common::edited_copy("run-lavapipe", &slow, |_, v| {
        for key in ["samples_per_s", "ops_per_s"] {
            if let Some(x) = v[key].as_f64() {
                v[key] = (x * 0.7).into();
            }
        }
        if let Some(t) = v["samples_per_s_trials"].as_array() {
            v["samples_per_s_trials"] = t.iter().map(|x| x.as_f64().unwrap_or(0.0) * 0.7).collect();
        }
    });
    common::edit_run_json(&slowed, |v| v["started_at"] = "2026-11-23T00:00:00Z".into());
    let out = dir.path().join("cmp");
    let assert = common::curves()
        .args([
            "compare",
            base.to_str().unwrap(),
            slowed.to_str().unwrap(),
            "--format",
            "json",
            "--out",
            out.to_str().unwrap(),
        ])
        .assert()
        .code(1);
    let json: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    let points = json["points"].as_array().unwrap();
    assert!(
        points.iter().filter(|p| p["change"] == "regressed").count() >= points.len() / 2,
        "{json}"
    );
    for f in [
        "compare.md",
        "compare.csv",
        "compare.json",
        "compare.png",
        "compare.svg",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
}

#[test]
fn export_writes_every_point_as_csv_and_json() {
    let fixture = common::fixture("run-lavapipe");
    let lines = std::fs::read_to_string(fixture.join("points.jsonl"))
        .unwrap()
        .lines()
        .count();
    let csv = common::curves()
        .args(["export", fixture.to_str().unwrap()])
        .assert()
        .success();
    let csv = String::from_utf8(csv.get_output().stdout.clone()).unwrap();
    assert!(csv.starts_with("run,adapter,workload,strategy,n,"));
    assert_eq!(
        csv.lines().count(),
        lines + 1,
        "a header and a line per point"
    );
    let json = common::curves()
        .args(["export", fixture.to_str().unwrap(), "--format", "json"])
        .assert()
        .success();
    let rows: serde_json::Value = serde_json::from_slice(&json.get_output().stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), lines);
    assert!(rows[0]["samples_per_s"].is_number() && rows[0]["efficiency"].is_number());
    // Points that differ only in how they issue ops stay apart.
    assert_eq!(rows[0]["encode_ahead"], "no");
    let dir = tempfile::tempdir().unwrap();
    common::curves()
        .args([
            "export",
            fixture.to_str().unwrap(),
            "--what",
            "tables",
            "--out",
            dir.path().to_str().unwrap(),
        ])
        .assert()
        .success();
    assert!(dir.path().join("verdicts-1.csv").exists());
}
