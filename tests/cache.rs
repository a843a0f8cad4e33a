//! The on-disk cache: one signing per key under a lock, reuse while fresh,
//! atomic replacement, and every kind of bad entry or directory survived.

// Tests that need Unix tools (sh, ulimit, tmpfs), modes or Unix symlinks
// are `#[cfg(unix)]`; the rest run under wine too (tests/windows.rs has the
// Windows versions of those checks).

mod common;
use common::*;
use std::fs;
#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;
#[cfg(unix)]
use std::path::PathBuf;
#[cfg(unix)]
use std::process::Command;
use std::time::{Duration, Instant};

#[cfg(unix)]
fn stampede(sb: &Sandbox, n: usize) -> Vec<Out> {
    let started = Instant::now();
    let children: Vec<_> = (0..n)
        .map(|_| sb.run().args(["-p", "slow"]).spawn())
        .collect();
    children
        .into_iter()
        .map(|c| Out::from(c.wait_with_output().unwrap(), started.elapsed()))
        .collect()
}

#[cfg(unix)]
#[test]
fn a_stampede_on_an_empty_cache_signs_once() {
    let sb = Sandbox::new();
    let count = counting_profile(&sb, "1", 3600);
    let outs = stampede(&sb, 100);
    assert_eq!(runs(&count), 1, "credential_process ran once");
    let first = &outs[0].stdout;
    assert!(first.starts_with("bedrock-api-key-"));
    for o in &outs {
        o.assert_code(0);
        assert_eq!(&o.stdout, first, "every caller got the same key");
    }
}

/// How many processes wait, blocked, for the flock on `lock` (Linux's
/// `/proc/locks`: a waiter's line carries `->` and the lock's inode).
#[cfg(target_os = "linux")]
fn lock_waiters(lock: &std::path::Path) -> usize {
    use std::os::unix::fs::MetadataExt;
    let Ok(ino) = fs::metadata(lock).map(|m| m.ino()) else {
        return 0;
    };
    let suffix = format!(":{ino}");
    fs::read_to_string("/proc/locks")
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("->"))
        .filter(|l| l.split_whitespace().any(|f| f.ends_with(&suffix)))
        .count()
}

