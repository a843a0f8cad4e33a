//! Renderers: one small function per output shape. Only these, and the
//! subcommands that call them, write to stdout.

pub mod env;
pub mod verify;

use crate::cache::{Entry, Payload};
use crate::duration::rfc3339;
use crate::secret::Secret;
use serde_json::json;

/// The key of an entry that holds one.
pub fn token(entry: &Entry) -> &Secret {
    match &entry.payload {
        Payload::BedrockKey { token } => token,
        Payload::AwsCredentials { .. } => unreachable!("a credentials entry has no key"),
    }
}

/// `{"token", "expiration", "region", "profile"}`
pub fn json(entry: &Entry) -> Secret {
    Secret::new(
        serde_json::to_string_pretty(&json!({
            "token": token(entry).expose(),
            "expiration": rfc3339(entry.expires_at),
            "region": entry.region,
            "profile": entry.profile,
        }))
        .expect("a JSON object serializes"),
    )
}

/// A Kubernetes client-go ExecCredential, in the apiVersion the caller asked
/// for through `KUBERNETES_EXEC_INFO`.
pub fn exec_credential(entry: &Entry) -> Secret {
    let api_version = std::env::var("KUBERNETES_EXEC_INFO")
        .ok()
        .and_then(|info| serde_json::from_str::<serde_json::Value>(&info).ok())
        .and_then(|v| v["apiVersion"].as_str().map(str::to_string))
        .unwrap_or_else(|| "client.authentication.k8s.io/v1".into());
    Secret::new(
        serde_json::to_string_pretty(&json!({
            "apiVersion": api_version,
            "kind": "ExecCredential",
            "spec": {},
            "status": {
                "token": token(entry).expose(),
                "expirationTimestamp": rfc3339(entry.expires_at),
            },
        }))
        .expect("a JSON object serializes"),
    )
}

/// credential_process JSON, version 1.
pub fn credential_process(entry: &Entry) -> Secret {
    let Payload::AwsCredentials {
        access_key_id,
        secret_access_key,
        session_token,
    } = &entry.payload
    else {
        unreachable!("a key entry has no credentials")
    };
    let mut doc = json!({
        "Version": 1,
        "AccessKeyId": access_key_id,
        "SecretAccessKey": secret_access_key.expose(),
        "Expiration": rfc3339(entry.expires_at),
    });
    if let Some(t) = session_token {
        doc["SessionToken"] = json!(t.expose());
    }
    Secret::new(serde_json::to_string_pretty(&doc).expect("a JSON object serializes"))
}
