//! The on-disk cache: one JSON entry per cache key, a separate `.lock` file
//! beside it, atomic replacement by rename.
//!
//! Readers never lock: writers write a temp file in the same directory,
//! fsync it, rename it over the entry and fsync the directory, so a reader
//! sees the old entry or the new one, never a torn one. Anything odd about an
//! entry (corrupt, foreign, future-dated, wrong owner or mode) makes it a
//! miss; anything odd about the directory makes the cache unusable, with a
//! warning, and the key is still made.

use crate::awsfiles::FilesStamp;
use crate::platform;
use crate::secret::Secret;
use crate::token::{self, MAX_LIFETIME_SECS};
use anyhow::{Context, Result, anyhow, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// 2: entries carry the AWS files' fingerprint.
pub const VERSION: u32 = 2;
/// Entries are about 2 KiB; anything much larger is not ours.
const MAX_ENTRY_BYTES: u64 = 64 * 1024;

/// One cached answer: a Bedrock key, or AWS credentials for
/// `credential-process`. Its fields other than the payload are what `cache
/// list` shows and what validation checks the payload against.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub version: u32,
    /// The cache key's hash: an entry copied under another name is foreign.
    pub key: String,
    pub profile: String,
    pub region: String,
    /// Requested lifetime, seconds.
    pub duration: u64,
    /// Signing (or fetching) instant, Unix seconds.
    pub created_at: i64,
    /// When the key (or credentials) stop working: the earlier of
    /// `created_at + duration` and `credentials_expire_at`.
    pub expires_at: i64,
    pub credentials_expire_at: Option<i64>,
    /// SHA-256 of the access key id that signed the key.
    pub access_key_hash: String,
    /// aws-config's name for where the credentials came from.
    pub source: String,
    /// The AWS files as they were when the request was made: the entry is
    /// stale once they differ.
    pub aws_files: FilesStamp,
    #[serde(flatten)]
    pub payload: Payload,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Payload {
    BedrockKey {
        #[serde(serialize_with = "Secret::serialize_exposed")]
        token: Secret,
    },
    AwsCredentials {
        access_key_id: String,
        #[serde(serialize_with = "Secret::serialize_exposed")]
        secret_access_key: Secret,
        #[serde(serialize_with = "Secret::serialize_exposed_option")]
        session_token: Option<Secret>,
    },
}

pub fn sha256_hex(data: &[u8]) -> String {
    let digest = Sha256::digest(data);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Times outside 2000-01-01 .. 3000-01-01 are not ours: every time field is
/// checked against these before any arithmetic.
const EARLIEST: i64 = 946_684_800;
const LATEST: i64 = 32_503_680_000;

impl Entry {
    /// Seconds of life left at `now`.
    pub fn remaining(&self, now: i64) -> i64 {
        self.expires_at.saturating_sub(now)
    }

    /// Checks the entry is whole, ours, and says what its payload says.
    /// A failed check is a cache miss, so the reason is only for `-v`.
    pub fn validate(&self, key: &str, now: i64) -> Result<()> {
        if self.version != VERSION {
            bail!("version {} is not {VERSION}", self.version);
        }
        if self.key != key {
            bail!("it belongs to another cache key");
        }
        let in_range = |t: i64| (EARLIEST..=LATEST).contains(&t);
        if !in_range(self.created_at)
            || !in_range(self.expires_at)
            || self.credentials_expire_at.is_some_and(|c| !in_range(c))
            || !(1..=MAX_LIFETIME_SECS).contains(&self.duration)
        {
            bail!("a time or duration is out of range");
        }
        if self.created_at > now {
            bail!("it was made in the future (has the clock moved back?)");
        }
        let latest = self.created_at + self.duration as i64;
        if self.expires_at > latest || self.expires_at < self.created_at {
            bail!("its expiry lies beyond its lifetime");
        }
        if let Some(c) = self.credentials_expire_at
            && self.expires_at > c
        {
            bail!("its expiry lies beyond its credentials'");
        }
        match &self.payload {
            Payload::BedrockKey { token } => {
                let decoded = token::decode(token.expose())?;
                if decoded.region != self.region {
                    bail!(
                        "its key is for region {}, not {}",
                        decoded.region,
                        self.region
                    );
                }
                if decoded.signed_at != self.created_at || decoded.expires_in != self.duration {
                    bail!("its key's signing time or lifetime does not match");
                }
                if sha256_hex(decoded.access_key_id.as_bytes()) != self.access_key_hash {
                    bail!("its key was signed by other credentials");
                }
            }
            Payload::AwsCredentials { access_key_id, .. } => {
                if sha256_hex(access_key_id.as_bytes()) != self.access_key_hash {
                    bail!("its access key id does not match");
                }
            }
        }
        Ok(())
    }
}

/// Parses and validates an entry file's bytes for cache key `key` at `now`.
/// Any input gives an entry or an error that quotes none of it.
pub fn parse_entry(bytes: Vec<u8>, key: &str, now: i64) -> Result<Entry> {
    let entry = decode(bytes)?;
    entry.validate(key, now)?;
    Ok(entry)
}

/// Bytes to an entry, unchecked; errors quote none of the input.
fn decode(bytes: Vec<u8>) -> Result<Entry> {
    if bytes.len() as u64 > MAX_ENTRY_BYTES {
        bail!("it is too large");
    }
    let text = Secret::new(String::from_utf8(bytes).map_err(|_| anyhow!("it is not UTF-8"))?);
    serde_json::from_str(text.expose()).map_err(|e| {
        // serde's message may quote the input: keep only where it broke.
        anyhow!(
            "it is not a valid entry (line {}, column {})",
            e.line(),
            e.column()
        )
    })
}

/// A usable cache directory.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

/// Where one cache key lives.
#[derive(Debug, Clone)]
pub struct Slot {
    pub key: String,
    pub entry: PathBuf,
    pub lock: PathBuf,
}

/// What was on disk at a read: enough to tell whether another process
/// replaced the entry since.
pub type Stamp = platform::FileId;

pub struct Lookup {
    pub stamp: Option<Stamp>,
    pub entry: Result<Entry>,
}

impl Cache {
    /// The cache in `dir`, without touching the disk: the hit path only reads.
    pub fn at(dir: PathBuf) -> Cache {
        Cache { dir }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Makes the directory (mode 0700 by the mkdir itself; on Windows, a
    /// DACL for this user only, set by the creation) if missing, and
    /// checks it is safe to keep secrets in.
    pub fn prepare(&self) -> Result<()> {
        match fs::symlink_metadata(&self.dir) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                platform::create_private_dir(&self.dir).with_context(|| {
                    format!("could not create cache directory {}", self.dir.display())
                })?;
            }
            Err(e) => {
                return Err(e).with_context(|| {
                    format!("could not read cache directory {}", self.dir.display())
                });
            }
            Ok(_) => {}
        }
        self.check_dir()
    }

    /// The directory must be a real directory of ours, closed to others.
    pub fn check_dir(&self) -> Result<()> {
        let meta = fs::symlink_metadata(&self.dir)
            .with_context(|| format!("could not read cache directory {}", self.dir.display()))?;
        let path = self.dir.display();
        if platform::is_link(&meta) {
            bail!(
                "cache directory {path} is a symbolic link; remove it (rm {path}) or choose another with --cache-dir"
            );
        }
        if !meta.is_dir() {
            bail!(
                "cache path {path} is not a directory; remove it or choose another with --cache-dir"
            );
        }
        if platform::is_shared_dir(&meta)
            && platform::check_private(&meta, None, &self.dir, "", 0o700).is_err()
        {
            bail!(
                "cache directory {path} is shared with other users ({}); a shared directory must not be changed: use a private one instead, {}",
                shared_why(&meta),
                private_dir_instead(&self.dir)
            );
        }
        platform::check_private(&meta, None, &self.dir, "cache directory", 0o700)
    }

    pub fn slot(&self, kind: &str, material: &str) -> Slot {
        let key = sha256_hex(format!("bedrock-token/{VERSION}\0{kind}\0{material}").as_bytes());
        let name = format!("{kind}-{}", &key[..32]);
        Slot {
            entry: self.dir.join(format!("{name}.json")),
            lock: self.dir.join(format!("{name}.lock")),
            key,
        }
    }

    /// Every file of ours in the directory (entries, lock files, login
    /// markers), for `cache list` and `cache clear --all`.
    pub fn files(&self) -> Result<Vec<PathBuf>> {
        let mut out = Vec::new();
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => {
                return Err(e).with_context(|| {
                    format!("could not list cache directory {}", self.dir.display())
                });
            }
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if ["bedrock-key-", "aws-credentials-", "login-"]
                .iter()
                .any(|p| name.starts_with(p))
                && [".json", ".lock", ".done"]
                    .iter()
                    .any(|e| name.ends_with(e))
            {
                out.push(path);
            }
        }
        out.sort();
        Ok(out)
    }
}

/// Why a directory counts as shared, for the warning.
fn shared_why(meta: &fs::Metadata) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.uid() != platform::euid() {
            return format!(
                "owned by uid {}, mode {:o}",
                meta.uid(),
                meta.mode() & 0o7777
            );
        }
        format!("mode {:o}", meta.mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        "another user's".to_string()
    }
}

