//! The real consumers of our keys, each against the fake Bedrock of
//! `common::bedrock`, which checks every key as AWS does: boto3 (through
//! `exec` and `env`), Claude Code (through the `apiKeyHelper` that `setup
//! claude-code` prints, for longer than a key lives), Claude Desktop's
//! helper contract (`setup claude-desktop`, run bare under `env -i`) and
//! Codex CLI (SigV4 from the `credential_process` profile of `setup
//! aws-config`).

#![cfg(unix)]

mod common;
use common::bedrock::*;
use common::*;
use std::io::{BufRead, BufReader, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant, UNIX_EPOCH};

/// A profile `dev` with the example keys, in the fake's region.
fn dev_profile(sb: &Sandbox) {
    sb.config(&format!("[profile dev]\nregion = {REGION}\n"));
    sb.credentials(&format!(
        "[dev]\naws_access_key_id = {AKID}\naws_secret_access_key = {SECRET}\n"
    ));
}

/// boto3's `bedrock-runtime` client: `converse`, then `invoke_model`, each
/// reply's text on a line. Credentials and region come from the
/// environment only (there is no default profile), so the key in
/// `AWS_BEARER_TOKEN_BEDROCK` is its only way in.
const BOTO3_CLIENT: &str = r#"
import json, sys
import boto3
client = boto3.client("bedrock-runtime", endpoint_url=sys.argv[1])
reply = client.converse(
    modelId=sys.argv[2],
    messages=[{"role": "user", "content": [{"text": "say turn-1"}]}],
)
print(reply["output"]["message"]["content"][0]["text"])
reply = client.invoke_model(
    modelId=sys.argv[2],
    body=json.dumps({
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 16,
        "messages": [{"role": "user", "content": "say turn-2"}],
    }),
)
print(json.loads(reply["body"].read())["content"][0]["text"])
"#;

#[test]
fn boto3_calls_bedrock_with_the_key_from_exec_and_from_env() {
    let Some(python) = tool("python") else {
        return;
    };
    let sb = Sandbox::new();
    dev_profile(&sb);
    let fake = FakeBedrock::start();
    // botocore sends a bearer key over HTTPS only.
    let Some(tls) = TlsFront::start(&fake, sb.dir.path()) else {
        return;
    };

    let out = sb
        .run()
        .env("AWS_CA_BUNDLE", &tls.ca)
        .args(["-p", "dev", "exec", "--"])
        .arg(&python)
        .args(["-c", BOTO3_CLIENT, &tls.url, MODEL])
        .ok();
    assert_eq!(out, "ack turn-1\nack turn-2\n");

    let out = sb
        .command("sh")
        .env("AWS_CA_BUNDLE", &tls.ca)
        .env("BEDROCK_TOKEN", bin())
        .env("PYTHON", &python)
        .env("SCRIPT", BOTO3_CLIENT)
        .args([
            "-c",
            r#"eval "$("$BEDROCK_TOKEN" -p dev env)" && exec "$PYTHON" -c "$SCRIPT" "$0" "$1""#,
            &tls.url,
            MODEL,
        ])
        .ok();
    assert_eq!(out, "ack turn-1\nack turn-2\n");

    // Four calls, all with the one cached key, all accepted.
    let key = sb.run().args(["-p", "dev"]).ok();
    let seen = fake.seen();
    let targets: Vec<&str> = seen.iter().map(|s| s.target.as_str()).collect();
    let model = MODEL.replace(':', "%3A");
    let (converse, invoke) = (
        format!("/model/{model}/converse"),
        format!("/model/{model}/invoke"),
    );
    assert_eq!(targets, [&converse, &invoke, &converse, &invoke]);
    for s in &seen {
        assert_eq!((s.status, s.key()), (200, Some(key.trim())), "{s:?}");
    }

    // A key for another region: boto3 gets AWS's refusal.
    let out = sb
        .run()
        .env("AWS_CA_BUNDLE", &tls.ca)
        .args(["-p", "dev", "-r", "eu-west-1", "exec", "--"])
        .arg(&python)
        .args(["-c", BOTO3_CLIENT, &tls.url, MODEL])
        .output();
    out.assert_code(1).assert_stderr_mentions(&[
        "(InvalidSignatureException) when calling the Converse operation",
        "Credential should be scoped to a valid region.",
    ]);
    assert_eq!(fake.seen().last().unwrap().status, 403);
}

