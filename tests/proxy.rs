//! `bedrock-token proxy`: the loopback gateway, with the real consumers
//! (boto3, openai-python, Anthropic's AnthropicBedrock, the AWS SDK for
//! JavaScript v3 over HTTP/2) against the fake Bedrock, which checks every
//! key's signature, region and expiry. Keys live 4 s here, so each session
//! outlives several of them; and the gate: no or a wrong credential,
//! another Host, an Origin header never reach upstream.
#![cfg(unix)]

mod common;

use common::bedrock::{Behaviour, FakeBedrock, MODEL, status_and_body};
use common::{Run, Sandbox, assert_unit_accepted, signal, tool};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

/// Short keys: 4 s, renewed with 2 s left (the margin a loaded machine needs
/// between the hand-out and the fake's check).
const SHORT: [&str; 4] = ["--duration", "4s", "--min-remaining", "2s"];
/// The life of a key under [`SHORT`].
const KEY_LIFE: Duration = Duration::from_secs(4);
/// How long each consumer session runs: keys are renewed with 2 s left, so
/// made about 2 s apart, and the third dies about 8 s in; a 9 s session
/// outlives three keys, and even a starved consumer's last request comes
/// after the first key died.
const SESSION_SECS: &str = "9";

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/proxy_consumers.py")
}

/// bedrock-token with the example keys, pointed at `fake` for both of
/// Bedrock's endpoints, with a runtime directory of its own.
fn gateway_env(sb: &Sandbox, fake: &FakeBedrock) -> Run {
    sb.run_static()
        .env("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", &fake.url)
        .env("AWS_ENDPOINT_URL_BEDROCK", &fake.url)
        .env("XDG_RUNTIME_DIR", run_dir(sb))
}

/// The sandbox's per-user runtime directory, mode 0700 as systemd makes it.
fn run_dir(sb: &Sandbox) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = sb.path("run");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    dir
}

/// A consumer session under `proxy exec`: its JSON summary and stderr.
#[track_caller]
fn session(
    sb: &Sandbox,
    fake: &FakeBedrock,
    program: &Path,
    args: &[&str],
) -> (serde_json::Value, String) {
    let out = gateway_env(sb, fake)
        .args(SHORT)
        .args(["-v", "proxy", "exec", "--"])
        .arg(program)
        .args(args)
        .output();
    out.assert_code(0);
    let summary: serde_json::Value = serde_json::from_str(out.stdout.trim())
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", out.stdout, out.stderr));
    (summary, out.stderr)
}

/// Every request the fake saw was answered 200 with a key the fake found
/// alive then, and the requests ran on past the first key's death. As a
/// check on the fake's own expiry check: no key can serve requests
/// arriving more than `KEY_LIFE` apart, so the fewest windows of that
/// length covering the arrivals is the fewest keys that can have been used.
/// How many that is depends on how densely a loaded machine let the
/// consumer ask, so it is computed from what the fake saw, not fixed.
#[track_caller]
fn assert_all_answered_with_fresh_keys(fake: &FakeBedrock, calls: u64) {
    let seen = fake.seen();
    assert_eq!(seen.len() as u64, calls, "one upstream request per call");
    for s in &seen {
        assert_eq!(s.status, 200, "{s:?}");
        assert!(
            s.key().is_some_and(|k| k.starts_with("bedrock-api-key-")),
            "{s:?}"
        );
    }
    let mut arrivals: Vec<_> = seen.iter().map(|s| s.at).collect();
    arrivals.sort();
    let span = arrivals[arrivals.len() - 1]
        .duration_since(arrivals[0])
        .unwrap_or_default();
    assert!(
        span > KEY_LIFE,
        "the session's requests spanned {span:?}, not past one key's life"
    );
    let mut needed = 0;
    let mut open_until = None;
    for at in arrivals {
        if open_until.is_none_or(|end| at > end) {
            needed += 1;
            open_until = Some(at + KEY_LIFE);
        }
    }
    let keys = fake.keys().len();
    assert!(
        keys >= needed.max(2),
        "{span:?} of requests need {needed} keys at least, {keys} were used"
    );
}

/// The pause between streamed events: a stream buffered whole would
/// arrive at once, one passed on as it comes spreads over several of these.
const GAP: Duration = Duration::from_millis(250);

fn streaming_fake() -> FakeBedrock {
    FakeBedrock::with(Behaviour {
        stream_gap: Some(GAP),
        ..Behaviour::default()
    })
}

