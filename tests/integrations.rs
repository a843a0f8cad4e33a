//! Every consumer gets the key in its shape, checked with the real consumer:
//! shells and direnv evaluate `env`, the AWS CLI runs `credential-process`,
//! a child runs under `exec`, files from `write`, and the helpers' settings.

// Runs Unix tools (sh scripts, Python peers) or checks modes and signals.
#![cfg(unix)]

mod common;
use common::*;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::process::Command;

fn key(sb: &Sandbox) -> String {
    sb.run_static().ok().trim().to_string()
}

fn shell_sees(shell: &str, script: &str, sb: &Sandbox) -> String {
    sb.command(shell)
        .args(["-c", script])
        .static_creds()
        .env("AWS_REGION", "eu-west-1")
        .ok()
}

#[test]
fn posix_shells_evaluate_env_to_the_exact_key() {
    let sb = Sandbox::new();
    let key = key(&sb);
    let bin = bin();
    for shell in ["sh", "dash", "bash", "zsh"] {
        let Some(path) = tool(shell) else { continue };
        let seen = shell_sees(
            path.to_str().unwrap(),
            &format!(
                r#"eval "$('{bin}' env --region us-east-1 --var ZED_BEDROCK_BEARER_TOKEN)" && printf '%s|%s|%s' "$AWS_BEARER_TOKEN_BEDROCK" "$ZED_BEDROCK_BEARER_TOKEN" "$AWS_REGION""#
            ),
            &sb,
        );
        assert_eq!(seen, format!("{key}|{key}|us-east-1"), "{shell}");
    }
}

#[test]
fn fish_sources_env_to_the_exact_key() {
    let Some(fish) = tool("fish") else { return };
    let sb = Sandbox::new();
    let key = key(&sb);
    let seen = shell_sees(
        fish.to_str().unwrap(),
        &format!(
            "'{}' env --shell fish --region us-east-1 | source; printf '%s|%s' $AWS_BEARER_TOKEN_BEDROCK $AWS_REGION",
            bin()
        ),
        &sb,
    );
    assert_eq!(seen, format!("{key}|us-east-1"));
}

#[test]
fn shellcheck_passes_on_the_sh_output() {
    let Some(shellcheck) = tool("shellcheck") else {
        return;
    };
    let sb = Sandbox::new();
    // --no-export assignments are for the caller's own use: shellcheck
    // would rightly call them unused in a file of their own.
    for extra in [vec![], vec!["--var", "OTHER_TOKEN"], vec!["--no-region"]] {
        let out = sb.run_static().args(["env"]).args(&extra).ok();
        let file = sb.write("env.sh", &format!("#!/bin/sh\n{out}"));
        let st = Command::new(&shellcheck).arg(&file).output().unwrap();
        assert!(
            st.status.success(),
            "{}",
            String::from_utf8_lossy(&st.stdout)
        );
    }
}

#[test]
fn other_shell_syntaxes() {
    let sb = Sandbox::new();
    let key = key(&sb);
    let ps = sb.run_static().args(["env", "--shell", "powershell"]).ok();
    assert_eq!(
        ps,
        format!(
            "$env:AWS_BEARER_TOKEN_BEDROCK = '{key}'\n$env:AWS_REGION = 'us-east-1'\n$env:AWS_DEFAULT_REGION = 'us-east-1'\n"
        )
    );
    let cmd = sb
        .run_static()
        .args(["env", "--shell", "cmd", "--no-region"])
        .ok();
    assert_eq!(cmd, format!("set \"AWS_BEARER_TOKEN_BEDROCK={key}\"\r\n"));
    let dotenv = sb.run_static().args(["env", "--shell", "dotenv"]).ok();
    assert_eq!(
        dotenv,
        format!(
            "AWS_BEARER_TOKEN_BEDROCK=\"{key}\"\nAWS_REGION=\"us-east-1\"\nAWS_DEFAULT_REGION=\"us-east-1\"\n"
        )
    );
}

