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

/// Writes the whole output at once. A reader that went away (`| head`) is
/// not an error.
pub fn print(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(anyhow::anyhow!("could not write to stdout: {e}")),
    }
}
