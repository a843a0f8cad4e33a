//! Resolved settings: flags, then environment, then the config file, then
//! AWS defaults. Everything here is cheap, since the cache-hit path needs it.

use crate::awsfiles::Paths;
use crate::cli::{Global, parse_any_duration, parse_lifetime, parse_region};
use crate::error::usage;
use crate::token::MAX_LIFETIME_SECS;
use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::path::{Path, PathBuf};

const DEFAULT_MIN_REMAINING: u64 = 15 * 60;
const DEFAULT_LOCK_TIMEOUT: u64 = 30;

#[derive(Debug, Clone)]
pub struct Settings {
    pub profile: String,
    /// Named by `--profile` or the config file rather than `AWS_PROFILE`:
    /// as in the AWS CLI, credentials in the environment then do not
    /// override it.
    pub profile_explicit: bool,
    /// Region given by flag, environment or config file. `None`: the
    /// profile's `region`, looked up only when a key must be made.
    pub region: Option<String>,
    pub duration: u64,
    pub min_remaining: u64,
    pub cache: CacheDir,
    pub refresh: bool,
    pub lock_timeout: u64,
    pub login: bool,
    pub paths: Paths,
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
pub fn config_path() -> Option<PathBuf> {
    if let Some(p) = env("BEDROCK_TOKEN_CONFIG") {
        return Some(PathBuf::from(p));
    }
    home()?;
    directories::ProjectDirs::from("", "", "bedrock-token")
        .map(|d| d.config_dir().join("config.toml"))
}

pub fn load_file_config(path: &Path) -> Result<FileConfig> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_file_config(&text, path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FileConfig::default()),
        Err(e) => Err(e).with_context(|| format!("could not read config file {}", path.display())),
    }
}

/// Parses config file text; errors name the file, line and column.
pub fn parse_file_config(text: &str, path: &Path) -> Result<FileConfig> {
    toml::from_str(text).map_err(|e| {
        anyhow::anyhow!(
            "invalid config file {}: {}",
            path.display(),
            e.to_string().trim_end().replace('\n', "\n  ")
        )
    })
}

/// A non-empty environment variable.
pub fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn home() -> Option<String> {
    env("HOME")
}

impl Settings {
    pub fn resolve(g: &Global) -> Result<Settings> {
        let file = match config_path() {
            Some(path) => load_file_config(&path)?,
            None => FileConfig::default(),
        };

        let from_env = env("AWS_PROFILE");
        let profile_explicit =
            g.profile.is_some() || (from_env.is_none() && file.profile.is_some());
        let profile = g
            .profile
            .clone()
            .or(from_env)
            .or(file.profile.clone())
            .unwrap_or_else(|| "default".into());

        let region = match &g.region {
            Some(r) => Some(r.clone()),
            None => match env("AWS_REGION")
                .map(|r| ("AWS_REGION", r))
                .or_else(|| env("AWS_DEFAULT_REGION").map(|r| ("AWS_DEFAULT_REGION", r)))
                .or_else(|| file.region.clone().map(|r| ("config file region", r)))
            {
                Some((source, r)) => {
                    Some(parse_region(&r).map_err(|e| usage(format!("{source}: {e}")))?)
                }
                None => None,
            },
        };

        let duration = match g.duration {
            Some(d) => d,
            None => match env("BEDROCK_TOKEN_DURATION")
                .map(|d| ("BEDROCK_TOKEN_DURATION", d))
                .or(file
                    .duration
                    .as_ref()
                    .map(DurationValue::text)
                    .map(|d| ("config file duration", d)))
            {
                Some((source, d)) => {
                    parse_lifetime(&d).map_err(|e| usage(format!("{source}: {e}")))?
                }
                None => MAX_LIFETIME_SECS,
            },
        };

        let min_remaining = match g.min_remaining {
            Some(m) => m,
            None => match env("BEDROCK_TOKEN_MIN_REMAINING")
                .map(|d| ("BEDROCK_TOKEN_MIN_REMAINING", d))
                .or(file
                    .min_remaining
                    .as_ref()
                    .map(DurationValue::text)
                    .map(|d| ("config file min_remaining", d)))
            {
                Some((source, d)) => {
                    parse_any_duration(&d).map_err(|e| usage(format!("{source}: {e}")))?
                }
                None => DEFAULT_MIN_REMAINING.min(duration / 4),
            },
        };

        let lock_timeout = match g.lock_timeout {
            Some(t) => t,
            None => match env("BEDROCK_TOKEN_LOCK_TIMEOUT") {
                Some(t) => parse_any_duration(&t)
                    .map_err(|e| usage(format!("BEDROCK_TOKEN_LOCK_TIMEOUT: {e}")))?,
                None => DEFAULT_LOCK_TIMEOUT,
            },
        };

        let cache = if g.no_cache {
            CacheDir::Off
        } else {
            cache_dir(g.cache_dir.clone(), file.cache_dir.clone())?
        };

        Ok(Settings {
            profile,
            profile_explicit,
            region,
            duration,
            min_remaining,
            cache,
            refresh: g.refresh,
            lock_timeout,
            login: g.login || file.auto_login.unwrap_or(false),
            paths: Paths::from_env(),
        })
    }
}

fn cache_dir(flag: Option<PathBuf>, file: Option<PathBuf>) -> Result<CacheDir> {
    let explicit = flag
        .map(|p| ("--cache-dir", p))
        .or_else(|| {
            env("BEDROCK_TOKEN_CACHE_DIR").map(|p| ("BEDROCK_TOKEN_CACHE_DIR", PathBuf::from(p)))
        })
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
    if home().is_none() {
        return Ok(CacheDir::Unavailable("HOME is not set".into()));
    }
    Ok(
        match directories::ProjectDirs::from("", "", "bedrock-token") {
            Some(dirs) => CacheDir::Dir(dirs.cache_dir().to_path_buf()),
            None => {
                CacheDir::Unavailable("no per-user cache directory is known on this system".into())
            }
        },
    )
}