/// A private directory to name instead of a shared one: the per-user
/// default, unless that is the shared one.
fn private_dir_instead(shared: &Path) -> String {
    let default = crate::environment::home()
        .ok()
        .flatten()
        .and(directories::ProjectDirs::from("", "", "bedrock-token"))
        .map(|d| d.cache_dir().to_path_buf())
        .filter(|d| d.is_absolute() && d != shared);
    match default {
        Some(d) => format!(
            "such as the per-user default {} (drop the --cache-dir, BEDROCK_TOKEN_CACHE_DIR or cache_dir that chose this one)",
            d.display()
        ),
        None => "made with: mkdir -m 700 DIR, then --cache-dir DIR".to_string(),
    }
}

/// A path we must not use: a symlink, another user's file, or one open to
/// others. Unlike a bad entry, it is the user's to fix, so it is reported.
#[derive(Debug)]
pub struct Unsafe(pub String);

impl std::fmt::Display for Unsafe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unsafe {}

/// No file at the path.
#[derive(Debug)]
pub struct Missing;

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no cached entry")
    }
}

impl std::error::Error for Missing {}

/// The one way any command reads a cache file: never through a symlink
/// (`O_NOFOLLOW`; on Windows, no reparse point), never blocking on a FIFO
/// (`O_NONBLOCK`), a regular file
/// only, ours and closed to others, and at most [`MAX_ENTRY_BYTES`]. A
/// symlink, another user's file or one open to others is [`Unsafe`].
pub fn read_file(path: &Path) -> Result<(Stamp, Vec<u8>)> {
    let p = path.display();
    let file = match platform::open_read(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Missing.into()),
        Err(e) if platform::is_link_error(&e) => {
            return Err(Unsafe(format!(
                "cache entry {p} is a symbolic link; remove it: rm {p}"
            ))
            .into());
        }
        Err(e) => return Err(anyhow!(e).context(format!("could not open {p}"))),
    };
    let meta = file
        .metadata()
        .with_context(|| format!("could not read {p}"))?;
    if !meta.is_file() {
        bail!(Unsafe(format!(
            "cache entry {p} is not a regular file; remove it: rm {p}"
        )));
    }
    platform::check_private(&meta, Some(&file), path, "cache entry", 0o600)
        .map_err(|e| Unsafe(format!("{e:#}")))?;
    if meta.len() > MAX_ENTRY_BYTES {
        bail!("it is too large");
    }
    let stamp = platform::file_id(&file, &meta);
    let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
    Read::take(&file, MAX_ENTRY_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("could not read {p}"))?;
    Ok((stamp, bytes))
}

