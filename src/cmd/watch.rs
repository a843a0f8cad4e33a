//! `bedrock-token write PATH --watch`: keep a fresh key in PATH for programs
//! that run for days. Only this command runs this code.
//!
//! Two threads. The renewer sleeps until the key in PATH nears
//! `--min-remaining`, renews it through the shared cache and its lock (so a
//! watcher and any number of direct callers sign once per key), rewrites
//! PATH as `write` does and starts `--on-change`, which a thread of its
//! own bounds (the renewer never waits for it). The main thread waits for
//! the system's requests, which the platform layer turns into [`Event`]s:
//! on Unix signals (SIGHUP renews now; SIGTERM and SIGINT stop), on Windows
//! console control events (Ctrl-C, Ctrl-Break, the console closing, logoff
//! and shutdown stop; nothing renews now). A stop ends the process as soon
//! as no rewrite is under way, without waiting for a slow credential
//! source, so it takes well under a second and never leaves a partial file.

use super::Outcome;
use crate::cache::Entry;
use crate::cli::{FileFormat, WriteArgs};
use crate::duration::{format_secs, now_unix, rfc3339, unix};
use crate::error::Failure;
use crate::fsutil::{check_target, write_if_changed};
use crate::output::file::render;
use crate::provide;
use crate::settings::Settings;
use crate::ui;
use anyhow::{Context, Result};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, mpsc};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[cfg(unix)]
mod unix;
#[cfg(unix)]
use self::unix as os;
#[cfg(windows)]
mod windows;
#[cfg(windows)]
use self::windows as os;

/// The longest single sleep. Sleeps do not count time suspended, so the
/// wall clock is read again at least this often: after a resume, a renewal
/// that fell due meanwhile happens within this.
const MAX_NAP: Duration = Duration::from_secs(30);
/// Retries after a failure wait about 1 s, 2 s, 4 s, ... then 5 minutes at
/// most, with jitter so watchers that failed together do not retry together.
const BACKOFF_FIRST: Duration = Duration::from_secs(1);
const BACKOFF_CAP: Duration = Duration::from_secs(300);
/// How long an `--on-change` command may run, unless `--on-change-timeout`.
const HOOK_TIMEOUT: Duration = Duration::from_secs(60);
/// After the bound, how long a hook's processes get to exit on SIGTERM
/// before SIGKILL; when the watcher stops, less, so the stop stays quick.
const HOOK_GRACE: Duration = Duration::from_secs(2);
const HOOK_GRACE_AT_STOP: Duration = Duration::from_millis(300);

/// What the platform layer tells the main thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    /// Make a new key now (SIGHUP). Windows has nothing to send it.
    #[cfg_attr(not(unix), expect(dead_code))]
    RenewNow,
    /// Stop as soon as no rewrite is under way; what asked, for the log.
    Stop(&'static str),
    /// The renewer could not write the first key: fail as plain `write`.
    FirstFailed,
}

pub fn run(s: &Settings, args: &WriteArgs) -> Result<Outcome> {
    // A FIFO, symlink or directory at PATH is refused now, not at a renewal.
    check_target(&args.path)?;
    ui::timestamps();
    let events = os::Events::install()?;
    let shared = Arc::new(Shared::default());
    let (first_tx, first_rx) = mpsc::channel();
    let renewer = Renewer::new(s, args, shared.clone());
    std::thread::Builder::new()
        .name("renewer".into())
        .spawn(move || renewer.run(first_tx))
        .context("could not start the renewer thread")?;
    loop {
        for event in events.wait()? {
            match event {
                Event::RenewNow => shared.renew_now(),
                Event::Stop(name) => {
                    shared.stop();
                    ui::info(&format!(
                        "stopped by {name}; {}",
                        what_is_at(&args.path, None)
                    ));
                    shared.end_hooks(name);
                    events.stopped();
                    return Ok(Outcome::Success);
                }
                Event::FirstFailed => {
                    if let Ok(err) = first_rx.try_recv() {
                        return Err(err);
                    }
                }
            }
        }
    }
}

/// What the renewer needs, and what PATH holds.
struct Renewer {
    /// The user's settings, but asking for [`lead`] of life left, and with
    /// no fallback to an old key (PATH holds it already).
    settings: Settings,
    lead: i64,
    path: PathBuf,
    format: FileFormat,
    on_change: Option<String>,
    hook_timeout: Duration,
    shared: Arc<Shared>,
}

