//! Unix: `O_NOFOLLOW`, modes set by the `open` and `mkdir` themselves,
//! `flock`-friendly close-on-exec descriptors, and `execvp`.

use super::FileId;
use anyhow::{Result, bail};
use std::fs::{DirBuilder, File, Metadata, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

/// Reopens a closed fd 0, 1 or 2 on `/dev/null`, so no lock or cache file
/// we open later takes its number (and receives our output), and makes the
/// process non-dumpable. Two system calls when nothing is closed. Returns
/// whether stdout was closed.
pub fn harden() -> bool {
    let mut stdout_closed = false;
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    // SAFETY: `fds` is a valid array of three pollfd; timeout 0 never blocks.
    let ready = unsafe { libc::poll(fds.as_mut_ptr(), 3, 0) };
    if ready > 0 {
        for p in fds.iter().filter(|p| p.revents & libc::POLLNVAL != 0) {
            if p.fd == 1 {
                stdout_closed = true;
            }
            // SAFETY: a NUL-terminated path; dup2 onto a closed standard fd.
            unsafe {
                let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
                if null >= 0 && null != p.fd {
                    libc::dup2(null, p.fd);
                    libc::close(null);
                }
            }
        }
    }
    no_core_dumps();
    stdout_closed
}

/// A crash must not write the environment's or the credentials file's
/// secrets to a core file. Non-dumpable, as ssh-agent makes itself; the
/// flag resets on exec, so a program run by `exec` dumps as usual.
#[cfg(target_os = "linux")]
fn no_core_dumps() {
    // SAFETY: PR_SET_DUMPABLE with 0 has no memory effects.
    unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) };
}

/// Elsewhere on Unix (macOS has no PR_SET_DUMPABLE): a core size limit of
/// 0, restored for `exec`'s child by [`exec`].
#[cfg(not(target_os = "linux"))]
fn no_core_dumps() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: valid pointers to an rlimit.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_CORE, &mut limit) == 0 {
            // rlim_t is u64 on macOS, i64 on the BSDs: the cast is for them.
            #[allow(clippy::unnecessary_cast)]
            SAVED_CORE_LIMIT.store(limit.rlim_cur as u64, Ordering::Relaxed);
            limit.rlim_cur = 0;
            libc::setrlimit(libc::RLIMIT_CORE, &limit);
        }
    }
}

#[cfg(not(target_os = "linux"))]
use std::sync::atomic::Ordering;
#[cfg(not(target_os = "linux"))]
static SAVED_CORE_LIMIT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Gives a program we are about to exec the core limit we started with.
fn restore_core_limit() {
    #[cfg(not(target_os = "linux"))]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: valid pointers to an rlimit.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_CORE, &mut limit) == 0 {
                limit.rlim_cur = SAVED_CORE_LIMIT.load(Ordering::Relaxed) as libc::rlim_t;
                libc::setrlimit(libc::RLIMIT_CORE, &limit);
            }
        }
    }
}

/// Gives a program we are about to exec what we changed for ourselves at
/// start: the default SIGPIPE and SIGXFSZ, and the core limit we started
/// with. Async-signal-safe (signal(2), setrlimit(2)): callable in
/// `pre_exec`.
pub fn child_defaults() {
    // SAFETY: SIG_DFL is a valid disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        libc::signal(libc::SIGXFSZ, libc::SIG_DFL);
    }
    restore_core_limit();
}

/// Starts `cmd` (on Windows, with the error mode children should get).
pub fn spawn(cmd: &mut Command) -> std::io::Result<std::process::Child> {
    cmd.spawn()
}

/// Replaces this process with `cmd`, so signals and exit status are its
/// own. Returns only on failure.
pub fn exec(cmd: &mut Command) -> std::io::Error {
    child_defaults();
    cmd.exec()
}

/// Whether an open failed because the path was a symbolic link.
pub fn is_link_error(e: &std::io::Error) -> bool {
    e.raw_os_error() == Some(libc::ELOOP)
}

/// Opens a file for reading: never through a symlink, never blocking on a
/// FIFO, not inherited by children.
pub fn open_read(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
}

/// Opens a file of the user's for reading, following symlinks (dotfile
/// managers link config files), never blocking on a FIFO, not inherited.
pub fn open_read_following(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
}

/// Opens (creating it, mode 0600) a lock file, never through a symlink.
pub fn open_lock(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
}

