//! One writer per run directory: an advisory lock on `DIR/.lock`, held
//! while a run or a resume writes there. Two writers would measure on one
//! device at once (each skewing the other) and the last to finish would
//! overwrite the other's points.
//!
//! The file stays after the run (deleting it would let a third process
//! lock a new file while a second still holds the old one); it holds the
//! process id of its last holder, which the refusal names.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::path::Path;

use anyhow::Context;

use super::RunError;

pub const LOCK_FILE: &str = ".lock";

/// Held while a run directory is written; released when dropped (or when
/// the process ends, however it ends).
#[derive(Debug)]
pub struct WriterLock {
    _file: File,
}

impl WriterLock {
    /// Takes the lock on `dir`, or says which process holds it. A file
    /// system without locks (some network mounts) is warned about, not
    /// refused.
    pub fn take(dir: &Path) -> anyhow::Result<Self> {
        let path = dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(RunError::Busy(format!(
                    "{} is being written by another curves ({}): one writer per run directory. Wait for it to finish, or stop it and then `curves run --resume {}`",
                    dir.display(),
                    holder(&mut file),
                    dir.display()
                ))
                .into());
            }
            Err(TryLockError::Error(e)) if e.kind() == std::io::ErrorKind::Unsupported => {
                eprintln!(
                    "warning: {} cannot be locked on this file system; make sure no other curves writes there",
                    dir.display()
                );
            }
            Err(TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("locking {}", path.display()));
            }
        }
        // The holder's id, for the message another writer gets; without
        // it (a full disk) that message is vaguer, and the run's own
        // writes say what is wrong.
        let _ = file
            .set_len(0)
            .and_then(|()| file.write_all(format!("{}\n", std::process::id()).as_bytes()));
        Ok(Self { _file: file })
    }
}

/// "process 1234", from the lock file, or a vaguer phrase.
fn holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.take(32).read_to_string(&mut text);
    match text.trim().parse::<u32>() {
        Ok(pid) => format!("process {pid}"),
        Err(_) => "a process that is starting".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_refused_with_the_first_ones_pid() {
        let dir = std::env::temp_dir().join(format!("curves-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let first = WriterLock::take(&dir).unwrap();
        let refused = WriterLock::take(&dir).unwrap_err();
        let message = format!("{refused:#}");
        assert!(
            message.contains(&format!("process {}", std::process::id())),
            "{message}"
        );
        assert!(matches!(
            refused.downcast_ref::<RunError>(),
            Some(RunError::Busy(_))
        ));
        drop(first);
        let again = WriterLock::take(&dir);
        assert!(again.is_ok(), "the lock is free once its holder drops it");
        drop(again);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
