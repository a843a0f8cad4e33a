//! `bedrock-token exec -- CMD`: run CMD with the key in its environment. On
//! Unix the process is replaced, so signals and exit status are CMD's own;
//! on Windows CMD runs as our child and we exit with its code.

use super::Outcome;
use crate::cli::ExecArgs;
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
    let mut cmd = Command::new(program);
    cmd.args(rest)
        .envs(output::env::variables(&entry, &args.var, !args.no_region));
    let err = crate::platform::exec(&mut cmd);
    Err(anyhow!(
        "could not run {}: {err}",
        program.to_string_lossy()
    ))
}
