//! `verify` and `doctor --live` against the fake Bedrock of
//! `common::bedrock`, which checks keys as AWS does and records every
//! request, so a test can say that none was made.

mod common;
use common::bedrock::*;
use common::*;
use std::time::Duration;

/// Nothing of `key` on stderr, nor on stdout: the body, the signature, a
/// long-term key's secret.
#[track_caller]
fn assert_no_key(out: &Out, key: &str) {
    let body = key
        .strip_prefix("bedrock-api-key-")
        .or_else(|| key.strip_prefix("ABSK"))
        .unwrap_or(key);
    let mut secrets = vec![body[..body.len().min(40)].to_string()];
    if key.starts_with("bedrock-api-key-") {
        secrets.push(param(key, "X-Amz-Signature").unwrap());
    } else {
        secrets.push(LONG_TERM_SECRET.into());
    }
    for s in &secrets {
        assert!(
            !out.stderr.contains(s.as_str()),
            "key on stderr:\n{}",
            out.stderr
        );
        assert!(
            !out.stdout.contains(s.as_str()),
            "key on stdout:\n{}",
            out.stdout
        );
    }
}

/// Runs, then checks that no key the fake saw leaked anywhere.
#[track_caller]
fn run_checked(fake: &FakeBedrock, run: Run) -> Out {
    let out = run.output();
    for seen in fake.seen() {
        if let Some(key) = seen.key() {
            assert_no_key(&out, key);
        }
    }
    out
}

fn json(out: &Out) -> serde_json::Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

#[test]
fn valid_checks_the_key_token_hands_out_through_the_cache() {
    let sb = Sandbox::new();
    let fake = FakeBedrock::start();
    let out = run_checked(&fake, fake.run(sb.run_static()).args(["verify", "-v"]));
    out.assert_code(0);
    assert_eq!(
        out.stdout,
        "valid: Bedrock accepted the short-term key in us-east-1 (HTTP 200, request id 4b3f0000-fake-4000-8000-000000000001)\n"
    );
    assert!(
        out.stderr.contains("asking Bedrock: GET http://127.0.0.1:"),
        "{}",
        out.stderr
    );
    // The key it asked about is the one now cached and handed out.
    let key = sb.run_static().ok();
    let seen = fake.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].target, "/foundation-models");
    assert_eq!(seen[0].authorization, format!("Bearer {}", key.trim()));

    let out = run_checked(
        &fake,
        fake.run(sb.run_static())
            .args(["verify", "--format", "json"]),
    );
    out.assert_code(0);
    assert_eq!(out.stderr, "");
    assert_eq!(
        json(&out),
        serde_json::json!({
            "valid": true,
            "status": "valid",
            "kind": "short-term",
            "region": "us-east-1",
            "http_status": 200,
            "message": "Bedrock accepted the short-term key in us-east-1",
            "request_id": "4b3f0000-fake-4000-8000-000000000002",
        })
    );
}

#[test]
fn a_long_term_key_from_stdin_is_checked_in_the_settings_region() {
    let sb = Sandbox::new();
    let fake = FakeBedrock::start();
    // Any IAM user's key is sent: only Bedrock can say whether it is good.
    for (n, user) in LONG_TERM_USERS.into_iter().enumerate() {
        let key = long_term_key_of(user, LONG_TERM_SECRET);
        let out = fake
            .run(sb.run())
            .env("AWS_REGION", REGION)
            .args(["verify", "-", "--format", "json", "-v"])
            .stdin(format!("{key}\n"))
            .output();
        assert_no_key(&out, &key);
        out.assert_code(0);
        out.assert_stderr_mentions(&[&format!("a long-term key of {user} in account {ACCOUNT}")]);
        let doc = json(&out);
        assert_eq!(doc["status"], "valid");
        assert_eq!(doc["kind"], "long-term");
        assert_eq!(doc["region"], REGION);
        assert_eq!(fake.seen()[n].authorization, format!("Bearer {key}"));
    }
    let key = long_term_key(LONG_TERM_SECRET);
    let before = fake.seen().len();

    // No region anywhere: the usual error and its hint, no request.
    let out = fake
        .run(sb.run())
        .args(["verify", "-"])
        .stdin(key.clone())
        .output();
    out.assert_fails(
        1,
        &[
            "bedrock-token: error: no AWS region",
            "bedrock-token: pass --region",
        ],
    );
    assert_no_key(&out, &key);
    assert_eq!(fake.seen().len(), before);
}