/// Creates a new file with `mode` by the `open` itself; fails if anything,
/// a symlink included, is at `path`.
pub fn create_new(path: &Path, mode: u32) -> std::io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
}

/// Creates `path` and any missing parents, mode 0700 by the mkdir itself
/// (never a later chmod).
pub fn create_private_dir(path: &Path) -> std::io::Result<()> {
    DirBuilder::new().recursive(true).mode(0o700).create(path)
}

/// Whether the metadata (from `symlink_metadata`) is of a symbolic link.
pub fn is_link(meta: &Metadata) -> bool {
    meta.file_type().is_symlink()
}

/// Our effective uid, asked once: a hit checks the config file and its
/// entry against it, and we never change it.
pub fn euid() -> u32 {
    static EUID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    // SAFETY: geteuid has no preconditions and cannot fail.
    *EUID.get_or_init(|| unsafe { libc::geteuid() })
}

/// A directory or file we keep secrets in must be ours and closed to
/// others. `file` is the open file when there is one (Windows reads its
/// security from the handle); `mode` is the one the fix names.
pub fn check_private(
    meta: &Metadata,
    _file: Option<&File>,
    path: &Path,
    what: &str,
    mode: u32,
) -> Result<()> {
    let uid = euid();
    let p = path.display();
    if meta.uid() != uid {
        bail!(
            "{what} {p} belongs to another user (uid {}); remove it or choose another with --cache-dir",
            meta.uid()
        );
    }
    if meta.mode() & 0o077 != 0 {
        bail!(
            "{what} {p} is open to other users (mode {:o}); fix it with: chmod {mode:o} {p}",
            meta.mode() & 0o777
        );
    }
    Ok(())
}

/// A file that decides what we do (the config file: its `profile` chooses
/// whose credentials sign) must be ours (or root's, as OpenSSH allows) and
/// writable by nobody else. Its readers do not matter: it holds no secret.
/// From the open file's metadata: no system call beyond its `fstat`.
pub fn check_trusted(meta: &Metadata, path: &Path, what: &str) -> Result<()> {
    let uid = euid();
    let p = path.display();
    if meta.uid() != uid && meta.uid() != 0 {
        bail!(
            "{what} {p} belongs to another user (uid {}), who could choose whose credentials sign; \
             review it, then make it yours: cp {p} {p}.new && mv {p}.new {p}",
            meta.uid()
        );
    }
    if meta.mode() & 0o022 != 0 {
        bail!(
            "{what} {p} is writable by other users (mode {:o}), who could choose whose credentials sign; \
             fix it with: chmod go-w {p}",
            meta.mode() & 0o777
        );
    }
    Ok(())
}

/// A directory meant to be shared: another user's, one with the sticky
/// bit (`/tmp`, `/var/tmp`), or a group's (setgid and group-writable). Not
/// ours to change, so the fix named for it is another directory, never a
/// `chmod`. A directory of ours that is merely open is still ours to fix.
pub fn is_shared_dir(meta: &Metadata) -> bool {
    let mode = meta.mode();
    meta.uid() != euid() || mode & 0o1000 != 0 || (mode & 0o2000 != 0 && mode & 0o020 != 0)
}

/// Whether a regular file we wrote earlier still has exactly mode 0600.
pub fn has_private_mode(meta: &Metadata, _path: &Path) -> bool {
    meta.permissions().mode() & 0o777 == 0o600
}

/// Whether a program file can be run.
pub fn is_executable(meta: &Metadata) -> bool {
    meta.is_file() && meta.permissions().mode() & 0o111 != 0
}

/// Size, mtime and inode of an open file, from its metadata.
pub fn file_id(_file: &File, meta: &Metadata) -> FileId {
    of(meta)
}

/// Size, mtime and inode of the file at `path` (following symlinks);
/// `None` when there is none.
pub fn path_id(path: &Path) -> Option<FileId> {
    std::fs::metadata(path).ok().map(|m| of(&m))
}

fn of(meta: &Metadata) -> FileId {
    FileId {
        size: meta.len(),
        mtime_ns: meta.mtime() as i128 * 1_000_000_000 + meta.mtime_nsec() as i128,
        id: meta.ino(),
    }
}

/// What a non-regular file is, for an error.
pub fn kind_of(t: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_symlink() {
        "a symbolic link"
    } else if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_block_device() || t.is_char_device() {
        "a device"
    } else {
        "an unusual file type"
    }
}
