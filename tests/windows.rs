//! Windows, run under wine by scripts/windows-tests.sh: the cache on a
//! private directory, hits, `exec`'s exit code, the shells' assignments,
//! the access checks, reparse points and a stampede of parallel callers.
//!
//! The key's bytes against the reference vectors (tests/data/vectors.json)
//! are checked by the unit tests in src/token.rs, which run under wine too.
//! The reference generator itself (Python) does not run here.

#![cfg(windows)]

mod common;
use common::*;
use std::path::Path;

/// The example keys (the sandbox points the cache into itself).
fn run(sb: &Sandbox) -> Run {
    sb.run_static()
}

/// Gives `path` the security descriptor in `sddl`, as `icacls` would.
fn set_security(path: &Path, sddl: &str) {
    use std::os::windows::ffi::OsStrExt;
    use windows_sys::Win32::Foundation::LocalFree;
    use windows_sys::Win32::Security::Authorization::{
        ConvertStringSecurityDescriptorToSecurityDescriptorW, SDDL_REVISION_1,
    };
    use windows_sys::Win32::Security::{DACL_SECURITY_INFORMATION, SetFileSecurityW};
    let wide = |s: &std::ffi::OsStr| s.encode_wide().chain([0]).collect::<Vec<u16>>();
    let (name, sddl) = (wide(path.as_os_str()), wide(sddl.as_ref()));
    // SAFETY: NUL-terminated strings; the descriptor is freed after use.
    unsafe {
        let mut sd = std::ptr::null_mut();
        assert_ne!(
            ConvertStringSecurityDescriptorToSecurityDescriptorW(
                sddl.as_ptr(),
                SDDL_REVISION_1,
                &mut sd,
                std::ptr::null_mut()
            ),
            0
        );
        let ok = SetFileSecurityW(name.as_ptr(), DACL_SECURITY_INFORMATION, sd);
        LocalFree(sd);
        assert_ne!(
            ok,
            0,
            "{}: {}",
            path.display(),
            std::io::Error::last_os_error()
        );
    }
}

/// Everyone (S-1-1-0) may do anything, inherited by what is inside.
const OPEN_TO_EVERYONE: &str = "D:P(A;OICI;FA;;;WD)";

#[test]
fn a_cache_hit_returns_the_same_key_from_a_private_directory() {
    let sb = Sandbox::new();
    let first = run(&sb).ok();
    assert!(first.starts_with("bedrock-api-key-"), "{first}");
    let entry = only_entry(&sb);
    let second = run(&sb).ok();
    assert_eq!(first, second, "the cached key");
    assert_eq!(only_entry(&sb), entry);
    // `cache list` reads the directory and the entry as a hit does, access
    // checks included: the directory we created, and the entry inside it,
    // are private.
    let list = run(&sb).args(["cache", "list"]).ok();
    assert!(list.contains("us-east-1"), "{list}");
    assert!(!list.contains("unreadable"), "{list}");
}

#[test]
fn exec_sets_the_variables_and_exits_with_the_childs_code() {
    let sb = Sandbox::new();
    let key = run(&sb).ok();
    run(&sb)
        .args(["exec", "--", "cmd", "/c", "exit", "7"])
        .output()
        .assert_code(7);
    let out = run(&sb)
        .args([
            "exec",
            "--",
            "cmd",
            "/c",
            "echo",
            "%AWS_BEARER_TOKEN_BEDROCK%",
        ])
        .ok();
    assert_eq!(out.trim_end(), key.trim_end());
    let out = run(&sb)
        .args(["exec", "--", "cmd", "/c", "echo", "%AWS_DEFAULT_REGION%"])
        .ok();
    assert_eq!(out.trim_end(), "us-east-1");
}