#[test]
fn claude_desktop_runs_the_helper_bare_and_gets_one_line_bedrock_accepts() {
    let sb = Sandbox::new();
    dev_profile(&sb);
    let fake = FakeBedrock::start();
    let snippet = sb.run().args(["setup", "claude-desktop", "-p", "dev"]).ok();

    // The snippet: where the config file goes, its lines, then the JSON
    // for Claude Desktop's settings.
    let lines: Vec<&str> = snippet.lines().collect();
    let config_path = lines[1].strip_prefix("# ").unwrap();
    assert_eq!(
        std::path::Path::new(config_path),
        sb.home().join(".config/bedrock-token/config.toml")
    );
    let config: Vec<&str> = lines[2..]
        .iter()
        .copied()
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(config, ["profile = \"dev\"", "region = \"us-east-1\""]);
    let settings: serde_json::Value =
        serde_json::from_str(&snippet[snippet.find('{').unwrap()..]).unwrap();
    let helper = settings["inferenceCredentialHelper"].as_str().unwrap();
    assert_eq!(helper, bin());
    std::fs::create_dir_all(std::path::Path::new(config_path).parent().unwrap()).unwrap();
    std::fs::write(config_path, format!("{}\n", config.join("\n"))).unwrap();

    // Claude Desktop runs it with no arguments and none of our variables:
    // only HOME, where the config file and the AWS files are.
    let bare = || {
        sb.command("env")
            .arg("-i")
            .arg(format!("HOME={}", sb.home().display()))
            .arg(helper)
            .ok()
    };
    let out = bare();
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.ends_with('\n'));
    let (status, body) = fake.invoke(out.trim_end());
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("ack turn-1"), "{body}");
    // Called again: the cached key.
    assert_eq!(bare(), out);
}

/// Key lifetime in the Claude Code session: short, so the session outlives
/// the first key; `min_remaining` decides when the cache hands out a new
/// one, and `setup` derives Claude Code's helper TTL from it (a third: 3s).
const SHORT_DURATION: u64 = 24;
const SHORT_MIN_REMAINING: &str = "9s";

#[test]
fn claude_code_keeps_working_past_the_life_of_a_key() {
    let Some(claude) = tool("claude") else {
        return;
    };
    let sb = Sandbox::new();
    dev_profile(&sb);
    let fake = FakeBedrock::start();
    let short = |run: Run| {
        run.env("BEDROCK_TOKEN_DURATION", format!("{SHORT_DURATION}s"))
            .env("BEDROCK_TOKEN_MIN_REMAINING", SHORT_MIN_REMAINING)
    };

    // The settings exactly as `setup` prints them.
    let settings = short(sb.run())
        .args(["setup", "claude-code", "-p", "dev", "-q"])
        .ok();
    let doc: serde_json::Value = serde_json::from_str(&settings).unwrap();
    assert_eq!(doc["env"]["CLAUDE_CODE_API_KEY_HELPER_TTL_MS"], "3000");
    sb.write("home/.claude/settings.json", &settings);

    // A key inherited from the shell (here an expired one, as `exec` or
    // direnv would leave behind): the settings must keep it out.
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("data/vectors.json")).unwrap();
    let stale = vectors["vectors"][0]["token"].as_str().unwrap();

    let mut child = short(sb.command(&claude))
        .env("ANTHROPIC_BEDROCK_BASE_URL", &fake.url)
        .env("AWS_BEARER_TOKEN_BEDROCK", stale)
        .env("DISABLE_TELEMETRY", "1")
        .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
        .env("DISABLE_AUTOUPDATER", "1")
        .args(["-p", "--verbose"])
        .args([
            "--input-format",
            "stream-json",
            "--output-format",
            "stream-json",
        ])
        .cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(sb.path("claude.stderr")).unwrap())
        .spawn()
        .expect("start claude");
    let mut stdin = child.stdin.take().unwrap();
    let (lines, results) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });

    // A turn every 4 seconds until the first key has been dead a while.
    let started = Instant::now();
    let mut transcript = Vec::new();
    let mut turn = 0;
    while started.elapsed() < Duration::from_secs(SHORT_DURATION + 6) {
        turn += 1;
        let at = started + Duration::from_secs(4 * (turn - 1));
        std::thread::sleep(at.saturating_duration_since(Instant::now()));
        let message = serde_json::json!({
            "type": "user",
            "message": { "role": "user", "content": format!("say turn-{turn}") },
        });
        writeln!(stdin, "{message}").unwrap();
        let result = loop {
            let line = results
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|e| {
                    panic!(
                        "turn {turn}: no result ({e}):\n{}\nstderr: {}",
                        transcript.join("\n"),
                        std::fs::read_to_string(sb.path("claude.stderr")).unwrap_or_default()
                    )
                });
            transcript.push(line.clone());
            let event: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
            if event["type"] == "result" {
                break event;
            }
        };
        assert_eq!(result["is_error"], false, "turn {turn}: {result}");
        assert_eq!(result["result"], format!("ack turn-{turn}"), "turn {turn}");
    }
    drop(stdin);
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
        }
        std::thread::sleep(Duration::from_millis(100));
    }

    // Every request with a key was accepted; the inherited key never
    // reached Bedrock; more than one of our keys did, and the last turn
    // came after the first key had expired.
    let seen = fake.seen();
    let used: Vec<&Seen> = seen.iter().filter(|s| s.key().is_some()).collect();
    assert!(used.len() >= turn as usize, "{seen:#?}");
    for s in &used {
        assert_eq!(s.status, 200, "{s:?}");
        assert!(s.target.ends_with("/invoke-with-response-stream"), "{s:?}");
    }
    let keys = fake.keys();
    assert!(
        !keys.iter().any(|k| k == stale),
        "the inherited key was used"
    );
    assert!(keys.len() >= 2, "one key for the whole session: {keys:?}");
    let first_expiry = amz_date(&param(&keys[0], "X-Amz-Date").unwrap())
        + param(&keys[0], "X-Amz-Expires")
            .unwrap()
            .parse::<i64>()
            .unwrap();
    let last = used.last().unwrap().at.duration_since(UNIX_EPOCH).unwrap();
    assert!(
        last.as_secs() as i64 > first_expiry,
        "the session ended before the first key expired"
    );
}

