//! Trust: the cache never hands out another identity's key, and hostile I/O
//! and inputs (unwritable stderr, closed stdout, FIFOs and symlinks, huge
//! numbers, non-UTF-8 values, future file times) never cost the key, hang
//! or panic. Each case runs the built binary as a user's machine would.

// Tests that need Unix tools (sh, ulimit, FIFOs, /dev), modes or Unix
// symlinks are `#[cfg(unix)]`; the rest run under wine too.

mod common;
use common::*;
#[cfg(unix)]
use std::ffi::OsStr;
use std::fs;
#[cfg(unix)]
use std::os::unix::ffi::OsStrExt;
#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;
#[cfg(unix)]
use std::{
    path::PathBuf,
    process::{Command, Stdio},
    time::Instant,
};

const ENV_AKID: &str = "AKIAENVIRONMENTKEY01";
const DEFAULT_AKID: &str = "AKIADEFAULTPROFILE01";
const DEV_AKID: &str = "AKIADEVPROFILEKEY001";

/// The access key id a key was signed with.
fn signer(token: &str) -> String {
    let credential = param(token, "X-Amz-Credential").expect("a credential");
    credential.split("%2F").next().unwrap().to_string()
}

/// A HOME with keys for `default` and `dev` in the credentials file.
fn two_profiles() -> Sandbox {
    let sb = Sandbox::new();
    sb.credentials(&format!(
        "[default]\naws_access_key_id = {DEFAULT_AKID}\naws_secret_access_key = defaultsecret\n\
         [dev]\naws_access_key_id = {DEV_AKID}\naws_secret_access_key = devsecret\n"
    ));
    sb.config("[default]\nregion = us-east-1\n[profile dev]\nregion = us-east-1\n");
    sb
}