/// PowerShell is the default. wine's powershell.exe is a stub, so its
/// lines are checked by shape; cmd's lines are run by wine's cmd.exe.
#[test]
fn env_speaks_powershell_by_default_and_cmd_runs_its_lines() {
    let sb = Sandbox::new();
    let key = run(&sb).ok();
    let key = key.trim_end();
    let ps = run(&sb).arg("env").ok();
    assert_eq!(
        ps,
        format!(
            "$env:AWS_BEARER_TOKEN_BEDROCK = '{key}'\n$env:AWS_REGION = 'us-east-1'\n$env:AWS_DEFAULT_REGION = 'us-east-1'\n"
        )
    );
    let lines = run(&sb).args(["env", "--shell", "cmd"]).ok();
    let script = sb.write(
        "env.cmd",
        &format!("@echo off\r\n{lines}echo %AWS_BEARER_TOKEN_BEDROCK%\r\necho %AWS_REGION%\r\n"),
    );
    let out = sb.command("cmd").arg("/c").arg(&script).ok();
    assert_eq!(out, format!("{key}\r\nus-east-1\r\n"));
}

#[test]
fn a_cache_directory_open_to_everyone_is_reported_and_not_used() {
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.cache_dir()).unwrap();
    set_security(&sb.cache_dir(), OPEN_TO_EVERYONE);
    run(&sb)
        .output()
        .assert_key(&["not caching", "open to other users", "S-1-1-0"]);
    assert_eq!(entries(&sb), Vec::<std::path::PathBuf>::new());
    run(&sb)
        .args(["cache", "list"])
        .output()
        .assert_fails(1, &["open to other users"]);
}

#[test]
fn an_entry_open_to_everyone_is_reported_and_not_used() {
    let sb = Sandbox::new();
    run(&sb).ok();
    let entry = only_entry(&sb);
    set_security(&entry, OPEN_TO_EVERYONE);
    let before = std::fs::read(&entry).unwrap();
    // Neither used nor replaced: the user is told, and decides. The key
    // is made anew.
    for _ in 0..2 {
        run(&sb)
            .output()
            .assert_key(&["not caching", "open to other users", "S-1-1-0"]);
    }
    assert_eq!(std::fs::read(&entry).unwrap(), before);
}

/// Puts a symbolic link to `target` at `link`: Windows' own (developer
/// mode or an elevated shell), else, under wine 8, whose
/// CreateSymbolicLinkW reports success and makes nothing, a host symlink
/// made by the host's `ln` (wine runs Unix programs). `None` if neither.
fn symlink_file(target: &Path, link: &Path) -> Option<()> {
    if std::os::windows::fs::symlink_file(target, link).is_ok()
        && std::fs::symlink_metadata(link).is_ok()
    {
        return Some(());
    }
    let unix = |p: &Path| {
        let out = std::process::Command::new("winepath")
            .arg("-u")
            .arg(p)
            .output()
            .ok()?;
        let path = String::from_utf8(out.stdout).ok()?;
        Some(path.trim_end().to_owned())
    };
    let (target_u, link_u) = (unix(target)?, unix(link)?);
    // wine starts the Unix program but cannot hand back a handle to wait
    // on, so the call reports an error; the link is there when it returns.
    let _ = std::process::Command::new("/bin/ln")
        .args(["-s", &target_u, &link_u])
        .status();
    for _ in 0..50 {
        if std::fs::symlink_metadata(link).is_ok() {
            return Some(());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    None
}

/// A symbolic link in place of an entry is never written through, and on
/// Windows, which sees it as a reparse point, never read either: the key
/// is made anew and the user told. wine 8 presents a host file symlink as
/// the plain file it names, so there only the first half is checked: the
/// file it names is read as a (bad) entry, and left as it was.
#[test]
fn a_symlinked_entry_is_never_followed() {
    let sb = Sandbox::new();
    run(&sb).ok();
    let entry = only_entry(&sb);
    let target = sb.write("elsewhere.json", "not ours");
    std::fs::remove_file(&entry).unwrap();
    if symlink_file(&target, &entry).is_none() {
        skip_or_fail("this system can make no symbolic link (neither Windows' nor wine's host ln)");
        return;
    }
    let seen_as_link = std::fs::symlink_metadata(&entry)
        .unwrap()
        .file_type()
        .is_symlink();
    for _ in 0..2 {
        let out = run(&sb).output();
        if seen_as_link {
            out.assert_key(&["not caching", "symbolic link"]);
        } else {
            out.assert_code(0);
            assert!(out.stdout.starts_with("bedrock-api-key-"), "{}", out.stdout);
        }
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "not ours");
    }
}

/// Parallel callers with an empty cache: one runs the (slow)
/// credential_process and signs, the others wait on the lock and use its key.
#[test]
fn a_stampede_of_parallel_callers_signs_once() {
    let sb = Sandbox::new();
    // The script waits a second: the callers overlap.
    let count = counting_profile(&sb, "1", 7200);
    let callers: Vec<_> = (0..6)
        .map(|_| {
            sb.run()
                .args(["--profile", "slow", "--duration", "1h"])
                .spawn()
        })
        .collect();
    let keys: Vec<String> = callers
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "{stderr}");
            // A caller that waits on the lock says so once; nothing else.
            let other: Vec<&str> = stderr
                .lines()
                .filter(|l| !l.contains("note: waiting for another bedrock-token"))
                .collect();
            assert!(other.is_empty(), "nothing else on stderr: {stderr}");
            String::from_utf8(out.stdout).unwrap()
        })
        .collect();
    assert!(keys[0].starts_with("bedrock-api-key-"), "{}", keys[0]);
    assert!(keys.iter().all(|k| *k == keys[0]), "one key for all");
    assert_eq!(runs(&count), 1, "one credential_process run, one signing");
}

