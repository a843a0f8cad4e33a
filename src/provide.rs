//! The whole flow, top to bottom: look in the cache, lock, look again, make
//! the key (or credentials), store it, hand it back. Renderers print it.
//!
//! The hit path is the first few lines of [`obtain`]: a stat or two and one
//! small file read. aws-config and the async runtime load only past them.

use crate::awsfiles::Files;
use crate::cache::{self, Cache, Entry, Lookup, Payload, Slot};
use crate::credentials;
use crate::duration::{format_secs, now_unix, rfc3339};
use crate::error::with_hint;
use crate::settings::{CacheDir, Settings};
use crate::token;
use crate::ui;
use anyhow::Result;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A cached key with less life than this is never handed out as a fallback.
const FALLBACK_MIN_REMAINING: i64 = 60;

/// Variables that change which identity the credential chain finds.
const IDENTITY_ENV: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SESSION_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_EC2_METADATA_DISABLED",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_STS",
];

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
    obtain(s, Kind::BedrockKey)
}

/// The profile's AWS credentials, from the cache or freshly resolved.
pub fn aws_credentials(s: &Settings) -> Result<Entry> {
    obtain(s, Kind::AwsCredentials)
}

/// The cache slot for these settings, if the cache is on.
pub fn slot(s: &Settings, kind: Kind) -> Option<(Cache, Slot)> {
    match &s.cache {
        CacheDir::Dir(dir) => {
            let cache = Cache::at(dir.clone());
            let slot = cache.slot(kind.name(), &cache_material(s, kind));
            Some((cache, slot))
        }
        CacheDir::Off | CacheDir::Unavailable(_) => None,
    }
}

/// Everything that changes the answer. Hashed into the file name, never stored.
fn cache_material(s: &Settings, kind: Kind) -> String {
    let mut m = format!(
        "profile={}\0region={}\0config={}\0credentials={}\0",
        s.profile,
        s.region.as_deref().unwrap_or(""),
        s.paths.config.display(),
        s.paths.credentials.display(),
    );
    if kind == Kind::BedrockKey {
        m.push_str(&format!("duration={}\0", s.duration));
    }
    for name in IDENTITY_ENV {
        if let Some(v) = std::env::var_os(name) {
            m.push_str(&format!("{name}={}\0", v.to_string_lossy()));
        }
    }
    m
}

fn obtain(s: &Settings, kind: Kind) -> Result<Entry> {
    let started = crate::duration::process_started();
    let now = now_unix();
    let Some((cache, slot)) = slot(s, kind) else {
        if let CacheDir::Unavailable(why) = &s.cache {
            ui::warn(&format!("not caching: {why}"));
        }
        return make(s, kind);
    };

    // Hit: a valid entry with enough life left, newer than the AWS files,
    // in a directory that is ours alone.
    let first = slot.read(now);
    if first.stamp.is_some()
        && let Err(e) = cache.check_dir()
    {
        ui::warn(&format!("not caching: {e:#}"));
        return make(s, kind);
    }
    if !s.refresh
        && let Ok(entry) = &first.entry
        && entry.remaining(now) >= s.min_remaining as i64
        && !stale(s, &first)
    {
        report(entry, "cached", &slot);
        return Ok(entry.clone());
    }
    if let Err(why) = &first.entry
        && let Some(unsafe_path) = why.downcast_ref::<cache::Unsafe>()
    {
        ui::warn(&format!("not caching: {unsafe_path}"));
        return make(s, kind);
    }
    if let Err(why) = &first.entry
        && first.stamp.is_some()
    {
        ui::verbose(&format!(
            "ignoring cache entry {}: {why:#}",
            slot.entry.display()
        ));
    }

    // Miss: take the lock, then look again, since another process may have
    // made the key while we waited.
    if let Err(e) = cache.prepare() {
        ui::warn(&format!("not caching: {e:#}"));
        return make(s, kind);
    }
    let _lock = match slot.lock(Duration::from_secs(s.lock_timeout)) {
        Ok(lock) => lock,
        Err(e) if e.downcast_ref::<crate::error::Failure>().is_some() => {
            return fallback(e, &[&first], now_unix());
        }
        Err(e) => {
            ui::warn(&format!("not caching: {e:#}"));
            return make(s, kind);
        }
    };
    let now = now_unix();
    let second = slot.read(now);
    // Another process made it if it changed while we waited, or was written
    // after we started (we may have read it only after it was replaced).
    let made_by_another = second.stamp != first.stamp
        || second
            .stamp
            .is_some_and(|st| st.mtime_ns() >= unix_nanos(started));
    if made_by_another
        && let Ok(entry) = &second.entry
        && entry.remaining(now) > 0
        && !stale(s, &second)
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
        report(entry, "made by another process", &slot);
        return Ok(entry.clone());
    }

    match make(s, kind) {
        Ok(mut entry) => {
            entry.key = slot.key.clone();
            if let Err(e) = slot.write(&entry) {
                ui::warn(&format!("could not cache the new key: {e:#}"));
            }
            Ok(entry)
        }
        Err(e) => fallback(e, &[&second, &first], now),
    }
}

