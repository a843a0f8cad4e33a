//! `bedrock-token setup TARGET`: a ready snippet for each consumer, filled
//! with the current profile, region and this binary's absolute path.

use super::Outcome;
use crate::cli::SetupTarget;
use crate::duration::format_secs;
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
        SetupTarget::ClaudeCode => {
            // Claude Code runs the helper through a shell, so its command
            // line is shell words; the explanation goes to stderr so that
            // stdout is the JSON object alone, ready to merge with jq.
            let ttl = helper_ttl_secs(s.min_remaining);
            crate::ui::comment(&format!(
                "# ~/.claude/settings.json: stdout is this JSON object alone, to save, or to merge\n\
                 # into an existing file: jq -s '.[0] * .[1]' ~/.claude/settings.json new.json\n\
                 # Claude Code runs apiKeyHelper for its Bedrock key and sends it as a bearer\n\
                 # token (CLAUDE_CODE_SKIP_BEDROCK_AUTH: no AWS credentials of its own). It runs\n\
                 # the helper again once CLAUDE_CODE_API_KEY_HELPER_TTL_MS ({}) has passed;\n\
                 # bedrock-token hands out its cached key while {} of life remains\n\
                 # (--min-remaining), so the key Claude Code sends has {} or more left.\n\
                 # AWS_BEARER_TOKEN_BEDROCK is emptied: an inherited key (shell, direnv, exec)\n\
                 # would win over the helper, and expire mid-session.\n\
                 # For one short session instead: {base} exec -- claude\n",
                format_secs(ttl),
                format_secs(s.min_remaining),
                format_secs(s.min_remaining.saturating_sub(ttl)),
            ));
            format!(
                "{}\n",
                serde_json::to_string_pretty(&json!({
                    "apiKeyHelper": format!(
                        "{} --profile {} --region {region}",
                        sh_word(&exe),
                        sh_word(profile)
                    ),
                    "env": {
                        "CLAUDE_CODE_USE_BEDROCK": "1",
                        "CLAUDE_CODE_SKIP_BEDROCK_AUTH": "1",
                        "AWS_REGION": region,
                        "AWS_BEARER_TOKEN_BEDROCK": "",
                        "CLAUDE_CODE_API_KEY_HELPER_TTL_MS": (ttl * 1000).to_string(),
                    },
                }))?
            )
        }
        SetupTarget::ClaudeDesktop => format!(
            "# Claude Desktop runs the helper with no arguments: put the settings in\n\
             # {}\n\
             profile = {}\n\
             region = \"{region}\"\n\
             \n\
             # and point inferenceCredentialHelper at the binary:\n{}\n",
            crate::settings::config_path()
                .ok()
                .flatten()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "~/.config/bedrock-token/config.toml".into()),
            // A JSON string is a TOML basic string.
            serde_json::to_string(profile)?,
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

/// How often Claude Code should re-run the helper: a third of the time a
/// cached key still has when bedrock-token hands it out, at most Claude
/// Code's default of 5 minutes, at least a second. Each key Claude Code
/// holds then has two thirds of `min_remaining` left when it asks again.
fn helper_ttl_secs(min_remaining: u64) -> u64 {
    (min_remaining / 3).clamp(1, 5 * 60)
}

#[cfg(test)]
mod tests {
    use super::helper_ttl_secs;

    #[test]
    fn the_helper_is_asked_again_well_before_the_cached_key_is_replaced() {
        assert_eq!(helper_ttl_secs(15 * 60), 5 * 60);
        assert_eq!(helper_ttl_secs(12 * 3600), 5 * 60);
        assert_eq!(helper_ttl_secs(15), 5);
        assert_eq!(helper_ttl_secs(0), 1);
    }
}