/// A copy of the binary in `dir` (created), with the ProcessPrng stub that
/// wine 8 needs beside it when there is one (scripts/windows-tests.sh).
fn copy_binary_into(dir: &Path) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let exe = dir.join("bedrock-token.exe");
    std::fs::copy(bin(), &exe).unwrap();
    let stub = Path::new(bin()).with_file_name("bcryptprimitives.dll");
    if stub.exists() {
        std::fs::copy(&stub, dir.join("bcryptprimitives.dll")).unwrap();
    }
    exe
}

/// `setup aws-config` double-quotes the binary's path; the Rust SDK runs
/// the line through `cmd.exe /C`, and `doctor` splits it as botocore does on
/// Windows: with the binary under a directory with a space, both find it.
#[test]
fn the_aws_config_snippet_survives_a_path_with_a_space() {
    let sb = Sandbox::new();
    let exe = copy_binary_into(&sb.path("My Tools"));
    sb.credentials(&format!(
        "[dev]\naws_access_key_id = {AKID}\naws_secret_access_key = {SECRET}\n"
    ));
    sb.config("[profile dev]\nregion = us-east-1\n");
    let ours = |sb: &Sandbox| sb.command(&exe);
    let snippet = ours(&sb)
        .args(["--profile", "dev", "setup", "aws-config"])
        .ok();
    // The settings that differ from the defaults (the sandbox's cache
    // directory) follow the profile.
    let line = format!(
        "credential_process = \"{}\" credential-process --profile dev",
        exe.display()
    );
    assert!(snippet.contains(&line), "{snippet}");
    sb.config(&format!("[profile dev]\nregion = us-east-1\n{snippet}"));
    // An hour: credential-process hands out the static keys with a 12 h
    // expiry, so a 12 h key may come out a second short (noted on stderr)
    // when the clock ticks between the two.
    let key = ours(&sb)
        .args(["--profile", "dev-cached", "--no-cache", "--duration", "1h"])
        .ok();
    assert!(key.starts_with("bedrock-api-key-"), "{key}");
    let doctor = ours(&sb)
        .args(["--profile", "dev-cached", "doctor"])
        .output();
    // doctor names the program it found, path with a space and all.
    assert!(
        doctor.stdout.contains(&format!(
            "ok       profile dev-cached: credential_process runs {}",
            exe.display()
        )),
        "{}",
        doctor.stdout
    );
}