/// In the streamed answers the consumer saw first and last events
/// more than a [`GAP`] apart: they were not held back until the end. A
/// gateway that buffers answers whole gives every stream a spread near 0;
/// the widest one is checked, since on a loaded machine a starved consumer
/// may read one stream's events in a burst.
#[track_caller]
fn assert_streamed(summary: &serde_json::Value) {
    let spread = summary["max_spread"].as_f64().unwrap();
    assert!(spread > GAP.as_secs_f64(), "{summary}");
}

/// A Python consumer (`proxy_consumers.py MODE`) for a session under
/// `proxy exec`, against a fake that streams an event per [`GAP`]: every
/// answer checked, every request answered upstream with a fresh key, every
/// stream passed on as it came. The fake and the gateway's log, for more.
fn python_session(mode: &str) -> Option<(FakeBedrock, String)> {
    let python = tool("python")?;
    let sb = Sandbox::new();
    let fake = streaming_fake();
    let script = script();
    let (summary, stderr) = session(
        &sb,
        &fake,
        &python,
        &[script.to_str().unwrap(), mode, SESSION_SECS, MODEL],
    );
    assert_all_answered_with_fresh_keys(&fake, summary["calls"].as_u64().unwrap());
    assert_streamed(&summary);
    assert!(
        !stderr.contains("bedrock-api-key-") && !stderr.contains(common::SECRET),
        "{stderr}"
    );
    Some((fake, stderr))
}

#[test]
fn boto3_default_client_inside_proxy_exec_outlives_its_keys() {
    // converse, invoke_model, invoke_model_with_response_stream; botocore
    // speaks HTTPS to the gateway, its only way for a bearer key.
    let Some((fake, stderr)) = python_session("boto3") else {
        return;
    };
    assert!(stderr.contains("/converse 200"), "{stderr}");
    assert!(
        fake.seen()
            .iter()
            .any(|s| s.target.ends_with("/invoke-with-response-stream"))
    );
}

#[test]
fn openai_python_chat_completions_inside_proxy_exec_with_and_without_stream() {
    let Some((fake, _)) = python_session("openai") else {
        return;
    };
    assert!(
        fake.seen()
            .iter()
            .all(|s| s.target == "/openai/v1/chat/completions")
    );
}

#[test]
fn anthropic_bedrock_messages_create_and_stream_inside_proxy_exec() {
    let Some((fake, _)) = python_session("anthropic") else {
        return;
    };
    assert!(
        fake.seen()
            .iter()
            .any(|s| s.target.ends_with("/invoke-with-response-stream"))
    );
}

#[test]
fn aws_sdk_for_javascript_v3_over_http2_inside_proxy_exec() {
    let Some((node, modules)) = common::node_with("@aws-sdk/client-bedrock-runtime") else {
        return;
    };
    let sb = Sandbox::new();
    let fake = FakeBedrock::start();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/proxy_js.cjs");
    let out = gateway_env(&sb, &fake)
        .env("NODE_PATH", &modules)
        .args(SHORT)
        .args(["-v", "proxy", "exec", "--"])
        .arg(&node)
        .arg(&script)
        .args([SESSION_SECS, MODEL])
        .output();
    out.assert_code(0);
    let summary: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_all_answered_with_fresh_keys(&fake, summary["calls"].as_u64().unwrap());
    // Both clients spoke HTTP/2 to the gateway: over TLS and as h2c.
    let h2 = out
        .stderr
        .lines()
        .filter(|l| l.contains("/converse 200") && l.ends_with("HTTP/2.0"))
        .count();
    assert_eq!(
        h2 as u64,
        summary["calls"].as_u64().unwrap(),
        "{}",
        out.stderr
    );
}

