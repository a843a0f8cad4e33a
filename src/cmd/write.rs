//! `bedrock-token write PATH`: the key in a file, for consumers that read
//! one. Atomic, mode 0600, and rewritten only when the content changes, so
//! file watchers do not loop.

use crate::cli::{FileFormat, WriteArgs};
use crate::cmd::env::TOKEN_VAR;
use crate::output;
use crate::provide;
use crate::secret::Secret;
use crate::settings::Settings;
use anyhow::Result;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

pub fn run(s: &Settings, args: &WriteArgs) -> Result<()> {
    let entry = provide::bedrock_key(s)?;
    let content = match args.format {
        FileFormat::Text => output::token(&entry).clone(),
        FileFormat::Json => Secret::new(format!("{}\n", output::json(&entry).expose())),
        FileFormat::Dotenv => Secret::new(output::env::render(
            crate::cli::Shell::Dotenv,
            true,
            &[
                (TOKEN_VAR, output::token(&entry).expose()),
                ("AWS_REGION", &entry.region),
            ],
        )),
    };
    write_if_changed(&args.path, content.expose().as_bytes())
}

/// Writes `content` to `path` unless it already holds exactly that with
/// mode 0600.
pub fn write_if_changed(path: &Path, content: &[u8]) -> Result<()> {
    if let Ok(meta) = fs::symlink_metadata(path)
        && meta.is_file()
        && meta.permissions().mode() & 0o777 == 0o600
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