/// The security descriptor's access list of `path`, in SDDL (`D:P(A;;FA;;;S-1-5-21-...)`).
fn dacl_sddl(path: &Path) -> String {
    use std::os::windows::ffi::OsStrExt;
    use windows_sys::Win32::Foundation::LocalFree;
    use windows_sys::Win32::Security::Authorization::{
        ConvertSecurityDescriptorToStringSecurityDescriptorW, GetNamedSecurityInfoW,
        SDDL_REVISION_1, SE_FILE_OBJECT,
    };
    use windows_sys::Win32::Security::DACL_SECURITY_INFORMATION;
    let name: Vec<u16> = path.as_os_str().encode_wide().chain([0]).collect();
    // SAFETY: a NUL-terminated path; both buffers are freed after use.
    unsafe {
        let mut sd = std::ptr::null_mut();
        let status = GetNamedSecurityInfoW(
            name.as_ptr(),
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            &mut sd,
        );
        assert_eq!(status, 0, "{}", path.display());
        let mut text = std::ptr::null_mut();
        let ok = ConvertSecurityDescriptorToStringSecurityDescriptorW(
            sd,
            SDDL_REVISION_1,
            DACL_SECURITY_INFORMATION,
            &mut text,
            std::ptr::null_mut(),
        );
        assert_ne!(ok, 0);
        let len = (0..).take_while(|&i| *text.add(i) != 0).count();
        let sddl = String::from_utf16_lossy(std::slice::from_raw_parts(text, len));
        LocalFree(text as _);
        LocalFree(sd);
        sddl
    }
}

/// Private as the module `platform::windows` defines it: every grant is to
/// the user running the tests, `SYSTEM` or `Administrators`. (wine 8
/// ignores the security descriptor given at creation and derives one from
/// the Unix mode, user and SYSTEM; a real Windows keeps ours, which grants
/// the user alone.)
#[track_caller]
fn assert_private(path: &Path) {
    let sddl = dacl_sddl(path);
    let grants: Vec<&str> = sddl
        .split('(')
        .skip(1)
        .map(|ace| ace.trim_end_matches(')'))
        .collect();
    assert!(!grants.is_empty(), "an access list: {sddl}");
    for ace in grants {
        let sid = ace.rsplit(';').next().unwrap();
        assert!(
            !ace.starts_with("A;") || sid == "SY" || sid == "BA" || sid.starts_with("S-1-5-21-"),
            "{} grants {sid}: {sddl}",
            path.display()
        );
    }
}

#[test]
fn write_makes_private_files_rewrites_only_on_change_and_replaces_only_files() {
    let sb = Sandbox::new();
    let key = run(&sb).ok();
    let path = sb.path("out\\key.txt");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    run(&sb).arg("write").arg(&path).ok();
    let key = key.trim_end();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), key, "the bare key");
    assert_private(&path);
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(50));
    run(&sb).arg("write").arg(&path).ok();
    assert_eq!(
        std::fs::metadata(&path).unwrap().modified().unwrap(),
        modified,
        "an unchanged file is not rewritten"
    );
    // A file others can read is replaced by a private one, same key.
    set_security(&path, OPEN_TO_EVERYONE);
    run(&sb).arg("write").arg(&path).ok();
    assert_private(&path);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), key);
    // JSON and dotenv, as on Unix.
    let json = sb.path("out\\key.json");
    run(&sb).args(["write", "--format", "json"]).arg(&json).ok();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["token"], key);
    // A directory in the way is refused, untouched, nothing on stdout.
    let dir = sb.path("out\\taken");
    std::fs::create_dir_all(dir.join("inside")).unwrap();
    let out = run(&sb).arg("write").arg(&dir).output();
    out.assert_fails(1, &["is not a regular file", "directory"]);
    assert!(dir.join("inside").is_dir());
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temp files left: {leftovers:?}");
}

