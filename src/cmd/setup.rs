//! `bedrock-token setup TARGET`: a ready snippet for each consumer, filled
//! with the current profile, region, the settings given that differ from
//! the defaults, and this binary's absolute path. It prints only what was
//! resolved: a profile that does not exist, or no region, is the error the
//! key command gives (`--force` prints anyway, with a warning).

use super::Outcome;
use crate::cli::{Global, SetupArgs, SetupTarget};
use crate::duration::format_secs;
use crate::error::with_hint;
use crate::output::quote::{
    command_word, fish_quote, ps_quote, sh_quote, sh_word, systemd_in_quotes, systemd_word,
    unit_escape, win_word,
};
use crate::settings::{CacheDir, Settings};
use anyhow::{Context, Result};
use serde_json::json;

/// Stands in for the region under `--force` when there is none: not a
/// region, so the consumer fails with a clear error rather than a guess.
const NO_REGION: &str = "REGION-NOT-SET";

pub fn run(s: &Settings, g: &Global, args: &SetupArgs) -> Result<Outcome> {
    let target = args.target;
    if cfg!(windows) && target == SetupTarget::Systemd {
        return Err(crate::error::usage(
            "setup systemd writes a systemd user unit, which Windows has no use for: to keep a key fresh there, have Task Scheduler run `bedrock-token write PATH --watch` at logon",
        ));
    }
    if cfg!(target_os = "macos") && target == SetupTarget::Systemd {
        return Err(crate::error::usage(
            "setup systemd writes a systemd user unit, which macOS has no use for: to keep a key fresh there, have a launchd agent (~/Library/LaunchAgents, RunAtLoad and KeepAlive) run `bedrock-token write PATH --watch`",
        ));
    }
    if args.write && target != SetupTarget::ClaudeCode {
        return Err(crate::error::usage(
            "--write is for setup claude-code only: redirect the other snippets where they belong",
        ));
    }
    let region = match resolved(s, target) {
        Ok(region) => region,
        Err(e) if args.force => {
            crate::ui::line(&format!(
                "warning: --force: printing a snippet that will not work as it is: {e:#}"
            ));
            s.request.region().unwrap_or(NO_REGION).to_string()
        }
        Err(e) => return Err(e),
    };
    let region = region.as_str();
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "bedrock-token".into());
    let profile = &s.request.profile;
    let extra = carried(s, g)?;
    let sh_extra = words(&extra, sh_word);
    let sh_base = format!(
        "{} --profile {} --region {region}{sh_extra}",
        sh_quote(&exe),
        sh_quote(profile),
    );
    // The command in this platform's shell: sh, or PowerShell on Windows.
    let ps_extra = words(&extra, ps_quote);
    let base = if cfg!(windows) {
        format!(
            "& {} --profile {} --region {region}{ps_extra}",
            ps_quote(&exe),
            ps_quote(profile),
        )
    } else {
        sh_base.clone()
    };
    // A command line for consumers that split it themselves: by shell rules
    // on Unix, by Windows rules on Windows (see `command_word`).
    // The path is always double-quoted on Windows, where paths with spaces
    // are the rule (`C:\Program Files\...`).
    let exe_word = if cfg!(windows) {
        win_word(&exe)
    } else {
        command_word(&exe)
    };
    // cmd.exe, which runs these lines on Windows, expands `%NAME%` even
    // between double quotes, and nothing escapes it there.
    if cfg!(windows) && exe.contains('%') {
        crate::ui::warn(&format!(
            "{exe} holds '%', which cmd.exe may expand when it runs these lines: install bedrock-token under a path without '%'"
        ));
    }
    let cmd_extra = words(&extra, command_word);
    let helper = |args: &str| {
        format!(
            "{exe_word} {args} --profile {}{cmd_extra}",
            command_word(profile)
        )
    };
    // A file for opencode to read the key from.
    let key_file = if cfg!(windows) {
        match &s.cache {
            crate::settings::CacheDir::Dir(d) => d.join("opencode.key").display().to_string(),
            _ => r"%LOCALAPPDATA%\bedrock-token\cache\opencode.key".to_string(),
        }
    } else {
        "~/.cache/bedrock-token/opencode.key".to_string()
    };
    let text = match target {
        SetupTarget::Direnv => format!(
            "# .envrc: direnv exports a fresh key on entering the directory\n\
             # (and when the AWS config or credentials file in use changes).\n\
             watch_file {} {}\n\
             eval \"$({sh_base} env)\"\n",
            sh_quote(&s.request.paths.config.display().to_string()),
            sh_quote(&s.request.paths.credentials.display().to_string()),
        ),
        SetupTarget::Fish => format!(
            "# ~/.config/fish/config.fish\n\
             {} --profile {} --region {region}{} env --shell fish | source\n",
            fish_quote(&exe),
            fish_quote(profile),
            words(&extra, fish_quote),
        ),
        SetupTarget::Powershell => format!(
            "# Add to $PROFILE\n\
             & {} --profile {} --region {region}{ps_extra} env --shell powershell | Out-String | Invoke-Expression\n",
            ps_quote(&exe),
            ps_quote(profile),
        ),
        SetupTarget::AwsConfig => format!(
            "# {}: a profile whose credentials come from {profile}, cached by bedrock-token\n\
             [profile {profile}-cached]\n\
             credential_process = {}\n\
             region = {region}\n",
            if cfg!(windows) {
                r"%USERPROFILE%\.aws\config"
            } else {
                "~/.aws/config"
            },
            helper("credential-process")
        ),
        SetupTarget::ClaudeCode => {
            // Claude Code runs the helper through a shell, so its command
            // line is shell words; the explanation goes to stderr so that
            // stdout is the JSON object alone, ready to merge with jq.
            let ttl = helper_ttl_secs(s.min_remaining);
            let doc = json!({
                "apiKeyHelper": format!(
                    "{exe_word} --profile {} --region {region}{cmd_extra}",
                    command_word(profile)
                ),
                "env": {
                    "CLAUDE_CODE_USE_BEDROCK": "1",
                    "CLAUDE_CODE_SKIP_BEDROCK_AUTH": "1",
                    "AWS_REGION": region,
                    "AWS_BEARER_TOKEN_BEDROCK": "",
                    "CLAUDE_CODE_API_KEY_HELPER_TTL_MS": (ttl * 1000).to_string(),
                },
            });
            if args.write {
                let path = write_claude_settings(&doc)?;
                crate::ui::note(&format!(
                    "wrote apiKeyHelper and env to {} (other settings kept)",
                    path.display()
                ));
                return Ok(Outcome::Success);
            }
            crate::ui::comment(&format!(
                "# ~/.claude/settings.json: stdout is this JSON object alone. To merge it into\n\
                 # that file (created with its directory, other settings kept):\n\
                 # bedrock-token setup claude-code --write{}\n\
                 # Claude Code runs apiKeyHelper for its Bedrock key and sends it as a bearer\n\
                 # token (CLAUDE_CODE_SKIP_BEDROCK_AUTH: no AWS credentials of its own). It runs\n\
                 # the helper again once CLAUDE_CODE_API_KEY_HELPER_TTL_MS ({}) has passed;\n\
                 # bedrock-token hands out its cached key while {} of life remains\n\
                 # (--min-remaining), so the key Claude Code sends has {} or more left.\n\
                 # AWS_BEARER_TOKEN_BEDROCK is emptied: an inherited key (shell, direnv, exec)\n\
                 # would win over the helper, and expire mid-session.\n\
                 # For one short session instead: {base} exec -- claude\n",
                words(&setup_flags(s, &extra), sh_word),
                format_secs(ttl),
                format_secs(s.min_remaining),
                format_secs(s.min_remaining.saturating_sub(ttl)),
            ));
            format!("{}\n", serde_json::to_string_pretty(&doc)?)
        }
        SetupTarget::ClaudeDesktop => format!(
            "# Claude Desktop runs the helper with no arguments: put the settings in\n\
             # {}\n\
             profile = {}\n\
             region = \"{region}\"\n{}\
             \n\
             # and point inferenceCredentialHelper at the binary:\n{}\n",
            crate::settings::config_path()
                .ok()
                .flatten()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "~/.config/bedrock-token/config.toml".into()),
            // A JSON string is a TOML basic string.
            serde_json::to_string(profile)?,
            config_lines(&extra)?,
            serde_json::to_string_pretty(&json!({ "inferenceCredentialHelper": exe }))?
        ),
        SetupTarget::Opencode => format!(
            "# opencode reads AWS_BEARER_TOKEN_BEDROCK: start it through bedrock-token\n\
             {base} exec -- opencode\n\
             \n\
             # or keep the key in a file and reference it from opencode.json:\n\
             {base} write {}\n{}\n",
            ps_or_sh(&key_file),
            serde_json::to_string_pretty(&json!({
                "provider": { "amazon-bedrock": { "options": {
                    "region": region,
                    "apiKey": format!("{{file:{key_file}}}")
                } } }
            }))?
        ),
        SetupTarget::Zed => format!(
            "# Zed reads ZED_BEDROCK_BEARER_TOKEN at start: launch it through bedrock-token\n\
             {base} exec --var ZED_BEDROCK_BEARER_TOKEN -- zed\n\
             \n\
             # settings.json\n{}\n",
            serde_json::to_string_pretty(&json!({
                "language_models": { "bedrock": { "authentication_method": "api_key", "region": region } }
            }))?
        ),
        SetupTarget::LongTermKey => format!(
            "# A Bedrock long-term API key, shown once: write it straight to a file\n\
             # (mode 0600), so it never passes through a terminal or a shell history.\n\
             mkdir -p -m 700 ~/.config/bedrock-token\n\
             {base} key create --expires 30 --write ~/.config/bedrock-token/bedrock.key\n\
             \n\
             # Consumers that read a file: point them at it, e.g. opencode.json\n{}\n\
             \n\
             # Consumers that read AWS_BEARER_TOKEN_BEDROCK: set it from the file as\n\
             # the program starts, never typed or exported in your shell:\n\
             sh -c 'AWS_BEARER_TOKEN_BEDROCK=$(cat ~/.config/bedrock-token/bedrock.key) exec claude'\n\
             \n\
             # Before it expires (bedrock-token key list flags it a week ahead), rotate:\n\
             # the new key goes to the same file, then the old one is deactivated.\n\
             {base} key rotate --expires 30 --write ~/.config/bedrock-token/bedrock.key\n",
            serde_json::to_string_pretty(&json!({
                "provider": { "amazon-bedrock": { "options": {
                    "region": region,
                    "apiKey": "{file:~/.config/bedrock-token/bedrock.key}"
                } } }
            }))?
        ),
        SetupTarget::Systemd => systemd_unit(&exe, profile, region, &extra)?,
        SetupTarget::Kubernetes => kubernetes_sidecar(region, &extra),
        SetupTarget::Proxy => proxy_unit(&exe, profile, region, &extra)?,
    };
    super::print(&text)
}

