//! Resolved settings: flags, then environment, then the config file, then
//! AWS defaults. Everything here is cheap, since the cache-hit path needs it.
//!
//! The [`Request`] is the part that decides the identity and the key; the
//! credential chain takes it and the cache key is its hash.

use crate::awsfiles::{Files, FilesStamp, Paths};
use crate::cli::{Global, parse_lifetime, parse_min_remaining, parse_region, parse_timeout};
use crate::environment::{IDENTITY_ENV, env, home};
use crate::error::{usage, with_hint};
use crate::secret::Secret;
use crate::token::MAX_LIFETIME_SECS;
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::{Path, PathBuf};

const DEFAULT_MIN_REMAINING: u64 = 15 * 60;
const DEFAULT_LOCK_TIMEOUT: u64 = 30;
const DEFAULT_LOGIN_TIMEOUT: u64 = 5 * 60;

#[derive(Debug, Clone)]
pub struct Settings {
    /// Who signs and where: see [`Request`].
    pub request: Request,
    pub duration: u64,
    pub min_remaining: u64,
    pub cache: CacheDir,
    pub refresh: bool,
    pub lock_timeout: u64,
    pub login: bool,
    pub login_timeout: u64,
    /// When making a new key fails, hand out a cached one that still has a
    /// minute of life, with a warning. Off in a watcher: its file already
    /// holds that key, and it logs the failure itself.
    pub fallback: bool,
}

/// Everything that decides which credentials the chain finds and which key
/// comes out: the credential chain is driven by this value and the cache key
/// is the hash of its serialized form, so no input can decide the one
/// without the other. A field that must not split the cache is
/// `#[serde(skip)]`, with the reason.
#[derive(Debug, Clone, Serialize)]
pub struct Request {
    pub profile: String,
    /// As in the AWS CLI, keys in the environment win over a profile from
    /// `AWS_PROFILE` or the implicit `default`, not over one named by
    /// `--profile` or the config file.
    pub env_credentials_first: bool,
    /// The effective region: given, or the profile's. The same region shares
    /// one entry however it was given.
    pub region: Option<String>,
    /// Why there is no usable region, when there is none: for the error.
    #[serde(skip)]
    pub region_problem: Option<RegionProblem>,
    pub paths: Paths,
    /// The identity-bearing environment, as it was when we started: each
    /// variable's value, or for a secret one ([`SECRET_IDENTITY_ENV`]) its
    /// SHA-256, so the cache still keys by it but this value, its `Debug`
    /// and the cache-key material never hold it.
    pub identity_env: Vec<(&'static str, String)>,
    /// Size, mtime and inode of the AWS files when the request was made:
    /// stored in each entry, whose key is stale once they differ. Not
    /// hashed, so an edit replaces the entry rather than adding one.
    #[serde(skip)]
    pub aws_files: FilesStamp,
}

/// Identity-bearing variables whose values are secrets: kept as digests.
const SECRET_IDENTITY_ENV: &[&str] = &["AWS_SESSION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN"];

/// The identity-bearing environment through `lookup` (the process's, in
/// use): see [`Request::identity_env`]. A secret value is held as a
/// [`Secret`] (zeroed on drop) only long enough to be hashed.
fn identity_env(
    lookup: impl Fn(&str) -> Result<Option<String>>,
) -> Result<Vec<(&'static str, String)>> {
    let mut out = Vec::new();
    for name in IDENTITY_ENV {
        let Some(value) = lookup(name)? else {
            continue;
        };
        if SECRET_IDENTITY_ENV.contains(name) {
            let secret = Secret::new(value);
            let digest = crate::cache::sha256_hex(secret.expose().as_bytes());
            out.push((*name, format!("sha256:{digest}")));
        } else {
            out.push((*name, value));
        }
    }
    Ok(out)
}

/// Where the profile name came from: what it changes is whether keys in the
/// environment win, and which source an invalid name is blamed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProfileSource {
    Flag,
    Environment,
    ConfigFile,
    Default,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionProblem {
    /// No region anywhere.
    Missing,
    /// The profile's `region` is not a region: the parser's message.
    Invalid(String),
}

impl Request {
    /// The region, or an error that says how to set one.
    pub fn region(&self) -> Result<&str> {
        if let Some(r) = &self.region {
            return Ok(r);
        }
        let profile = &self.profile;
        Err(match &self.region_problem {
            Some(RegionProblem::Invalid(e)) => with_hint(
                format!("profile {profile} in {}: {e}", self.paths.config.display()),
                format!(
                    "fix the profile's region: aws configure set region us-east-1 --profile {profile}"
                ),
            ),
            _ => with_hint(
                format!("no AWS region for profile {profile}"),
                format!(
                    "pass --region, set AWS_REGION, or run: aws configure set region us-east-1 --profile {profile}"
                ),
            ),
        })
    }

