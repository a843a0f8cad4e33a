//! Bedrock short-term API keys: make one, and read one back.
//!
//! A key is `bedrock-api-key-` followed by the standard base64 of a SigV4
//! presigned URL without its scheme:
//!
//! ```text
//! bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Algorithm=...
//!     &X-Amz-Credential=...&X-Amz-Date=...&X-Amz-Expires=...
//!     &X-Amz-SignedHeaders=host[&X-Amz-Security-Token=...]
//!     &X-Amz-Signature=...&Version=1
//! ```
//!
//! signed as `POST /` with only the `host` header and the SHA-256 of an empty
//! body, service `bedrock`. This module is pure: the signing instant is an
//! argument, so tests can pin it and compare with AWS's reference generator
//! byte for byte.

use crate::secret::Secret;
use anyhow::{Context, Result, anyhow, bail};
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign as sigv4_sign,
};
use aws_sigv4::sign::v4;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::time::{Duration, SystemTime};

pub const PREFIX: &str = "bedrock-api-key-";
pub const HOST: &str = "bedrock.amazonaws.com";
const ACTION: &str = "CallWithBearerToken";
const SERVICE: &str = "bedrock";
/// The SigV4 query parameters between `Action` and `Version`, in the order
/// AWS's reference generator lays them out (the session token only with
/// temporary credentials).
const SIGNED_PARAMS: [&str; 7] = [
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Security-Token",
    "X-Amz-Signature",
];
/// The longest life Bedrock accepts for a short-term key.
pub const MAX_LIFETIME_SECS: u64 = 12 * 3600;

/// Signs a key for `region`, valid `expires_in` seconds from `at`.
pub fn sign(creds: &Credentials, region: &str, expires_in: u64, at: SystemTime) -> Result<Secret> {
    let identity = creds.clone().into();
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(Duration::from_secs(expires_in));
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(SERVICE)
        .time(at)
        .settings(settings)
        .build()
        .context("could not set up SigV4 signing")?
        .into();
    let url = format!("https://{HOST}/?Action={ACTION}");
    let request = SignableRequest::new(
        "POST",
        url,
        std::iter::once(("host", HOST)),
        SignableBody::Bytes(&[]),
    )
    .context("could not build the request to sign")?;
    let (instructions, _signature) = sigv4_sign(request, &params)
        .context("SigV4 signing failed")?
        .into_parts();

    // aws-sigv4 returns the signature before the session token; the reference
    // generator (botocore) puts the token first. Lay the URL out its way.
    let params = instructions.params();
    let value = |name: &str| {
        params
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_ref())
    };
    let mut url = format!("{HOST}/?Action={ACTION}");
    for name in SIGNED_PARAMS {
        match value(name) {
            Some(v) => {
                url.push('&');
                url.push_str(name);
                url.push('=');
                percent_encode_into(v, &mut url);
            }
            None if name == "X-Amz-Security-Token" => {}
            None => bail!("aws-sigv4 returned no {name}"),
        }
    }
    url.push_str("&Version=1");
    let mut token = String::with_capacity(PREFIX.len() + url.len() * 4 / 3 + 4);
    token.push_str(PREFIX);
    STANDARD.encode_string(url.as_bytes(), &mut token);
    // The URL holds the session token: zero it too.
    drop(Secret::new(url));
    Ok(Secret::new(token))
}

/// What a key says about itself. Holds no secret: the signature and the
/// session token are checked for presence, never kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub region: String,
    pub access_key_id: String,
    pub has_session_token: bool,
    /// Signing instant, Unix seconds.
    pub signed_at: i64,
    /// Requested lifetime, seconds.
    pub expires_in: u64,
}

impl Decoded {
    /// When the key stops working, as far as the key itself can tell (the
    /// credentials that signed it may die sooner).
    pub fn expires_at(&self) -> i64 {
        self.signed_at + self.expires_in as i64
    }

    /// `AKIA…MPLE`: enough to tell keys apart, not enough to use.
    pub fn masked_access_key_id(&self) -> String {
        mask(&self.access_key_id)
    }
}

pub fn mask(id: &str) -> String {
    if id.len() <= 8 || !id.is_ascii() {
        return "…".into();
    }
    format!("{}…{}", &id[..4], &id[id.len() - 4..])
}