/// Claude Code started by `proxy exec` (Bedrock mode switched on by the
/// user, as `setup claude-code` does; base URL and credential from the
/// gateway): two prompts, the second after the first key has died, each
/// answered through the gateway with a live key.
#[test]
fn claude_code_inside_proxy_exec_outlives_its_keys() {
    let Some(claude) = tool("claude") else {
        return;
    };
    let sb = Sandbox::new();
    let fake = FakeBedrock::start();
    let prompts = "\"$0\" -p 'say turn-1' && sleep 5 && \"$0\" -p 'say turn-2'";
    let out = gateway_env(&sb, &fake)
        .env("CLAUDE_CODE_USE_BEDROCK", "1")
        .env("DISABLE_TELEMETRY", "1")
        .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
        .env("DISABLE_AUTOUPDATER", "1")
        .args(SHORT)
        .args(["-v", "proxy", "exec", "--", "sh", "-c", prompts])
        .arg(&claude)
        .output();
    out.assert_code(0);
    assert_eq!(
        out.stdout.lines().collect::<Vec<_>>(),
        ["ack turn-1", "ack turn-2"],
        "{}",
        out.stderr
    );
    let model_calls: Vec<_> = fake
        .seen()
        .into_iter()
        .filter(|s| s.target.starts_with("/model/"))
        .collect();
    assert!(model_calls.len() >= 2, "{model_calls:?}");
    assert!(
        model_calls.iter().all(|s| s.status == 200),
        "{model_calls:?}"
    );
    assert!(fake.keys().len() >= 2, "{}", out.stderr);
    assert!(
        !out.stderr.contains("bedrock-api-key-") && !out.stderr.contains(common::SECRET),
        "{}",
        out.stderr
    );
}

#[test]
fn openai_python_with_a_function_api_key_needs_no_gateway() {
    let Some(python) = tool("python") else {
        return;
    };
    let sb = Sandbox::new();
    let fake = streaming_fake();
    let script = script();
    let command =
        serde_json::json!([common::bin(), SHORT[0], SHORT[1], SHORT[2], SHORT[3]]).to_string();
    let run = sb
        .command(&python)
        .static_creds()
        .env("AWS_ENDPOINT_URL_BEDROCK", &fake.url)
        .arg(&script)
        .args(["openai-direct", SESSION_SECS, MODEL])
        .arg(format!("{}/openai/v1", fake.url))
        .arg(&command)
        .output();
    run.assert_code(0);
    let summary: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    let calls = summary["calls"].as_u64().unwrap();
    assert_all_answered_with_fresh_keys(&fake, calls);
    // openai-python asks for the key on every request.
    assert_eq!(summary["key_runs"].as_u64(), Some(calls), "{summary}");
}

/// A Node consumer of tests/data/direct_js.cjs (`sdk` or `openai`) against
/// the fake at `url`, with no gateway: each request's hook runs
/// bedrock-token with short keys. `None` when Node or the package is
/// missing (skipped, or a failure in CI).
fn direct_js(
    mode: &str,
    package: &str,
    fake: &FakeBedrock,
    url: &str,
) -> Option<serde_json::Value> {
    let (node, modules) = common::node_with(package)?;
    let sb = Sandbox::new();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/direct_js.cjs");
    let command =
        serde_json::json!([common::bin(), SHORT[0], SHORT[1], SHORT[2], SHORT[3]]).to_string();
    let out = sb
        .command(&node)
        .static_creds()
        .env("NODE_PATH", &modules)
        .env("AWS_ENDPOINT_URL_BEDROCK", &fake.url)
        .arg(&script)
        .args([mode, SESSION_SECS, MODEL, url, &command])
        .output();
    out.assert_code(0);
    Some(serde_json::from_str(out.stdout.trim()).unwrap())
}

/// The AWS SDK for JavaScript v3's `token` provider from `bedrock-token
/// token --format json`, preferred over SigV4 though AWS credentials are
/// in its environment: the expiration makes it ask again as keys age.
#[test]
fn aws_sdk_for_javascript_v3_with_a_token_provider_needs_no_gateway() {
    let fake = FakeBedrock::start();
    let Some(summary) = direct_js("sdk", "@aws-sdk/client-bedrock-runtime", &fake, &fake.url)
    else {
        return;
    };
    let calls = summary["calls"].as_u64().unwrap();
    // Every request carried a bearer key (none a SigV4 signature).
    assert_all_answered_with_fresh_keys(&fake, calls);
    // Keys shorter than the SDK's 5-minute margin: it asks before every
    // request (and once more as the client starts).
    let runs = summary["key_runs"].as_u64().unwrap();
    assert!(runs >= calls && runs <= calls + 1, "{summary}");
}

