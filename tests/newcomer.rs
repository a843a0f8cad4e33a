//! A newcomer's first hour (issue 22): `setup` that prints only what
//! resolved and carries what it was asked for, regions checked, help and
//! usage errors, completions driven in real bash (with bash-completion)
//! and fish, no silent waits, and a `doctor` that says only what it checked.
#![cfg(unix)]

mod common;
use common::*;
use std::fs;
use std::process::Command;

const DEV_CREDENTIALS: &str = "[dev]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";

/// A sandbox with profile `dev` (static keys, region eu-west-2).
fn dev() -> Sandbox {
    let sb = Sandbox::new();
    sb.config("[profile dev]\nregion = eu-west-2\n");
    sb.credentials(DEV_CREDENTIALS);
    sb
}

fn expires(key: &str) -> String {
    param(key.trim(), "X-Amz-Expires").unwrap_or_else(|| panic!("no X-Amz-Expires in {key}"))
}

#[test]
fn setup_gives_the_key_commands_error_for_what_did_not_resolve() {
    // No AWS files at all: no region anywhere.
    let sb = Sandbox::new();
    let setup = sb.run().args(["setup", "claude-code"]).output();
    setup.assert_fails(1, &["no AWS region for profile default"]);
    let key = sb.run_static().env_remove("AWS_REGION").output();
    assert_eq!(setup.stderr, key.stderr, "the key command's own error");

    // A profile that does not exist.
    let setup = sb.run().args(["-p", "nosuch", "setup", "direnv"]).output();
    setup.assert_fails(1, &["profile nosuch is not in"]);
    assert_eq!(
        setup.stderr,
        sb.run().args(["-p", "nosuch"]).output().stderr
    );

    // --force prints anyway, marked, with no guessed region.
    let forced = sb
        .run()
        .args(["-p", "nosuch", "setup", "direnv", "--force"])
        .output();
    forced
        .assert_code(0)
        .assert_stderr_mentions(&["warning: --force", "profile nosuch is not in"]);
    assert!(
        forced.stdout.contains("--region REGION-NOT-SET"),
        "{}",
        forced.stdout
    );
    assert!(!forced.stdout.contains("us-east-1"), "{}", forced.stdout);

    // --write is claude-code's only.
    sb.run()
        .args(["-p", "nosuch", "setup", "direnv", "--write"])
        .output()
        .assert_fails(2, &["--write is for setup claude-code only"]);
}

