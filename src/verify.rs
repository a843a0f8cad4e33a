//! `verify`'s judgement: whether Bedrock takes a key, and why not.
//!
//! Local checks first (a key that is not a Bedrock key, or a short-term key
//! expired by its own fields, costs no request), then one read-only call to
//! Bedrock ([`crate::bedrock`]) whose answer becomes a [`Verdict`]: one
//! status, a sentence, and the next step. Nothing here holds the key longer
//! than the call, and no message quotes it.

use crate::bedrock::{self, Answer};
use crate::bedrock_key::BedrockKey;
use crate::duration::{format_secs, now_unix, rfc3339};
use crate::secret::Secret;
use crate::settings::Settings;
use crate::ui;
use anyhow::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Bedrock answered 200 with its list of models.
    Valid,
    /// Genuine key, but its identity may not perform an action.
    Denied,
    /// Expired by its own fields, or Bedrock says so.
    Expired,
    /// Any other refusal, or not a Bedrock key at all.
    Rejected,
    /// No answer: DNS, connect, TLS, timeout, throttling or a 5xx.
    Unreachable,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Denied => "denied",
            Status::Expired => "expired",
            Status::Rejected => "rejected",
            Status::Unreachable => "unreachable",
        }
    }
}

/// The kind of key judged: one type with [`crate::bedrock_key`]'s parser.
pub use crate::bedrock_key::Kind as KeyKind;

/// The answer `verify` prints. Holds no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub status: Status,
    /// `None`: not a Bedrock key at all.
    pub kind: Option<KeyKind>,
    pub region: Option<String>,
    /// `None`: decided without a request, or no answer came.
    pub http_status: Option<u16>,
    pub message: String,
    pub request_id: Option<String>,
    /// What to do about it; `None` when valid.
    pub next: Option<String>,
}

/// Checks `key` locally, then asks Bedrock. `expires_at` is the cache's
/// word when the key came from it (the credentials may end it sooner than
/// its own fields say).
pub fn verify(s: &Settings, key: &Secret, expires_at: Option<i64>) -> Result<Verdict> {
    let (kind, region) = match BedrockKey::parse(key.expose()) {
        Err(e) => return Ok(not_a_key(e)),
        // Well-formed is enough: whether it is genuine is Bedrock's to say.
        Ok(BedrockKey::LongTerm(long)) => {
            ui::verbose(&long.describe());
            // Long-term keys work in every region: use the settings' one.
            (KeyKind::LongTerm, s.request.region()?.to_string())
        }
        Ok(BedrockKey::ShortTerm(decoded)) => {
            let expires_at =
                expires_at.map_or(decoded.expires_at(), |e| e.min(decoded.expires_at()));
            if expires_at <= now_unix() {
                return Ok(Verdict {
                    status: Status::Expired,
                    kind: Some(KeyKind::ShortTerm),
                    region: Some(decoded.region),
                    http_status: None,
                    message: format!(
                        "the key expired at {} (signed at {} for {})",
                        rfc3339(expires_at),
                        rfc3339(decoded.signed_at),
                        format_secs(decoded.expires_in)
                    ),
                    request_id: None,
                    next: Some("make a new key: bedrock-token --refresh".into()),
                });
            }
            // A short-term key works only in the region it was signed for.
            (KeyKind::ShortTerm, decoded.region)
        }
    };
    let url = bedrock::endpoint(&region)?;
    ui::verbose(&format!("asking Bedrock: GET {url}"));
    Ok(match bedrock::list_foundation_models(&url, key) {
        Ok(answer) => classify(kind, &region, &url, &answer),
        Err(e) => Verdict {
            status: Status::Unreachable,
            kind: Some(kind),
            region: Some(region),
            http_status: None,
            message: format!("no answer from {url}: {e:#}"),
            request_id: None,
            next: Some(NEXT_NETWORK.into()),
        },
    })
}

const NEXT_NETWORK: &str =
    "check network access to Bedrock (HTTPS_PROXY and NO_PROXY are honoured), then try again";

fn not_a_key(why: anyhow::Error) -> Verdict {
    Verdict {
        status: Status::Rejected,
        kind: None,
        region: None,
        http_status: None,
        message: format!("{why:#}"),
        request_id: None,
        next: Some(
            "pass the whole key, bedrock-api-key-... (short-term) or ABSK... (long-term)".into(),
        ),
    }
}

