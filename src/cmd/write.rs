//! `bedrock-token write PATH`: the key in a file, for consumers that read
//! one. Atomic, mode 0600, and rewritten only when the content changes, so
//! file watchers do not loop.

use super::Outcome;
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
    let entry = provide::bedrock_key(s)?;
    let content = match args.format {
        FileFormat::Text => output::token(&entry).clone(),
        FileFormat::Json => output::json::render(&entry),
        FileFormat::Dotenv => Secret::new(output::env::render(
            crate::cli::Shell::Dotenv,
            true,
            &[
                (TOKEN_VAR, output::token(&entry).expose()),
                ("AWS_REGION", &entry.region),
            ],
        )),
    };
    write_if_changed(&args.path, content.expose().as_bytes())?;
    Ok(Outcome::Success)
}

/// Writes `content` to `path` unless it already holds exactly that with
/// mode 0600 (on Windows: private to this user). Only a regular file is ever replaced: a symlink, FIFO, device
/// or directory at `path` is an error, since replacing it would break
/// whatever the user put there.
pub fn write_if_changed(path: &Path, content: &[u8]) -> Result<()> {
    if let Some(meta) = &regular_or_missing(path)?
        && crate::platform::has_private_mode(meta, path)
        && fs::read(path).is_ok_and(|old| {
            Secret::new(String::from_utf8_lossy(&old))
                .expose()
                .as_bytes()
                == content
        })
    {
        return Ok(());
    }
    crate::fsutil::atomic_write(path, content)
}

/// What is at `path`: a regular file's metadata, or `None` when nothing is
/// there. Anything else (a symlink, FIFO, device or directory) is an error:
/// replacing it would break whatever the user put there.
pub fn regular_or_missing(path: &Path) -> Result<Option<fs::Metadata>> {
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
