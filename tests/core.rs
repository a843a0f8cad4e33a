//! The main job through the built binary: print a key, its formats,
//! `inspect`, options, exit codes and errors.

mod common;
use common::*;
use std::net::TcpListener;
use std::time::Duration;

#[test]
fn no_arguments_prints_the_key_and_a_newline_only() {
    let sb = Sandbox::new();
    let out = sb.run_static().output();
    out.assert_code(0);
    let lines: Vec<&str> = out.stdout.split_inclusive('\n').collect();
    assert_eq!(lines.len(), 1, "one line: {:?}", out.stdout);
    assert!(out.stdout.starts_with("bedrock-api-key-") && out.stdout.ends_with('\n'));
    let url = decode_url(&out.stdout);
    assert!(url.starts_with("bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F"));
    assert!(url.contains("%2Fus-east-1%2Fbedrock%2Faws4_request&X-Amz-Date="));
    assert!(url.ends_with("&Version=1"));
    assert_eq!(
        param(&out.stdout, "X-Amz-Expires").as_deref(),
        Some("43200")
    );
    assert_eq!(out.stderr, "", "nothing on stderr by default");
    // `token` is the same command.
    assert_eq!(sb.run_static().args(["token"]).ok(), out.stdout);
}

#[test]
fn json_format_has_token_expiration_region_profile() {
    let sb = Sandbox::new();
    let out = sb
        .run_static()
        .args(["token", "--format", "json", "--duration", "90m"])
        .ok();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let token = v["token"].as_str().unwrap();
    assert!(token.starts_with("bedrock-api-key-"));
    assert_eq!(v["region"], "us-east-1");
    assert_eq!(v["profile"], "default");
    let exp = v["expiration"].as_str().unwrap();
    assert!(exp.ends_with('Z') && exp.len() == 20, "RFC 3339 UTC: {exp}");
    assert_eq!(param(token, "X-Amz-Expires").as_deref(), Some("5400"));
}

#[test]
fn durations_in_every_documented_form() {
    let sb = Sandbox::new();
    for (arg, secs) in [
        ("90m", "5400"),
        ("1h30m", "5400"),
        ("45s", "45"),
        ("3600", "3600"),
        ("1s", "1"),
        ("12h", "43200"),
    ] {
        let out = sb.run_static().args(["--no-cache", "--duration", arg]).ok();
        assert_eq!(param(&out, "X-Amz-Expires").as_deref(), Some(secs), "{arg}");
    }
}

#[test]
fn usage_errors_exit_2_with_nothing_on_stdout() {
    let sb = Sandbox::new();
    for (args, needle) in [
        (vec!["--duration", "13h"], "out of range"),
        (vec!["--duration", "0"], "out of range"),
        (vec!["--duration", "soon"], "invalid duration"),
        (vec!["--region", "US-EAST-1"], "not an AWS region"),
        (vec!["--region", "us_east_1"], "not an AWS region"),
        (vec!["--bogus"], "unexpected argument"),
        (vec!["inspect", "-", "extra"], "unexpected argument"),
    ] {
        sb.run_static()
            .args(&args)
            .output()
            .assert_fails(2, &[needle]);
    }
    sb.run_static()
        .env("AWS_REGION", "Not A Region")
        .output()
        .assert_fails(2, &["AWS_REGION", "not an AWS region"]);
}

#[test]
#[cfg(unix)] // sh is the default shell on Unix; tests/windows.rs covers PowerShell
fn global_options_work_before_and_after_the_subcommand() {
    let sb = Sandbox::new();
    let before = sb
        .run_static()
        .args(["--region", "eu-west-1", "--no-cache", "env"])
        .ok();
    let after = sb
        .run_static()
        .args(["env", "--region", "eu-west-1", "--no-cache"])
        .ok();
    assert!(before.contains("export AWS_REGION='eu-west-1'"));
    assert!(after.contains("export AWS_REGION='eu-west-1'"));
}

#[test]
fn help_lists_options_and_exit_codes() {
    let sb = Sandbox::new();
    let help = sb.run().args(["--help"]).ok();
    for needle in [
        "--profile",
        "--region",
        "--duration",
        "--verbose",
        "--quiet",
        "Exit codes",
        "usage error",
    ] {
        assert!(help.contains(needle), "help mentions {needle}");
    }
}

#[test]
fn verbose_says_where_from_but_never_a_secret() {
    let sb = Sandbox::new();
    let out = sb
        .run_static()
        .env("AWS_SESSION_TOKEN", "SESSIONTOKENSENTINEL")
        .args(["-v", "--no-cache"])
        .output();
    out.assert_code(0);
    assert!(
        out.stderr.contains("environment variables"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("profile default") && out.stderr.contains("us-east-1"));
    assert!(out.stderr.contains("expires at"));
    for secret in [SECRET, "SESSIONTOKENSENTINEL", out.stdout.trim()] {
        assert!(!out.stderr.contains(secret));
    }
    let quiet = sb.run_static().args(["-q", "--no-cache"]).output();
    assert_eq!(quiet.stderr, "");
}

#[test]
fn inspect_shows_the_current_key_without_secrets() {
    let sb = Sandbox::new();
    let out = sb
        .run_static()
        .env("AWS_SESSION_TOKEN", "IQoJb3JpZ2luX2VjSENTINEL+/=")
        .args(["inspect"])
        .output();
    out.assert_code(0);
    for needle in [
        "region:         us-east-1",
        "AKIA…MPLE",
        "session token:  yes",
        "lifetime:       12h",
        "expires at:",
        "remaining:",
    ] {
        assert!(out.stdout.contains(needle), "{needle} in\n{}", out.stdout);
    }
    assert!(!out.stdout.contains("SENTINEL") && !out.stdout.contains("Signature"));

    let json = sb.run_static().args(["inspect", "--format", "json"]).ok();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["region"], "us-east-1");
    assert_eq!(v["access_key_id"], "AKIA…MPLE");
}

