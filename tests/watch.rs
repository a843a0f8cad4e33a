//! `write PATH --watch`: a file that always holds a live key, renewed
//! through the shared cache, with `--on-change`, signals, backoff and
//! recovery; and the `setup systemd|kubernetes` snippets that run it.

#![cfg(unix)]

mod common;
use common::watcher::*;
use common::*;
use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Every line a watcher logs is `bedrock-token: <RFC 3339 UTC> ...`, and
/// none holds a key.
#[track_caller]
fn assert_log_lines(stderr: &str) {
    assert!(!stderr.contains("bedrock-api-key-"), "a key on stderr");
    for line in stderr.lines() {
        let rest = line
            .strip_prefix("bedrock-token: ")
            .unwrap_or_else(|| panic!("unprefixed line {line:?}"));
        let stamp = rest.split(' ').next().unwrap();
        assert!(
            stamp.len() == 20 && stamp.ends_with('Z') && stamp.as_bytes()[10] == b'T',
            "no timestamp: {line:?}"
        );
    }
}

#[test]
fn the_file_always_holds_a_live_key_renewed_before_min_remaining() {
    let sb = Sandbox::new();
    let dir = sb.path("out");
    fs::create_dir(&dir).unwrap();
    let key = dir.join("key");
    let changes = sb.path("changes");
    let envs = sb.path("envs");
    // The hook records its environment each time; the watcher was given a
    // key-like value in its own, which the hook must not inherit.
    let hook = format!(
        "env >> '{}'; echo changed >> '{}'",
        envs.display(),
        changes.display()
    );
    let watcher = Watcher::start(
        sb.run_static()
            .env("AWS_BEARER_TOKEN_BEDROCK", "bedrock-api-key-inherited")
            .args(["--duration", "6s", "--min-remaining", "3s", "write"])
            .arg(&key)
            .args(["--watch", "--on-change", &hook]),
        &key,
    );
    // Renewed with 4 s left (3 s and a 2 s margin, in whole seconds):
    // never below --min-remaining, give or take a loaded machine.
    let seen = live_keys(&key, Duration::from_secs(12));
    let out = watcher.stop();
    out.assert_code(0);
    assert_eq!(out.stdout, "", "nothing on stdout");
    assert!(seen.len() >= 3, "{} keys in 12 s", seen.len());
    assert_log_lines(&out.stderr);
    let written = rewrites(&out.stderr);
    assert!(
        written >= seen.len(),
        "{written} rewrites logged:\n{}",
        out.stderr
    );
    // The hook ran once per rewrite, and never saw the key.
    assert_eq!(runs(&changes), written, "{}", out.stderr);
    let env = fs::read_to_string(&envs).unwrap();
    assert!(!env.contains("bedrock-api-key-"), "{env}");
    assert!(!env.contains("AWS_BEARER_TOKEN_BEDROCK"), "{env}");
    // Stopped cleanly: the last key whole, no temp file beside it.
    assert!(read_key(&key).starts_with("bedrock-api-key-"));
    assert_eq!(others(&dir, &["key"]), Vec::<String>::new());
}

#[test]
fn sighup_renews_now_and_quiet_logs_nothing_but_failures() {
    let sb = Sandbox::new();
    let key = sb.path("key");
    let watcher = Watcher::start(
        sb.run_static()
            .args(["-q", "write"])
            .arg(&key)
            .arg("--watch"),
        &key,
    );
    let first = read_key(&key);
    // A 12-hour key is not due for hours; a signature is per second.
    std::thread::sleep(Duration::from_millis(1100));
    signal(watcher.child(), libc::SIGHUP);
    wait_for(Duration::from_secs(5), "a new key", || {
        read_key(&key) != first
    });
    let second = read_key(&key);
    // The new key went through the cache: a direct caller gets it.
    assert_eq!(sb.run_static().ok().trim(), second);
    let out = watcher.stop();
    out.assert_code(0);
    assert_eq!(out.stderr, "", "-q: no renewal lines");
}