/// openai-node with an async `apiKey` function, called on every request,
/// streamed or not.
#[test]
fn openai_node_with_a_function_api_key_needs_no_gateway() {
    let fake = streaming_fake();
    let base = format!("{}/openai/v1", fake.url);
    let Some(summary) = direct_js("openai", "openai", &fake, &base) else {
        return;
    };
    let calls = summary["calls"].as_u64().unwrap();
    assert_all_answered_with_fresh_keys(&fake, calls);
    assert_eq!(summary["key_runs"].as_u64(), Some(calls), "{summary}");
}

#[test]
fn the_consumers_environment_holds_no_key_and_no_aws_secret_and_its_status_is_ours() {
    let Some(python) = tool("python") else {
        return;
    };
    let sb = Sandbox::new();
    let fake = FakeBedrock::start();
    let key = fake.run(sb.run_static()).ok();
    let out = gateway_env(&sb, &fake)
        .env("AWS_SESSION_TOKEN", "FwoGZXIvYXdzEXAMPLESESSION")
        .env("AWS_BEARER_TOKEN_BEDROCK", key.trim())
        .env("SOME_TOOL_KEY", key.trim())
        .env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
        .env("NO_PROXY", "corp.example")
        .args(["proxy", "exec", "--"])
        .arg(&python)
        .arg(script())
        .arg("env")
        .output();
    out.assert_code(0);
    let env: std::collections::BTreeMap<String, String> =
        serde_json::from_str(&out.stdout).unwrap();
    for (name, value) in &env {
        assert!(!value.contains("bedrock-api-key-"), "{name} holds a key");
        assert!(
            !value.contains(common::SECRET),
            "{name} holds the secret key"
        );
    }
    for gone in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "SOME_TOOL_KEY",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    ] {
        assert!(!env.contains_key(gone), "{gone} is still set");
    }
    let credential = &env["AWS_BEARER_TOKEN_BEDROCK"];
    assert!(credential.starts_with("bedrock-token-local-") && credential.len() == 20 + 64);
    assert_eq!(&env["OPENAI_API_KEY"], credential);
    let url = &env["BEDROCK_TOKEN_PROXY_URL"];
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert_eq!(
        env["AWS_ENDPOINT_URL_BEDROCK_RUNTIME"],
        url.replace("http:", "https:")
    );
    assert_eq!(env["ANTHROPIC_BEDROCK_BASE_URL"], *url);
    assert_eq!(env["OPENAI_BASE_URL"], format!("{url}/openai/v1"));
    assert_eq!(env["AWS_REGION"], "us-east-1");
    assert_eq!(env["NO_PROXY"], "corp.example,127.0.0.1,localhost,::1");
    assert!(Path::new(&env["AWS_CA_BUNDLE"]).is_absolute());
    // The CA files of the run are gone with it.
    assert!(!Path::new(&env["AWS_CA_BUNDLE"]).exists());

    // CMD's status is ours, and a missing CMD is our error.
    let out = gateway_env(&sb, &fake)
        .args(["proxy", "exec", "--", "sh", "-c", "exit 7"])
        .output();
    out.assert_code(7);
    let out = gateway_env(&sb, &fake)
        .args(["proxy", "exec", "--", "/nonexistent/cmd"])
        .output();
    out.assert_fails(1, &["could not run /nonexistent/cmd"]);
}

/// A gateway in the foreground: killed on drop.
struct Gateway {
    child: Child,
    port: u16,
    credential: String,
    stderr: Option<std::process::ChildStderr>,
}

impl Gateway {
    fn start(sb: &Sandbox, fake: &FakeBedrock, extra: &[&str]) -> Gateway {
        Gateway::spawn(sb, gateway_env(sb, fake).args(extra))
    }

    /// `run proxy --listen 127.0.0.1:0`, once it listens.
    fn spawn(sb: &Sandbox, run: Run) -> Gateway {
        let mut child = run.args(["proxy", "--listen", "127.0.0.1:0"]).spawn();
        let line = common::first_stdout_line(&mut child);
        let port: u16 = line
            .trim()
            .strip_prefix("http://127.0.0.1:")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no URL on stdout: {line:?}"));
        let file = sb.path(&format!("run/bedrock-token/proxy-{port}.credential"));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the credential file is private");
        let credential = std::fs::read_to_string(&file).unwrap().trim().to_string();
        Gateway {
            stderr: child.stderr.take(),
            child,
            port,
            credential,
        }
    }

    fn raw(&self, head: &str, body: &str) -> String {
        common::bedrock::http_once(self.port, head, body)
    }