#[test]
fn env_prints_nothing_at_all_on_failure() {
    let sb = Sandbox::new();
    sb.run()
        .args(["env"])
        .env("AWS_REGION", "us-east-1")
        .output()
        .assert_fails(1, &["no AWS credentials"]);
}

/// direnv with `args` in `project`, with the environment of `env` (a run
/// whose program is replaced) and direnv's own dirs in the sandbox.
fn direnv_in(
    sb: &Sandbox,
    direnv: &std::path::Path,
    project: &std::path::Path,
    args: &[&str],
    env: Run,
) -> std::process::Output {
    let mut direnv_cmd = Command::new(direnv);
    direnv_cmd.env_clear();
    for (k, v) in env.cmd.get_envs() {
        if let Some(v) = v {
            direnv_cmd.env(k, v);
        }
    }
    direnv_cmd
        .args(args)
        .env("XDG_CONFIG_HOME", sb.path("xdg-config"))
        .env("XDG_DATA_HOME", sb.path("xdg-data"))
        .current_dir(project)
        .output()
        .unwrap()
}

#[test]
fn direnv_loads_an_envrc_that_uses_bedrock_token() {
    let Some(direnv) = tool("direnv") else { return };
    let sb = Sandbox::new();
    let key = key(&sb);
    let project = sb.path("project");
    fs::create_dir_all(&project).unwrap();
    fs::write(
        project.join(".envrc"),
        format!("eval \"$('{}' env)\"\n", bin()),
    )
    .unwrap();
    let direnv_cmd = |args: &[&str]| direnv_in(&sb, &direnv, &project, args, sb.run_static());
    assert!(direnv_cmd(&["allow", "."]).status.success());
    let out = direnv_cmd(&[
        "exec",
        ".",
        "sh",
        "-c",
        "printf '%s' \"$AWS_BEARER_TOKEN_BEDROCK\"",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap(), key);
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains(&key),
        "the key stays off stderr"
    );
}

#[test]
fn aws_cli_uses_credential_process_output_and_the_cache() {
    let Some(moto) = Moto::start() else { return };
    let Some(aws) = tool("aws") else { return };
    let sb = Sandbox::new();
    let count = sb.path("runs");
    let src = sb.script(
        "bin/src-creds",
        &format!(
            r#"echo run >> '{}'
exp=$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%SZ)
echo '{{"Version":1,"AccessKeyId":"{AKID}","SecretAccessKey":"{SECRET}","Expiration":"'$exp'"}}'"#,
            count.display()
        ),
    );
    sb.config(&format!(
        "[profile src]\nregion = us-east-1\ncredential_process = {}\n\
         [profile cached]\nregion = us-east-1\ncredential_process = {} credential-process --profile src\n\
         [profile role]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/bedrock-user\nsource_profile = cached\n",
        src.display(),
        bin()
    ));
    let aws_call = |profile: &str| caller_arn(sb.command(&aws).args(["--profile", profile]), &moto);
    let through_us = aws_call("cached");
    let again = aws_call("cached");
    assert_eq!(through_us, again);
    assert_eq!(
        fs::read_to_string(&count).unwrap().lines().count(),
        1,
        "the second call was a cache hit"
    );
    assert_eq!(through_us, aws_call("src"), "the source profile's identity");
    // An assume-role profile on top of ours works in botocore too.
    assert!(aws_call("role").contains("assumed-role/bedrock-user/"));
}