/// One way of running us: (label, environment, arguments).
type Invocation = (String, Vec<(&'static str, String)>, Vec<&'static str>);

/// Every way of choosing a profile, with and without keys in the
/// environment.
fn invocations(sb: &Sandbox) -> Vec<Invocation> {
    let keys = vec![
        ("AWS_ACCESS_KEY_ID", ENV_AKID.to_string()),
        ("AWS_SECRET_ACCESS_KEY", "envsecret".to_string()),
    ];
    let config = sb.write("bt.toml", "profile = \"dev\"\n");
    let mut out = Vec::new();
    for with_keys in [false, true] {
        let base = if with_keys { keys.clone() } else { vec![] };
        let tag = if with_keys { "env keys" } else { "no env keys" };
        let with = |extra: Vec<(&'static str, String)>| {
            let mut e = base.clone();
            e.extend(extra);
            e
        };
        out.push((format!("implicit default, {tag}"), with(vec![]), vec![]));
        out.push((
            format!("--profile default, {tag}"),
            with(vec![]),
            vec!["--profile", "default"],
        ));
        out.push((
            format!("--profile dev, {tag}"),
            with(vec![]),
            vec!["--profile", "dev"],
        ));
        out.push((
            format!("AWS_PROFILE=dev, {tag}"),
            with(vec![("AWS_PROFILE", "dev".into())]),
            vec![],
        ));
        out.push((
            format!("config file profile dev, {tag}"),
            with(vec![("BEDROCK_TOKEN_CONFIG", config.display().to_string())]),
            vec![],
        ));
    }
    out
}

fn run_with(sb: &Sandbox, env: &[(&'static str, String)], args: &[&str]) -> Run {
    let mut run = sb.run().env("AWS_REGION", "us-east-1");
    for (k, v) in env {
        run = run.env(k, v);
    }
    run.args(args)
}

#[test]
fn a_cached_key_is_always_the_one_its_invocation_would_sign() {
    let sb = two_profiles();
    let cases = invocations(&sb);
    let fresh: Vec<String> = cases
        .iter()
        .map(|(_, env, args)| signer(&run_with(&sb, env, args).arg("--no-cache").ok()))
        .collect();
    // The matrix means something only if the invocations differ.
    for akid in [ENV_AKID, DEFAULT_AKID, DEV_AKID] {
        assert!(
            fresh.iter().any(|f| f == akid),
            "{akid} never chosen: {fresh:?}"
        );
    }
    // Twice through, in this order and in reverse, sharing one cache: every
    // cached answer (made or hit) is signed by the same keys as --no-cache.
    for pass in 0..2 {
        let order: Vec<usize> = if pass == 0 {
            (0..cases.len()).collect()
        } else {
            (0..cases.len()).rev().collect()
        };
        for i in order {
            let (label, env, args) = &cases[i];
            let cached = signer(&run_with(&sb, env, args).ok());
            assert_eq!(cached, fresh[i], "{label} (pass {pass})");
        }
    }
}

#[test]
fn credential_process_never_hands_out_another_identitys_secret() {
    let sb = two_profiles();
    let cases = invocations(&sb);
    let akid = |run: Run| -> String {
        let out = run.arg("credential-process").ok();
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        doc["AccessKeyId"].as_str().unwrap().to_string()
    };
    let fresh: Vec<String> = cases
        .iter()
        .map(|(_, env, args)| akid(run_with(&sb, env, args).arg("--no-cache")))
        .collect();
    assert!(fresh.iter().any(|f| f == ENV_AKID) && fresh.iter().any(|f| f == DEV_AKID));
    for _ in 0..2 {
        for (i, (label, env, args)) in cases.iter().enumerate() {
            assert_eq!(akid(run_with(&sb, env, args)), fresh[i], "{label}");
        }
    }
}

#[test]
fn the_same_region_shares_one_entry_however_it_was_given() {
    let sb = two_profiles();
    sb.config("[profile dev]\nregion = eu-west-1\n");
    let from_profile = sb.run().args(["--profile", "dev"]).ok();
    let from_flag = sb
        .run()
        .args(["--profile", "dev", "--region", "eu-west-1"])
        .ok();
    let from_env = sb
        .run()
        .env("AWS_REGION", "eu-west-1")
        .args(["--profile", "dev"])
        .ok();
    assert_eq!(from_profile, from_flag, "a hit, not a second key");
    assert_eq!(from_profile, from_env);
    only_entry(&sb);
}

#[cfg(unix)]
#[test]
fn unwritable_stderr_never_costs_the_key() {
    let sb = Sandbox::new();
    // A full device, and a file-size limit (whose SIGXFSZ would kill a
    // process that did not ignore it).
    for redirect in ["2>/dev/full", "2>stderr.txt"] {
        let limit = if redirect == "2>stderr.txt" {
            "ulimit -f 0;"
        } else {
            ""
        };
        // --no-cache: the file-size limit would stop the cache write too.
        let out = sb
            .sh(&format!(
                "{limit} exec '{}' -v --no-cache --duration 1h {redirect}",
                bin()
            ))
            .output();
        out.assert_code(0);
        assert!(
            out.stdout.starts_with("bedrock-api-key-"),
            "{redirect}: {out:?}"
        );
    }
    // A pipe whose reader has gone.
    let mut child = sb
        .run_static()
        .arg("-v")
        .cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("bedrock-api-key-"));
}

#[cfg(unix)]
#[test]
fn closed_standard_descriptors_never_reach_our_files() {
    let sb = Sandbox::new();
    // stdout closed: nothing delivered is a failure, not a silent success.
    let out = sb.sh(&format!("exec '{}' env >&-", bin())).output();
    out.assert_code(1);
    assert!(out.stderr.contains("stdout is closed"), "{}", out.stderr);
    // stderr closed while -v writes: the lines must not land in a lock or
    // cache file that took fd 2.
    let key = sb.sh(&format!("exec '{}' -v --refresh 2>&-", bin())).ok();
    assert!(key.starts_with("bedrock-api-key-"));
    for e in fs::read_dir(sb.cache_dir()).unwrap().flatten() {
        let bytes = fs::read(e.path()).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("bedrock-token:"),
            "{} holds our stderr",
            e.path().display()
        );
    }
    // stdin closed: inspect - reads nothing and says so.
    sb.sh(&format!("exec '{}' inspect - <&-", bin()))
        .output()
        .assert_fails(1, &["not a Bedrock"]);
}

#[cfg(unix)]
#[test]
fn a_crash_leaves_no_core_with_secrets() {
    let sb = Sandbox::new();
    // Control: this machine writes cores for a dumpable process here.
    let control = sb.path("control");
    fs::create_dir_all(&control).unwrap();
    let _ = Command::new("sh")
        .args(["-c", "ulimit -c unlimited; kill -SEGV $$"])
        .current_dir(&control)
        .status();
    let cores = |dir: &Path| {
        fs::read_dir(dir)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("core"))
            .count()
    };
    if cores(&control) == 0 {
        skip_or_fail("this machine writes no core files (core_pattern or limits)");
        return;
    }
    // A credential_process that kills its caller, bedrock-token, mid-resolve
    // (its parent is aws-config's `sh -c`).
    let script = sb.script(
        "bin/crash",
        "bt=$(cut -d' ' -f4 /proc/$PPID/stat); kill -SEGV \"$bt\"; sleep 5",
    );
    sb.config(&format!(
        "[profile crash]\nregion = us-east-1\ncredential_process = {}\n",
        script.display()
    ));
    let work = sb.path("work");
    fs::create_dir_all(&work).unwrap();
    let out = sb
        .sh(&format!(
            "ulimit -c unlimited; cd '{}' && exec '{}' --profile crash",
            work.display(),
            bin()
        ))
        .env("AWS_SECRET_ACCESS_KEY", "SENTINELSECRETINTHEENV")
        .output();
    assert_eq!(out.code, 128 + 11, "killed by SIGSEGV: {out:?}");
    assert_eq!(cores(&work), 0, "no core file");
}

