//! One request: checked ([`super::gate`]), routed, sent upstream with a
//! fresh key in place of the local credential, and its answer streamed
//! back as it arrives.
//!
//! Request bodies are read whole (up to Bedrock's own limit), so that a
//! request refused for an expired key can be sent again once; answers are
//! never buffered, except a 403's short body, which says whether to retry.

use super::gate::{self, Credential, Refusal};
use super::keys::{Keys, NoKey};
use crate::secret::Secret;
use crate::ui;
use aws_smithy_runtime_api::client::http::HttpConnector;
use aws_smithy_types::body::SdkBody;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response};
use http_body_util::{BodyExt, Full, Limited, combinators::BoxBody};
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Instant;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
pub type Body = BoxBody<Bytes, BoxError>;

/// InvokeModel's body may hold 25,000,000 bytes
/// (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModel.html);
/// Converse carries the same content base64-encoded in JSON, a third more.
pub const MAX_REQUEST_BODY: usize = 34_000_000;
/// A 403's body is a short JSON message.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Where requests go: Bedrock's runtime and its control plane.
pub struct Upstream {
    pub runtime: String,
    pub control: String,
    pub connector: aws_smithy_http_client::Connector,
}

pub struct Gateway {
    pub listen: SocketAddr,
    pub credential: Credential,
    pub keys: Keys,
    pub upstream: Upstream,
    /// One line per request (`proxy`); under `proxy exec`, with -v only,
    /// since the log shares the terminal with CMD.
    log_requests: bool,
    /// The upstream failure last logged, until a request gets through.
    unreachable: Mutex<Option<String>>,
}

impl Gateway {
    pub fn new(
        listen: SocketAddr,
        credential: Credential,
        keys: Keys,
        upstream: Upstream,
        log_requests: bool,
    ) -> Self {
        Gateway {
            listen,
            credential,
            keys,
            upstream,
            log_requests,
            unreachable: Mutex::new(None),
        }
    }

    /// Answers one request and logs one line for it: time, method, path
    /// (without the query), status, upstream request id, latency to the
    /// answer's head, HTTP version. Never a header value or a body.
    pub async fn handle(
        &self,
        request: Request<hyper::body::Incoming>,
    ) -> Result<Response<Body>, std::convert::Infallible> {
        let started = Instant::now();
        let method = request.method().clone();
        let path = request.uri().path().to_string();
        let version = request.version();
        let response = match self.respond(request).await {
            Ok(r) => r,
            Err(refusal) => refused(&refusal),
        };
        let request_id = request_id(response.headers());
        let line = format!(
            "{method} {} {} {request_id} {:.1} ms {version:?}",
            printable(&path),
            response.status().as_u16(),
            started.elapsed().as_secs_f64() * 1000.0
        );
        if self.log_requests {
            ui::line(&line);
        } else {
            ui::verbose(&line);
        }
        Ok(response)
    }

    async fn respond(
        &self,
        request: Request<hyper::body::Incoming>,
    ) -> Result<Response<Body>, Refusal> {
        let (parts, body) = request.into_parts();
        gate::check(
            self.listen,
            &self.credential,
            &parts.headers,
            parts.uri.authority().map(|a| a.as_str()),
        )?;
        if parts.method == http::Method::CONNECT {
            return Err(Refusal {
                status: 405,
                error_type: "ValidationException",
                message: "bedrock-token proxy is a gateway to Bedrock, not an HTTP proxy".into(),
                next: None,
            });
        }
        let too_large = || Refusal {
            status: 413,
            error_type: "ValidationException",
            message: format!(
                "the request body is larger than Bedrock takes ({MAX_REQUEST_BODY} bytes)"
            ),
            next: None,
        };
        if content_length(&parts.headers).is_some_and(|n| n > MAX_REQUEST_BODY as u64) {
            return Err(too_large());
        }
        let body = Limited::new(body, MAX_REQUEST_BODY)
            .collect()
            .await
            .map_err(|e| {
                if e.downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some()
                {
                    too_large()
                } else {
                    Refusal {
                        status: 400,
                        error_type: "ValidationException",
                        message: format!("the request body broke off: {e}"),
                        next: None,
                    }
                }
            })?
            .to_bytes();
        let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let base = if is_runtime(parts.uri.path()) {
            &self.upstream.runtime
        } else {
            &self.upstream.control
        };
        let url = format!("{}{path_and_query}", base.trim_end_matches('/'));
        let headers = forwarded_request_headers(&parts.headers);

        let key = self.keys.key().await.map_err(no_key)?;
        let first = self
            .send(&parts.method, &url, &headers, &body, &key)
            .await?;
        let what = format!("{} {}", parts.method, printable(parts.uri.path()));
        if first.status().as_u16() != 403 {
            return Ok(stream(first, what));
        }
        // A 403: read its short body; if the key expired, renew and retry once.
        let (head, body_403) = first.into_parts();
        let text = Limited::new(body_403, MAX_ERROR_BODY)
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        if !says_expired(&text) {
            return Ok(with_head(head, full(text)));
        }
        let key = self.keys.renew(&key).await.map_err(no_key)?;
        let second = self
            .send(&parts.method, &url, &headers, &body, &key)
            .await?;
        Ok(stream(second, what))
    }

