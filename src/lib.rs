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
pub mod iam;
pub mod login;
pub mod output;
pub mod platform;
pub mod process;
pub mod provide;
pub mod proxy;
pub mod recursion;
pub mod secret;
pub mod settings;
pub mod token;
pub mod ui;
pub mod verify;

use clap::Parser;
use cli::{Cli, Command, TokenArgs};
use cmd::Outcome;
use settings::Settings;

/// Runs one command line; returns the exit code.
pub fn run_main() -> u8 {
    process::harden();
    duration::process_started();
    // A key pasted as an argument is readable by every local user, and the
    // argument parser would quote it in its error: refuse it unquoted.
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if args.iter().any(|a| cli::holds_key(a)) {
        return report(&error::usage(
            "an argument holds a Bedrock key; keys are never taken from the command line, \
             where other users can read them: pipe the key on stdin (bedrock-token inspect -)",
        ));
    }
    // The common hits (no arguments, global options, `token` or `env` with
    // their defaults) skip clap: building its whole command tree would fault
    // in pages of every subcommand's definition for no answer. Anything
    // else, errors included, is clap's.
    let cli = cli::parse_common(&args).unwrap_or_else(Cli::parse);
    ui::set_level(cli.global.quiet, cli.global.verbose);
    match run(cli) {
        Ok(Outcome::Success) => 0,
        Ok(Outcome::Problem) => 1,
        Err(err) => report(&err),
    }
}

fn run(cli: Cli) -> anyhow::Result<Outcome> {
    let command = cli.command.unwrap_or(Command::Token(TokenArgs::default()));
    // Completions need no settings, and must work with a broken config.
    if let Command::Completions(args) = &command {
        return cmd::completions::run(args);
    }
    let settings = Settings::resolve(&cli.global)?;
    match &command {
        Command::Token(args) => cmd::token::run(&settings, args),
        Command::Inspect(args) => cmd::inspect::run(&settings, args),
        Command::Env(args) => cmd::env::run(&settings, args),
        Command::Exec(args) => cmd::exec::run(&settings, args),
        Command::Write(args) => cmd::write::run(&settings, args),
        Command::CredentialProcess => cmd::credential_process::run(&settings),
        Command::Cache(c) => cmd::cache::run(&settings, c),
        Command::Setup(args) => cmd::setup::run(&settings, args.target),
        Command::Verify(args) => cmd::verify::run(&settings, args),
        Command::Doctor(args) => cmd::doctor::run(&settings, args.live),
        Command::Key(c) => cmd::key::run(&settings, c),
        Command::Proxy(args) => proxy::run(&settings, args),
        Command::Completions(_) => unreachable!("handled above"),
    }
}

/// The one place errors are printed: the message with its causes, then the
/// next step when we know it. Returns the exit code.
fn report(err: &anyhow::Error) -> u8 {
    let failure = error::Failure::of(err);
    ui::line(&format!("error: {err:#}"));
    if let Some(hint) = failure.and_then(error::Failure::hint) {
        ui::line(hint);
    }
    error::exit_code(err)
}
