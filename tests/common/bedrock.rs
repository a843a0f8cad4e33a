//! A fake Amazon Bedrock on loopback, for `verify` and for the real
//! consumers (boto3, Claude Code, Claude Desktop's helper).
//!
//! It checks keys as AWS does: it decodes a short-term key, recomputes its
//! SigV4 query signature (by hand, independently of aws-sigv4) with the
//! credentials it knows at the key's own `X-Amz-Date`, and refuses expired
//! keys and keys for other regions; it accepts a list of long-term keys; one
//! identity lacks permission. It answers as Bedrock does: `{"message"}` JSON
//! bodies, `x-amzn-ErrorType` and `x-amzn-RequestId` headers. Past the key,
//! it plays both of Bedrock's endpoints well enough for a one-line reply:
//! the control plane's `ListFoundationModels`, and the runtime's `Converse`,
//! `InvokeModel`, `InvokeModelWithResponseStream` (AWS event-stream framing)
//! and `CountTokens`, the OpenAI-compatible Chat Completions API
//! (`/openai/v1/chat/completions`, JSON or server-sent events), and the
//! Responses API (`/openai/v1/responses`) with SigV4 for `bedrock-mantle`
//! as Codex CLI signs it (any operation also takes a SigV4 `Authorization`
//! header, checked as the key's query signature is). Streams can
//! be sent an event at a time, with a pause between events
//! ([`Behaviour::stream_gap`]), so a test sees whether they arrive as sent. It records every request and its answer, so a test can
//! say which keys were used and that none was refused.
//!
//! Plain HTTP: clients that insist on HTTPS for bearer keys (botocore) reach
//! it through [`TlsFront`].

use super::http::Request;
use super::{AKID, Run, SECRET, SigV4, amz_date, hex, sha256, sign, tool, unix_now};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

pub const REGION: &str = "us-east-1";
pub const ACCOUNT: &str = "111122223333";
/// An identity whose keys are genuine but may not use Bedrock.
pub const DENIED_AKID: &str = "AKIAI44QH8DHBEXAMPLE";
pub const DENIED_SECRET: &str = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY";
/// The long-term key the fake accepts, and one it has never issued.
pub const LONG_TERM_SECRET: &str = "bG9uZ3Rlcm1zZWNyZXRET05PVExFQUs=";

/// IAM users whose long-term key (with [`LONG_TERM_SECRET`]) the fake
/// accepts: any IAM user may own one, not only the console's
/// `BedrockAPIKey-xxxx` users.
pub const LONG_TERM_USERS: [&str; 3] = ["alice", "ci.bot+prod@team", "BedrockAPIKey-x7kq"];

/// A long-term key of the console's kind of user.
pub fn long_term_key(secret: &str) -> String {
    long_term_key_of("BedrockAPIKey-x7kq", secret)
}

/// A long-term key in the shape IAM documents: `ABSK` and the base64 of
/// `ALIAS:SECRET`, the alias being `USER-at-ACCOUNT` (IAM API Reference,
/// ServiceSpecificCredential: ServiceCredentialAlias).
pub fn long_term_key_of(user: &str, secret: &str) -> String {
    use base64::Engine;
    let plain = format!("{user}-at-{ACCOUNT}:{secret}");
    format!(
        "ABSK{}",
        base64::engine::general_purpose::STANDARD.encode(plain)
    )
}

/// What the fake saw and said: the method, the request target, the
/// Authorization header and the status it answered.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub target: String,
    pub authorization: String,
    pub status: u16,
    /// When the request arrived.
    pub at: SystemTime,
}

impl Seen {
    /// The bearer key, if the request carried one.
    pub fn key(&self) -> Option<&str> {
        self.authorization.strip_prefix("Bearer ")
    }
}

