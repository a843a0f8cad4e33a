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

#[derive(Debug, Default, Parser)]
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
    #[arg(long, global = true, value_name = "DUR", value_parser = parse_min_remaining)]
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

    /// How long to wait for another bedrock-token process making the same key, up to 1h [default: 30s]
    #[arg(long, global = true, value_name = "DUR", value_parser = parse_timeout)]
    pub lock_timeout: Option<u64>,

    /// How long a login run by --login may take, up to 1h; callers waiting on
    /// another caller's login wait this long too [default: 5m; env BEDROCK_TOKEN_LOGIN_TIMEOUT]
    #[arg(long, global = true, value_name = "DUR", value_parser = parse_timeout)]
    pub login_timeout: Option<u64>,

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
    /// Print shell assignments of AWS_BEARER_TOKEN_BEDROCK, AWS_REGION and AWS_DEFAULT_REGION
    Env(EnvArgs),
    /// Run a command with AWS_BEARER_TOKEN_BEDROCK, AWS_REGION and AWS_DEFAULT_REGION set
    Exec(ExecArgs),
    /// Write the key to a file, atomically, mode 0600, only when it changed; --watch keeps it fresh
    Write(WriteArgs),
    /// Print the profile's AWS credentials as credential_process JSON
    CredentialProcess,
    /// List or clear cached keys and credentials
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Print a ready-to-paste configuration snippet for a consumer (or long-term-key)
    Setup(SetupArgs),
    /// Ask Bedrock whether the current key, or one read from stdin with `-`, works, and why not
    Verify(VerifyArgs),
    /// Check the setup and explain what would go wrong
    Doctor(DoctorArgs),
    /// Create, list, rotate, deactivate and delete Bedrock long-term API keys (IAM)
    #[command(subcommand)]
    Key(KeyCommand),
    /// Run a loopback gateway that forwards to Bedrock with a fresh key on every request
    Proxy(ProxyArgs),
    /// Print shell completions
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ProxyArgs {
    /// Where to listen: a loopback address (127.0.0.1, ::1 or localhost) and
    /// port; port 0 picks a free one [default: 127.0.0.1:8338]
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Option<String>,
    #[command(subcommand)]
    pub exec: Option<ProxyCommand>,
}

#[derive(Debug, Subcommand)]
pub enum ProxyCommand {
    /// Start a gateway on a free loopback port and run CMD with every SDK
    /// pointed at it; exit with CMD's status. CMD's environment holds no key
    /// and no AWS secret.
    Exec(ProxyExecArgs),
}

