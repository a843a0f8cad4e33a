//! `bedrock-token exec -- CMD`: run CMD with the key in its environment. On
//! Unix the process is replaced, so signals and exit status are CMD's own;
//! on Windows CMD runs as our child and we exit with its code.

use super::Outcome;
use crate::cli::ExecArgs;
use crate::cmd::env::TOKEN_VAR;
use crate::output;
use crate::provide;
use crate::settings::Settings;
use anyhow::{Result, anyhow};
use std::process::Command;

pub fn run(s: &Settings, args: &ExecArgs) -> Result<Outcome> {
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| crate::error::usage("exec needs a command after --"))?;
    let entry = provide::bedrock_key(s)?;
    let token = output::token(&entry).expose();
    let mut cmd = Command::new(program);
    cmd.args(rest).env(TOKEN_VAR, token);
    for var in &args.var {
        cmd.env(var, token);
    }
    if !args.no_region {
        // botocore (boto3, the AWS CLI v1) reads only AWS_DEFAULT_REGION.
        cmd.env("AWS_REGION", &entry.region)
            .env("AWS_DEFAULT_REGION", &entry.region);
    }
    let err = crate::platform::exec(&mut cmd);
    Err(anyhow!(
        "could not run {}: {err}",
        program.to_string_lossy()
    ))
}
