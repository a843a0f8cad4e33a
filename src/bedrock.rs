//! One call to Amazon Bedrock: `ListFoundationModels` with a bearer key, for
//! `verify` and `doctor --live`. The only module that talks HTTP.
//!
//! It reuses the HTTP stack aws-config already links (hyper and rustls
//! through aws-smithy-http-client), takes proxies from `HTTPS_PROXY`,
//! `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` as the SDK's default HTTPS client
//! does, and never runs on the path that hands out a key: a cache hit never
//! reaches it.

use crate::environment::{endpoint_override, env};
use crate::secret::Secret;
use anyhow::{Context, Result, anyhow, bail};
use aws_smithy_http_client::Connector;
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::dns::{DnsFuture, ResolveDns, ResolveDnsError};
use aws_smithy_runtime_api::client::http::{HttpConnector, HttpConnectorSettings};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The whole call, from DNS to the last byte of the answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Name resolution, connection and TLS handshake. Shorter than
/// [`TIMEOUT`], so that when they take too long the rest of the bound is
/// left to find out which of them it was.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(6);

/// Error answers are small; a success is about 200 KiB. Read no more.
const MAX_BODY: usize = 8 << 20;

/// What Bedrock answered. Holds no secret: every text in it went through
/// [`mask`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// `x-amzn-ErrorType` up to its first `:`, else the body's `__type`.
    pub error_type: Option<String>,
    /// The body's `message` (or `Message`).
    pub message: Option<String>,
    pub request_id: Option<String>,
    /// A 200 whose body is ListFoundationModels' JSON, not a captive portal's page.
    pub lists_models: bool,
}

/// Where the request goes: `AWS_ENDPOINT_URL_BEDROCK`, then
/// `AWS_ENDPOINT_URL`, as in the SDKs (which also drop both when
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true); else Bedrock's regional
/// endpoint. Without any user-info (`user:secret@`): we send none, and it
/// must never be printed. A plain-HTTP endpoint is an error unless it is a
/// loopback address (a local emulator): the key would travel in clear.
pub fn endpoint(region: &str) -> Result<String> {
    let base = match endpoint_override("AWS_ENDPOINT_URL_BEDROCK")? {
        Some(url) => {
            let url = without_userinfo(&url);
            if is_plain_http(&url) && !is_loopback(&url) {
                let var = if env("AWS_ENDPOINT_URL_BEDROCK")?.is_some() {
                    "AWS_ENDPOINT_URL_BEDROCK"
                } else {
                    "AWS_ENDPOINT_URL"
                };
                bail!(crate::error::with_hint(
                    format!(
                        "{var} is {url}: plain HTTP to a host that is not this machine would send the key in clear"
                    ),
                    format!(
                        "use an https:// endpoint in {var} (plain http:// only for a loopback address such as 127.0.0.1), or unset it"
                    )
                ));
            }
            url
        }
        None => {
            let suffix = if region.starts_with("cn-") {
                "amazonaws.com.cn"
            } else {
                "amazonaws.com"
            };
            format!("https://bedrock.{region}.{suffix}")
        }
    };
    Ok(format!("{}/foundation-models", base.trim_end_matches('/')))
}

/// `GET url` with `Authorization: Bearer KEY`, bounded by [`TIMEOUT`].
/// `Err` is a network failure (DNS, connect, TLS, timeout), in words that
/// never include the key.
pub fn list_foundation_models(url: &str, key: &Secret) -> Result<Answer> {
    let request = build_request(url, key)?;
    if is_plain_http(url)
        && let Some(var) = plain_http_proxy(url)?
    {
        bail!(crate::error::with_hint(
            format!(
                "{var} would carry the plain-HTTP request to {url}, and the key with it in clear, to a proxy"
            ),
            format!(
                "add the endpoint's host to NO_PROXY, unset {var}, or use an https:// endpoint"
            )
        ));
    }
    let resolver = Resolver::default();
    let started = Instant::now();
    let runtime = crate::runtime::current_thread()?;
    let result = runtime.block_on(async {
        let connector = Connector::builder()
            .connector_settings(
                HttpConnectorSettings::builder()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .read_timeout(TIMEOUT)
                    .build(),
            )
            .proxy_config(ProxyConfig::from_env())
            .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
            .build_with_resolver(resolver.clone());
        tokio::time::timeout(TIMEOUT, call(&connector, request)).await
    });
    // A resolver that never answers holds a blocking thread: leave it, or
    // dropping the runtime would wait for it well past the bound.
    runtime.shutdown_background();
    match result {
        Ok(Ok(answer)) => Ok(answer),
        Ok(Err(Failed::Connect(e))) => Err(connect_failure(url, &e, &resolver, started)),
        Ok(Err(Failed::Other(e))) => Err(e),
        Err(_) => Err(anyhow!("no answer within {} s", TIMEOUT.as_secs())),
    }
}

