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
        curves::store::create_out_dir(dir)?;
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
        curves::store::create_out_dir(dir)?;
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
    if what == ExportWhat::Points {
        export_points(&analysis, format, out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let charts = curves::plot::charts::all(&analysis);
    let doc = curves::report::document(&analysis, &charts, &notes);
    let tables: Vec<&curves::report::Table> = doc.tables();
    match (format, out) {
        (ExportFormat::Json, out) => {
            let value = serde_json::Value::Array(tables.iter().map(|t| t.json()).collect());
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
        (ExportFormat::Csv, Some(dir)) => {
            curves::store::create_out_dir(dir)?;
            for t in &tables {
                let path = dir.join(format!("{}.csv", curves::store::slug(&t.id)));
                curves::store::write_atomic(&path, t.csv().as_bytes())?;
                say(path.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Every point, a row at a time, to `out` (atomically) or stdout: a run
/// of any size is exported in little more memory than its analysis.
fn export_points(
    analysis: &curves::analysis::Analysis,
    format: ExportFormat,
    out: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    use curves::report::{POINTS_HEADER, point_rows, table};
    use std::io::Write;
    let write = |w: &mut dyn Write| -> std::io::Result<()> {
        match format {
            ExportFormat::Csv => {
                w.write_all(table::csv_line(POINTS_HEADER).as_bytes())?;
                for row in point_rows(analysis) {
                    w.write_all(table::csv_row(POINTS_HEADER.len(), &row).as_bytes())?;
                }
            }
            ExportFormat::Json => {
                w.write_all(b"[")?;
                for (i, row) in point_rows(analysis).enumerate() {
                    w.write_all(if i == 0 { b"\n  " } else { b",\n  " })?;
                    serde_json::to_writer(&mut *w, &table::json_row(POINTS_HEADER, &row))?;
                }
                w.write_all(b"\n]\n")?;
            }
        }
        w.flush()
    };
    match out {
        None => {
            let mut w = std::io::BufWriter::new(std::io::stdout().lock());
            match write(&mut w) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
                other => other.context("writing the export to stdout"),
            }
        }
        // A directory gets the file of its name inside, as `--what tables` does.
        Some(dir) if dir.is_dir() => {
            let path = dir.join(match format {
                ExportFormat::Csv => "points.csv",
                ExportFormat::Json => "points.json",
            });
            export_points(analysis, format, Some(&path))?;
            say(path.display());
            Ok(())
        }
        Some(path) => curves::store::write_atomic_with(path, |tmp| {
            let file = std::fs::File::create_new(tmp)
                .with_context(|| format!("creating {}", tmp.display()))?;
            let mut w = std::io::BufWriter::new(file);
            write(&mut w)
                .and_then(|()| w.into_inner().map_err(|e| e.into_error()))
                .and_then(|f| f.sync_all())
                .with_context(|| format!("writing {}", path.display()))
        }),
    }
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
        if !(a.name == b.name && a.backend == b.backend && a.driver == b.driver) {
            return Err(super::Usage(format!(
                "{} was measured on {}, not on {}: ceilings go beside the run they bound",
                run.dir.display(),
                a.label(),
                b.label()
            ))
            .into());
        }
    }
    // ceilings.json goes into the run: one writer there at a time.
    let _lock = into.map(runner::WriterLock::take).transpose()?;
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
        let driver = curves::printable::clip(format!("{} {}", a.driver, a.driver_info).trim(), 28);
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