/// A path as an argument in this platform's shell.
fn ps_or_sh(path: &str) -> String {
    if cfg!(windows) {
        ps_quote(path)
    } else {
        path.to_string()
    }
}

/// How often Claude Code should re-run the helper: a third of the time a
/// cached key still has when bedrock-token hands it out, at most Claude
/// Code's default of 5 minutes, at least a second. Each key Claude Code
/// holds then has two thirds of `min_remaining` left when it asks again.
fn helper_ttl_secs(min_remaining: u64) -> u64 {
    (min_remaining / 3).clamp(1, 5 * 60)
}

/// The user id systemd names the runtime directory by.
fn uid() -> String {
    #[cfg(unix)]
    // SAFETY: getuid cannot fail.
    return unsafe { libc::getuid() }.to_string();
    #[cfg(not(unix))]
    return "$UID".to_string();
}

/// A systemd user unit keeping the profile's key fresh in a file under
/// `$XDG_RUNTIME_DIR` (a per-user tmpfs), for programs that run for days.
fn systemd_unit(exe: &str, profile: &str, region: &str, extra: &[Flag]) -> Result<String> {
    let unit = format!("bedrock-token-{}.service", unit_escape(profile));
    let file = format!("{}.key", profile.replace('/', "_"));
    let runtime_dir = runtime_dir();
    let exec = format!(
        "{} --profile {} --region {region}{} write \"%t/bedrock-token/{}\" --watch",
        systemd_program(exe)?,
        systemd_word(profile),
        words(extra, systemd_word),
        systemd_in_quotes(&file),
    );
    Ok(format!(
        "# ~/.config/systemd/user/{unit}\n\
         # Keeps a fresh key for AWS profile {profile} in {runtime_dir}/bedrock-token/{file}\n\
         # (%t/bedrock-token/{file} below): point your program at that file.\n\
         # Then: systemctl --user daemon-reload && systemctl --user enable --now {unit_word}\n\
         # (systemctl --user reload {unit_word} renews the key at once.)\n\
         {}",
        user_unit(
            &format!("Amazon Bedrock key for AWS profile {profile}"),
            &exec,
            "ExecReload=/bin/kill -HUP $MAINPID\n",
            30
        ),
        unit_word = sh_word(&unit),
    ))
}

