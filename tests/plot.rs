//! Charts from a committed result fixture (a real lavapipe run with one
//! genuinely failed point): the PNGs decode, have the expected size, are
//! not blank, and show each strategy's colour.

mod common;

use std::collections::HashSet;
use std::path::Path;

use curves::plot::{HEIGHT, WIDTH, strategy_colour};

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

#[test]
fn plot_draws_efficiency_and_throughput_from_result_files() {
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
    for name in ["efficiency.png", "throughput.png"] {
        let path = out.path().join(name);
        assert!(
            stdout.contains(path.to_str().unwrap()),
            "prints {name}: {stdout}"
        );
        let (width, height, pixels) = decode(&path);
        assert_eq!((width, height), (WIDTH, HEIGHT), "{name}");
        let white = pixels.iter().filter(|p| **p == [255, 255, 255]).count();
        assert!(white < pixels.len() * 97 / 100, "{name} is nearly blank");
        let colours: HashSet<_> = pixels.iter().collect();
        assert!(
            colours.len() > 20,
            "{name} has only {} colours",
            colours.len()
        );
        for strategy in ["threads", "batch", "processes"] {
            let c = strategy_colour(strategy);
            let rgb = [c.0, c.1, c.2];
            let count = pixels.iter().filter(|p| **p == rgb).count();
            assert!(
                count > 200,
                "{name}: {strategy}'s line is missing ({count} pixels)"
            );
        }
        // Text (title, axes, legend) is drawn with the embedded font: dark
        // grey/black pixels in the title band.
        let title_ink = pixels[..(WIDTH * 60) as usize]
            .iter()
            .filter(|p| p[0] < 100 && p[1] < 100 && p[2] < 100)
            .count();
        assert!(
            title_ink > 500,
            "{name}: no title text ({title_ink} dark pixels)"
        );
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
    let run_id = "20261121-050053-plot-fixture-llvmpipe-llvm-15-0-6-256-bits-vulkan";
    assert!(
        cwd.path()
            .join("plots")
            .join(run_id)
            .join("efficiency.png")
            .is_file()
    );
}
