//! `bedrock-token inspect [-]`: what a key holds, never its signature,
//! session token or secret. Exit 1 when it has expired or is not a Bedrock
//! key. A long-term key (`ABSK...`) shows its user and account only: its
//! expiry lives in IAM (`key list`).

use super::Outcome;
use crate::bedrock_key::{BedrockKey, LongTerm};
use crate::cli::{InfoFormat, InspectArgs};
use crate::duration::{format_remaining, format_secs, now_unix, rfc3339};
use crate::provide;
use crate::settings::Settings;
use anyhow::{Result, anyhow};
use serde_json::json;

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
        BedrockKey::LongTerm(long) => return super::print(&long_term(&long, args.format)?),
        BedrockKey::ShortTerm(decoded) => decoded,
    };
    let now = now_unix();
    let expires_at = expires_at.unwrap_or_else(|| decoded.expires_at());
    let remaining = expires_at - now;
    let valid = remaining > 0 && decoded.signed_at <= now;
    let text = match args.format {
        InfoFormat::Json => {
            let mut doc = json!({
                "kind": "short-term",
                "region": decoded.region,
                "access_key_id": decoded.masked_access_key_id(),
                "session_token": decoded.has_session_token,
                "signed_at": rfc3339(decoded.signed_at),
                "lifetime_seconds": decoded.expires_in,
                "expires_at": rfc3339(expires_at),
                "remaining_seconds": remaining.max(0),
                "valid": valid,
            });
            if let Some(p) = profile {
                doc["profile"] = json!(p);
            }
            format!("{}\n", serde_json::to_string_pretty(&doc)?)
        }
        InfoFormat::Text => {
            let mut t = String::from("kind:           short-term\n");
            if let Some(p) = profile {
                t.push_str(&format!("profile:        {p}\n"));
            }
            t.push_str(&format!("region:         {}\n", decoded.region));
            t.push_str(&format!(
                "access key id:  {}\n",
                decoded.masked_access_key_id()
            ));
            t.push_str(&format!(
                "session token:  {}\n",
                if decoded.has_session_token {
                    "yes"
                } else {
                    "no"
                }
            ));
            t.push_str(&format!("signed at:      {}\n", rfc3339(decoded.signed_at)));
            t.push_str(&format!(
                "lifetime:       {}\n",
                format_secs(decoded.expires_in)
            ));
            t.push_str(&format!("expires at:     {}\n", rfc3339(expires_at)));
            t.push_str(&format!(
                "remaining:      {}\n",
                format_remaining(remaining)
            ));
            t
        }
    };
    super::print(&text)?;
    Ok(if valid {
        Outcome::Success
    } else {
        Outcome::Problem
    })
}

/// A long-term key's alias and, in the documented `USER-at-ACCOUNT`
/// layout, its owner; never its secret. Another layout is shown as it is,
/// not refused: only Bedrock can say whether the key is good.
fn long_term(long: &LongTerm, format: InfoFormat) -> Result<String> {
    const EXPIRY: &str = "not in the key: bedrock-token key list shows it";
    const UNKNOWN: &str = "not the USER-at-ACCOUNT layout bedrock-token knows; Bedrock judges the key: bedrock-token verify -";
    let (user, account) = match &long.owner {
        Some(o) => (Some(o.user.as_str()), Some(o.account.as_str())),
        None => (None, None),
    };
    Ok(match format {
        InfoFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&json!({
                "kind": "long-term",
                "alias": long.alias,
                "user": user,
                "account": account,
            }))?
        ),
        InfoFormat::Text => {
            let mut t = format!(
                "kind:           long-term\nalias:          {}\n",
                long.alias
            );
            match (user, account) {
                (Some(u), Some(a)) => {
                    t.push_str(&format!("user:           {u}\naccount:        {a}\n"))
                }
                _ => t.push_str(&format!("layout:         {UNKNOWN}\n")),
            }
            t.push_str(&format!("expires at:     {EXPIRY}\n"));
            t
        }
    })
}
