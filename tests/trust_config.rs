//! Trust: the config file is read as cache entries are read. A device, a
//! FIFO or a huge file where it should be is a clear error at once (never
//! a hang, never gigabytes read), at `BEDROCK_TOKEN_CONFIG` and at the
//! default path with no arguments (how Claude Desktop runs us); a file that
//! another user owns or may write is refused, with the fix; a shared cache
//! directory is never advised a `chmod`.

// FIFOs, devices, modes and owners: Unix only.
#![cfg(unix)]

mod common;
use common::*;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The default config path in the sandbox's HOME.
fn default_config(sb: &Sandbox) -> PathBuf {
    let path = sb.home().join(".config/bedrock-token/config.toml");
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    path
}

/// Runs with no arguments, or `BEDROCK_TOKEN_CONFIG=config` when given,
/// killed after 20 s so a hang fails the test instead of stalling it.
#[track_caller]
fn bounded(sb: &Sandbox, config: Option<&Path>) -> Out {
    let mut run = sb.run_static();
    if let Some(c) = config {
        run = run.env("BEDROCK_TOKEN_CONFIG", c);
    }
    let started = Instant::now();
    let mut child = run.spawn();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("still running after 20 s (config {config:?})");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Out::from(child.wait_with_output().unwrap(), started.elapsed())
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo {}", path.display());
}

/// What a bad config file must give: exit 1 within seconds, nothing on
/// stdout, an error naming the file, what it is and the fix.
#[track_caller]
fn assert_refused(out: &Out, path: &Path, what: &str, fix: &str) {
    out.assert_fails(1, &[&path.display().to_string(), what, fix]);
    assert!(
        out.elapsed < Duration::from_secs(5),
        "took {:?}",
        out.elapsed
    );
}

#[test]
fn devices_fifos_and_huge_files_as_the_config_file_are_refused_at_once() {
    let sb = Sandbox::new();
    let link = sb.path("link-to-zero");
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    let fifo = sb.path("fifo.toml");
    mkfifo(&fifo);
    let huge = sb.write("huge.toml", &format!("# {}\n", "x".repeat(100_000)));
    let dir = sb.path("a-dir");
    fs::create_dir(&dir).unwrap();
    let env_fix = "point BEDROCK_TOKEN_CONFIG at a regular file";
    for (path, what) in [
        (Path::new("/dev/zero"), "is a device, not a regular file"),
        (Path::new("/dev/urandom"), "is a device, not a regular file"),
        (link.as_path(), "is a device, not a regular file"),
        (fifo.as_path(), "is a FIFO, not a regular file"),
        (huge.as_path(), "larger than 64 KiB"),
        (dir.as_path(), "is a directory, not a regular file"),
    ] {
        assert_refused(&bounded(&sb, Some(path)), path, what, env_fix);
    }

    // The same at the default path, with no arguments at all.
    let default = default_config(&sb);
    let rm_fix = format!("remove it: rm {}", default.display());
    mkfifo(&default);
    assert_refused(&bounded(&sb, None), &default, "is a FIFO", &rm_fix);
    fs::remove_file(&default).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &default).unwrap();
    assert_refused(&bounded(&sb, None), &default, "is a device", &rm_fix);
    fs::remove_file(&default).unwrap();
    std::os::unix::fs::symlink("/dev/urandom", &default).unwrap();
    assert_refused(&bounded(&sb, None), &default, "is a device", &rm_fix);
    fs::remove_file(&default).unwrap();
    fs::copy(&huge, &default).unwrap();
    assert_refused(&bounded(&sb, None), &default, "larger than 64 KiB", &rm_fix);

    // Control: a real config file, and one linked in as dotfile managers
    // do, are used (the region comes from it).
    fs::remove_file(&default).unwrap();
    let real = sb.write("dotfiles/bedrock-token.toml", "region = \"eu-west-1\"\n");
    let key = |sb: &Sandbox| {
        sb.run_static()
            .env_remove("AWS_REGION")
            .args(["inspect", "--format", "json"])
            .ok()
    };
    std::os::unix::fs::symlink(&real, &default).unwrap();
    assert!(key(&sb).contains("eu-west-1"), "the linked config is used");
}

#[test]
fn a_config_file_others_may_write_or_another_user_owns_is_refused_with_the_fix() {
    let sb = Sandbox::new();
    sb.credentials(&format!(
        "[dev]\naws_access_key_id = {AKID}\naws_secret_access_key = {SECRET}\n"
    ));
    let default = default_config(&sb);
    let named = sb.write("named.toml", "profile = \"dev\"\n");
    fs::write(&default, "profile = \"dev\"\n").unwrap();
    for (path, config) in [(&default, None), (&named, Some(named.as_path()))] {
        for mode in [0o664, 0o646, 0o666] {
            fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
            let out = bounded(&sb, config);
            out.assert_fails(
                1,
                &[
                    &format!("config file {} is writable by other users", path.display()),
                    &format!("chmod go-w {}", path.display()),
                ],
            );
        }
        // Readable by all is fine: it holds no secret.
        fs::set_permissions(path, fs::Permissions::from_mode(0o644)).unwrap();
        bounded(&sb, config).assert_key(&[]);
    }

    // Another user's file: only root can make one.
    let chowned = Command::new("chown")
        .arg("65534")
        .arg(&default)
        .status()
        .is_ok_and(|s| s.success());
    if !chowned {
        skip_or_fail("cannot chown a file to another user (not root)");
        return;
    }
    let out = bounded(&sb, None);
    out.assert_fails(
        1,
        &[
            &format!(
                "config file {} belongs to another user (uid 65534)",
                default.display()
            ),
            "make it yours",
        ],
    );
}

#[test]
fn a_shared_cache_directory_is_never_advised_a_chmod() {
    let sb = Sandbox::new();
    // A directory like /tmp: sticky and open to all (the sandbox's own, so
    // the test changes nothing shared).
    let shared = sb.path("shared-tmp");
    fs::create_dir(&shared).unwrap();
    fs::set_permissions(&shared, fs::Permissions::from_mode(0o1777)).unwrap();
    let config = sb.write(
        "bt.toml",
        &format!("cache_dir = \"{}\"\n", shared.display()),
    );
    for run in [
        sb.run_static().env("BEDROCK_TOKEN_CONFIG", &config),
        sb.run_static().arg("--cache-dir").arg(&shared),
        sb.run_static().arg("--cache-dir").arg("/tmp"),
    ] {
        let out = run.output();
        out.assert_key(&[
            "not caching",
            "is shared with other users",
            &format!(
                "use a private one instead, such as the per-user default {}",
                sb.cache_dir().display()
            ),
        ]);
        assert!(!out.stderr.contains("chmod"), "{}", out.stderr);
        assert!(!out.stderr.contains("rm "), "{}", out.stderr);
    }
    assert!(
        fs::read_dir(&shared).unwrap().next().is_none(),
        "nothing written into the shared directory"
    );
}
