//! `bedrock-token [token]`: the key, as text, JSON or a Kubernetes ExecCredential.

use super::Outcome;
use crate::cli::{TokenArgs, TokenFormat};
use crate::output;
use crate::provide;
use crate::settings::Settings;
use anyhow::Result;

pub fn run(s: &Settings, args: &TokenArgs) -> Result<Outcome> {
    let entry = provide::bedrock_key(s)?;
    let text = match args.format {
        TokenFormat::Text => output::text(&entry),
        TokenFormat::Json => output::json::render(&entry),
        TokenFormat::ExecCredential => {
            output::exec_credential::render(&entry, &kubernetes_api_version())
        }
    };
    super::print(text.expose())
}

/// The apiVersion the Kubernetes client asked for in `KUBERNETES_EXEC_INFO`.
fn kubernetes_api_version() -> String {
    std::env::var("KUBERNETES_EXEC_INFO")
        .ok()
        .and_then(|info| serde_json::from_str::<serde_json::Value>(&info).ok())
        .and_then(|v| v["apiVersion"].as_str().map(str::to_string))
        .unwrap_or_else(|| output::exec_credential::DEFAULT_API_VERSION.into())
}
