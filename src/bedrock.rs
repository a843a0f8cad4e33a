//! One call to Amazon Bedrock: `ListFoundationModels` with a bearer key, for
//! `verify` and `doctor --live`. The only module that talks HTTP.
//!
//! It reuses the HTTP stack aws-config already links (hyper and rustls
//! through aws-smithy-http-client), takes proxies from `HTTPS_PROXY`,
//! `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` as the SDK's default HTTPS client
//! does, and never runs on the path that hands out a key: a cache hit never
//! reaches it.

use crate::environment::endpoint_override;
use crate::secret::Secret;
use anyhow::{Context, Result};
use aws_smithy_http_client::Connector;
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::{HttpConnector, HttpConnectorSettings};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::byte_stream::ByteStream;
use std::time::Duration;

/// The whole call, from DNS to the last byte of the answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Error answers are small; a success is about 200 KiB. Read no more.
const MAX_BODY: usize = 8 << 20;

/// What Bedrock answered. Holds no secret.
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
/// endpoint.
pub fn endpoint(region: &str) -> Result<String> {
    let base = endpoint_override("AWS_ENDPOINT_URL_BEDROCK")?.unwrap_or_else(|| {
        let suffix = if region.starts_with("cn-") {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        };
        format!("https://bedrock.{region}.{suffix}")
    });
    Ok(format!("{}/foundation-models", base.trim_end_matches('/')))
}

/// `GET url` with `Authorization: Bearer KEY`, bounded by [`TIMEOUT`].
/// `Err` is a network failure (DNS, connect, TLS, timeout), in words that
/// never include the key.
pub fn list_foundation_models(url: &str, key: &Secret) -> Result<Answer> {
    let mut request = HttpRequest::get(url).with_context(|| format!("bad endpoint URL {url}"))?;
    let headers = request.headers_mut();
    headers.insert("accept", "application/json");
    headers.insert(
        "user-agent",
        concat!("bedrock-token/", env!("CARGO_PKG_VERSION")),
    );
    headers
        .try_insert("authorization", format!("Bearer {}", key.expose()))
        .map_err(|_| anyhow::anyhow!("the key holds characters an HTTP header cannot carry"))?;

    let runtime = crate::runtime::current_thread()?;
    runtime.block_on(async {
        let connector = Connector::builder()
            .connector_settings(
                HttpConnectorSettings::builder()
                    .connect_timeout(TIMEOUT)
                    .read_timeout(TIMEOUT)
                    .build(),
            )
            .proxy_config(ProxyConfig::from_env())
            .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
            .build();
        match tokio::time::timeout(TIMEOUT, call(&connector, request)).await {
            Ok(result) => result,
            Err(_) => Err(anyhow::anyhow!("no answer within {} s", TIMEOUT.as_secs())),
        }
    })
}

async fn call(connector: &Connector, request: HttpRequest) -> Result<Answer> {
    let response = connector
        .call(request)
        .await
        .map_err(|e| anyhow::anyhow!("{}", crate::error::causes(&e)))?;
    let status = response.status().as_u16();
    let header = |name: &str| response.headers().get(name).map(str::to_string);
    let request_id = header("x-amzn-requestid").or_else(|| header("x-amz-request-id"));
    let error_type = header("x-amzn-errortype");
    let mut stream = ByteStream::new(response.into_body());
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| anyhow::anyhow!("the answer broke off: {e}"))?;
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
            .map(str::to_string)
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