/// An entry file's fields for `cache list` and `doctor`, read as a hit reads
/// it but without the checks that need the cache key.
pub fn read_header(path: &Path) -> Result<Entry> {
    decode(read_file(path)?.1)
}

impl Slot {
    /// Reads and validates the entry without locking. `stamp` is `None` when
    /// there is no entry file at all.
    pub fn read(&self, now: i64) -> Lookup {
        match read_file(&self.entry) {
            Ok((stamp, bytes)) => Lookup {
                stamp: Some(stamp),
                entry: parse_entry(bytes, &self.key, now),
            },
            Err(e) if e.downcast_ref::<Missing>().is_some() => Lookup {
                stamp: None,
                entry: Err(e),
            },
            // Something is there that we cannot use: a stamp that matches
            // no entry we could write.
            Err(e) => Lookup {
                stamp: Some(Stamp::default()),
                entry: Err(e),
            },
        }
    }

    /// Takes the exclusive lock on this key's lock file, waiting at most
    /// `timeout`. The lock goes when the returned file is dropped or the
    /// process dies, so a killed holder never blocks the next caller.
    ///
    /// `patience`: while `busy()` says the holder is waiting on something
    /// with its own bound (a login), keep waiting up to `limit` in all.
    pub fn lock(
        &self,
        timeout: Duration,
        patience: Option<(&dyn Fn() -> bool, Duration)>,
    ) -> Result<File> {
        let file = platform::open_lock(&self.lock).map_err(|e| {
            let p = self.lock.display();
            if platform::is_link_error(&e) {
                anyhow!("lock file {p} is a symbolic link; remove it: rm {p}")
            } else {
                anyhow!(e).context(format!("could not open lock file {p}"))
            }
        })?;
        platform::check_private(
            &file.metadata()?,
            Some(&file),
            &self.lock,
            "lock file",
            0o600,
        )?;
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) => {}
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("could not lock {}", self.lock.display()));
            }
        }
        // Wait on a thread so that the wait can be bounded; if it times out
        // the thread stays blocked until the process exits, holding nothing.
        let (tx, rx) = std::sync::mpsc::channel();
        let started = Instant::now();
        std::thread::spawn(move || {
            let result = file.lock().map(|()| file);
            let _ = tx.send(result);
        });
        let mut deadline = started + timeout;
        loop {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(Ok(file)) => return Ok(file),
                Ok(Err(e)) => {
                    return Err(e)
                        .with_context(|| format!("could not lock {}", self.lock.display()));
                }
                Err(_) => {}
            }
            // The holder may be waiting for a person to log in: wait for
            // that, within its own bound, checking once a second.
            match patience {
                Some((busy, limit)) if started.elapsed() < limit && busy() => {
                    deadline = (Instant::now() + Duration::from_secs(1)).min(started + limit);
                }
                _ => break,
            }
        }
        Err(crate::error::Failure::LockTimeout {
            message: format!(
                "timed out after {} waiting for lock file {} (another bedrock-token is making this key)",
                crate::duration::format_secs(started.elapsed().as_secs()),
                self.lock.display()
            ),
            hint: "try again; if no other bedrock-token is running, use --lock-timeout or --no-cache"
                .into(),
        }
        .into())
    }

    /// Replaces the entry atomically (see [`crate::fsutil::atomic_write`]).
    /// Call with the lock held: any temp file of this entry then belongs to
    /// a writer that died mid-write, and is removed first.
    pub fn write(&self, entry: &Entry) -> Result<()> {
        crate::fsutil::remove_leftover_temps(&self.entry);
        let json =
            Secret::new(serde_json::to_string(entry).context("could not encode cache entry")?);
        crate::fsutil::atomic_write(&self.entry, json.expose().as_bytes())
    }

    pub fn remove(&self) -> Result<bool> {
        match fs::remove_file(&self.entry) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e).with_context(|| format!("could not remove {}", self.entry.display())),
        }
    }
}

