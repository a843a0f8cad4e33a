//! Windows: security descriptors instead of modes, reparse points never
//! followed, `NUL` for invalid standard handles, and `exec` by spawn and
//! wait.
//!
//! "Ours and closed to others" means: owned by the current user's SID, and
//! a DACL whose allowing entries name only that user, `SYSTEM` or
//! `BUILTIN\Administrators` (who, like root on Unix, can read any file
//! anyway; Windows puts them in a user profile's default ACL). Everything
//! we create carries `O:<user>D:P(A;OICI;FA;;;<user>)`: protected from the
//! parent's entries, and inherited by files created inside.

use super::{FileId, IsLink};
use anyhow::{Context, Result, bail};
use std::ffi::OsStr;
use std::fs::{File, Metadata, OpenOptions};
use std::os::windows::ffi::OsStrExt;
use std::os::windows::fs::{MetadataExt, OpenOptionsExt};
use std::os::windows::io::{AsRawHandle, FromRawHandle};
use std::path::Path;
use std::process::Command;
use std::ptr::{null, null_mut};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use windows_sys::Win32::Foundation::{
    CloseHandle, ERROR_SUCCESS, GENERIC_READ, GENERIC_WRITE, HANDLE, HLOCAL, INVALID_HANDLE_VALUE,
    LocalFree,
};
use windows_sys::Win32::Security::Authorization::{
    ConvertSidToStringSidW, ConvertStringSecurityDescriptorToSecurityDescriptorW, GetSecurityInfo,
    SDDL_REVISION_1, SE_FILE_OBJECT,
};
use windows_sys::Win32::Security::{
    ACCESS_ALLOWED_ACE, ACE_HEADER, ACL, DACL_SECURITY_INFORMATION, GetAce, GetTokenInformation,
    OWNER_SECURITY_INFORMATION, PSECURITY_DESCRIPTOR, PSID, SECURITY_ATTRIBUTES, TOKEN_QUERY,
    TOKEN_USER, TokenUser,
};
use windows_sys::Win32::Storage::FileSystem::{
    BY_HANDLE_FILE_INFORMATION, CREATE_NEW, CreateDirectoryW, CreateFileW, FILE_ATTRIBUTE_NORMAL,
    FILE_ATTRIBUTE_REPARSE_POINT, FILE_FLAG_BACKUP_SEMANTICS, FILE_FLAG_OPEN_REPARSE_POINT,
    FILE_SHARE_DELETE, FILE_SHARE_READ, FILE_SHARE_WRITE, GetFileInformationByHandle, OPEN_ALWAYS,
    OPEN_EXISTING, READ_CONTROL,
};
use windows_sys::Win32::System::Console::{
    CTRL_BREAK_EVENT, CTRL_C_EVENT, GetStdHandle, STD_ERROR_HANDLE, STD_HANDLE, STD_INPUT_HANDLE,
    STD_OUTPUT_HANDLE, SetConsoleCtrlHandler, SetStdHandle,
};
use windows_sys::Win32::System::Diagnostics::Debug::{
    EXCEPTION_POINTERS, GetErrorMode, SEM_FAILCRITICALERRORS, SEM_NOGPFAULTERRORBOX, SetErrorMode,
    SetUnhandledExceptionFilter,
};
use windows_sys::Win32::System::ErrorReporting::{WER_FAULT_REPORTING_FLAG_NOHEAP, WerSetFlags};
use windows_sys::Win32::System::Threading::{
    GetCurrentProcess, OpenProcessToken, TerminateProcess,
};
use windows_sys::core::BOOL;

/// `GetHandleInformation` lives in Foundation in windows-sys 0.61.
use windows_sys::Win32::Foundation::GetHandleInformation;

/// Well-known SIDs that may hold access besides the user: SYSTEM and
/// BUILTIN\Administrators.
const TRUSTED: &[&str] = &["S-1-5-18", "S-1-5-32-544"];

/// The error mode we started with, for `exec`'s child (the mode is
/// inherited).
static SAVED_ERROR_MODE: AtomicU32 = AtomicU32::new(0);

fn wide(s: &OsStr) -> Vec<u16> {
    s.encode_wide().chain(std::iter::once(0)).collect()
}

