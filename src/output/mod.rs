//! Renderers: one module per output shape. Each takes a borrowed view of
//! the answer and returns the complete bytes, newline included, as a
//! [`Secret`]; none looks a setting up. Only these, and the subcommands
//! that call them, write to stdout.

pub mod cache_list;
pub mod credential_process;
pub mod doctor;
pub mod env;
pub mod exec_credential;
pub mod file;
pub mod inspect;
pub mod json;
pub mod keys;
pub mod quote;
pub mod verify;

use crate::cache::{Entry, Payload};
use crate::secret::Secret;

/// The key of an entry that holds one.
pub fn token(entry: &Entry) -> &Secret {
    match &entry.payload {
        Payload::BedrockKey { token } => token,
        Payload::AwsCredentials { .. } => unreachable!("a credentials entry has no key"),
    }
}

/// The key and a newline.
pub fn text(entry: &Entry) -> Secret {
    Secret::new(format!("{}\n", token(entry).expose()))
}

/// Pretty JSON of a borrowed view, with a newline.
fn pretty(view: &impl serde::Serialize) -> Secret {
    let mut text = serde_json::to_string_pretty(view).expect("a borrowed view serializes");
    text.push('\n');
    Secret::new(text)
}

#[cfg(test)]
pub(crate) mod fixture {
    use crate::cache::{Entry, Payload, VERSION};
    use crate::secret::Secret;

    /// An entry with fixed fields, for exact expected output.
    pub fn entry(payload: Payload) -> Entry {
        Entry {
            version: VERSION,
            key: "k".into(),
            profile: "dev".into(),
            region: "eu-west-1".into(),
            duration: 3600,
            created_at: 1_800_000_000,
            expires_at: 1_800_003_600,
            credentials_expire_at: None,
            access_key_hash: String::new(),
            source: "test".into(),
            aws_files: Default::default(),
            payload,
        }
    }

    pub fn key_entry() -> Entry {
        entry(Payload::BedrockKey {
            token: Secret::new("bedrock-api-key-AB+/=="),
        })
    }
}
