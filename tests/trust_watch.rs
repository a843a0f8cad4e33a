//! Trust in the watcher: an `--on-change` hook never stands between the
//! watcher and its next renewal (bounded, its whole process group ended at
//! the bound or when the watcher stops, both logged), and the log says
//! what is at PATH, never "keeps its key" about a FIFO, a symlink or a
//! removed directory.

// Process groups, signals, FIFOs: Unix only.
#![cfg(unix)]

mod common;
use common::watcher::*;
use common::*;
use std::fs;
use std::path::Path;
use std::time::Duration;

/// Whether process `pid` still runs (a zombie does not).
fn alive(pid: u32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| !rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

fn pids(path: &Path) -> Vec<u32> {
    fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

/// A hook that starts a grandchild and waits for it: both must go when
/// the hook is ended. Records their pids.
fn hanging_hook(sb: &Sandbox) -> (String, std::path::PathBuf) {
    let pidfile = sb.path("hook-pids");
    let hook = format!(
        "echo $$ >> '{p}'; sleep 1000 & echo $! >> '{p}'; wait",
        p = pidfile.display()
    );
    (hook, pidfile)
}

#[test]
fn a_hung_hook_never_delays_a_renewal_and_is_ended_at_its_bound() {
    let sb = Sandbox::new();
    let key = sb.path("key");
    let (hook, pidfile) = hanging_hook(&sb);
    let watcher = Watcher::start(
        sb.run_static()
            .args(["--duration", "6s", "--min-remaining", "3s", "write"])
            .arg(&key)
            .args(["--watch", "--on-change", &hook])
            .args(["--on-change-timeout", "3s"]),
        &key,
    );
    // Renewals every 2 s or so, each starting a hook that would sleep for
    // 1000 s: the file keeps a live key all along.
    let seen = live_keys(&key, Duration::from_secs(12));
    assert!(seen.len() >= 3, "{} keys in 12 s", seen.len());
    // Hooks started more than 3 s ago are gone, grandchildren included.
    let early: Vec<u32> = pids(&pidfile).into_iter().take(4).collect();
    assert_eq!(early.len(), 4, "two hooks ran");
    for pid in &early {
        assert!(!alive(*pid), "hook process {pid} outlived its bound");
    }
    let out = watcher.stop();
    out.assert_code(0);
    out.assert_stderr_mentions(&["still running after 3.0s: ended its process group"]);
    // And the stop ended the ones still within their bound.
    std::thread::sleep(Duration::from_millis(200));
    for pid in pids(&pidfile) {
        assert!(!alive(pid), "hook process {pid} outlived the watcher");
    }
}

#[test]
fn a_stop_ends_a_running_hook_and_its_process_group() {
    let sb = Sandbox::new();
    let key = sb.path("key");
    let (hook, pidfile) = hanging_hook(&sb);
    // A 12-hour key: one write, one hook, well within its default 60 s.
    let watcher = Watcher::start(
        sb.run_static()
            .arg("write")
            .arg(&key)
            .args(["--watch", "--on-change", &hook]),
        &key,
    );
    wait_for(Duration::from_secs(10), "the hook's grandchild", || {
        pids(&pidfile).len() == 2
    });
    let hook_pids = pids(&pidfile);
    assert!(hook_pids.iter().all(|p| alive(*p)));
    let out = watcher.stop();
    out.assert_code(0);
    out.assert_stderr_mentions(&[
        &format!("--on-change command (pid {})", hook_pids[0]),
        "still running when SIGTERM stopped the watcher: ended its process group",
    ]);
    std::thread::sleep(Duration::from_millis(200));
    for pid in hook_pids {
        assert!(!alive(pid), "hook process {pid} outlived the watcher");
    }
}

#[test]
fn the_watchers_log_says_what_is_at_path() {
    type Replace = fn(&Path);
    let cases: [(&str, Replace, &str); 3] = [
        (
            "a FIFO",
            |key| {
                fs::remove_file(key).unwrap();
                let ok = std::process::Command::new("mkfifo")
                    .arg(key)
                    .status()
                    .unwrap()
                    .success();
                assert!(ok);
            },
            "is now a FIFO, not the file we wrote; it is left as is",
        ),
        (
            "a symlink",
            |key| {
                fs::remove_file(key).unwrap();
                std::os::unix::fs::symlink("/etc/hostname", key).unwrap();
            },
            "is now a symbolic link, not the file we wrote; it is left as is",
        ),
        (
            "no directory",
            |key| fs::remove_dir_all(key.parent().unwrap()).unwrap(),
            "is gone: its directory",
        ),
    ];
    for (what, replace, says) in cases {
        let sb = Sandbox::new();
        let dir = sb.path("out");
        fs::create_dir(&dir).unwrap();
        let key = dir.join("key");
        let watcher = Watcher::start(sb.run_static().arg("write").arg(&key).arg("--watch"), &key);
        replace(&key);
        // A key is signed per second: make the renewal a new one.
        std::thread::sleep(Duration::from_millis(1100));
        signal(watcher.child(), libc::SIGHUP);
        std::thread::sleep(Duration::from_secs(2));
        let out = watcher.stop();
        out.assert_code(0);
        let p = key.display().to_string();
        out.assert_stderr_mentions(&["renewal failed (attempt 1)", &format!("{p} {says}")]);
        assert!(
            !out.stderr.contains("keeps its key"),
            "{what}: {}",
            out.stderr
        );
        assert!(
            out.stderr
                .contains(&format!("stopped by SIGTERM; {p} {says}")),
            "{what}: {}",
            out.stderr
        );
    }
}
