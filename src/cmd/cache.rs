//! `bedrock-token cache list|clear`: what is cached (never the secrets), and
//! removing it.

use super::Outcome;
use crate::cache::{self, Cache, Entry};
use crate::cli::CacheCommand;
use crate::duration::now_unix;
use crate::output::cache_list::{self, Row};
use crate::provide::{self, Kind};
use crate::settings::{CacheDir, Settings};
use anyhow::{Result, bail};
use std::fs;
use std::path::Path;

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
    let paths = cache.files()?;
    let is_login = |p: &Path| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("login-"))
    };
    let ext = |p: &Path| {
        p.extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_string()
    };
    // Entries are read as a hit reads them; only their header fields show.
    let entries: Vec<Option<Entry>> = paths
        .iter()
        .map(|p| (ext(p) == "json" && !is_login(p)).then(|| cache::read_header(p).ok())?)
        .collect();
    let mut rows = Vec::new();
    for (path, entry) in paths.iter().zip(&entries) {
        let row = match (ext(path).as_str(), entry) {
            (_, Some(e)) => Row::Entry(e),
            ("json", None) if !is_login(path) => Row::Unreadable,
            ("lock", _) if is_login(path) => Row::LoginLock,
            ("done", _) => Row::LoginDone,
            _ => continue,
        };
        rows.push((row, path.as_path()));
    }
    super::print(&cache_list::render(&rows, now_unix()))
}
