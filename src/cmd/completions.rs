//! `bedrock-token completions SHELL`.

use crate::cli::Cli;
use anyhow::Result;
use clap::CommandFactory;

pub fn run(shell: clap_complete::Shell) -> Result<()> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "bedrock-token", &mut out);
    super::print(&String::from_utf8_lossy(&out))
}
