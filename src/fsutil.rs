//! Files we replace: atomic replacement (the cache, `write`, `key --write`,
//! completions), and the check that only a regular file is ever replaced.

use crate::secret::Secret;
use anyhow::{Context, Result, bail};
use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

/// Replaces `path` with `content`, mode 0600 (on Windows, private to this
/// user by its security descriptor): a temp file in the same
/// directory (created exclusively, never through a symlink), fsync, rename,
/// fsync the directory. Readers see the old file or the new one, whole.
pub fn atomic_write(path: &Path, content: &[u8]) -> Result<()> {
    atomic_write_mode(path, content, 0o600)
}

/// [`atomic_write`] with another mode, for files that are not secret.
pub fn atomic_write_mode(path: &Path, content: &[u8], mode: u32) -> Result<()> {
    static SEQ: AtomicU32 = AtomicU32::new(0);
    let dir = parent(path);
    let tmp = dir.join(format!(
        "{}{}.{}.tmp",
        temp_prefix(path),
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = crate::platform::create_new(&tmp, mode)
            .with_context(|| format!("could not create {}", tmp.display()))?;
        file.write_all(content)
            .and_then(|()| file.sync_all())
            .with_context(|| format!("could not write {}", tmp.display()))?;
        fs::rename(&tmp, path).with_context(|| format!("could not replace {}", path.display()))?;
        // The rename is durable only once the directory is synced (Unix;
        // Windows cannot open a directory as a file, and needs no sync).
        #[cfg(unix)]
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
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
    atomic_write(path, content)?;
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

/// Removes temp files that `atomic_write` left for `path` when its writer
/// died mid-write. Only safe while no other writer of `path` can be running
/// (the cache calls it with the entry's lock held).
pub fn remove_leftover_temps(path: &Path) {
    let prefix = temp_prefix(path);
    for e in fs::read_dir(parent(path)).into_iter().flatten().flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(&prefix) && name.ends_with(".tmp") {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// The directory `path` is in (`.` for a bare name).
pub fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// `.NAME.`: every temp file of `path` starts so.
fn temp_prefix(path: &Path) -> String {
    format!(
        ".{}.",
        path.file_name().unwrap_or_default().to_string_lossy()
    )
}