#[test]
fn credential_process_prints_version_1_json() {
    let sb = Sandbox::new();
    let out = run(&sb)
        .env("AWS_SESSION_TOKEN", "SESSIONEXAMPLE+/=")
        .arg("credential-process")
        .ok();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["Version"], 1);
    assert_eq!(v["AccessKeyId"], AKID);
    assert_eq!(v["SecretAccessKey"], SECRET);
    assert_eq!(v["SessionToken"], "SESSIONEXAMPLE+/=");
}

/// An SSO profile whose session has expired (no token cached), and the
/// stand-in `aws.exe` (scripts/windows/fake-aws.c) first on PATH.
fn sso_sandbox() -> Option<(Sandbox, std::path::PathBuf, std::ffi::OsString)> {
    let fake = Path::new(bin()).with_file_name("fake-aws");
    if !fake.join("aws.exe").is_file() {
        skip_or_fail("no fake-aws\\aws.exe beside the binary: run scripts/windows-tests.sh");
        return None;
    }
    let sb = Sandbox::new();
    sb.config(SSO_PROFILE);
    let log = sb.path("aws-runs.txt");
    let mut path = std::ffi::OsString::from(fake.as_os_str());
    path.push(";");
    path.push(std::env::var_os("PATH").unwrap_or_default());
    Some((sb, log, path))
}

/// Without a console (the tests' pipes) and without
/// `CLAUDE_HELPER_CONTEXT=interactive`, nobody can answer a browser: the
/// call fails at once with the command to run, and no login starts.
#[test]
fn a_caller_without_a_console_fails_fast_with_the_login_command() {
    let Some((sb, log, path)) = sso_sandbox() else {
        return;
    };
    for ctx in [None, Some("non-interactive")] {
        let mut call = run(&sb)
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env("PATH", &path)
            .env("FAKE_AWS_LOG", &log)
            .args(["--login", "-p", "corp"]);
        if let Some(ctx) = ctx {
            call = call.env("CLAUDE_HELPER_CONTEXT", ctx);
        }
        let out = call.output();
        out.assert_fails(1, &["aws sso login --profile corp"]);
        assert!(out.elapsed.as_secs() < 10, "{:?}", out.elapsed);
    }
    assert!(!log.exists(), "no login was started without a person");
}

/// With a person at the terminal, `--login` runs the login once, its
/// output on our stderr, then retries once; parallel callers share it.
#[test]
fn login_runs_once_for_parallel_interactive_callers_with_output_on_stderr() {
    let Some((sb, log, path)) = sso_sandbox() else {
        return;
    };
    // wine starts a process in a few hundred milliseconds: the login lasts
    // long enough for all the callers to start while it runs.
    let call = || {
        run(&sb)
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env("PATH", &path)
            .env("FAKE_AWS_LOG", &log)
            .env("FAKE_AWS_SLEEP_MS", "4000")
            .env("CLAUDE_HELPER_CONTEXT", "interactive")
            .args(["--login", "-p", "corp"])
    };
    // The stand-in renews nothing, so the retry fails too.
    call().output().assert_fails(
        1,
        &[
            "running: aws sso login --profile corp",
            "LOGIN OUTPUT sso login --profile corp",
        ],
    );
    assert_eq!(runs(&log), 1, "one login, one retry");
    let callers: Vec<_> = (0..4).map(|_| call().spawn()).collect();
    for c in callers {
        let out = Out::from(c.wait_with_output().unwrap(), std::time::Duration::ZERO);
        out.assert_fails(1, &["aws sso login --profile corp"]);
    }
    assert_eq!(runs(&log), 2, "one more login for four parallel callers");
}

