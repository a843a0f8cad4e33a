//! `bedrock-token setup TARGET`: a ready snippet for each consumer, filled
//! with the current profile, region and this binary's absolute path.

use super::Outcome;
use crate::cli::SetupTarget;
use crate::output::env::{fish_quote, ps_quote, sh_quote, sh_word};
use crate::settings::Settings;
use anyhow::Result;
use serde_json::json;

pub fn run(s: &Settings, target: SetupTarget) -> Result<Outcome> {
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "bedrock-token".into());
    let profile = &s.request.profile;
    let region = s.request.region().unwrap_or("us-east-1");
    let base = format!(
        "{} --profile {} --region {}",
        sh_quote(&exe),
        sh_quote(profile),
        region
    );
    // A command line for consumers that split it by shell rules.
    let helper = |args: &str| format!("{} {args} --profile {}", sh_word(&exe), sh_word(profile));
    let text = match target {
        SetupTarget::Direnv => format!(
            "# .envrc: direnv exports a fresh key on entering the directory\n\
             # (and when the AWS config or credentials file in use changes).\n\
             watch_file {} {}\n\
             eval \"$({base} env)\"\n",
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
            "# ~/.aws/config: a profile whose credentials come from {profile}, cached by bedrock-token\n\
             [profile {profile}-cached]\n\
             credential_process = {}\n\
             region = {region}\n",
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
             {base} write ~/.cache/bedrock-token/opencode.key\n{}\n",
            serde_json::to_string_pretty(&json!({
                "provider": { "amazon-bedrock": { "options": {
                    "region": region,
                    "apiKey": "{file:~/.cache/bedrock-token/opencode.key}"
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
    };
    super::print(&text)
}