#[cfg(target_os = "linux")]
#[test]
fn a_stampede_on_an_expired_entry_signs_once_more() {
    let sb = Sandbox::new();
    // Credentials that live 2 minutes can never meet the 15-minute
    // --min-remaining: every caller finds the entry too old. The
    // credential_process waits at a gate, so the regeneration lasts until
    // every caller has read the old entry and waits on the lock (a process
    // that starts only after the new key was written finds it short and
    // makes its own: that is not a stampede).
    let gate = sb.path("gate");
    fs::write(&gate, "").unwrap();
    let count = counting_profile(
        &sb,
        &format!(
            "0; while [ ! -e '{}' ]; do sleep 0.05; done",
            gate.display()
        ),
        120,
    );
    let old = sb
        .run()
        .args(["-p", "slow"])
        // 2m, or 1m59s when the run crosses a second (slow starts, emulators).
        .ok_with(&["only: credentials of profile slow expire"]);
    assert_eq!(runs(&count), 1);
    fs::remove_file(&gate).unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    let lock = only_entry(&sb).with_extension("lock");
    let callers = 100;
    let opener = std::thread::spawn(move || {
        // Under emulators (qemu-user) a hundred start-ups take a while.
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut waiting = 0;
        while Instant::now() < deadline {
            waiting = lock_waiters(&lock);
            if waiting == callers - 1 {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        fs::write(&gate, "").unwrap();
        waiting
    });
    let outs = stampede(&sb, callers);
    let waited = opener.join().unwrap();
    assert_eq!(waited, callers - 1, "every other caller waited on the lock");
    assert_eq!(runs(&count), 2, "one regeneration for {callers} callers");
    let first = &outs[0].stdout;
    assert_ne!(first, &old);
    for o in &outs {
        o.assert_code(0);
        assert_eq!(&o.stdout, first);
    }
    // Those that waited used the new key, and said why it is short.
    let warned = outs
        .iter()
        .filter(|o| o.stderr.contains("cannot meet --min-remaining"))
        .count();
    assert_eq!(warned, callers - 1, "the waiters warned");
}

#[test]
fn a_killed_lock_holder_leaves_no_partial_entry_and_frees_the_lock() {
    let sb = Sandbox::new();
    let count = counting_profile(&sb, "5", 3600);
    let mut holder = sb.run().args(["-p", "slow"]).spawn();
    let deadline = Instant::now() + Duration::from_secs(10);
    while runs(&count) == 0 {
        assert!(
            Instant::now() < deadline,
            "holder never ran credential_process"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    holder.kill().unwrap(); // SIGKILL
    holder.wait().unwrap();
    assert!(entries(&sb).is_empty(), "no entry, not a partial one");
    let started = Instant::now();
    let out = sb.run().args(["-p", "slow"]).output();
    out.assert_code(0);
    // The credential_process takes 5 s; a lock left held would cost the
    // whole --lock-timeout (30 s) first. Emulators (qemu) start slowly.
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the lock was free: {:?}",
        started.elapsed()
    );
    let text = fs::read_to_string(only_entry(&sb)).unwrap();
    serde_json::from_str::<serde_json::Value>(&text).expect("whole entry");
}

#[cfg(unix)]
#[test]
fn readers_never_see_a_torn_entry_while_a_writer_refreshes() {
    let sb = Sandbox::new();
    sb.run_static().ok();
    let writer = {
        let bin = bin().to_string();
        let home = sb.home();
        std::thread::spawn(move || {
            for _ in 0..40 {
                let st = Command::new(&bin)
                    .env_clear()
                    .env("HOME", &home)
                    .env("AWS_EC2_METADATA_DISABLED", "true")
                    .env("AWS_ACCESS_KEY_ID", AKID)
                    .env("AWS_SECRET_ACCESS_KEY", SECRET)
                    .env("AWS_REGION", "us-east-1")
                    .arg("--refresh")
                    .output()
                    .unwrap();
                assert!(st.status.success());
            }
        })
    };
    for _round in 0..4 {
        let readers: Vec<_> = (0..50).map(|_| sb.run_static().spawn()).collect();
        for r in readers {
            let out = Out::from(r.wait_with_output().unwrap(), Duration::ZERO);
            out.assert_code(0);
            assert!(out.stdout.starts_with("bedrock-api-key-"), "{}", out.stdout);
            assert!(decode_url(&out.stdout).ends_with("&Version=1"));
        }
    }
    writer.join().unwrap();
}

#[test]
fn bad_entries_are_misses_and_are_rewritten() {
    let sb = Sandbox::new();
    sb.run_static().ok();
    let entry = only_entry(&sb);
    let good = fs::read_to_string(&entry).unwrap();
    let v: serde_json::Value = serde_json::from_str(&good).unwrap();
    let other_region = {
        let other = Sandbox::new();
        other
            .run_static()
            .args(["--region", "eu-west-1", "--no-cache"])
            .ok()
    };
    let edit = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut e = v.clone();
        f(&mut e);
        e.to_string()
    };
    let bad: Vec<(&str, String)> = vec![
        ("corrupt", "{not json".into()),
        ("truncated", good[..good.len() / 2].into()),
        ("empty", String::new()),
        ("oversized", format!("{}{}", good, " ".repeat(200_000))),
        ("unknown version", edit(&|e| e["version"] = 99.into())),
        (
            "future-dated",
            edit(&|e| {
                let t = e["created_at"].as_i64().unwrap() + 3600;
                e["created_at"] = t.into();
            }),
        ),
        (
            "foreign region",
            edit(&|e| e["token"] = other_region.trim().into()),
        ),
        (
            "another cache key",
            edit(&|e| e["key"] = "0".repeat(64).into()),
        ),
        ("binary", "\u{0}\u{1}\u{2}\u{ff}".into()),
    ];
    for (what, content) in bad {
        fs::write(&entry, &content).unwrap();
        let out = sb.run_static().output();
        out.assert_code(0);
        assert!(out.stdout.starts_with("bedrock-api-key-"), "{what}");
        let now = fs::read_to_string(&entry).unwrap();
        assert_ne!(now, content, "{what}: rewritten");
        serde_json::from_str::<serde_json::Value>(&now)
            .unwrap_or_else(|_| panic!("{what}: valid now"));
        assert!(
            out.stderr.is_empty(),
            "{what}: a bad entry is silent: {}",
            out.stderr
        );
    }
}

#[cfg(unix)]
#[test]
fn modes_hold_under_umask_000() {
    let sb = Sandbox::new();
    sb.sh(&format!("umask 000; exec '{}'", bin())).ok();
    let mode = |p: &PathBuf| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&sb.cache_dir()), 0o700);
    for f in fs::read_dir(sb.cache_dir()).unwrap().flatten() {
        assert_eq!(mode(&f.path()), 0o600, "{}", f.path().display());
    }
}

