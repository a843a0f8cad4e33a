//! Start-up hardening, before anything else runs: standard descriptors (or
//! handles) that cannot be taken by our files, and no core or crash dump
//! that could hold secrets. The OS-specific work is in [`crate::platform`].

use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Replaces closed standard descriptors (on Windows, invalid standard
/// handles) with the null device, so no lock or cache file we open later
/// takes their place, and keeps crashes from dumping our memory.
pub fn harden() {
    if crate::platform::harden() {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
    }
}

/// Whether stdout was closed when we started: output written now goes
/// nowhere, so a command that must deliver something fails instead.
pub fn stdout_was_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}
