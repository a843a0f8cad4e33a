//! Who may use the gateway: the local credential, the `Host` a request
//! names, and no `Origin`. Checked before anything reaches upstream; every
//! refusal says what to do instead.

use crate::secret::Secret;
use anyhow::{Context, Result};
use http::HeaderMap;
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::path::Path;

/// What a local credential starts with: recognisable in a leaked log line,
/// and unlike any AWS key.
pub const PREFIX: &str = "bedrock-token-local-";

/// The random 256-bit value a consumer shows the gateway, worthless
/// anywhere else.
pub struct Credential {
    value: Secret,
    digest: [u8; 32],
}

impl Credential {
    /// A fresh one: 32 bytes from the operating system's generator.
    pub fn generate() -> Result<Credential> {
        let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
        aws_lc_rs::rand::fill(bytes.as_mut())
            .map_err(|_| anyhow::anyhow!("the system's random generator failed"))?;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Ok(Credential::from(Secret::new(format!("{PREFIX}{hex}"))))
    }

    /// The one in `path` (a 0600 file of ours), else a fresh one written
    /// there, so that consumers configured with it survive a restart.
    pub fn load_or_create(path: &Path) -> Result<Credential> {
        match crate::cache::read_file(path) {
            Ok((_, bytes)) => {
                let text = zeroize::Zeroizing::new(String::from_utf8_lossy(&bytes).into_owned());
                let value = text.trim();
                if value.starts_with(PREFIX) && value.len() == PREFIX.len() + 64 {
                    return Ok(Credential::from(Secret::new(value)));
                }
                anyhow::bail!(
                    "{} does not hold a gateway credential; remove it and start again: rm {}",
                    path.display(),
                    path.display()
                );
            }
            Err(e) if e.downcast_ref::<crate::cache::Missing>().is_some() => {}
            Err(e) => return Err(e),
        }
        let fresh = Credential::generate()?;
        crate::fsutil::atomic_write(path, format!("{}\n", fresh.expose()).as_bytes())
            .with_context(|| {
                format!(
                    "could not keep the gateway credential in {}",
                    path.display()
                )
            })?;
        Ok(fresh)
    }

    pub fn expose(&self) -> &str {
        self.value.expose()
    }

    /// Whether `presented` is this credential, in time independent of
    /// where they differ: both sides are hashed first, so neither the
    /// length nor a common prefix shows in the timing.
    pub fn matches(&self, presented: &[u8]) -> bool {
        let other: [u8; 32] = Sha256::digest(presented).into();
        let diff = self
            .digest
            .iter()
            .zip(other.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        // black_box: keep the compiler from turning the fold into an early exit.
        std::hint::black_box(diff) == 0
    }
}

impl From<Secret> for Credential {
    fn from(value: Secret) -> Credential {
        let digest = Sha256::digest(value.expose().as_bytes()).into();
        Credential { value, digest }
    }
}

/// A refusal: status, Bedrock-style error type, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub error_type: &'static str,
    pub message: String,
    pub next: Option<String>,
}

