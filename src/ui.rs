//! Notes, warnings and verbose lines on stderr. Nothing here ever receives a
//! secret: callers pass profile names, regions, paths and times only.

use std::sync::atomic::{AtomicU8, Ordering};

static LEVEL: AtomicU8 = AtomicU8::new(1);

pub fn set_level(quiet: bool, verbose: bool) {
    LEVEL.store(
        if quiet {
            0
        } else if verbose {
            2
        } else {
            1
        },
        Ordering::Relaxed,
    );
}

/// Something the user should know, that did not stop the work.
pub fn warn(message: &str) {
    if LEVEL.load(Ordering::Relaxed) >= 1 {
        eprintln!("bedrock-token: warning: {message}");
    }
}

/// Information the user may want, e.g. a key cut short by its credentials.
pub fn note(message: &str) {
    if LEVEL.load(Ordering::Relaxed) >= 1 {
        eprintln!("bedrock-token: note: {message}");
    }
}

/// `-v` only.
pub fn verbose(message: &str) {
    if LEVEL.load(Ordering::Relaxed) >= 2 {
        eprintln!("bedrock-token: {message}");
    }
}