#[derive(Debug, Args)]
pub struct ProxyExecArgs {
    /// The command and its arguments, after `--`
    #[arg(required = true, last = true, value_name = "CMD")]
    pub command: Vec<OsString>,
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
    /// Syntax of the assignments (default: sh; powershell on Windows)
    #[arg(long, value_enum, default_value_t = Shell::NATIVE)]
    pub shell: Shell,
    /// Plain assignments, without `export` (sh) or `-gx` (fish)
    #[arg(long)]
    pub no_export: bool,
    /// Also set this variable to the key (repeatable), e.g. ZED_BEDROCK_BEARER_TOKEN
    #[arg(long, value_name = "NAME", value_parser = parse_var_name)]
    pub var: Vec<String>,
    /// Do not set AWS_REGION and AWS_DEFAULT_REGION
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

impl Shell {
    /// This platform's usual shell: sh on Unix, PowerShell on Windows.
    pub const NATIVE: Shell = if cfg!(windows) {
        Shell::Powershell
    } else {
        Shell::Sh
    };
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Also set this variable to the key (repeatable)
    #[arg(long, value_name = "NAME", value_parser = parse_var_name)]
    pub var: Vec<String>,
    /// Do not set AWS_REGION and AWS_DEFAULT_REGION
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
    /// Keep running: renew the key before it has less than --min-remaining
    /// left and rewrite the file, until SIGTERM or SIGINT (SIGHUP renews
    /// now); on Windows until Ctrl-C, Ctrl-Break, the console closing,
    /// logoff or shutdown (no renew-now there)
    #[arg(long)]
    pub watch: bool,
    /// With --watch, run CMD after each rewrite: `sh -c CMD` on Unix, `cmd
    /// /C CMD` on Windows (the key is not in its arguments or environment);
    /// its failure is logged, not fatal
    #[arg(long, value_name = "CMD", requires = "watch")]
    pub on_change: Option<String>,
    /// End the --on-change command (on Unix its whole process group) if it
    /// still runs after DUR, 1s to 1h (default 60s); renewals never wait
    /// for it
    #[arg(long, value_name = "DUR", requires = "on_change",
          value_parser = |s: &str| duration::parse_within(s, 1, MAX_TIMEOUT_SECS))]
    pub on_change_timeout: Option<u64>,
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
    /// A long-term key (`key create --write`) handed to consumers without a shell history
    LongTermKey,
    /// A systemd user unit running `write --watch` (Linux; on Windows use Task Scheduler)
    Systemd,
    /// A pod's sidecar container running `write --watch` into a shared emptyDir
    Kubernetes,
    /// A systemd user unit running the loopback gateway, and what each consumer sets to use it
    Proxy,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create a long-term key for an IAM user; print it (or --write it) once
    Create(KeyNewArgs),
    /// List long-term keys: id, user, status, created, expires, days left (never a secret)
    List(KeyListArgs),
    /// Replace the user's key: make room, create, deliver, then deactivate the old one
    Rotate(KeyRotateArgs),
    /// Make a key usable again
    Activate(KeyIdArgs),
    /// Make a key unusable, keeping it for rollback
    Deactivate(KeyIdArgs),
    /// Delete a key for good
    Delete(KeyDeleteArgs),
}

#[derive(Debug, Args)]
pub struct KeyNewArgs {
    /// The IAM user [default: the caller's]
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
    /// Lifetime: days (`30`, `30d`, 1 to 36600) or `never`
    #[arg(long, value_name = "DAYS|never", default_value = "30", value_parser = duration::parse_expires)]
    pub expires: duration::Expiry,
    /// Write the key to PATH (atomically, mode 0600) instead of stdout
    #[arg(long, value_name = "PATH")]
    pub write: Option<PathBuf>,
    /// Output format: the key (text) or {"id","user","alias","status","created","expires","key"}
    #[arg(long, value_enum, default_value_t = InfoFormat::Text)]
    pub format: InfoFormat,
}

#[derive(Debug, Args)]
pub struct KeyRotateArgs {
    #[command(flatten)]
    pub new: KeyNewArgs,
    /// Ask Bedrock whether the new key works before deactivating the old one
    #[arg(long)]
    pub verify: bool,
}

#[derive(Debug, Args)]
pub struct KeyListArgs {
    /// The IAM user [default: the caller's]
    #[arg(long, value_name = "NAME", conflicts_with = "all_users")]
    pub user: Option<String>,
    /// Every user's keys in the account
    #[arg(long)]
    pub all_users: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = InfoFormat::Text)]
    pub format: InfoFormat,
}

#[derive(Debug, Args)]
pub struct KeyIdArgs {
    /// The key's id (ServiceSpecificCredentialId), as `key list` shows it
    pub id: String,
    /// The IAM user [default: the caller's]
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
}

#[derive(Debug, Args)]
pub struct KeyDeleteArgs {
    #[command(flatten)]
    pub key: KeyIdArgs,
    /// Do not ask; needed when not at a terminal
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
    /// Write them where the shell looks (bash, zsh, fish), creating the
    /// directory, instead of printing them
    #[arg(long)]
    pub install: bool,
}

