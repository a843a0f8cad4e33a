//! `write PATH --watch` on Windows, run under wine by
//! scripts/windows-tests.sh: a file that always holds a live key,
//! `--on-change` through `cmd.exe /C` without the key in its environment,
//! a directory at PATH refused at start, and recovery from a failing
//! credential source. The renewal logic itself is the Unix one (see
//! tests/watch.rs); these check that it runs, and what differs, here.

#![cfg(windows)]

mod common;
use common::watcher::*;
use common::*;
use std::collections::BTreeSet;
use std::fs;
use std::time::{Duration, Instant};

/// The example keys (the sandbox points the cache into itself).
fn run(sb: &Sandbox) -> Run {
    sb.run_static()
}

#[test]
fn the_file_always_holds_a_live_key_and_the_hook_runs_after_each_rewrite() {
    let sb = Sandbox::new();
    let dir = sb.path("out");
    fs::create_dir(&dir).unwrap();
    let key = dir.join("key");
    let changes = sb.path("changes");
    let envs = sb.path("envs");
    // cmd.exe: count the runs, record the environment, and say so on
    // stdout (which the watcher sends to its stderr).
    let hook = format!(
        r#"echo changed>>"{}"& set>>"{}"& echo hook ran"#,
        changes.display(),
        envs.display()
    );
    let watcher = Watcher::start(
        run(&sb)
            // Inherited: the hook must not see it.
            .env("AWS_BEARER_TOKEN_BEDROCK", "bedrock-api-key-inherited")
            .args(["--duration", "6s", "--min-remaining", "3s", "write"])
            .arg(&key)
            .args(["--watch", "--on-change", &hook]),
        &key,
    );
    let mut seen = BTreeSet::new();
    let mut least = f64::MAX;
    let until = Instant::now() + Duration::from_secs(12);
    while Instant::now() < until {
        let token = read_key(&key);
        let left = expires_at(&token) as f64 - now_secs();
        least = least.min(left);
        seen.insert(token);
        std::thread::sleep(Duration::from_millis(250));
    }
    let out = watcher.stop();
    eprintln!("least left: {least:.1}s; {} keys", seen.len());
    // Renewed with 4 s left (3 s and a 2 s margin, in whole seconds):
    // never below --min-remaining, give or take a slow wine.
    assert!(least > 2.0, "the key had only {least:.1}s left");
    assert_eq!(out.stdout, "", "nothing on stdout");
    assert!(!out.stderr.contains("bedrock-api-key-"), "a key on stderr");
    assert!(seen.len() >= 3, "{} keys in 12 s", seen.len());
    let written = rewrites(&out.stderr);
    assert!(
        written >= seen.len(),
        "{written} rewrites logged:\n{}",
        out.stderr
    );
    // Each rewrite's line is followed by its hook's output, before the
    // next rewrite; the last hook may have been cut short by the kill.
    let mut pending = false;
    let mut hooks = 0;
    for line in out.stderr.lines() {
        if line.contains(" wrote ") || line.contains(" renewed ") {
            assert!(!pending, "a rewrite without its hook:\n{}", out.stderr);
            pending = true;
        } else if line.trim_end() == "hook ran" {
            assert!(pending, "a hook without a rewrite:\n{}", out.stderr);
            pending = false;
            hooks += 1;
        }
    }
    assert!(hooks + 1 >= written, "{hooks} hooks:\n{}", out.stderr);
    let counted = runs(&changes);
    assert!(counted == hooks || counted == hooks + 1, "{counted} runs");
    // cmd.exe's `set` listed the hook's environment: ours, without the key
    // (names in any case: Windows ignores it).
    let env = fs::read_to_string(&envs).unwrap();
    assert!(env.contains("AWS_REGION=us-east-1"), "{env}");
    assert!(!env.contains("bedrock-api-key-"), "{env}");
    assert!(
        !env.to_ascii_uppercase().contains("AWS_BEARER_TOKEN_"),
        "{env}"
    );
    // The file still holds a whole key, with no temp file beside it.
    read_key(&key);
    assert_eq!(others(&dir, &["key"]), Vec::<String>::new());
}

#[test]
fn a_directory_at_path_is_refused_at_start() {
    let sb = Sandbox::new();
    let dir = sb.path("a-dir");
    fs::create_dir(&dir).unwrap();
    let out = run(&sb)
        .arg("write")
        .arg(&dir)
        .args(["--watch", "--on-change", "echo never"])
        .output();
    out.assert_fails(1, &["is not a regular file", "a directory"]);
    assert!(!out.stderr.contains("never"), "{}", out.stderr);
    assert!(dir.is_dir());
    // --on-change means nothing without --watch.
    run(&sb)
        .args(["write", "k", "--on-change", "echo x"])
        .output()
        .assert_fails(2, &["--watch"]);
}

/// Wine is slow to start the credential process: recovery takes longer.
#[test]
fn a_failing_credential_source_keeps_the_old_key_and_recovers() {
    outage_then_recovery(Duration::from_secs(20));
}

/// Ctrl-C (as Ctrl-Break, the console closing, logoff and shutdown) stops
/// the watcher as soon as no rewrite is under way: exit 0, the file whole.
/// wine 8 delivers Ctrl-C only to a process with a real console of its own
/// (GenerateConsoleCtrlEvent fails on the console a test binary started
/// from a Unix shell has), hence CREATE_NEW_CONSOLE; it cannot close a
/// console or log off, so those events are checked by the code's unit
/// tests only.
#[test]
fn ctrl_c_stops_the_watcher_cleanly() {
    use std::os::windows::process::CommandExt;
    let Some(console) = console_tool() else {
        return;
    };
    let sb = Sandbox::new();
    let dir = sb.path("out");
    fs::create_dir(&dir).unwrap();
    let key = dir.join("key");
    let changes = sb.path("changes");
    // 6 s keys: a rewrite (and its hook) every 2 s, so the stop may come
    // while one is under way.
    let mut run = run(&sb)
        .args(["--duration", "6s", "--min-remaining", "3s", "write"])
        .arg(&key)
        .arg("--watch")
        .arg("--on-change")
        .arg(format!(r#"echo changed>>"{}""#, changes.display()));
    run.cmd.creation_flags(CREATE_NEW_CONSOLE);
    let mut watcher = Watcher::start(run, &key);
    wait_for(Duration::from_secs(20), "a renewal", || runs(&changes) >= 2);
    let child = watcher.child.take().unwrap();
    let started = Instant::now();
    send_ctrl_c(&console, child.id());
    let out = Out::from(child.wait_with_output().unwrap(), started.elapsed());
    out.assert_code(0);
    assert!(
        out.elapsed < Duration::from_secs(5),
        "stopped after {:?}",
        out.elapsed
    );
    assert_eq!(out.stdout, "", "nothing on stdout");
    out.assert_stderr_mentions(&["stopped by Ctrl-C", "keeps its key"]);
    assert!(!out.stderr.contains("bedrock-api-key-"), "a key on stderr");
    // The file holds a whole key, and nothing was left beside it.
    read_key(&key);
    assert_eq!(others(&dir, &["key"]), Vec::<String>::new());
}

/// `setup systemd` is for Linux; on Windows it says what to do instead.
#[test]
fn setup_systemd_points_to_task_scheduler() {
    let sb = Sandbox::new();
    run(&sb)
        .args(["setup", "systemd"])
        .output()
        .assert_fails(2, &["Task Scheduler", "write PATH --watch"]);
}