    /// The cache key's input for one kind of answer: this request, hashed
    /// whole, plus what the answer adds (a key's requested lifetime).
    pub fn cache_material(&self, kind: &str, duration: Option<u64>) -> String {
        let request = serde_json::to_string(self).expect("a request serializes");
        match duration {
            Some(d) => format!("{kind}\0duration={d}\0{request}"),
            None => format!("{kind}\0{request}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheDir {
    Dir(PathBuf),
    /// `--no-cache`.
    Off,
    /// No usable place: the reason, for a warning.
    Unavailable(String),
}

/// `config.toml`: defaults for callers that run us without arguments.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub duration: Option<DurationValue>,
    pub min_remaining: Option<DurationValue>,
    pub auto_login: Option<bool>,
    pub cache_dir: Option<PathBuf>,
}

/// `duration = "1h"` or `duration = 3600`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum DurationValue {
    Seconds(u64),
    Text(String),
}

impl DurationValue {
    fn text(&self) -> String {
        match self {
            DurationValue::Seconds(s) => s.to_string(),
            DurationValue::Text(t) => t.clone(),
        }
    }
}

/// The config file's path: `BEDROCK_TOKEN_CONFIG`, else the per-user one.
pub fn config_path() -> Result<Option<PathBuf>> {
    if let Some(p) = env("BEDROCK_TOKEN_CONFIG")? {
        return Ok(Some(PathBuf::from(p)));
    }
    if home()?.is_none() {
        return Ok(None);
    }
    Ok(directories::ProjectDirs::from("", "", "bedrock-token")
        .map(|d| d.config_dir().join("config.toml")))
}

/// A config file is a few lines; anything much larger is not one.
const MAX_CONFIG_BYTES: u64 = 64 * 1024;

pub fn load_file_config(path: &Path) -> Result<FileConfig> {
    match read_config(path)? {
        Some(text) => parse_file_config(&text, path),
        None => Ok(FileConfig::default()),
    }
}

/// Reads the config file as cache entries are read ([`crate::cache::read_file`]):
/// opened without blocking (`O_NONBLOCK`: a FIFO opens at once and is
/// refused), a regular file only, ours (or root's) and writable by nobody
/// else, at most [`MAX_CONFIG_BYTES`]. Symlinks are followed (dotfile
/// managers link config files) and what they lead to gets the same checks.
/// Every check reads the open file's one `fstat`. `None`: no file.
fn read_config(path: &Path) -> Result<Option<String>> {
    let p = path.display();
    let file = match crate::platform::open_read_following(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("could not read config file {p}")),
    };
    let meta = file
        .metadata()
        .with_context(|| format!("could not read config file {p}"))?;
    if !meta.is_file() {
        bail!(with_hint(
            format!(
                "config file {p} is {}, not a regular file",
                crate::platform::kind_of(meta.file_type())
            ),
            config_fix(path)
        ));
    }
    crate::platform::check_trusted(&meta, path, "config file")?;
    let too_large = || {
        with_hint(
            format!(
                "config file {p} is larger than {} KiB: not a config file",
                MAX_CONFIG_BYTES / 1024
            ),
            config_fix(path),
        )
    };
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(too_large());
    }
    let mut text = String::with_capacity(meta.len() as usize);
    std::io::Read::take(&file, MAX_CONFIG_BYTES + 1)
        .read_to_string(&mut text)
        .with_context(|| format!("could not read config file {p}"))?;
    if text.len() as u64 > MAX_CONFIG_BYTES {
        return Err(too_large());
    }
    Ok(Some(text))
}

/// What to do about a config file that is not one: it came from
/// `BEDROCK_TOKEN_CONFIG`, or sits at the default path.
fn config_fix(path: &Path) -> String {
    if env("BEDROCK_TOKEN_CONFIG").ok().flatten().is_some() {
        "point BEDROCK_TOKEN_CONFIG at a regular file, or unset it".to_string()
    } else {
        format!(
            "replace it with a regular file (or remove it: rm {})",
            path.display()
        )
    }
}

