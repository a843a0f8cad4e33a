//! Where the gateway's keys come from: the shared cache, in-process, as
//! every other command takes them (so a gateway, direct callers and
//! watchers sign once per key between them), one lookup at a time.
//!
//! A key is reused without looking again for [`RECHECK`] at most, and only
//! while it has `--min-remaining` left. A failure is logged once, and again
//! only when it changes or ends.

use crate::cache::Entry;
use crate::duration::{format_secs, now_unix, rfc3339};
use crate::error::Failure;
use crate::secret::Secret;
use crate::settings::Settings;
use crate::ui;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How long a key is handed out without asking the cache again.
const RECHECK: Duration = Duration::from_secs(2);
/// When no new key can be made, the last one still serves while it has this long left.
const FALLBACK_MIN_REMAINING: i64 = 60;

pub struct Keys {
    settings: Settings,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    current: Option<(Entry, Instant)>,
    /// The first lookup honours `--refresh`; later ones must not.
    refreshed: bool,
    /// The failure last logged, until it ends.
    problem: Option<String>,
}

/// Why there is no key: what the consumer is told, and the next step.
#[derive(Debug, Clone)]
pub struct NoKey {
    pub message: String,
    pub next: Option<String>,
}

impl Keys {
    pub fn new(s: &Settings) -> Keys {
        let mut settings = s.clone();
        // The gateway handles a failed renewal itself, and logs it once.
        settings.fallback = false;
        Keys {
            settings,
            state: Mutex::new(State::default()),
        }
    }

    /// A key with at least `--min-remaining` of life.
    pub async fn key(&self) -> Result<Secret, NoKey> {
        let mut state = self.state.lock().await;
        if let Some((entry, at)) = &state.current
            && at.elapsed() < RECHECK
            && entry.remaining(now_unix()) >= self.settings.min_remaining as i64
        {
            return Ok(token(entry));
        }
        let refresh = self.settings.refresh && !state.refreshed;
        self.lookup(&mut state, refresh).await
    }

    /// Upstream said `used` has expired: a newer key if another request
    /// already got one, else a new one made now.
    pub async fn renew(&self, used: &Secret) -> Result<Secret, NoKey> {
        let mut state = self.state.lock().await;
        if let Some((entry, _)) = &state.current
            && &token(entry) != used
            && entry.remaining(now_unix()) >= self.settings.min_remaining as i64
        {
            return Ok(token(entry));
        }
        ui::line("Bedrock says the key has expired before its time: making a new one");
        self.lookup(&mut state, true).await
    }

    async fn lookup(&self, state: &mut State, refresh: bool) -> Result<Secret, NoKey> {
        let mut settings = self.settings.clone();
        settings.refresh = refresh;
        let result = tokio::task::spawn_blocking(move || {
            // Each lookup starts as a new process would: the entry this
            // gateway wrote itself a while ago was not made by another
            // process while it waited for the lock.
            crate::duration::start_again();
            crate::provide::bedrock_key(&settings)
        })
        .await
        .unwrap_or_else(|e| Err(anyhow::anyhow!("the key lookup failed: {e}")));
        state.refreshed |= refresh;
        let now = now_unix();
        match result {
            Ok(entry) => {
                if state.problem.take().is_some() {
                    ui::line("keys can be made again");
                }
                let changed = state
                    .current
                    .as_ref()
                    .is_none_or(|(old, _)| token(old) != token(&entry));
                if changed {
                    ui::line(&format!(
                        "key for profile {} in {} expires at {} ({} left)",
                        entry.profile,
                        entry.region,
                        rfc3339(entry.expires_at),
                        format_secs(entry.remaining(now).max(0) as u64)
                    ));
                }
                let key = token(&entry);
                state.current = Some((entry, Instant::now()));
                Ok(key)
            }
            Err(err) => {
                let message = format!("could not get a Bedrock key: {err:#}");
                let next = Failure::of(&err)
                    .and_then(Failure::hint)
                    .map(str::to_string);
                let still = state
                    .current
                    .as_ref()
                    .filter(|(e, _)| e.remaining(now) >= FALLBACK_MIN_REMAINING);
                if state.problem.as_deref() != Some(message.as_str()) {
                    match (still, &next) {
                        (Some((e, _)), _) => ui::warn(&format!(
                            "{message}; using the last key until it expires at {}",
                            rfc3339(e.expires_at)
                        )),
                        (None, Some(hint)) => ui::line(&format!("error: {message}; {hint}")),
                        (None, None) => ui::line(&format!("error: {message}")),
                    }
                    state.problem = Some(message.clone());
                }
                match still {
                    Some((entry, _)) => Ok(token(entry)),
                    None => Err(NoKey { message, next }),
                }
            }
        }
    }
}

fn token(entry: &Entry) -> Secret {
    crate::output::token(entry).clone()
}