/// Codex CLI's built-in `amazon-bedrock` provider signs every request with
/// SigV4 (service `bedrock-mantle`) through aws-config's profile chain, so
/// bedrock-token serves it as `credential_process`: the profile that
/// `setup aws-config` prints, and nothing else. The fake checks each
/// signature against the example keys, which only `credential-process
/// --profile dev` can have handed over: Codex's profile holds no keys and
/// its environment none.
#[test]
fn codex_cli_signs_with_credentials_from_the_setup_aws_config_profile() {
    let Some(codex) = tool("codex") else {
        return;
    };
    let sb = Sandbox::new();
    dev_profile(&sb);
    let fake = FakeBedrock::start();
    let profile = sb.run().args(["-p", "dev", "setup", "aws-config"]).ok();
    assert!(profile.contains("[profile dev-cached]"), "{profile}");
    let config = std::fs::read_to_string(sb.home().join(".aws/config")).unwrap();
    sb.config(&format!("{config}\n{profile}"));
    // Codex's documented configuration for Amazon Bedrock, with the base
    // URL (one of the fields the built-in provider lets a user change)
    // pointed at the fake.
    sb.write(
        "home/.codex/config.toml",
        &format!(
            "model_provider = \"amazon-bedrock\"\nmodel = \"openai.gpt-5.4\"\n\n\
             [model_providers.amazon-bedrock]\nbase_url = \"{}/openai/v1\"\n\n\
             [model_providers.amazon-bedrock.aws]\nprofile = \"dev-cached\"\nregion = \"{REGION}\"\n",
            fake.url
        ),
    );
    for turn in 1..=2 {
        let out = sb
            .command(&codex)
            .env("CODEX_HOME", sb.home().join(".codex"))
            .args(["exec", "--skip-git-repo-check", "--ephemeral"])
            .arg(format!("say turn-{turn}"))
            .output();
        out.assert_code(0);
        assert_eq!(
            out.stdout.trim(),
            format!("ack turn-{turn}"),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains(SECRET), "{}", out.stderr);
    }
    let seen = fake.seen();
    assert!(!seen.is_empty());
    for s in &seen {
        assert_eq!(
            (s.method.as_str(), s.target.as_str(), s.status),
            ("POST", "/openai/v1/responses", 200),
            "{s:?}"
        );
        assert!(
            s.authorization
                .starts_with(&format!("AWS4-HMAC-SHA256 Credential={AKID}/"))
                && s.authorization
                    .contains(&format!("/{REGION}/bedrock-mantle/aws4_request")),
            "{s:?}"
        );
    }
}