#[cfg(unix)]
#[test]
fn symlinks_are_never_followed() {
    // A symlinked entry.
    let sb = Sandbox::new();
    sb.run_static().ok();
    let entry = only_entry(&sb);
    let target = sb.write("victim", "do not touch");
    fs::remove_file(&entry).unwrap();
    std::os::unix::fs::symlink(&target, &entry).unwrap();
    let out = sb.run_static().output();
    out.assert_code(0);
    assert!(out.stdout.starts_with("bedrock-api-key-"));
    assert_eq!(fs::read_to_string(&target).unwrap(), "do not touch");
    assert!(out.stderr.contains("symbolic link"), "{}", out.stderr);

    // A symlinked lock file.
    let sb = Sandbox::new();
    sb.run_static().ok();
    let entry = only_entry(&sb);
    let lock = entry.with_extension("lock");
    fs::remove_file(&entry).unwrap();
    fs::remove_file(&lock).unwrap();
    let target = sb.write("victim", "do not touch");
    std::os::unix::fs::symlink(&target, &lock).unwrap();
    let out = sb.run_static().output();
    out.assert_code(0);
    assert_eq!(fs::read_to_string(&target).unwrap(), "do not touch");
    assert!(
        out.stderr
            .contains(&format!("{} is a symbolic link", lock.display())),
        "{}",
        out.stderr
    );

    // A symlinked directory.
    let sb = Sandbox::new();
    let elsewhere = sb.path("elsewhere");
    fs::create_dir(&elsewhere).unwrap();
    fs::set_permissions(&elsewhere, fs::Permissions::from_mode(0o700)).unwrap();
    fs::create_dir_all(sb.cache_dir().parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&elsewhere, sb.cache_dir()).unwrap();
    let out = sb.run_static().output();
    out.assert_code(0);
    assert!(out.stdout.starts_with("bedrock-api-key-"));
    assert_eq!(
        fs::read_dir(&elsewhere).unwrap().count(),
        0,
        "nothing written through the link"
    );
    assert!(out.stderr.contains("is a symbolic link"), "{}", out.stderr);
}

#[cfg(unix)]
#[test]
fn a_dir_open_to_others_is_not_used() {
    // Even with a good entry inside.
    let sb = Sandbox::new();
    sb.run_static().ok();
    fs::set_permissions(sb.cache_dir(), fs::Permissions::from_mode(0o755)).unwrap();
    let out = sb.run_static().output();
    out.assert_code(0);
    assert!(out.stderr.contains("open to other users"), "{}", out.stderr);

    let sb = Sandbox::new();
    fs::create_dir_all(sb.cache_dir()).unwrap();
    fs::set_permissions(sb.cache_dir(), fs::Permissions::from_mode(0o777)).unwrap();
    let out = sb.run_static().output();
    out.assert_code(0);
    assert!(
        out.stderr.contains("open to other users") && out.stderr.contains("chmod 700"),
        "{}",
        out.stderr
    );
    assert!(entries(&sb).is_empty());
}

