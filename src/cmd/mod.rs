//! One file per subcommand. Each takes resolved settings and its own
//! arguments, and is the only code that writes its output to stdout.

pub mod cache;
pub mod completions;
pub mod credential_process;
pub mod doctor;
pub mod env;
pub mod exec;
pub mod inspect;
pub mod key;
pub mod proxy;
pub mod setup;
pub mod token;
pub mod verify;
pub mod watch;
pub mod write;

use crate::secret::Secret;
use anyhow::{Context, Result};
use std::io::{Read, Write};

/// Keys are about 1 KiB; read no more than this from stdin.
const MAX_KEY_INPUT: u64 = 64 * 1024;

/// A key from stdin (`inspect -`, `verify -`): never from an argument,
/// which other users can read. `marker` is the argument given, which must
/// be `-`; anything else is refused without being quoted back.
pub fn key_from_stdin(marker: &str) -> Result<Secret> {
    if marker != "-" {
        return Err(crate::error::usage(
            "only `-` (read the key from stdin) is accepted: a key on the command line is readable by other users",
        ));
    }
    use std::io::IsTerminal;
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        // A wait with no prompt looks like a hang.
        crate::ui::line(
            "waiting for a key on stdin: paste it, then press Enter and Ctrl-D (Ctrl-Z, Enter on Windows)",
        );
    }
    let mut buf = zeroize::Zeroizing::new(Vec::new());
    stdin
        .take(MAX_KEY_INPUT)
        .read_to_end(&mut buf)
        .context("could not read the key from stdin")?;
    let key = Secret::new(String::from_utf8_lossy(&buf).trim().to_string());
    if key.expose().is_empty() {
        return Err(crate::error::with_hint(
            "nothing was read from stdin: `-` reads the key from there",
            "pipe a key in, e.g.: bedrock-token token | bedrock-token inspect -",
        ));
    }
    Ok(key)
}

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
    match write_stdout(text)? {
        Ok(()) => Ok(Outcome::Success),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Outcome::Success),
        Err(e) => Err(anyhow::anyhow!("could not write to stdout: {e}")),
    }
}

/// [`print`] for output that exists only once (a new long-term key): a
/// reader that went away is an error too, since the output is lost.
pub fn deliver(text: &str) -> Result<()> {
    write_stdout(text)?.map_err(|e| anyhow::anyhow!("could not write to stdout: {e}"))
}

/// The write's own result inside; outside, a stdout closed from the start.
fn write_stdout(text: &str) -> Result<std::io::Result<()>> {
    if crate::process::stdout_was_closed() {
        anyhow::bail!("stdout is closed: nothing was delivered");
    }
    let mut out = std::io::stdout().lock();
    Ok(out.write_all(text.as_bytes()).and_then(|()| out.flush()))
}
