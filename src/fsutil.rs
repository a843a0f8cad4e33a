//! Atomic file replacement, shared by the cache and `write`.

use anyhow::{Context, Result};
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
