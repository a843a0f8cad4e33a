//! The process environment: every variable we read goes through [`env`],
//! and the names that carry meaning across the tree live here once (the
//! variable consumers read the key from, the identity-bearing ones that
//! key the cache, the configured endpoints). A leaf: it imports only the
//! error kinds.

use crate::error::usage;
use anyhow::Result;
use std::path::Path;

/// The variable Bedrock's SDKs read the key from.
pub const TOKEN_VAR: &str = "AWS_BEARER_TOKEN_BEDROCK";

/// Variables that change which identity the credential chain finds.
pub const IDENTITY_ENV: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SESSION_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_EC2_METADATA_DISABLED",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_STS",
];

/// A non-empty environment variable. One that is not UTF-8 is a usage error
/// naming it: silently ignoring `AWS_PROFILE` would sign as someone else.
pub fn env(name: &str) -> Result<Option<String>> {
    match std::env::var(name) {
        Ok(v) if v.is_empty() => Ok(None),
        Ok(v) => Ok(Some(v)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(usage(format!(
            "environment variable {name} is not valid UTF-8; fix or unset it"
        ))),
    }
}

/// Whether a variable's name is one of the `AWS_BEARER_TOKEN_*` family that
/// Bedrock's SDKs read keys from: by case on Unix, in any case on Windows,
/// where names ignore it.
pub fn is_key_var(name: &[u8]) -> bool {
    const PREFIX: &[u8] = b"AWS_BEARER_TOKEN_";
    if cfg!(windows) {
        name.len() >= PREFIX.len() && name[..PREFIX.len()].eq_ignore_ascii_case(PREFIX)
    } else {
        name.starts_with(PREFIX)
    }
}

/// A configured endpoint, as the AWS SDKs take it: the service's own
/// variable (`AWS_ENDPOINT_URL_BEDROCK`), then `AWS_ENDPOINT_URL`; neither
/// when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true.
pub fn endpoint_override(service_var: &str) -> Result<Option<String>> {
    let ignore =
        env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")?.is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let configured = env(service_var)?.or(env("AWS_ENDPOINT_URL")?);
    Ok(configured.filter(|_| !ignore))
}

/// The home directory, when set, UTF-8 and absolute: a relative one would
/// put files under the working directory.
pub fn home() -> Result<Option<String>> {
    Ok(user_home()?.filter(|h| Path::new(h).is_absolute()))
}

/// The home directory as the AWS SDKs find it: `HOME`; on Windows, where
/// it is seldom set, then `USERPROFILE`, then `HOMEDRIVE` + `HOMEPATH`.
pub fn user_home() -> Result<Option<String>> {
    let home = env("HOME")?;
    if cfg!(windows) && home.is_none() {
        if let Some(profile) = env("USERPROFILE")? {
            return Ok(Some(profile));
        }
        if let (Some(drive), Some(path)) = (env("HOMEDRIVE")?, env("HOMEPATH")?) {
            return Ok(Some(drive + &path));
        }
    }
    Ok(home)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_vars_are_the_bearer_token_family() {
        assert!(is_key_var(b"AWS_BEARER_TOKEN_BEDROCK"));
        assert!(is_key_var(b"AWS_BEARER_TOKEN_"));
        assert!(!is_key_var(b"AWS_BEARER_TOKEN"));
        assert!(!is_key_var(b"AWS_REGION"));
        assert_eq!(is_key_var(b"aws_bearer_token_bedrock"), cfg!(windows));
    }
}
