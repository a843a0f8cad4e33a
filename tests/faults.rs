//! Faults: a write that fails (disk full, file size limit) leaves the old
//! entry and still prints a key; SIGKILL at any point of a refresh never
//! leaves a partial entry.

// Runs Unix tools (sh scripts, Python peers) or checks modes and signals.
#![cfg(unix)]

mod common;
use common::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

fn entry_in(dir: &Path) -> Option<PathBuf> {
    fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
}

/// The refresh's write fails; the old entry stays whole and a key is printed.
fn assert_failed_write_keeps_old_entry(sb: &Sandbox, cache: &Path, run: impl Fn() -> Out) {
    let entry = entry_in(cache).expect("an entry");
    let before = fs::read_to_string(&entry).unwrap();
    std::thread::sleep(Duration::from_millis(1100)); // a new key differs
    let out = run();
    out.assert_code(0);
    assert!(
        out.stdout.starts_with("bedrock-api-key-"),
        "a key is still printed"
    );
    assert!(
        out.stderr.contains("could not cache the new key"),
        "{}",
        out.stderr
    );
    assert_eq!(
        fs::read_to_string(&entry).unwrap(),
        before,
        "the old entry is intact"
    );
    let leftovers = fs::read_dir(cache)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .count();
    assert_eq!(leftovers, 0, "no temp file left behind");
    let _ = sb;
}

#[test]
fn a_write_over_the_file_size_limit_keeps_the_old_entry() {
    let sb = Sandbox::new();
    sb.run_static().ok();
    let cache = sb.cache_dir();
    assert_failed_write_keeps_old_entry(&sb, &cache, || {
        // `ulimit -f 0`: any write to a file fails with EFBIG (SIGXFSZ is
        // ignored so the write returns the error instead of killing us).
        sb.sh(&format!(
            "trap '' XFSZ; ulimit -f 0; exec '{}' --refresh",
            bin()
        ))
        .output()
    });
}

/// A tiny tmpfs, unmounted on drop.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(path: PathBuf) -> Option<Tmpfs> {
        Self::mount_with(path, "size=64k,mode=0700")
    }

    fn mount_with(path: PathBuf, options: &str) -> Option<Tmpfs> {
        fs::create_dir_all(&path).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(&path)
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Tmpfs(path))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_keeps_the_old_entry() {
    let sb = Sandbox::new();
    let Some(fs_) = Tmpfs::mount(sb.path("small")) else {
        // Not permitted here (no root or no mount namespace): the file size
        // limit test above injects the same failure.
        skip_or_fail("cannot mount a tmpfs here");
        return;
    };
    let cache = fs_.0.join("cache");
    let run = || sb.run_static().arg("--cache-dir").arg(&cache);
    run().ok();
    // Fill the disk.
    let _ = Command::new("dd")
        .args(["if=/dev/zero", "bs=4k", "count=64"])
        .arg(format!("of={}", fs_.0.join("filler").display()))
        .stderr(std::process::Stdio::null())
        .status();
    assert_failed_write_keeps_old_entry(&sb, &cache, || run().arg("--refresh").output());
}

#[test]
fn sigkill_at_any_point_of_a_refresh_never_leaves_a_partial_entry() {
    let sb = Sandbox::new();
    sb.run_static().ok();
    let cache = sb.cache_dir();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..200 {
        let mut child = sb.run_static().arg("--refresh").spawn();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_micros(seed % 8000));
        let _ = child.kill();
        let _ = child.wait();
        if let Some(entry) = entry_in(&cache) {
            let text = fs::read_to_string(&entry).unwrap();
            assert!(
                serde_json::from_str::<serde_json::Value>(&text).is_ok(),
                "iteration {i}: partial entry"
            );
        }
    }
    // The cache still works: the entry is whole and reused, and the next
    // writer sweeps any temp files the killed ones left.
    let a = sb.run_static().arg("--refresh").ok();
    assert_eq!(sb.run_static().ok(), a);
    let temps = fs::read_dir(&cache)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .count();
    assert_eq!(temps, 0);
}

#[test]
fn a_read_only_cache_dir_still_prints_the_key() {
    let sb = Sandbox::new();
    let Some(ro) = Tmpfs::mount_with(sb.path("ro"), "ro,size=64k,mode=0700") else {
        skip_or_fail("cannot mount a tmpfs here");
        return;
    };
    let out = sb.run_static().arg("--cache-dir").arg(&ro.0).output();
    out.assert_key(&["warning: not caching", "Read-only file system"]);
}