impl Renewer {
    fn new(s: &Settings, args: &WriteArgs, shared: Arc<Shared>) -> Renewer {
        let lead = lead(s.duration, s.min_remaining);
        let mut settings = s.clone();
        settings.min_remaining = lead as u64;
        settings.fallback = false;
        Renewer {
            settings,
            lead,
            path: args.path.clone(),
            format: args.format,
            on_change: args.on_change.clone(),
            hook_timeout: args
                .on_change_timeout
                .map_or(HOOK_TIMEOUT, Duration::from_secs),
            shared,
        }
    }

    /// Renews and sleeps until stopped. A first key that cannot be written
    /// goes back to the main thread; later failures are retried.
    fn run(self, first: mpsc::Sender<anyhow::Error>) {
        // The expiry of the key in PATH, once we wrote one.
        let mut held: Option<i64> = None;
        let mut failures = 0;
        let mut force = false;
        loop {
            let next = match self.renew(force) {
                Ok(None) => return,
                Ok(Some((entry, changed))) => {
                    failures = 0;
                    let due = self.due(&entry);
                    self.log_renewal(&entry, changed, held.is_none(), due);
                    held = Some(entry.expires_at);
                    if changed && let Some(cmd) = &self.on_change {
                        self.shared.start_hook(cmd, self.hook_timeout);
                    }
                    due
                }
                Err(err) => match held {
                    None => {
                        let _ = first.send(err);
                        os::first_failed();
                        return;
                    }
                    Some(expires_at) => {
                        failures += 1;
                        let delay = backoff(failures, jitter());
                        self.log_failure(&err, failures, expires_at, delay);
                        SystemTime::now() + delay
                    }
                },
            };
            force = match self.shared.nap_until(next) {
                Wake::Stop => return,
                Wake::RenewNow => true,
                Wake::Due => false,
            };
        }
    }

    /// A key with at least `lead` of life (a new one when `force`), written
    /// to PATH; whether PATH changed. `None` once stopped.
    fn renew(&self, force: bool) -> Result<Option<(Entry, bool)>> {
        crate::duration::start_again();
        let mut s = self.settings.clone();
        s.refresh = force;
        let entry = provide::bedrock_key(&s)?;
        let content = render(&entry, self.format);
        // Held while writing, so a stop waits for a whole file.
        let control = self.shared.lock();
        if control.stop {
            return Ok(None);
        }
        let changed = write_if_changed(&self.path, content.expose().as_bytes())?;
        drop(control);
        Ok(Some((entry, changed)))
    }

    /// When to renew `entry`: the first second at which the cache no longer
    /// hands it out for `lead`, so the renewal makes a new key. A key that
    /// never had that much life (its credentials die sooner) is renewed
    /// halfway through. Never sooner than a second from now.
    fn due(&self, entry: &Entry) -> SystemTime {
        let at = due_at(entry.created_at, entry.expires_at, self.lead);
        let at = UNIX_EPOCH + Duration::from_secs(at.max(0) as u64);
        at.max(SystemTime::now() + Duration::from_secs(1))
    }

    fn log_renewal(&self, entry: &Entry, changed: bool, first: bool, due: SystemTime) {
        let what = match (changed, first) {
            (true, true) => "wrote",
            (true, false) => "renewed",
            (false, _) => "kept",
        };
        let now = now_unix();
        ui::info(&format!(
            "{what} {}: key expires at {} ({} left); next renewal at {}",
            self.path.display(),
            rfc3339(entry.expires_at),
            format_secs(entry.remaining(now).max(0) as u64),
            rfc3339(unix(due))
        ));
    }

    fn log_failure(&self, err: &anyhow::Error, attempt: u32, held: i64, delay: Duration) {
        let hint = Failure::of(err)
            .and_then(Failure::hint)
            .map(|h| format!(" ({h})"))
            .unwrap_or_default();
        let state = what_is_at(&self.path, Some(held));
        ui::line(&format!(
            "renewal failed (attempt {attempt}): {err:#}{hint}; {state}; next attempt in {}",
            human(delay)
        ));
    }
}

/// How much life the watcher asks the cache for: `--min-remaining` and a
/// margin (a tenth of the rest of the key's life, 2 s to 1 minute), so that
/// PATH never holds a key with less than `--min-remaining` left, however
/// long the renewal takes, and direct callers (asking for
/// `--min-remaining`) find the watcher's new key rather than make one.
fn lead(duration: u64, min_remaining: u64) -> i64 {
    let (duration, min) = (duration as i64, min_remaining as i64);
    min + ((duration - min) / 10).clamp(2, 60)
}

