//! Everything that differs between Unix and Windows, behind one small
//! interface, so the cache, `write`, `exec` and start-up keep one copy of
//! their logic:
//!
//! | function | Unix | Windows |
//! | --- | --- | --- |
//! | [`harden`] | reopen closed fds 0-2 on `/dev/null`; no core dumps | replace invalid standard handles with `NUL`; no crash dumps or error UI |
//! | [`open_read`] | `O_NOFOLLOW \| O_NONBLOCK \| O_CLOEXEC` | `FILE_FLAG_OPEN_REPARSE_POINT`, then refuse a reparse point |
//! | [`open_lock`], [`create_new`] | `O_NOFOLLOW`, mode by the `open` | a private security descriptor by the `CreateFileW` |
//! | [`create_private_dir`] | `mkdir` mode 0700 | `CreateDirectoryW` with a protected DACL for this user only |
//! | [`check_private`] | owner is us, no group/other bits | owner is us, no access for other users |
//! | [`file_id`] | mtime, inode | last-write time, volume and file index |
//! | [`exec`] | `execvp` | spawn, ignore Ctrl-C ourselves, wait, exit with its code |

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub use self::windows::*;

/// What a file looks like for change detection: size, modification time
/// (nanoseconds since the Unix epoch) and identity (inode; on Windows the
/// volume serial number and file index). Compared for equality only: the
/// AWS files' fingerprint in a cache entry, and a cache entry's own stamp.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileId {
    pub size: u64,
    pub mtime_ns: i128,
    pub id: u64,
}

/// An opened path was a symbolic link (or, on Windows, any reparse point:
/// a symlink or a junction), which we never follow.
/// Windows only: Unix's `O_NOFOLLOW` says so itself (`ELOOP`).
#[cfg(windows)]
#[derive(Debug)]
pub struct IsLink;

#[cfg(windows)]
impl std::fmt::Display for IsLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a symbolic link or reparse point")
    }
}

#[cfg(windows)]
impl std::error::Error for IsLink {}
