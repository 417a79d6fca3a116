//! Result files on disk: atomic writes, loading (with files written by
//! earlier versions), and merging runs.
//!
//! A run is a directory: `run.json` (where and how it was measured) and
//! `points.jsonl` (one point per line, rewritten after each point). Every
//! write goes to a temporary file in the same directory, created with the
//! user's umask, and is renamed over the old one: a reader never sees half
//! a file, and an interrupted run keeps every point it finished.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;

use crate::schema::{Point, RunInfo};

pub const RUN_FILE: &str = "run.json";
pub const POINTS_FILE: &str = "points.jsonl";
/// `curves peak`'s ceilings, beside a run's files or in a run directory of their own.
pub const CEILINGS_FILE: &str = "ceilings.json";

/// A run as loaded from its directory.
#[derive(Clone, Debug)]
pub struct Run {
    pub dir: PathBuf,
    pub info: RunInfo,
    pub points: Vec<Point>,
    /// The device's ceilings, where `curves peak` wrote them into the run.
    pub ceilings: Option<crate::schema::Ceilings>,
}

/// A temporary name beside `path`, unique within this process.
fn temporary_beside(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map_or("file".into(), |n| n.to_string_lossy().into_owned());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()))
}

/// Writes `path` through `write`, which is given a temporary path in the
/// same directory; renames it over `path` only once `write` succeeded. A
/// failed write leaves `path` as it was and no temporary file behind.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&Path) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let tmp = temporary_beside(path);
    let result = write(&tmp).and_then(|()| {
        std::fs::rename(&tmp, path).with_context(|| format!("renaming into {}", path.display()))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Writes `contents` to `path` atomically, with the user's umask.
pub fn write_atomic(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    write_atomic_with(path, |tmp| {
        // create_new with the default mode (0666 masked by the umask).
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(tmp)
            .with_context(|| format!("creating {}", tmp.display()))?;
        file.write_all(contents)
            .and_then(|_| file.sync_all())
            .with_context(|| format!("writing {}", path.display()))
    })
}

pub fn write_run_info(dir: &Path, info: &RunInfo) -> anyhow::Result<()> {
    write_atomic(&dir.join(RUN_FILE), &serde_json::to_vec_pretty(info)?)
}

pub fn write_points<P: std::borrow::Borrow<Point>>(dir: &Path, points: &[P]) -> anyhow::Result<()> {
    let mut text = Vec::new();
    for point in points {
        serde_json::to_writer(&mut text, point.borrow())?;
        text.push(b'\n');
    }
    write_atomic(&dir.join(POINTS_FILE), &text)
}

/// Whether `id` is a plain file name: a run id names a directory, never a
/// path, and holds no character a terminal would act on.
pub fn is_plain_name(id: &str) -> bool {
    !id.is_empty()
        && id != "."
        && id != ".."
        && !id.contains(['/', '\\', '\0', '\n'])
        && !crate::printable::has_unsafe(id)
        && id.len() <= 255
        && !Path::new(id).is_absolute()
}

/// The most `run.json` may hold: the experiment text is in it, and
/// experiment files are refused past 1 MiB.
pub const MAX_RUN_FILE: u64 = 16 << 20;
/// The longest line of `points.jsonl`: a point is a few kB; 100,000 trials
/// would be 2 MB.
pub const MAX_POINT_LINE: usize = 4 << 20;

/// Reads `path` whole, refusing a file over `limit` bytes (or one that
/// never ends, like /dev/zero) with the reason.
pub fn read_limited(path: &Path, limit: u64) -> anyhow::Result<String> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let mut text = Vec::new();
    file.take(limit + 1).read_to_end(&mut text)?;
    if text.len() as u64 > limit {
        anyhow::bail!(
            "{} is over {} MiB: not a file this tool wrote or reads",
            path.display(),
            limit >> 20
        );
    }
    String::from_utf8(text).map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", path.display()))
}

/// Every point of a `points.jsonl`, a line at a time: migrated from older
/// versions, its strings made printable. A line over [`MAX_POINT_LINE`] is
/// refused by its number, never echoed.
fn read_points(file: std::fs::File, path: &Path, points: &mut Vec<Point>) -> anyhow::Result<()> {
    use std::io::BufRead;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    let mut line = Vec::new();
    for number in 1.. {
        line.clear();
        let read = std::io::Read::take(&mut reader, MAX_POINT_LINE as u64 + 1)
            .read_until(b'\n', &mut line)
            .with_context(|| format!("reading {}", path.display()))?;
        if read == 0 {
            break;
        }
        if line.len() > MAX_POINT_LINE && !line.ends_with(b"\n") {
            anyhow::bail!(
                "{} line {number} is over {} MiB: not a point this tool wrote",
                path.display(),
                MAX_POINT_LINE >> 20
            );
        }
        let text = std::str::from_utf8(&line)
            .map_err(|_| anyhow::anyhow!("{} line {number} is not UTF-8", path.display()))?;
        if text.trim().is_empty() {
            continue;
        }
        let mut value: serde_json::Value = serde_json::from_str(text)
            .with_context(|| format!("{} line {number}", path.display()))?;
        migrate_point(&mut value);
        crate::printable::clean_strings(&mut value);
        let mut point: Point = serde_json::from_value(value)
            .with_context(|| format!("{} line {number}", path.display()))?;
        if let Some(why) = point.impossible() {
            point.measured.status = crate::schema::Status::Invalid;
            point.measured.error = Some(format!("invalid in the result file: {why}"));
        }
        points.push(point);
    }
    Ok(())
}

/// Lower-case letters, digits and single dashes: safe in any file name.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 32 {
            break;
        }
    }
    out.trim_end_matches('-').to_string()
}