/// Reads a key back, checking that it is a Bedrock key in the reference's
/// layout. Errors say what is wrong without echoing the key.
pub fn decode(token: &str) -> Result<Decoded> {
    let body = token
        .trim()
        .strip_prefix(PREFIX)
        .ok_or_else(|| anyhow!("not a Bedrock API key: it does not start with {PREFIX}"))?;
    let bytes = STANDARD
        .decode(body)
        .map_err(|_| anyhow!("not a Bedrock API key: the part after {PREFIX} is not base64"))?;
    let url = Secret::new(
        String::from_utf8(bytes).map_err(|_| anyhow!("not a Bedrock API key: not UTF-8"))?,
    );
    let query = url
        .expose()
        .strip_prefix(HOST)
        .and_then(|rest| rest.strip_prefix("/?"))
        .ok_or_else(|| anyhow!("not a Bedrock API key: not a URL for {HOST}"))?;

    let mut fields: Vec<(&str, String)> = Vec::with_capacity(9);
    for pair in query.split('&') {
        let (k, v) = pair
            .split_once('=')
            .ok_or_else(|| anyhow!("not a Bedrock API key: malformed query"))?;
        if fields.iter().any(|(seen, _)| *seen == k) {
            bail!("not a Bedrock API key: {k} appears twice");
        }
        fields.push((k, percent_decode(v)?));
    }
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| anyhow!("not a Bedrock API key: no {name}"))
    };
    if get("Action")? != ACTION {
        bail!("not a Bedrock API key: Action is not {ACTION}");
    }
    if get("X-Amz-Algorithm")? != "AWS4-HMAC-SHA256" {
        bail!("not a Bedrock API key: unknown algorithm");
    }
    if get("X-Amz-SignedHeaders")? != "host" {
        bail!("not a Bedrock API key: unexpected signed headers");
    }
    let signature = get("X-Amz-Signature")?;
    if signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("not a Bedrock API key: malformed signature");
    }
    let date = get("X-Amz-Date")?;
    let signed_at = parse_amz_date(date)
        .ok_or_else(|| anyhow!("not a Bedrock API key: malformed X-Amz-Date"))?;
    let expires_in: u64 = get("X-Amz-Expires")?
        .parse()
        .ok()
        .filter(|s| (1..=MAX_LIFETIME_SECS).contains(s))
        .ok_or_else(|| anyhow!("not a Bedrock API key: X-Amz-Expires out of range"))?;
    let scope: Vec<&str> = get("X-Amz-Credential")?.split('/').collect();
    let [akid, day, region, service, terminator] = scope[..] else {
        bail!("not a Bedrock API key: malformed credential scope");
    };
    if service != SERVICE
        || terminator != "aws4_request"
        || !date.starts_with(day)
        || day.len() != 8
    {
        bail!("not a Bedrock API key: credential scope is not for {SERVICE}");
    }
    if !is_region(region) {
        bail!("not a Bedrock API key: malformed region in credential scope");
    }
    if akid.is_empty() || !akid.bytes().all(|b| b.is_ascii_alphanumeric()) {
        bail!("not a Bedrock API key: malformed access key id");
    }
    if get("Version")? != "1" {
        bail!("not a Bedrock API key: unknown Version");
    }
    let has_session_token = fields.iter().any(|(k, _)| *k == "X-Amz-Security-Token");
    let known = |k: &str| k == "Action" || k == "Version" || SIGNED_PARAMS.contains(&k);
    if let Some((k, _)) = fields.iter().find(|(k, _)| !known(k)) {
        bail!("not a Bedrock API key: unexpected parameter {k}");
    }
    let decoded = Decoded {
        region: region.to_string(),
        access_key_id: akid.to_string(),
        has_session_token,
        signed_at,
        expires_in,
    };
    // Zero the decoded values: they include the session token.
    for (_, v) in fields {
        drop(Secret::new(v));
    }
    Ok(decoded)
}

/// AWS's region form: lowercase letters, digits and hyphens, like
/// `eu-central-1`, starting with a letter and not ending with a hyphen.
pub fn is_region(region: &str) -> bool {
    let b = region.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_lowercase()
        && b[b.len() - 1] != b'-'
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// `20250101T000000Z` -> Unix seconds.
fn parse_amz_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let date = time::Date::from_calendar_date(
        digits(0..4)? as i32,
        time::Month::try_from(digits(4..6)? as u8).ok()?,
        digits(6..8)? as u8,
    )
    .ok()?;
    let t = time::Time::from_hms(
        digits(9..11)? as u8,
        digits(11..13)? as u8,
        digits(13..15)? as u8,
    )
    .ok()?;
    Some(
        time::PrimitiveDateTime::new(date, t)
            .assume_utc()
            .unix_timestamp(),
    )
}