    async fn send(
        &self,
        method: &http::Method,
        url: &str,
        headers: &HeaderMap,
        body: &Bytes,
        key: &Secret,
    ) -> Result<Response<SdkBody>, Refusal> {
        let mut request = Request::builder()
            .method(method.clone())
            .uri(url)
            .body(SdkBody::from(body.clone()))
            .map_err(|e| bad_gateway(format!("bad upstream URL {url}: {e}")))?;
        *request.headers_mut() = headers.clone();
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {}", key.expose())).map_err(|_| {
                bad_gateway("the key holds characters an HTTP header cannot carry".into())
            })?;
        auth.set_sensitive(true);
        request
            .headers_mut()
            .insert(http::header::AUTHORIZATION, auth);
        if !body.is_empty() || method == http::Method::POST || method == http::Method::PUT {
            request
                .headers_mut()
                .insert(http::header::CONTENT_LENGTH, HeaderValue::from(body.len()));
        }
        let request = aws_smithy_runtime_api::http::Request::try_from(request)
            .map_err(|e| bad_gateway(format!("could not forward the request: {e}")))?;
        let answer = self.upstream.connector.call(request).await;
        let base = url.split('/').take(3).collect::<Vec<_>>().join("/");
        match answer {
            Ok(response) => {
                if self.unreachable.lock().unwrap().take().is_some() {
                    ui::line(&format!("{base} answers again"));
                }
                response
                    .try_into_http1x()
                    .map_err(|e| bad_gateway(format!("unreadable answer from {base}: {e}")))
            }
            Err(e) => {
                let message = format!(
                    "could not reach Bedrock at {base}: {}",
                    crate::error::causes(&e)
                );
                let mut last = self.unreachable.lock().unwrap();
                if last.as_deref() != Some(message.as_str()) {
                    ui::line(&format!("error: {message}"));
                    *last = Some(message.clone());
                }
                Err(Refusal {
                    status: 502,
                    error_type: "ServiceUnavailableException",
                    message,
                    next: Some("check the network, an HTTPS_PROXY, or AWS_ENDPOINT_URL_BEDROCK_RUNTIME / AWS_ENDPOINT_URL_BEDROCK in the gateway's environment".into()),
                })
            }
        }
    }
}

/// Runtime operations (InvokeModel, Converse and their streams, CountTokens,
/// ApplyGuardrail, async invocations, the OpenAI-compatible API) go to
/// bedrock-runtime; everything else (ListFoundationModels,
/// ListInferenceProfiles, ...) to the control plane.
pub fn is_runtime(path: &str) -> bool {
    ["/model/", "/openai/", "/guardrail/", "/async-invoke"]
        .iter()
        .any(|p| path.starts_with(p))
}