/// `$XDG_RUNTIME_DIR` as systemd names it (`%t`), for the comments.
fn runtime_dir() -> String {
    crate::environment::env("XDG_RUNTIME_DIR")
        .ok()
        .flatten()
        .filter(|d| !d.chars().any(char::is_control))
        .unwrap_or_else(|| format!("/run/user/{}", uid()))
}

/// A user unit running `exec` (an `ExecStart=` line, quoted already) in
/// the private runtime directory `%t/bedrock-token`, restarted on failure.
fn user_unit(description: &str, exec: &str, extra: &str, restart_secs: u32) -> String {
    format!(
        "[Unit]\n\
         Description={}\n\
         \n\
         [Service]\n\
         Type=exec\n\
         RuntimeDirectory=bedrock-token\n\
         RuntimeDirectoryMode=0700\n\
         RuntimeDirectoryPreserve=yes\n\
         ExecStart={exec}\n\
         {extra}\
         Restart=on-failure\n\
         RestartSec={restart_secs}\n\
         \n\
         [Install]\n\
         WantedBy=default.target\n",
        description.replace('%', "%%"),
    )
}

/// The program of a systemd `ExecStart=` line: double-quoted with `%`
/// doubled. systemd expands no variables there (a `$` stays as it is), and
/// refuses a program path holding `"`, `'`, `\` or a control character.
fn systemd_program(exe: &str) -> Result<String> {
    if exe.chars().any(|c| "\"'\\".contains(c) || c.is_control()) {
        return Err(with_hint(
            format!(
                "systemd cannot run a program whose path holds a quote, an apostrophe, a backslash or a control character: {exe:?}"
            ),
            "install bedrock-token elsewhere (./install.sh --prefix DIR) and run its setup systemd",
        ));
    }
    Ok(format!("\"{}\"", exe.replace('%', "%%")))
}