/// An output path that exists and is not a directory (a usage error).
#[derive(Debug, thiserror::Error)]
#[error("{} exists and is not a directory: an output goes into a directory", .0.display())]
pub struct NotADirectory(pub PathBuf);

/// Creates the output directory `dir` and its parents, or says why not.
pub fn create_out_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(NotADirectory(dir.to_path_buf()).into());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))
}

/// Creates `parent/name`, or `parent/name-2`, … if it exists.
pub fn unique_dir(parent: &Path, name: &str) -> anyhow::Result<PathBuf> {
    create_out_dir(parent)?;
    for i in 1..10_000 {
        let dir = if i == 1 {
            parent.join(name)
        } else {
            parent.join(format!("{name}-{i}"))
        };
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("creating {}", dir.display())),
        }
    }
    anyhow::bail!("no free name for {name} in {}", parent.display())
}

/// Rewrites a point written by an earlier version into today's fields:
/// `sync = "spin"` became sync `wait` with wait style `spin`; a hybrid
/// point's per-thread batch became `worker_batch`.
fn migrate_point(value: &mut serde_json::Value) {
    let Some(obj) = value.as_object_mut() else {
        return;
    };
    if obj.get("sync").and_then(|s| s.as_str()) == Some("spin") {
        obj.insert("sync".into(), "wait".into());
        obj.insert("wait".into(), "spin".into());
    }
    if obj.get("strategy").and_then(|s| s.as_str()) == Some("hybrid")
        && !obj.contains_key("worker_batch")
        && let Some(batch) = obj.get("batch").cloned()
    {
        obj.insert("worker_batch".into(), batch);
    }
}

/// A path given as a run directory that holds no `run.json`: the
/// caller's mistake (a usage error), not a failure while working.
#[derive(Debug, thiserror::Error)]
#[error("{} is not a run directory: it holds no {RUN_FILE}", .0.display())]
pub struct NotARun(pub PathBuf);