#[test]
fn credential_process_json_is_version_1_and_hides_nothing_it_should_show() {
    let sb = Sandbox::new();
    let out = sb
        .run_static()
        .env("AWS_SESSION_TOKEN", "SESSIONEXAMPLE+/=")
        .args(["credential-process"])
        .ok();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["Version"], 1);
    assert_eq!(v["AccessKeyId"], AKID);
    assert_eq!(v["SecretAccessKey"], SECRET);
    assert_eq!(v["SessionToken"], "SESSIONEXAMPLE+/=");
    assert!(v["Expiration"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn exec_passes_the_key_exit_status_and_signals() {
    let sb = Sandbox::new();
    let key = key(&sb);
    let out = sb
        .run_static()
        .args(["exec", "--var", "EXTRA_TOKEN", "--", "sh", "-c", "printf '%s|%s|%s' \"$AWS_BEARER_TOKEN_BEDROCK\" \"$EXTRA_TOKEN\" \"$AWS_REGION\"; exit 7"])
        .output();
    out.assert_code(7);
    assert_eq!(out.stdout, format!("{key}|{key}|us-east-1"));

    // Replaced, not a child: same pid, and a signal ends it as it would CMD.
    let child = sb
        .run_static()
        .args(["exec", "--", "sh", "-c", "echo $$; kill -TERM $$"])
        .spawn();
    let pid = child.id();
    let out = Out::from(child.wait_with_output().unwrap(), std::time::Duration::ZERO);
    assert_eq!(out.stdout.trim(), pid.to_string());
    assert_eq!(out.code, 128 + 15, "killed by SIGTERM");

    sb.run_static().args(["exec"]).output().assert_fails(2, &[]);
    sb.run_static()
        .args(["exec", "--", "/nonexistent/program"])
        .output()
        .assert_fails(1, &["could not run /nonexistent/program"]);
}

#[test]
fn write_makes_0600_files_and_rewrites_only_on_change() {
    let sb = Sandbox::new();
    let key = key(&sb);
    let path = sb.path("out/key.txt");
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    sb.run_static().args(["write"]).arg(&path).ok();
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        key,
        "bare key, no newline"
    );
    let meta = fs::metadata(&path).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    sb.run_static().args(["write"]).arg(&path).ok();
    let again = fs::metadata(&path).unwrap();
    assert_eq!(
        (meta.ino(), meta.mtime_nsec()),
        (again.ino(), again.mtime_nsec()),
        "unchanged file untouched"
    );
    // Other formats, and a changed key replaces the file.
    let json = sb.path("out/key.json");
    sb.run_static()
        .args(["write", "--format", "json"])
        .arg(&json)
        .ok();
    let v: serde_json::Value = serde_json::from_str(&fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["token"], key.as_str());
    let dotenv = sb.path("out/.env");
    sb.run_static()
        .args(["write", "--format", "dotenv"])
        .arg(&dotenv)
        .ok();
    assert!(
        fs::read_to_string(&dotenv)
            .unwrap()
            .starts_with("AWS_BEARER_TOKEN_BEDROCK=\"")
    );
    std::thread::sleep(std::time::Duration::from_millis(1100));
    sb.run_static().args(["--refresh", "write"]).arg(&path).ok();
    assert_ne!(fs::read_to_string(&path).unwrap(), key);
    let leftovers: Vec<_> = fs::read_dir(path.parent().unwrap())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temp files left");
}

#[test]
fn exec_credential_and_json_formats() {
    let sb = Sandbox::new();
    let key = key(&sb);
    let out = sb
        .run_static()
        .args(["token", "--format", "exec-credential"])
        .ok();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["apiVersion"], "client.authentication.k8s.io/v1");
    assert_eq!(v["kind"], "ExecCredential");
    assert_eq!(v["status"]["token"], key.as_str());
    assert!(
        v["status"]["expirationTimestamp"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    let out = sb
        .run_static()
        .env("KUBERNETES_EXEC_INFO", r#"{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","spec":{"interactive":false}}"#)
        .args(["token", "--format", "exec-credential"])
        .ok();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["apiVersion"], "client.authentication.k8s.io/v1beta1");
}

#[test]
fn config_file_sets_defaults_below_flags_and_environment() {
    let sb = Sandbox::new();
    sb.credentials(&format!(
        "[work]\naws_access_key_id = {AKID}\naws_secret_access_key = {SECRET}\n"
    ));
    sb.write(
        "home/.config/bedrock-token/config.toml",
        "profile = \"work\"\nregion = \"eu-central-1\"\nduration = \"2h\"\n",
    );
    let out = sb.run().args(["token", "--format", "json"]).ok();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["profile"], "work");
    assert_eq!(v["region"], "eu-central-1");
    assert_eq!(
        param(v["token"].as_str().unwrap(), "X-Amz-Expires").as_deref(),
        Some("7200")
    );
    let out = sb
        .run()
        .env("AWS_REGION", "us-west-1")
        .args(["--duration", "1h", "token", "--format", "json"])
        .ok();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["region"], "us-west-1");
    assert_eq!(
        param(v["token"].as_str().unwrap(), "X-Amz-Expires").as_deref(),
        Some("3600")
    );

    let broken = sb.write("broken.toml", "profile = \"work\"\nregion = \n");
    sb.run()
        .env("BEDROCK_TOKEN_CONFIG", &broken)
        .output()
        .assert_fails(1, &["invalid config file", "broken.toml", "line 2"]);
    let unknown = sb.write("unknown.toml", "profiel = \"work\"\n");
    sb.run()
        .env("BEDROCK_TOKEN_CONFIG", &unknown)
        .output()
        .assert_fails(1, &["unknown.toml", "profiel"]);
}

