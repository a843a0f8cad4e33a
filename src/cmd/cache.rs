//! `bedrock-token cache list|clear`: what is cached (never the secrets), and
//! removing it.

use crate::cache::{Cache, Entry, Payload};
use crate::cli::CacheCommand;
use crate::duration::{format_remaining, format_secs, now_unix, rfc3339};
use crate::provide::{self, Kind};
use crate::settings::{CacheDir, Settings};
use anyhow::{Result, bail};
use std::fs;

pub fn run(s: &Settings, command: &CacheCommand) -> Result<()> {
    let dir = match &s.cache {
        CacheDir::Dir(d) => d.clone(),
        CacheDir::Off => bail!(crate::error::usage(
            "--no-cache leaves no cache to list or clear"
        )),
        CacheDir::Unavailable(why) => bail!("no cache directory: {why}"),
    };
    let cache = Cache::at(dir);
    match command {
        CacheCommand::List => list(&cache),
        CacheCommand::Clear { all: true } => {
            let mut removed = 0;
            for path in cache.files()? {
                if fs::remove_file(&path).is_ok() && path.extension().is_some_and(|e| e == "json") {
                    removed += 1;
                }
            }
            crate::ui::note(&format!(
                "removed {removed} entries from {}",
                cache.dir().display()
            ));
            Ok(())
        }
        CacheCommand::Clear { all: false } => {
            let mut removed = 0;
            for kind in [Kind::BedrockKey, Kind::AwsCredentials] {
                if let Some((_, slot)) = provide::slot(s, kind)
                    && slot.remove()?
                {
                    removed += 1;
                }
            }
            crate::ui::note(&format!(
                "removed {removed} entries for profile {}",
                s.profile
            ));
            Ok(())
        }
    }
}

fn list(cache: &Cache) -> Result<()> {
    let now = now_unix();
    let mut out = format!(
        "{:<16} {:<16} {:<15} {:<9} {:<21} {:<16} {}\n",
        "KIND", "PROFILE", "REGION", "DURATION", "EXPIRES", "REMAINING", "PATH"
    );
    for path in cache.files()? {
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        // Only the header fields are shown; a file that does not parse is
        // listed as such so the user can clear it.
        let parsed = fs::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str::<Entry>(&t).ok());
        match parsed {
            Some(e) => out.push_str(&format!(
                "{:<16} {:<16} {:<15} {:<9} {:<21} {:<16} {}\n",
                match e.payload {
                    Payload::BedrockKey { .. } => "key",
                    Payload::AwsCredentials { .. } => "credentials",
                },
                e.profile,
                e.region,
                format_secs(e.duration),
                rfc3339(e.expires_at),
                format_remaining(e.remaining(now)),
                path.display()
            )),
            None => out.push_str(&format!(
                "{:<16} {:<16} {:<15} {:<9} {:<21} {:<16} {}\n",
                "unreadable",
                "-",
                "-",
                "-",
                "-",
                "-",
                path.display()
            )),
        }
    }
    super::print(&out)
}