/// A systemd user unit running `proxy` (on Windows, the Task Scheduler
/// line), and what each consumer sets to use it.
fn proxy_unit(exe: &str, profile: &str, region: &str, extra: &[Flag]) -> Result<String> {
    let port = crate::proxy::DEFAULT_PORT;
    let unit = format!("bedrock-token-proxy-{}.service", unit_escape(profile));
    let dir = if cfg!(windows) {
        r"%LOCALAPPDATA%\bedrock-token\cache".to_string()
    } else {
        format!("{}/bedrock-token", runtime_dir())
    };
    let sep = if cfg!(windows) { '\\' } else { '/' };
    let service = if cfg!(windows) {
        format!(
            "# Have Task Scheduler run at logon:\n#   {} --profile {} --region {region}{} proxy\n",
            win_word(exe),
            win_word(profile),
            words(extra, win_word)
        )
    } else {
        let exec = format!(
            "{} --profile {} --region {region}{} proxy --listen 127.0.0.1:{port}",
            systemd_program(exe)?,
            systemd_word(profile),
            words(extra, systemd_word),
        );
        format!(
            "# ~/.config/systemd/user/{unit}\n\
             # A loopback gateway to Amazon Bedrock for AWS profile {profile}: programs that\n\
             # read their key once keep working for as long as they run.\n\
             # Then: systemctl --user daemon-reload && systemctl --user enable --now {unit_word}\n\
             {}",
            user_unit(
                &format!("Amazon Bedrock gateway for AWS profile {profile}"),
                &exec,
                "",
                5
            ),
            unit_word = sh_word(&unit),
        )
    };
    let cred = format!("{dir}{sep}proxy-{port}.credential");
    let bundle = format!("{dir}{sep}proxy-{port}-ca-bundle.pem");
    let ca = format!("{dir}{sep}proxy-{port}-ca.pem");
    Ok(format!(
        "{service}\n\
         # What each consumer sets; KEY is the content of {cred}\n\
         # (a local credential, worthless anywhere but this gateway):\n\
         #   boto3 / botocore (LangChain, LiteLLM), AWS SDK for Go v2 (HTTPS only):\n\
         #     AWS_ENDPOINT_URL_BEDROCK_RUNTIME=https://127.0.0.1:{port} AWS_ENDPOINT_URL_BEDROCK=https://127.0.0.1:{port}\n\
         #     AWS_CA_BUNDLE={bundle} AWS_BEARER_TOKEN_BEDROCK=KEY\n\
         #   AWS SDK for JavaScript v3 (HTTP/2): AWS_ENDPOINT_URL_BEDROCK_RUNTIME=http://127.0.0.1:{port}\n\
         #     AWS_BEARER_TOKEN_BEDROCK=KEY AWS_AUTH_SCHEME_PREFERENCE=httpBearerAuth\n\
         #     (or https://127.0.0.1:{port} with NODE_EXTRA_CA_CERTS={ca})\n\
         #   Anthropic AnthropicBedrock, Claude Code: ANTHROPIC_BEDROCK_BASE_URL=http://127.0.0.1:{port} AWS_BEARER_TOKEN_BEDROCK=KEY\n\
         #   openai-python, openai-node: OPENAI_BASE_URL=http://127.0.0.1:{port}/openai/v1 OPENAI_API_KEY=KEY\n\
         # Or start any of them with all of this set: bedrock-token proxy exec -- CMD\n"
    ))
}

