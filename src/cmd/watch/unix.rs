//! The watcher's Unix layer: signals caught into a pipe (the self-pipe
//! trick), and `--on-change` through `/bin/sh -c`.

use super::Event;
use anyhow::{Context, Result};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::Command;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

/// Written into the signal pipe by the renewer when the first key could not
/// be written: the main thread then fails as plain `write` would.
const FIRST_FAILED: u8 = 0;

/// The write end of the signal pipe, for the handlers.
static SIGNAL_PIPE: AtomicI32 = AtomicI32::new(-1);

/// SIGTERM, SIGINT and SIGHUP, caught into a pipe: the handlers only write
/// the signal's number, which is async-signal-safe.
pub(super) struct Events {
    read: OwnedFd,
}

impl Events {
    pub(super) fn install() -> Result<Events> {
        let mut fds = [0; 2];
        // SAFETY: `fds` is an array of two ints.
        if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
            return Err(std::io::Error::last_os_error()).context("could not create a pipe");
        }
        // SAFETY: both are open descriptors we own from here on.
        let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        for fd in [&read, &write] {
            // Close-on-exec, so no child holds them; non-blocking, so a
            // handler never blocks on a full pipe.
            // SAFETY: fcntl on an open descriptor.
            unsafe {
                libc::fcntl(fd.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC);
                let flags = libc::fcntl(fd.as_raw_fd(), libc::F_GETFL);
                libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK);
            }
        }
        // The write end lives as long as the process.
        SIGNAL_PIPE.store(
            std::os::fd::IntoRawFd::into_raw_fd(write),
            Ordering::Relaxed,
        );
        for signal in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
            // SAFETY: a zeroed sigaction is valid; we set a handler that
            // only calls async-signal-safe functions.
            let ok = unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
                action.sa_flags = libc::SA_RESTART;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(signal, &action, std::ptr::null_mut()) == 0
            };
            if !ok {
                return Err(std::io::Error::last_os_error())
                    .context("could not install a signal handler");
            }
        }
        Ok(Events { read })
    }

    /// Blocks until something is in the pipe; returns what is there.
    pub(super) fn wait(&self) -> Result<Vec<Event>> {
        Ok(self.read_pipe()?.into_iter().filter_map(event).collect())
    }

    /// The stop is done. Nothing waits for it on Unix: the main thread
    /// returns and the process exits.
    pub(super) fn stopped(&self) {}

    fn read_pipe(&self) -> Result<Vec<u8>> {
        let fd = self.read.as_raw_fd();
        loop {
            let mut poll = libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd; -1 waits without a timeout.
            unsafe { libc::poll(&mut poll, 1, -1) };
            let mut buf = [0u8; 64];
            // SAFETY: reads at most buf.len() bytes into buf.
            let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
            if n > 0 {
                return Ok(buf[..n as usize].to_vec());
            }
            let err = std::io::Error::last_os_error();
            if n == 0
                || !matches!(
                    err.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted
                )
            {
                return Err(err).context("could not read the signal pipe");
            }
        }
    }
}

/// What a byte in the pipe means.
fn event(byte: u8) -> Option<Event> {
    match byte as libc::c_int {
        libc::SIGHUP => Some(Event::RenewNow),
        libc::SIGTERM => Some(Event::Stop("SIGTERM")),
        libc::SIGINT => Some(Event::Stop("SIGINT")),
        _ if byte == FIRST_FAILED => Some(Event::FirstFailed),
        _ => None,
    }
}

/// Wakes the main thread: the first key could not be written.
pub(super) fn first_failed() {
    notify(FIRST_FAILED);
}

/// `/bin/sh -c CMD` in a new process group, with the signal dispositions
/// and limits a child should start with.
pub(super) fn shell(cmd: &str) -> Command {
    use std::os::unix::process::CommandExt;
    let mut child = Command::new("/bin/sh");
    // A process group of its own, so that ending it ends what it started.
    child.arg("-c").arg(cmd).process_group(0);
    // SAFETY: child_defaults is async-signal-safe.
    unsafe {
        child.pre_exec(|| {
            crate::platform::child_defaults();
            Ok(())
        });
    }
    child
}

/// Ends hooks' process groups: SIGTERM to each, then SIGKILL to whatever
/// is left once its leader has exited or `grace` has passed. Each leader
/// is reaped last, so until then its id (its group's) cannot be reused and
/// the signals reach only its group. Says what happened to each, for the
/// log.
pub(super) fn end_hooks(children: Vec<std::process::Child>, grace: Duration) -> Vec<(u32, String)> {
    for child in &children {
        // SAFETY: kill(2) with a negative pid signals that process group.
        unsafe { libc::kill(-(child.id() as libc::pid_t), libc::SIGTERM) };
    }
    let started = Instant::now();
    while started.elapsed() < grace && !children.iter().all(|c| exited(c.id())) {
        std::thread::sleep(Duration::from_millis(20));
    }
    children
        .into_iter()
        .map(|mut child| {
            let pid = child.id();
            let killed = !exited(pid);
            // SAFETY: as above; the unreaped leader keeps the group id ours.
            unsafe { libc::kill(-(pid as libc::pid_t), libc::SIGKILL) };
            let _ = child.wait();
            let how = if killed {
                format!(
                    "ended its process group (SIGKILL after {} ms of SIGTERM)",
                    grace.as_millis()
                )
            } else {
                "ended its process group (SIGTERM)".to_string()
            };
            (pid, how)
        })
        .collect()
}

/// Whether process `pid`, our child, has exited, without reaping it.
fn exited(pid: u32) -> bool {
    // SAFETY: a zeroed siginfo_t is valid; WNOWAIT leaves the child
    // waitable.
    unsafe {
        let mut info: libc::siginfo_t = std::mem::zeroed();
        let rc = libc::waitid(
            libc::P_PID,
            pid as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
        );
        rc != 0 || info.si_pid() != 0
    }
}

/// Writes one byte into the signal pipe.
fn notify(byte: u8) {
    let fd = SIGNAL_PIPE.load(Ordering::Relaxed);
    if fd >= 0 {
        // SAFETY: writes one byte from a valid location; a full pipe
        // (non-blocking) drops it, and a byte is already waiting then.
        unsafe { libc::write(fd, (&byte as *const u8).cast(), 1) };
    }
}

extern "C" fn on_signal(signal: libc::c_int) {
    // SAFETY: errno is thread-local; restored for the code we interrupted.
    unsafe {
        let errno = errno_location();
        let saved = *errno;
        notify(signal as u8);
        *errno = saved;
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
unsafe fn errno_location() -> *mut libc::c_int {
    // SAFETY: always valid for the calling thread.
    unsafe { libc::__errno_location() }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
unsafe fn errno_location() -> *mut libc::c_int {
    // SAFETY: always valid for the calling thread.
    unsafe { libc::__error() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipe_bytes_are_events() {
        assert_eq!(event(libc::SIGHUP as u8), Some(Event::RenewNow));
        assert_eq!(event(libc::SIGTERM as u8), Some(Event::Stop("SIGTERM")));
        assert_eq!(event(libc::SIGINT as u8), Some(Event::Stop("SIGINT")));
        assert_eq!(event(FIRST_FAILED), Some(Event::FirstFailed));
        assert_eq!(event(200), None);
    }
}
