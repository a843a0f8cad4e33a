//! A `write PATH --watch` process for tests/watch.rs (Unix) and
//! tests/windows_watch.rs, and what they read of it.

use super::{Out, Run};
use std::fs;
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A running watcher, killed if a test fails before stopping it.
pub struct Watcher {
    pub child: Option<Child>,
}

impl Watcher {
    /// Starts `run` and waits for the first key at `path`.
    pub fn start(run: Run, path: &Path) -> Watcher {
        let watcher = Watcher {
            child: Some(run.spawn()),
        };
        wait_for(Duration::from_secs(30), "the first key", || path.exists());
        watcher
    }

    pub fn child(&self) -> &Child {
        self.child.as_ref().unwrap()
    }

    /// SIGTERM, then what it printed; it must be gone within a second.
    #[cfg(unix)]
    #[track_caller]
    pub fn stop(mut self) -> Out {
        let mut child = self.child.take().unwrap();
        super::signal(&child, libc::SIGTERM);
        let started = Instant::now();
        while child.try_wait().unwrap().is_none() {
            assert!(
                started.elapsed() < Duration::from_secs(1),
                "still running a second after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        Out::from(child.wait_with_output().unwrap(), started.elapsed())
    }

    /// Ends the watcher and returns what it printed. (A clean stop needs a
    /// console of its own under wine: see `ctrl_c_stops_the_watcher_cleanly`.)
    #[cfg(windows)]
    pub fn stop(mut self) -> Out {
        let mut child = self.child.take().unwrap();
        let started = Instant::now();
        let _ = child.kill();
        Out::from(child.wait_with_output().unwrap(), started.elapsed())
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[track_caller]
pub fn wait_for(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "waited {limit:?} for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// The file's key. A reader on Windows can meet the instant of a replace
/// (a sharing violation): it tries again, as a consumer would.
#[track_caller]
pub fn read_key(path: &Path) -> String {
    let mut tries = 0;
    loop {
        match fs::read_to_string(path) {
            Ok(key) => {
                assert!(key.starts_with("bedrock-api-key-"), "not a key: {key:?}");
                return key;
            }
            Err(e) if tries < 20 => {
                tries += 1;
                eprintln!("read {}: {e}; again", path.display());
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => panic!("read {}: {e}", path.display()),
        }
    }
}

/// Files in `dir` other than `keep`: temp files a writer left.
pub fn others(dir: &Path, keep: &[&str]) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !keep.contains(&n.as_str()))
        .collect()
}

/// The rewrites a watcher logged.
pub fn rewrites(stderr: &str) -> usize {
    stderr
        .lines()
        .filter(|l| l.contains(" wrote ") || l.contains(" renewed "))
        .count()
}