/// A sidecar container and its shared `emptyDir`, for a pod whose AWS
/// identity the credential chain finds in its environment: IRSA (web
/// identity) or EKS Pod Identity (container credentials).
fn kubernetes_sidecar(region: &str, extra: &[Flag]) -> String {
    let mut args = vec![
        "--region".to_string(),
        region.to_string(),
        "--no-cache".into(),
    ];
    // The pod has no profile, and the sidecar no cache: only the key's own
    // settings carry over.
    for flag in extra {
        if matches!(flag.name, "--duration" | "--min-remaining") {
            args.extend(flag.words());
        }
    }
    args.extend(["write", "/var/run/bedrock-token/key", "--watch"].map(String::from));
    let args = serde_json::to_string(&args).expect("strings serialize");
    format!(
        "# Merge into your pod's spec. The pod's AWS identity comes from IRSA\n\
         # (AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE) or EKS Pod Identity\n\
         # (AWS_CONTAINER_CREDENTIALS_FULL_URI), injected into each container;\n\
         # the sidecar keeps a fresh key in /var/run/bedrock-token/key (in memory,\n\
         # mode 0600: run your container as the same user). It is the only\n\
         # caller, so it needs no cache. The image must hold bedrock-token.\n\
         containers:\n\
         \x20 - name: bedrock-token\n\
         \x20   image: bedrock-token:{version}\n\
         \x20   command: [\"bedrock-token\"]\n\
         \x20   args: {args}\n\
         \x20   securityContext:\n\
         \x20     runAsUser: 65532\n\
         \x20     runAsNonRoot: true\n\
         \x20     allowPrivilegeEscalation: false\n\
         \x20     readOnlyRootFilesystem: true\n\
         \x20   resources:\n\
         \x20     requests: {{cpu: 5m, memory: 16Mi}}\n\
         \x20   volumeMounts:\n\
         \x20     - name: bedrock-token\n\
         \x20       mountPath: /var/run/bedrock-token\n\
         \x20 - name: app  # your program: it reads /var/run/bedrock-token/key\n\
         \x20   image: your-image\n\
         \x20   securityContext:\n\
         \x20     runAsUser: 65532\n\
         \x20   volumeMounts:\n\
         \x20     - name: bedrock-token\n\
         \x20       mountPath: /var/run/bedrock-token\n\
         \x20       readOnly: true\n\
         volumes:\n\
         \x20 - name: bedrock-token\n\
         \x20   emptyDir:\n\
         \x20     medium: Memory\n\
         \x20     sizeLimit: 1Mi\n",
        version = env!("CARGO_PKG_VERSION"),
    )
}