#[test]
fn denied_names_the_identity_the_action_and_the_policy() {
    let sb = Sandbox::new();
    let fake = FakeBedrock::start();
    let out = run_checked(
        &fake,
        fake.run(sb.run_static())
            .env("AWS_ACCESS_KEY_ID", DENIED_AKID)
            .env("AWS_SECRET_ACCESS_KEY", DENIED_SECRET)
            .arg("verify"),
    );
    out.assert_code(1);
    assert_eq!(out.stderr, "");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.stdout);
    assert!(
        lines[0].starts_with(
            "denied: the key is genuine, but arn:aws:iam::111122223333:user/denied may not perform bedrock:ListFoundationModels: Bedrock says \"User: arn:aws:iam::111122223333:user/denied is not authorized"
        ),
        "{}",
        lines[0]
    );
    assert!(lines[0].ends_with("(HTTP 403, request id 4b3f0000-fake-4000-8000-000000000001)"));
    assert_eq!(
        lines[1],
        "next: attach the AWS managed policy AmazonBedrockLimitedAccess to arn:aws:iam::111122223333:user/denied, or allow bedrock:ListFoundationModels and bedrock:CallWithBearerToken in one of its policies"
    );
}

#[test]
fn expired_by_its_own_fields_makes_no_request() {
    let sb = Sandbox::new();
    let fake = FakeBedrock::start();
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("data/vectors.json")).unwrap();
    // Signed 2025-01-01 for 12 hours.
    let key = vectors["vectors"][0]["token"].as_str().unwrap();
    let out = fake
        .run(sb.run())
        .args(["verify", "-", "--format", "json"])
        .stdin(key)
        .output();
    assert_no_key(&out, key);
    out.assert_code(1);
    assert_eq!(
        json(&out),
        serde_json::json!({
            "valid": false,
            "status": "expired",
            "kind": "short-term",
            "region": "us-east-1",
            "http_status": null,
            "message": "the key expired at 2025-01-01T12:00:00Z (signed at 2025-01-01T00:00:00Z for 12h)",
            "request_id": null,
        })
    );
    assert!(fake.seen().is_empty(), "{:?}", fake.seen());
}

#[test]
fn expired_when_bedrock_says_so() {
    // Bedrock's clock is two hours ahead of ours: a 1-hour key is still
    // good here and long dead there.
    let sb = Sandbox::new();
    let fake = FakeBedrock::with(Behaviour {
        clock_ahead: 2 * 3600,
        ..Behaviour::default()
    });
    let out = run_checked(
        &fake,
        fake.run(sb.run_static())
            .args(["verify", "--duration", "1h"]),
    );
    out.assert_code(1);
    assert_eq!(
        out.stdout,
        "expired: Bedrock says the key has expired: \"Bearer Token has expired\" (HTTP 403, request id 4b3f0000-fake-4000-8000-000000000001)\n\
         next: make a new key (bedrock-token --refresh); if that one fails too, check the clock (timedatectl set-ntp true)\n"
    );
    assert_eq!(fake.seen().len(), 1);
}

#[test]
fn not_a_bedrock_key_makes_no_request() {
    let sb = Sandbox::new();
    let fake = FakeBedrock::start();
    for input in ["hello", "bedrock-api-key-!!!", "ABSKbm90IGEga2V5"] {
        let out = fake
            .run(sb.run())
            .args(["verify", "-"])
            .stdin(input)
            .output();
        out.assert_code(1);
        assert!(
            out.stdout.starts_with("rejected: not a Bedrock API key: "),
            "{}",
            out.stdout
        );
        assert!(
            out.stdout.contains("\nnext: pass the whole key"),
            "{}",
            out.stdout
        );
        assert!(!out.stdout.contains(input), "{}", out.stdout);
        assert_eq!(out.stderr, "");
    }
    assert!(fake.seen().is_empty());
}