#[derive(Clone, Default)]
pub struct Behaviour {
    /// Seconds the fake's clock runs ahead of ours.
    pub clock_ahead: u64,
    /// Answer 503 to everything.
    pub outage: bool,
    /// Accept connections and never answer.
    pub hang: bool,
    /// Send streamed answers (event streams, server-sent events) one event
    /// per chunk (`Transfer-Encoding: chunked`), pausing this long between.
    pub stream_gap: Option<Duration>,
    /// Declare the whole answer's `Content-Length`, send half of it, and
    /// close: a connection cut mid-answer.
    pub truncate: bool,
    /// Answer 200 with a body that never ends (chunked, the answer's start
    /// then its last event or a filler repeated), until the client leaves.
    pub endless: bool,
}

pub struct FakeBedrock {
    pub url: String,
    pub port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl FakeBedrock {
    pub fn start() -> FakeBedrock {
        FakeBedrock::with(Behaviour::default())
    }

    pub fn with(behaviour: Behaviour) -> FakeBedrock {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        let port = super::http::serve(move |stream, n| serve(stream, n, &behaviour, &record));
        FakeBedrock {
            url: format!("http://127.0.0.1:{port}"),
            port,
            seen,
        }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The distinct bearer keys the fake was shown, in order of first use.
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        for s in self.seen() {
            if let Some(k) = s.key()
                && !keys.iter().any(|seen| seen == k)
            {
                keys.push(k.to_string());
            }
        }
        keys
    }

    /// bedrock-token pointed at this fake.
    pub fn run(&self, run: Run) -> Run {
        run.env("AWS_ENDPOINT_URL_BEDROCK", &self.url)
    }

    /// `InvokeModel` with `key` as a bearer token, as a client would send
    /// it: the status and body of the answer.
    pub fn invoke(&self, key: &str) -> (u16, String) {
        let answer = http_once(
            self.port,
            &format!(
                "POST /model/{MODEL}/invoke HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json"
            ),
            INVOKE_BODY,
        );
        status_and_body(&answer)
    }
}

/// An InvokeModel body for an Anthropic model, asking for `turn-1`.
pub const INVOKE_BODY: &str = r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":"say turn-1"}]}"#;

/// One HTTP/1.1 exchange on its own connection to loopback `port`: `head`
/// is the request line and headers (no blank line); the whole answer.
pub fn http_once(port: u16, head: &str, body: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

/// The status and the body of a whole HTTP/1.1 answer, read as text.
pub fn status_and_body(answer: &str) -> (u16, String) {
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    (status, body)
}

/// A model id as clients name it.
pub const MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";

fn serve(stream: TcpStream, n: u32, behaviour: &Behaviour, seen: &Mutex<Vec<Seen>>) {
    let at = SystemTime::now();
    let Some(request) = super::http::read_request(&stream) else {
        return;
    };
    if behaviour.hang {
        record(seen, &request, 0, at);
        std::thread::sleep(Duration::from_secs(60));
        return;
    }
    let reply = answer(behaviour, &request);
    record(seen, &request, reply.status, at);
    let gap = behaviour.stream_gap.filter(|_| !reply.events.is_empty());
    let length = match gap {
        Some(_) => "Transfer-Encoding: chunked".to_string(),
        None => format!("Content-Length: {}", reply.body.len()),
    };
    let mut head = format!(
        "HTTP/1.1 {} X\r\nContent-Type: {}\r\n{length}\r\nx-amzn-RequestId: 4b3f0000-fake-4000-8000-{n:012}\r\nConnection: close\r\n",
        reply.status, reply.content_type,
    );
    if let Some(t) = reply.error_type {
        head.push_str(&format!(
            "x-amzn-ErrorType: {t}:http://internal.amazon.com/coral/com.amazon.coral.service/\r\n"
        ));
    }
    let mut stream = stream;
    if behaviour.truncate {
        let _ = stream.write_all(format!("{head}\r\n").as_bytes());
        let _ = stream.write_all(&reply.body[..reply.body.len() / 2]);
        return;
    }
    if behaviour.endless {
        let head = head.replace(&length, "Transfer-Encoding: chunked");
        let _ = stream.write_all(format!("{head}\r\n").as_bytes());
        let filler = reply
            .events
            .last()
            .cloned()
            .unwrap_or_else(|| b" ".repeat(65536));
        let start = reply.events.first().unwrap_or(&reply.body).clone();
        for chunk in std::iter::once(start).chain(std::iter::repeat(filler)) {
            let sent = write!(stream, "{:x}\r\n", chunk.len())
                .and_then(|()| stream.write_all(&chunk))
                .and_then(|()| stream.write_all(b"\r\n"));
            if sent.is_err() {
                return;
            }
        }
    }
    let _ = stream.write_all(format!("{head}\r\n").as_bytes());
    let Some(gap) = gap else {
        let _ = stream.write_all(&reply.body);
        return;
    };
    for (i, event) in reply.events.iter().enumerate() {
        if i > 0 {
            std::thread::sleep(gap);
        }
        let _ = write!(stream, "{:x}\r\n", event.len());
        let _ = stream.write_all(event);
        let _ = stream.write_all(b"\r\n");
        let _ = stream.flush();
    }
    let _ = stream.write_all(b"0\r\n\r\n");
}

fn record(seen: &Mutex<Vec<Seen>>, request: &Request, status: u16, at: SystemTime) {
    seen.lock().unwrap().push(Seen {
        method: request.method.clone(),
        target: request.target.clone(),
        authorization: request.header("authorization").unwrap_or("").to_string(),
        status,
        at,
    });
}

pub struct Reply {
    pub status: u16,
    pub error_type: Option<&'static str>,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    /// A streamed body's events, whose concatenation is `body`.
    pub events: Vec<Vec<u8>>,
}

/// An error as Bedrock sends it: a JSON `{"message"}` body, the error code
/// in `x-amzn-ErrorType`, the status its code has in "Troubleshooting Amazon
/// Bedrock API Error Codes"
/// (https://docs.aws.amazon.com/bedrock/latest/userguide/troubleshooting-api-error-codes.html;
/// the body and headers are those of the REST-JSON protocol's errors,
/// https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html#operation-error-serialization).
fn error(status: u16, error_type: &'static str, message: &str) -> Reply {
    Reply {
        status,
        error_type: Some(error_type),
        content_type: "application/json",
        body: serde_json::json!({ "message": message })
            .to_string()
            .into_bytes(),
        events: Vec::new(),
    }
}

fn ok_json(value: serde_json::Value) -> Reply {
    Reply {
        status: 200,
        error_type: None,
        content_type: "application/json",
        body: value.to_string().into_bytes(),
        events: Vec::new(),
    }
}

/// A streamed answer: its events, sent together or one at a time.
fn streamed(content_type: &'static str, events: Vec<Vec<u8>>) -> Reply {
    Reply {
        status: 200,
        error_type: None,
        content_type,
        body: events.concat(),
        events,
    }
}

/// Bedrock's answer: which operation, whether the key may call it, then
/// the operation's reply.
fn answer(b: &Behaviour, request: &Request) -> Reply {
    if b.outage {
        return error(503, "ServiceUnavailableException", "Service Unavailable");
    }
    // Through a proxy the target is absolute: http://host/path.
    let target = &request.target;
    let target = target
        .strip_prefix("http://")
        .map_or(target.as_str(), |rest| {
            &rest[rest.find('/').unwrap_or(rest.len())..]
        });
    let path = target.split('?').next().unwrap_or("");
    let model_op = path
        .strip_prefix("/model/")
        .and_then(|rest| rest.rsplit_once('/'));
    let action = match (request.method.as_str(), path, model_op) {
        ("GET", "/foundation-models", _) => "ListFoundationModels",
        ("POST", _, Some((_, "converse" | "invoke"))) => "InvokeModel",
        ("POST", _, Some((_, "count-tokens"))) => "CountTokens",
        ("POST", _, Some((_, "invoke-with-response-stream"))) => "InvokeModelWithResponseStream",
        ("POST", "/openai/v1/chat/completions" | "/openai/v1/responses", _) => "InvokeModel",
        _ => return error(404, "UnknownOperationException", ""),
    };
    let authorization = request.header("authorization").unwrap_or("");
    let checked = match SigV4::parse(authorization) {
        // Bedrock Mantle's Responses API signs for its own service name,
        // the rest of Bedrock for `bedrock`.
        Some(sig) => {
            let service = if path == "/openai/v1/responses" {
                "bedrock-mantle"
            } else {
                "bedrock"
            };
            check_signature(b, request, target, &sig, service, action)
        }
        None => check_key(b, authorization, action),
    };
    if let Err(refusal) = checked {
        return refusal;
    }
    let text = reply_text(&request.body);
    if path == "/openai/v1/chat/completions" {
        return chat_completion(&request.body, &text);
    }
    if path == "/openai/v1/responses" {
        return responses(&request.body, &text);
    }
    match model_op.map(|(_, op)| op) {
        None => models(),
        // Converse's response syntax
        // (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html).
        Some("converse") => ok_json(serde_json::json!({
            "output": { "message": { "role": "assistant", "content": [{ "text": text }] } },
            "stopReason": "end_turn",
            "usage": { "inputTokens": 5, "outputTokens": 2, "totalTokens": 7 },
            "metrics": { "latencyMs": 1 },
        })),
        // InvokeModel returns the model's own body: for Anthropic models the
        // Messages API response
        // (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages-request-response.html).
        Some("invoke") => ok_json(serde_json::json!({
            "id": "msg_fake", "type": "message", "role": "assistant", "model": MODEL,
            "content": [{ "type": "text", "text": text }],
            "stop_reason": "end_turn", "stop_sequence": null,
            "usage": { "input_tokens": 5, "output_tokens": 2 },
        })),
        // https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_CountTokens.html
        Some("count-tokens") => ok_json(serde_json::json!({ "inputTokens": 5 })),
        Some(_) => streamed("application/vnd.amazon.eventstream", stream_of(&text)),
    }
}

/// Bedrock's OpenAI-compatible Chat Completions
/// (https://docs.aws.amazon.com/bedrock/latest/userguide/inference-chat-completions.html):
/// a `chat.completion` object, or with `"stream": true` server-sent events
/// of `chat.completion.chunk` objects ending in `data: [DONE]`.
fn chat_completion(body: &[u8], text: &str) -> Reply {
    let request: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let model = request["model"].as_str().unwrap_or(MODEL).to_string();
    if request["stream"].as_bool() != Some(true) {
        return ok_json(serde_json::json!({
            "id": "chatcmpl-fake", "object": "chat.completion", "created": unix_now(), "model": model,
            "choices": [{ "index": 0, "message": { "role": "assistant", "content": text },
                          "finish_reason": "stop" }],
            "usage": { "prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7 },
        }));
    }
    let chunk = |delta: serde_json::Value, finish: serde_json::Value| {
        let value = serde_json::json!({
            "id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": unix_now(),
            "model": model, "choices": [{ "index": 0, "delta": delta, "finish_reason": finish }],
        });
        format!("data: {value}\n\n").into_bytes()
    };
    let events = vec![
        chunk(
            serde_json::json!({ "role": "assistant", "content": "" }),
            serde_json::Value::Null,
        ),
        chunk(
            serde_json::json!({ "content": text }),
            serde_json::Value::Null,
        ),
        chunk(serde_json::json!({}), serde_json::json!("stop")),
        b"data: [DONE]\n\n".to_vec(),
    ];
    streamed("text/event-stream", events)
}

/// The OpenAI Responses API, as Bedrock serves it on its `bedrock-mantle`
/// and `bedrock-runtime` endpoints ("Responses API",
/// https://docs.aws.amazon.com/bedrock/latest/userguide/inference-responses-api.html):
/// a `response` object, or with `"stream": true` server-sent events, each
/// `event: TYPE` and `data: {"type": TYPE, ...}` (OpenAI's "Streaming
/// events", https://platform.openai.com/docs/api-reference/responses-streaming):
/// `response.created`, the message's `response.output_text.delta` and
/// `response.output_item.done`, then `response.completed` with the usage.
fn responses(body: &[u8], text: &str) -> Reply {
    let request: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let model = request["model"].as_str().unwrap_or(MODEL).to_string();
    let message = serde_json::json!({
        "type": "message", "id": "msg_fake", "status": "completed", "role": "assistant",
        "content": [{ "type": "output_text", "text": text, "annotations": [] }],
    });
    let usage = serde_json::json!({
        "input_tokens": 5, "input_tokens_details": { "cached_tokens": 0 },
        "output_tokens": 2, "output_tokens_details": { "reasoning_tokens": 0 },
        "total_tokens": 7,
    });
    let response = |status: &str, output: serde_json::Value| {
        serde_json::json!({
            "id": "resp_fake", "object": "response", "created_at": unix_now(),
            "status": status, "model": model, "output": output, "usage": usage,
        })
    };
    if request["stream"].as_bool() != Some(true) {
        return ok_json(response("completed", serde_json::json!([message])));
    }
    let event = |value: serde_json::Value| {
        format!(
            "event: {}\ndata: {value}\n\n",
            value["type"].as_str().unwrap()
        )
        .into_bytes()
    };
    let events = vec![
        event(
            serde_json::json!({ "type": "response.created", "sequence_number": 0,
            "response": response("in_progress", serde_json::json!([])) }),
        ),
        event(
            serde_json::json!({ "type": "response.output_text.delta", "sequence_number": 1,
            "item_id": "msg_fake", "output_index": 0, "content_index": 0, "delta": text }),
        ),
        event(
            serde_json::json!({ "type": "response.output_item.done", "sequence_number": 2,
            "output_index": 0, "item": message }),
        ),
        event(
            serde_json::json!({ "type": "response.completed", "sequence_number": 3,
            "response": response("completed", serde_json::json!([message])) }),
        ),
    ];
    streamed("text/event-stream", events)
}

/// `ack turn-N` for a request that mentions `turn-N` (the last mention:
/// the newest user message), else `pong`.
fn reply_text(body: &[u8]) -> String {
    let body = String::from_utf8_lossy(body);
    body.rmatch_indices("turn-")
        .map(|(i, _)| {
            body[i + 5..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .find(|n| !n.is_empty())
        .map_or_else(|| "pong".to_string(), |n| format!("ack turn-{n}"))
}

/// The events of an Anthropic streaming reply with `text` (the Messages
/// API's stream events, as the page cited at `invoke` lists them), each in
/// an event-stream message of type `chunk` as a PayloadPart,
/// `{"bytes": base64(event)}`
/// (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModelWithResponseStream.html,
/// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_PayloadPart.html).
fn stream_of(text: &str) -> Vec<Vec<u8>> {
    use base64::Engine;
    let events = [
        serde_json::json!({"type": "message_start", "message": {
            "id": "msg_fake", "type": "message", "role": "assistant", "model": MODEL,
            "content": [], "stop_reason": null, "stop_sequence": null,
            "usage": {"input_tokens": 5, "output_tokens": 1}}}),
        serde_json::json!({"type": "content_block_start", "index": 0,
            "content_block": {"type": "text", "text": ""}}),
        serde_json::json!({"type": "content_block_delta", "index": 0,
            "delta": {"type": "text_delta", "text": text}}),
        serde_json::json!({"type": "content_block_stop", "index": 0}),
        serde_json::json!({"type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": null},
            "usage": {"output_tokens": 2}}),
        serde_json::json!({"type": "message_stop"}),
    ];
    events
        .iter()
        .map(|e| {
            let bytes = base64::engine::general_purpose::STANDARD.encode(e.to_string());
            event_message(serde_json::json!({ "bytes": bytes }).to_string().as_bytes())
        })
        .collect()
}

/// One AWS event-stream message: prelude (total length, headers length,
/// CRC32 of those eight bytes), string headers, payload, CRC32 of it all
/// ("Event stream encoding",
/// https://docs.aws.amazon.com/transcribe/latest/dg/event-stream.html; the
/// `:event-type`, `:content-type` and `:message-type` headers are those
/// the page names for event messages).
fn event_message(payload: &[u8]) -> Vec<u8> {
    let mut headers = Vec::new();
    for (name, value) in [
        (":event-type", "chunk"),
        (":content-type", "application/json"),
        (":message-type", "event"),
    ] {
        headers.push(name.len() as u8);
        headers.extend_from_slice(name.as_bytes());
        headers.push(7); // string
        headers.extend_from_slice(&(value.len() as u16).to_be_bytes());
        headers.extend_from_slice(value.as_bytes());
    }
    let total = 12 + headers.len() + payload.len() + 4;
    let mut message = Vec::with_capacity(total);
    message.extend_from_slice(&(total as u32).to_be_bytes());
    message.extend_from_slice(&(headers.len() as u32).to_be_bytes());
    let prelude_crc = crc32(&message);
    message.extend_from_slice(&prelude_crc.to_be_bytes());
    message.extend_from_slice(&headers);
    message.extend_from_slice(payload);
    let crc = crc32(&message);
    message.extend_from_slice(&crc.to_be_bytes());
    message
}

/// CRC-32 (IEEE, as zlib), bit by bit: messages here are small.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Whether Bedrock lets this Authorization perform `action`: `Ok`, or the
/// refusal AWS would send.
fn check_key(b: &Behaviour, authorization: &str, action: &str) -> Result<(), Reply> {
    let Some(key) = authorization.strip_prefix("Bearer ") else {
        return Err(error(
            403,
            "AccessDeniedException",
            "Missing Authentication Token",
        ));
    };
    let invalid = || {
        error(
            403,
            "AccessDeniedException",
            "Authentication failed: Please make sure your API Key is valid.",
        )
    };
    if key.starts_with("ABSK") {
        return if LONG_TERM_USERS
            .iter()
            .any(|u| key == long_term_key_of(u, LONG_TERM_SECRET))
        {
            Ok(())
        } else {
            Err(invalid())
        };
    }
    let Some(url) = key
        .strip_prefix("bedrock-api-key-")
        .and_then(|b64| {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.decode(b64).ok()
        })
        .and_then(|bytes| String::from_utf8(bytes).ok())
    else {
        return Err(invalid());
    };
    let Some(query) = url.strip_prefix("bedrock.amazonaws.com/?") else {
        return Err(invalid());
    };
    let params: Vec<(&str, &str)> = query.split('&').filter_map(|p| p.split_once('=')).collect();
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| *v)
            .unwrap_or("")
    };
    let scope = get("X-Amz-Credential").replace("%2F", "/");
    let [akid, day, region, "bedrock", "aws4_request"] = scope.split('/').collect::<Vec<_>>()[..]
    else {
        return Err(invalid());
    };
    let (secret, arn, allowed) = match akid {
        AKID => (SECRET, format!("arn:aws:iam::{ACCOUNT}:user/dev"), true),
        DENIED_AKID => (
            DENIED_SECRET,
            format!("arn:aws:iam::{ACCOUNT}:user/denied"),
            false,
        ),
        _ => {
            return Err(error(
                403,
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            ));
        }
    };
    if region != REGION {
        return Err(error(
            403,
            "InvalidSignatureException",
            "Credential should be scoped to a valid region.",
        ));
    }
    let date = get("X-Amz-Date");
    let signed: Vec<(&str, &str)> = params
        .iter()
        .copied()
        .filter(|(k, _)| *k != "X-Amz-Signature" && *k != "Version")
        .collect();
    if get("X-Amz-Signature") != signature(secret, date, day, region, signed) {
        return Err(error(
            403,
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided.",
        ));
    }
    let now = unix_now() + b.clock_ahead as i64;
    let expires: i64 = get("X-Amz-Expires").parse().unwrap_or(0);
    if amz_date(date) + expires <= now {
        return Err(error(
            403,
            "AccessDeniedException",
            "Bearer Token has expired",
        ));
    }
    if !allowed {
        return Err(error(
            403,
            "AccessDeniedException",
            &format!(
                "User: {arn} is not authorized to perform: bedrock:{action} because no identity-based policy allows the bedrock:{action} action"
            ),
        ));
    }
    Ok(())
}

/// A request signed with SigV4 in its `Authorization` header, as the SDKs
/// and Codex CLI send them: the signature recomputed with the secret the
/// fake knows for the key id, for `service` in the fake's region, within
/// the five minutes of clock skew AWS allows. The refusals are those of
/// the REST-JSON services ("Troubleshoot signing errors",
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-troubleshooting.html).
fn check_signature(
    b: &Behaviour,
    request: &Request,
    target: &str,
    sig: &SigV4,
    service: &str,
    action: &str,
) -> Result<(), Reply> {
    let (secret, allowed) = match sig.akid {
        AKID => (SECRET, true),
        DENIED_AKID => (DENIED_SECRET, false),
        _ => {
            return Err(error(
                403,
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            ));
        }
    };
    if sig.region != REGION || sig.service != service {
        return Err(error(
            403,
            "InvalidSignatureException",
            &format!("Credential should be scoped to correct service: '{service}'."),
        ));
    }
    let now = unix_now() + b.clock_ahead as i64;
    if (amz_date(request.header("x-amz-date").unwrap_or("")) - now).abs() > 300 {
        return Err(error(
            403,
            "InvalidSignatureException",
            "Signature expired: the request's X-Amz-Date is more than 5 minutes from now.",
        ));
    }
    if !sig.matches(
        secret,
        &request.method,
        target,
        &request.headers,
        &request.body,
    ) {
        return Err(error(
            403,
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided.",
        ));
    }
    if !allowed {
        return Err(error(
            403,
            "AccessDeniedException",
            &format!("User is not authorized to perform: bedrock:{action}"),
        ));
    }
    Ok(())
}

/// ListFoundationModels' response syntax
/// (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_ListFoundationModels.html).
fn models() -> Reply {
    ok_json(serde_json::json!({"modelSummaries": [{
        "modelId": MODEL,
        "modelArn": format!("arn:aws:bedrock:us-east-1::foundation-model/{MODEL}"),
        "providerName": "Anthropic",
    }]}))
}

/// SigV4 for a presigned `POST /` to bedrock.amazonaws.com with only the
/// host header and an empty body: the query, sorted, is what is signed.
fn signature(
    secret: &str,
    date: &str,
    day: &str,
    region: &str,
    mut query: Vec<(&str, &str)>,
) -> String {
    query.sort();
    let canonical_query: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let canonical_request = format!(
        "POST\n/\n{}\nhost:bedrock.amazonaws.com\n\nhost\n{}",
        canonical_query.join("&"),
        hex(&sha256(b""))
    );
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{date}\n{day}/{region}/bedrock/aws4_request\n{}",
        hex(&sha256(canonical_request.as_bytes()))
    );
    sign(secret, day, region, "bedrock", &string_to_sign)
}

/// HTTPS in front of a [`FakeBedrock`], for clients that send bearer keys
/// only over TLS (botocore): a small Python TLS terminator
/// (`tls_front.py`, stdlib `ssl`) with a certificate for 127.0.0.1 made by
/// `openssl req` for this test. Killed on drop.
pub struct TlsFront {
    child: Child,
    pub url: String,
    /// The certificate, for `AWS_CA_BUNDLE` or `NODE_EXTRA_CA_CERTS`.
    pub ca: std::path::PathBuf,
}

impl TlsFront {
    pub fn start(fake: &FakeBedrock, dir: &Path) -> Option<TlsFront> {
        let openssl = tool("openssl")?;
        let python = tool("python")?;
        let (ca, key) = (dir.join("fake-bedrock.pem"), dir.join("fake-bedrock.key"));
        let made = Command::new(openssl)
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            ])
            .args([
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
            ])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&ca)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run openssl");
        assert!(made.success(), "openssl req failed");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/common/tls_front.py");
        let mut child = Command::new(python)
            .arg(script)
            .arg(&ca)
            .arg(&key)
            .arg(fake.port.to_string())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start tls_front.py");
        // It prints its port once it listens.
        let line = super::first_stdout_line(&mut child);
        let port: u16 = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("tls_front.py did not start: {line:?}"));
        Some(TlsFront {
            child,
            url: format!("https://127.0.0.1:{port}"),
            ca,
        })
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
