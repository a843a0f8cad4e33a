//! `verify`'s verdict: one line and the next step, or one JSON object.

use crate::verify::{Status, Verdict};
use serde::Serialize;

/// `STATUS: message (HTTP n, request id r)`, then `next: ...` unless valid.
pub fn text(v: &Verdict) -> String {
    let mut out = line(v);
    out.push('\n');
    if let Some(next) = &v.next {
        out.push_str(&format!("next: {next}\n"));
    }
    out
}

/// `STATUS: message (HTTP n, request id r)`, without a newline.
pub fn line(v: &Verdict) -> String {
    let mut facts = Vec::new();
    if let Some(code) = v.http_status {
        facts.push(format!("HTTP {code}"));
    }
    if let Some(id) = &v.request_id {
        facts.push(format!("request id {id}"));
    }
    let mut out = format!("{}: {}", v.status.name(), v.message);
    if !facts.is_empty() {
        out.push_str(&format!(" ({})", facts.join(", ")));
    }
    out
}

/// The JSON shape, fields in this order.
#[derive(Serialize)]
struct Json<'a> {
    valid: bool,
    status: &'static str,
    kind: Option<&'static str>,
    region: Option<&'a str>,
    http_status: Option<u16>,
    message: &'a str,
    request_id: Option<&'a str>,
}

/// `{"valid","status","kind","region","http_status","message","request_id"}`
pub fn json(v: &Verdict) -> String {
    let doc = Json {
        valid: v.status == Status::Valid,
        status: v.status.name(),
        kind: v.kind.map(|k| k.name()),
        region: v.region.as_deref(),
        http_status: v.http_status,
        message: &v.message,
        request_id: v.request_id.as_deref(),
    };
    format!(
        "{}\n",
        serde_json::to_string_pretty(&doc).expect("a JSON object serializes")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::KeyKind;
    use serde_json::json;

    fn denied() -> Verdict {
        Verdict {
            status: Status::Denied,
            kind: Some(KeyKind::ShortTerm),
            region: Some("us-east-1".into()),
            http_status: Some(403),
            message: "the key is genuine, but arn:aws:iam::111122223333:user/dev may not perform bedrock:ListFoundationModels".into(),
            request_id: Some("c0ffee".into()),
            next: Some("attach AmazonBedrockLimitedAccess".into()),
        }
    }

    #[test]
    fn text_is_one_line_then_the_next_step() {
        assert_eq!(
            text(&denied()),
            "denied: the key is genuine, but arn:aws:iam::111122223333:user/dev may not perform bedrock:ListFoundationModels (HTTP 403, request id c0ffee)\n\
             next: attach AmazonBedrockLimitedAccess\n"
        );
        let local = Verdict {
            status: Status::Expired,
            http_status: None,
            request_id: None,
            message: "the key expired".into(),
            next: None,
            ..denied()
        };
        assert_eq!(text(&local), "expired: the key expired\n");
    }

    #[test]
    fn json_has_the_documented_fields_in_order() {
        let out = json(&denied());
        let order = [
            "valid",
            "status",
            "kind",
            "region",
            "http_status",
            "message",
            "request_id",
        ]
        .map(|f| out.find(&format!("\"{f}\":")).unwrap());
        assert!(order.is_sorted(), "{out}");
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            doc,
            json!({
                "valid": false,
                "status": "denied",
                "kind": "short-term",
                "region": "us-east-1",
                "http_status": 403,
                "message": denied().message,
                "request_id": "c0ffee",
            })
        );
    }
}