#[cfg(unix)]
#[test]
fn doctor_and_cache_list_survive_fifos_symlinks_and_huge_files() {
    let sb = Sandbox::new();
    sb.run_static().ok();
    let dir = sb.cache_dir();
    let fifo = dir.join("bedrock-key-00000000000000000000000000000000.json");
    mkfifo(&fifo);
    std::os::unix::fs::symlink(
        "/dev/zero",
        dir.join("bedrock-key-11111111111111111111111111111111.json"),
    )
    .unwrap();
    for args in [vec!["cache", "list"], vec!["doctor"]] {
        let mut child = sb.run_static().args(&args).spawn();
        let deadline = Instant::now() + Duration::from_secs(20);
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("{args:?} hung on a FIFO or /dev/zero");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let out = Out::from(child.wait_with_output().unwrap(), Duration::ZERO);
        assert!(out.code == 0 || out.code == 1, "{args:?}: {out:?}");
        if args[0] == "cache" {
            out.assert_code(0);
            assert_eq!(
                out.stdout
                    .lines()
                    .filter(|l| l.starts_with("unreadable"))
                    .count(),
                2,
                "{}",
                out.stdout
            );
            assert_eq!(
                out.stdout.lines().filter(|l| l.starts_with("key")).count(),
                1
            );
        }
    }
    // A cache directory open to others is not listed from.
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    sb.run_static()
        .args(["cache", "list"])
        .output()
        .assert_fails(1, &["open to other users"]);
}

#[test]
fn durations_and_entry_times_are_bounded() {
    let sb = Sandbox::new();
    for (flag, value) in [
        ("--min-remaining", "9999999999999999999"),
        ("--min-remaining", "13h"),
        ("--lock-timeout", "99999h"),
        ("--login-timeout", "2h"),
    ] {
        sb.run_static()
            .args([flag, value])
            .output()
            .assert_fails(2, &["out of range"]);
    }
    sb.run_static()
        .env("BEDROCK_TOKEN_MIN_REMAINING", "9999999999999999999")
        .output()
        .assert_fails(2, &["BEDROCK_TOKEN_MIN_REMAINING"]);
    // An entry whose times are absurd is a miss, and is replaced.
    let first = sb.run_static().ok();
    let entry = only_entry(&sb);
    let mut doc: serde_json::Value = serde_json::from_slice(&fs::read(&entry).unwrap()).unwrap();
    doc["created_at"] = serde_json::json!(i64::MIN);
    doc["expires_at"] = serde_json::json!(i64::MAX);
    fs::write(&entry, serde_json::to_vec(&doc).unwrap()).unwrap();
    let out = sb.run_static().arg("-v").output();
    out.assert_key(&["ignoring cache entry", "out of range"]);
    let _ = first;
}