#[test]
fn inspect_reads_a_key_from_stdin_and_exits_1_when_expired_or_foreign() {
    let sb = Sandbox::new();
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("data/vectors.json")).unwrap();
    let old = vectors["vectors"][0]["token"].as_str().unwrap();
    let out = sb.run().args(["inspect", "-"]).stdin(old).output();
    out.assert_code(1);
    assert!(out.stdout.contains("signed at:      2025-01-01T00:00:00Z"));
    assert!(out.stdout.contains("expired"));

    let fresh = sb.run_static().args(["--no-cache"]).ok();
    sb.run()
        .args(["inspect", "-"])
        .stdin(fresh)
        .output()
        .assert_code(0);

    sb.run()
        .args(["inspect", "-"])
        .stdin("not-a-key")
        .output()
        .assert_fails(1, &["not a Bedrock API key"]);
}

#[test]
fn no_region_anywhere_says_how_to_set_one() {
    let sb = Sandbox::new();
    sb.run_static()
        .env_remove("AWS_REGION")
        .output()
        .assert_fails(
            1,
            &[
                "no AWS region for profile default",
                "--region",
                "AWS_REGION",
            ],
        );
}

#[test]
fn unknown_profile_is_named() {
    let sb = Sandbox::new();
    sb.config("[profile dev]\nregion = us-east-1\n");
    sb.run()
        .args(["--profile", "nope"])
        .output()
        .assert_fails(1, &["profile nope", "aws configure"]);
}

#[test]
fn no_credentials_fails_fast_even_when_instance_metadata_hangs() {
    // A loopback "instance metadata service" that accepts and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    let sb = Sandbox::new();
    let out = sb
        .run()
        .env_remove("AWS_EC2_METADATA_DISABLED")
        .env(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            format!("http://127.0.0.1:{port}"),
        )
        .env("AWS_REGION", "us-east-1")
        .output();
    out.assert_fails(
        1,
        &[
            "no AWS credentials found for profile default",
            "region us-east-1",
            "aws configure",
        ],
    );
    // No hang: the metadata service is bounded (600 ms a call). The 2 s
    // figure is bench/run.sh's; the bound here leaves room for wine, qemu
    // and a loaded machine.
    assert!(
        out.elapsed < Duration::from_secs(5),
        "took {:?}",
        out.elapsed
    );
}

#[cfg(unix)] // a sh script as credential_process
#[test]
fn failing_credential_process_names_profile_and_cause() {
    let sb = Sandbox::new();
    let script = sb.script("bin/broken", "echo 'cannot reach vault' >&2; exit 3");
    sb.config(&format!(
        "[profile broken]\nregion = eu-west-1\ncredential_process = {}\n",
        script.display()
    ));
    sb.run()
        .args(["--profile", "broken"])
        .output()
        .assert_fails(1, &["profile broken", "eu-west-1"]);
}

#[cfg(unix)] // a sh script as credential_process
#[test]
fn short_lived_credentials_bound_the_expiry_with_one_note() {
    let sb = Sandbox::new();
    let exp = time_in(52 * 60 + 30);
    let script = sb.script(
        "bin/creds",
        &format!(
            r#"echo '{{"Version":1,"AccessKeyId":"ASIAEXAMPLESHORT1234","SecretAccessKey":"s3cr3t","SessionToken":"tok","Expiration":"{exp}"}}'"#
        ),
    );
    sb.config(&format!(
        "[profile dev]\nregion = us-east-1\ncredential_process = {}\n",
        script.display()
    ));
    let out = sb
        .run()
        .args(["--profile", "dev", "token", "--format", "json"])
        .output();
    out.assert_code(0);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["expiration"].as_str().unwrap(), exp);
    assert_eq!(
        out.stderr.matches("note: key valid for 52m").count(),
        1,
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("credentials of profile dev expire at"));
    // The hit says nothing more.
    let again = sb.run().args(["--profile", "dev"]).output();
    again.assert_code(0);
    assert_eq!(again.stderr, "");
}

#[test]
fn broken_pipe_is_not_an_error() {
    let sb = Sandbox::new();
    let mut child = sb.run_static().args(["--no-cache"]).spawn();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    assert!(status.success());
}

/// RFC 3339 UTC `secs` from now, to the second.
pub fn time_in(secs: u64) -> String {
    let out = std::process::Command::new("date")
        .args([
            "-u",
            "-d",
            &format!("+{secs} seconds"),
            "+%Y-%m-%dT%H:%M:%SZ",
        ])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}
