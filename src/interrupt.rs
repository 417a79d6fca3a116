//! A request to stop, from SIGINT, SIGTERM or SIGHUP: the runner abandons
//! the point in progress (it is measured again on resume), marks the run
//! interrupted and says how to resume. Workers and waits look at it between ops. A second
//! signal exits at once.

use std::sync::atomic::{AtomicU8, Ordering};

static REQUESTED: AtomicU8 = AtomicU8::new(0);

/// Installs the handler (once per process; later calls do nothing).
pub fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let installed = ctrlc::set_handler(|| {
            if REQUESTED.swap(1, Ordering::SeqCst) != 0 {
                eprintln!("\nsecond interrupt: exiting now");
                std::process::exit(130);
            }
            eprintln!("\ninterrupted: stopping the point in progress (press again to exit now)");
        });
        if let Err(e) = installed {
            eprintln!(
                "warning: no interrupt handler ({e}); Ctrl-C will end the run without marking it"
            );
        }
    });
}

/// Whether a stop was asked for.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst) != 0
}

/// Asks for a stop as a signal would (tests, and a dead parent).
pub fn request() {
    REQUESTED.store(1, Ordering::SeqCst);
}