    fn invoke(&self, extra_headers: &str) -> (u16, String) {
        let answer = self.raw(
            &format!("POST /model/{MODEL}/invoke HTTP/1.1{extra_headers}"),
            common::bedrock::INVOKE_BODY,
        );
        status_and_body(&answer)
    }

    fn host(&self) -> String {
        format!("\r\nHost: 127.0.0.1:{}", self.port)
    }

    fn auth(&self) -> String {
        format!("\r\nAuthorization: Bearer {}", self.credential)
    }

    /// Stops it with SIGTERM: its exit code and everything it logged.
    fn stop(mut self) -> (i32, String) {
        signal(&self.child, libc::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(15);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "the gateway did not stop");
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut log = String::new();
        self.stderr
            .take()
            .unwrap()
            .read_to_string(&mut log)
            .unwrap();
        (status.code().unwrap_or(-1), log)
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn without_the_credential_from_elsewhere_or_from_a_page_nothing_reaches_upstream() {
    let sb = Sandbox::new();
    let fake = FakeBedrock::start();
    let gw = Gateway::start(&sb, &fake, &[]);
    let (host, auth) = (gw.host(), gw.auth());
    let wrong = format!(
        "\r\nAuthorization: Bearer bedrock-token-local-{}",
        "0".repeat(64)
    );
    let cases = [
        (host.clone(), 401, "needs its local credential"),
        (format!("{host}{wrong}"), 401, "not its local credential"),
        (
            format!(
                "{host}\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/bedrock/aws4_request"
            ),
            401,
            "not a SigV4 signature",
        ),
        (
            format!("\r\nHost: evil.example:{}{auth}", gw.port),
            403,
            "DNS rebinding",
        ),
        (format!("\r\nHost: 127.0.0.1:1{auth}"), 403, "DNS rebinding"),
        (
            format!("{host}{auth}\r\nOrigin: https://evil.example"),
            403,
            "Origin",
        ),
    ];
    for (headers, status, words) in &cases {
        let (got, body) = gw.invoke(headers);
        assert_eq!(got, *status, "{headers:?}: {body}");
        let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert!(doc["message"].as_str().unwrap().contains(words), "{body}");
        assert!(!body.contains(&gw.credential));
    }
    assert!(
        fake.seen().is_empty(),
        "a refused request reached upstream: {:?}",
        fake.seen()
    );

    // With all three, the request goes through, with a Bedrock key in place
    // of the credential.
    let (got, body) = gw.invoke(&format!("{host}{auth}"));
    assert_eq!(got, 200, "{body}");
    assert!(body.contains("ack turn-1"), "{body}");
    let seen = fake.seen();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].key().unwrap().starts_with("bedrock-api-key-"));
    // The control plane, as Claude Code asks it at the same base URL.
    let answer = gw.raw(&format!("GET /foundation-models HTTP/1.1{host}{auth}"), "");
    assert_eq!(status_and_body(&answer).0, 200, "{answer}");

    let credential = gw.credential.clone();
    let (code, log) = gw.stop();
    assert_eq!(code, 0, "{log}");
    // One line per request, none with a key, the credential or a body.
    let requests: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(" POST /model/") || l.contains(" GET /"))
        .collect();
    assert_eq!(requests.len(), cases.len() + 2, "{log}");
    assert!(
        requests.iter().any(|l| l.contains(" 200 4b3f0000-fake-")),
        "{log}"
    );
    assert!(
        !log.contains("bedrock-api-key-") && !log.contains(&credential) && !log.contains("turn-1"),
        "{log}"
    );
    assert!(log.contains("stopping (SIGTERM)"), "{log}");
}

/// Writes `head` (request line and headers, no blank line) then `body`
/// chunks to the gateway, ignoring a write the gateway cut short by
/// answering early, and reads its answer: the status and body.
fn send_streamed(port: u16, head: &str, chunks: impl Iterator<Item = Vec<u8>>) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let _ = write!(stream, "{head}\r\nConnection: close\r\n\r\n");
    for chunk in chunks {
        if stream.write_all(&chunk).is_err() {
            break;
        }
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    status_and_body(&String::from_utf8_lossy(&answer))
}

