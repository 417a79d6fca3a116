//! The `curves` binary's parts: its arguments, and the subcommands that
//! do more than call the library.

pub mod args;
pub mod commands;
