//! What the subcommands that are more than a call do: compare,
//! reproduce, export, peak into a run, the adapters' table; and the
//! writing of their output to stdout.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use super::args::{CompareFormat, ExportFormat, ExportWhat, ReproduceFormat};
use curves::gpu::{self, AdapterSelection};
use curves::plan::Experiment;
use curves::runner;

/// Where charts and reports of `runs` go by default.
pub fn default_out(runs: &[curves::store::Run]) -> PathBuf {
    match runs {
        [one] => PathBuf::from("plots").join(&one.info.run_id),
        _ => PathBuf::from("plots/merged"),
    }
}

pub fn load(dirs: &[PathBuf]) -> anyhow::Result<(Vec<curves::store::Run>, Vec<String>)> {
    let (runs, notes) = curves::store::load_runs(dirs)?;
    for n in &notes {
        eprintln!("note: {n}");
    }
    Ok((runs, notes))
}

/// Writes a line to stdout; a closed pipe (`curves report … | head`) ends
/// the program quietly instead of a panic.
pub fn say(text: impl std::fmt::Display) {
    emit(&format!("{text}\n"));
}

/// [`say`] without the newline.
pub fn emit(text: &str) {
    use std::io::Write;
    if let Err(e) = std::io::stdout().write_all(text.as_bytes())
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

pub fn compare(
    base: &std::path::Path,
    new: &std::path::Path,
    threshold: f64,
    format: CompareFormat,
    out: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    // Both loaded as given: a run compared with itself or a copy of it is
    // a comparison too (every point unchanged).
    let runs = [
        curves::store::Run::load(base)?,
        curves::store::Run::load(new)?,
    ];
    let c = curves::analysis::compare::compare(&runs[0], &runs[1], threshold);
    if c.points.is_empty() {
        return Err(super::Usage(format!(
            "{} and {} share no point (no point of one has the other's workload, strategy, settings and N): nothing to compare",
            base.display(),
            new.display()
        ))
        .into());
    }
    let (table, chart) = curves::report::comparison(&c);
    let mut md = format!(
        "# {} → {}\n\n{} points compared: {} improved, {} regressed, {} no change, {} not comparable (threshold {:.0}%).\n\n",
        c.base,
        c.new,
        c.points.len(),
        c.improved(),
        c.regressed(),
        c.points
            .iter()
            .filter(|p| p.change == curves::analysis::compare::Change::NoChange)
            .count(),
        c.points
            .iter()
            .filter(|p| p.change == curves::analysis::compare::Change::NotComparable)
            .count(),
        c.threshold * 100.0
    );
    md.push_str(&table.markdown());
    for (name, list) in [
        ("Only in BASE", &c.only_in_base),
        ("Only in NEW", &c.only_in_new),
    ] {
        if !list.is_empty() {
            md.push_str(&format!("\n{name}:\n\n"));
            for p in list {
                md.push_str(&format!("* {}\n", curves::printable::markdown(p)));
            }
        }
    }
    let json = serde_json::to_string_pretty(&c)?;
    match format {
        CompareFormat::Md => emit(&md),
        CompareFormat::Csv => emit(&table.csv()),
        CompareFormat::Json => say(&json),
    }
    if let Some(dir) = out {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        curves::store::write_atomic(&dir.join("compare.md"), md.as_bytes())?;
        curves::store::write_atomic(&dir.join("compare.csv"), table.csv().as_bytes())?;
        curves::store::write_atomic(&dir.join("compare.json"), json.as_bytes())?;
        let named = [curves::plot::Named {
            stem: "compare".into(),
            chart,
            headline: true,
        }];
        curves::plot::write_all(&named, dir, curves::plot::Files::Every)?;
    }
    Ok(if c.regressed() > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub fn reproduce(
    dirs: &[PathBuf],
    format: ReproduceFormat,
    out: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    let (runs, _) = load(dirs)?;
    anyhow::ensure!(
        runs.len() >= 2,
        "reproduce reads two runs or more (the same run given twice counts once)"
    );
    let analysis = curves::analysis::Analysis::of(&runs);
    let r = curves::analysis::reproduce::reproduce(&analysis);
    let md = curves::report::reproduce::markdown(&analysis, &r);
    let json = serde_json::to_string_pretty(&serde_json::json!({
        "runs": runs.iter().map(|r| r.info.run_id.clone()).collect::<Vec<_>>(),
        "agreeing": r.agreeing(),
        "covering": r.covering(),
        "inside": r.inside(),
        "median_gaps": r.median_gaps().map(|(m, p90, n)| serde_json::json!({"median": m, "p90": p90, "pairs": n})),
        "claims": curves::report::reproduce::claims_table(&r).json(),
        "points": curves::report::reproduce::points_table(&r, false).json(),
    }))?;
    match format {
        ReproduceFormat::Md => emit(&md),
        ReproduceFormat::Json => say(&json),
    }
    if let Some(dir) = out {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        curves::store::write_atomic(&dir.join("reproduce.md"), md.as_bytes())?;
        curves::store::write_atomic(&dir.join("reproduce.json"), json.as_bytes())?;
        let csv = curves::report::reproduce::points_table(&r, false).csv();
        curves::store::write_atomic(&dir.join("reproduce-points.csv"), csv.as_bytes())?;
    }
    Ok(if r.claims.iter().any(|c| c.flips()) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub fn export(
    dirs: &[PathBuf],
    format: ExportFormat,
    what: ExportWhat,
    out: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    let (runs, notes) = load(dirs)?;
    let analysis = curves::analysis::Analysis::of(&runs);
    let tables: Vec<curves::report::Table> = match what {
        ExportWhat::Points => vec![curves::report::points_table(&analysis)],
        ExportWhat::Tables => {
            let charts = curves::plot::charts::all(&analysis);
            let doc = curves::report::document(&analysis, &charts, &notes);
            doc.tables().into_iter().cloned().collect()
        }
    };
    match (format, out) {
        (ExportFormat::Json, out) => {
            let value = if what == ExportWhat::Points {
                tables[0].json()["rows"].clone()
            } else {
                serde_json::Value::Array(tables.iter().map(|t| t.json()).collect())
            };
            let text = serde_json::to_string_pretty(&value)?;
            match out {
                Some(path) => curves::store::write_atomic(path, text.as_bytes())?,
                None => say(&text),
            }
        }
        (ExportFormat::Csv, None) => {
            for (i, t) in tables.iter().enumerate() {
                if tables.len() > 1 {
                    emit(&format!(
                        "{}# {} {}\r\n",
                        if i > 0 { "\r\n" } else { "" },
                        t.id,
                        t.title
                    ));
                }
                emit(&t.csv());
            }
        }
        (ExportFormat::Csv, Some(path)) if tables.len() == 1 => {
            curves::store::write_atomic(path, tables[0].csv().as_bytes())?
        }
        (ExportFormat::Csv, Some(dir)) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            for t in &tables {
                let path = dir.join(format!("{}.csv", curves::store::slug(&t.id)));
                curves::store::write_atomic(&path, t.csv().as_bytes())?;
                say(path.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn peak(
    selection: &AdapterSelection,
    options: &curves::peak::PeakOptions,
    out: &std::path::Path,
    into: Option<&std::path::Path>,
) -> anyhow::Result<PathBuf> {
    let ctx = std::sync::Arc::new(gpu::GpuContext::open(selection)?);
    let existing = into.map(curves::store::Run::load).transpose()?;
    if let Some(run) = &existing {
        let (a, b) = (&run.info.adapter, &ctx.info);
        anyhow::ensure!(
            a.name == b.name && a.backend == b.backend && a.driver == b.driver,
            "{} was measured on {}, not on {}: ceilings go beside the run they bound",
            run.dir.display(),
            a.label(),
            b.label()
        );
    }
    let ceilings = curves::peak::peak(&ctx, options, &mut |line| eprintln!("{line}"));
    let json = serde_json::to_vec_pretty(&ceilings)?;
    let dir = match existing {
        Some(run) => run.dir,
        None => {
            let experiment = Experiment {
                name: "peak".into(),
                description: Some("the device's ceilings (`curves peak`)".into()),
                path: PathBuf::from("curves peak"),
                text: String::new(),
                points: Vec::new(),
                rounds: curves::plan::Rounds::default(),
                overrides: [
                    options.quick.then(|| "quick".to_string()),
                    options.shapes.as_ref().map(|shapes| {
                        let shapes: Vec<String> = shapes
                            .iter()
                            .map(|(m, k, n)| format!("{m}×{k}×{n}"))
                            .collect();
                        format!("shapes {}", shapes.join(","))
                    }),
                    options.workloads_only.then(|| "workloads".to_string()),
                ]
                .into_iter()
                .flatten()
                .collect(),
            };
            let (dir, mut info) = runner::new_run(out, &experiment, &ctx.info)?;
            info.finished_at = Some(chrono::Utc::now());
            curves::store::write_run_info(&dir, &info)?;
            curves::store::write_points::<curves::schema::Point>(&dir, &[])?;
            dir
        }
    };
    curves::store::write_atomic(&dir.join(curves::store::CEILINGS_FILE), &json)?;
    Ok(dir)
}

pub fn list_adapters(selection: AdapterSelection) -> anyhow::Result<ExitCode> {
    let adapters: Vec<_> = gpu::enumerate(selection.backends)
        .iter()
        .map(|(i, a)| gpu::summary(a, Some(*i)))
        .collect();
    if adapters.is_empty() {
        // Same message and exit status as a run that finds nothing.
        gpu::select(&selection)?;
    }
    say(format!(
        "{:>5}  {:<36} {:<8} {:<13} {:<28} {:<13} {:<4} {:<4} {:<4} COOP",
        "INDEX", "ADAPTER", "BACKEND", "TYPE", "DRIVER", "PCI BUS", "F16", "TS", "SUBG"
    ));
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    for a in adapters {
        let driver = format!("{} {}", a.driver, a.driver_info);
        let mut driver = driver.trim().to_string();
        if driver.chars().count() > 28 {
            driver = driver.chars().take(27).collect::<String>() + "…";
        }
        say(format!(
            "{:>5}  {:<36} {:<8} {:<13} {:<28} {:<13} {:<4} {:<4} {:<4} {}",
            a.index.unwrap_or(0),
            a.name,
            a.backend,
            a.device_type,
            driver,
            if a.pci_bus_id.is_empty() {
                "–"
            } else {
                &a.pci_bus_id
            },
            yes_no(a.shader_f16),
            yes_no(a.timestamp_query),
            yes_no(a.subgroups),
            yes_no(a.cooperative_matrix)
        ));
    }
    Ok(ExitCode::SUCCESS)
}