/// Replaces an invalid standard handle (none, or one already closed, whose
/// value a file we open later could take) with `NUL`, and keeps crashes
/// from writing dumps. Returns whether stdout was invalid.
pub fn harden() -> bool {
    let mut stdout_closed = false;
    for id in [STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE] {
        if !std_handle_valid(id) {
            if id == STD_OUTPUT_HANDLE {
                stdout_closed = true;
            }
            let nul = wide(OsStr::new("NUL"));
            // SAFETY: a NUL-terminated path; the handle is kept for the
            // process's lifetime as a standard handle.
            unsafe {
                let h = CreateFileW(
                    nul.as_ptr(),
                    GENERIC_READ | GENERIC_WRITE,
                    FILE_SHARE_READ | FILE_SHARE_WRITE,
                    null(),
                    OPEN_EXISTING,
                    0,
                    null_mut(),
                );
                if h != INVALID_HANDLE_VALUE {
                    SetStdHandle(id, h);
                }
            }
        }
    }
    no_crash_dumps();
    stdout_closed
}

fn std_handle_valid(id: STD_HANDLE) -> bool {
    // SAFETY: plain queries on a handle value.
    unsafe {
        let h = GetStdHandle(id);
        let mut flags = 0;
        !h.is_null() && h != INVALID_HANDLE_VALUE && GetHandleInformation(h, &mut flags) != 0
    }
}

/// No error dialog and no Windows Error Reporting dump holding our memory:
/// an unhandled exception ends the process at once with its code, before
/// WER runs; what still reaches WER (a fail-fast abort) goes without the
/// heap, where the secrets live.
fn no_crash_dumps() {
    unsafe extern "system" fn end_now(info: *const EXCEPTION_POINTERS) -> i32 {
        // SAFETY: the system passes a valid record or null.
        let code = unsafe {
            info.as_ref()
                .and_then(|i| i.ExceptionRecord.as_ref())
                .map_or(1, |r| r.ExceptionCode as u32)
        };
        // SAFETY: terminating our own process.
        unsafe { TerminateProcess(GetCurrentProcess(), code) };
        0
    }
    // SAFETY: process-wide settings with no memory effects; the filter is a
    // valid function for the process's lifetime.
    unsafe {
        let mode = GetErrorMode();
        SAVED_ERROR_MODE.store(mode, Ordering::Relaxed);
        SetErrorMode(mode | SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX);
        WerSetFlags(WER_FAULT_REPORTING_FLAG_NOHEAP);
        SetUnhandledExceptionFilter(Some(end_now));
    }
}

/// Runs `cmd` with our console and handles, waits, and exits with its
/// code: Windows has no exec. Ctrl-C and Ctrl-Break reach the child (it
/// shares our console) while we ignore them, so it decides how to end.
/// Returns only when the child cannot be started.
pub fn exec(cmd: &mut Command) -> std::io::Error {
    // A handler that swallows Ctrl-C, not SetConsoleCtrlHandler(None, TRUE):
    // that flag is inherited by the child, a handler is not.
    unsafe extern "system" fn ignore(ctrl: u32) -> BOOL {
        BOOL::from(ctrl == CTRL_C_EVENT || ctrl == CTRL_BREAK_EVENT)
    }
    // SAFETY: `ignore` is valid for the process's lifetime.
    unsafe { SetConsoleCtrlHandler(Some(ignore), 1) };
    let mut child = match spawn(cmd) {
        Ok(c) => c,
        Err(e) => return e,
    };
    match child.wait() {
        Ok(status) => std::process::exit(status.code().unwrap_or(1)),
        Err(e) => e,
    }
}

/// Starts `cmd` with the error mode we found at start-up, not the one
/// [`harden`] set: a child gets Windows' usual crash handling, not ours.
/// The mode is a process setting that children inherit, so it is put back
/// for the spawn only.
pub fn spawn(cmd: &mut Command) -> std::io::Result<std::process::Child> {
    // SAFETY: the error mode is a plain process setting.
    unsafe { SetErrorMode(SAVED_ERROR_MODE.load(Ordering::Relaxed)) };
    let spawned = cmd.spawn();
    // SAFETY: as above.
    unsafe {
        SetErrorMode(
            SAVED_ERROR_MODE.load(Ordering::Relaxed)
                | SEM_FAILCRITICALERRORS
                | SEM_NOGPFAULTERRORBOX,
        )
    };
    spawned
}

/// Whether an open failed because the path was a reparse point.
pub fn is_link_error(e: &std::io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<IsLink>())
}

fn link_error() -> std::io::Error {
    std::io::Error::other(IsLink)
}

/// Refuses a handle opened with `FILE_FLAG_OPEN_REPARSE_POINT` on a
/// reparse point: the link itself, never what it names.
fn not_a_link(file: File) -> std::io::Result<File> {
    if file.metadata()?.file_attributes() & FILE_ATTRIBUTE_REPARSE_POINT != 0 {
        return Err(link_error());
    }
    Ok(file)
}