/// Parses config file text; errors name the file, line and column, and
/// never quote the file: it may be a credentials file named by mistake.
pub fn parse_file_config(text: &str, path: &Path) -> Result<FileConfig> {
    toml::from_str(text).map_err(|e| {
        let (line, column) = match e.span() {
            Some(span) => line_column(text, span.start),
            None => (1, 1),
        };
        anyhow::anyhow!(
            "invalid config file {}, line {line}, column {column}: {}",
            path.display(),
            redact_quoted(e.message())
        )
    })
}

/// 1-based line and column of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    (
        line,
        String::from_utf8_lossy(&before[start..]).chars().count() + 1,
    )
}

/// A parser message with every double-quoted value replaced by `"…"`: serde
/// quotes the values it rejects, and a value may be a secret.
fn redact_quoted(message: &str) -> String {
    let mut out = String::new();
    let mut parts = message.split('"');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    let mut inside = true;
    for part in parts {
        out.push('"');
        out.push_str(if inside { "…" } else { part });
        inside = !inside;
    }
    out.trim_end().replace('\n', " ")
}

/// A profile name the AWS SDK accepts: the SDK silently skips a section
/// whose name has other characters, so we say so instead of "no credentials".
pub fn check_profile_name(name: &str) -> std::result::Result<(), String> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-/.%@:+".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "profile name {name:?} is not one the AWS SDK accepts: use letters, digits and _ - / . % @ : + only"
        ))
    }
}

impl Settings {
    pub fn resolve(g: &Global) -> Result<Settings> {
        let file = match config_path()? {
            Some(path) => load_file_config(&path)?,
            None => FileConfig::default(),
        };

        let duration = duration_setting(
            g.duration,
            "BEDROCK_TOKEN_DURATION",
            file.duration.as_ref(),
            "duration",
            parse_lifetime,
        )?
        .unwrap_or(MAX_LIFETIME_SECS);
        let min_remaining = duration_setting(
            g.min_remaining,
            "BEDROCK_TOKEN_MIN_REMAINING",
            file.min_remaining.as_ref(),
            "min_remaining",
            parse_min_remaining,
        )?
        .unwrap_or(DEFAULT_MIN_REMAINING.min(duration / 4));
        let lock_timeout = duration_setting(
            g.lock_timeout,
            "BEDROCK_TOKEN_LOCK_TIMEOUT",
            None,
            "",
            parse_timeout,
        )?
        .unwrap_or(DEFAULT_LOCK_TIMEOUT);
        let login_timeout = duration_setting(
            g.login_timeout,
            "BEDROCK_TOKEN_LOGIN_TIMEOUT",
            None,
            "",
            parse_timeout,
        )?
        .unwrap_or(DEFAULT_LOGIN_TIMEOUT);

        let cache = if g.no_cache {
            CacheDir::Off
        } else {
            cache_dir(g.cache_dir.clone(), file.cache_dir.clone())?
        };

        Ok(Settings {
            request: Request::resolve(g, &file)?,
            duration,
            min_remaining,
            cache,
            refresh: g.refresh,
            lock_timeout,
            login: g.login || file.auto_login.unwrap_or(false),
            login_timeout,
            fallback: true,
        })
    }
}

impl Request {
    fn resolve(g: &Global, file: &FileConfig) -> Result<Request> {
        let (profile, profile_source) = match (&g.profile, env("AWS_PROFILE")?, &file.profile) {
            (Some(p), _, _) => (p.clone(), ProfileSource::Flag),
            (None, Some(p), _) => (p, ProfileSource::Environment),
            (None, None, Some(p)) => (p.clone(), ProfileSource::ConfigFile),
            (None, None, None) => ("default".to_string(), ProfileSource::Default),
        };
        check_profile_name(&profile).map_err(|e| {
            usage(match profile_source {
                ProfileSource::Environment => format!("AWS_PROFILE: {e}"),
                ProfileSource::ConfigFile => format!("config file profile: {e}"),
                _ => e,
            })
        })?;
        let paths = Paths::from_env()?;
        let identity_env = identity_env(env)?;
        let aws_files = FilesStamp::read(&paths);

        let given = match &g.region {
            Some(r) => Some(r.clone()),
            None => match env("AWS_REGION")?
                .map(|r| ("AWS_REGION", r))
                .or(env("AWS_DEFAULT_REGION")?.map(|r| ("AWS_DEFAULT_REGION", r)))
                .or_else(|| file.region.clone().map(|r| ("config file region", r)))
            {
                Some((source, r)) => {
                    Some(parse_region(&r).map_err(|e| usage(format!("{source}: {e}")))?)
                }
                None => None,
            },
        };
        // Only without a given region do we read the AWS files here, so the
        // same region shares one entry however it was given.
        let (region, region_problem) = match given {
            Some(r) => (Some(r), None),
            None => match Files::load(&paths).get(&profile, "region") {
                Some(r) => match parse_region(r) {
                    Ok(r) => (Some(r), None),
                    Err(e) => (None, Some(RegionProblem::Invalid(e))),
                },
                None => (None, Some(RegionProblem::Missing)),
            },
        };

        Ok(Request {
            env_credentials_first: matches!(
                profile_source,
                ProfileSource::Environment | ProfileSource::Default
            ),
            profile,
            region,
            region_problem,
            paths,
            identity_env,
            aws_files,
        })
    }
}

