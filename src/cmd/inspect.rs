//! `bedrock-token inspect [-]`: what a key holds, never its signature,
//! session token or secret. Exit 1 when it has expired or is not a Bedrock
//! key. A long-term key (`ABSK...`) shows its alias and, in the documented
//! layout, its user and account: its expiry lives in IAM (`key list`).

use super::Outcome;
use crate::bedrock_key::BedrockKey;
use crate::cli::InspectArgs;
use crate::duration::now_unix;
use crate::output::inspect;
use crate::provide;
use crate::settings::Settings;
use anyhow::{Result, anyhow};

/// Returns whether the key is still valid.
pub fn run(s: &Settings, args: &InspectArgs) -> Result<Outcome> {
    let (key, expires_at, profile) = match &args.input {
        Some(marker) => (super::key_from_stdin(marker)?, None, None),
        None => {
            let entry = provide::bedrock_key(s)?;
            let key = crate::output::token(&entry).clone();
            (key, Some(entry.expires_at), Some(entry.profile))
        }
    };
    let parsed = BedrockKey::parse(key.expose()).map_err(|e| anyhow!("{e:#}"));
    drop(key);
    let decoded = match parsed? {
        BedrockKey::LongTerm(long) => return super::print(&inspect::long_term(&long, args.format)),
        BedrockKey::ShortTerm(decoded) => decoded,
    };
    let view = inspect::ShortTerm {
        expires_at: expires_at.unwrap_or_else(|| decoded.expires_at()),
        decoded: &decoded,
        profile: profile.as_deref(),
        now: now_unix(),
    };
    super::print(&inspect::short_term(&view, args.format))?;
    Ok(if view.valid() {
        Outcome::Success
    } else {
        Outcome::Problem
    })
}
