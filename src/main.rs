//! bedrock-token: Amazon Bedrock short-term API keys from the standard AWS
//! credential chain, cached on disk and printed in the shape each consumer
//! wants.
//!
//! `main` parses the command line, runs one subcommand, prints the error if
//! there is one, and picks the exit code: 0 success, 1 failure, 2 usage.
//!
//! `no_main`: std's runtime set-up (stack-guard discovery through
//! /proc/self/maps, alternate signal stacks) costs more than a cache hit
//! does; we start from C's `main` and set the one thing we need, SIGPIPE.

#![cfg_attr(not(test), no_main)]
// The unit-test build has the test harness's `main`, not ours, so most of
// the program is unreachable from it.
#![cfg_attr(test, allow(dead_code, unused_imports))]

mod awsfiles;
mod cache;
mod cli;
mod cmd;
mod credentials;
mod duration;
mod error;
mod fsutil;
mod login;
mod output;
mod provide;
mod secret;
mod settings;
mod token;
mod ui;

use clap::Parser;
use cli::{Cli, Command, TokenArgs};
use settings::Settings;

#[cfg(not(test))]
#[unsafe(no_mangle)]
extern "C" fn main(_argc: libc::c_int, _argv: *const *const libc::c_char) -> libc::c_int {
    // A reader that goes away (`| head`) must give EPIPE, not kill us: the
    // printer treats it as success.
    // SAFETY: no other thread exists yet; SIG_IGN is a valid disposition.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    let cli = Cli::parse();
    ui::set_level(cli.global.quiet, cli.global.verbose);
    let code = match run(cli) {
        Ok(code) => code,
        Err(err) => report(&err),
    };
    code as libc::c_int
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
        Command::Doctor => cmd::doctor::run(&settings)?,
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
