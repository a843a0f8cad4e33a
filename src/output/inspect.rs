//! `inspect`'s report: what a key holds, never its signature, session
//! token or secret. Text (aligned `name: value` lines) or one JSON object.

use crate::bedrock_key::LongTerm;
use crate::cli::InfoFormat;
use crate::duration::{format_remaining, format_secs, rfc3339};
use crate::token::Decoded;
use serde_json::json;

/// A short-term key, as decoded, with the expiry that holds for it.
pub struct ShortTerm<'a> {
    pub decoded: &'a Decoded,
    /// The profile it was made for, when it came from the cache.
    pub profile: Option<&'a str>,
    pub expires_at: i64,
    pub now: i64,
}

impl ShortTerm<'_> {
    /// Unexpired, and not signed in the future.
    pub fn valid(&self) -> bool {
        self.expires_at > self.now && self.decoded.signed_at <= self.now
    }
}

pub fn short_term(k: &ShortTerm, format: InfoFormat) -> String {
    let d = k.decoded;
    let remaining = k.expires_at - k.now;
    match format {
        InfoFormat::Json => {
            let mut doc = json!({
                "kind": "short-term",
                "region": d.region,
                "access_key_id": d.masked_access_key_id(),
                "session_token": d.has_session_token,
                "signed_at": rfc3339(d.signed_at),
                "lifetime_seconds": d.expires_in,
                "expires_at": rfc3339(k.expires_at),
                "remaining_seconds": remaining.max(0),
                "valid": k.valid(),
            });
            if let Some(p) = k.profile {
                doc["profile"] = json!(p);
            }
            pretty(&doc)
        }
        InfoFormat::Text => {
            let mut t = String::from("kind:           short-term\n");
            if let Some(p) = k.profile {
                t.push_str(&format!("profile:        {p}\n"));
            }
            t.push_str(&format!("region:         {}\n", d.region));
            t.push_str(&format!("access key id:  {}\n", d.masked_access_key_id()));
            let session = if d.has_session_token { "yes" } else { "no" };
            t.push_str(&format!("session token:  {session}\n"));
            t.push_str(&format!("signed at:      {}\n", rfc3339(d.signed_at)));
            t.push_str(&format!("lifetime:       {}\n", format_secs(d.expires_in)));
            t.push_str(&format!("expires at:     {}\n", rfc3339(k.expires_at)));
            t.push_str(&format!(
                "remaining:      {}\n",
                format_remaining(remaining)
            ));
            t
        }
    }
}

/// A long-term key's alias and, in the documented `USER-at-ACCOUNT`
/// layout, its owner; its expiry lives in IAM, not in the key. Another
/// layout is shown as it is, not refused: only Bedrock can judge the key.
pub fn long_term(long: &LongTerm, format: InfoFormat) -> String {
    const EXPIRY: &str = "not in the key: bedrock-token key list shows it";
    const UNKNOWN: &str = "not the USER-at-ACCOUNT layout bedrock-token knows; Bedrock judges the key: bedrock-token verify -";
    let owner = long.owner.as_ref();
    match format {
        InfoFormat::Json => pretty(&json!({
            "kind": "long-term",
            "alias": long.alias,
            "user": owner.map(|o| &o.user),
            "account": owner.map(|o| &o.account),
        })),
        InfoFormat::Text => {
            let mut t = format!(
                "kind:           long-term\nalias:          {}\n",
                long.alias
            );
            match owner {
                Some(o) => t.push_str(&format!(
                    "user:           {}\naccount:        {}\n",
                    o.user, o.account
                )),
                None => t.push_str(&format!("layout:         {UNKNOWN}\n")),
            }
            t.push_str(&format!("expires at:     {EXPIRY}\n"));
            t
        }
    }
}

fn pretty(doc: &serde_json::Value) -> String {
    format!(
        "{}\n",
        serde_json::to_string_pretty(doc).expect("a JSON value serializes")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_800_000_000;

    fn decoded() -> Decoded {
        Decoded {
            region: "eu-west-1".into(),
            access_key_id: "ASIAIOSFODNN7EXAMPLE".into(),
            has_session_token: true,
            signed_at: T,
            expires_in: 43_200,
        }
    }

    #[test]
    fn a_short_term_key_in_text_and_json() {
        let d = decoded();
        let k = ShortTerm {
            decoded: &d,
            profile: Some("dev"),
            expires_at: T + 3600,
            now: T + 600,
        };
        assert!(k.valid());
        assert_eq!(
            short_term(&k, InfoFormat::Text),
            format!(
                "kind:           short-term\n\
                 profile:        dev\n\
                 region:         eu-west-1\n\
                 access key id:  {}\n\
                 session token:  yes\n\
                 signed at:      2027-01-15T08:00:00Z\n\
                 lifetime:       12h\n\
                 expires at:     2027-01-15T09:00:00Z\n\
                 remaining:      50m\n",
                d.masked_access_key_id()
            )
        );
        let json: serde_json::Value =
            serde_json::from_str(&short_term(&k, InfoFormat::Json)).unwrap();
        assert_eq!(
            json,
            json!({
                "kind": "short-term",
                "profile": "dev",
                "region": "eu-west-1",
                "access_key_id": d.masked_access_key_id(),
                "session_token": true,
                "signed_at": "2027-01-15T08:00:00Z",
                "lifetime_seconds": 43200,
                "expires_at": "2027-01-15T09:00:00Z",
                "remaining_seconds": 3000,
                "valid": true,
            })
        );
    }

    #[test]
    fn an_expired_or_future_key_is_not_valid() {
        let d = decoded();
        let expired = ShortTerm {
            decoded: &d,
            profile: None,
            expires_at: T + 60,
            now: T + 61,
        };
        assert!(!expired.valid());
        assert!(short_term(&expired, InfoFormat::Json).contains("\"remaining_seconds\": 0"));
        let future = ShortTerm {
            decoded: &d,
            profile: None,
            expires_at: T + 60,
            now: T - 1,
        };
        assert!(!future.valid());
    }

    #[test]
    fn a_long_term_key_shows_its_alias_and_owner_only() {
        let long = LongTerm {
            alias: "ci.bot+prod@team-at-123456789012".into(),
            owner: Some(crate::bedrock_key::Owner {
                user: "ci.bot+prod@team".into(),
                account: "123456789012".into(),
            }),
        };
        assert_eq!(
            long_term(&long, InfoFormat::Text),
            "kind:           long-term\nalias:          ci.bot+prod@team-at-123456789012\n\
             user:           ci.bot+prod@team\naccount:        123456789012\n\
             expires at:     not in the key: bedrock-token key list shows it\n"
        );
        let other = LongTerm {
            alias: "alice-v2".into(),
            owner: None,
        };
        let json: serde_json::Value =
            serde_json::from_str(&long_term(&other, InfoFormat::Json)).unwrap();
        assert_eq!(
            json,
            json!({"kind": "long-term", "alias": "alice-v2", "user": null, "account": null})
        );
        assert!(
            long_term(&other, InfoFormat::Text)
                .contains("layout:         not the USER-at-ACCOUNT layout")
        );
    }
}
