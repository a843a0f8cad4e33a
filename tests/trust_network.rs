//! Trust on the network: `verify` and `doctor --live` send a key over plain
//! HTTP only to a loopback address and never through a proxy in clear;
//! whatever the network says back is masked before it reaches any output;
//! URL user-info is never printed; the 10 s bound covers name resolution;
//! an https:// endpoint that does not speak TLS is called a TLS failure.

mod common;
use common::bedrock::*;
use common::*;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A loopback listener that counts the connections it gets and answers
/// none: a proxy that must never hear from us.
fn silent_listener() -> (String, Arc<Mutex<u32>>) {
    let count = Arc::new(Mutex::new(0));
    let c = count.clone();
    let port = http::serve(move |_stream, _n| {
        *c.lock().unwrap() += 1;
    });
    (format!("http://127.0.0.1:{port}"), count)
}

#[test]
fn a_key_goes_over_plain_http_only_to_a_loopback_address_and_never_to_a_proxy() {
    let sb = Sandbox::new();
    // Non-loopback plain-HTTP endpoints, from either variable: refused at
    // once, naming it (192.0.2.0/24 is TEST-NET-1: nothing answers there).
    for var in ["AWS_ENDPOINT_URL_BEDROCK", "AWS_ENDPOINT_URL"] {
        for args in [&["verify"][..], &["doctor", "--live"][..]] {
            let out = sb
                .run_static()
                .env(var, "http://192.0.2.1:8080")
                .args(args)
                .output();
            out.assert_code(1);
            let all = format!("{}{}", out.stdout, out.stderr);
            assert!(
                all.contains(&format!("{var} is http://192.0.2.1:8080: plain HTTP to a host that is not this machine would send the key in clear")),
                "{args:?}: {all}"
            );
            assert!(out.elapsed < Duration::from_secs(5), "{:?}", out.elapsed);
        }
    }
    let out = sb
        .run_static()
        .env("AWS_ENDPOINT_URL", "http://bedrock.example.com")
        .arg("verify")
        .output();
    out.assert_fails(1, &["use an https:// endpoint in AWS_ENDPOINT_URL"]);

    // A loopback endpoint, but a proxy for plain HTTP: it would get the
    // key in clear. Refused, naming the variable; the proxy hears nothing.
    let fake = FakeBedrock::start();
    let (proxy, connections) = silent_listener();
    for var in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
        for args in [&["verify"][..], &["doctor", "--live"][..]] {
            let out = fake
                .run(sb.run_static())
                .env(var, &proxy)
                .args(args)
                .output();
            out.assert_code(1);
            let all = format!("{}{}", out.stdout, out.stderr);
            // Windows' variable names ignore case: http_proxy is HTTP_PROXY.
            let named = if cfg!(windows) {
                var.to_ascii_uppercase()
            } else {
                var.to_string()
            };
            assert!(
                all.contains(&format!(
                    "{named} would carry the plain-HTTP request to {}/foundation-models",
                    fake.url
                )),
                "{var} {args:?}: {all}"
            );
        }
    }
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(*connections.lock().unwrap(), 0, "the proxy heard from us");
    assert_eq!(fake.seen().len(), 0);

    // NO_PROXY takes the loopback endpoint past the proxy: straight there.
    let out = fake
        .run(sb.run_static())
        .env("HTTP_PROXY", &proxy)
        .env("NO_PROXY", "127.0.0.1")
        .arg("verify")
        .output();
    out.assert_code(0);
    assert_eq!(fake.seen().len(), 1);
    assert_eq!(*connections.lock().unwrap(), 0);
}

