//! `bedrock-token completions SHELL`.

use super::Outcome;
use crate::cli::Cli;
use anyhow::Result;
use clap::CommandFactory;

pub fn run(shell: clap_complete::Shell) -> Result<Outcome> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "bedrock-token", &mut out);
    super::print(&String::from_utf8_lossy(&out))
}