#[cfg(unix)]
#[test]
fn no_usable_dir_still_prints_the_key_and_writes_nowhere_else() {
    // A directory that cannot be created, even by root.
    let sb = Sandbox::new();
    let out = sb
        .run_static()
        .args(["--cache-dir", "/proc/self/bedrock-token-cache"])
        .output();
    out.assert_key(&["warning: not caching"]);

    // No HOME at all.
    let sb = Sandbox::new();
    let before = tree(sb.dir.path());
    let out = sb.run_static().env_remove("HOME").output();
    out.assert_code(0);
    assert!(out.stdout.starts_with("bedrock-api-key-"));
    assert!(out.stderr.contains("HOME is not set"), "{}", out.stderr);
    assert_eq!(
        tree(sb.dir.path()),
        before,
        "nothing written in the working directory"
    );

    // A relative cache dir is a usage error, never the working directory.
    sb.run_static()
        .env("BEDROCK_TOKEN_CACHE_DIR", "relative/dir")
        .output()
        .assert_fails(2, &["must be an absolute path"]);
}

#[cfg(unix)]
fn tree(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = vec![];
    for e in fs::read_dir(dir).unwrap().flatten() {
        out.push(e.path());
        if e.file_type().unwrap().is_dir() {
            out.extend(tree(&e.path()));
        }
    }
    out.sort();
    out
}

#[test]
fn reused_while_fresh_and_regenerated_near_expiry() {
    let sb = Sandbox::new();
    let args = ["--duration", "5s", "--min-remaining", "3s"];
    let first = sb.run_static().args(args).ok();
    let again = sb.run_static().args(args).ok();
    assert_eq!(first, again, "reused within the first 2 seconds");
    std::thread::sleep(Duration::from_millis(3200));
    let later = sb.run_static().args(args).ok();
    assert_ne!(first, later, "regenerated once less than 3s remain");
}

// Exact to the second: the Windows script fixes its expiry when written.
#[cfg(unix)]
#[test]
fn short_credentials_bound_the_cached_expiry() {
    let sb = Sandbox::new();
    counting_profile(&sb, "0", 1800);
    sb.run()
        .args(["-p", "slow"])
        .ok_with(&["only: credentials of profile slow expire"]);
    let e: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(only_entry(&sb)).unwrap()).unwrap();
    let created = e["created_at"].as_i64().unwrap();
    let expires = e["expires_at"].as_i64().unwrap();
    assert!(
        (1790..=1800).contains(&(expires - created)),
        "{}",
        expires - created
    );
    assert_eq!(e["credentials_expire_at"].as_i64(), Some(expires));
    assert!(
        !fs::read_to_string(only_entry(&sb))
            .unwrap()
            .contains("countsecret"),
        "a key entry holds no AWS secret"
    );
}

#[test]
fn keys_differ_by_identity_region_profile_and_duration() {
    let sb = Sandbox::new();
    sb.credentials(&format!(
        "[a]\naws_access_key_id = {AKID}\naws_secret_access_key = {SECRET}\n\
         [b]\naws_access_key_id = {AKID}\naws_secret_access_key = {SECRET}\n"
    ));
    let mut count = 0;
    for run in [
        sb.run_static(),
        sb.run_static()
            .env("AWS_ACCESS_KEY_ID", "AKIAOTHEREXAMPLE1234"),
        sb.run_static().args(["--region", "eu-west-1"]),
        sb.run().env("AWS_REGION", "us-east-1").args(["-p", "a"]),
        sb.run().env("AWS_REGION", "us-east-1").args(["-p", "b"]),
        sb.run_static().args(["--duration", "1h"]),
    ] {
        run.ok();
        count += 1;
        assert_eq!(entries(&sb).len(), count, "every case has its own entry");
    }
}