impl Run {
    /// Loads a run directory. A `run_id` that is not a plain name (a path,
    /// `..`) is replaced by the directory's own name.
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        let run_path = dir.join(RUN_FILE);
        if !run_path.is_file() {
            return Err(NotARun(dir.to_path_buf()).into());
        }
        let text = read_limited(&run_path, MAX_RUN_FILE).with_context(|| {
            format!(
                "reading {} (is {} a run directory?)",
                run_path.display(),
                dir.display()
            )
        })?;
        let mut value: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("parsing {}", run_path.display()))?;
        let raw_id = value
            .get("run_id")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        crate::printable::clean_strings(&mut value);
        let mut info: RunInfo = serde_json::from_value(value)
            .with_context(|| format!("parsing {}", run_path.display()))?;
        if !raw_id.as_deref().is_some_and(is_plain_name) {
            let own = dir
                .file_name()
                .map(|n| slug(&n.to_string_lossy()))
                .filter(|n| is_plain_name(n))
                .unwrap_or_else(|| "run".into());
            info.run_id = own;
        }
        let points_path = dir.join(POINTS_FILE);
        let mut points = Vec::new();
        match std::fs::File::open(&points_path) {
            Ok(file) => read_points(file, &points_path, &mut points)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("reading {}", points_path.display())),
        }
        // The PyTorch peer before it set CUDA's schedule wrote `block` for
        // every point while CUDA's default schedule (spinning, with fewer
        // threads than cores) ran: read as what ran.
        if info.crate_version == "peer" && info.git_revision == "peers/pytorch/curves_peer.py" {
            for p in &mut points {
                p.config.wait = crate::schema::WaitStyle::Auto;
            }
            info.notes.push(
                "written by the PyTorch peer before it set CUDA's schedule: its points ran CUDA's default schedule, read as wait = auto".into(),
            );
        }
        let ceilings_path = dir.join(CEILINGS_FILE);
        let ceilings = match std::fs::read_to_string(&ceilings_path) {
            Ok(text) => Some(
                serde_json::from_str(&text)
                    .with_context(|| format!("parsing {}", ceilings_path.display()))?,
            ),
            Err(_) => None,
        };
        Ok(Self {
            dir: dir.to_path_buf(),
            info,
            points,
            ceilings,
        })
    }
}

/// Loads every run directory, dropping a run given twice (the same
/// directory, or the same run id and start): returns the runs and a note
/// for each one dropped.
pub fn load_runs(dirs: &[PathBuf]) -> anyhow::Result<(Vec<Run>, Vec<String>)> {
    let mut runs: Vec<Run> = Vec::new();
    let mut notes = Vec::new();
    let mut seen: Vec<PathBuf> = Vec::new();
    for dir in dirs {
        let canonical = dir.canonicalize().unwrap_or_else(|_| dir.clone());
        let run = Run::load(dir)?;
        let twin = runs
            .iter()
            .any(|r| r.info.run_id == run.info.run_id && r.info.started_at == run.info.started_at);
        if seen.contains(&canonical) || twin {
            notes.push(format!(
                "{} was given more than once; it is used once",
                dir.display()
            ));
            continue;
        }
        seen.push(canonical);
        runs.push(run);
    }
    Ok((runs, notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_are_names_never_paths() {
        assert!(is_plain_name("20261121-quick-h200"));
        for bad in ["", ".", "..", "../../x", "/etc", "a/b", "a\\b"] {
            assert!(!is_plain_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn slugs_are_file_name_safe() {
        assert_eq!(
            slug("llvmpipe (LLVM 15.0.7, 256 bits)"),
            "llvmpipe-llvm-15-0-7-256-bits"
        );
        assert_eq!(slug("NVIDIA H200"), "nvidia-h200");
        assert_eq!(slug("--a__b--"), "a-b");
    }

    #[test]
    fn an_atomic_write_leaves_no_temporary_file_and_a_failed_one_keeps_the_old() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.txt");
        write_atomic(&path, b"one").unwrap();
        let failed = write_atomic_with(&path, |tmp| {
            std::fs::write(tmp, b"half")?;
            anyhow::bail!("disk full")
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn atomic_writes_follow_the_umask_not_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.txt");
        write_atomic(&path, b"x").unwrap();
        let plain = dir.path().join("plain.txt");
        std::fs::write(&plain, b"x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), mode(&plain));
    }

    #[test]
    fn legacy_points_migrate() {
        let mut v: serde_json::Value =
            serde_json::json!({"sync": "spin", "strategy": "hybrid", "batch": 32});
        migrate_point(&mut v);
        assert_eq!(v["sync"], "wait");
        assert_eq!(v["wait"], "spin");
        assert_eq!(v["worker_batch"], 32);
    }
}
