//! The `curves` binary's parts: its arguments, and the subcommands that
//! do more than call the library.

pub mod args;
pub mod commands;

/// An error that is the caller's (runs that share no point, a worker
/// started by hand): exits 2, as bad arguments do.
#[derive(Debug)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}
