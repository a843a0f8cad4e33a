//! bedrock-token: Amazon Bedrock short-term API keys from the standard AWS
//! credential chain, cached on disk and printed in the shape each consumer
//! wants.
//!
//! The binary (`main.rs`) is a thin shell over these modules. They are
//! private to the crate, so the dead-code lint sees every unused item; the
//! fuzz targets reach the parsers of untrusted input through [`fuzz`].
//!
//! Data flows one way: [`cli`] options -> [`settings`] -> [`provide`] (the
//! [`cache`], else [`credentials`] -> [`token`]) -> [`output`] -> stdout.
//! The imports follow it, and `scripts/imports.py` (run by the test script)
//! fails on a cycle or on a command importing another:
//!
//! - `cmd/*`: one file per subcommand, at the top; none imports another.
//!   `run` below dispatches, `write --watch` included.
//! - [`provide`], then [`proxy`], [`verify`], [`iam`], [`login`]: the flows the
//!   commands call; service clients ([`bedrock`], [`iam`]) take what they
//!   need as arguments.
//! - [`settings`] (from [`cli`]'s options), [`credentials`], [`cache`],
//!   [`token`], [`bedrock_key`] (which kind of key a string is), [`output`]
//!   (renderers, quoting).
//! - Leaves: [`environment`] (every variable read, and the names that mean
//!   something across the tree), [`awsfiles`], [`duration`], [`error`],
//!   [`fsutil`], [`platform`], [`region`], [`runtime`], [`secret`], [`ui`].

mod awsfiles;
mod bedrock;
mod bedrock_key;
mod cache;
mod cli;
mod cmd;
mod credentials;
mod duration;
mod environment;
mod error;
mod fsutil;
mod iam;
mod login;
mod output;
mod platform;
mod process;
mod provide;
mod proxy;
mod recursion;
mod region;
mod runtime;
mod secret;
mod settings;
mod token;
mod ui;
mod verify;

/// The parsers of untrusted input, for the fuzz targets (fuzz/).
pub mod fuzz {
    pub use crate::awsfiles::parse as parse_aws_ini;
    pub use crate::bedrock_key::{BedrockKey, in_argument as key_in_argument};
    pub use crate::cache::parse_entry;
    pub use crate::duration::{format_secs, parse as parse_duration};
    pub use crate::settings::parse_file_config;
    pub use crate::token::{PREFIX as TOKEN_PREFIX, decode as decode_token};
}

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
    if args.iter().any(|a| bedrock_key::in_argument(a)) {
        return report(&error::usage(
            "an argument holds a Bedrock key; keys are never taken from the command line, \
             where other users can read them: pipe the key on stdin (bedrock-token inspect -)",
        ));
    }
    // The common hits (no arguments, global options, `token` or `env` with
    // their defaults) skip clap: building its whole command tree would fault
    // in pages of every subcommand's definition for no answer. Anything
    // else, errors included, is clap's.
    let cli = match cli::parse_common(&args).map_or_else(|| cli::parse(&args), Ok) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
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
        Command::Write(args) if args.watch => cmd::watch::run(&settings, args),
        Command::Write(args) => cmd::write::run(&settings, args),
        Command::CredentialProcess => cmd::credential_process::run(&settings),
        Command::Cache(c) => cmd::cache::run(&settings, c),
        Command::Setup(args) => cmd::setup::run(&settings, &cli.global, args),
        Command::Verify(args) => cmd::verify::run(&settings, args),
        Command::Doctor(args) => cmd::doctor::run(&settings, args.live),
        Command::Key(c) => cmd::key::run(&settings, c),
        Command::Proxy(args) => cmd::proxy::run(&settings, args),
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
