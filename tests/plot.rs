//! Charts and the report from committed result fixtures — real lavapipe
//! (Vulkan) and llvmpipe (GL) runs of tests/fixtures/plot-fixture.toml,
//! each with one genuinely timed-out point: every PNG decodes at the
//! expected size and is not blank, every SVG is a whole SVG document, and
//! the report holds its sections and tables.

mod common;

use std::collections::HashSet;
use std::path::Path;

use curves::plot::{HEIGHT, WIDTH, strategy_colour};
use curves::results::Run;

fn decode(path: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb, "{}", path.display());
    let pixels = buf[..info.buffer_size()]
        .chunks(3)
        .map(|c| [c[0], c[1], c[2]])
        .collect();
    (info.width, info.height, pixels)
}

fn assert_chart(path: &Path, strategies: &[&str]) {
    let name = path.display();
    let (width, height, pixels) = decode(path);
    assert_eq!((width, height), (WIDTH, HEIGHT), "{name}");
    let white = pixels.iter().filter(|p| **p == [255, 255, 255]).count();
    assert!(white < pixels.len() * 97 / 100, "{name} is nearly blank");
    let colours: HashSet<_> = pixels.iter().collect();
    assert!(
        colours.len() > 20,
        "{name} has only {} colours",
        colours.len()
    );
    for strategy in strategies {
        let c = strategy_colour(strategy);
        let count = pixels.iter().filter(|p| **p == [c.0, c.1, c.2]).count();
        assert!(
            count > 100,
            "{name}: {strategy}'s line is missing ({count} pixels)"
        );
    }
    // Text (the title) is drawn with the embedded font: dark pixels in the title band.
    let title_ink = pixels[..(WIDTH * 50) as usize]
        .iter()
        .filter(|p| p[0] < 100 && p[1] < 100 && p[2] < 100)
        .count();
    assert!(
        title_ink > 500,
        "{name}: no title text ({title_ink} dark pixels)"
    );

    let svg = std::fs::read_to_string(path.with_extension("svg")).unwrap();
    assert!(
        svg.trim_start().starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
        "{name}: SVG twin is not a whole document"
    );
    assert!(svg.contains("<text"), "{name}: SVG twin has no text");
}

const STRATEGIES: [&str; 3] = ["threads", "batch", "processes"];

#[test]
fn plot_draws_every_chart_from_result_files() {
    let out = tempfile::tempdir().unwrap();
    let assert = common::curves()
        .args([
            "plot",
            common::fixture("run-lavapipe").to_str().unwrap(),
            "--out",
            out.path().to_str().unwrap(),
        ])
        .assert()
        .success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    for chart in ["efficiency", "throughput", "latency"] {
        let path = out.path().join(format!("{chart}-linear-256-128.png"));
        assert!(
            stdout.contains(path.to_str().unwrap()),
            "prints {chart}: {stdout}"
        );
        assert_chart(&path, &STRATEGIES);
    }
    // Charts of bars and cells use their own colours, not the strategies'.
    for chart in [
        "phases-linear-256-128",
        "heatmap-linear-256-128",
        "size",
        "server",
        "server_delay",
    ] {
        let path = out.path().join(format!("{chart}.png"));
        assert!(
            stdout.contains(path.to_str().unwrap()),
            "prints {chart}: {stdout}"
        );
        assert_chart(&path, &[]);
    }
    // linear 512→256 is measured by hybrid alone (the size sweep): its
    // heatmap, and no empty line charts.
    assert!(out.path().join("heatmap-linear-512-256.png").exists());
    // One run: nothing to overlay.
    assert!(!out.path().join("overlay-linear-256-128.png").exists());
    for chart in ["efficiency", "throughput", "latency"] {
        let path = out.path().join(format!("{chart}-linear-512-256.png"));
        assert!(!path.exists(), "{} holds no curve", path.display());
    }
}

#[test]
fn two_backends_merge_into_one_chart_per_workload() {
    let out = tempfile::tempdir().unwrap();
    common::curves()
        .args([
            "plot",
            common::fixture("run-lavapipe").to_str().unwrap(),
            common::fixture("run-llvmpipe-gl").to_str().unwrap(),
            "--out",
            out.path().to_str().unwrap(),
        ])
        .assert()
        .success();
    for chart in ["efficiency", "throughput", "latency"] {
        assert_chart(
            &out.path().join(format!("{chart}-linear-256-128.png")),
            &STRATEGIES,
        );
    }
    let svg = std::fs::read_to_string(out.path().join("throughput-linear-256-128.svg")).unwrap();
    assert!(
        svg.contains("(vulkan)") && svg.contains("(gl)"),
        "the legend names both backends"
    );
    // The heatmap does not mix runs: the first run's grid, named in its title.
    let heatmap = std::fs::read_to_string(out.path().join("heatmap-linear-256-128.svg")).unwrap();
    assert!(heatmap.contains("(vulkan)") && !heatmap.contains("(gl)"));
    // The overlay: a panel per curve, a line per adapter.
    let overlay = out.path().join("overlay-linear-256-128.png");
    assert_chart(&overlay, &[]);
    let svg = std::fs::read_to_string(overlay.with_extension("svg")).unwrap();
    for text in [
        "(vulkan)",
        "(gl)",
        "\nthreads\n",
        "\nbatch\n",
        "\nprocesses\n",
    ] {
        assert!(svg.contains(text), "the overlay lacks {text}");
    }
}

