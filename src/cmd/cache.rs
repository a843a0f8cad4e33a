//! `bedrock-token cache list|clear`: what is cached (never the secrets), and
//! removing it.

use super::Outcome;
use crate::cache::{self, Cache, Payload};
use crate::cli::CacheCommand;
use crate::duration::{format_remaining, format_secs, now_unix, rfc3339};
use crate::provide::{self, Kind};
use crate::settings::{CacheDir, Settings};
use anyhow::{Result, bail};
use std::fs;

pub fn run(s: &Settings, command: &CacheCommand) -> Result<Outcome> {
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
            // Lock files stay: another process may hold one, and a new file
            // under the same name would let a second caller sign at once.
            let mut removed = 0;
            for path in cache.files()? {
                if path.extension().is_some_and(|e| e == "lock") {
                    continue;
                }
                match fs::remove_file(&path) {
                    Ok(()) => removed += 1,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => crate::ui::warn(&format!("could not remove {}: {e}", path.display())),
                }
            }
            crate::ui::note(&format!(
                "removed {removed} files from {} (lock files stay)",
                cache.dir().display()
            ));
            Ok(Outcome::Success)
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
                s.request.profile
            ));
            Ok(Outcome::Success)
        }
    }
}

fn list(cache: &Cache) -> Result<Outcome> {
    if cache.dir().exists() {
        cache.check_dir()?;
    }
    let now = now_unix();
    let row = |cols: [&str; 7]| {
        format!(
            "{:<16} {:<16} {:<15} {:<9} {:<21} {:<16} {}\n",
            cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6]
        )
    };
    let mut out = row([
        "KIND",
        "PROFILE",
        "REGION",
        "DURATION",
        "EXPIRES",
        "REMAINING",
        "PATH",
    ]);
    for path in cache.files()? {
        let shown = path.display().to_string();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let login = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("login-"));
        match ext {
            "json" if !login => {}
            "lock" if login => {
                out.push_str(&row(["login lock", "-", "-", "-", "-", "-", &shown]));
                continue;
            }
            "done" => {
                out.push_str(&row(["login done", "-", "-", "-", "-", "-", &shown]));
                continue;
            }
            _ => continue,
        }
        // Read as a hit reads it; only the header fields are shown, and a
        // file that does not pass is listed as such so the user can clear it.
        match cache::read_header(&path) {
            Ok(e) => out.push_str(&row([
                match e.payload {
                    Payload::BedrockKey { .. } => "key",
                    Payload::AwsCredentials { .. } => "credentials",
                },
                &e.profile,
                &e.region,
                &format_secs(e.duration),
                &rfc3339(e.expires_at),
                &format_remaining(e.remaining(now)),
                &shown,
            ])),
            Err(_) => out.push_str(&row(["unreadable", "-", "-", "-", "-", "-", &shown])),
        }
    }
    super::print(&out)
}
