//! `token --format exec-credential`: a Kubernetes client-go ExecCredential.

use super::{pretty, token};
use crate::cache::Entry;
use crate::duration::rfc3339;
use crate::secret::Secret;
use serde::Serialize;

/// The apiVersion when the caller names none (`KUBERNETES_EXEC_INFO`).
pub const DEFAULT_API_VERSION: &str = "client.authentication.k8s.io/v1";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct View<'a> {
    api_version: &'a str,
    kind: &'static str,
    spec: Spec,
    status: Status<'a>,
}

#[derive(Serialize)]
struct Spec {}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Status<'a> {
    token: &'a str,
    expiration_timestamp: String,
}

pub fn render(entry: &Entry, api_version: &str) -> Secret {
    pretty(&View {
        api_version,
        kind: "ExecCredential",
        spec: Spec {},
        status: Status {
            token: token(entry).expose(),
            expiration_timestamp: rfc3339(entry.expires_at),
        },
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn exact_output() {
        let out = super::render(
            &crate::output::fixture::key_entry(),
            super::DEFAULT_API_VERSION,
        );
        assert_eq!(
            out.expose(),
            "{\n  \"apiVersion\": \"client.authentication.k8s.io/v1\",\n  \"kind\": \"ExecCredential\",\n  \"spec\": {},\n  \"status\": {\n    \"token\": \"bedrock-api-key-AB+/==\",\n    \"expirationTimestamp\": \"2027-01-15T09:00:00Z\"\n  }\n}\n"
        );
    }
}