#[cfg(unix)]
#[test]
fn non_utf8_values_are_usage_errors_naming_the_variable() {
    let sb = Sandbox::new();
    let bad = OsStr::from_bytes(b"dev\xff");
    for var in [
        "AWS_PROFILE",
        "AWS_REGION",
        "BEDROCK_TOKEN_CACHE_DIR",
        "BEDROCK_TOKEN_DURATION",
        "AWS_CONFIG_FILE",
        "AWS_ACCESS_KEY_ID",
    ] {
        sb.run_static()
            .env(var, bad)
            .output()
            .assert_fails(2, &[var, "not valid UTF-8"]);
    }
    sb.run_static()
        .arg("--profile")
        .arg(bad)
        .output()
        .assert_fails(2, &["UTF-8"]);
}

#[test]
fn a_key_as_an_argument_is_refused_without_echoing_it() {
    use base64::Engine;
    let sb = Sandbox::new();
    let short = "bedrock-api-key-U0VOVElORUxTSE9SVEtFWQ==";
    let long = format!(
        "ABSK{}",
        base64::engine::general_purpose::STANDARD
            .encode("BedrockAPIKey-SENTINEL-at-123456789012:SENTINELLONGSECRET")
    );
    for args in [
        vec!["inspect", short],
        vec!["inspect", long.as_str()],
        vec![short],
        vec!["--profile", long.as_str()],
    ] {
        let out = sb.run_static().args(&args).output();
        out.assert_fails(2, &["argument holds a Bedrock key", "inspect -"]);
        assert!(!out.stderr.contains("U0VOVElO"), "{}", out.stderr);
        assert!(!out.stderr.contains(&long[4..20]), "{}", out.stderr);
    }
    // A config file that is really a credentials file: named by line and
    // column, never quoted.
    let path = sb.write(
        "creds-by-mistake",
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = SENTINELCONFIGSECRET\n",
    );
    let out = sb.run_static().env("BEDROCK_TOKEN_CONFIG", &path).output();
    out.assert_fails(1, &["invalid config file", "line 2, column"]);
    assert!(
        !out.stderr.contains("SENTINEL") && !out.stderr.contains("AKIA"),
        "{}",
        out.stderr
    );
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo {}", path.display());
}

/// Sets a file's mtime `secs` from now.
fn touch(path: &Path, secs: i64) {
    let when = std::time::SystemTime::now()
        .checked_add(Duration::from_secs(secs.unsigned_abs()))
        .unwrap();
    let when = if secs < 0 {
        std::time::SystemTime::now() - Duration::from_secs(secs.unsigned_abs())
    } else {
        when
    };
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(when)
        .unwrap();
}

#[test]
fn future_file_times_neither_defeat_nor_pin_the_cache() {
    let sb = Sandbox::new();
    let count = counting_profile(&sb, "0", 3600);
    touch(&sb.home().join(".aws/config"), 86_400);
    let first = sb.run().args(["-p", "slow"]).ok_with(&["key valid for"]);
    for _ in 0..3 {
        assert_eq!(sb.run().args(["-p", "slow"]).ok(), first);
    }
    assert_eq!(
        runs(&count),
        1,
        "a config file in the future defeats nothing"
    );
    // An edit still invalidates, whatever the times say.
    let config = fs::read_to_string(sb.home().join(".aws/config")).unwrap();
    sb.config(&format!("{config}# edited\n"));
    touch(&sb.home().join(".aws/config"), 86_400);
    sb.run().args(["-p", "slow"]).ok_with(&["key valid for"]);
    assert_eq!(runs(&count), 2, "an edit makes a new key");
    // doctor names the file.
    let out = sb.run().args(["-p", "slow", "doctor"]).output();
    assert!(
        out.stdout.contains("modified in the future"),
        "{}",
        out.stdout
    );

    // An entry that is too short to use, with a file time in the future, is
    // not taken as "made by another process while we waited".
    let sb = Sandbox::new();
    let count = counting_profile(&sb, "0", 120);
    sb.run().args(["-p", "slow"]).ok_with(&["key valid for"]);
    let entry = only_entry(&sb);
    touch(&entry, 86_400);
    sb.run().args(["-p", "slow"]).ok_with(&["key valid for"]);
    assert_eq!(
        runs(&count),
        2,
        "a short entry is renewed, future mtime or not"
    );
}

