//! Start-up hardening, before anything else runs: standard descriptors that
//! cannot be taken by our files, and no core dump that could hold secrets.

use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Reopens a closed fd 0, 1 or 2 on `/dev/null`, so no lock or cache file
/// we open later takes its number (and receives our output), and makes the
/// process non-dumpable. Two system calls when nothing is closed.
pub fn harden() {
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
                STDOUT_CLOSED.store(true, Ordering::Relaxed);
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
}

/// Whether stdout was closed when we started: output written now goes
/// nowhere, so a command that must deliver something fails instead.
pub fn stdout_was_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}

/// A crash must not write the environment's or the credentials file's
/// secrets to a core file. Non-dumpable, as ssh-agent makes itself; the
/// flag resets on exec, so a program run by `exec` dumps as usual.
#[cfg(target_os = "linux")]
fn no_core_dumps() {
    // SAFETY: PR_SET_DUMPABLE with 0 has no memory effects.
    unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) };
}

/// Elsewhere on Unix: a core size limit of 0 (restored for `exec`'s child
/// by [`restore_core_limit`]).
#[cfg(all(unix, not(target_os = "linux")))]
fn no_core_dumps() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: valid pointers to an rlimit.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_CORE, &mut limit) == 0 {
            SAVED_CORE_LIMIT.store(limit.rlim_cur as u64, Ordering::Relaxed);
            limit.rlim_cur = 0;
            libc::setrlimit(libc::RLIMIT_CORE, &limit);
        }
    }
}

#[cfg(all(unix, not(target_os = "linux")))]
static SAVED_CORE_LIMIT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Gives a program we are about to exec the core limit we started with.
pub fn restore_core_limit() {
    #[cfg(all(unix, not(target_os = "linux")))]
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