/// When making a new key fails, a cached one with a minute of life left is
/// still better than nothing. `reads` are the cache reads, newest first.
fn fallback(err: anyhow::Error, reads: &[&Lookup], now: i64) -> Result<Entry> {
    let cached = reads
        .iter()
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

/// An entry older than the last change to the AWS config or credentials
/// file may hold another identity: regenerate.
fn stale(s: &Settings, read: &Lookup) -> bool {
    let Some(written) = read.stamp.map(|st| st.mtime_ns()) else {
        return true;
    };
    [&s.paths.config, &s.paths.credentials].iter().any(|p| {
        std::fs::metadata(p)
            .and_then(|m| m.modified())
            .is_ok_and(|t| unix_nanos(t) > written)
    })
}

fn report(entry: &Entry, how: &str, slot: &Slot) {
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
        format_secs(entry.remaining(now_unix()).max(0) as u64),
        slot.entry.display()
    ));
}

/// The region of the key: given, or the profile's.
pub fn region(s: &Settings, files: &Files) -> Result<String> {
    if let Some(r) = &s.region {
        return Ok(r.clone());
    }
    match files.get(&s.profile, "region") {
        Some(r) => crate::cli::parse_region(r).map_err(|e| {
            with_hint(
                format!("profile {} in {}: {e}", s.profile, s.paths.config.display()),
                format!(
                    "fix the profile's region: aws configure set region us-east-1 --profile {}",
                    s.profile
                ),
            )
        }),
        None => Err(with_hint(
            format!("no AWS region for profile {}", s.profile),
            format!(
                "pass --region, set AWS_REGION, or run: aws configure set region us-east-1 --profile {}",
                s.profile
            ),
        )),
    }
}

/// Resolves credentials and signs (or, for credential-process, keeps them).
fn make(s: &Settings, kind: Kind) -> Result<Entry> {
    let files = Files::load(&s.paths);
    if s.profile != "default" && !files.has_profile(&s.profile) {
        return Err(with_hint(
            format!(
                "profile {} is not in {} or {}",
                s.profile,
                s.paths.config.display(),
                s.paths.credentials.display()
            ),
            format!(
                "check the name (aws configure list-profiles), or create it: aws configure --profile {}",
                s.profile
            ),
        ));
    }
    let region = region(s, &files)?;
    let role_arn = files.get(&s.profile, "role_arn");
    let resolved = crate::login::with_login(s, &files, || {
        credentials::resolve(&s.profile, s.profile_explicit, role_arn, &region, &s.paths)
    })?;

    // Whole seconds, as X-Amz-Date carries them.
    let created_at = now_unix();
    let at = UNIX_EPOCH + Duration::from_secs(created_at as u64);
    if let Some(exp) = resolved.expires_at
        && exp <= created_at
    {
        return Err(with_hint(
            format!(
                "the AWS credentials of profile {} expired at {}",
                s.profile,
                rfc3339(exp)
            ),
            files
                .login_command(&s.profile)
                .map(|c| format!("run: {c}"))
                .unwrap_or_else(|| "renew the credentials of the profile and try again".into()),
        ));
    }
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
                    s.profile,
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
        profile: s.profile.clone(),
        region,
        duration,
        created_at,
        expires_at,
        credentials_expire_at: resolved.expires_at,
        access_key_hash,
        source: resolved.source,
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
