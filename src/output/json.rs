//! `token --format json` and `write --format json`:
//! `{"token", "expiration", "region", "profile"}`.

use super::{pretty, token};
use crate::cache::Entry;
use crate::duration::rfc3339;
use crate::secret::Secret;
use serde::Serialize;

#[derive(Serialize)]
struct View<'a> {
    token: &'a str,
    expiration: String,
    region: &'a str,
    profile: &'a str,
}

pub fn render(entry: &Entry) -> Secret {
    pretty(&View {
        token: token(entry).expose(),
        expiration: rfc3339(entry.expires_at),
        region: &entry.region,
        profile: &entry.profile,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn exact_output() {
        let out = super::render(&crate::output::fixture::key_entry());
        assert_eq!(
            out.expose(),
            "{\n  \"token\": \"bedrock-api-key-AB+/==\",\n  \"expiration\": \"2027-01-15T09:00:00Z\",\n  \"region\": \"eu-west-1\",\n  \"profile\": \"dev\"\n}\n"
        );
    }
}
