//! `--login` / `auto_login`: when the SSO or `aws login` session has expired
//! and a person is at the terminal, run the login command once (one browser
//! for any number of parallel callers) and retry. Callers without a person
//! (no TTY, or `CLAUDE_HELPER_CONTEXT` other than `interactive`) never wait on
//! a prompt: they fail fast with the command to run.

use crate::awsfiles::Files;
use crate::cache::{Cache, Slot};
use crate::credentials::Resolved;
use crate::settings::{CacheDir, Settings};
use crate::ui;
use anyhow::{Context, Result};
use std::io::IsTerminal;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// Whether a person can answer a browser prompt for this call.
pub fn interactive() -> bool {
    match std::env::var("CLAUDE_HELPER_CONTEXT") {
        Ok(ctx) => ctx == "interactive",
        Err(_) => std::io::stdin().is_terminal() || std::io::stderr().is_terminal(),
    }
}

/// The single-flight slot of a login command: its lock file is held while
/// the login runs, and its `.done` marker records when one finished.
fn login_slot(s: &Settings, command: &str) -> Option<Slot> {
    match &s.cache {
        CacheDir::Dir(dir) => {
            let cache = Cache::at(dir.clone());
            cache.prepare().ok().map(|()| cache.slot("login", command))
        }
        _ => None,
    }
}

/// Whether another caller is running the login of this profile now: the
/// holder of a key's lock may be waiting for a person at a browser.
pub fn in_progress(s: &Settings) -> bool {
    let files = Files::load(&s.request.paths);
    let Some(slot) = files
        .login_command(&s.request.profile)
        .and_then(|command| login_slot(s, &command))
    else {
        return false;
    };
    std::fs::OpenOptions::new()
        .read(true)
        .open(&slot.lock)
        .is_ok_and(|f| matches!(f.try_lock(), Err(std::fs::TryLockError::WouldBlock)))
}

/// Runs `resolve`; on failure, with `--login`, for a profile with a login
/// session and a person at the terminal, logs in once and retries once.
pub fn with_login(
    s: &Settings,
    files: &Files,
    resolve: impl Fn() -> Result<Resolved>,
) -> Result<Resolved> {
    let err = match resolve() {
        Ok(r) => return Ok(r),
        Err(e) => e,
    };
    let Some(command) = files.login_command(&s.request.profile) else {
        return Err(err);
    };
    if !s.login || !interactive() {
        return Err(err);
    }
    // Single flight: the first caller logs in while the others wait on the
    // lock; a caller that finds a login finished after it started retries
    // without opening another browser.
    let started = crate::duration::process_started();
    let timeout = Duration::from_secs(s.login_timeout);
    let slot = login_slot(s, &command);
    let waiting = |bound: Duration| {
        ui::note(&format!(
            "waiting for another bedrock-token's login for profile {}, up to {}",
            s.request.profile,
            crate::duration::format_secs(bound.as_secs())
        ));
    };
    let lock = slot
        .as_ref()
        .and_then(|slot| slot.lock(timeout, None, &waiting).ok());
    let done = slot.as_ref().map(|slot| slot.entry.with_extension("done"));
    if lock.is_some()
        && let Some(done) = &done
        && std::fs::metadata(done)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t >= started && t <= SystemTime::now())
    {
        return resolve();
    }
    ui::note(&format!(
        "the login session has expired; running: {command}"
    ));
    let mut child = spawn_login(&command).with_context(|| format!("could not run {command}"))?;
    let status =
        wait_bounded(&mut child, timeout).with_context(|| format!("could not run {command}"))?;
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(err.context(format!(
            "{command} did not finish within --login-timeout {}",
            crate::duration::format_secs(s.login_timeout)
        )));
    };
    if !status.success() {
        return Err(err.context(format!("{command} failed ({status})")));
    }
    if let Some(done) = &done {
        let _ = crate::fsutil::atomic_write(done, b"");
    }
    drop(lock);
    resolve()
}

/// Starts the login command, talking to the user on stderr: our stdout
/// stays clean. On Windows, where `Command` finds only `.exe` files on
/// PATH, an AWS CLI installed by pip (`aws.cmd`) runs through `cmd.exe /C`;
/// the command's words are `aws`, a subcommand and a profile name the SDK
/// accepts, nothing cmd.exe would expand.
fn spawn_login(command: &str) -> std::io::Result<Child> {
    let start = |words: &[&str]| {
        let (program, args) = words.split_first().unwrap_or((&"aws", &[]));
        Command::new(program)
            .args(args)
            .stdin(Stdio::inherit())
            .stdout(std::io::stderr())
            .stderr(Stdio::inherit())
            .spawn()
    };
    let words: Vec<&str> = command.split_whitespace().collect();
    match start(&words) {
        Err(e) if cfg!(windows) && e.kind() == std::io::ErrorKind::NotFound => {
            start(&[&["cmd.exe", "/C"], &words[..]].concat())
        }
        other => other,
    }
}

/// The child's exit status, or `None` if it is still running after `limit`.
fn wait_bounded(child: &mut Child, limit: Duration) -> std::io::Result<Option<ExitStatus>> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