/// The profile's credential_process is bedrock-token itself, for that
/// profile, its path quoted as both splitters keep it whole (on Windows the
/// SDK runs it through `cmd.exe /C`, and the marker crosses it).
#[test]
fn a_profile_that_runs_any_command_for_itself_stops_at_once() {
    let sb = Sandbox::new();
    for command in ["token --format json", "env", "credential-process"] {
        sb.config(&format!(
            "[profile loop]\nregion = us-east-1\ncredential_process = \"{}\" --profile loop {command}\n",
            bin()
        ));
        let out = sb
            .run()
            .args(["--profile", "loop", "--lock-timeout", "20s"])
            .output();
        out.assert_fails(1, &["recursion", "profile loop"]);
        assert!(
            out.elapsed < Duration::from_secs(if cfg!(windows) { 20 } else { 10 }),
            "{command}: {:?}",
            out.elapsed
        );
    }
    // The marker does not leak into a program we exec afterwards.
    #[cfg(unix)]
    let (shell, empty) = (
        [
            "sh",
            "-c",
            "echo \"[${BEDROCK_TOKEN_CREDENTIAL_PROCESS:-}]\"",
        ],
        "[]\n",
    );
    // cmd leaves an unset variable's reference as it is.
    #[cfg(windows)]
    let (shell, empty) = (
        ["cmd", "/c", "echo [%BEDROCK_TOKEN_CREDENTIAL_PROCESS%]"],
        "[%BEDROCK_TOKEN_CREDENTIAL_PROCESS%]\r\n",
    );
    let out = sb.run_static().arg("exec").arg("--").args(shell).ok();
    assert_eq!(out, empty);
}

#[cfg(unix)]
#[test]
fn write_replaces_only_a_regular_file() {
    let sb = Sandbox::new();
    let target = sb.write("target.txt", "keep me\n");
    let link = sb.path("link");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let fifo = sb.path("fifo");
    mkfifo(&fifo);
    let dir = sb.path("adir");
    fs::create_dir_all(&dir).unwrap();
    for (path, what) in [
        (&link, "symbolic link"),
        (&fifo, "FIFO"),
        (&dir, "directory"),
        (&PathBuf::from("/dev/null"), "device"),
    ] {
        sb.run_static()
            .arg("write")
            .arg(path)
            .output()
            .assert_fails(1, &["not a regular file", what]);
    }
    assert_eq!(fs::read_to_string(&target).unwrap(), "keep me\n");
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    // A regular file is replaced, mode 0600.
    sb.run_static().arg("write").arg(&target).ok();
    assert!(
        fs::read_to_string(&target)
            .unwrap()
            .starts_with("bedrock-api-key-")
    );
}

#[test]
fn cache_clear_all_keeps_lock_files_and_covers_login_markers() {
    let sb = Sandbox::new();
    sb.run_static().ok();
    let dir = sb.cache_dir();
    fs::write(dir.join("login-0123456789abcdef0123456789abcdef.done"), "").unwrap();
    let list = sb.run_static().args(["cache", "list"]).ok();
    assert!(list.contains("login done"), "{list}");
    let lock = key_lock(&dir);
    // Held by another process while we clear.
    let held = hold_lock(&lock);
    sb.run_static()
        .args(["cache", "clear", "--all"])
        .ok_with(&["lock files stay"]);
    assert!(lock.exists(), "a held lock file is never removed");
    let left: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(left.iter().all(|n| n.ends_with(".lock")), "{left:?}");
    drop(held);
}

#[cfg(unix)]
#[test]
fn login_waiters_wait_for_the_login_not_the_lock_timeout() {
    let sb = Sandbox::new();
    sb.config(
        "[profile corp]\nregion = us-east-1\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Dev\n\
         [sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n",
    );
    let marker = sb.path("logins");
    // A login slower than --lock-timeout.
    sb.script(
        "fakebin/aws",
        &format!("echo run >> '{}'; sleep 4", marker.display()),
    );
    let path = format!(
        "{}:{}",
        sb.path("fakebin").display(),
        std::env::var("PATH").unwrap()
    );
    let callers: Vec<_> = (0..4)
        .map(|_| {
            sb.run()
                .env("PATH", &path)
                .env("CLAUDE_HELPER_CONTEXT", "interactive")
                .args(["--login", "-p", "corp", "--lock-timeout", "1s"])
                .spawn()
        })
        .collect();
    for c in callers {
        let out = Out::from(c.wait_with_output().unwrap(), Duration::ZERO);
        // The fake login renews nothing: each fails with the login hint,
        // none with a lock timeout.
        out.assert_fails(1, &["aws sso login --profile corp"]);
        assert!(!out.stderr.contains("timed out"), "{}", out.stderr);
    }
    assert_eq!(fs::read_to_string(&marker).unwrap().lines().count(), 1);
    // The login itself is bounded by --login-timeout.
    sb.script("fakebin/aws", "exec sleep 30");
    let out = sb
        .run()
        .env("PATH", &path)
        .env("CLAUDE_HELPER_CONTEXT", "interactive")
        .args(["--login", "-p", "corp", "--login-timeout", "1s"])
        .output();
    out.assert_fails(1, &["did not finish within --login-timeout 1s"]);
    assert!(out.elapsed < Duration::from_secs(10));
}

