//! `bedrock-token write PATH`: the key in a file, for consumers that read
//! one. Atomic, mode 0600, and rewritten only when the content changes, so
//! file watchers do not loop. `--watch` keeps it fresh: see [`super::watch`].

use super::Outcome;
use crate::cache::Entry;
use crate::cli::{FileFormat, WriteArgs};
use crate::cmd::env::TOKEN_VAR;
use crate::output;
use crate::provide;
use crate::secret::Secret;
use crate::settings::Settings;
use anyhow::{Context, Result, bail};
use std::fs;
use std::path::Path;

pub fn run(s: &Settings, args: &WriteArgs) -> Result<Outcome> {
    if args.watch {
        return super::watch::run(s, args);
    }
    let entry = provide::bedrock_key(s)?;
    write_if_changed(&args.path, render(&entry, args.format).expose().as_bytes())?;
    Ok(Outcome::Success)
}

/// The file's content for `entry` in `format`.
pub fn render(entry: &Entry, format: FileFormat) -> Secret {
    match format {
        FileFormat::Text => output::token(entry).clone(),
        FileFormat::Json => output::json::render(entry),
        FileFormat::Dotenv => Secret::new(output::env::render(
            crate::cli::Shell::Dotenv,
            true,
            &[
                (TOKEN_VAR, output::token(entry).expose()),
                ("AWS_REGION", &entry.region),
            ],
        )),
    }
}

/// Writes `content` to `path` unless it already holds exactly that with
/// mode 0600 (on Windows: private to this user); says whether it wrote.
/// Only a regular file is ever replaced (see [`check_target`]).
pub fn write_if_changed(path: &Path, content: &[u8]) -> Result<bool> {
    let meta = check_target(path)?;
    if let Some(meta) = &meta
        && crate::platform::has_private_mode(meta, path)
        && fs::read(path).is_ok_and(|old| {
            Secret::new(String::from_utf8_lossy(&old))
                .expose()
                .as_bytes()
                == content
        })
    {
        return Ok(false);
    }
    crate::fsutil::atomic_write(path, content)?;
    Ok(true)
}

/// What is at `path` now, if anything: an error unless it is a regular
/// file, since replacing a symlink, FIFO, device or directory would break
/// whatever the user put there.
pub fn check_target(path: &Path) -> Result<Option<fs::Metadata>> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("could not read {}", path.display())),
    };
    if !meta.is_file() {
        bail!(
            "{} is not a regular file ({}); remove it or choose another path",
            path.display(),
            crate::platform::kind_of(meta.file_type())
        );
    }
    Ok(Some(meta))
}