/// Bodies past Bedrock's own limit get 413 and never go upstream: one
/// that says its length up front is refused before it is sent, one that
/// comes in chunks once it passes the limit.
#[test]
fn a_body_larger_than_bedrock_takes_gets_413_and_never_reaches_upstream() {
    let sb = Sandbox::new();
    let fake = FakeBedrock::start();
    let gw = Gateway::start(&sb, &fake, &[]);
    let head = format!(
        "POST /model/{MODEL}/invoke HTTP/1.1{}{}",
        gw.host(),
        gw.auth()
    );
    let limit = 34_000_000usize;
    let (status, body) = send_streamed(
        gw.port,
        &format!("{head}\r\nContent-Length: {}", limit + 1),
        std::iter::empty(),
    );
    assert_eq!(status, 413, "{body}");
    assert!(
        body.contains("larger than Bedrock takes (34000000 bytes)"),
        "{body}"
    );

    let chunk = vec![b'x'; 1 << 20];
    let chunks = (0..=limit / chunk.len()).map(|_| {
        let mut c = format!("{:x}\r\n", chunk.len()).into_bytes();
        c.extend_from_slice(&chunk);
        c.extend_from_slice(b"\r\n");
        c
    });
    let chunks = chunks.chain(std::iter::once(b"0\r\n\r\n".to_vec()));
    let (status, body) = send_streamed(
        gw.port,
        &format!("{head}\r\nTransfer-Encoding: chunked"),
        chunks,
    );
    assert_eq!(status, 413, "{body}");
    assert!(fake.seen().is_empty(), "{:?}", fake.seen());
    // Still serving.
    assert_eq!(gw.invoke(&format!("{}{}", gw.host(), gw.auth())).0, 200);
}

/// An unreachable Bedrock: 502 with what to check, and the log says it
/// once, not once per request.
#[test]
fn an_unreachable_bedrock_gets_502_with_the_next_step_logged_once() {
    let sb = Sandbox::new();
    let fake = FakeBedrock::start();
    let closed = format!("http://127.0.0.1:{}", common::free_port());
    let gw = Gateway::spawn(
        &sb,
        gateway_env(&sb, &fake).env("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", &closed),
    );
    for _ in 0..3 {
        let (status, body) = gw.invoke(&format!("{}{}", gw.host(), gw.auth()));
        assert_eq!(status, 502, "{body}");
        let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
        let message = doc["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("could not reach Bedrock at {closed}"))
                && message.contains("check the network, an HTTPS_PROXY"),
            "{message}"
        );
        assert_eq!(doc["error"]["code"], "ServiceUnavailableException");
    }
    let (code, log) = gw.stop();
    assert_eq!(code, 0, "{log}");
    let said = log.matches("error: could not reach Bedrock at").count();
    assert_eq!(said, 1, "{log}");
}

#[test]
fn a_non_loopback_listen_address_is_refused() {
    let sb = Sandbox::new();
    for addr in ["0.0.0.0:8338", "192.0.2.1:8338", "[::]:8338"] {
        sb.run_static()
            .args(["proxy", "--listen", addr])
            .output()
            .assert_fails(2, &["loopback only"]);
    }
}

/// An upstream in clear to another host is refused before anything
/// listens, and any user-info in the URL given is never printed.
#[test]
fn a_plain_http_upstream_elsewhere_is_refused_without_printing_its_user_info() {
    let sb = Sandbox::new();
    for var in [
        "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
        "AWS_ENDPOINT_URL_BEDROCK",
        "AWS_ENDPOINT_URL",
    ] {
        let out = sb
            .run_static()
            .env(var, "http://me:hunter2hunter2@192.0.2.1:8080/")
            .args(["proxy", "--listen", "127.0.0.1:0"])
            .output();
        out.assert_fails(
            2,
            &[
                "http://192.0.2.1:8080",
                "only over HTTPS, or plain HTTP to loopback",
            ],
        );
        assert!(!out.stderr.contains("hunter2"), "{var}: {}", out.stderr);
    }
}

