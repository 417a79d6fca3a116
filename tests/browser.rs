//! index.html in a real browser: Debian's Chromium, headless, opens the
//! page of a committed fixture run from disk with no server and no
//! network; its script runs without an error (the verdict cells it marks
//! are marked), every chart and table is in the DOM, and a screenshot is
//! not blank. `make test` and `.ci/run` install Chromium when missing.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> PathBuf {
    for candidate in [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ] {
        if Path::new(candidate).exists() {
            return PathBuf::from(candidate);
        }
    }
    panic!(
        "the HTML page is tested in Chromium, which is not installed: `apt-get install chromium` \
         (`make test` does it when it runs as root with apt-get)"
    );
}

fn headless(profile: &Path) -> Command {
    let mut cmd = Command::new(chromium());
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--allow-file-access-from-files",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    cmd
}

#[test]
fn the_page_opens_from_disk_in_chromium_with_every_chart_and_table() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    common::curves()
        .args([
            "report",
            common::fixture("run-lavapipe").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .assert()
        .success();
    let page = out.join("index.html");
    let source = std::fs::read_to_string(&page).unwrap();
    let url = format!("file://{}", page.canonicalize().unwrap().display());

    // The DOM after the script ran, and the console on stderr.
    let dom = headless(&dir.path().join("profile-dom"))
        .args([
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            "--dump-dom",
            &url,
        ])
        .output()
        .unwrap();
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let html = String::from_utf8(dom.stdout).unwrap();
    let console = String::from_utf8_lossy(&dom.stderr);
    for line in console.lines().filter(|l| l.contains("CONSOLE")) {
        assert!(
            !line.contains("Uncaught") && !line.contains("Error"),
            "console: {line}"
        );
    }
    assert_eq!(
        html.matches("<svg").count(),
        source.matches("<svg").count(),
        "every chart in the DOM"
    );
    assert!(html.matches("<svg").count() >= 5);
    assert_eq!(
        html.matches("<table").count(),
        source.matches("<table").count(),
        "every table in the DOM"
    );
    assert!(
        html.contains("verdict-"),
        "the page's script ran: verdict cells are marked"
    );
    assert!(
        html.contains("data-overflowing=\"0\""),
        "no element runs past the page's right edge: {}",
        html.split("data-overflowing=")
            .nth(1)
            .unwrap_or("(not measured)")
            .chars()
            .take(12)
            .collect::<String>()
    );

    let shot = dir.path().join("page.png");
    let status = headless(&dir.path().join("profile-shot"))
        .args(["--window-size=1280,1600", "--hide-scrollbars"])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels = buf[..info.buffer_size()].chunks(channels);
    let total = (info.width * info.height) as usize;
    let ink = pixels.filter(|p| p[..3].iter().any(|&c| c < 200)).count();
    assert!(
        ink > total / 100,
        "the screenshot is blank ({ink} of {total} pixels inked)"
    );
}