/// See [`Renewer::due`]: a hit needs `remaining >= lead` in whole seconds.
fn due_at(created_at: i64, expires_at: i64, lead: i64) -> i64 {
    let life = expires_at - created_at;
    if life >= lead {
        expires_at - lead + 1
    } else {
        created_at + (life / 2).max(1)
    }
}

/// The wait before retry `attempt` (1, 2, ...): 1 s doubling to 5 minutes,
/// times 0.5 to 1 by `jitter` (0 to 1).
fn backoff(attempt: u32, jitter: f64) -> Duration {
    let base = BACKOFF_FIRST
        .saturating_mul(1 << attempt.saturating_sub(1).min(16))
        .min(BACKOFF_CAP);
    base.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
}

/// A number from 0 to 1 that differs between processes and calls: std's
/// randomly keyed hasher over the time, so no dependency for jitter.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// `0.7s`, `16.3s`, `4m47s`.
fn human(d: Duration) -> String {
    if d < Duration::from_secs(60) {
        format!("{:.1}s", d.as_secs_f64())
    } else {
        format_secs(d.as_secs())
    }
}

/// What is at PATH now, for the log: the key we wrote (valid until
/// `held`, when known), or whatever replaced it. Never "keeps its key"
/// about a symlink, a FIFO or a missing directory.
fn what_is_at(path: &std::path::Path, held: Option<i64>) -> String {
    let p = path.display();
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_file() => match held {
            Some(held) if held > now_unix() => format!(
                "{p} keeps its key, valid until {} ({} left)",
                rfc3339(held),
                format_secs((held - now_unix()) as u64)
            ),
            Some(held) => format!(
                "the key in {p} expired at {}; the file is left as is",
                rfc3339(held)
            ),
            None => format!("{p} keeps its key"),
        },
        Ok(m) => format!(
            "{p} is now {}, not the file we wrote; it is left as is",
            crate::platform::kind_of(m.file_type())
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            match path.parent().filter(|d| !d.as_os_str().is_empty()) {
                Some(dir) if !dir.is_dir() => {
                    format!("{p} is gone: its directory {} was removed", dir.display())
                }
                _ => format!("{p} is gone: it was removed"),
            }
        }
        Err(e) => format!("{p} cannot be examined: {e}"),
    }
}

/// Starts CMD through the platform's shell after a rewrite (`sh -c` on
/// Unix, in a process group of its own; `cmd.exe /C` on Windows, see
/// [`os::shell`]). The key is neither in its arguments nor in its
/// environment (no `AWS_BEARER_TOKEN_*`, even one we inherited); its stdin
/// is empty and its stdout goes to our stderr, so our stdout stays empty.
fn spawn_hook(cmd: &str) -> std::io::Result<std::process::Child> {
    let mut child = os::shell(cmd);
    child
        .stdin(std::process::Stdio::null())
        .stdout(std::io::stderr());
    for (name, _) in std::env::vars_os() {
        if crate::environment::is_key_var(name.as_encoded_bytes()) {
            child.env_remove(name);
        }
    }
    crate::platform::spawn(&mut child)
}

fn log_ended(ended: Vec<(u32, String)>, why: &str) {
    for (pid, how) in ended {
        ui::line(&format!("--on-change command (pid {pid}) {why}: {how}"));
    }
}

/// What the main thread tells the renewer.
#[derive(Default)]
struct Shared {
    control: Mutex<Control>,
    wake: Condvar,
    /// The `--on-change` commands still running, each watched by a thread
    /// of its own: none of them holds up a renewal, and a stop ends them.
    hooks: Mutex<Vec<std::process::Child>>,
}

#[derive(Default)]
struct Control {
    stop: bool,
    renew_now: bool,
}

