//! `key`: a new long-term key (the only output that holds its secret), and
//! the table or JSON array of `key list` (which never does).

use super::pretty;
use crate::duration::rfc3339;
use crate::iam::{Key, NewKey, Status};
use crate::secret::Secret;
use serde::Serialize;

/// What every view of a key shows, in this order.
#[derive(Serialize)]
struct Fields<'a> {
    id: &'a str,
    user: &'a str,
    alias: Option<&'a str>,
    status: &'static str,
    created: String,
    expires: Option<String>,
}

fn fields(k: &Key) -> Fields<'_> {
    Fields {
        id: &k.id,
        user: &k.user,
        alias: k.alias.as_deref(),
        status: k.status.name(),
        created: rfc3339(k.created),
        expires: k.expires.map(rfc3339),
    }
}

/// `{"id","user","alias","status","created","expires","key"}`; `key` only
/// when the secret goes to stdout.
#[derive(Serialize)]
struct Created<'a> {
    #[serde(flatten)]
    fields: Fields<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<&'a str>,
}

fn created(new: &NewKey, with_secret: bool) -> Created<'_> {
    Created {
        fields: fields(&new.key),
        key: with_secret.then(|| new.secret.expose()),
    }
}

/// The key and a newline.
pub fn new_text(new: &NewKey) -> Secret {
    Secret::new(format!("{}\n", new.secret.expose()))
}

/// The new key's JSON, secret included.
pub fn new_json(new: &NewKey) -> Secret {
    pretty(&created(new, true))
}

/// The new key's JSON without the secret, once it went to a file.
pub fn written_json(new: &NewKey) -> String {
    pretty(&created(new, false)).expose().to_string()
}

/// One line saying where the key went, for text output with `--write`.
pub fn written_text(new: &NewKey, path: &std::path::Path) -> String {
    format!(
        "created key {} for user {} ({}), written to {}\n",
        new.key.id,
        new.key.user,
        expiry_words(&new.key),
        path.display()
    )
}

fn expiry_words(k: &Key) -> String {
    k.expires.map_or("never expires".into(), |e| {
        format!("expires {}", rfc3339(e))
    })
}

#[derive(Serialize)]
struct Listed<'a> {
    #[serde(flatten)]
    fields: Fields<'a>,
    days_left: Option<i64>,
    expiring_soon: bool,
}

/// `key list --format json`: an array of
/// `{"id","user","alias","status","created","expires","days_left","expiring_soon"}`.
pub fn list_json(keys: &[Key], now: i64) -> String {
    let views: Vec<Listed> = keys
        .iter()
        .map(|k| Listed {
            fields: fields(k),
            days_left: k.days_left(now),
            expiring_soon: k.expiring_soon(now),
        })
        .collect();
    pretty(&views).expose().to_string()
}

/// `key list`: a table, keys near expiry flagged; `whose` names the
/// user(s) when there is none.
pub fn list_text(keys: &[Key], now: i64, whose: &str) -> String {
    if keys.is_empty() {
        return format!("no Bedrock long-term keys for {whose}\n");
    }
    let mut rows = vec![[
        "ID".to_string(),
        "USER".into(),
        "STATUS".into(),
        "CREATED".into(),
        "EXPIRES".into(),
        "DAYS LEFT".into(),
    ]];
    for k in keys {
        let mut left = k.days_left(now).map_or("-".into(), |d| d.to_string());
        if k.expiring_soon(now) {
            left.push_str("  expires soon: bedrock-token key rotate");
        }
        rows.push([
            k.id.clone(),
            k.user.clone(),
            k.status.name().into(),
            rfc3339(k.created),
            k.expires.map_or("never".into(), rfc3339),
            left,
        ]);
    }
    let widths: Vec<usize> = (0..5)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in &rows {
        for (c, cell) in row.iter().enumerate() {
            if c < 5 {
                out.push_str(&format!("{cell:<w$}  ", w = widths[c]));
            } else {
                out.push_str(cell);
            }
        }
        out.push('\n');
    }
    out
}

/// `key activate|deactivate`: the key's new status.
pub fn status_changed(id: &str, user: &str, status: Status) -> String {
    format!("key {id} of user {user} is now {}\n", status.name())
}

/// `key delete`: what is gone.
pub fn deleted(id: &str, user: &str) -> String {
    format!("deleted key {id} of user {user}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn key(id: &str, status: Status, expires: Option<i64>) -> Key {
        Key {
            id: id.into(),
            user: "dev".into(),
            alias: Some("BedrockAPIKey-ab12-at-111122223333".into()),
            status,
            created: NOW - 86_400,
            expires,
        }
    }

    #[test]
    fn the_list_flags_keys_near_expiry_and_never_holds_a_secret() {
        let keys = [
            key("ACCAONE", Status::Active, Some(NOW + 3 * 86_400)),
            key("ACCATWO", Status::Inactive, None),
        ];
        assert_eq!(
            list_text(&keys, NOW, "user dev"),
            "ID       USER  STATUS    CREATED               EXPIRES               DAYS LEFT\n\
             ACCAONE  dev   Active    2027-01-14T08:00:00Z  2027-01-18T08:00:00Z  3  expires soon: bedrock-token key rotate\n\
             ACCATWO  dev   Inactive  2027-01-14T08:00:00Z  never                 -\n"
        );
        let doc: serde_json::Value = serde_json::from_str(&list_json(&keys, NOW)).unwrap();
        assert_eq!(
            doc[0],
            serde_json::json!({
                "id": "ACCAONE", "user": "dev", "alias": "BedrockAPIKey-ab12-at-111122223333",
                "status": "Active", "created": "2027-01-14T08:00:00Z",
                "expires": "2027-01-18T08:00:00Z", "days_left": 3, "expiring_soon": true
            })
        );
        assert_eq!(doc[1]["expires"], serde_json::Value::Null);
        assert_eq!(
            list_text(&[], NOW, "user dev"),
            "no Bedrock long-term keys for user dev\n"
        );
    }

    #[test]
    fn a_new_key_shows_its_secret_only_where_asked() {
        let new = NewKey {
            key: key("ACCANEW", Status::Active, None),
            secret: Secret::new("ABSKc2VjcmV0"),
        };
        assert_eq!(new_text(&new).expose(), "ABSKc2VjcmV0\n");
        assert_eq!(
            new_json(&new).expose(),
            "{\n  \"id\": \"ACCANEW\",\n  \"user\": \"dev\",\n  \"alias\": \"BedrockAPIKey-ab12-at-111122223333\",\n  \"status\": \"Active\",\n  \"created\": \"2027-01-14T08:00:00Z\",\n  \"expires\": null,\n  \"key\": \"ABSKc2VjcmV0\"\n}\n"
        );
        assert!(!written_json(&new).contains("ABSK"));
        assert!(!written_text(&new, "/k".as_ref()).contains("ABSK"));
    }

    #[test]
    fn status_changes_and_deletions_are_one_line() {
        assert_eq!(
            status_changed("ACCA1", "alice", Status::Inactive),
            "key ACCA1 of user alice is now Inactive\n"
        );
        assert_eq!(
            deleted("ACCA1", "alice"),
            "deleted key ACCA1 of user alice\n"
        );
    }
}