/// Opens a file for reading, never through a symlink or junction.
pub fn open_read(path: &Path) -> std::io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(FILE_FLAG_OPEN_REPARSE_POINT)
        .open(path)?;
    not_a_link(file)
}

/// Opens a file of the user's for reading, following links (dotfile
/// managers link config files).
pub fn open_read_following(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().read(true).open(path)
}

/// Opens (creating it, private to this user) a lock file, never through a
/// reparse point.
pub fn open_lock(path: &Path) -> std::io::Result<File> {
    not_a_link(create(path, OPEN_ALWAYS, true)?)
}

/// Creates a new file; fails if anything, a link included, is at `path`.
/// A `mode` closed to group and others (0600) means private to this user
/// by its own security descriptor; otherwise it inherits its directory's.
pub fn create_new(path: &Path, mode: u32) -> std::io::Result<File> {
    create(path, CREATE_NEW, mode & 0o077 == 0)
}

fn create(path: &Path, disposition: u32, private: bool) -> std::io::Result<File> {
    let sd = if private {
        Some(SecurityDescriptor::private(false)?)
    } else {
        None
    };
    let sa = sd.as_ref().map(SecurityDescriptor::attributes);
    let name = wide(path.as_os_str());
    // SAFETY: valid NUL-terminated path and attributes that outlive the call.
    let h = unsafe {
        CreateFileW(
            name.as_ptr(),
            GENERIC_READ | GENERIC_WRITE,
            FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
            sa.as_ref().map_or(null(), |a| a as *const _),
            disposition,
            FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT,
            null_mut(),
        )
    };
    if h == INVALID_HANDLE_VALUE {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: a fresh handle we own.
    Ok(unsafe { File::from_raw_handle(h as _) })
}

/// Creates `path` and any missing parents, each with a security descriptor
/// that grants access to the current user only, set by the creation itself.
pub fn create_private_dir(path: &Path) -> std::io::Result<()> {
    if path.is_dir() {
        return Ok(());
    }
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        create_private_dir(parent)?;
    }
    let sd = SecurityDescriptor::private(true)?;
    let sa = sd.attributes();
    let name = wide(path.as_os_str());
    // SAFETY: valid NUL-terminated path and attributes.
    if unsafe { CreateDirectoryW(name.as_ptr(), &sa) } == 0 {
        let e = std::io::Error::last_os_error();
        if !(e.kind() == std::io::ErrorKind::AlreadyExists && path.is_dir()) {
            return Err(e);
        }
    }
    Ok(())
}

/// Whether the metadata (from `symlink_metadata`) is of any reparse point.
pub fn is_link(meta: &Metadata) -> bool {
    meta.file_attributes() & FILE_ATTRIBUTE_REPARSE_POINT != 0
}

/// A directory or file we keep secrets in must be owned by this user and
/// grant nobody else access (see the module's note on SYSTEM and
/// Administrators). Reads the security of `file` when given, else of
/// `path` (already checked not to be a reparse point).
pub fn check_private(
    _meta: &Metadata,
    file: Option<&File>,
    path: &Path,
    what: &str,
    mode: u32,
) -> Result<()> {
    let p = path.display();
    let me = current_user_sid()?;
    let security = Security::of(file, path)?;
    let owner = security.owner();
    if owner.as_deref() != Some(me.as_str()) {
        bail!(
            "{what} {p} belongs to another user ({}); remove it or choose another with --cache-dir",
            owner.as_deref().unwrap_or("no owner")
        );
    }
    let grant = if mode == 0o700 { "(OI)(CI)F" } else { "F" };
    let fix = format!("icacls \"{p}\" /inheritance:r /grant:r \"%USERNAME%:{grant}\"");
    match security.others(&me) {
        None => bail!("{what} {p} is open to everyone (it has no access list); fix it with: {fix}"),
        Some(others) if !others.is_empty() => bail!(
            "{what} {p} is open to other users ({}); fix it with: {fix}",
            others.join(", ")
        ),
        Some(_) => Ok(()),
    }
}

/// The config file's owner and access list are not checked on Windows:
/// reading them costs a security-descriptor query on every call, beyond
/// the hit's budget, and a profile directory is private to its user by
/// default. Its type and size are checked as on Unix.
pub fn check_trusted(_meta: &Metadata, _path: &Path, _what: &str) -> Result<()> {
    Ok(())
}

/// Unix's shared directories (`/tmp`) have no like on Windows that the
/// ownership check does not already catch.
pub fn is_shared_dir(_meta: &Metadata) -> bool {
    false
}