fn sso_sandbox() -> (Sandbox, std::path::PathBuf) {
    let sb = Sandbox::new();
    sb.config(SSO_PROFILE);
    // A fake `aws` that records being run: a login must never start here.
    let marker = sb.path("aws-was-run");
    sb.script("fakebin/aws", &format!("touch '{}'", marker.display()));
    (sb, marker)
}

#[test]
fn a_non_interactive_caller_with_an_expired_sso_session_fails_fast() {
    let (sb, marker) = sso_sandbox();
    let path = format!(
        "{}:{}",
        sb.path("fakebin").display(),
        std::env::var("PATH").unwrap()
    );
    for ctx in [None, Some("non-interactive")] {
        let mut run = sb.run().env("PATH", &path).args(["--login", "-p", "corp"]);
        if let Some(c) = ctx {
            run = run.env("CLAUDE_HELPER_CONTEXT", c);
        }
        let out = run.output();
        out.assert_fails(1, &["aws sso login --profile corp"]);
        assert!(out.elapsed.as_secs() < 5, "{:?}", out.elapsed);
    }
    assert!(!marker.exists(), "no login was started without a person");
}

#[test]
fn setup_prints_filled_snippets_for_each_consumer() {
    let sb = Sandbox::new();
    sb.config("[profile dev]\nregion = eu-west-2\n");
    for target in [
        "direnv",
        "claude-code",
        "claude-desktop",
        "aws-config",
        "opencode",
        "zed",
        "fish",
        "powershell",
        "systemd",
    ] {
        let out = if target == "claude-code" {
            // Its explanation is on stderr: stdout is the JSON alone.
            sb.run()
                .args(["setup", target, "-p", "dev"])
                .ok_with(&["# ~/.claude/settings.json"])
        } else {
            sb.run().args(["setup", target, "-p", "dev"]).ok()
        };
        assert!(out.contains(bin()), "{target}: binary path");
        assert!(out.contains("dev"), "{target}: profile");
        assert!(out.contains("eu-west-2"), "{target}: region");
    }
    // The direnv snippet is a working .envrc line.
    let snippet = sb.run().args(["setup", "direnv", "-p", "dev"]).ok();
    assert!(snippet.contains(" env)\""));
}

