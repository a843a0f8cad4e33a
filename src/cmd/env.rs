//! `bedrock-token env`: assignments for a shell to evaluate. On failure
//! nothing reaches stdout: an empty AWS_BEARER_TOKEN_BEDROCK would switch
//! SDKs to bearer auth with no key.

use super::Outcome;
use crate::cli::EnvArgs;
use crate::output;
use crate::provide;
use crate::settings::Settings;
use anyhow::Result;

pub fn run(s: &Settings, args: &EnvArgs) -> Result<Outcome> {
    let entry = provide::bedrock_key(s)?;
    let pairs = output::env::variables(&entry, &args.var, !args.no_region);
    let text = output::env::render(args.shell, !args.no_export, &pairs);
    super::print(text.expose())
}
