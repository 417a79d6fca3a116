//! Cores for a spinning GPU owner and its clients: the owner takes one
//! core of its own and the clients share the others, so that clients
//! spinning for their answers never take the owner's core. Without it,
//! 16 spinning clients and the owner share 16 cores by the scheduler's
//! turns, and the owner, whose every microsecond is on every request's
//! path, loses its core for a client's turn. Linux only; elsewhere, where
//! the process may use fewer than 3 cores, and where [`NO_PIN`] is set,
//! nothing is pinned.

/// Set (to anything) to leave a spinning owner and its clients to the
/// scheduler; the points then record no `owner_cores`.
pub const NO_PIN: &str = "CURVES_NO_PIN";

/// Which cores the owner and its clients run on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    pub owner: usize,
    pub clients: Vec<usize>,
}

impl Split {
    /// The first of `allowed` for the owner, the rest for the clients;
    /// `None` with fewer than 3 (one client core would serialise them).
    pub fn of(allowed: &[usize]) -> Option<Self> {
        match allowed {
            [owner, clients @ ..] if clients.len() >= 2 => Some(Self {
                owner: *owner,
                clients: clients.to_vec(),
            }),
            _ => None,
        }
    }

    /// The split of the cores this process may use, if it can and may pin.
    pub fn of_process() -> Option<Self> {
        if std::env::var_os(NO_PIN).is_some() {
            return None;
        }
        Self::of(&allowed())
    }
}

#[cfg(target_os = "linux")]
fn allowed() -> Vec<usize> {
    use nix::sched::{CpuSet, sched_getaffinity};
    use nix::unistd::Pid;
    sched_getaffinity(Pid::from_raw(0))
        .map(|set| {
            (0..CpuSet::count())
                .filter(|&c| set.is_set(c).unwrap_or(false))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(not(target_os = "linux"))]
fn allowed() -> Vec<usize> {
    Vec::new()
}

/// Pins the calling thread to `cores`.
#[cfg(target_os = "linux")]
pub fn pin_to(cores: &[usize]) -> Result<(), String> {
    use nix::sched::{CpuSet, sched_setaffinity};
    use nix::unistd::Pid;
    let mut set = CpuSet::new();
    for &c in cores {
        set.set(c).map_err(|e| format!("core {c}: {e}"))?;
    }
    // Pid 0 is the calling thread.
    sched_setaffinity(Pid::from_raw(0), &set).map_err(|e| format!("pinning to {cores:?}: {e}"))
}

#[cfg(not(target_os = "linux"))]
pub fn pin_to(_cores: &[usize]) -> Result<(), String> {
    Err("pinning threads to cores is implemented on Linux only".into())
}

#[cfg(test)]
mod tests {
    use super::Split;

    #[test]
    fn the_owner_takes_the_first_core_and_the_clients_the_rest() {
        assert_eq!(
            Split::of(&[2, 3, 5, 7]),
            Some(Split {
                owner: 2,
                clients: vec![3, 5, 7]
            })
        );
        assert_eq!(Split::of(&[0, 1]), None, "one client core is no split");
        assert_eq!(Split::of(&[]), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_thread_pinned_to_the_clients_cores_runs_on_them() {
        let all = super::allowed();
        assert!(!all.is_empty(), "a Linux process may use some core");
        let last = *all.last().unwrap();
        std::thread::spawn(move || {
            super::pin_to(&[last]).unwrap();
            assert_eq!(super::allowed(), vec![last]);
        })
        .join()
        .unwrap();
        assert_eq!(
            super::allowed(),
            all,
            "the caller's own cores are untouched"
        );
    }
}