/// A server that quotes the request's Authorization header back in its
/// message, its error type and its request id, as a careless proxy or a
/// debugging endpoint might.
fn quoting_server() -> String {
    let port = http::serve(|mut stream, _n| {
        let Some(request) = http::read_request(&stream) else {
            return;
        };
        let auth = request.header("authorization").unwrap_or("").to_string();
        let body = serde_json::json!({
            "message": format!("Invalid header 'Authorization: {auth}'"),
        })
        .to_string();
        let key = auth.strip_prefix("Bearer ").unwrap_or("");
        let _ = write!(
            stream,
            "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nx-amzn-ErrorType: AccessDeniedException\r\nx-amzn-RequestId: req-{key}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    });
    format!("http://127.0.0.1:{port}")
}

#[test]
fn keys_quoted_by_the_network_are_masked_in_every_output() {
    let sb = Sandbox::new();
    let url = quoting_server();
    let key = sb.run_static().ok().trim().to_string();
    let body = key.strip_prefix("bedrock-api-key-").unwrap().to_string();
    let signature = param(&key, "X-Amz-Signature").unwrap();
    let long = long_term_key(LONG_TERM_SECRET);
    for (args, stdin) in [
        (vec!["verify"], None),
        (vec!["verify", "--format", "json"], None),
        (vec!["-v", "doctor", "--live"], None),
        (vec!["verify", "-"], Some(long.clone())),
        (vec!["verify", "-", "--format", "json"], Some(long.clone())),
    ] {
        let mut run = sb
            .run_static()
            .env("AWS_ENDPOINT_URL_BEDROCK", &url)
            .args(&args);
        if let Some(input) = &stdin {
            run = run.stdin(input.clone());
        }
        let out = run.output();
        out.assert_code(1);
        let all = format!("{}{}", out.stdout, out.stderr);
        let long_body = &long["ABSK".len()..];
        for secret in [&body[..40], signature.as_str(), &long_body[..20]] {
            assert!(
                !all.contains(secret),
                "{args:?}: a key in the output:\n{all}"
            );
        }
        let shown = if stdin.is_some() {
            "Bearer ABSK…"
        } else {
            "Bearer bedrock-api-key-…"
        };
        assert!(all.contains(shown), "{args:?}: {all}");
    }
}

#[test]
fn url_user_info_is_never_printed() {
    let sb = Sandbox::new();
    let fake = FakeBedrock::start();
    let port = free_port();
    for url in [
        format!("http://user:hunter2@127.0.0.1:{port}"),
        format!("https://user:hunter2@127.0.0.1:{port}/"),
        format!("http://user:hunter2@127.0.0.1:{}", fake.port),
        "http://user:hunter2@192.0.2.1".to_string(),
    ] {
        for args in [
            &["-v", "verify"][..],
            &["-v", "verify", "--format", "json"][..],
            &["doctor", "--live"][..],
        ] {
            let out = sb
                .run_static()
                .env("AWS_ENDPOINT_URL_BEDROCK", &url)
                .args(args)
                .output();
            let all = format!("{}{}", out.stdout, out.stderr);
            assert!(!all.contains("hunter2"), "{url} {args:?}:\n{all}");
            // A failure names the endpoint, without its user-info.
            assert!(
                out.code == 0 || all.contains("127.0.0.1") || all.contains("192.0.2.1"),
                "{all}"
            );
        }
    }
    // The fake got the requests, and no user-info with them.
    assert!(!fake.seen().is_empty());
}

#[test]
fn an_https_endpoint_that_speaks_plain_http_is_a_tls_failure() {
    let sb = Sandbox::new();
    // Takes the connection and never answers the ClientHello: the hang the
    // issue saw (a plain-HTTP server waiting for the end of a request).
    let hang = http::serve(|stream, _n| {
        std::thread::sleep(Duration::from_secs(30));
        drop(stream);
    });
    // Answers any bytes at once with a plain-HTTP 400, as many servers do.
    let port = http::serve(|mut stream, _n| {
        let mut buf = [0u8; 512];
        let _ = std::io::Read::read(&mut stream, &mut buf);
        let _ = stream.write_all(
            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
    });
    for (url, at_most) in [
        (format!("https://127.0.0.1:{hang}"), 11),
        (format!("https://localhost:{hang}"), 11),
        (format!("https://127.0.0.1:{port}"), 5),
    ] {
        let out = sb
            .run_static()
            .env("AWS_ENDPOINT_URL_BEDROCK", &url)
            .args(["verify", "--format", "json"])
            .output();
        out.assert_code(1);
        let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(doc["status"], "unreachable");
        let message = doc["message"].as_str().unwrap();
        assert!(
            message.contains("TLS failure: ") && message.contains("plain-HTTP port"),
            "{url}: {message}"
        );
        assert!(
            out.elapsed < Duration::from_secs(at_most),
            "{url}: {:?}",
            out.elapsed
        );
    }
}

/// Runs bedrock-token with `args` where name resolution never answers: a
/// silent UDP socket at `nameserver` (a loopback address of the test's own)
/// as the only nameserver, bound over /etc/resolv.conf in a mount namespace
/// of its own, with glibc told to wait 30 s per try. `None` (the test is
/// skipped, or fails in CI) where there is no such namespace.
#[cfg(target_os = "linux")]
fn without_dns(
    sb: &Sandbox,
    nameserver: &str,
    args: &str,
    run: impl Fn(Run) -> Run,
) -> Option<Out> {
    let Ok(silent) = std::net::UdpSocket::bind((nameserver, 53)) else {
        skip_or_fail(&format!(
            "cannot bind {nameserver}:53 for a silent nameserver (not root)"
        ));
        return None;
    };
    let resolv = sb.write(
        &format!("resolv-{nameserver}.conf"),
        &format!("nameserver {nameserver}\n"),
    );
    let script = format!(
        "mount --bind '{}' /etc/resolv.conf && exec '{}' {args}",
        resolv.display(),
        bin()
    );
    let out = run(sb.command("unshare").args(["-m", "sh", "-c", &script]))
        .env("RES_OPTIONS", "timeout:30 attempts:3")
        .output();
    drop(silent);
    if out.stderr.contains("unshare:") || out.stderr.contains("mount:") {
        skip_or_fail(&format!("no mount namespace here: {}", out.stderr));
        return None;
    }
    Some(out)
}

/// `verify`'s 10 s include name resolution: a resolver that never answers
/// costs 10 s, not minutes.
#[cfg(target_os = "linux")]
#[test]
fn a_resolver_that_never_answers_is_inside_the_bound() {
    let sb = Sandbox::new();
    let Some(out) = without_dns(&sb, "127.0.0.77", "verify --format json", |run| {
        run.static_creds().env(
            "AWS_ENDPOINT_URL_BEDROCK",
            "https://bedrock.never-answers.test",
        )
    }) else {
        return;
    };
    out.assert_code(1);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["status"], "unreachable");
    assert!(
        doc["message"]
            .as_str()
            .unwrap()
            .contains("name resolution for bedrock.never-answers.test gave no answer within 6 s"),
        "{}",
        doc["message"]
    );
    assert!(out.elapsed < Duration::from_secs(11), "{:?}", out.elapsed);
}

/// The IAM calls' bounds include name resolution: `key list` against a
/// resolver that never answers ends at the connect timeout (a few
/// seconds), not the minutes glibc would wait, and says what to check.
#[cfg(target_os = "linux")]
#[test]
fn key_commands_hold_their_bound_when_the_resolver_never_answers() {
    let sb = Sandbox::new();
    let Some(out) = without_dns(&sb, "127.0.0.78", "key list --user alice", |run| {
        run.static_creds()
            .env("AWS_ENDPOINT_URL_IAM", "https://iam.never-answers.test")
    }) else {
        return;
    };
    out.assert_fails(
        1,
        &[
            "could not reach IAM at https://iam.never-answers.test (ListServiceSpecificCredentials for user alice)",
            "connect timeout",
            "check network access to IAM",
        ],
    );
    assert!(out.elapsed < Duration::from_secs(15), "{:?}", out.elapsed);
}