#[test]
fn setup_claude_code_prints_settings_whose_helper_hands_out_the_key() {
    let sb = Sandbox::new();
    sb.config("[profile dev]\nregion = eu-west-2\n");
    sb.credentials(&format!(
        "[dev]\naws_access_key_id = {AKID}\naws_secret_access_key = {SECRET}\n"
    ));
    let out = sb
        .run()
        .args(["setup", "claude-code", "-p", "dev"])
        .output();
    out.assert_code(0);
    // stdout is one JSON object, ready for ~/.claude/settings.json.
    let doc: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout));
    let helper = doc["apiKeyHelper"].as_str().unwrap().to_string();
    assert!(
        helper.ends_with(" --profile dev --region eu-west-2"),
        "{helper}"
    );
    assert_eq!(
        doc["env"],
        serde_json::json!({
            "CLAUDE_CODE_USE_BEDROCK": "1",
            "CLAUDE_CODE_SKIP_BEDROCK_AUTH": "1",
            "AWS_REGION": "eu-west-2",
            "AWS_BEARER_TOKEN_BEDROCK": "",
            "CLAUDE_CODE_API_KEY_HELPER_TTL_MS": "300000",
        })
    );
    // The explanation is a comment block on stderr, and -q drops it.
    assert!(
        out.stderr.lines().all(|l| l.starts_with('#')),
        "{}",
        out.stderr
    );
    for needle in [
        "once CLAUDE_CODE_API_KEY_HELPER_TTL_MS (5m) has passed",
        "while 15m of life remains",
        "has 10m or more left",
        "exec -- claude",
    ] {
        assert!(out.stderr.contains(needle), "{needle}: {}", out.stderr);
    }
    sb.run()
        .args(["setup", "claude-code", "-p", "dev", "-q"])
        .ok();

    // Claude Code runs the helper through a shell: it prints the key.
    let key = sb.command("sh").args(["-c", &helper]).ok();
    assert_eq!(key, sb.run().args(["-p", "dev", "-r", "eu-west-2"]).ok());

    // A shorter --min-remaining gets a shorter TTL: a third of it.
    let out = sb
        .run()
        .env("BEDROCK_TOKEN_MIN_REMAINING", "15s")
        .args(["setup", "claude-code", "-p", "dev", "-q"])
        .ok();
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["env"]["CLAUDE_CODE_API_KEY_HELPER_TTL_MS"], "5000");
}

#[test]
fn doctor_finds_what_would_go_wrong() {
    let sb = Sandbox::new();
    sb.config(
        "[profile dev]\ncredential_process = /opt/my tools/bedrock-token credential-process --profile src\n",
    );
    sb.credentials("[dev]\naws_access_key_id = AKIASHADOWEXAMPLE123\naws_secret_access_key = x\n");
    let out = sb.run().args(["doctor", "-p", "dev"]).output();
    out.assert_code(1);
    for needle in [
        "shadow its credential_process",
        "splits (by shell rules, as botocore and the AWS SDKs do) into program /opt/my,",
        "no region for profile dev",
    ] {
        assert!(out.stdout.contains(needle), "{needle}:\n{}", out.stdout);
    }
    let ok = Sandbox::new().run_static().args(["doctor"]).output();
    ok.assert_code(0);
    assert!(
        ok.stdout
            .contains("a key for profile default in us-east-1 is available"),
        "{}",
        ok.stdout
    );
}

#[test]
fn completions_for_each_shell() {
    let sb = Sandbox::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = sb.run().args(["completions", shell]).ok();
        assert!(
            out.contains("bedrock-token") && out.contains("credential-process"),
            "{shell}"
        );
    }
}

#[test]
fn an_interactive_caller_with_login_runs_the_login_once_with_output_on_stderr() {
    let (sb, marker) = sso_sandbox();
    // The fake login prints on stdout, as `aws sso login` does; none of it
    // may reach ours.
    sb.script(
        "fakebin/aws",
        &format!(
            "echo \"LOGIN OUTPUT $*\"; echo run >> '{}'",
            marker.display()
        ),
    );
    let path = format!(
        "{}:{}",
        sb.path("fakebin").display(),
        std::env::var("PATH").unwrap()
    );
    let out = sb
        .run()
        .env("PATH", &path)
        .env("CLAUDE_HELPER_CONTEXT", "interactive")
        .args(["--login", "-p", "corp"])
        .output();
    // The fake login renews nothing, so the retry fails too.
    out.assert_fails(
        1,
        &[
            "LOGIN OUTPUT sso login --profile corp",
            "aws sso login --profile corp",
        ],
    );
    assert_eq!(
        fs::read_to_string(&marker).unwrap().lines().count(),
        1,
        "one login, one retry"
    );
    // Without --login (or auto_login) no login runs.
    sb.run()
        .env("PATH", &path)
        .env("CLAUDE_HELPER_CONTEXT", "interactive")
        .args(["-p", "corp"])
        .output()
        .assert_fails(1, &["aws sso login --profile corp"]);
    assert_eq!(fs::read_to_string(&marker).unwrap().lines().count(), 1);
}