/// A duration from its flag, else its environment variable, else the config
/// file; `None` when none sets it. Errors name where the bad value came from.
fn duration_setting(
    flag: Option<u64>,
    var: &str,
    file: Option<&DurationValue>,
    file_key: &str,
    parse: fn(&str) -> std::result::Result<u64, String>,
) -> Result<Option<u64>> {
    if flag.is_some() {
        return Ok(flag);
    }
    let (source, text) = match (env(var)?, file) {
        (Some(v), _) => (var.to_string(), v),
        (None, Some(v)) => (format!("config file {file_key}"), v.text()),
        (None, None) => return Ok(None),
    };
    parse(&text)
        .map(Some)
        .map_err(|e| usage(format!("{source}: {e}")))
}

fn cache_dir(flag: Option<PathBuf>, file: Option<PathBuf>) -> Result<CacheDir> {
    let explicit = flag
        .map(|p| ("--cache-dir", p))
        .or(env("BEDROCK_TOKEN_CACHE_DIR")?.map(|p| ("BEDROCK_TOKEN_CACHE_DIR", PathBuf::from(p))))
        .or(file.map(|p| ("config file cache_dir", p)));
    if let Some((source, path)) = explicit {
        if !path.is_absolute() {
            bail!(usage(format!(
                "{source} must be an absolute path, not {}",
                path.display()
            )));
        }
        return Ok(CacheDir::Dir(path));
    }
    // Without a HOME, `directories` would fall back to the password database;
    // a user who unset HOME did not ask us to write there.
    if home()?.is_none() {
        return Ok(CacheDir::Unavailable(if cfg!(windows) {
            "neither HOME nor USERPROFILE is set to an absolute path".into()
        } else {
            "HOME is not set, or not an absolute path".into()
        }));
    }
    Ok(
        match directories::ProjectDirs::from("", "", "bedrock-token") {
            Some(dirs) if dirs.cache_dir().is_absolute() => {
                CacheDir::Dir(dirs.cache_dir().to_path_buf())
            }
            Some(_) => CacheDir::Unavailable("the per-user cache directory is not absolute".into()),
            None => {
                CacheDir::Unavailable("no per-user cache directory is known on this system".into())
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_identity_variables_key_by_digest_never_by_value() {
        let lookup = |token: &'static str| {
            move |name: &str| {
                Ok(match name {
                    "AWS_ACCESS_KEY_ID" => Some("AKIAIOSFODNN7EXAMPLE".to_string()),
                    "AWS_SESSION_TOKEN" => Some(token.to_string()),
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN" => Some(format!("{token}-container")),
                    _ => None,
                })
            }
        };
        let request = |token| Request {
            profile: "default".into(),
            env_credentials_first: true,
            region: Some("us-east-1".into()),
            region_problem: None,
            paths: Paths {
                config: "/c".into(),
                credentials: "/k".into(),
            },
            identity_env: identity_env(lookup(token)).unwrap(),
            aws_files: FilesStamp::default(),
        };
        let a = request("SENTINELsessionA");
        let b = request("SENTINELsessionB");
        for shown in [
            format!("{a:?}"),
            a.cache_material("bedrock-key", Some(3600)),
        ] {
            assert!(!shown.contains("SENTINELsession"), "{shown}");
            assert!(shown.contains("AKIAIOSFODNN7EXAMPLE"), "{shown}");
            assert!(shown.contains("sha256:"), "{shown}");
        }
        // Each secret still keys the cache: another value, another key.
        assert_ne!(
            a.cache_material("bedrock-key", None),
            b.cache_material("bedrock-key", None)
        );
        assert_eq!(
            a.cache_material("bedrock-key", None),
            request("SENTINELsessionA").cache_material("bedrock-key", None)
        );
        assert_eq!(a.identity_env.len(), 3);
    }
}
