//! `bedrock-token env`: assignments for a shell to evaluate. On failure
//! nothing reaches stdout: an empty AWS_BEARER_TOKEN_BEDROCK would switch
//! SDKs to bearer auth with no key.

use super::Outcome;
use crate::cli::EnvArgs;
use crate::output;
use crate::provide;
use crate::secret::Secret;
use crate::settings::Settings;
use anyhow::Result;

pub const TOKEN_VAR: &str = "AWS_BEARER_TOKEN_BEDROCK";

pub fn run(s: &Settings, args: &EnvArgs) -> Result<Outcome> {
    let entry = provide::bedrock_key(s)?;
    let token = output::token(&entry).expose();
    let mut pairs: Vec<(&str, &str)> = vec![(TOKEN_VAR, token)];
    pairs.extend(args.var.iter().map(|v| (v.as_str(), token)));
    if !args.no_region {
        // botocore (boto3, the AWS CLI v1) reads only AWS_DEFAULT_REGION.
        pairs.push(("AWS_REGION", &entry.region));
        pairs.push(("AWS_DEFAULT_REGION", &entry.region));
    }
    let text = Secret::new(output::env::render(args.shell, !args.no_export, &pairs));
    super::print(text.expose())
}
