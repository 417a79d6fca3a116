use super::super::{BarChart, Bars, Dot, Guide, Line, LineChart, Panels, Scale};
use super::axes::{MAX_TICKS, label, ticks};
use super::*;

#[test]
fn ticks_stay_few_and_finite_on_any_range() {
    assert_eq!(
        ticks(Scale::Log2, 0.0, 8.0),
        (0..=8).map(f64::from).collect::<Vec<_>>()
    );
    let wide = ticks(Scale::Log10, -300.0, 308.0);
    assert!(
        wide.len() <= MAX_TICKS + 2 && !wide.is_empty(),
        "{}",
        wide.len()
    );
    assert_eq!(ticks(Scale::Log10, 1.0, 3.0).len(), 7, "1 2 5 per decade");
    assert!(ticks(Scale::Linear, 0.0, 1e308).len() <= 2 * MAX_TICKS);
    assert_eq!(label(Scale::Log2, 3.0, false), "8");
    assert_eq!(label(Scale::Log10, 6.0, false), "1M");
}

fn lines(values: Vec<f64>, y: Scale, title: &str) -> LineChart {
    LineChart {
        title: title.into(),
        x_label: "N".into(),
        y_label: "y".into(),
        x: Scale::Log2,
        y,
        percent: false,
        lines: vec![Line {
            label: "a".into(),
            colour: (1, 2, 3),
            shape: 0,
            dashed: false,
            connected: true,
            dots: values
                .iter()
                .enumerate()
                .map(|(i, &v)| Dot::at(2f64.powi(i as i32), v))
                .chain(std::iter::once(Dot::missing(64.0, "failed")))
                .collect(),
        }],
        guides: vec![Guide {
            label: "ceiling".into(),
            y: 1e9,
            colour: (0, 0, 0),
        }],
        x_guides: Vec::new(),
        notes: vec![],
    }
}

#[test]
fn hostile_values_draw_and_are_noted() {
    for y in [Scale::Log10, Scale::Linear] {
        let c = Chart::Lines(lines(
            vec![0.0, -1.0, f64::NAN, f64::INFINITY, 1e308, 1e-300, 5.0],
            y,
            "t",
        ));
        let text = svg(&c).unwrap();
        assert!(
            text.contains("values left out") || y == Scale::Linear,
            "{y:?}"
        );
        assert!(text.contains("no figure"));
        assert!(png(&c).unwrap().starts_with(b"\x89PNG"));
    }
    let mut empty = lines(vec![], Scale::Log10, "t");
    empty.lines.clear();
    empty.guides.clear();
    assert!(
        svg(&Chart::Lines(empty))
            .unwrap()
            .contains("nothing to draw")
    );
    let bars = Chart::Bars(BarChart {
        title: "b".into(),
        y_label: "µs".into(),
        categories: vec!["a".into(), "b".into()],
        series: vec![Bars {
            label: "s".into(),
            colour: (9, 9, 9),
            values: vec![Some(0.0), Some(f64::NAN)],
        }],
        stacked: true,
        log_y: true,
        notes: vec![],
    });
    assert!(svg(&bars).unwrap().contains("left out"));
}

#[test]
fn long_titles_legends_and_notes_fit_the_canvas_whole() {
    let long = "Throughput against N · linear 256→128 on NVIDIA H200 (vulkan) and PyTorch 2.11.0+cu130 · NVIDIA H200 (cuda), every op read back, with a title far too long for one line";
    let mut panel = lines(vec![1.0, 2.0, 4.0], Scale::Log10, long);
    for i in 0..7 {
        let mut l = panel.lines[0].clone();
        l.label = format!(
            "server ≤16 / 200 µs · open loop 3000/s per client · run {i} · NVIDIA H200 (vulkan) · seeds"
        );
        l.shape = i;
        panel.lines.push(l);
    }
    panel.notes = vec![long.repeat(3)];
    let chart = Chart::Panels(Panels {
        title: long.into(),
        panels: vec![
            Chart::Lines(panel.clone()),
            Chart::Lines(panel.clone()),
            Chart::Lines(panel),
        ],
        notes: vec![long.into()],
    });
    let boxes = layout_boxes(&chart);
    assert!(boxes.len() > 30);
    for b in &boxes {
        assert!(
            b.inside(
                f64::from(crate::plot::WIDTH),
                f64::from(crate::plot::HEIGHT)
            ),
            "{b:?}"
        );
    }
    let text = svg(&chart).unwrap();
    assert!(text.contains("run 6"), "every legend entry is drawn whole");
    assert!(!text.contains('…'), "nothing is cut");
}
