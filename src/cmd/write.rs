//! `bedrock-token write PATH`: the key in a file, for consumers that read
//! one. Atomic, mode 0600, and rewritten only when the content changes, so
//! file watchers do not loop. `--watch` is [`super::watch`]'s.

use super::Outcome;
use crate::cli::WriteArgs;
use crate::fsutil::write_if_changed;
use crate::output;
use crate::provide;
use crate::settings::Settings;
use anyhow::Result;

pub fn run(s: &Settings, args: &WriteArgs) -> Result<Outcome> {
    let entry = provide::bedrock_key(s)?;
    let content = output::file::render(&entry, args.format);
    write_if_changed(&args.path, content.expose().as_bytes())?;
    Ok(Outcome::Success)
}
