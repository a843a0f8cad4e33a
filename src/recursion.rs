//! The recursion guard: a profile whose `credential_process` runs
//! bedrock-token (any command) for itself would fork without bound, or wait
//! on the lock its own parent holds. While we resolve credentials, an
//! environment marker (`depth:profile,profile,...`) tells the chain's
//! children who asked; a child asked for a profile already in the chain, or
//! past a depth of 8, stops with a clear error before taking any lock.

use crate::error::with_hint;
use anyhow::Result;
use std::ffi::OsString;

pub const VAR: &str = "BEDROCK_TOKEN_CREDENTIAL_PROCESS";
const MAX_DEPTH: usize = 8;

/// The profiles of the callers above us, outermost first.
fn chain() -> Vec<String> {
    std::env::var(VAR)
        .unwrap_or_default()
        .split_once(':')
        .map(|(_, p)| {
            p.split(',')
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Fails when resolving credentials for `profile` would recurse.
pub fn check(profile: &str) -> Result<()> {
    let chain = chain();
    if chain.iter().any(|p| p == profile) || chain.len() >= MAX_DEPTH {
        return Err(with_hint(
            format!(
                "recursion: profile {profile} gets its credentials from bedrock-token for itself \
                 (chain: {} -> {profile})",
                chain.join(" -> ")
            ),
            format!(
                "point credential_process of profile {profile} at another profile: \
                 bedrock-token credential-process --profile SOURCE"
            ),
        ));
    }
    Ok(())
}

/// The marker, set while credentials are resolved and restored on drop, so
/// a program we `exec` afterwards does not inherit it.
pub struct Marker {
    previous: Option<OsString>,
}

impl Marker {
    pub fn enter(profile: &str) -> Marker {
        let previous = std::env::var_os(VAR);
        let mut next = chain();
        next.push(profile.to_string());
        let value = format!("{}:{}", next.len(), next.join(","));
        // SAFETY: no thread reads the environment meanwhile: the async
        // runtime starts after this and is gone before the drop, and the
        // lock-wait thread only waits on flock.
        unsafe { std::env::set_var(VAR, value) };
        Marker { previous }
    }
}

impl Drop for Marker {
    fn drop(&mut self) {
        // SAFETY: as in `enter`.
        unsafe {
            match &self.previous {
                Some(v) => std::env::set_var(VAR, v),
                None => std::env::remove_var(VAR),
            }
        }
    }
}