#[test]
fn failures_back_off_keep_the_old_file_and_recover() {
    let out = outage_then_recovery(Duration::from_secs(12));
    out.assert_code(0);
    assert_log_lines(&out.stderr);
    out.assert_stderr_mentions(&["renewal failed (attempt 3)", "expired at"]);
}

#[test]
fn a_watcher_and_fifty_callers_sign_once_per_key() {
    let sb = Sandbox::new();
    // Credentials that live 12 s: the watcher renews its key halfway
    // (6 s left); callers asking for 4 s find the watcher's key.
    let count = counting_profile(&sb, "0", 12);
    let key = sb.path("key");
    let watcher = Watcher::start(
        sb.run()
            .args(["-p", "slow", "--min-remaining", "4s", "write"])
            .arg(&key)
            .arg("--watch"),
        &key,
    );
    let mut in_file = BTreeSet::new();
    let mut callers = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(14) {
        in_file.insert(read_key(&key));
        if callers.len() < 50 && started.elapsed().as_millis() as usize > callers.len() * 250 {
            for _ in 0..5 {
                callers.push(
                    sb.run()
                        .args(["-p", "slow", "--min-remaining", "4s"])
                        .spawn(),
                );
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = watcher.stop();
    out.assert_code(0);
    let mut got = BTreeSet::new();
    for c in callers {
        let o = Out::from(c.wait_with_output().unwrap(), Duration::ZERO);
        o.assert_code(0);
        got.insert(o.stdout.trim().to_string());
    }
    assert!(in_file.len() >= 2, "the watcher renewed");
    assert!(
        got.is_subset(&in_file),
        "every caller got a key the watcher wrote"
    );
    assert_eq!(runs(&count), in_file.len(), "one signing per key");
}

#[test]
fn a_fifo_or_symlink_at_path_is_refused_at_once() {
    let sb = Sandbox::new();
    let fifo = sb.path("fifo");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let target = sb.write("target", "untouched");
    let link = sb.path("link");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    for (path, kind) in [(&fifo, "a FIFO"), (&link, "a symbolic link")] {
        let out = sb
            .run_static()
            .arg("write")
            .arg(path)
            .arg("--watch")
            .output();
        out.assert_fails(1, &["is not a regular file", kind]);
        assert!(out.elapsed < Duration::from_secs(2), "{:?}", out.elapsed);
    }
    assert_eq!(fs::read_to_string(&target).unwrap(), "untouched");
    // --on-change means nothing without --watch.
    sb.run_static()
        .args(["write", "k", "--on-change", "true"])
        .output()
        .assert_fails(2, &["--watch"]);
}

#[test]
fn a_watcher_that_cannot_make_its_first_key_fails_at_once() {
    let sb = Sandbox::new();
    let out = sb
        .run()
        .args([
            "-p",
            "nope",
            "--region",
            "us-east-1",
            "write",
            "key",
            "--watch",
        ])
        .output();
    out.assert_fails(1, &["profile nope is not in"]);
    assert!(!sb.path("key").exists());
}

#[test]
fn an_unwritable_stderr_never_stops_the_watcher() {
    let sb = Sandbox::new();
    let full = sb.path("full");
    let closed = sb.path("closed");
    let start = |path: &PathBuf, stderr: Stdio| {
        let run = sb
            .run_static()
            .args(["--duration", "4s", "--min-remaining", "1s", "write"])
            .arg(path)
            .arg("--watch");
        let mut cmd = run.cmd;
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap();
        Watcher { child: Some(child) }
    };
    // /dev/full: every write fails with ENOSPC.
    let a = start(&full, fs::File::create("/dev/full").unwrap().into());
    // A pipe whose reader is gone: EPIPE.
    let mut b = start(&closed, Stdio::piped());
    drop(b.child.as_mut().unwrap().stderr.take());
    wait_for(Duration::from_secs(10), "first keys", || {
        full.exists() && closed.exists()
    });
    let firsts = (read_key(&full), read_key(&closed));
    wait_for(Duration::from_secs(10), "renewals", || {
        read_key(&full) != firsts.0 && read_key(&closed) != firsts.1
    });
    for w in [a, b] {
        let out = w.stop();
        out.assert_code(0);
    }
}

#[test]
fn the_systemd_unit_passes_systemd_analyze_verify() {
    let Some(analyze) = tool("systemd-analyze") else {
        return;
    };
    let sb = Sandbox::new();
    // A binary at a path with what systemd reads specially there: a space,
    // `%` and `$`.
    let odd = sb.path("my bin 100% $HOME");
    fs::create_dir_all(&odd).unwrap();
    let exe = odd.join("bedrock-token");
    fs::copy(bin(), &exe).unwrap();
    let runtime = sb.path("run");
    fs::create_dir(&runtime).unwrap();
    // setup prints units only for a profile that exists.
    sb.config("[profile team/dev%1]\nregion = eu-west-1\n");
    let unit = sb
        .command(&exe)
        .env("XDG_RUNTIME_DIR", &runtime)
        .args(["--profile", "team/dev%1", "--region", "eu-west-1"])
        .args(["setup", "systemd"])
        .ok();
    let name = unit
        .lines()
        .next()
        .unwrap()
        .strip_prefix("# ~/.config/systemd/user/")
        .unwrap();
    assert_eq!(name, r"bedrock-token-team\x2fdev\x251.service");
    assert!(
        unit.contains(&format!(
            "in {}/bedrock-token/team_dev%1.key",
            runtime.display()
        )),
        "{unit}"
    );
    let units = sb.path("units");
    fs::create_dir(&units).unwrap();
    let file = units.join(name);
    fs::write(&file, &unit).unwrap();
    // systemd checks the unit's syntax, and that ExecStart's program, as
    // it unquotes it, is an executable file.
    assert_unit_accepted(&sb, &analyze, &runtime, &file);
    // The broken quoting of a naive unit is caught, so the check means
    // something.
    let naive = unit.replace("%%", "%");
    fs::write(&file, naive).unwrap();
    let out = systemd_verify(&sb, &analyze, &runtime, &file);
    assert_ne!(out.code, 0, "a naive unit passed:\n{}", out.stderr);
    // A path systemd cannot run at all is an error, not a broken unit.
    let quoted = sb.path("o'brien");
    fs::create_dir(&quoted).unwrap();
    fs::copy(bin(), quoted.join("bedrock-token")).unwrap();
    sb.command(quoted.join("bedrock-token"))
        .args(["--region", "eu-west-1", "setup", "systemd"])
        .output()
        .assert_fails(
            1,
            &["systemd cannot run a program whose path holds a quote"],
        );
}

#[test]
fn the_kubernetes_snippet_is_a_pod_spec_with_a_watching_sidecar() {
    let Some(python) = tool("python") else {
        return;
    };
    let sb = Sandbox::new();
    let snippet = sb
        .run()
        .args(["--region", "eu-west-1", "setup", "kubernetes"])
        .ok();
    let yaml = sb.write("pod.yaml", &snippet);
    let check = r#"
import json, sys, yaml
spec = yaml.safe_load(open(sys.argv[1]))
volumes = {v["name"]: v for v in spec["volumes"]}
assert all("emptyDir" in v for v in volumes.values()), volumes
sidecar = next(c for c in spec["containers"] if "--watch" in c.get("args", []))
assert sidecar["image"], sidecar
args = sidecar["args"]
assert "write" in args and args[args.index("write") + 1].startswith("/"), args
assert "--region" in args and args[args.index("--region") + 1] == "eu-west-1", args
path = args[args.index("write") + 1]
for c in spec["containers"]:
    assert c["image"], c
    mounts = c["volumeMounts"]
    assert any(m["name"] in volumes and path.startswith(m["mountPath"] + "/") for m in mounts), c
print(json.dumps(sorted(c["name"] for c in spec["containers"])))
"#;
    let out = sb.command(python).args(["-c", check]).arg(&yaml).output();
    out.assert_code(0);
    assert_eq!(out.stdout.trim(), r#"["app", "bedrock-token"]"#);
}