/// The request, its `Authorization` header marked sensitive (as uv's auth
/// crate does), so no debug or trace path of the HTTP stack prints it.
fn build_request(url: &str, key: &Secret) -> Result<HttpRequest> {
    let mut auth = http::HeaderValue::try_from(format!("Bearer {}", key.expose()))
        .map_err(|_| anyhow!("the key holds characters an HTTP header cannot carry"))?;
    auth.set_sensitive(true);
    let request = http::Request::get(url)
        .header("accept", "application/json")
        .header(
            "user-agent",
            concat!("bedrock-token/", env!("CARGO_PKG_VERSION")),
        )
        .header("authorization", auth)
        .body(SdkBody::empty())
        .with_context(|| format!("bad endpoint URL {url}"))?;
    HttpRequest::try_from(request).with_context(|| format!("bad endpoint URL {url}"))
}

/// The proxy variable that would take a plain-HTTP request to `url`, by
/// the matcher the connector itself uses (`NO_PROXY` honoured).
fn plain_http_proxy(url: &str) -> Result<Option<&'static str>> {
    let Ok(uri) = url.parse::<http::Uri>() else {
        return Ok(None);
    };
    if hyper_util::client::proxy::matcher::Matcher::from_env()
        .intercept(&uri)
        .is_none()
    {
        return Ok(None);
    }
    for var in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
        if std::env::var_os(var).is_some_and(|v| !v.is_empty()) {
            return Ok(Some(var));
        }
    }
    Ok(Some("a proxy variable"))
}

/// Why connecting (resolving, connecting, the TLS handshake) failed, in
/// words that say which step it was.
fn connect_failure(
    url: &str,
    e: &ConnectorError,
    resolver: &Resolver,
    started: Instant,
) -> anyhow::Error {
    let text = mask(&crate::error::causes(e));
    let host = host_of(url);
    let https = url.starts_with("https://");
    if !e.is_timeout() {
        let lower = text.to_ascii_lowercase();
        if https
            && [
                "handshake eof",
                "corrupt message",
                "invalidcontenttype",
                "wrong version number",
            ]
            .iter()
            .any(|t| lower.contains(t))
        {
            return anyhow!(
                "TLS failure: {host} answered, but not in TLS (is it a plain-HTTP port? an https:// endpoint needs its TLS port): {text}"
            );
        }
        if https && (lower.contains("tls") || lower.contains("certificate")) {
            return anyhow!("TLS failure: {host}: {text}");
        }
        return anyhow!("{text}");
    }
    // An address literal is never resolved: it is its own answer.
    let literal = host.parse::<IpAddr>().ok().map(|ip| vec![ip]);
    let Some(addrs) = literal.or_else(|| resolver.resolved()) else {
        return anyhow!(
            "name resolution for {host} gave no answer within {} s",
            CONNECT_TIMEOUT.as_secs()
        );
    };
    // Resolved: find out whether the host takes connections at all, in
    // what is left of the bound.
    let port = port_of(url);
    let left = TIMEOUT.saturating_sub(started.elapsed() + Duration::from_millis(200));
    let accepts = https
        && !left.is_zero()
        && plain_https_proxy_unset(url)
        && addrs.iter().any(|ip| {
            TcpStream::connect_timeout(
                &SocketAddr::new(*ip, port),
                left.min(Duration::from_secs(2)),
            )
            .is_ok()
        });
    if accepts {
        anyhow!(
            "TLS failure: {host} accepts connections but completed no TLS handshake within {} s (is it a plain-HTTP port? an https:// endpoint needs its TLS port)",
            CONNECT_TIMEOUT.as_secs()
        )
    } else {
        anyhow!(
            "could not connect to {host} within {} s",
            CONNECT_TIMEOUT.as_secs()
        )
    }
}

/// Whether an https:// request to `url` goes direct (the probe above says
/// nothing about a proxy's tunnel).
fn plain_https_proxy_unset(url: &str) -> bool {
    url.parse::<http::Uri>().is_ok_and(|uri| {
        hyper_util::client::proxy::matcher::Matcher::from_env()
            .intercept(&uri)
            .is_none()
    })
}