#[test]
fn rejected_quotes_aws_and_its_request_id() {
    let sb = Sandbox::new();
    let fake = FakeBedrock::start();

    // A key for another region: short-term keys work only where signed.
    let out = run_checked(
        &fake,
        fake.run(sb.run_static())
            .args(["verify", "--region", "eu-west-1", "--format", "json"]),
    );
    out.assert_code(1);
    assert_eq!(
        json(&out),
        serde_json::json!({
            "valid": false,
            "status": "rejected",
            "kind": "short-term",
            "region": "eu-west-1",
            "http_status": 403,
            "message": "Bedrock refused the short-term key in eu-west-1: \"Credential should be scoped to a valid region.\"",
            "request_id": "4b3f0000-fake-4000-8000-000000000001",
        })
    );

    // A bad signature: the right access key id, the wrong secret.
    let out = run_checked(
        &fake,
        fake.run(sb.run_static())
            .env("AWS_SECRET_ACCESS_KEY", DENIED_SECRET)
            .args(["--no-cache", "verify"]),
    );
    out.assert_code(1);
    assert!(
        out.stdout.starts_with(
            "rejected: Bedrock refused the short-term key in us-east-1: \"The request signature we calculated does not match the signature you provided.\" (HTTP 403, request id 4b3f0000-fake-4000-8000-000000000002)\nnext: a short-term key works only in the region it was signed for (us-east-1)"
        ),
        "{}",
        out.stdout
    );

    // A long-term key Bedrock never issued, or one since revoked; and one
    // whose alias is in a layout the docs leave open: Bedrock judges both.
    for (n, key) in [
        long_term_key_of("ci.bot+prod@team", "cmV2b2tlZA=="),
        format!(
            "ABSK{}",
            base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                "alice-at-111122223333-v2:cmV2b2tlZA=="
            )
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let out = fake
            .run(sb.run())
            .env("AWS_REGION", REGION)
            .args(["verify", "-"])
            .stdin(key.clone())
            .output();
        out.assert_code(1);
        assert_no_key(&out, &key);
        assert!(!out.stdout.contains("cmV2b2tlZA"), "{}", out.stdout);
        assert_eq!(
            out.stdout,
            format!(
                "rejected: Bedrock refused the long-term key in us-east-1: \"Authentication failed: Please make sure your API Key is valid.\" (HTTP 403, request id 4b3f0000-fake-4000-8000-00000000000{})\n\
             next: check in the Bedrock console (API keys) that the key exists, is active and belongs to this account; it is used in us-east-1 (--region to change)\n",
                n + 3
            )
        );
    }
}

#[test]
fn unreachable_when_nothing_answers_in_time_or_bedrock_fails() {
    let sb = Sandbox::new();
    // A closed port: at once.
    let closed = format!("http://127.0.0.1:{}", free_port());
    let out = sb
        .run_static()
        .env("AWS_ENDPOINT_URL_BEDROCK", &closed)
        .args(["verify", "--format", "json"])
        .output();
    out.assert_code(1);
    let doc = json(&out);
    assert_eq!(doc["status"], "unreachable");
    assert_eq!(doc["http_status"], serde_json::Value::Null);
    let message = doc["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!("no answer from {closed}/foundation-models: ")),
        "{message}"
    );
    assert!(message.contains("Connection refused"), "{message}");
    assert!(out.elapsed < Duration::from_secs(10), "{:?}", out.elapsed);

    // A 5xx.
    let fake = FakeBedrock::with(Behaviour {
        outage: true,
        ..Behaviour::default()
    });
    let out = run_checked(&fake, fake.run(sb.run_static()).arg("verify"));
    out.assert_code(1);
    assert!(
        out.stdout.starts_with(
            "unreachable: Bedrock could not answer now: \"Service Unavailable\" (HTTP 503, request id "
        ),
        "{}",
        out.stdout
    );

    // A server that takes the connection and never answers: 10 s in all.
    let fake = FakeBedrock::with(Behaviour {
        hang: true,
        ..Behaviour::default()
    });
    let out = run_checked(&fake, fake.run(sb.run_static()).arg("verify"));
    out.assert_code(1);
    assert!(
        out.stdout.starts_with("unreachable: no answer from "),
        "{}",
        out.stdout
    );
    assert!(
        out.elapsed >= Duration::from_secs(9) && out.elapsed < Duration::from_secs(13),
        "{:?}",
        out.elapsed
    );
    assert_eq!(fake.seen().len(), 1);
}