/// A well-formed entry under cache key `key`: a key signed at `created_at`
/// for an hour with the documented example credentials.
#[cfg(test)]
pub(crate) fn example_entry(key: &str, created_at: i64) -> Entry {
    let creds = aws_credential_types::Credentials::new(
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        None,
        None,
        "test",
    );
    let at = std::time::UNIX_EPOCH + Duration::from_secs(created_at as u64);
    Entry {
        version: VERSION,
        key: key.into(),
        profile: "default".into(),
        region: "us-east-1".into(),
        duration: 3600,
        created_at,
        expires_at: created_at + 3600,
        credentials_expire_at: None,
        access_key_hash: sha256_hex(b"AKIAIOSFODNN7EXAMPLE"),
        source: "test".into(),
        aws_files: FilesStamp::default(),
        payload: Payload::BedrockKey {
            token: token::sign(&creds, "us-east-1", 3600, at).unwrap(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KEY: &str = "k";

    fn good_entry() -> Entry {
        example_entry(KEY, 1_800_000_000)
    }

    fn bytes(e: &Entry) -> Vec<u8> {
        serde_json::to_vec(e).unwrap()
    }

    #[test]
    fn a_good_entry_round_trips() {
        let e = good_entry();
        let back = parse_entry(bytes(&e), KEY, 1_800_000_100).unwrap();
        assert_eq!(back.payload, e.payload);
        assert_eq!(back.expires_at, e.expires_at);
    }

    #[test]
    fn poisoned_and_clock_skewed_entries_are_rejected() {
        let now = 1_800_000_100;
        type Edit = Box<dyn Fn(&mut Entry)>;
        let cases: Vec<(&str, Edit)> = vec![
            ("other region", Box::new(|e| e.region = "eu-west-1".into())),
            (
                "other access key",
                Box::new(|e| e.access_key_hash = sha256_hex(b"AKIAOTHER")),
            ),
            ("signed in the future", Box::new(|e| e.created_at += 1000)),
            (
                "expiry beyond 12 h",
                Box::new(|e| {
                    e.duration = 50_000;
                    e.expires_at = e.created_at + 50_000;
                }),
            ),
            ("expiry beyond duration", Box::new(|e| e.expires_at += 1)),
            (
                "expiry beyond credentials",
                Box::new(|e| e.credentials_expire_at = Some(e.expires_at - 1)),
            ),
            ("other cache key", Box::new(|e| e.key = "other".into())),
            (
                "signed at the dawn of time",
                Box::new(|e| {
                    e.created_at = i64::MIN;
                    e.expires_at = i64::MAX;
                }),
            ),
            (
                "expires at the end of time",
                Box::new(|e| e.expires_at = i64::MAX),
            ),
            ("no lifetime", Box::new(|e| e.duration = 0)),
            (
                "expires before it was made",
                Box::new(|e| e.expires_at = e.created_at - 1),
            ),
            (
                "foreign host",
                Box::new(|e| {
                    use base64::Engine;
                    let b64 = base64::engine::general_purpose::STANDARD;
                    let Payload::BedrockKey { token } = &e.payload else {
                        unreachable!()
                    };
                    let url = String::from_utf8(
                        b64.decode(&token.expose()[token::PREFIX.len()..]).unwrap(),
                    )
                    .unwrap();
                    let forged = url.replace(token::HOST, "bedrock.evil.example");
                    e.payload = Payload::BedrockKey {
                        token: Secret::new(format!("{}{}", token::PREFIX, b64.encode(forged))),
                    };
                }),
            ),
        ];
        for (what, edit) in cases {
            let mut e = good_entry();
            edit(&mut e);
            assert!(
                parse_entry(bytes(&e), KEY, now).is_err(),
                "{what} must be a miss"
            );
        }
        // The clock moved back below the signing instant.
        assert!(parse_entry(bytes(&good_entry()), KEY, 1_799_999_999).is_err());
    }

    proptest! {
        #[test]
        fn any_bytes_give_an_entry_or_an_error(data in proptest::collection::vec(any::<u8>(), 0..4096)) {
            let _ = parse_entry(data, KEY, 1_800_000_100);
        }

        #[test]
        fn any_mutation_of_a_good_entry_never_panics(pos in 0usize..2000, byte in any::<u8>(), cut in 0usize..2000) {
            let mut b = bytes(&good_entry());
            let i = pos % b.len();
            b[i] = byte;
            b.truncate(cut.max(1).min(b.len()));
            let _ = parse_entry(b, KEY, 1_800_000_100);
        }
    }
}
