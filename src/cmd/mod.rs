//! One file per subcommand. Each takes resolved settings and its own
//! arguments, and is the only code that writes its output to stdout.

pub mod cache;
pub mod completions;
pub mod credential_process;
pub mod doctor;
pub mod env;
pub mod exec;
pub mod inspect;
pub mod setup;
pub mod token;
pub mod write;

use anyhow::Result;
use std::io::Write;

/// How a command ended, when it ran to its end: exit 0, or exit 1 for a
/// finding (`inspect`: the key expired; `doctor`: a problem).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Problem,
}

/// Writes the whole output at once. A reader that went away (`| head`) is
/// not an error; a stdout that was closed when we started is, since the
/// output was not delivered.
pub fn print(text: &str) -> Result<Outcome> {
    if crate::process::stdout_was_closed() {
        anyhow::bail!("stdout is closed: nothing was delivered");
    }
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(Outcome::Success),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Outcome::Success),
        Err(e) => Err(anyhow::anyhow!("could not write to stdout: {e}")),
    }
}
