//! The command line: options, subcommands and their help text.

use crate::duration;
use crate::token::{MAX_LIFETIME_SECS, is_region};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Exit codes:
  0  success
  1  runtime failure (no credentials, signing or cache failure; `inspect`: key expired or invalid;
     `verify`: Bedrock did not take the key)
  2  usage error (unknown option, bad duration or region)

Settings come from, in order: flags, environment variables, the config file
(BEDROCK_TOKEN_CONFIG, else bedrock-token/config.toml in the user's config
directory), then AWS defaults.";

#[derive(Debug, Parser)]
#[command(
    name = "bedrock-token",
    version,
    about = "Amazon Bedrock short-term API keys from your AWS credentials, cached and fast",
    long_about = "Amazon Bedrock short-term API keys from your AWS credentials, cached and fast.\n\n\
        With no subcommand, prints the key (as `bedrock-token token`).",
    after_help = AFTER_HELP
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args, Default)]
pub struct Global {
    /// AWS profile [default: $AWS_PROFILE, then `default`]
    #[arg(short, long, global = true, value_name = "NAME")]
    pub profile: Option<String>,

    /// AWS region of the key [default: $AWS_REGION, $AWS_DEFAULT_REGION, then the profile's `region`]
    #[arg(short, long, global = true, value_name = "REGION", value_parser = parse_region)]
    pub region: Option<String>,

    /// Requested key lifetime, 1s to 12h: `12h`, `90m`, `1h30m`, `45s` or seconds [default: 12h]
    ///
    /// The key never outlives the credentials that sign it.
    #[arg(long, global = true, value_name = "DUR", value_parser = parse_lifetime)]
    pub duration: Option<u64>,

    /// Reuse a cached key only while it has this much life left
    /// [default: 15m, or a quarter of --duration when shorter; env BEDROCK_TOKEN_MIN_REMAINING]
    #[arg(long, global = true, value_name = "DUR", value_parser = parse_any_duration)]
    pub min_remaining: Option<u64>,

    /// Cache directory, absolute [default: $BEDROCK_TOKEN_CACHE_DIR, else the user's cache dir]
    #[arg(long, global = true, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,

    /// Neither read nor write the cache
    #[arg(long, global = true, conflicts_with = "refresh")]
    pub no_cache: bool,

    /// Make a new key even if a cached one is still good, and cache it
    #[arg(long, global = true)]
    pub refresh: bool,

    /// How long to wait for another bedrock-token process making the same key [default: 30s]
    #[arg(long, global = true, value_name = "DUR", value_parser = parse_any_duration)]
    pub lock_timeout: Option<u64>,

    /// When the SSO or `aws login` session has expired and a person is at the
    /// terminal, run the login command once and retry [config: auto_login]
    #[arg(long, global = true)]
    pub login: bool,

    /// On stderr: where the credentials came from, the profile, region and expiry (never a secret)
    #[arg(short, long, global = true, conflicts_with = "quiet")]
    pub verbose: bool,

    /// No notes or warnings on stderr, errors only
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the key (the default command)
    Token(TokenArgs),
    /// Decode the current key, or one read from stdin with `-`, and show what it holds
    Inspect(InspectArgs),
    /// Print shell assignments of AWS_BEARER_TOKEN_BEDROCK and AWS_REGION
    Env(EnvArgs),
    /// Run a command with AWS_BEARER_TOKEN_BEDROCK and AWS_REGION set
    Exec(ExecArgs),
    /// Write the key to a file, atomically, mode 0600, only when it changed
    Write(WriteArgs),
    /// Print the profile's AWS credentials as credential_process JSON
    CredentialProcess,
    /// List or clear cached keys and credentials
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Print a ready-to-paste configuration snippet for a consumer
    Setup(SetupArgs),
    /// Ask Bedrock whether the current key, or one read from stdin with `-`, works, and why not
    Verify(VerifyArgs),
    /// Check the setup and explain what would go wrong
    Doctor(DoctorArgs),
    /// Print shell completions
    Completions(CompletionsArgs),
}

