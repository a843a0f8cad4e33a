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

/// The example keys, with the cache in the sandbox: on Windows the default
/// cache directory comes from the Known Folder API, not from `HOME`.
fn run(sb: &Sandbox) -> Run {
    sb.run_static()
        .env("BEDROCK_TOKEN_CACHE_DIR", sb.cache_dir())
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

/// A symbolic link in place of an entry is never followed. wine 8 has no
/// reparse points: CreateSymbolicLinkW reports success and makes nothing,
/// and a host (Unix) symlink looks like the file it names. So under wine
/// this test says so and checks nothing; on Windows (developer mode or an
/// elevated shell) it runs whole.
#[test]
fn a_symlinked_entry_is_never_followed() {
    let sb = Sandbox::new();
    run(&sb).ok();
    let entry = only_entry(&sb);
    let target = sb.write("elsewhere.json", "not ours");
    std::fs::remove_file(&entry).unwrap();
    let made = std::os::windows::fs::symlink_file(&target, &entry);
    // wine 8 reports success and makes nothing.
    if made.is_err() || std::fs::symlink_metadata(&entry).is_err() {
        eprintln!("NOT CHECKED: this system cannot make a symbolic link ({made:?})");
        return;
    }
    run(&sb)
        .output()
        .assert_key(&["not caching", "symbolic link"]);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "not ours");
}

/// Parallel callers with an empty cache: one runs the (slow)
/// credential_process and signs, the others wait on the lock and use its key.
#[test]
fn a_stampede_of_parallel_callers_signs_once() {
    let sb = Sandbox::new();
    let count = sb.path("runs");
    let expires = time::OffsetDateTime::now_utc() + time::Duration::hours(2);
    let expires = expires
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    // `ping -n 2` waits a second: the callers overlap.
    let script = sb.write(
        "bin/creds.cmd",
        &format!(
            "@echo off\r\necho run>>\"{}\"\r\nping -n 2 127.0.0.1 >nul\r\necho {{\"Version\":1,\"AccessKeyId\":\"ASIACOUNTINGEXAMPLE1\",\"SecretAccessKey\":\"countsecret\",\"SessionToken\":\"counttoken\",\"Expiration\":\"{expires}\"}}\r\n",
            count.display()
        ),
    );
    // Double quotes, as `setup aws-config` writes a path on Windows.
    sb.config(&format!(
        "[profile slow]\nregion = us-east-1\ncredential_process = \"{}\"\n",
        script.display()
    ));
    let callers: Vec<_> = (0..6)
        .map(|_| {
            sb.run()
                .env("BEDROCK_TOKEN_CACHE_DIR", sb.cache_dir())
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
            assert_eq!(stderr, "", "nothing on stderr");
            String::from_utf8(out.stdout).unwrap()
        })
        .collect();
    assert!(keys[0].starts_with("bedrock-api-key-"), "{}", keys[0]);
    assert!(keys.iter().all(|k| *k == keys[0]), "one key for all");
    assert_eq!(runs(&count), 1, "one credential_process run, one signing");
}

/// `setup aws-config` double-quotes the binary's path; the Rust SDK runs
/// the line through `cmd.exe /C`, and `doctor` splits it as botocore does on
/// Windows: with the binary under a directory with a space, both find it.
#[test]
fn the_aws_config_snippet_survives_a_path_with_a_space() {
    let sb = Sandbox::new();
    let dir = sb.path("My Tools");
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join("bedrock-token.exe");
    std::fs::copy(bin(), &exe).unwrap();
    // The ProcessPrng stub that wine 8 needs (scripts/windows-tests.sh).
    let stub = Path::new(bin()).with_file_name("bcryptprimitives.dll");
    if stub.exists() {
        std::fs::copy(&stub, dir.join("bcryptprimitives.dll")).unwrap();
    }
    sb.credentials(&format!(
        "[dev]\naws_access_key_id = {AKID}\naws_secret_access_key = {SECRET}\n"
    ));
    sb.config("[profile dev]\nregion = us-east-1\n");
    let ours = |sb: &Sandbox| {
        sb.command(&exe)
            .env("BEDROCK_TOKEN_CACHE_DIR", sb.cache_dir())
    };
    let snippet = ours(&sb)
        .args(["--profile", "dev", "setup", "aws-config"])
        .ok();
    let line = format!(
        "credential_process = \"{}\" credential-process --profile dev\n",
        exe.display()
    );
    assert!(snippet.contains(&line), "{snippet}");
    sb.config(&format!("[profile dev]\nregion = us-east-1\n{snippet}"));
    let key = ours(&sb)
        .args(["--profile", "dev-cached", "--no-cache"])
        .ok();
    assert!(key.starts_with("bedrock-api-key-"), "{key}");
    let doctor = ours(&sb)
        .args(["--profile", "dev-cached", "doctor"])
        .output();
    assert!(
        doctor
            .stdout
            .contains("ok       profile dev-cached: credential_process runs an existing program"),
        "{}",
        doctor.stdout
    );
}
