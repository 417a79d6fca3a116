//! What a run's figures say, in sentences: every sentence names the
//! figures it rests on, and a cause is called a hypothesis unless a
//! measurement shows it. The figures are `analysis`'s; the words are here.

mod platforms;
mod summary;
mod waits;

pub use platforms::{frameworks, gpus};
pub use summary::summary;
pub use waits::stalls;

pub(super) fn fmt_rate(v: f64) -> String {
    crate::units::si(v)
}

/// A share with its range, in whole percents: "51% (23–56%)".
pub(super) fn percent(v: crate::analysis::Interval) -> String {
    format!(
        "{:.0}% ({:.0}–{:.0}%)",
        v.value * 100.0,
        v.lo * 100.0,
        v.hi * 100.0
    )
}
