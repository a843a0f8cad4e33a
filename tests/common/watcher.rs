//! A `write PATH --watch` process for tests/watch.rs (Unix) and
//! tests/windows_watch.rs, and what they read of it.

use super::{Out, Run, Sandbox, expires_at};
use std::collections::BTreeSet;
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

/// Reads the key at `path` twice a second for `how_long`, asserting that
/// it always has more than 2 s of life (a watcher asked for 3 s of
/// --min-remaining, give or take a loaded machine); the keys seen.
#[track_caller]
pub fn live_keys(path: &Path, how_long: Duration) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let until = Instant::now() + how_long;
    while Instant::now() < until {
        let token = read_key(path);
        let left = expires_at(&token) as f64 - now_secs();
        assert!(left > 2.0, "the key has only {left:.1}s left");
        seen.insert(token);
        std::thread::sleep(Duration::from_millis(500));
    }
    seen
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

/// A profile `flaky` whose credential_process fails while the file `down`
/// exists, else gives credentials that live two hours: a shell script on
/// Unix, a `.cmd` script on Windows (the SDK runs it through `cmd.exe /C`).
fn flaky_profile(sb: &Sandbox, down: &Path) {
    #[cfg(unix)]
    let script = sb.script(
        "bin/flaky",
        &format!(
            r#"if [ -e '{}' ]; then echo 'the source is down' >&2; exit 1; fi
exp=$(date -u -d '+7200 seconds' +%Y-%m-%dT%H:%M:%SZ)
echo '{{"Version":1,"AccessKeyId":"ASIAFLAKYEXAMPLE0001","SecretAccessKey":"s","SessionToken":"t","Expiration":"'$exp'"}}'"#,
            down.display()
        ),
    );
    #[cfg(windows)]
    let script = {
        let expires = time::OffsetDateTime::now_utc() + time::Duration::hours(2);
        let expires = expires
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        sb.write(
            "bin/flaky.cmd",
            &format!(
                "@echo off\r\nif exist \"{}\" (\r\n  echo the source is down 1>&2\r\n  exit /b 1\r\n)\r\necho {{\"Version\":1,\"AccessKeyId\":\"ASIAFLAKYEXAMPLE0001\",\"SecretAccessKey\":\"s\",\"SessionToken\":\"t\",\"Expiration\":\"{expires}\"}}\r\n",
                down.display()
            ),
        )
    };
    sb.config(&format!(
        "[profile flaky]\nregion = us-east-1\ncredential_process = \"{}\"\n",
        script.display()
    ));
}

/// A watcher of 4 s keys whose credential source goes down until well
/// after the key expired, then comes back: the file keeps a whole key
/// throughout (the first, or one renewal made before the outage took
/// effect), and a new one arrives within `recovery` of the source's
/// return. Returns what the watcher printed, for each platform's checks.
#[track_caller]
pub fn outage_then_recovery(recovery: Duration) -> Out {
    let sb = Sandbox::new();
    let down = sb.path("down");
    flaky_profile(&sb, &down);
    let key = sb.path("key");
    let watcher = Watcher::start(
        sb.run()
            .args(["-p", "flaky", "--duration", "4s", "--min-remaining", "1s"])
            .arg("write")
            .arg(&key)
            .arg("--watch"),
        &key,
    );
    let first = read_key(&key);
    fs::write(&down, "").unwrap();
    // Attempts come at about 2, 3, 4.5 and 7 s (at the latest 9 s, and at
    // the earliest 5.5 s, after the key expired at 4 s): all fail.
    let outage = Instant::now() + Duration::from_secs(10);
    let mut held = BTreeSet::new();
    while Instant::now() < outage {
        held.insert(read_key(&key));
        std::thread::sleep(Duration::from_millis(100));
    }
    fs::remove_file(&down).unwrap();
    assert!(held.len() <= 2, "{} keys during the outage", held.len());
    let stale = read_key(&key);
    assert!(expires_at(&stale) < now_secs() as i64, "expired by now");
    // The next retry is 4 to 8 s after the last.
    wait_for(recovery, "recovery", || read_key(&key) != stale);
    let fresh = read_key(&key);
    assert_ne!(fresh, first);
    assert!(expires_at(&fresh) as f64 > now_secs());
    let out = watcher.stop();
    assert_eq!(out.stdout, "", "nothing on stdout");
    out.assert_stderr_mentions(&[
        "renewal failed (attempt 1)",
        "renewal failed (attempt 2)",
        "keeps its key, valid until",
        "the file is left as is",
        "next attempt in",
        "renewed",
    ]);
    // One line per attempt.
    for line in out.stderr.lines().filter(|l| l.contains("failed")) {
        assert!(line.contains("renewal failed (attempt "), "{line}");
    }
    out
}
