//! The failures `main` must tell apart, each knowing its exit code and the
//! next step to print. Everything else is a plain `anyhow` error (exit 1).

use std::fmt;

#[derive(Debug)]
pub enum Failure {
    /// A bad option, variable or value: exit 2.
    Usage(String),
    /// A runtime failure with what to do next (`run: aws sso login ...`).
    Hint { message: String, hint: String },
    /// Another process held the entry's lock for longer than `--lock-timeout`.
    LockTimeout { message: String, hint: String },
}

impl Failure {
    /// The failure somewhere in `err`'s chain, if any: the one downcast.
    pub fn of(err: &anyhow::Error) -> Option<&Failure> {
        err.chain().find_map(|c| c.downcast_ref::<Failure>())
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => 2,
            Failure::Hint { .. } | Failure::LockTimeout { .. } => 1,
        }
    }

    pub fn hint(&self) -> Option<&str> {
        match self {
            Failure::Usage(_) => None,
            Failure::Hint { hint, .. } | Failure::LockTimeout { hint, .. } => Some(hint),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(m)
            | Failure::Hint { message: m, .. }
            | Failure::LockTimeout { message: m, .. } => f.write_str(m),
        }
    }
}

impl std::error::Error for Failure {}

/// A usage error: exit code 2.
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    Failure::Usage(message.into()).into()
}

/// A runtime failure with the next step.
pub fn with_hint(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    Failure::Hint {
        message: message.into(),
        hint: hint.into(),
    }
    .into()
}

/// The exit code for any error: its failure's, else 1.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    Failure::of(err).map_or(1, Failure::exit_code)
}

/// The error's causes on one line, deduplicated (aws-config and the smithy
/// HTTP client often repeat themselves one level down).
pub fn causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = err.source();
    while let Some(e) = source {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = e.source();
    }
    let text = if parts.is_empty() {
        err.to_string()
    } else {
        parts.join(": ")
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
