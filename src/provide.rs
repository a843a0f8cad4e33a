//! The whole flow, top to bottom: look in the cache, lock, look again, make
//! the key (or credentials), store it, hand it back. Renderers print it.
//!
//! The hit path is the first few lines of [`obtain`]: a stat or two and one
//! small file read. aws-config and the async runtime load only past them.

use crate::awsfiles::Files;
use crate::cache::{self, Cache, Entry, Lookup, Payload, Slot};
use crate::credentials;
use crate::duration::{format_secs, now_unix, rfc3339};
use crate::error::{Failure, with_hint};
use crate::recursion;
use crate::settings::{CacheDir, Settings};
use crate::token;
use crate::ui;
use anyhow::Result;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A cached key with less life than this is never handed out as a fallback.
const FALLBACK_MIN_REMAINING: i64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    BedrockKey,
    AwsCredentials,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::BedrockKey => "bedrock-key",
            Kind::AwsCredentials => "aws-credentials",
        }
    }
}

/// A Bedrock key for these settings, from the cache or freshly signed.
pub fn bedrock_key(s: &Settings) -> Result<Entry> {
    obtain(s, Kind::BedrockKey, &now_unix)
}

/// The profile's AWS credentials, from the cache or freshly resolved.
pub fn aws_credentials(s: &Settings) -> Result<Entry> {
    obtain(s, Kind::AwsCredentials, &now_unix)
}

/// The cache slot for these settings, if the cache is on.
pub fn slot(s: &Settings, kind: Kind) -> Option<(Cache, Slot)> {
    match &s.cache {
        CacheDir::Dir(dir) => {
            let cache = Cache::at(dir.clone());
            let duration = (kind == Kind::BedrockKey).then_some(s.duration);
            let slot = cache.slot(
                kind.name(),
                &s.request.cache_material(kind.name(), duration),
            );
            Some((cache, slot))
        }
        CacheDir::Off | CacheDir::Unavailable(_) => None,
    }
}

/// The clock, Unix seconds: passed in, so the expiry logic is tested at
/// any instant without sleeping.
pub type Clock<'a> = &'a dyn Fn() -> i64;

fn obtain(s: &Settings, kind: Kind, clock: Clock) -> Result<Entry> {
    let started = crate::duration::process_started();
    let now = clock();
    let Some((cache, slot)) = slot(s, kind) else {
        if let CacheDir::Unavailable(why) = &s.cache {
            ui::warn(&format!("not caching: {why}"));
        }
        recursion::check(&s.request.profile)?;
        return make(s, kind, clock);
    };

    // Hit: a valid entry with enough life left, made from the AWS files as
    // they are now, in a directory that is ours alone.
    let first = slot.read(now);
    if first.stamp.is_some()
        && let Err(e) = cache.check_dir()
    {
        ui::warn(&format!("not caching: {e:#}"));
        recursion::check(&s.request.profile)?;
        return make(s, kind, clock);
    }
    if !s.refresh
        && let Ok(entry) = &first.entry
        && entry.remaining(now) >= s.min_remaining as i64
        && entry.aws_files == s.request.aws_files
    {
        report(entry, "cached", &slot, now);
        return Ok(entry.clone());
    }

    // Miss. A profile whose credential_process runs us for itself must stop
    // here, before waiting on the lock its parent holds.
    recursion::check(&s.request.profile)?;
    if let Err(why) = &first.entry
        && let Some(unsafe_path) = why.downcast_ref::<cache::Unsafe>()
    {
        ui::warn(&format!("not caching: {unsafe_path}"));
        return make(s, kind, clock);
    }
    if let Err(why) = &first.entry
        && first.stamp.is_some()
    {
        ui::verbose(&format!(
            "ignoring cache entry {}: {why:#}",
            slot.entry.display()
        ));
    }

    // Take the lock, then look again, since another process may have made
    // the key while we waited.
    if let Err(e) = cache.prepare() {
        ui::warn(&format!("not caching: {e:#}"));
        return make(s, kind, clock);
    }
    let login_busy = || crate::login::in_progress(s);
    let patience: Option<(&dyn Fn() -> bool, Duration)> = s
        .login
        .then_some((&login_busy, Duration::from_secs(s.login_timeout)));
    let _lock = match slot.lock(Duration::from_secs(s.lock_timeout), patience) {
        Ok(lock) => lock,
        Err(e) if matches!(Failure::of(&e), Some(Failure::LockTimeout { .. })) => {
            return fallback(s, e, &[&first], clock());
        }
        Err(e) => {
            ui::warn(&format!("not caching: {e:#}"));
            return make(s, kind, clock);
        }
    };
    let now = clock();
    let second = slot.read(now);
    // Another process made it if it changed while we waited, or was written
    // after we started and not after now (we may have read it only after it
    // was replaced; a file time in the future proves nothing).
    let written = second.stamp.map(|st| st.mtime_ns);
    let made_by_another = second.stamp != first.stamp
        || written.is_some_and(|w| w >= unix_nanos(started) && w <= unix_nanos(SystemTime::now()));
    if made_by_another
        && let Ok(entry) = &second.entry
        && entry.remaining(now) > 0
        && entry.aws_files == s.request.aws_files
    {
        // Made by another process while we waited: use it even if short,
        // since making another would cost the same and give the same.
        if entry.remaining(now) < s.min_remaining as i64 {
            ui::warn(&format!(
                "the credentials of profile {} cannot meet --min-remaining {}: they expire at {}",
                entry.profile,
                format_secs(s.min_remaining),
                rfc3339(entry.expires_at)
            ));
        }
        report(entry, "made by another process", &slot, now);
        return Ok(entry.clone());
    }

    match make(s, kind, clock) {
        Ok(mut entry) => {
            entry.key = slot.key.clone();
            if let Err(e) = slot.write(&entry) {
                ui::warn(&format!("could not cache the new key: {e:#}"));
            }
            Ok(entry)
        }
        Err(e) => fallback(s, e, &[&second, &first], now),
    }
}