#[test]
fn sigterm_with_a_stream_in_flight_lets_it_finish_then_stops() {
    let sb = Sandbox::new();
    let fake = FakeBedrock::with(Behaviour {
        stream_gap: Some(Duration::from_millis(300)),
        ..Behaviour::default()
    });
    let gw = Gateway::start(&sb, &fake, &[]);
    let body = r#"{"messages":[{"role":"user","content":"say turn-5"}]}"#;
    let mut stream = TcpStream::connect(("127.0.0.1", gw.port)).unwrap();
    write!(
        stream,
        "POST /model/{MODEL}/invoke-with-response-stream HTTP/1.1{}{}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        gw.host(),
        gw.auth(),
        body.len()
    )
    .unwrap();
    // The head and the first event arrive while the rest is still coming.
    let mut first = [0u8; 256];
    let n = stream.read(&mut first).unwrap();
    assert!(String::from_utf8_lossy(&first[..n]).starts_with("HTTP/1.1 200"));
    signal(&gw.child, libc::SIGTERM);
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).unwrap();
    let all = [&first[..n], &rest].concat();
    let events = all.windows(11).filter(|w| w == b":event-type").count();
    assert_eq!(events, 6, "the whole stream arrived");
    assert!(
        all.ends_with(b"0\r\n\r\n"),
        "and ended as a chunked body ends"
    );
    let (code, log) = gw.stop();
    assert_eq!(code, 0, "{log}");
    assert!(
        log.contains("stopping (SIGTERM): waiting up to 10 s for 1 open connection(s)"),
        "{log}"
    );
}

/// The gateway takes its keys through the shared cache: a direct caller
/// with the same settings gets the very key the gateway forwarded, from
/// the cache, and the gateway then forwards it again (one signing between
/// them).
#[test]
fn the_gateway_and_direct_callers_share_one_key() {
    let sb = Sandbox::new();
    let fake = FakeBedrock::start();
    let gw = Gateway::start(&sb, &fake, &[]);
    let both = format!("{}{}", gw.host(), gw.auth());
    assert_eq!(gw.invoke(&both).0, 200);
    let direct = gateway_env(&sb, &fake).args(["-v"]).output();
    direct.assert_code(0);
    assert!(direct.stderr.contains("cached key"), "{}", direct.stderr);
    assert_eq!(fake.keys(), [direct.stdout.trim()]);
    std::thread::sleep(Duration::from_millis(2100));
    assert_eq!(gw.invoke(&both).0, 200);
    assert_eq!(fake.keys().len(), 1, "one key between them");
}

#[test]
fn an_early_expiry_upstream_is_renewed_and_retried_once() {
    let sb = Sandbox::new();
    // The fake's clock runs 2 s ahead: a 3 s key dies there a second after
    // it is made, while we still count 2 s.
    let fake = FakeBedrock::with(Behaviour {
        clock_ahead: 2,
        ..Behaviour::default()
    });
    let gw = Gateway::start(&sb, &fake, &["--duration", "3s", "--min-remaining", "0"]);
    let both = format!("{}{}", gw.host(), gw.auth());
    assert_eq!(gw.invoke(&both).0, 200);
    std::thread::sleep(Duration::from_millis(1200));
    let (status, body) = gw.invoke(&both);
    assert_eq!(status, 200, "{body}");
    let statuses: Vec<u16> = fake.seen().iter().map(|s| s.status).collect();
    assert_eq!(&statuses[statuses.len() - 2..], [403, 200], "{statuses:?}");
    assert_eq!(fake.keys().len(), 2);
    let (_, log) = gw.stop();
    assert_eq!(log.matches("expired before its time").count(), 1, "{log}");
}

#[test]
fn without_credentials_consumers_get_the_next_step_and_the_log_says_it_once() {
    let sb = Sandbox::new();
    sb.config("[profile gone]\nregion = us-east-1\ncredential_process = /bin/false\n");
    let fake = FakeBedrock::start();
    let gw = Gateway::spawn(
        &sb,
        sb.run()
            .env("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", &fake.url)
            .env("XDG_RUNTIME_DIR", run_dir(&sb))
            .args(["--profile", "gone"]),
    );
    let both = format!("{}{}", gw.host(), gw.auth());
    for _ in 0..3 {
        let (status, body) = gw.invoke(&both);
        assert_eq!(status, 403, "{body}");
        let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert!(
            doc["message"]
                .as_str()
                .unwrap()
                .contains("could not get a Bedrock key"),
            "{body}"
        );
        assert!(doc["next"].is_string(), "a next step: {body}");
        assert_eq!(
            doc["error"]["message"], doc["message"],
            "OpenAI clients read error.message"
        );
    }
    assert!(fake.seen().is_empty());
    let (_, log) = gw.stop();
    // The start and three requests: said once.
    assert_eq!(
        log.matches("error: could not get a Bedrock key").count(),
        1,
        "{log}"
    );
}