/// Whether the request may pass: no `Origin` (a browser page), a `Host`
/// (or HTTP/2 `:authority`) that is this listener (DNS rebinding), and the
/// credential as a bearer key.
pub fn check(
    listen: SocketAddr,
    credential: &Credential,
    headers: &HeaderMap,
    authority: Option<&str>,
) -> Result<(), Refusal> {
    if headers.contains_key(http::header::ORIGIN) {
        return Err(Refusal {
            status: 403,
            error_type: "AccessDeniedException",
            message: "bedrock-token proxy refuses requests with an Origin header: web pages may not use it".into(),
            next: Some("call it from a program, not from a browser".into()),
        });
    }
    let host = headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .or(authority);
    if !host.is_some_and(|h| is_listener(listen, h)) {
        return Err(Refusal {
            status: 403,
            error_type: "AccessDeniedException",
            message: format!(
                "bedrock-token proxy answers only requests addressed to {listen} (Host {}): refused against DNS rebinding",
                host.map_or_else(|| "missing".to_string(), |h| format!("{h:?}"))
            ),
            next: Some(format!("use the endpoint http://{listen}")),
        });
    }
    let auth = headers
        .get(http::header::AUTHORIZATION)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    let bearer = auth
        .get(..7)
        .filter(|scheme| scheme.eq_ignore_ascii_case(b"bearer "))
        .map(|_| auth[7..].trim_ascii());
    match bearer {
        Some(value) if credential.matches(value) => Ok(()),
        _ => Err(Refusal {
            status: 401,
            error_type: "UnrecognizedClientException",
            message: if auth.is_empty() {
                "bedrock-token proxy needs its local credential as a bearer key".into()
            } else if auth.starts_with(b"AWS4-") {
                "bedrock-token proxy takes its local credential as a bearer key, not a SigV4 signature".into()
            } else {
                "bedrock-token proxy: that is not its local credential".into()
            },
            next: Some(
                "run the program with `bedrock-token proxy exec -- CMD`, or set AWS_BEARER_TOKEN_BEDROCK (OPENAI_API_KEY for OpenAI clients) to the gateway's credential file's content"
                    .into(),
            ),
        }),
    }
}

/// `127.0.0.1:PORT`, `localhost:PORT`, `[::1]:PORT`: the listener's own
/// address, or `localhost`, with its port.
fn is_listener(listen: SocketAddr, host: &str) -> bool {
    let Some((name, port)) = host.rsplit_once(':') else {
        return false;
    };
    if port.parse::<u16>() != Ok(listen.port()) {
        return false;
    }
    let name = name.trim_start_matches('[').trim_end_matches(']');
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip == listen.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn only_the_credential_to_this_listener_without_origin_passes() {
        let listen: SocketAddr = "127.0.0.1:8338".parse().unwrap();
        let cred = Credential::generate().unwrap();
        assert!(cred.expose().starts_with(PREFIX) && cred.expose().len() == PREFIX.len() + 64);
        let bearer = format!("Bearer {}", cred.expose());
        let ok = |h: &HeaderMap| check(listen, &cred, h, None);
        assert_eq!(
            ok(&headers(&[
                ("host", "127.0.0.1:8338"),
                ("authorization", &bearer)
            ])),
            Ok(())
        );
        assert_eq!(
            ok(&headers(&[
                ("host", "localhost:8338"),
                ("authorization", &bearer)
            ])),
            Ok(())
        );
        assert_eq!(
            check(
                listen,
                &cred,
                &headers(&[("authorization", &bearer)]),
                Some("127.0.0.1:8338")
            ),
            Ok(())
        );
        let status = |h: &HeaderMap| ok(h).unwrap_err().status;
        assert_eq!(status(&headers(&[("host", "127.0.0.1:8338")])), 401);
        assert_eq!(
            status(&headers(&[
                ("host", "127.0.0.1:8338"),
                ("authorization", "Bearer bedrock-token-local-00")
            ])),
            401
        );
        assert_eq!(
            status(&headers(&[
                ("host", "evil.example:8338"),
                ("authorization", &bearer)
            ])),
            403
        );
        assert_eq!(
            status(&headers(&[
                ("host", "127.0.0.1:80"),
                ("authorization", &bearer)
            ])),
            403
        );
        assert_eq!(status(&headers(&[("authorization", &bearer)])), 403);
        assert_eq!(
            status(&headers(&[
                ("host", "127.0.0.1:8338"),
                ("authorization", &bearer),
                ("origin", "http://x")
            ])),
            403
        );
        let other = Credential::generate().unwrap();
        assert_ne!(other.expose(), cred.expose());
        assert!(!cred.matches(other.expose().as_bytes()));
        assert!(cred.matches(cred.expose().as_bytes()));
    }
}
