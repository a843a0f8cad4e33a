//! Notes, warnings and verbose lines on stderr. Nothing here ever receives a
//! secret: callers pass profile names, regions, paths and times only.
//!
//! Writing to stderr never fails the command: a full disk, a closed pipe or
//! a file-size limit on stderr loses the note, never the key.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

static LEVEL: AtomicU8 = AtomicU8::new(1);
static TIMESTAMPS: AtomicBool = AtomicBool::new(false);

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

/// Every line from now on carries the time, RFC 3339 UTC: for a watcher's
/// log, which runs for days.
pub fn timestamps() {
    TIMESTAMPS.store(true, Ordering::Relaxed);
}

/// One line on stderr, `bedrock-token: ` first (then the time, in a
/// watcher); errors writing it are dropped.
pub fn line(text: &str) {
    let text = if TIMESTAMPS.load(Ordering::Relaxed) {
        format!(
            "bedrock-token: {} {text}\n",
            crate::duration::rfc3339(crate::duration::now_unix())
        )
    } else {
        format!("bedrock-token: {text}\n")
    };
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
}

/// What a watcher did (a renewal): not with `-q`.
pub fn info(message: &str) {
    if LEVEL.load(Ordering::Relaxed) >= 1 {
        line(message);
    }
}

/// Something the user should know, that did not stop the work.
pub fn warn(message: &str) {
    if LEVEL.load(Ordering::Relaxed) >= 1 {
        line(&format!("warning: {message}"));
    }
}

/// Information the user may want, e.g. a key cut short by its credentials.
pub fn note(message: &str) {
    if LEVEL.load(Ordering::Relaxed) >= 1 {
        line(&format!("note: {message}"));
    }
}

/// `-v` only.
pub fn verbose(message: &str) {
    if LEVEL.load(Ordering::Relaxed) >= 2 {
        line(message);
    }
}

/// Text that explains output the user will paste (`setup`), kept off
/// stdout so that stdout stays machine-readable; as written, no prefix.
pub fn comment(text: &str) {
    if LEVEL.load(Ordering::Relaxed) >= 1 {
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }
}
