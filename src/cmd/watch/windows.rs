//! The watcher's Windows layer: console control events instead of signals,
//! and `--on-change` through `cmd.exe /C`.
//!
//! Windows runs a console control handler on a thread of its own. Ours
//! queues a stop for the main thread and returns at once for Ctrl-C and
//! Ctrl-Break; for the console closing, logoff and shutdown, Windows ends
//! the process as soon as the handler returns, so it waits until the main
//! thread has stopped the renewer (no rewrite under way, none to come), and
//! then never returns: the main thread's exit (code 0) ends the process,
//! or Windows does when its time is up (5 s for a close, more for logoff
//! and shutdown). Either way PATH holds a whole key. There is no SIGHUP:
//! nothing asks a Windows watcher to renew now.

use super::Event;
use anyhow::{Context, Result};
use std::process::Command;
use std::sync::{Condvar, Mutex, MutexGuard};
use windows_sys::Win32::System::Console::{
    CTRL_BREAK_EVENT, CTRL_C_EVENT, CTRL_CLOSE_EVENT, CTRL_LOGOFF_EVENT, CTRL_SHUTDOWN_EVENT,
    SetConsoleCtrlHandler,
};
use windows_sys::core::BOOL;

/// Events for the main thread, and whether the stop is done; shared with
/// the handler, which Windows calls as a plain function.
static QUEUE: Mutex<Queue> = Mutex::new(Queue {
    events: Vec::new(),
    stopped: false,
});
static CHANGED: Condvar = Condvar::new();

struct Queue {
    events: Vec<Event>,
    stopped: bool,
}

fn queue() -> MutexGuard<'static, Queue> {
    QUEUE.lock().unwrap_or_else(|e| e.into_inner())
}

fn push(event: Event) {
    queue().events.push(event);
    CHANGED.notify_all();
}

pub(super) struct Events;

impl Events {
    pub(super) fn install() -> Result<Events> {
        // SAFETY: `on_control` is valid for the process's lifetime. Added
        // in front of any other handler (and of the default one, which
        // would end the process at once).
        if unsafe { SetConsoleCtrlHandler(Some(on_control), 1) } == 0 {
            return Err(std::io::Error::last_os_error())
                .context("could not install a console control handler");
        }
        Ok(Events)
    }

    /// Blocks until an event is queued; returns those queued.
    pub(super) fn wait(&self) -> Result<Vec<Event>> {
        let mut q = queue();
        while q.events.is_empty() {
            q = CHANGED.wait(q).unwrap_or_else(|e| e.into_inner());
        }
        Ok(std::mem::take(&mut q.events))
    }

    /// The stop is done: a handler waiting for it may let Windows go on.
    pub(super) fn stopped(&self) {
        queue().stopped = true;
        CHANGED.notify_all();
    }
}

/// Wakes the main thread: the first key could not be written.
pub(super) fn first_failed() {
    push(Event::FirstFailed);
}

/// The name of a control event we stop on, for the log.
fn name(ctrl: u32) -> Option<&'static str> {
    match ctrl {
        CTRL_C_EVENT => Some("Ctrl-C"),
        CTRL_BREAK_EVENT => Some("Ctrl-Break"),
        CTRL_CLOSE_EVENT => Some("the console closing"),
        CTRL_LOGOFF_EVENT => Some("logoff"),
        CTRL_SHUTDOWN_EVENT => Some("shutdown"),
        _ => None,
    }
}

/// Whether Windows ends the process once the handler returns.
fn ends_on_return(ctrl: u32) -> bool {
    matches!(
        ctrl,
        CTRL_CLOSE_EVENT | CTRL_LOGOFF_EVENT | CTRL_SHUTDOWN_EVENT
    )
}

unsafe extern "system" fn on_control(ctrl: u32) -> BOOL {
    let Some(name) = name(ctrl) else {
        // Not ours: the next handler decides.
        return 0;
    };
    push(Event::Stop(name));
    if ends_on_return(ctrl) {
        let mut q = queue();
        while !q.stopped {
            q = CHANGED.wait(q).unwrap_or_else(|e| e.into_inner());
        }
        drop(q);
        // The main thread is exiting with code 0; returning would let
        // Windows end the process with another.
        loop {
            std::thread::park();
        }
    }
    1
}

/// `cmd.exe /C "CMD"`, as the AWS SDKs run `credential_process` on
/// Windows: CMD goes verbatim (`raw_arg`), since cmd.exe does not read
/// the C runtime's `\"` escapes, and inside one more pair of quotes, which
/// cmd.exe strips, so a quoted program path (`"C:\Program Files\..."`)
/// survives.
pub(super) fn shell(cmd: &str) -> Command {
    use std::os::windows::process::CommandExt;
    let mut child = Command::new("cmd.exe");
    child.arg("/C").raw_arg(format!("\"{cmd}\""));
    child
}

/// Ends hooks: Windows has no process groups to signal, so each command
/// itself is terminated (what it started runs on). Says so, for the log.
pub(super) fn end_hooks(
    children: Vec<std::process::Child>,
    _grace: std::time::Duration,
) -> Vec<(u32, String)> {
    children
        .into_iter()
        .map(|mut child| {
            let _ = child.kill();
            let _ = child.wait();
            (child.id(), "terminated it".to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_events_that_stop_and_that_end_on_return() {
        assert_eq!(name(CTRL_C_EVENT), Some("Ctrl-C"));
        assert_eq!(name(CTRL_BREAK_EVENT), Some("Ctrl-Break"));
        assert_eq!(name(CTRL_CLOSE_EVENT), Some("the console closing"));
        assert_eq!(name(CTRL_LOGOFF_EVENT), Some("logoff"));
        assert_eq!(name(CTRL_SHUTDOWN_EVENT), Some("shutdown"));
        assert_eq!(name(3), None);
        assert!(!ends_on_return(CTRL_C_EVENT) && !ends_on_return(CTRL_BREAK_EVENT));
        assert!(ends_on_return(CTRL_CLOSE_EVENT));
        assert!(ends_on_return(CTRL_LOGOFF_EVENT) && ends_on_return(CTRL_SHUTDOWN_EVENT));
    }

    #[test]
    fn the_hook_runs_through_cmd_with_its_line_verbatim() {
        let c = shell(r#"echo changed>>"C:\a b\c""#);
        assert_eq!(c.get_program(), "cmd.exe");
        let args: Vec<_> = c.get_args().collect();
        assert_eq!(args, ["/C", r#""echo changed>>"C:\a b\c"""#]);
    }
}