#[test]
fn exec_and_env_refuse_variables_that_change_how_programs_run() {
    let sb = Sandbox::new();
    for name in [
        "PATH",
        "LD_PRELOAD",
        "DYLD_INSERT_LIBRARIES",
        "IFS",
        "HOME",
        "SHELL",
        "AWS_ACCESS_KEY_ID",
        "ComSpec",
        "PATHEXT",
        "USERPROFILE",
    ] {
        sb.run_static()
            .args(["exec", "--var", name, "--", "true"])
            .output()
            .assert_fails(2, &[name]);
        sb.run_static()
            .args(["env", "--var", name])
            .output()
            .assert_fails(2, &[name]);
    }
    #[cfg(unix)]
    let echo = ["sh", "-c", "echo $AWS_BEARER_TOKEN_OTHER"];
    #[cfg(windows)]
    let echo = ["cmd", "/c", "echo %AWS_BEARER_TOKEN_OTHER%"];
    let out = sb
        .run_static()
        .args(["exec", "--var", "AWS_BEARER_TOKEN_OTHER", "--"])
        .args(echo)
        .ok();
    assert!(out.starts_with("bedrock-api-key-"));
}

#[cfg(unix)]
#[test]
fn a_relative_home_never_puts_the_cache_under_the_working_directory() {
    let sb = Sandbox::new();
    let work = sb.path("work");
    fs::create_dir_all(&work).unwrap();
    let out = sb
        .run_static()
        .env("HOME", "relative/home")
        .cmd
        .current_dir(&work)
        .output()
        .unwrap();
    let out = Out::from(out, Duration::ZERO);
    out.assert_key(&["not caching", "HOME"]);
    assert_eq!(
        fs::read_dir(&work).unwrap().count(),
        0,
        "nothing under the cwd"
    );
}

#[cfg(unix)]
#[test]
fn entries_open_to_others_or_owned_by_another_user_are_reported() {
    let sb = Sandbox::new();
    sb.run_static().ok();
    let entry = only_entry(&sb);
    fs::set_permissions(&entry, fs::Permissions::from_mode(0o644)).unwrap();
    sb.run_static()
        .output()
        .assert_key(&["warning", "open to other users"]);
    fs::set_permissions(&entry, fs::Permissions::from_mode(0o600)).unwrap();
    // Another owner: only root can make one.
    let chowned = Command::new("chown")
        .args(["65534"])
        .arg(&entry)
        .status()
        .is_ok_and(|s| s.success());
    if !chowned {
        skip_or_fail("cannot chown a file to another user (not root)");
        return;
    }
    sb.run_static()
        .output()
        .assert_key(&["warning", "belongs to another user"]);
}

#[test]
fn profile_names_the_sdk_rejects_say_so() {
    let sb = Sandbox::new();
    sb.config("[profile my dev]\nregion = us-east-1\n");
    for run in [
        sb.run_static().args(["--profile", "my dev"]),
        sb.run_static().env("AWS_PROFILE", "my'dev"),
    ] {
        run.output()
            .assert_fails(2, &["is not one the AWS SDK accepts"]);
    }
    let doctor = sb.run_static().arg("doctor").output();
    doctor.assert_code(1);
    assert!(
        doctor
            .stdout
            .contains("\"my dev\" is not one the AWS SDK accepts"),
        "{}",
        doctor.stdout
    );
    // With no AWS files at all, default is not "defined".
    let empty = Sandbox::new();
    let doctor = empty.run_static().arg("doctor").output();
    assert!(
        !doctor.stdout.contains("profile default is defined")
            && doctor.stdout.contains("profile default is not in"),
        "{}",
        doctor.stdout
    );
}