#[derive(Debug, Args, Default)]
pub struct TokenArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = TokenFormat::Text)]
    pub format: TokenFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum, Default, PartialEq, Eq)]
pub enum TokenFormat {
    /// The key and a newline
    #[default]
    Text,
    /// {"token", "expiration", "region", "profile"}
    Json,
    /// A Kubernetes client-go ExecCredential
    ExecCredential,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// `-` reads the key from stdin (never pass a key as an argument: others can read it)
    // Checked by the command, not by clap, whose error would echo the value.
    #[arg(value_name = "-")]
    pub input: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = InfoFormat::Text)]
    pub format: InfoFormat,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// `-` reads the key from stdin: short-term `bedrock-api-key-...` or long-term `ABSK...`
    // Checked by the command, not by clap, whose error would echo the value.
    #[arg(value_name = "-")]
    pub input: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = InfoFormat::Text)]
    pub format: InfoFormat,
}

#[derive(Debug, Args, Default)]
pub struct DoctorArgs {
    /// After the local checks, ask Bedrock whether the key works (as `verify`)
    #[arg(long)]
    pub live: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum InfoFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct EnvArgs {
    /// Syntax of the assignments
    #[arg(long, value_enum, default_value_t = Shell::Sh)]
    pub shell: Shell,
    /// Plain assignments, without `export` (sh) or `-gx` (fish)
    #[arg(long)]
    pub no_export: bool,
    /// Also set this variable to the key (repeatable), e.g. ZED_BEDROCK_BEARER_TOKEN
    #[arg(long, value_name = "NAME", value_parser = parse_var_name)]
    pub var: Vec<String>,
    /// Do not set AWS_REGION
    #[arg(long)]
    pub no_region: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Shell {
    /// POSIX sh, bash, zsh, dash
    Sh,
    Fish,
    Powershell,
    Cmd,
    /// KEY=value lines for .env files
    Dotenv,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Also set this variable to the key (repeatable)
    #[arg(long, value_name = "NAME", value_parser = parse_var_name)]
    pub var: Vec<String>,
    /// Do not set AWS_REGION
    #[arg(long)]
    pub no_region: bool,
    /// The command and its arguments, after `--`
    #[arg(required = true, last = true, value_name = "CMD")]
    pub command: Vec<OsString>,
}

#[derive(Debug, Args)]
pub struct WriteArgs {
    /// The file to write
    pub path: PathBuf,
    /// Text is the bare key without a newline
    #[arg(long, value_enum, default_value_t = FileFormat::Text)]
    pub format: FileFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum FileFormat {
    Text,
    Dotenv,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// List cached entries (never the keys)
    List,
    /// Remove the entry for the current settings, or every entry with --all
    Clear {
        #[arg(long)]
        all: bool,
    },
}

#[derive(Debug, Args)]
pub struct SetupArgs {
    #[arg(value_enum)]
    pub target: SetupTarget,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum SetupTarget {
    Direnv,
    ClaudeCode,
    ClaudeDesktop,
    AwsConfig,
    Opencode,
    Zed,
    Fish,
    Powershell,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

pub fn parse_region(s: &str) -> Result<String, String> {
    if is_region(s) {
        Ok(s.to_string())
    } else {
        Err(format!(
            "{s:?} is not an AWS region: use lowercase letters, digits and hyphens, like eu-central-1"
        ))
    }
}

pub fn parse_lifetime(s: &str) -> Result<u64, String> {
    duration::parse_within(s, 1, MAX_LIFETIME_SECS)
}

pub fn parse_any_duration(s: &str) -> Result<u64, String> {
    duration::parse(s)
}

fn parse_var_name(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && !s.as_bytes()[0].is_ascii_digit()
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!("{s:?} is not a valid environment variable name"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_options_go_before_or_after_the_subcommand() {
        let a = Cli::try_parse_from(["bedrock-token", "--profile", "dev", "env"]).unwrap();
        let b = Cli::try_parse_from(["bedrock-token", "env", "--profile", "dev"]).unwrap();
        assert_eq!(a.global.profile.as_deref(), Some("dev"));
        assert_eq!(b.global.profile.as_deref(), Some("dev"));
    }
}