/// When making a new key fails, a cached one with a minute of life left is
/// still better than nothing (unless the settings say otherwise). `reads`
/// are the cache reads, newest first.
fn fallback(s: &Settings, err: anyhow::Error, reads: &[&Lookup], now: i64) -> Result<Entry> {
    let cached = reads
        .iter()
        .filter(|_| s.fallback)
        .filter_map(|r| r.entry.as_ref().ok())
        .find(|e| e.remaining(now) >= FALLBACK_MIN_REMAINING);
    match cached {
        Some(entry) => {
            ui::warn(&format!(
                "could not make a new one ({err:#}); using the cached one, which expires at {} ({} left)",
                rfc3339(entry.expires_at),
                format_secs(entry.remaining(now) as u64)
            ));
            Ok(entry.clone())
        }
        None => Err(err),
    }
}

fn unix_nanos(t: SystemTime) -> i128 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128)
}

fn report(entry: &Entry, how: &str, slot: &Slot, now: i64) {
    ui::verbose(&format!(
        "{how} {} for profile {} in {} (credentials from {}), expires at {} ({} left), cache {}",
        match entry.payload {
            Payload::BedrockKey { .. } => "key",
            Payload::AwsCredentials { .. } => "credentials",
        },
        entry.profile,
        entry.region,
        entry.source,
        rfc3339(entry.expires_at),
        format_secs(entry.remaining(now).max(0) as u64),
        slot.entry.display()
    ));
}

/// The profile's AWS credentials, resolved now, for calls signed in
/// `region`: the profile must exist, an expired login may be renewed
/// (`--login`), and credentials already expired are an error that says how
/// to renew them. Also used by `key`, which calls IAM with them.
pub fn credentials(s: &Settings, region: &str) -> Result<credentials::Resolved> {
    credentials_at(s, || Ok(region.to_string()), &now_unix).map(|(resolved, ..)| resolved)
}