/// What Bedrock's answer means, and what to do about it.
pub fn classify(kind: KeyKind, region: &str, url: &str, a: &Answer) -> Verdict {
    let aws = a.message.as_deref().unwrap_or("");
    let quoted = if aws.is_empty() {
        "no message given".to_string()
    } else {
        format!("{aws:?}")
    };
    let error_type = a.error_type.as_deref().unwrap_or("");
    let (status, message, next) = match a.status {
        200..=299 if a.lists_models => (
            Status::Valid,
            format!(
                "Bedrock accepted the {} key in {region}",
                kind.name()
            ),
            None,
        ),
        200..=299 => (
            Status::Unreachable,
            format!(
                "{url} answered {} but not with Bedrock's list of models: a proxy or captive portal answered instead",
                a.status
            ),
            Some(NEXT_NETWORK.to_string()),
        ),
        401 | 403
            if error_type == "AccessDeniedException"
                && aws.contains("is not authorized to perform") =>
        {
            let action = after(aws, "perform: ").unwrap_or("the action");
            let identity = after(aws, "User: ").unwrap_or("the key's identity");
            let next = if action == "bedrock:CallWithBearerToken" {
                format!(
                    "allow bedrock:CallWithBearerToken for {identity} in an IAM policy, and check that no policy denies it: it governs every use of an API key"
                )
            } else {
                format!(
                    "attach the AWS managed policy AmazonBedrockLimitedAccess to {identity}, or allow {action} and bedrock:CallWithBearerToken in one of its policies"
                )
            };
            (
                Status::Denied,
                format!(
                    "the key is genuine, but {identity} may not perform {action}: Bedrock says {quoted}"
                ),
                Some(next),
            )
        }
        401 | 403
            if error_type.contains("Expired") || aws.to_ascii_lowercase().contains("expired") =>
        {
            (
                Status::Expired,
                format!("Bedrock says the key has expired: {quoted}"),
                Some(match kind {
                    KeyKind::ShortTerm => "make a new key (bedrock-token --refresh); if that one fails too, check the clock (timedatectl set-ntp true)".to_string(),
                    KeyKind::LongTerm => "make a new long-term key in the Bedrock console (API keys), or use short-term keys".to_string(),
                }),
            )
        }
        401 | 403 => (
            Status::Rejected,
            format!("Bedrock refused the {} key in {region}: {quoted}", kind.name()),
            Some(match kind {
                KeyKind::ShortTerm => format!(
                    "a short-term key works only in the region it was signed for ({region}); make a new one with bedrock-token --refresh, and check that its credentials are still valid"
                ),
                KeyKind::LongTerm => format!(
                    "check in the Bedrock console (API keys) that the key exists, is active and belongs to this account; it is used in {region} (--region to change)"
                ),
            }),
        ),
        429 | 500..=599 => (
            Status::Unreachable,
            format!("Bedrock could not answer now: {quoted}"),
            Some("try again in a minute; https://health.aws.amazon.com shows outages".into()),
        ),
        _ => (
            Status::Rejected,
            format!("{url} answered, but not as Bedrock does: {quoted}"),
            Some("check AWS_ENDPOINT_URL_BEDROCK and AWS_ENDPOINT_URL: they should point at Bedrock".into()),
        ),
    };
    Verdict {
        status,
        kind: Some(kind),
        region: Some(region.to_string()),
        http_status: Some(a.status),
        message,
        request_id: a.request_id.clone(),
        next,
    }
}

/// The word after `marker` in AWS's message, without trailing punctuation.
fn after<'a>(text: &'a str, marker: &str) -> Option<&'a str> {
    let rest = &text[text.find(marker)? + marker.len()..];
    let word = rest.split_whitespace().next()?;
    Some(word.trim_end_matches(['.', ',', ';']))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, error_type: &str, message: &str) -> Answer {
        Answer {
            status,
            error_type: (!error_type.is_empty()).then(|| error_type.to_string()),
            message: (!message.is_empty()).then(|| message.to_string()),
            request_id: Some("req-1".into()),
            lists_models: false,
        }
    }

    fn status(a: &Answer) -> Status {
        classify(
            KeyKind::ShortTerm,
            "us-east-1",
            "https://x/foundation-models",
            a,
        )
        .status
    }

    #[test]
    fn every_answer_has_one_status() {
        let ok = Answer {
            lists_models: true,
            ..answer(200, "", "")
        };
        assert_eq!(status(&ok), Status::Valid);
        assert_eq!(status(&answer(200, "", "")), Status::Unreachable);
        let denied = "User: arn:aws:iam::111122223333:user/dev is not authorized to perform: bedrock:ListFoundationModels because no identity-based policy allows the bedrock:ListFoundationModels action";
        assert_eq!(
            status(&answer(403, "AccessDeniedException", denied)),
            Status::Denied
        );
        assert_eq!(
            status(&answer(
                403,
                "AccessDeniedException",
                "Bearer Token has expired"
            )),
            Status::Expired
        );
        assert_eq!(
            status(&answer(403, "ExpiredTokenException", "")),
            Status::Expired
        );
        assert_eq!(
            status(&answer(
                403,
                "AccessDeniedException",
                "Authentication failed: Please make sure your API Key is valid."
            )),
            Status::Rejected
        );
        assert_eq!(
            status(&answer(401, "UnrecognizedClientException", "invalid")),
            Status::Rejected
        );
        assert_eq!(status(&answer(503, "", "")), Status::Unreachable);
        assert_eq!(
            status(&answer(429, "ThrottlingException", "slow down")),
            Status::Unreachable
        );
        assert_eq!(status(&answer(404, "", "")), Status::Rejected);
    }

    #[test]
    fn denied_names_the_action_the_identity_and_the_policy() {
        let v = classify(
            KeyKind::ShortTerm,
            "us-east-1",
            "u",
            &answer(
                403,
                "AccessDeniedException",
                "User: arn:aws:iam::111122223333:user/dev is not authorized to perform: bedrock:ListFoundationModels because no identity-based policy allows the bedrock:ListFoundationModels action",
            ),
        );
        assert!(
            v.message.contains(
                "arn:aws:iam::111122223333:user/dev may not perform bedrock:ListFoundationModels"
            ),
            "{}",
            v.message
        );
        let next = v.next.unwrap();
        assert!(next.contains("AmazonBedrockLimitedAccess"), "{next}");
        assert!(next.contains("bedrock:CallWithBearerToken"), "{next}");

        let v = classify(
            KeyKind::LongTerm,
            "us-east-1",
            "u",
            &answer(
                403,
                "AccessDeniedException",
                "User: arn:aws:iam::111122223333:user/BedrockAPIKey-x is not authorized to perform: bedrock:CallWithBearerToken with an explicit deny",
            ),
        );
        assert_eq!(v.status, Status::Denied);
        assert!(v.next.unwrap().starts_with(
            "allow bedrock:CallWithBearerToken for arn:aws:iam::111122223333:user/BedrockAPIKey-x"
        ));
    }
}