/// The system resolver (as hyper's own: `getaddrinfo` on a blocking
/// thread), remembering what it found, so a timeout can tell resolving
/// from connecting.
#[derive(Debug, Clone, Default)]
struct Resolver {
    resolved: Arc<Mutex<Option<Vec<IpAddr>>>>,
}

impl Resolver {
    fn resolved(&self) -> Option<Vec<IpAddr>> {
        self.resolved
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl ResolveDns for Resolver {
    fn resolve_dns<'a>(&'a self, name: &'a str) -> DnsFuture<'a> {
        let name = name.to_string();
        let resolved = self.resolved.clone();
        DnsFuture::new(async move {
            let ips = tokio::task::spawn_blocking(move || {
                (name.as_str(), 0)
                    .to_socket_addrs()
                    .map(|a| a.map(|s| s.ip()).collect::<Vec<_>>())
            })
            .await
            .map_err(ResolveDnsError::new)?
            .map_err(ResolveDnsError::new)?;
            *resolved.lock().unwrap_or_else(|e| e.into_inner()) = Some(ips.clone());
            Ok(ips)
        })
    }
}

enum Failed {
    /// Resolving, connecting or the TLS handshake.
    Connect(ConnectorError),
    Other(anyhow::Error),
}

async fn call(connector: &Connector, request: HttpRequest) -> Result<Answer, Failed> {
    let response = connector.call(request).await.map_err(Failed::Connect)?;
    let status = response.status().as_u16();
    let header = |name: &str| response.headers().get(name).map(mask);
    let request_id = header("x-amzn-requestid").or_else(|| header("x-amz-request-id"));
    let error_type = header("x-amzn-errortype");
    let mut stream = ByteStream::new(response.into_body());
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            Failed::Other(anyhow!("the answer broke off: {}", mask(&e.to_string())))
        })?;
        if body.len() + chunk.len() > MAX_BODY {
            break;
        }
        body.extend_from_slice(&chunk);
    }
    let doc: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
    let field = |name: &str| {
        doc.as_ref()
            .and_then(|d| d.get(name))
            .and_then(|v| v.as_str())
            .map(mask)
    };
    Ok(Answer {
        status,
        error_type: error_type
            .or_else(|| field("__type"))
            .map(|t| short_type(&t).to_string()),
        message: field("message").or_else(|| field("Message")),
        request_id,
        lists_models: doc
            .as_ref()
            .is_some_and(|d| d.get("modelSummaries").is_some_and(|m| m.is_array())),
    })
}

/// Text from the network (an answer's message, type or request id, an
/// error's causes) with anything shaped like a Bedrock key replaced by its
/// prefix and `…`, and any URL user-info by `…@`: a server or proxy that
/// quotes our `Authorization` header must not put the key on our output.
/// A short-term key's body is base64 (or base64url, or percent-encoded)
/// and `&Version=1`; a long-term key's is base64.
pub fn mask(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let short = rest
            .find("bedrock-api-key-")
            .map(|i| (i, "bedrock-api-key-", "+/=%&-_"));
        let long = find_long_term(rest).map(|i| (i, "ABSK", "+/="));
        let next = match (short, long) {
            (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
            (a, b) => a.or(b),
        };
        let Some((at, prefix, extra)) = next else {
            out.push_str(rest);
            break;
        };
        out.push_str(&rest[..at]);
        out.push_str(prefix);
        out.push('…');
        let after = &rest[at + prefix.len()..];
        let body = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || extra.contains(c)))
            .unwrap_or(after.len());
        rest = &after[body..];
    }
    mask_userinfo(&out)
}

/// `ABSK` followed by at least 8 base64 characters: a long-term key, not
/// the word.
fn find_long_term(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find("ABSK") {
        let at = from + i;
        let body = &text[at + 4..];
        let n = body
            .find(|c: char| !(c.is_ascii_alphanumeric() || "+/=".contains(c)))
            .unwrap_or(body.len());
        if n >= 8 {
            return Some(at);
        }
        from = at + 4;
    }
    None
}

/// `scheme://user:secret@host` -> `scheme://…@host`, wherever in `text`.
fn mask_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        out.push_str(&rest[..i + 3]);
        let after = &rest[i + 3..];
        let authority_end = after
            .find(|c: char| "/?# \t\n\"'<>".contains(c))
            .unwrap_or(after.len());
        match after[..authority_end].rfind('@') {
            Some(at) => {
                out.push_str("…@");
                rest = &after[at + 1..];
            }
            None => rest = after,
        }
    }
    out.push_str(rest);
    out
}