/// The client's headers less its credentials (Authorization, API keys,
/// SigV4's `X-Amz-*`), hop-by-hop headers, and those the connection sets
/// (Host, Content-Length).
fn forwarded_request_headers(headers: &HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let n = name.as_str();
        let dropped = matches!(
            n,
            "authorization"
                | "x-api-key"
                | "api-key"
                | "host"
                | "content-length"
                | "cookie"
                | "origin"
        ) || n.starts_with("x-amz-")
            || is_hop_by_hop(name);
        if !dropped {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

/// Headers that belong to one connection (RFC 9110 section 7.6.1), which
/// HTTP/2 forbids outright.
fn is_hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "proxy-authorization"
            | "proxy-authenticate"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
    )
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// Bedrock's answer to an expired bearer key: 403 `{"message": "Bearer
/// Token has expired"}` (the wording of its AccessDeniedException).
fn says_expired(body: &[u8]) -> bool {
    let doc: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let message = doc
        .as_ref()
        .and_then(|d| d.get("message").or_else(|| d.get("Message")))
        .and_then(|m| m.as_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    message.contains("expired")
}

/// The upstream answer, its body passed on frame by frame as it arrives.
/// When the body breaks off (the connection cut, a stream reset), the
/// consumer's answer breaks off too, and the log says so for `what` (the
/// request's method and path), since the request's own line went out with
/// the head.
fn stream(response: Response<SdkBody>, what: String) -> Response<Body> {
    let (head, body) = response.into_parts();
    let request_id = request_id(&head.headers).to_string();
    let body = body.map_err(move |e| -> BoxError {
        ui::line(&format!(
            "error: {what} {request_id}: Bedrock's answer broke off: {}",
            crate::error::causes(e.as_ref())
        ));
        e
    });
    with_head(head, body.boxed())
}

/// Bedrock's request id for an answer, `-` when it has none.
fn request_id(headers: &HeaderMap) -> &str {
    headers
        .get("x-amzn-requestid")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
}

fn with_head(mut head: http::response::Parts, body: Body) -> Response<Body> {
    let drop: Vec<HeaderName> = head
        .headers
        .keys()
        .filter(|n| is_hop_by_hop(n) || *n == http::header::CONTENT_LENGTH)
        .cloned()
        .collect();
    for name in drop {
        head.headers.remove(&name);
    }
    Response::from_parts(head, body)
}

fn full(bytes: Bytes) -> Body {
    Full::new(bytes).map_err(|never| match never {}).boxed()
}

fn bad_gateway(message: String) -> Refusal {
    Refusal {
        status: 502,
        error_type: "ServiceUnavailableException",
        message,
        next: None,
    }
}

/// No key could be made: 403, the reason and our next step (`aws sso login
/// ...`), as the command-line commands say it.
fn no_key(e: NoKey) -> Refusal {
    Refusal {
        status: 403,
        error_type: "AccessDeniedException",
        message: format!("bedrock-token proxy {}", e.message),
        next: e.next,
    }
}

/// A refusal as Bedrock words errors (`{"message"}`, `x-amzn-ErrorType`),
/// with our `next` step, and an OpenAI-style `error` object for the OpenAI
/// clients, which read that.
pub fn refused(r: &Refusal) -> Response<Body> {
    let text = match &r.next {
        Some(next) => format!("{}; {next}", r.message),
        None => r.message.clone(),
    };
    let body = serde_json::json!({
        "message": text,
        "next": r.next,
        "error": { "message": text, "type": "bedrock_token_proxy_error", "code": r.error_type },
    });
    let mut response = Response::new(full(Bytes::from(body.to_string())));
    *response.status_mut() =
        http::StatusCode::from_u16(r.status).unwrap_or(http::StatusCode::BAD_GATEWAY);
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert("x-amzn-errortype", HeaderValue::from_static(r.error_type));
    if r.status == 401 {
        headers.insert(
            http::header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer"),
        );
    }
    response
}

/// A path for the log: control characters escaped, long ones cut.
fn printable(path: &str) -> String {
    let mut out: String = path
        .chars()
        .take(300)
        .flat_map(char::escape_debug)
        .collect();
    if path.len() > 300 {
        out.push_str("...");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_and_control_plane_paths_are_told_apart() {
        for p in [
            "/model/anthropic.claude-3-haiku-20240307-v1:0/invoke",
            "/model/x/converse-stream",
            "/openai/v1/chat/completions",
            "/guardrail/g1/version/1/apply",
            "/async-invoke",
        ] {
            assert!(is_runtime(p), "{p}");
        }
        for p in [
            "/foundation-models",
            "/inference-profiles",
            "/guardrails",
            "/",
        ] {
            assert!(!is_runtime(p), "{p}");
        }
    }

    #[test]
    fn credentials_and_hop_by_hop_headers_are_not_forwarded() {
        let mut h = HeaderMap::new();
        for (k, v) in [
            ("authorization", "Bearer bedrock-token-local-x"),
            ("x-amz-date", "20260101T000000Z"),
            ("x-amz-security-token", "t"),
            ("x-api-key", "k"),
            ("connection", "keep-alive"),
            ("host", "127.0.0.1:1"),
            ("content-type", "application/json"),
            ("x-amzn-bedrock-trace", "ENABLED"),
            ("accept", "application/vnd.amazon.eventstream"),
        ] {
            h.append(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        let out = forwarded_request_headers(&h);
        let names: Vec<&str> = out.keys().map(|k| k.as_str()).collect();
        assert_eq!(names, ["content-type", "x-amzn-bedrock-trace", "accept"]);
    }

    #[test]
    fn only_an_expiry_is_retried() {
        assert!(says_expired(br#"{"message":"Bearer Token has expired"}"#));
        assert!(!says_expired(br#"{"message":"Authentication failed"}"#));
        assert!(!says_expired(b"<html>expired</html>"));
    }
}