/// [`credentials`], with the region (asked for once the profile is known
/// to exist) and the instant (by `clock`) they were found valid.
fn credentials_at(
    s: &Settings,
    region: impl FnOnce() -> Result<String>,
    clock: Clock,
) -> Result<(credentials::Resolved, String, i64)> {
    let req = &s.request;
    let profile = &req.profile;
    let files = Files::load(&req.paths);
    if profile != "default" && !files.has_profile(profile) {
        return Err(with_hint(
            format!(
                "profile {profile} is not in {} or {}",
                req.paths.config.display(),
                req.paths.credentials.display()
            ),
            format!(
                "check the name (aws configure list-profiles), or create it: aws configure --profile {profile}"
            ),
        ));
    }
    let region = region()?;
    let resolved = crate::login::with_login(s, &files, || {
        // Children of the chain (credential_process) see who asked, so one
        // that runs us for the same profile stops at once.
        let _marker = recursion::Marker::enter(profile);
        credentials::resolve(req, &region, files.get(profile, "role_arn"))
    })?;
    let now = clock();
    if let Some(exp) = resolved.expires_at
        && exp <= now
    {
        return Err(with_hint(
            format!(
                "the AWS credentials of profile {} expired at {}",
                profile,
                rfc3339(exp)
            ),
            files
                .login_command(profile)
                .map(|c| format!("run: {c}"))
                .unwrap_or_else(|| "renew the credentials of the profile and try again".into()),
        ));
    }
    Ok((resolved, region, now))
}

/// Resolves credentials and signs (or, for credential-process, keeps them).
/// The AWS files' fingerprint stored is the request's, taken before the
/// files were read, so an edit during the call makes the entry stale.
fn make(s: &Settings, kind: Kind, clock: Clock) -> Result<Entry> {
    let req = &s.request;
    let profile = &req.profile;
    // Whole seconds, as X-Amz-Date carries them.
    let (resolved, region, created_at) =
        credentials_at(s, || Ok(req.region()?.to_string()), clock)?;
    let at = UNIX_EPOCH + Duration::from_secs(created_at as u64);
    let creds = &resolved.credentials;
    let access_key_hash = cache::sha256_hex(creds.access_key_id().as_bytes());
    let (payload, duration, expires_at) = match kind {
        Kind::BedrockKey => {
            let token = token::sign(creds, &region, s.duration, at)?;
            let requested = created_at + s.duration as i64;
            let expires_at = resolved.expires_at.map_or(requested, |c| c.min(requested));
            if expires_at < requested {
                ui::note(&format!(
                    "key valid for {} only: credentials of profile {} expire at {}",
                    format_secs((expires_at - created_at) as u64),
                    profile,
                    rfc3339(expires_at)
                ));
            }
            (Payload::BedrockKey { token }, s.duration, expires_at)
        }
        Kind::AwsCredentials => {
            // Credentials without an expiry are long-term keys: re-read them
            // every 12 hours anyway, in case they were rotated.
            let cap = created_at + token::MAX_LIFETIME_SECS as i64;
            let expires_at = resolved.expires_at.map_or(cap, |c| c.min(cap));
            (
                Payload::AwsCredentials {
                    access_key_id: creds.access_key_id().to_string(),
                    secret_access_key: creds.secret_access_key().to_string().into(),
                    session_token: creds.session_token().map(|t| t.to_string().into()),
                },
                (expires_at - created_at) as u64,
                expires_at,
            )
        }
    };
    let entry = Entry {
        version: cache::VERSION,
        // Set by the caller that stores it.
        key: String::new(),
        profile: profile.clone(),
        region,
        duration,
        created_at,
        expires_at,
        credentials_expire_at: resolved.expires_at,
        access_key_hash,
        source: resolved.source,
        aws_files: req.aws_files,
        payload,
    };
    ui::verbose(&format!(
        "new {} for profile {} in {} (credentials from {}), expires at {}",
        if kind == Kind::BedrockKey {
            "key"
        } else {
            "credentials"
        },
        entry.profile,
        entry.region,
        entry.source,
        rfc3339(entry.expires_at)
    ));
    Ok(entry)
}

#[cfg(test)]
mod tests {
    //! The hit, miss and fallback decisions at chosen instants. The profile
    //! is in no AWS file, so a miss fails before any credential lookup.
    use super::*;
    use crate::awsfiles::{FilesStamp, Paths};
    use crate::settings::Request;

    const T: i64 = 1_800_000_000;