#[test]
fn editing_the_aws_config_invalidates() {
    let sb = Sandbox::new();
    sb.credentials(&format!(
        "[dev]\naws_access_key_id = {AKID}\naws_secret_access_key = {SECRET}\n"
    ));
    sb.config("[profile dev]\nregion = us-east-1\n");
    let run = || sb.run().args(["-p", "dev"]).ok();
    let first = run();
    assert_eq!(run(), first);
    std::thread::sleep(Duration::from_millis(1100));
    sb.config("[profile dev]\nregion = us-east-1\n# edited\n");
    assert_ne!(run(), first, "a config edit makes a new key");
}

#[test]
fn refresh_and_no_cache() {
    let sb = Sandbox::new();
    sb.run_static().args(["--no-cache"]).ok();
    assert!(!sb.cache_dir().exists(), "--no-cache writes nothing");
    let first = sb.run_static().ok();
    std::thread::sleep(Duration::from_millis(1100));
    let refreshed = sb.run_static().args(["--refresh"]).ok();
    assert_ne!(first, refreshed);
    assert_eq!(sb.run_static().ok(), refreshed, "--refresh stores its key");
}

/// Makes `counting_profile`'s credential_process fail, saying `message`.
fn break_credentials(sb: &Sandbox, message: &str) {
    #[cfg(unix)]
    sb.script("bin/creds", &format!("echo '{message}' >&2; exit 1"));
    #[cfg(windows)]
    sb.write(
        "bin/creds.cmd",
        &format!("@echo off\r\necho {message} 1>&2\r\nexit /b 1\r\n"),
    );
}

#[test]
fn a_failed_refresh_falls_back_to_a_cached_key_with_life_left() {
    let sb = Sandbox::new();
    counting_profile(&sb, "0", 300); // 5 minutes: below --min-remaining
    // 4m59s or 5m: a run can cross a second (on Windows the script's
    // expiry is even fixed when it is written, a moment before it runs).
    let cached = sb
        .run()
        .args(["-p", "slow"])
        .ok_with(&["only: credentials of profile slow expire"]);
    break_credentials(&sb, "vault unreachable");
    let out = sb.run().args(["-p", "slow"]).output();
    out.assert_code(0);
    assert_eq!(out.stdout, cached);
    assert!(
        out.stderr.contains("using the cached one"),
        "{}",
        out.stderr
    );
    // With less than a minute left, the failure is an error.
    let sb = Sandbox::new();
    counting_profile(&sb, "0", 40);
    sb.run().args(["-p", "slow"]).ok_with(&["key valid for"]);
    break_credentials(&sb, "");
    sb.run()
        .args(["-p", "slow"])
        .output()
        .assert_fails(1, &["profile slow"]);
}

#[test]
fn cache_list_and_clear() {
    let sb = Sandbox::new();
    let key = sb.run_static().ok();
    sb.run_static().args(["--region", "eu-west-1"]).ok();
    let list = sb.run_static().args(["cache", "list"]).ok();
    assert!(list.contains("us-east-1") && list.contains("eu-west-1") && list.contains("12h"));
    assert!(
        !list.contains(key.trim()) && !list.contains("bedrock-api-key"),
        "never the key"
    );
    sb.run_static()
        .args(["cache", "clear"])
        .ok_with(&["removed 1 entries for profile default"]);
    assert_eq!(entries(&sb).len(), 1, "only the current entry removed");
    sb.run_static()
        .args(["cache", "clear", "--all"])
        .ok_with(&["lock files stay"]);
    assert!(entries(&sb).is_empty());
}

#[test]
fn a_lock_held_forever_times_out_naming_the_lock_file() {
    let sb = Sandbox::new();
    sb.run_static().ok();
    let lock = key_lock(&sb.cache_dir());
    sb.run_static()
        .args(["cache", "clear"])
        .ok_with(&["removed 1 entries"]);
    let held = hold_lock(&lock);
    let out = sb.run_static().args(["--lock-timeout", "1s"]).output();
    drop(held);
    out.assert_fails(1, &["timed out", &lock.display().to_string()]);
    assert!(out.elapsed < Duration::from_secs(5));
    // Released, the next caller goes through.
    sb.run_static().args(["--lock-timeout", "1s"]).ok();
}