/// Whether a file we wrote earlier is still private to this user.
pub fn has_private_mode(meta: &Metadata, path: &Path) -> bool {
    !is_link(meta) && check_private(meta, None, path, "file", 0o600).is_ok()
}

/// Whether a program file can be run: Windows has no execute bit.
pub fn is_executable(meta: &Metadata) -> bool {
    meta.is_file()
}

/// Size, last-write time and identity (volume serial number and file
/// index) of an open file.
pub fn file_id(file: &File, _meta: &Metadata) -> FileId {
    handle_id(file.as_raw_handle() as HANDLE).unwrap_or(FileId {
        size: 0,
        mtime_ns: 0,
        id: 0,
    })
}

/// The same for the file at `path` (following links, as Unix's `stat`);
/// `None` when there is none.
pub fn path_id(path: &Path) -> Option<FileId> {
    let name = wide(path.as_os_str());
    // SAFETY: valid NUL-terminated path; no access rights needed for the
    // query; the handle is closed below.
    unsafe {
        let h = CreateFileW(
            name.as_ptr(),
            0,
            FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
            null(),
            OPEN_EXISTING,
            FILE_FLAG_BACKUP_SEMANTICS,
            null_mut(),
        );
        if h == INVALID_HANDLE_VALUE {
            return None;
        }
        let id = handle_id(h);
        CloseHandle(h);
        id
    }
}

fn handle_id(h: HANDLE) -> Option<FileId> {
    // SAFETY: `info` is a valid out-pointer; `h` is an open handle.
    let info = unsafe {
        let mut info: BY_HANDLE_FILE_INFORMATION = std::mem::zeroed();
        if GetFileInformationByHandle(h, &mut info) == 0 {
            return None;
        }
        info
    };
    let ticks = (u64::from(info.ftLastWriteTime.dwHighDateTime) << 32)
        | u64::from(info.ftLastWriteTime.dwLowDateTime);
    // 100 ns ticks since 1601-01-01 to nanoseconds since 1970-01-01.
    let mtime_ns = (i128::from(ticks) - 116_444_736_000_000_000) * 100;
    Some(FileId {
        size: (u64::from(info.nFileSizeHigh) << 32) | u64::from(info.nFileSizeLow),
        mtime_ns,
        id: (u64::from(info.dwVolumeSerialNumber) << 48)
            ^ (u64::from(info.nFileIndexHigh) << 32)
            ^ u64::from(info.nFileIndexLow),
    })
}

/// What a non-regular file is, for an error.
pub fn kind_of(t: std::fs::FileType) -> &'static str {
    if t.is_symlink() {
        "a symbolic link or junction"
    } else if t.is_dir() {
        "a directory"
    } else {
        "an unusual file type"
    }
}

/// The current user's SID as a string (`S-1-5-21-...`), once.
pub fn current_user_sid() -> Result<String> {
    static SID: OnceLock<Option<String>> = OnceLock::new();
    SID.get_or_init(|| {
        // SAFETY: the token handle is closed; the buffer is large enough as
        // GetTokenInformation reports, and TOKEN_USER is read in place.
        unsafe {
            let mut token: HANDLE = null_mut();
            if OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) == 0 {
                return None;
            }
            let mut len = 0u32;
            GetTokenInformation(token, TokenUser, null_mut(), 0, &mut len);
            let mut buf = vec![0u64; (len as usize).div_ceil(8).max(1)];
            let ok = GetTokenInformation(token, TokenUser, buf.as_mut_ptr().cast(), len, &mut len);
            CloseHandle(token);
            if ok == 0 {
                return None;
            }
            let user = &*(buf.as_ptr() as *const TOKEN_USER);
            sid_string(user.User.Sid)
        }
    })
    .clone()
    .ok_or_else(|| anyhow::anyhow!("could not find the current user's security identifier"))
}

fn sid_string(sid: PSID) -> Option<String> {
    // SAFETY: `sid` is a valid SID; the string is freed with LocalFree.
    unsafe {
        let mut out = null_mut();
        if sid.is_null() || ConvertSidToStringSidW(sid, &mut out) == 0 {
            return None;
        }
        let len = (0..).take_while(|&i| *out.add(i) != 0).count();
        let s = String::from_utf16_lossy(std::slice::from_raw_parts(out, len));
        LocalFree(out as HLOCAL);
        Some(s)
    }
}

/// A security descriptor from SDDL, freed on drop.
struct SecurityDescriptor(PSECURITY_DESCRIPTOR);