    fn settings(dir: &std::path::Path) -> Settings {
        // The fallback's warnings are expected here: keep the test log clean.
        crate::ui::set_level(true, false);
        let paths = Paths {
            config: dir.join("config"),
            credentials: dir.join("credentials"),
        };
        Settings {
            request: Request {
                profile: "nowhere".into(),
                env_credentials_first: false,
                region: Some("us-east-1".into()),
                region_problem: None,
                aws_files: FilesStamp::read(&paths),
                paths,
                identity_env: vec![],
            },
            duration: 3600,
            min_remaining: 900,
            cache: CacheDir::Dir(dir.join("cache")),
            refresh: false,
            lock_timeout: 1,
            login: false,
            login_timeout: 1,
            fallback: true,
        }
    }

    /// Caches a key signed at `T` for an hour.
    fn cache_one(s: &Settings) -> Entry {
        let (cache, slot) = slot(s, Kind::BedrockKey).unwrap();
        cache.prepare().unwrap();
        let mut entry = cache::example_entry(&slot.key, T);
        entry.profile = s.request.profile.clone();
        entry.aws_files = s.request.aws_files;
        slot.write(&entry).unwrap();
        // Written before "this process" started: not made by another
        // process while we waited, whatever the other tests did first.
        crate::duration::start_again();
        entry
    }

    fn at(s: &Settings, now: i64) -> Result<Entry> {
        obtain(s, Kind::BedrockKey, &|| now)
    }

    /// Whether a call went past the hit: only a miss takes the lock, and
    /// so creates the lock file. Removes it for the next call.
    fn missed(s: &Settings) -> bool {
        let (_, slot) = slot(s, Kind::BedrockKey).unwrap();
        std::fs::remove_file(&slot.lock).is_ok()
    }

    #[test]
    fn a_key_is_reused_while_it_has_min_remaining_then_falls_back_then_fails() {
        let dir = tempfile::tempdir().unwrap();
        let s = settings(dir.path());
        let cached = cache_one(&s);
        // Plenty of life: a hit.
        assert_eq!(at(&s, T + 100).unwrap().payload, cached.payload);
        assert_eq!(at(&s, T + 3600 - 900).unwrap().payload, cached.payload);
        assert!(!missed(&s));
        // Below --min-remaining: a miss; making a new one fails, and the
        // cached key, with more than a minute left, is the fallback.
        assert_eq!(at(&s, T + 3600 - 899).unwrap().payload, cached.payload);
        assert!(missed(&s));
        assert_eq!(at(&s, T + 3600 - 60).unwrap().payload, cached.payload);
        // Under a minute: the error itself.
        let err = at(&s, T + 3600 - 59).unwrap_err();
        assert!(
            format!("{err:#}").contains("profile nowhere is not in"),
            "{err:#}"
        );
        // A clock behind the signing instant: the entry is not trusted.
        assert!(at(&s, T - 10).is_err());
    }

    #[test]
    fn an_edit_of_the_aws_files_makes_the_entry_stale() {
        let dir = tempfile::tempdir().unwrap();
        let s = settings(dir.path());
        cache_one(&s);
        assert!(at(&s, T + 100).is_ok());
        assert!(!missed(&s));
        std::fs::write(dir.path().join("config"), "[default]\n").unwrap();
        // The next run's request sees the new fingerprint: a miss (served
        // by the fallback here, since no new key can be made).
        let mut edited = s.clone();
        edited.request.aws_files = FilesStamp::read(&edited.request.paths);
        assert!(at(&edited, T + 100).is_ok());
        assert!(missed(&edited));
    }

    #[test]
    fn without_fallback_a_failed_renewal_is_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = settings(dir.path());
        let cached = cache_one(&s);
        s.fallback = false;
        // A hit is still a hit; a miss that cannot make a key fails, even
        // with the cached key's life left.
        assert_eq!(at(&s, T + 100).unwrap().payload, cached.payload);
        let err = at(&s, T + 3600 - 899).unwrap_err();
        assert!(
            format!("{err:#}").contains("profile nowhere is not in"),
            "{err:#}"
        );
    }

    #[test]
    fn a_refresh_is_never_a_hit() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = settings(dir.path());
        cache_one(&s);
        s.refresh = true;
        assert!(at(&s, T + 100).is_ok());
        assert!(missed(&s));
    }
}
