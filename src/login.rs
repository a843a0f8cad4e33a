//! `--login` / `auto_login`: when the SSO or `aws login` session has expired
//! and a person is at the terminal, run the login command once (one browser
//! for any number of parallel callers) and retry. Callers without a person
//! (no TTY, or `CLAUDE_HELPER_CONTEXT` other than `interactive`) never wait on
//! a prompt: they fail fast with the command to run.

use crate::awsfiles::Files;
use crate::cache::Cache;
use crate::credentials::Resolved;
use crate::settings::{CacheDir, Settings};
use crate::ui;
use anyhow::{Context, Result};
use std::io::IsTerminal;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Whether a person can answer a browser prompt for this call.
pub fn interactive() -> bool {
    match std::env::var("CLAUDE_HELPER_CONTEXT") {
        Ok(ctx) => ctx == "interactive",
        Err(_) => std::io::stdin().is_terminal() || std::io::stderr().is_terminal(),
    }
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
    let Some(command) = files.login_command(&s.profile) else {
        return Err(err);
    };
    if !s.login || !interactive() {
        return Err(err);
    }
    // Single flight: the first caller logs in while the others wait on the
    // lock; a caller that finds a login finished after it started retries
    // without opening another browser.
    let started = crate::duration::process_started();
    let slot = match &s.cache {
        CacheDir::Dir(dir) => {
            let cache = Cache::at(dir.clone());
            cache.prepare().ok().map(|()| cache.slot("login", &command))
        }
        _ => None,
    };
    let lock = slot
        .as_ref()
        .and_then(|slot| slot.lock(Duration::from_secs(600)).ok());
    let done = slot.as_ref().map(|slot| slot.entry.with_extension("done"));
    if lock.is_some()
        && let Some(done) = &done
        && std::fs::metadata(done)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t >= started)
    {
        return resolve();
    }
    ui::note(&format!(
        "the login session has expired; running: {command}"
    ));
    let mut words = command.split_whitespace();
    let program = words.next().unwrap_or("aws");
    // The login command talks to the user on stderr; our stdout stays clean.
    let status = Command::new(program)
        .args(words)
        .stdin(Stdio::inherit())
        .stdout(std::io::stderr())
        .stderr(Stdio::inherit())
        .status()
        .with_context(|| format!("could not run {command}"))?;
    if !status.success() {
        return Err(err.context(format!("{command} failed ({status})")));
    }
    if let Some(done) = &done {
        let _ = crate::fsutil::atomic_write(done, b"");
    }
    drop(lock);
    resolve()
}
