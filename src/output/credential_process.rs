//! `credential-process`: the AWS `credential_process` JSON, version 1.

use super::pretty;
use crate::cache::{Entry, Payload};
use crate::duration::rfc3339;
use crate::secret::Secret;
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct View<'a> {
    version: u8,
    access_key_id: &'a str,
    secret_access_key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_token: Option<&'a str>,
    expiration: String,
}

pub fn render(entry: &Entry) -> Secret {
    let Payload::AwsCredentials {
        access_key_id,
        secret_access_key,
        session_token,
    } = &entry.payload
    else {
        unreachable!("a key entry has no credentials")
    };
    pretty(&View {
        version: 1,
        access_key_id,
        secret_access_key: secret_access_key.expose(),
        session_token: session_token.as_ref().map(Secret::expose),
        expiration: rfc3339(entry.expires_at),
    })
}

#[cfg(test)]
mod tests {
    use crate::cache::Payload;
    use crate::output::fixture::entry;
    use crate::secret::Secret;

    #[test]
    fn exact_output_with_and_without_a_session_token() {
        let mut e = entry(Payload::AwsCredentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: Secret::new("s3cr3t"),
            session_token: Some(Secret::new("t0k3n")),
        });
        assert_eq!(
            super::render(&e).expose(),
            "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"ASIAEXAMPLE\",\n  \"SecretAccessKey\": \"s3cr3t\",\n  \"SessionToken\": \"t0k3n\",\n  \"Expiration\": \"2027-01-15T09:00:00Z\"\n}\n"
        );
        if let Payload::AwsCredentials { session_token, .. } = &mut e.payload {
            *session_token = None;
        }
        assert!(!super::render(&e).expose().contains("SessionToken"));
    }
}