/// The command lines of the common hits, parsed without clap: global
/// options (`--profile dev`, `-p dev`, `--region=eu-west-1`, flags), then
/// nothing, `token` or `env` with their defaults. `None` for anything else,
/// including anything clap would refuse, so that clap parses it and reports
/// the error; a unit test checks both parsers agree wherever this one
/// answers.
pub fn parse_common(args: &[OsString]) -> Option<Cli> {
    fn set<T>(slot: &mut Option<T>, value: T) -> Option<()> {
        // clap refuses an option given twice.
        slot.is_none().then(|| *slot = Some(value))
    }
    fn flag(slot: &mut bool) -> Option<()> {
        (!*slot).then(|| *slot = true)
    }
    let mut g = Global::default();
    let mut command = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let arg = arg.to_str()?;
        if !arg.starts_with('-') {
            command = match (command, arg) {
                (None, "token") => Some(Command::Token(TokenArgs::default())),
                (None, "env") => Some(Command::Env(EnvArgs {
                    shell: Shell::NATIVE,
                    no_export: false,
                    var: Vec::new(),
                    no_region: false,
                })),
                _ => return None,
            };
            continue;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name, Some(value)),
            _ => (arg, None),
        };
        let mut value = || -> Option<String> {
            let v = match inline {
                Some(v) => v,
                None => args.next()?.to_str()?,
            };
            (!v.is_empty() && !v.starts_with('-')).then(|| v.to_string())
        };
        match name {
            "-p" | "--profile" => set(&mut g.profile, value()?)?,
            "-r" | "--region" => set(&mut g.region, parse_region(&value()?).ok()?)?,
            "--duration" => set(&mut g.duration, parse_lifetime(&value()?).ok()?)?,
            "--min-remaining" => set(&mut g.min_remaining, parse_min_remaining(&value()?).ok()?)?,
            "--lock-timeout" => set(&mut g.lock_timeout, parse_timeout(&value()?).ok()?)?,
            "--login-timeout" => set(&mut g.login_timeout, parse_timeout(&value()?).ok()?)?,
            "--cache-dir" => set(&mut g.cache_dir, PathBuf::from(value()?))?,
            _ if inline.is_some() => return None,
            "--no-cache" => flag(&mut g.no_cache)?,
            "--refresh" => flag(&mut g.refresh)?,
            "--login" => flag(&mut g.login)?,
            "-v" | "--verbose" => flag(&mut g.verbose)?,
            "-q" | "--quiet" => flag(&mut g.quiet)?,
            _ => return None,
        }
    }
    // Conflicts are clap's to report.
    if (g.no_cache && g.refresh) || (g.verbose && g.quiet) {
        return None;
    }
    Some(Cli { global: g, command })
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

/// `--min-remaining`: at most a key's longest life, since no key could meet more.
pub fn parse_min_remaining(s: &str) -> Result<u64, String> {
    duration::parse_within(s, 0, MAX_LIFETIME_SECS)
}

/// Lock and login waits: 0 to 1 hour.
pub fn parse_timeout(s: &str) -> Result<u64, String> {
    duration::parse_within(s, 0, MAX_TIMEOUT_SECS)
}

const MAX_TIMEOUT_SECS: u64 = 3600;

/// `--var NAME`: an identifier, and none that changes how programs load or
/// run, or which AWS identity they use.
fn parse_var_name(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && !s.as_bytes()[0].is_ascii_digit()
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !ok {
        return Err(format!("{s:?} is not a valid environment variable name"));
    }
    let upper = s.to_ascii_uppercase();
    let dangerous = upper.starts_with("LD_")
        || upper.starts_with("DYLD_")
        || [
            "PATH",
            "IFS",
            "HOME",
            "SHELL",
            "ENV",
            "BASH_ENV",
            "PS4",
            // Windows: which programs run and how, and where a user's files are.
            "PATHEXT",
            "COMSPEC",
            "SYSTEMROOT",
            "WINDIR",
            "USERPROFILE",
            "APPDATA",
            "LOCALAPPDATA",
            "PSMODULEPATH",
        ]
        .contains(&upper.as_str())
        || (upper.starts_with("AWS_") && !upper.starts_with("AWS_BEARER_TOKEN_"));
    if dangerous {
        return Err(format!(
            "{s} must not be set to a key: it changes how programs load or run, or which AWS identity they use"
        ));
    }
    Ok(s.to_string())
}