#[test]
fn setup_proxy_gives_a_unit_systemd_accepts_and_each_consumer_its_settings() {
    let Some(analyze) = tool("systemd-analyze") else {
        return;
    };
    let sb = Sandbox::new();
    // setup prints only what resolves: the profile must exist.
    sb.config("[profile dev]\nregion = eu-west-1\n");
    let runtime = run_dir(&sb);
    let text = sb
        .run()
        .env("XDG_RUNTIME_DIR", &runtime)
        .args([
            "--profile",
            "dev",
            "--region",
            "eu-west-1",
            "setup",
            "proxy",
        ])
        .ok();
    let name = text
        .lines()
        .next()
        .unwrap()
        .strip_prefix("# ~/.config/systemd/user/")
        .unwrap();
    assert_eq!(name, "bedrock-token-proxy-dev.service");
    assert!(
        text.contains(r#"--profile "dev" --region eu-west-1 proxy --listen 127.0.0.1:8338"#),
        "{text}"
    );
    // The files it names are those a gateway there writes.
    let dir = format!("{}/bedrock-token", runtime.display());
    for file in ["proxy-8338.credential", "proxy-8338-ca-bundle.pem"] {
        assert!(text.contains(&format!("{dir}/{file}")), "{file}: {text}");
    }
    for var in [
        "AWS_ENDPOINT_URL_BEDROCK_RUNTIME=https://127.0.0.1:8338",
        "ANTHROPIC_BEDROCK_BASE_URL=http://127.0.0.1:8338",
        "OPENAI_BASE_URL=http://127.0.0.1:8338/openai/v1",
        "AWS_AUTH_SCHEME_PREFERENCE=httpBearerAuth",
    ] {
        assert!(text.contains(var), "{var}: {text}");
    }
    let file = sb.path(name);
    std::fs::write(&file, &text).unwrap();
    assert_unit_accepted(&sb, &analyze, &runtime, &file);
}

/// An upstream answer cut off mid-body reaches the consumer cut off too:
/// the length Bedrock declared, fewer bytes, then the connection closes,
/// so the consumer's SDK sees a broken answer, never a shorter whole one;
/// and the log says it broke off, for which request.
#[test]
fn a_truncated_upstream_answer_stays_visibly_truncated() {
    let sb = Sandbox::new();
    let fake = FakeBedrock::with(Behaviour {
        truncate: true,
        ..Behaviour::default()
    });
    let gw = Gateway::start(&sb, &fake, &[]);
    let both = format!("{}{}", gw.host(), gw.auth());
    let answer = gw.raw(
        &format!("POST /model/{MODEL}/invoke HTTP/1.1{both}"),
        common::bedrock::INVOKE_BODY,
    );
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    let declared: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .unwrap_or_else(|| panic!("{head}"))
        .parse()
        .unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        body.len() < declared,
        "{} of {declared}: {answer}",
        body.len()
    );
    assert!(!body.is_empty(), "what arrived is passed on");
}

/// A 200 whose body never ends is passed on as it comes, never gathered:
/// a consumer reads 64 MiB of it and leaves, the gateway's memory stays
/// near its idle size, and it answers the next request.
#[test]
fn an_endless_upstream_answer_is_streamed_not_gathered() {
    let sb = Sandbox::new();
    let fake = FakeBedrock::with(Behaviour {
        endless: true,
        ..Behaviour::default()
    });
    let gw = Gateway::start(&sb, &fake, &[]);
    let both = format!("{}{}", gw.host(), gw.auth());
    for _ in 0..2 {
        let mut stream = TcpStream::connect(("127.0.0.1", gw.port)).unwrap();
        let body = common::bedrock::INVOKE_BODY;
        write!(
            stream,
            "POST /model/{MODEL}/invoke HTTP/1.1{both}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut buf = vec![0u8; 1 << 16];
        let mut read = 0;
        while read < 64 << 20 {
            let n = stream.read(&mut buf).unwrap();
            assert!(n > 0, "the stream ended after {read} bytes");
            read += n;
        }
    }
    let status = std::fs::read_to_string(format!("/proc/{}/status", gw.child.id())).unwrap();
    let high_water_kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
        .unwrap();
    assert!(
        high_water_kib < 48 << 10,
        "the gateway's memory rose to {high_water_kib} KiB for 128 MiB passed on"
    );
    let (_, log) = gw.stop();
    assert_eq!(log.matches("/invoke 200").count(), 2, "{log}");
}