#[test]
fn the_endpoint_comes_from_the_sdk_variables_and_proxies_are_honoured() {
    let sb = Sandbox::new();
    let fake = FakeBedrock::start();
    let closed = format!("http://127.0.0.1:{}", free_port());

    // AWS_ENDPOINT_URL when there is no service-specific one (and a key
    // with a session token, which the signature covers) ...
    let out = run_checked(
        &fake,
        sb.run_static()
            .env("AWS_SESSION_TOKEN", "FQoGZXIvYXdzEXAMPLE+/=")
            .env("AWS_ENDPOINT_URL", &fake.url)
            .arg("verify"),
    );
    out.assert_code(0);
    // ... which wins over it.
    let out = run_checked(
        &fake,
        fake.run(sb.run_static())
            .env("AWS_ENDPOINT_URL", &closed)
            .arg("verify"),
    );
    out.assert_code(0);

    // Through an HTTP proxy to a host that is not this machine: the key
    // would travel in clear, so nothing is sent (the fake, as the proxy,
    // sees nothing; tests/trust_network.rs has the rest).
    let out = run_checked(
        &fake,
        sb.run_static()
            .env(
                "AWS_ENDPOINT_URL_BEDROCK",
                "http://bedrock.us-east-1.example.invalid/",
            )
            .env("HTTP_PROXY", &fake.url)
            .arg("verify"),
    );
    out.assert_fails(
        1,
        &["AWS_ENDPOINT_URL_BEDROCK is http://bedrock.us-east-1.example.invalid/: plain HTTP"],
    );
    assert_eq!(fake.seen().len(), 2);

    // By default, Bedrock's regional endpoint over HTTPS, here through an
    // HTTPS proxy that refuses the tunnel: the fake sees the CONNECT (and
    // never the key, which would travel inside the tunnel), and nothing
    // reaches AWS.
    let out = run_checked(
        &fake,
        fake.run(sb.run_static())
            .env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
            .env("HTTPS_PROXY", &fake.url)
            .arg("verify"),
    );
    out.assert_code(1);
    assert!(
        out.stdout.starts_with(
            "unreachable: no answer from https://bedrock.us-east-1.amazonaws.com/foundation-models: "
        ),
        "{}",
        out.stdout
    );
    let connect = fake.seen().last().unwrap().clone();
    assert_eq!(connect.target, "bedrock.us-east-1.amazonaws.com:443");
    assert_eq!(connect.authorization, "");

    // NO_PROXY: straight to the endpoint, past a dead proxy.
    let out = run_checked(
        &fake,
        fake.run(sb.run_static())
            .env("HTTP_PROXY", &closed)
            .env("NO_PROXY", "127.0.0.1")
            .arg("verify"),
    );
    out.assert_code(0);
    assert_eq!(fake.seen().len(), 4);
}

#[test]
fn doctor_live_asks_bedrock_after_the_local_checks() {
    let sb = Sandbox::new();
    let fake = FakeBedrock::start();
    let out = run_checked(&fake, fake.run(sb.run_static()).args(["doctor", "--live"]));
    out.assert_code(0);
    assert!(
        out.stdout.contains(
            "ok       bedrock: valid: Bedrock accepted the short-term key in us-east-1 (HTTP 200, request id 4b3f0000-fake-4000-8000-000000000001)\n"
        ),
        "{}",
        out.stdout
    );

    // Without --live, no request.
    run_checked(&fake, fake.run(sb.run_static()).arg("doctor")).assert_code(0);
    assert_eq!(fake.seen().len(), 1);

    let out = run_checked(
        &fake,
        fake.run(sb.run_static())
            .env("AWS_ACCESS_KEY_ID", DENIED_AKID)
            .env("AWS_SECRET_ACCESS_KEY", DENIED_SECRET)
            .args(["doctor", "--live"]),
    );
    out.assert_code(1);
    assert!(
        out.stdout.contains("PROBLEM  bedrock: denied: the key is genuine, but arn:aws:iam::111122223333:user/denied may not perform bedrock:ListFoundationModels"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("; fix: attach the AWS managed policy AmazonBedrockLimitedAccess"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_key_is_never_an_argument() {
    let sb = Sandbox::new();
    let out = sb.run().args(["verify", "bedrock-api-key-abc"]).output();
    out.assert_fails(2, &["argument holds a Bedrock key"]);
    assert!(
        !out.stderr.contains("bedrock-api-key-abc"),
        "{}",
        out.stderr
    );
}

/// Answers broken as networks break them. Cut off halfway through its
/// declared length: `unreachable`, saying the answer broke off (an error
/// status or a verdict is never guessed from half an answer). A 200 whose
/// body never ends: the status and request id are Bedrock's verdict, so
/// `valid`, and the body is not read on (the run ends well inside verify's
/// 10 s bound, not when the body does). The key is nowhere in the output.
#[test]
fn a_truncated_answer_is_unreachable_and_an_endless_one_is_not_read_on() {
    let sb = Sandbox::new();
    let verify = |behaviour: Behaviour| {
        let fake = FakeBedrock::with(behaviour);
        let out = run_checked(
            &fake,
            fake.run(sb.run_static())
                .args(["verify", "--format", "json"]),
        );
        (fake.url, out)
    };
    let (url, out) = verify(Behaviour {
        truncate: true,
        ..Behaviour::default()
    });
    out.assert_code(1);
    let doc = json(&out);
    assert_eq!(doc["status"], "unreachable", "{doc}");
    let message = doc["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!(
            "no answer from {url}/foundation-models: the answer broke off"
        )),
        "{message}"
    );

    let (_, out) = verify(Behaviour {
        endless: true,
        ..Behaviour::default()
    });
    out.assert_code(0);
    let doc = json(&out);
    assert_eq!(doc["status"], "valid", "{doc}");
    assert_eq!(doc["request_id"], "4b3f0000-fake-4000-8000-000000000001");
    assert!(out.elapsed < Duration::from_secs(9), "{:?}", out.elapsed);
}
