//! bedrock-token: Amazon Bedrock short-term API keys from the standard AWS
//! credential chain, cached on disk and printed in the shape each consumer
//! wants.
//!
//! The binary (`main.rs`) is a thin shell over these modules; they are a
//! library so the property tests and fuzz targets can reach the parsers.
//! Data flows one way: [`cli`] options -> [`settings`] -> [`provide`] (the
//! [`cache`], else [`credentials`] -> [`token`]) -> [`output`] -> stdout.

pub mod awsfiles;
pub mod bedrock;
pub mod cache;
pub mod cli;
pub mod cmd;
pub mod credentials;
pub mod duration;
pub mod error;
pub mod fsutil;
pub mod login;
pub mod output;
pub mod provide;
pub mod secret;
pub mod settings;
pub mod token;
pub mod ui;
pub mod verify;

use clap::Parser;
use cli::{Cli, Command, TokenArgs};
use settings::Settings;

/// Runs one command line; returns the exit code.
pub fn run_main() -> u8 {
    duration::process_started();
    let cli = Cli::parse();
    ui::set_level(cli.global.quiet, cli.global.verbose);
    match run(cli) {
        Ok(code) => code,
        Err(err) => report(&err),
    }
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    let command = cli.command.unwrap_or(Command::Token(TokenArgs::default()));
    // Completions need no settings, and must work with a broken config.
    if let Command::Completions(args) = &command {
        cmd::completions::run(args.shell)?;
        return Ok(0);
    }
    let settings = Settings::resolve(&cli.global)?;
    let ok = match &command {
        Command::Token(args) => cmd::token::run(&settings, args).map(|()| true)?,
        Command::Inspect(args) => cmd::inspect::run(&settings, args)?,
        Command::Env(args) => cmd::env::run(&settings, args).map(|()| true)?,
        Command::Exec(args) => cmd::exec::run(&settings, args).map(|()| true)?,
        Command::Write(args) => cmd::write::run(&settings, args).map(|()| true)?,
        Command::CredentialProcess => cmd::credential_process::run(&settings).map(|()| true)?,
        Command::Cache(c) => cmd::cache::run(&settings, c).map(|()| true)?,
        Command::Setup(args) => cmd::setup::run(&settings, args.target).map(|()| true)?,
        Command::Verify(args) => cmd::verify::run(&settings, args)?,
        Command::Doctor(args) => cmd::doctor::run(&settings, args.live)?,
        Command::Completions(_) => unreachable!("handled above"),
    };
    Ok(if ok { 0 } else { 1 })
}

/// The one place errors are printed: the message with its causes, then the
/// next step when we know it.
fn report(err: &anyhow::Error) -> u8 {
    let failure = err.chain().find_map(|c| c.downcast_ref::<error::Failure>());
    eprintln!("bedrock-token: error: {err:#}");
    if let Some(hint) = failure.and_then(|f| f.hint.as_deref()) {
        eprintln!("bedrock-token: {hint}");
    }
    if failure.is_some_and(|f| f.usage) {
        2
    } else {
        1
    }
}