/// Whether a command-line argument holds a Bedrock key (see
/// [`crate::bedrock_key::in_argument`]).
pub fn holds_key(arg: &std::ffi::OsStr) -> bool {
    crate::bedrock_key::in_argument(arg)
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
    fn var_names_that_change_how_programs_run_are_refused() {
        for bad in [
            "PATH",
            "LD_PRELOAD",
            "dyld_insert_libraries",
            "AWS_ACCESS_KEY_ID",
            "IFS",
            "1A",
            "A-B",
        ] {
            assert!(parse_var_name(bad).is_err(), "{bad}");
        }
        for good in [
            "ZED_BEDROCK_BEARER_TOKEN",
            "AWS_BEARER_TOKEN_BEDROCK_2",
            "MY_KEY",
        ] {
            assert_eq!(parse_var_name(good).as_deref(), Ok(good));
        }
    }

    #[test]
    fn durations_are_bounded() {
        assert!(parse_min_remaining("9999999999999999999").is_err());
        assert!(parse_min_remaining("12h1s").is_err());
        assert_eq!(parse_min_remaining("0"), Ok(0));
        assert!(parse_timeout("2h").is_err());
    }

    #[test]
    fn the_common_parser_agrees_with_clap_wherever_it_answers() {
        let corpus: &[&[&str]] = &[
            &[],
            &["token"],
            &["env"],
            &["--profile", "dev"],
            &["-p", "dev", "--region", "eu-west-1"],
            &["--profile=dev", "--region=eu-west-1", "env"],
            &["env", "--profile", "dev"],
            &["--duration", "1h", "--min-remaining", "10m", "token"],
            &["--lock-timeout", "5s", "--login-timeout", "2m", "--login"],
            &["--cache-dir", "/tmp/c", "--no-cache"],
            &["-q", "--refresh"],
            &["-v"],
            // Everything below is clap's: errors, other commands, options
            // of subcommands, repeats and conflicts.
            &["--profile"],
            &["--profile", "-q"],
            &["--profile", "a", "--profile", "b"],
            &["-q", "-q"],
            &["-q", "-v"],
            &["--no-cache", "--refresh"],
            &["--region", "US-EAST-1"],
            &["--duration", "13h"],
            &["--no-cache=true"],
            &["token", "--format", "json"],
            &["env", "--shell", "fish"],
            &["env", "token"],
            &["inspect", "-"],
            &["-qv"],
            &["--bogus"],
            &["--help"],
        ];
        let mut answered = 0;
        for args in corpus {
            let os: Vec<OsString> = args.iter().map(OsString::from).collect();
            let Some(fast) = parse_common(&os) else {
                continue;
            };
            answered += 1;
            let clap =
                Cli::try_parse_from(std::iter::once("bedrock-token").chain(args.iter().copied()))
                    .unwrap_or_else(|e| {
                        panic!("{args:?}: clap refuses what the common parser took: {e}")
                    });
            assert_eq!(format!("{fast:?}"), format!("{clap:?}"), "{args:?}");
        }
        assert_eq!(answered, 12, "the common hits stay off clap");
        assert_eq!(
            format!("{:?}", parse_common(&[]).unwrap()),
            format!("{:?}", Cli::default())
        );
    }

    #[test]
    fn global_options_go_before_or_after_the_subcommand() {
        let a = Cli::try_parse_from(["bedrock-token", "--profile", "dev", "env"]).unwrap();
        let b = Cli::try_parse_from(["bedrock-token", "env", "--profile", "dev"]).unwrap();
        assert_eq!(a.global.profile.as_deref(), Some("dev"));
        assert_eq!(b.global.profile.as_deref(), Some("dev"));
    }
}