/// `url` without user-info in its authority.
pub fn without_userinfo(url: &str) -> String {
    let Some(i) = url.find("://") else {
        return url.to_string();
    };
    let after = &url[i + 3..];
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    match after[..end].rfind('@') {
        Some(at) => format!("{}{}", &url[..i + 3], &after[at + 1..]),
        None => url.to_string(),
    }
}

fn is_plain_http(url: &str) -> bool {
    url.get(..7)
        .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
}

/// The host of `url`, without brackets or port.
fn host_of(url: &str) -> String {
    url.parse::<http::Uri>()
        .ok()
        .and_then(|u| u.host().map(|h| h.trim_matches(['[', ']']).to_string()))
        .unwrap_or_default()
}

fn port_of(url: &str) -> u16 {
    url.parse::<http::Uri>()
        .ok()
        .and_then(|u| u.port_u16())
        .unwrap_or(if url.starts_with("https://") { 443 } else { 80 })
}

/// Whether `url`'s host is this machine: `localhost` (RFC 6761), an
/// address in 127.0.0.0/8, or `::1` (also IPv4-mapped).
fn is_loopback(url: &str) -> bool {
    let host = host_of(url).to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.to_canonical().is_loopback())
}

/// `AccessDeniedException:http://internal.amazon.com/...` and
/// `com.amazon.coral#AccessDeniedException` -> `AccessDeniedException`.
fn short_type(t: &str) -> &str {
    let t = t.split(':').next().unwrap_or(t);
    t.rsplit('#').next().unwrap_or(t).trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_user_info_from_the_network_are_masked() {
        let short = "bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29tLz9BY3Rpb249Q2FsbFdpdGhCZWFyZXJUb2tlbiZYLUFtei1TaWduYXR1cmU9YWJj&Version=1";
        let long = "ABSKQmVkcm9ja0FQSUtleS1hYmNkLWF0LTExMTEyMjIyMzMzMzpzZWNyZXQ=";
        let text = format!(
            "Invalid header 'Authorization: Bearer {short}' or {long}. See http://user:hunter2@proxy:3128/x; ABSK alone"
        );
        assert_eq!(
            mask(&text),
            "Invalid header 'Authorization: Bearer bedrock-api-key-…' or ABSK…. See http://…@proxy:3128/x; ABSK alone"
        );
        assert_eq!(mask("no key here"), "no key here");
        assert_eq!(
            without_userinfo("http://user:secret@127.0.0.1:8080/p@q"),
            "http://127.0.0.1:8080/p@q"
        );
    }

    #[test]
    fn only_loopback_addresses_may_get_plain_http() {
        for url in [
            "http://127.0.0.1:4000",
            "http://127.1.2.3",
            "http://[::1]:80/x",
            "http://localhost:9",
            "http://LOCALHOST",
            "http://[::ffff:127.0.0.1]",
        ] {
            assert!(is_loopback(url), "{url}");
        }
        for url in [
            "http://10.0.0.1",
            "http://bedrock.us-east-1.amazonaws.com",
            "http://127.0.0.1.example.com",
            "http://localhost.example.com",
            "http://[::2]",
        ] {
            assert!(!is_loopback(url), "{url}");
        }
        assert!(is_plain_http("HTTP://x") && !is_plain_http("https://x"));
    }

    #[test]
    fn the_authorization_header_is_sensitive_all_the_way_to_the_wire() {
        let key = Secret::new("bedrock-api-key-SENTINEL");
        let request = build_request("https://x.example/foundation-models", &key).unwrap();
        assert!(!format!("{request:?}").contains("SENTINEL"));
        let wire = request.try_into_http1x().unwrap();
        let auth = wire.headers().get("authorization").unwrap();
        assert!(auth.is_sensitive());
        assert!(!format!("{:?}", wire.headers()).contains("SENTINEL"));
    }

    #[test]
    fn error_types_lose_their_namespace() {
        assert_eq!(
            short_type(
                "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/"
            ),
            "AccessDeniedException"
        );
        assert_eq!(
            short_type("com.amazon.coral.validate#ValidationException"),
            "ValidationException"
        );
        assert_eq!(short_type("ThrottlingException"), "ThrottlingException");
    }
}
