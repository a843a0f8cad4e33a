//! `bedrock-token setup TARGET`: a ready snippet for each consumer, filled
//! with the current profile, region and this binary's absolute path.

use super::Outcome;
use crate::cli::SetupTarget;
use crate::output::env::{command_word, fish_quote, ps_quote, sh_quote, win_word};
use crate::settings::Settings;
use anyhow::Result;
use serde_json::json;

pub fn run(s: &Settings, target: SetupTarget) -> Result<Outcome> {
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "bedrock-token".into());
    let profile = &s.request.profile;
    let region = s.request.region().unwrap_or("us-east-1");
    let sh_base = format!(
        "{} --profile {} --region {}",
        sh_quote(&exe),
        sh_quote(profile),
        region
    );
    // The command in this platform's shell: sh, or PowerShell on Windows.
    let base = if cfg!(windows) {
        format!(
            "& {} --profile {} --region {}",
            ps_quote(&exe),
            ps_quote(profile),
            region
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
    let helper = |args: &str| format!("{exe_word} {args} --profile {}", command_word(profile));
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
             {} --profile {} --region {} env --shell fish | source\n",
            fish_quote(&exe),
            fish_quote(profile),
            region
        ),
        SetupTarget::Powershell => format!(
            "# Add to $PROFILE\n\
             & {} --profile {} --region {} env --shell powershell | Out-String | Invoke-Expression\n",
            ps_quote(&exe),
            ps_quote(profile),
            region
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
        SetupTarget::ClaudeCode => format!(
            "# ~/.claude/settings.json: Claude Code on Bedrock with credentials from bedrock-token\n{}\n\
             # Or start it with the key in its environment:\n\
             #   {base} exec -- claude\n",
            serde_json::to_string_pretty(&json!({
                "env": { "CLAUDE_CODE_USE_BEDROCK": "1", "AWS_REGION": region },
                "awsCredentialExport": helper("credential-process"),
            }))?
        ),
        SetupTarget::ClaudeDesktop => format!(
            "# Claude Desktop runs the helper with no arguments: put the settings in\n\
             # {}\n\
             profile = \"{profile}\"\n\
             region = \"{region}\"\n\
             \n\
             # and point inferenceCredentialHelper at the binary:\n{}\n",
            crate::settings::config_path()
                .ok()
                .flatten()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "~/.config/bedrock-token/config.toml".into()),
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