#[test]
fn parallel_interactive_callers_run_one_login() {
    let (sb, marker) = sso_sandbox();
    sb.script(
        "fakebin/aws",
        &format!("echo run >> '{}'; sleep 1", marker.display()),
    );
    let path = format!(
        "{}:{}",
        sb.path("fakebin").display(),
        std::env::var("PATH").unwrap()
    );
    let callers: Vec<_> = (0..5)
        .map(|_| {
            sb.run()
                .env("PATH", &path)
                .env("CLAUDE_HELPER_CONTEXT", "interactive")
                .args(["--login", "-p", "corp"])
                .spawn()
        })
        .collect();
    for c in callers {
        let out = Out::from(c.wait_with_output().unwrap(), std::time::Duration::ZERO);
        // The fake login renews nothing: each retries once and fails.
        out.assert_fails(1, &["aws sso login --profile corp"]);
    }
    assert_eq!(
        fs::read_to_string(&marker).unwrap().lines().count(),
        1,
        "one browser for five callers"
    );
}

#[test]
fn doctor_notices_a_clock_behind_the_credentials() {
    let sb = Sandbox::new();
    let exp = Command::new("date")
        .args(["-u", "-d", "+3 days", "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .unwrap();
    let script = sb.script(
        "bin/creds",
        &format!(
            r#"echo '{{"Version":1,"AccessKeyId":"ASIACLOCKEXAMPLE0001","SecretAccessKey":"s","SessionToken":"t","Expiration":"{}"}}'"#,
            String::from_utf8(exp.stdout).unwrap().trim()
        ),
    );
    sb.config(&format!(
        "[profile skew]\nregion = us-east-1\ncredential_process = {}\n",
        script.display()
    ));
    let out = sb.run().args(["doctor", "-p", "skew"]).output();
    out.assert_code(1);
    assert!(
        out.stdout.contains("this clock is behind"),
        "{}",
        out.stdout
    );
}

#[test]
fn the_aws_config_snippet_survives_a_path_with_a_space_an_apostrophe_and_a_substitution() {
    let Some(moto) = Moto::start() else { return };
    let Some(aws) = tool("aws") else { return };
    let sb = Sandbox::new();
    // A binary installed where splitting by spaces breaks, an apostrophe
    // ends a quote, and `$(...)` would run if evaluated.
    let dir = sb.path("o'brien tools/$(touch pwned)/bin");
    fs::create_dir_all(&dir).unwrap();
    let exe = dir.join("bedrock-token");
    fs::copy(bin(), &exe).unwrap();
    sb.credentials(&format!(
        "[src]\naws_access_key_id = {AKID}\naws_secret_access_key = {SECRET}\n"
    ));
    sb.config("[profile src]\nregion = us-east-1\n");
    let snippet = sb
        .command(&exe)
        .args(["setup", "aws-config", "-p", "src"])
        .ok();
    let config = fs::read_to_string(sb.home().join(".aws/config")).unwrap();
    sb.config(&format!("{config}{snippet}"));
    // botocore splits the command with shell rules.
    let arn = caller_arn(sb.command(&aws).args(["--profile", "src-cached"]), &moto);
    assert_eq!(
        arn,
        caller_arn(sb.command(&aws).args(["--profile", "src"]), &moto)
    );
    // The AWS SDK for Rust runs it with `sh -c`: our own chain.
    let key = sb
        .run()
        .args(["--profile", "src-cached", "--no-cache"])
        .ok();
    assert!(param(&key, "X-Amz-Credential").unwrap().starts_with(AKID));
    assert!(!sb.path("pwned").exists() && !dir.join("pwned").exists());
    assert!(
        fs::read_dir(sb.path("."))
            .unwrap()
            .flatten()
            .all(|e| e.file_name() != "pwned"),
        "no substitution ran"
    );
}

#[test]
fn botocore_finds_the_region_from_env_and_exec() {
    let Some(python) = tool("python") else { return };
    let sb = Sandbox::new();
    let probe = "import botocore.session; print(botocore.session.get_session().get_config_variable('region'))";
    // No region in any AWS file: only what we export.
    let via_exec = sb
        .run_static()
        .args(["--region", "eu-west-3", "exec", "--"])
        .arg(&python)
        .args(["-c", probe])
        .env_remove("AWS_REGION")
        .ok();
    assert_eq!(via_exec, "eu-west-3\n");
    let exports = sb.run_static().args(["--region", "eu-west-3", "env"]).ok();
    let via_env = sb
        .command("sh")
        .args([
            "-c",
            &format!(
                "eval \"$1\"; unset AWS_REGION; exec '{}' -c \"$2\"",
                python.display()
            ),
            "sh",
            &exports,
            probe,
        ])
        .ok();
    assert_eq!(via_env, "eu-west-3\n");
    let bare = sb
        .run_static()
        .args(["--region", "eu-west-3", "env", "--no-region"])
        .ok();
    assert!(!bare.contains("REGION"), "{bare}");
}

#[test]
fn completions_install_on_a_fresh_home() {
    let sb = Sandbox::new();
    let home = sb.home();
    sb.run()
        .args(["completions", "bash", "--install"])
        .ok_with(&["wrote", "bash-completion/completions/bedrock-token"]);
    let bash_file = home.join(".local/share/bash-completion/completions/bedrock-token");
    let loaded = sb
        .command("bash")
        .args(["-c", "source \"$1\" && complete -p bedrock-token", "bash"])
        .arg(&bash_file)
        .ok();
    assert!(loaded.contains("bedrock-token"), "{loaded}");
    sb.run()
        .args(["completions", "zsh", "--install"])
        .ok_with(&["_bedrock-token", "fpath+="]);
    assert!(
        home.join(".local/share/zsh/site-functions/_bedrock-token")
            .is_file()
    );
    if let Some(fish) = tool("fish") {
        sb.run()
            .args(["completions", "fish", "--install"])
            .ok_with(&["fish/completions/bedrock-token.fish"]);
        let fish_file = home.join(".config/fish/completions/bedrock-token.fish");
        let offered = sb
            .command(fish)
            .args(["-c", "source $argv[1]; complete -C 'bedrock-token '"])
            .arg(&fish_file)
            .ok();
        assert!(offered.contains("credential-process"), "{offered}");
    }
    sb.run()
        .args(["completions", "powershell", "--install"])
        .output()
        .assert_fails(2, &["no standard place"]);
}

#[test]
fn the_direnv_snippet_watches_the_aws_files_in_use() {
    let Some(direnv) = tool("direnv") else { return };
    let sb = Sandbox::new();
    let config = sb.write("elsewhere/my config", "[default]\nregion = us-east-1\n");
    let credentials = sb.write(
        "elsewhere/creds",
        &format!("[default]\naws_access_key_id = {AKID}\naws_secret_access_key = {SECRET}\n"),
    );
    let project = sb.path("project");
    fs::create_dir_all(&project).unwrap();
    let snippet = sb
        .run()
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .args(["setup", "direnv"])
        .ok();
    fs::write(project.join(".envrc"), &snippet).unwrap();
    let direnv_cmd = |args: &[&str]| {
        let env = sb
            .run()
            .env("AWS_CONFIG_FILE", &config)
            .env("AWS_SHARED_CREDENTIALS_FILE", &credentials);
        direnv_in(&sb, &direnv, &project, args, env)
    };
    assert!(direnv_cmd(&["allow", "."]).status.success());
    let out = direnv_cmd(&[
        "exec",
        ".",
        "sh",
        "-c",
        "printf '%s\\n' \"$AWS_BEARER_TOKEN_BEDROCK\"; direnv status",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("bedrock-api-key-"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for watched in ["my config\"", "creds\""] {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with("Loaded watch:") && l.contains(watched)),
            "direnv watches {watched}:\n{stdout}"
        );
    }
}