impl SecurityDescriptor {
    /// Owner and sole grantee: the current user; protected from inherited
    /// entries; for a directory, inherited by what is created inside.
    fn private(dir: bool) -> std::io::Result<SecurityDescriptor> {
        let sid = current_user_sid().map_err(std::io::Error::other)?;
        let inherit = if dir { "OICI" } else { "" };
        let sddl = wide(OsStr::new(&format!("O:{sid}D:P(A;{inherit};FA;;;{sid})")));
        let mut sd = null_mut();
        // SAFETY: a NUL-terminated SDDL string and a valid out-pointer.
        let ok = unsafe {
            ConvertStringSecurityDescriptorToSecurityDescriptorW(
                sddl.as_ptr(),
                SDDL_REVISION_1,
                &mut sd,
                null_mut(),
            )
        };
        if ok == 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(SecurityDescriptor(sd))
    }

    fn attributes(&self) -> SECURITY_ATTRIBUTES {
        SECURITY_ATTRIBUTES {
            nLength: size_of::<SECURITY_ATTRIBUTES>() as u32,
            lpSecurityDescriptor: self.0,
            bInheritHandle: 0,
        }
    }
}

impl Drop for SecurityDescriptor {
    fn drop(&mut self) {
        // SAFETY: allocated by ConvertStringSecurityDescriptor...W.
        unsafe { LocalFree(self.0 as HLOCAL) };
    }
}

/// A handle to read the security of a file or directory, never through a
/// reparse point.
fn open_for_security(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .access_mode(READ_CONTROL)
        .custom_flags(FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT)
        .open(path)
}

/// The owner and DACL of a file or directory, freed on drop.
struct Security {
    sd: PSECURITY_DESCRIPTOR,
    owner: PSID,
    dacl: *mut ACL,
}

impl Security {
    /// From `file`, else from a handle on `path` itself (a reparse point
    /// is not followed).
    fn of(file: Option<&File>, path: &Path) -> Result<Security> {
        let opened;
        let file = match file {
            Some(f) => f,
            None => {
                opened = open_for_security(path)
                    .with_context(|| format!("could not open {}", path.display()))?;
                &opened
            }
        };
        let mut s = Security {
            sd: null_mut(),
            owner: null_mut(),
            dacl: null_mut(),
        };
        // SAFETY: valid out-pointers; the descriptor is freed on drop.
        let rc = unsafe {
            GetSecurityInfo(
                file.as_raw_handle() as HANDLE,
                SE_FILE_OBJECT,
                OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                &mut s.owner,
                null_mut(),
                &mut s.dacl,
                null_mut(),
                &mut s.sd,
            )
        };
        if rc != ERROR_SUCCESS {
            bail!(
                "could not read the security of {}: {}",
                path.display(),
                std::io::Error::from_raw_os_error(rc as i32)
            );
        }
        Ok(s)
    }

    fn owner(&self) -> Option<String> {
        sid_string(self.owner)
    }

    /// The SIDs other than `me` (and the trusted ones) that an entry of the
    /// DACL allows anything; `None` for no DACL at all (everyone allowed).
    fn others(&self, me: &str) -> Option<Vec<String>> {
        if self.dacl.is_null() {
            return None;
        }
        let mut out = Vec::new();
        // SAFETY: `dacl` is valid while the descriptor lives; GetAce gives
        // pointers into it, each at least an ACE_HEADER.
        unsafe {
            for i in 0..u32::from((*self.dacl).AceCount) {
                let mut ace = null_mut();
                if GetAce(self.dacl, i, &mut ace) == 0 {
                    continue;
                }
                let header = &*(ace as *const ACE_HEADER);
                // ACCESS_DENIED_ACE_TYPE (1) takes nothing away from us.
                if header.AceType == 1 {
                    continue;
                }
                // Any other allowing type than the plain one is someone we
                // cannot name: count it as open.
                let sid = if header.AceType == 0 {
                    let allowed = &*(ace as *const ACCESS_ALLOWED_ACE);
                    if allowed.Mask == 0 {
                        continue;
                    }
                    sid_string(&allowed.SidStart as *const u32 as PSID)
                } else {
                    None
                };
                let sid = sid.unwrap_or_else(|| format!("an entry of type {}", header.AceType));
                if sid != me && !TRUSTED.contains(&sid.as_str()) && !out.contains(&sid) {
                    out.push(sid);
                }
            }
        }
        Some(out)
    }
}

impl Drop for Security {
    fn drop(&mut self) {
        if !self.sd.is_null() {
            // SAFETY: allocated by Get(Named)SecurityInfo.
            unsafe { LocalFree(self.sd as HLOCAL) };
        }
    }
}