/// cmd.exe expands `%NAME%` even between double quotes: a binary under a
/// path holding `%` gets its snippets, and a warning saying why they may
/// break.
#[test]
fn setup_warns_of_a_percent_sign_in_the_binarys_path() {
    let sb = Sandbox::new();
    let exe = copy_binary_into(&sb.path("50%off"));
    let out = sb
        .command(&exe)
        .static_creds()
        .args(["setup", "aws-config"])
        .output();
    out.assert_code(0);
    assert!(
        out.stdout.contains("credential_process = \""),
        "{}",
        out.stdout
    );
    out.assert_stderr_mentions(&["holds '%'", "cmd.exe"]);
    // Without one, setup says nothing on stderr.
    run(&sb).args(["setup", "aws-config"]).ok();
}

/// The AWS CLI installed by pip is `aws.cmd`, which `Command` alone does
/// not find: the login runs through `cmd.exe /C`.
#[test]
fn login_runs_an_aws_cli_that_is_a_cmd_script() {
    let Some((sb, log, _)) = sso_sandbox() else {
        return;
    };
    let bin_dir = sb.path("pip-scripts");
    sb.write(
        "pip-scripts\\aws.cmd",
        &format!(
            "@echo off\r\necho LOGIN OUTPUT %*\r\necho run>>\"{}\"\r\n",
            log.display()
        ),
    );
    let mut path = std::ffi::OsString::from(bin_dir.as_os_str());
    path.push(";");
    path.push(std::env::var_os("PATH").unwrap_or_default());
    let out = run(&sb)
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("PATH", &path)
        .env("CLAUDE_HELPER_CONTEXT", "interactive")
        .args(["--login", "-p", "corp"])
        .output();
    // The stand-in renews nothing, so the retry fails too.
    out.assert_fails(1, &["LOGIN OUTPUT sso login --profile corp"]);
    assert_eq!(runs(&log), 1);
}

/// Ctrl-C at the console reaches every process on it: the program `exec`
/// runs handles it (here by exiting 42), and we, who ignore it, outlive it
/// and exit with its code. Had Ctrl-C ended us first, the exit code would
/// be STATUS_CONTROL_C_EXIT.
#[test]
fn ctrl_c_reaches_the_exec_child_and_we_exit_with_its_code() {
    use std::io::BufRead;
    use std::os::windows::process::CommandExt;
    let Some(console) = console_tool() else {
        return;
    };
    let sb = Sandbox::new();
    let mut call = run(&sb)
        .arg("exec")
        .arg("--")
        .arg(&console)
        .args(["wait", "30"]);
    call.cmd.creation_flags(CREATE_NEW_CONSOLE);
    let mut child = call.spawn();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line.trim_end(), "waiting", "the child runs");
    let started = std::time::Instant::now();
    send_ctrl_c(&console, child.id());
    let out = Out::from(child.wait_with_output().unwrap(), started.elapsed());
    out.assert_code(42);
    assert!(out.elapsed.as_secs() < 10, "{:?}", out.elapsed);
    assert_eq!(out.stderr, "", "nothing on stderr");
}

/// Ctrl-C stops the gateway as SIGINT does elsewhere: it says why, waits
/// for nothing when no request is in flight, and exits 0.
#[test]
fn ctrl_c_stops_the_gateway_cleanly() {
    use std::io::BufRead;
    use std::os::windows::process::CommandExt;
    let Some(console) = console_tool() else {
        return;
    };
    let sb = Sandbox::new();
    let mut call = run(&sb).args(["proxy", "--listen", "127.0.0.1:0"]);
    call.cmd.creation_flags(CREATE_NEW_CONSOLE);
    let mut child = call.spawn();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(
        line.starts_with("http://127.0.0.1:"),
        "it listens: {line:?}"
    );
    let started = std::time::Instant::now();
    send_ctrl_c(&console, child.id());
    let out = Out::from(child.wait_with_output().unwrap(), started.elapsed());
    out.assert_code(0)
        .assert_stderr_mentions(&["stopping (Ctrl-C)"]);
    assert!(out.elapsed.as_secs() < 10, "{:?}", out.elapsed);
    assert!(!out.stderr.contains("bedrock-api-key-"), "a key on stderr");
}
