//! `bedrock-token [token]`: the key, as text, JSON or a Kubernetes ExecCredential.

use super::Outcome;
use crate::cli::{TokenArgs, TokenFormat};
use crate::output;
use crate::provide;
use crate::secret::Secret;
use crate::settings::Settings;
use anyhow::Result;

pub fn run(s: &Settings, args: &TokenArgs) -> Result<Outcome> {
    let entry = provide::bedrock_key(s)?;
    let text = match args.format {
        TokenFormat::Text => Secret::new(format!("{}\n", output::token(&entry).expose())),
        TokenFormat::Json => Secret::new(format!("{}\n", output::json(&entry).expose())),
        TokenFormat::ExecCredential => {
            Secret::new(format!("{}\n", output::exec_credential(&entry).expose()))
        }
    };
    super::print(text.expose())
}