/// What the snippet is for must exist: the profile (unless it is the
/// implicit `default`, whose credentials may come from elsewhere) and a
/// region. The errors are the key command's. A pod's sidecar has no
/// profile: only its region is checked.
fn resolved(s: &Settings, target: SetupTarget) -> Result<String> {
    if target != SetupTarget::Kubernetes {
        let files = crate::awsfiles::Files::load(&s.request.paths);
        crate::provide::check_profile_exists(&s.request, &files)?;
    }
    Ok(s.request.region()?.to_string())
}

/// A setting carried into a snippet: the flag and its value, if any.
pub struct Flag {
    name: &'static str,
    value: Option<String>,
}

impl Flag {
    fn words(&self) -> impl Iterator<Item = String> + '_ {
        std::iter::once(self.name.to_string()).chain(self.value.clone())
    }
}

/// The settings that differ from the defaults, as flags, so the consumer
/// gets what `setup` was asked for. Profile and region are always written
/// out; `-v`, `-q` and `--refresh` are about this run only.
fn carried(s: &Settings, g: &Global) -> Result<Vec<Flag>> {
    use crate::settings::{DEFAULT_LOCK_TIMEOUT, DEFAULT_LOGIN_TIMEOUT, default_min_remaining};
    let mut flags = Vec::new();
    let mut push = |name, value: Option<String>| flags.push(Flag { name, value });
    if s.duration != crate::token::MAX_LIFETIME_SECS {
        push("--duration", Some(format_secs(s.duration)));
    }
    if s.min_remaining != default_min_remaining(s.duration) {
        push("--min-remaining", Some(format_secs(s.min_remaining)));
    }
    match &s.cache {
        CacheDir::Off => push("--no-cache", None),
        CacheDir::Dir(dir)
            if g.cache_dir.is_some()
                || crate::environment::env("BEDROCK_TOKEN_CACHE_DIR")?.is_some() =>
        {
            push("--cache-dir", Some(dir.display().to_string()));
        }
        _ => {}
    }
    if s.lock_timeout != DEFAULT_LOCK_TIMEOUT {
        push("--lock-timeout", Some(format_secs(s.lock_timeout)));
    }
    if s.login_timeout != DEFAULT_LOGIN_TIMEOUT {
        push("--login-timeout", Some(format_secs(s.login_timeout)));
    }
    if g.login {
        push("--login", None);
    }
    Ok(flags)
}

/// ` --flag value ...`, each word quoted by `quote`; empty for none.
fn words(flags: &[Flag], quote: fn(&str) -> String) -> String {
    flags
        .iter()
        .flat_map(Flag::words)
        .map(|w| format!(" {}", quote(&w)))
        .collect()
}

/// The flags that repeat this `setup` run's own settings: the profile and
/// region as resolved, then the carried ones.
fn setup_flags<'a>(s: &'a Settings, extra: &'a [Flag]) -> Vec<Flag> {
    let mut flags = vec![Flag {
        name: "--profile",
        value: Some(s.request.profile.clone()),
    }];
    if let Some(region) = &s.request.region {
        flags.push(Flag {
            name: "--region",
            value: Some(region.clone()),
        });
    }
    flags.extend(extra.iter().map(|f| Flag {
        name: f.name,
        value: f.value.clone(),
    }));
    flags
}

/// The config file's lines for the carried settings (Claude Desktop runs
/// the helper with no arguments); a comment for those it has no key for.
fn config_lines(extra: &[Flag]) -> Result<String> {
    let mut out = String::new();
    for flag in extra {
        let value = serde_json::to_string(flag.value.as_deref().unwrap_or_default())?;
        match flag.name {
            "--duration" => out.push_str(&format!("duration = {value}\n")),
            "--min-remaining" => out.push_str(&format!("min_remaining = {value}\n")),
            "--cache-dir" => out.push_str(&format!("cache_dir = {value}\n")),
            "--login" => out.push_str("auto_login = true\n"),
            other => out.push_str(&format!(
                "# {other} has no config-file key: Claude Desktop runs bedrock-token without it\n"
            )),
        }
    }
    Ok(out)
}

