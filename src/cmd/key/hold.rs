//! SIGINT and SIGTERM (on Windows, Ctrl-C and Ctrl-Break) held back while a
//! new key's secret is on its way: from the create call until the key is
//! delivered. A signal that arrives then is remembered, not obeyed, so the
//! process never dies between IAM's answer and the file or stdout, the one
//! window where the secret exists nowhere else.

use std::sync::atomic::{AtomicI32, Ordering};

/// The signal that arrived while held; 0: none.
static CAUGHT: AtomicI32 = AtomicI32::new(0);

/// Signals are held while this lives.
pub struct Hold {
    _private: (),
}

impl Hold {
    pub fn start() -> Hold {
        CAUGHT.store(0, Ordering::SeqCst);
        os::defer();
        Hold { _private: () }
    }

    /// Ends the hold. `Some(name)` when a signal came meanwhile: the caller
    /// says what was delivered and stops.
    pub fn release(self) -> Option<&'static str> {
        drop(self);
        os::name(CAUGHT.load(Ordering::SeqCst))
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        os::restore();
    }
}

/// The exit code of a process stopped by the signal `name`.
pub fn exit_code(name: &str) -> i32 {
    match name {
        "SIGINT" => 130,
        _ => 143,
    }
}

#[cfg(unix)]
mod os {
    use super::{CAUGHT, Ordering};
    use std::sync::atomic::AtomicBool;

    const SIGNALS: [libc::c_int; 2] = [libc::SIGINT, libc::SIGTERM];

    extern "C" fn on_signal(signal: libc::c_int) {
        // Async-signal-safe: one atomic store.
        CAUGHT.store(signal, Ordering::SeqCst);
    }

    /// Which of [`SIGNALS`] got our handler (one ignored from the start,
    /// as under `nohup`, stays ignored).
    static INSTALLED: [AtomicBool; 2] = [AtomicBool::new(false), AtomicBool::new(false)];

    /// A handler in the process, not a mask in one thread: the runtime's
    /// threads would otherwise take the signal and die of it.
    pub(super) fn defer() {
        for (i, signal) in SIGNALS.into_iter().enumerate() {
            // SAFETY: a zeroed sigaction is valid, `old` is filled in by
            // the call; the handler only stores into an atomic.
            unsafe {
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(signal, std::ptr::null(), &mut old) != 0
                    || old.sa_sigaction == libc::SIG_IGN
                {
                    continue;
                }
                set(
                    signal,
                    on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t,
                );
            }
            INSTALLED[i].store(true, Ordering::SeqCst);
        }
    }

    pub(super) fn restore() {
        for (i, signal) in SIGNALS.into_iter().enumerate() {
            if INSTALLED[i].swap(false, Ordering::SeqCst) {
                set(signal, libc::SIG_DFL);
            }
        }
    }

    fn set(signal: libc::c_int, handler: libc::sighandler_t) {
        // SAFETY: a zeroed sigaction is valid; the handler is SIG_DFL or
        // one that only stores into an atomic.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = handler;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }

    pub(super) fn name(signal: i32) -> Option<&'static str> {
        match signal {
            libc::SIGINT => Some("SIGINT"),
            libc::SIGTERM => Some("SIGTERM"),
            _ => None,
        }
    }
}

#[cfg(windows)]
mod os {
    use super::{CAUGHT, Ordering};
    use windows_sys::Win32::System::Console::{
        CTRL_BREAK_EVENT, CTRL_C_EVENT, SetConsoleCtrlHandler,
    };

    unsafe extern "system" fn on_ctrl(event: u32) -> windows_sys::core::BOOL {
        if event == CTRL_C_EVENT || event == CTRL_BREAK_EVENT {
            CAUGHT.store(event as i32 + 1, Ordering::SeqCst);
            return 1;
        }
        0
    }

    pub(super) fn defer() {
        // SAFETY: a valid handler routine.
        unsafe { SetConsoleCtrlHandler(Some(on_ctrl), 1) };
    }

    pub(super) fn restore() {
        // SAFETY: removes the routine added by `defer`.
        unsafe { SetConsoleCtrlHandler(Some(on_ctrl), 0) };
    }

    pub(super) fn name(caught: i32) -> Option<&'static str> {
        match caught {
            0 => None,
            c if c == CTRL_C_EVENT as i32 + 1 => Some("SIGINT"),
            _ => Some("SIGTERM"),
        }
    }
}
