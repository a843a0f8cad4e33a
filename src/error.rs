//! The errors `main` must tell apart: usage errors (exit 2) and failures that
//! come with a next step for the user. Everything else is a plain `anyhow`
//! error (exit 1).

use std::fmt;

#[derive(Debug)]
pub struct Failure {
    pub message: String,
    /// What to do next, printed on its own line: `run: aws sso login ...`.
    pub hint: Option<String>,
    pub usage: bool,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// A usage error: exit code 2.
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    Failure {
        message: message.into(),
        hint: None,
        usage: true,
    }
    .into()
}

/// A runtime failure with the next step.
pub fn with_hint(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    Failure {
        message: message.into(),
        hint: Some(hint.into()),
        usage: false,
    }
    .into()
}