/// Claude Code's user settings file: `$CLAUDE_CONFIG_DIR/settings.json`,
/// else `~/.claude/settings.json`.
fn claude_settings_path() -> Result<std::path::PathBuf> {
    use std::path::PathBuf;
    if let Some(dir) = crate::environment::env("CLAUDE_CONFIG_DIR")?.filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("settings.json"));
    }
    let home = crate::environment::home()?.ok_or_else(|| {
        crate::error::usage("--write needs HOME (or CLAUDE_CONFIG_DIR) set to an absolute path")
    })?;
    Ok(PathBuf::from(home).join(".claude").join("settings.json"))
}

/// Merges `ours` (apiKeyHelper, env) into Claude Code's settings file:
/// every other key, and every other `env` entry, is kept. The directory and
/// file are created when missing; a symlinked file (dotfiles) is replaced
/// at its target; a file that is not a JSON object is left alone.
fn write_claude_settings(ours: &serde_json::Value) -> Result<std::path::PathBuf> {
    let path = claude_settings_path()?;
    let path = match std::fs::symlink_metadata(&path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(&path)
            .with_context(|| format!("{} is a symbolic link to nothing", path.display()))?,
        _ => path,
    };
    let dir = path.parent().expect("a settings path has a directory");
    std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    let meta = crate::fsutil::check_target(&path)?;
    let mut doc = match &meta {
        None => json!({}),
        Some(_) => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("could not read {}", path.display()))?;
            if text.trim().is_empty() {
                json!({})
            } else {
                serde_json::from_str::<serde_json::Value>(&text).map_err(|e| {
                    with_hint(
                        format!("{} is not valid JSON ({e}); it was left as it is", path.display()),
                        "fix it, or merge by hand the object `bedrock-token setup claude-code` prints",
                    )
                })?
            }
        }
    };
    let Some(settings) = doc.as_object_mut() else {
        return Err(with_hint(
            format!(
                "{} does not hold a JSON object; it was left as it is",
                path.display()
            ),
            "merge by hand the object `bedrock-token setup claude-code` prints",
        ));
    };
    settings.insert("apiKeyHelper".into(), ours["apiKeyHelper"].clone());
    let env = settings.entry("env").or_insert_with(|| json!({}));
    let Some(env) = env.as_object_mut() else {
        return Err(with_hint(
            format!(
                "{}: \"env\" is not a JSON object; the file was left as it is",
                path.display()
            ),
            "make \"env\" an object, or merge by hand",
        ));
    };
    for (k, v) in ours["env"].as_object().expect("ours has an env object") {
        env.insert(k.clone(), v.clone());
    }
    // An existing file keeps its mode (Windows has none to keep).
    #[cfg(unix)]
    let mode = meta.as_ref().map_or(0o644, |m| {
        use std::os::unix::fs::PermissionsExt;
        m.permissions().mode() & 0o7777
    });
    #[cfg(not(unix))]
    let mode = 0o644;
    let text = format!("{}\n", serde_json::to_string_pretty(&doc)?);
    crate::fsutil::atomic_write_mode(&path, text.as_bytes(), mode)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_program_systemd_cannot_run_is_refused() {
        assert_eq!(
            systemd_program("/opt/100% $HOME/bedrock-token").unwrap(),
            "\"/opt/100%% $HOME/bedrock-token\""
        );
        assert!(systemd_program("/opt/a\"b/bedrock-token").is_err());
        assert!(systemd_program(r"/opt/a\b/bedrock-token").is_err());
        assert!(systemd_program("/home/o'brien/bedrock-token").is_err());
    }

    #[test]
    fn the_helper_is_asked_again_well_before_the_cached_key_is_replaced() {
        assert_eq!(helper_ttl_secs(15 * 60), 5 * 60);
        assert_eq!(helper_ttl_secs(12 * 3600), 5 * 60);
        assert_eq!(helper_ttl_secs(15), 5);
        assert_eq!(helper_ttl_secs(0), 1);
    }
}