#[test]
fn setup_carries_the_settings_it_was_given_to_each_consumer() {
    let sb = dev();
    let flags = ["-p", "dev", "--duration", "1h", "--min-remaining", "6m"];

    let unit = sb.run().args(flags).args(["setup", "systemd"]).ok();
    assert!(
        unit.contains("--region eu-west-2 \"--duration\" \"1h\" \"--min-remaining\" \"6m\" write"),
        "{unit}"
    );
    // systemd takes the unit, carried flags and all.
    if let Some(analyze) = tool("systemd-analyze") {
        let runtime = sb.path("run");
        fs::create_dir_all(&runtime).unwrap();
        let file = sb.write("units/bedrock-token-dev.service", &unit);
        assert_unit_accepted(&sb, &analyze, &runtime, &file);
    }
    let sidecar = sb.run().args(flags).args(["setup", "kubernetes"]).ok();
    assert!(
        sidecar.contains(r#""--duration","1h","--min-remaining","6m","write""#),
        "{sidecar}"
    );
    let desktop = sb.run().args(flags).args(["setup", "claude-desktop"]).ok();
    assert!(
        desktop.contains("duration = \"1h\"\nmin_remaining = \"6m\"\n"),
        "{desktop}"
    );

    // Claude Code's helper, run through a shell as Claude Code runs it,
    // hands out a 1-hour key.
    let out = sb
        .run()
        .args(flags)
        .args(["setup", "claude-code", "-q"])
        .ok();
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let helper = doc["apiKeyHelper"].as_str().unwrap();
    assert!(
        helper.ends_with("--region eu-west-2 --duration 1h --min-remaining 6m"),
        "{helper}"
    );
    assert_eq!(expires(&sb.command("sh").args(["-c", helper]).ok()), "3600");

    // fish sources its line and gets the same.
    if let Some(fish) = tool("fish") {
        let snippet = sb.run().args(flags).args(["setup", "fish"]).ok();
        let key = sb
            .command(fish)
            .args([
                "--no-config",
                "-c",
                &format!("{snippet}\nprintf %s $AWS_BEARER_TOKEN_BEDROCK"),
            ])
            .ok();
        assert_eq!(expires(&key), "3600");
    }

    // direnv loads the .envrc setup wrote, and exports a 1-hour key.
    let Some(direnv) = tool("direnv") else { return };
    let project = sb.path("project");
    fs::create_dir_all(&project).unwrap();
    let envrc = sb.run().args(flags).args(["setup", "direnv"]).ok();
    fs::write(project.join(".envrc"), envrc).unwrap();
    let direnv = |args: &[&str]| {
        sb.command(&direnv)
            .env("XDG_CONFIG_HOME", sb.path("xdg-config"))
            .env("XDG_DATA_HOME", sb.path("xdg-data"))
            .args(args)
            .output_in(&project)
    };
    direnv(&["allow", "."]).assert_code(0);
    let out = direnv(&[
        "exec",
        ".",
        "sh",
        "-c",
        "printf %s \"$AWS_BEARER_TOKEN_BEDROCK\"",
    ]);
    out.assert_code(0);
    assert_eq!(expires(&out.stdout), "3600");
}

#[test]
fn setup_claude_code_write_creates_the_file_or_merges_into_it() {
    let sb = dev();
    let settings = sb.home().join(".claude/settings.json");
    // A fresh home: no ~/.claude. The README's command, as written.
    sb.command("sh")
        .args([
            "-c",
            &format!("'{}' -p dev setup claude-code --write", bin()),
        ])
        .ok_with(&["wrote apiKeyHelper and env to", "settings.json"]);
    let doc: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&settings).unwrap()).unwrap();
    assert_eq!(doc["env"]["CLAUDE_CODE_USE_BEDROCK"], "1");
    let helper = doc["apiKeyHelper"].as_str().unwrap();
    assert!(
        sb.command("sh")
            .args(["-c", helper])
            .ok()
            .starts_with("bedrock-api-key-")
    );

    // An existing file keeps every other key, and every other env entry.
    fs::write(
        &settings,
        r#"{"model": "opus", "permissions": {"allow": ["Bash(ls)"]}, "env": {"FOO": "1", "AWS_REGION": "us-west-2"}}"#,
    )
    .unwrap();
    sb.run()
        .args(["-p", "dev", "setup", "claude-code", "--write", "-q"])
        .ok();
    let doc: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&settings).unwrap()).unwrap();
    assert_eq!(doc["model"], "opus");
    assert_eq!(doc["permissions"]["allow"][0], "Bash(ls)");
    assert_eq!(doc["env"]["FOO"], "1");
    assert_eq!(doc["env"]["AWS_REGION"], "eu-west-2");
    assert_eq!(doc["apiKeyHelper"], helper);

    // A file that is not JSON is left as it is.
    fs::write(&settings, "{ not json").unwrap();
    sb.run()
        .args(["-p", "dev", "setup", "claude-code", "--write"])
        .output()
        .assert_fails(1, &["is not valid JSON", "left as it is"]);
    assert_eq!(fs::read_to_string(&settings).unwrap(), "{ not json");

    // Nor is one that is not text.
    fs::write(&settings, b"{\"model\": \"\xff\"}").unwrap();
    sb.run()
        .args(["-p", "dev", "setup", "claude-code", "--write"])
        .output()
        .assert_fails(1, &["could not read", "settings.json"]);
    assert_eq!(fs::read(&settings).unwrap(), b"{\"model\": \"\xff\"}");

    // A FIFO there is refused at once, never opened (which would hang).
    fs::remove_file(&settings).unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(&settings)
            .status()
            .unwrap()
            .success()
    );
    sb.run()
        .args(["-p", "dev", "setup", "claude-code", "--write"])
        .output()
        .assert_fails(
            1,
            &["is not a regular file", "remove it or choose another path"],
        );
    fs::remove_file(&settings).unwrap();

    // A settings file kept in a dotfiles checkout, symlinked: written at
    // its target, the link kept.
    let kept = sb.write("dotfiles/claude-settings.json", r#"{"model": "opus"}"#);
    std::os::unix::fs::symlink(&kept, &settings).unwrap();
    sb.run()
        .args(["-p", "dev", "setup", "claude-code", "--write", "-q"])
        .ok();
    assert!(
        fs::symlink_metadata(&settings)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let doc: serde_json::Value = serde_json::from_str(&fs::read_to_string(&kept).unwrap()).unwrap();
    assert_eq!(doc["model"], "opus");
    assert_eq!(doc["apiKeyHelper"], helper);
}

#[test]
fn a_region_typo_is_refused_with_the_nearest_region_and_nothing_cached() {
    let sb = Sandbox::new();
    sb.run_static()
        .args(["--region", "us-east-one"])
        .output()
        .assert_fails(
            2,
            &["\"us-east-one\" is not an AWS region: did you mean us-east-1?"],
        );
    sb.run_static()
        .env("AWS_REGION", "mars-1")
        .output()
        .assert_fails(2, &["AWS_REGION: \"mars-1\" is not an AWS region"]);
    sb.config("[default]\nregion = eu-central\n");
    sb.run_static()
        .env_remove("AWS_REGION")
        .output()
        .assert_fails(1, &["did you mean eu-central-1?"]);
    assert!(entries(&sb).is_empty(), "nothing cached");
    // A region of a valid shape that is new is accepted.
    let out = sb.run_static().args(["--region", "xx-east-9"]).output();
    out.assert_key(&[]);
}

#[test]
fn usage_errors_have_one_style_and_first_guesses_work() {
    let sb = Sandbox::new();
    let out = sb.run().args(["--format", "json"]).output();
    out.assert_fails(2, &["bedrock-token token --format json"]);
    assert!(
        out.stderr
            .starts_with("bedrock-token: error: unexpected argument '--format' found"),
        "{}",
        out.stderr
    );
    for args in [&["--bogus"][..], &["--duration", "13h"], &["setup"]] {
        let out = sb.run().args(args).output();
        out.assert_code(2);
        assert!(
            out.stderr.starts_with("bedrock-token: error: "),
            "{args:?}: {}",
            out.stderr
        );
    }
    for shell in ["bash", "zsh"] {
        let out = sb.run_static().args(["env", "--shell", shell]).ok();
        assert!(
            out.contains("export AWS_BEARER_TOKEN_BEDROCK='bedrock-api-key-"),
            "{out}"
        );
    }
    // exec takes the command with or without `--`.
    for args in [
        &["exec", "sh", "-c", "printf %s \"$AWS_REGION\""][..],
        &["exec", "--", "sh", "-c", "printf %s \"$AWS_REGION\""],
    ] {
        assert_eq!(sb.run_static().args(args).ok(), "us-east-1", "{args:?}");
    }
}

#[test]
fn each_commands_help_is_short_with_its_own_options_first_and_examples() {
    let sb = Sandbox::new();
    let commands: &[&[&str]] = &[
        &["token"],
        &["inspect"],
        &["env"],
        &["exec"],
        &["write"],
        &["credential-process"],
        &["cache"],
        &["cache", "list"],
        &["setup"],
        &["verify"],
        &["doctor"],
        &["key"],
        &["key", "list"],
        &["completions"],
    ];
    for command in commands {
        let help = sb.run().args(*command).arg("--help").ok();
        let lines = help.lines().count();
        assert!(lines <= 40, "{command:?}: {lines} lines\n{help}");
        if command.len() == 1 {
            assert!(help.contains("\nExamples:\n"), "{command:?}\n{help}");
        }
        if let Some(global) = help.find("Global options:") {
            let own = help.find("Options:").unwrap();
            assert!(own < global, "{command:?}: own options first\n{help}");
        }
    }
    for command in [&["key", "list"][..], &["cache", "list"]] {
        let help = sb.run().args(command).arg("--help").ok();
        for hidden in ["--duration", "--refresh", "--lock-timeout"] {
            assert!(!help.contains(hidden), "{command:?} lists {hidden}\n{help}");
        }
    }
    let env_help = sb.run().args(["env", "--help"]).ok();
    assert!(env_help.find("--no-region").unwrap() < env_help.find("--profile").unwrap());
    let top = sb.run().arg("--help").ok();
    for needle in [
        "AWS_PROFILE",
        "BEDROCK_TOKEN_CONFIG",
        "BEDROCK_TOKEN_CACHE_DIR",
        "config.toml",
    ] {
        assert!(top.contains(needle), "{needle}\n{top}");
    }
}

#[test]
fn inspect_from_stdin_prompts_at_a_terminal_and_says_when_nothing_was_read() {
    let sb = Sandbox::new();
    sb.run()
        .args(["inspect", "-"])
        .stdin("")
        .output()
        .assert_fails(1, &["nothing was read from stdin"]);
    // At a terminal (a pseudo-terminal from script(1)), it says it waits.
    let Some(script) = tool("script") else { return };
    let out = sb
        .command(script)
        .args(["-qec", &format!("'{}' inspect -", bin()), "/dev/null"])
        .output();
    assert!(
        out.stdout.contains("waiting for a key on stdin")
            && out.stdout.contains("nothing was read from stdin"),
        "{out:?}"
    );
}

#[test]
fn a_wait_for_another_process_says_so_once_and_a_hit_says_nothing() {
    let sb = Sandbox::new();
    sb.run_static().ok();
    // A cache hit adds nothing to stderr.
    sb.run_static().ok();
    let _held = hold_lock(&key_lock(&sb.cache_dir()));
    let out = sb
        .run_static()
        .args(["--refresh", "--lock-timeout", "1"])
        .output();
    let note =
        "note: waiting for another bedrock-token making the key for profile default, up to 1s";
    assert_eq!(out.stderr.matches(note).count(), 1, "{}", out.stderr);
    assert!(!out.stderr.contains("bedrock-api-key-"), "no secret");
}

#[test]
fn verify_says_it_asks_bedrock_at_a_terminal_only() {
    let sb = Sandbox::new();
    // Nothing listens on the discard port: an answer at once.
    let run = || {
        sb.run_static()
            .env("AWS_ENDPOINT_URL_BEDROCK", "http://127.0.0.1:9")
    };
    let piped = run().arg("verify").output();
    piped.assert_code(1);
    assert_eq!(piped.stderr, "", "no note into a pipe or log");
    let Some(script) = tool("script") else { return };
    let out = run()
        .cmd
        .get_envs()
        .fold(sb.command(script), |c, (k, v)| match v {
            Some(v) => c.env(k.to_str().unwrap(), v),
            None => c,
        })
        .args(["-qec", &format!("'{}' verify", bin()), "/dev/null"])
        .output();
    let note = "bedrock-token: note: asking Bedrock whether the key works: GET http://127.0.0.1:9/foundation-models";
    assert_eq!(out.stdout.matches(note).count(), 1, "{out:?}");
    assert!(!out.stdout.contains("bedrock-api-key-"), "no secret");
}

#[test]
fn doctor_says_only_what_it_checked() {
    // No AWS files: notes, not `ok`, for what is not there.
    let sb = Sandbox::new();
    fs::remove_dir(sb.home().join(".aws")).unwrap();
    let out = sb.run().arg("doctor").output();
    out.assert_code(1);
    for line in out.stdout.lines().filter(|l| l.starts_with("ok")) {
        assert!(!line.contains(".aws/"), "{line}\n{}", out.stdout);
    }
    assert!(out.stdout.contains("note     ") && out.stdout.contains(".aws/config does not exist"));
    assert!(!out.stdout.contains("shadow"), "{}", out.stdout);
    assert!(
        out.stdout.contains("did not try to make a key"),
        "{}",
        out.stdout
    );

    // Every credential_process is split and checked, not only ours.
    let sb = Sandbox::new();
    let tools = sb.path("My Tools");
    fs::create_dir_all(&tools).unwrap();
    let creds = sb.script("My Tools/creds.sh", "echo {}");
    sb.config(&format!(
        "[profile spaced]\ncredential_process = {creds} --json\n\
         [profile missing]\ncredential_process = /opt/nope/get-creds\n\
         [profile selfref]\ncredential_process = {bin} credential-process --profile selfref\n\
         [profile quoted]\ncredential_process = '{creds}' --json\n\
         [profile dev]\nregion = eu-west-2\n",
        creds = creds.display(),
        bin = bin()
    ));
    let out = sb.run().args(["doctor", "-p", "dev"]).output();
    out.assert_code(1);
    for needle in [
        format!(
            "PROBLEM  profile spaced: credential_process splits (by shell rules, as botocore and the AWS SDKs do) into program {}/My, which is not an executable file; fix: {} holds a space: put it in single quotes",
            sb.path("").display().to_string().trim_end_matches('/'),
            creds.display()
        ),
        "PROBLEM  profile missing: credential_process splits (by shell rules, as botocore and the AWS SDKs do) into program /opt/nope/get-creds, which is not an executable file; fix: install it, or correct the path".into(),
        "PROBLEM  profile selfref: credential_process runs bedrock-token for profile selfref itself".into(),
        format!("ok       profile quoted: credential_process runs {}", creds.display()),
    ] {
        assert!(out.stdout.contains(&needle), "{needle}\n{}", out.stdout);
    }
}

#[test]
fn inspect_shows_the_lifetime_the_signing_credentials_allow() {
    let sb = Sandbox::new();
    counting_profile(&sb, "0", 3600);
    // stderr warns that the credentials cannot meet --min-remaining's
    // margin for 12 hours; stdout is the report.
    let out = sb.run().args(["-p", "slow", "inspect"]).output();
    out.assert_code(0);
    let out = out.stdout;
    let line = out.lines().find(|l| l.starts_with("lifetime:")).unwrap();
    assert!(
        line.ends_with("(asked for 12h; the credentials that signed it expire first)")
            && (line.contains(" 1h ") || line.contains(" 59m")),
        "{out}"
    );
}

/// Without the bash-completion package nothing loads the directory that
/// `completions bash --install` writes to: it says so, and how to load the
/// script instead, and that advice works in a bash with no package. (A
/// mount namespace of the test's own hides the package.)
#[cfg(target_os = "linux")]
#[test]
fn completions_install_says_how_to_load_bash_completions_without_the_package() {
    let sb = Sandbox::new();
    // Where the package is installed, no advice.
    let out = sb.run().args(["completions", "bash", "--install"]).output();
    out.assert_code(0);
    if std::path::Path::new("/usr/share/bash-completion/bash_completion").is_file() {
        assert!(!out.stderr.contains("not installed"), "{}", out.stderr);
    }
    let script = sb
        .home()
        .join(".local/share/bash-completion/completions/bedrock-token");
    let hide = format!(
        r#"mount -t tmpfs none /usr/share/bash-completion 2>/dev/null || [ ! -e /usr/share/bash-completion ] || exit 97
if [ -e /etc/bash_completion ]; then mount --bind /dev/null /etc/bash_completion || exit 97; fi
'{bin}' completions bash --install || exit
source '{script}' || exit
func=$(complete -p bedrock-token | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
COMP_WORDS=(bedrock-token key cr); COMP_CWORD=2; COMP_LINE='bedrock-token key cr'; COMP_POINT=20
"$func" bedrock-token cr key && printf '%s|' "${{COMPREPLY[@]}}""#,
        bin = bin(),
        script = script.display()
    );
    let out = sb
        .command("unshare")
        .args(["-m", "bash", "--norc", "-c", &hide])
        .output();
    if out.code == 97 || out.stderr.contains("unshare:") {
        skip_or_fail(&format!("no mount namespace here: {}", out.stderr));
        return;
    }
    out.assert_code(0).assert_stderr_mentions(&[
        "only the bash-completion package loads that directory, and it is not installed",
        "apt install bash-completion",
        &format!("or add to ~/.bashrc: source {}", script.display()),
    ]);
    assert_eq!(out.stdout, "create|", "the script works once sourced");
}

/// bash-completion's own loader finds what `completions bash --install`
/// wrote; the completion function then runs as bash runs it on TAB.
#[test]
fn bash_completes_subcommands_options_and_values_through_bash_completion() {
    let loader = "/usr/share/bash-completion/bash_completion";
    if !std::path::Path::new(loader).is_file() {
        skip_or_fail("the bash-completion package is not installed: run scripts/test-deps.sh");
        return;
    }
    let sb = Sandbox::new();
    sb.run()
        .args(["completions", "bash", "--install"])
        .ok_with(&["wrote"]);
    let script = format!(
        r#"source {loader}
__load_completion bedrock-token || exit 3
func=$(complete -p bedrock-token | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
comp() {{
    COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
    COMP_LINE="$*"; COMP_POINT=${{#COMP_LINE}}; COMPREPLY=()
    "$func" bedrock-token "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
    printf '%s|' "${{COMPREPLY[@]}}"; echo
}}
comp bedrock-token se
comp bedrock-token key cr
comp bedrock-token env --sh
comp bedrock-token env --shell ''
comp bedrock-token setup cl
comp bedrock-token --profile dev setup sys
"#
    );
    let out = sb.command("bash").args(["--norc", "-c", &script]).ok();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "setup|",
            "create|",
            "--shell|",
            "sh|fish|powershell|cmd|dotenv|",
            "claude-code|claude-desktop|",
            "systemd|",
        ],
        "{out}"
    );
}

#[test]
fn fish_completes_setup_targets_and_option_values() {
    let Some(fish) = tool("fish") else { return };
    let sb = Sandbox::new();
    sb.run()
        .args(["completions", "fish", "--install"])
        .ok_with(&["wrote"]);
    let complete = |line: &str| -> Vec<String> {
        // fish loads a command's completions once the command is on PATH.
        let dir = std::path::Path::new(bin()).parent().unwrap();
        let path = format!(
            "{}:{}",
            dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        sb.command(&fish)
            .env("PATH", path)
            .args(["-c", &format!("complete -C '{line}'")])
            .ok()
            .lines()
            .map(|l| l.split('\t').next().unwrap().to_string())
            .collect()
    };
    assert!(complete("bedrock-token setup clau").contains(&"claude-code".to_string()));
    assert!(complete("bedrock-token completions ba").contains(&"bash".to_string()));
    assert!(complete("bedrock-token env --shell ").contains(&"fish".to_string()));
    assert!(complete("bedrock-token key cr").contains(&"create".to_string()));
}

trait InDir {
    fn output_in(self, dir: &std::path::Path) -> Out;
}

impl InDir for Run {
    fn output_in(mut self, dir: &std::path::Path) -> Out {
        self.cmd.current_dir(dir);
        self.output()
    }
}