enum Wake {
    Stop,
    RenewNow,
    Due,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Control> {
        self.control.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for a rewrite under way to finish; no other starts after.
    fn stop(&self) {
        self.lock().stop = true;
        self.wake.notify_all();
    }

    /// Runs `cmd` (see [`spawn_hook`]) without waiting for it; a thread
    /// ends it (and on Unix its whole process group) once it has run for
    /// `timeout`. Its failure is logged, never fatal.
    fn start_hook(self: &Arc<Self>, cmd: &str, timeout: Duration) {
        let child = match spawn_hook(cmd) {
            Ok(c) => c,
            Err(e) => return ui::line(&format!("could not run --on-change command: {e}")),
        };
        let pid = child.id();
        self.running_hooks().push(child);
        let shared = self.clone();
        let started = std::time::Instant::now();
        let spawned = std::thread::Builder::new()
            .name("on-change".into())
            .spawn(move || shared.watch_hook(pid, started, timeout));
        if spawned.is_err() {
            // No thread to bound it: end it now rather than let it run on.
            self.end_hook(pid, "could not watch it", HOOK_GRACE_AT_STOP);
        }
    }

    fn running_hooks(&self) -> MutexGuard<'_, Vec<std::process::Child>> {
        self.hooks.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Polls hook `pid` until it exits (a failure is logged) or `timeout`
    /// passes (it is ended, and that is logged). Reaped only under the
    /// lock, so a stop never signals a process id already reused.
    fn watch_hook(&self, pid: u32, started: std::time::Instant, timeout: Duration) {
        loop {
            {
                let mut running = self.running_hooks();
                let Some(i) = running.iter().position(|c| c.id() == pid) else {
                    return; // ended by a stop
                };
                match running[i].try_wait() {
                    Ok(Some(status)) => {
                        // Reaped: `wait` returns the status at once.
                        let _ = running.remove(i).wait();
                        if !status.success() {
                            ui::line(&format!("--on-change command failed ({status})"));
                        }
                        return;
                    }
                    Err(e) => {
                        let _ = running.remove(i).wait();
                        return ui::line(&format!("could not wait for --on-change command: {e}"));
                    }
                    Ok(None) if started.elapsed() >= timeout => {
                        drop(running);
                        let why = format!("still running after {}", human(timeout));
                        return self.end_hook(pid, &why, HOOK_GRACE);
                    }
                    Ok(None) => {}
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Ends hook `pid` if it still runs, and logs it: SIGTERM to its
    /// process group, SIGKILL to what is left after `grace` (on Windows,
    /// the command is terminated).
    fn end_hook(&self, pid: u32, why: &str, grace: Duration) {
        let child = {
            let mut running = self.running_hooks();
            match running.iter().position(|c| c.id() == pid) {
                Some(i) => running.remove(i),
                None => return,
            }
        };
        log_ended(os::end_hooks(vec![child], grace), why);
    }

    /// Ends every hook still running, all at once: the watcher is stopping.
    fn end_hooks(&self, stopped_by: &str) {
        let children: Vec<_> = self.running_hooks().drain(..).collect();
        let why = format!("still running when {stopped_by} stopped the watcher");
        log_ended(os::end_hooks(children, HOOK_GRACE_AT_STOP), &why);
    }

    fn renew_now(&self) {
        self.lock().renew_now = true;
        self.wake.notify_all();
    }

    /// Sleeps until `due` by the wall clock, in naps of at most
    /// [`MAX_NAP`], or until told otherwise.
    fn nap_until(&self, due: SystemTime) -> Wake {
        let mut control = self.lock();
        loop {
            if control.stop {
                return Wake::Stop;
            }
            if control.renew_now {
                control.renew_now = false;
                return Wake::RenewNow;
            }
            match due.duration_since(SystemTime::now()) {
                Ok(left) if !left.is_zero() => {
                    control = self
                        .wake
                        .wait_timeout(control, left.min(MAX_NAP))
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
                _ => return Wake::Due,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lead_is_min_remaining_and_a_margin() {
        assert_eq!(lead(43200, 900), 900 + 60);
        assert_eq!(lead(6, 3), 3 + 2);
        assert_eq!(lead(3600, 3600), 3600 + 2);
        assert_eq!(lead(60, 0), 6);
    }

    #[test]
    fn a_key_is_renewed_once_the_cache_would_not_hand_it_out() {
        // 6 s keys, lead 5: due 2 s after signing, with 4 s left (> 3 s).
        assert_eq!(due_at(100, 106, 5), 102);
        // Credentials that die sooner than the lead: halfway.
        assert_eq!(due_at(100, 104, 5), 102);
        assert_eq!(due_at(100, 101, 5), 101);
        // 12 h keys with the defaults: 16 minutes before expiry.
        assert_eq!(due_at(0, 43200, 960), 43200 - 959);
    }

    #[test]
    fn backoff_doubles_from_a_second_to_five_minutes_with_jitter() {
        assert_eq!(backoff(1, 1.0), Duration::from_secs(1));
        assert_eq!(backoff(1, 0.0), Duration::from_millis(500));
        assert_eq!(backoff(4, 1.0), Duration::from_secs(8));
        assert_eq!(backoff(9, 1.0), Duration::from_secs(256));
        assert_eq!(backoff(10, 1.0), BACKOFF_CAP);
        assert_eq!(backoff(u32::MAX, 1.0), BACKOFF_CAP);
        assert_eq!(backoff(u32::MAX, 0.0), BACKOFF_CAP / 2);
        let j = jitter();
        assert!((0.0..1.0).contains(&j), "{j}");
    }
}