#[test]
fn plot_defaults_to_plots_run_id() {
    let cwd = tempfile::tempdir().unwrap();
    common::curves()
        .current_dir(cwd.path())
        .args(["plot", common::fixture("run-lavapipe").to_str().unwrap()])
        .assert()
        .success();
    let run = Run::load(&common::fixture("run-lavapipe")).unwrap();
    assert!(
        cwd.path()
            .join("plots")
            .join(&run.info.run_id)
            .join("efficiency-linear-256-128.png")
            .is_file()
    );
}

#[test]
fn report_holds_summary_tables_charts_caveats_and_metadata() {
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("REPORT.md");
    common::curves()
        .args([
            "report",
            common::fixture("run-lavapipe").to_str().unwrap(),
            common::fixture("run-llvmpipe-gl").to_str().unwrap(),
            "--out",
            file.to_str().unwrap(),
        ])
        .assert()
        .success();
    let report = std::fs::read_to_string(&file).unwrap();
    for section in [
        "## Summary",
        "| Workload | Curve | Peak speedup | Efficiency below 50% from | Serialisation (USL) |",
        "| Single stream (one worker) |",
        "Winner at each N, linear 256→128",
        "## Charts",
        "![efficiency linear 256 128](efficiency-linear-256-128.png)",
        "![size](size.png)",
        "## Every configuration, ranked by samples/s",
        "| Threads | Ops | Time (s) | ops/s | Avg (ms) | P50 (ms) | P99 (ms) | Status |",
        "| Batch | samples/s | Speedup | Efficiency |",
        "### Direct comparison",
        "USL fit: σ =",
        "### Workload size impact",
        "| 512x256 | ",
        "## Stress verification",
        "| linear 256→128 · f32 | 4 × ",
        "| linear 256→128 | batch · readback · f32 |",
        "## Caveats",
        "**FAIL** — timed out",
        "## Runs",
        "(vulkan)",
        "(gl)",
    ] {
        assert!(report.contains(section), "the report lacks {section:?}");
    }
    // Merged, every caveat names its adapter.
    let caveats = &report[report.find("## Caveats").unwrap()..report.find("## Runs").unwrap()];
    for line in caveats.lines().filter(|l| l.starts_with("* ")) {
        assert!(line.contains("(vulkan)") || line.contains("(gl)"), "{line}");
    }
    for chart in [
        "efficiency-linear-256-128.png",
        "phases-linear-256-128.png",
        "heatmap-linear-256-128.png",
        "size.png",
    ] {
        assert!(
            out.path().join(chart).is_file(),
            "{chart} beside the report"
        );
    }
}

/// Labelled sweeps (the seeds' optimisation stack) get a table of steps
/// with each one's gain over the first and over the previous.
#[test]
fn report_tabulates_labelled_steps_with_their_gains() {
    let text = "[settings]\nwarmup_ops = 2\ntrials = 2\nops = 6\n\
                [[sweep]]\nlabel = \"0 naive\"\nworkload = \"linear\"\nstrategy = \"threads\"\nn = [2]\n\
                [[sweep]]\nlabel = \"1 batched\"\nworkload = \"linear\"\nstrategy = \"hybrid\"\nbatch = 8\nn = [2]\n";
    let (dir, run) = common::run_experiment(common::curves(), text, &[]);
    assert_eq!(run.points[0].label.as_deref(), Some("0 naive"));
    let file = dir.path().join("report").join("REPORT.md");
    common::curves()
        .args([
            "report",
            run.dir.to_str().unwrap(),
            "--out",
            file.to_str().unwrap(),
        ])
        .assert()
        .success();
    let report = std::fs::read_to_string(&file).unwrap();
    assert!(report.contains("## Steps, cumulative"), "{report}");
    let first = report
        .lines()
        .find(|l| l.starts_with("| 0 naive |"))
        .expect("the first step's row");
    assert!(first.contains("| 1.0× | – |"), "{first}");
    let second = report
        .lines()
        .find(|l| l.starts_with("| 1 batched |"))
        .expect("the second step's row");
    assert!(second.contains("hybrid ×8 N=2"), "{second}");
    // Eight samples per op against one: the batched step's gain is real data,
    // shown over both the first and the previous step (the same here).
    let gains: Vec<&str> = second
        .split('|')
        .map(str::trim)
        .filter(|c| c.ends_with('×'))
        .collect();
    assert_eq!(gains.len(), 2, "{second}");
    assert_eq!(gains[0], gains[1], "{second}");
    // And the steps as bars.
    assert_chart(&dir.path().join("report").join("stack.png"), &[]);
}