/// Percent-encodes all but RFC 3986's unreserved characters, as botocore does
/// for presigned query strings.
fn percent_encode_into(value: &str, out: &mut String) {
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

fn percent_decode(value: &str) -> Result<String> {
    let b = value.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = value
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| anyhow!("not a Bedrock API key: bad percent-encoding"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| anyhow!("not a Bedrock API key: not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn vectors() -> Vec<Value> {
        let text = include_str!("../tests/data/vectors.json");
        let doc: Value = serde_json::from_str(text).unwrap();
        doc["vectors"].as_array().unwrap().clone()
    }

    fn creds(v: &Value) -> Credentials {
        Credentials::new(
            v["access_key_id"].as_str().unwrap(),
            v["secret_access_key"].as_str().unwrap(),
            v["session_token"].as_str().map(str::to_string),
            None,
            "test",
        )
    }

    fn instant(v: &Value) -> SystemTime {
        let unix = crate::duration::parse_rfc3339(v["timestamp"].as_str().unwrap()).unwrap();
        SystemTime::UNIX_EPOCH + Duration::from_secs(unix as u64)
    }

    #[test]
    fn every_reference_vector_matches_byte_for_byte() {
        let vectors = vectors();
        assert!(vectors.len() >= 6);
        for v in &vectors {
            let token = sign(
                &creds(v),
                v["region"].as_str().unwrap(),
                v["expires_in"].as_u64().unwrap(),
                instant(v),
            )
            .unwrap();
            assert_eq!(
                token.expose(),
                v["token"].as_str().unwrap(),
                "vector {}",
                v["id"]
            );
        }
    }

    #[test]
    fn decode_reads_back_every_vector() {
        for v in &vectors() {
            let d = decode(v["token"].as_str().unwrap()).unwrap();
            assert_eq!(d.region, v["region"].as_str().unwrap());
            assert_eq!(d.access_key_id, v["access_key_id"].as_str().unwrap());
            assert_eq!(d.has_session_token, !v["session_token"].is_null());
            assert_eq!(d.signed_at, crate::duration::unix(instant(v)));
            assert_eq!(d.expires_in, v["expires_in"].as_u64().unwrap());
            assert_eq!(d.masked_access_key_id(), "AKIA…MPLE");
        }
    }

    #[test]
    fn decode_rejects_foreign_and_damaged_keys() {
        let good = vectors()[0]["token"].as_str().unwrap().to_string();
        let url = String::from_utf8(STANDARD.decode(&good[PREFIX.len()..]).unwrap()).unwrap();
        let reencode = |u: &str| format!("{PREFIX}{}", STANDARD.encode(u));
        let cases = [
            "".to_string(),
            "bedrock-api-key-".to_string(),
            "bedrock-api-key-!!!".to_string(),
            good[PREFIX.len()..].to_string(),
            reencode(&url.replace(HOST, "evil.example.com")),
            reencode(&url.replace("CallWithBearerToken", "GetCallerIdentity")),
            reencode(&url.replace("X-Amz-Expires=43200", "X-Amz-Expires=43201")),
            reencode(&url.replace("%2Fbedrock%2F", "%2Fs3%2F")),
            reencode(&url.replace("&Version=1", "")),
            reencode(&format!("{url}&Extra=1")),
            reencode(&url.replace("20250101T000000Z", "20250101T250000Z")),
        ];
        for bad in &cases {
            assert!(decode(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn errors_never_echo_the_key() {
        let good = vectors()[1]["token"].as_str().unwrap().to_string();
        let damaged = format!("{}x", &good[..good.len() - 2]);
        let message = format!("{:#}", decode(&damaged).unwrap_err());
        assert!(!message.contains(&good[PREFIX.len()..PREFIX.len() + 20]));
    }

    #[test]
    fn regions() {
        for ok in ["us-east-1", "eu-central-1", "us-gov-west-1", "cn-north-1"] {
            assert!(is_region(ok), "{ok}");
        }
        for bad in [
            "",
            "US-EAST-1",
            "us_east_1",
            "-us",
            "us-",
            "1us",
            "us east",
            "us-east-1/",
        ] {
            assert!(!is_region(bad), "{bad}");
        }
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn decode_never_panics_on_any_input(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = decode(&String::from_utf8_lossy(&data));
        }

        #[test]
        fn decode_never_panics_on_any_bedrock_shaped_url(query in "[A-Za-z0-9=&%+/._-]{0,400}") {
            let url = format!("{HOST}/?{query}");
            let _ = decode(&format!("{PREFIX}{}", STANDARD.encode(url)));
        }

        #[test]
        fn sign_then_decode_round_trips(
            akid in "(AKIA|ASIA)[A-Z2-7]{16}",
            secret in "[A-Za-z0-9+/]{40}",
            session in proptest::option::of("[A-Za-z0-9+/]{16,300}={0,2}"),
            region in "[a-z]{2}-[a-z]{4,9}-[1-9]",
            expires_in in 1u64..=MAX_LIFETIME_SECS,
            at in 946_684_800u64..4_102_444_800,
        ) {
            let creds = Credentials::new(&akid, &secret, session.clone(), None, "test");
            let token = sign(&creds, &region, expires_in, SystemTime::UNIX_EPOCH + Duration::from_secs(at)).unwrap();
            let d = decode(token.expose()).unwrap();
            prop_assert_eq!(d.region, region);
            prop_assert_eq!(d.access_key_id, akid);
            prop_assert_eq!(d.has_session_token, session.is_some());
            prop_assert_eq!(d.signed_at, at as i64);
            prop_assert_eq!(d.expires_in, expires_in);
        }
    }
}
