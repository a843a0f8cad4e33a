//! The command line: options, subcommands and their help text.

use crate::duration;
use crate::token::MAX_LIFETIME_SECS;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;

/// The heading of the options every command takes.
const GLOBAL: &str = "Global options";

const AFTER_HELP: &str = "\
Examples:
  bedrock-token                            print the key (profile and region from AWS_PROFILE, AWS_REGION)
  bedrock-token -p dev exec -- claude      run a program with the key in its environment
  eval \"$(bedrock-token env)\"              export it in this shell
  bedrock-token setup claude-code --write  configure a consumer (see `setup --help` for the others)
  bedrock-token doctor                     check the setup

Environment:
  AWS_PROFILE, AWS_REGION, AWS_DEFAULT_REGION, AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE
      which AWS credentials and region, as for the AWS CLI
  BEDROCK_TOKEN_CONFIG       the config file (below)
  BEDROCK_TOKEN_CACHE_DIR, BEDROCK_TOKEN_DURATION, BEDROCK_TOKEN_MIN_REMAINING,
  BEDROCK_TOKEN_LOCK_TIMEOUT, BEDROCK_TOKEN_LOGIN_TIMEOUT
      defaults for --cache-dir, --duration, --min-remaining, --lock-timeout, --login-timeout

Exit codes:
  0  success
  1  runtime failure (no credentials, signing or cache failure; `inspect`: key expired or invalid;
     `verify`: Bedrock did not take the key)
  2  usage error (unknown option, bad duration or region)

Settings come from, in order: flags, environment variables, the config file
(BEDROCK_TOKEN_CONFIG, else ~/.config/bedrock-token/config.toml on Linux: keys
profile, region, duration, min_remaining, auto_login, cache_dir), then AWS defaults.";

#[derive(Debug, Default, Parser)]
#[command(
    name = "bedrock-token",
    version,
    about = "Amazon Bedrock short-term API keys from your AWS credentials, cached and fast.\nWith no command, prints the key (as `bedrock-token token`).",
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
    /// AWS profile [default: $AWS_PROFILE, then default]
    #[arg(short, long, global = true, help_heading = GLOBAL, value_name = "NAME")]
    pub profile: Option<String>,

    /// AWS region [default: $AWS_REGION, $AWS_DEFAULT_REGION, the profile's]
    #[arg(short, long, global = true, help_heading = GLOBAL, value_name = "REGION", value_parser = parse_region)]
    pub region: Option<String>,

    /// Key lifetime, 1s to 12h: 12h, 90m, 1h30m, 45s [default: 12h, or the credentials']
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "DUR", value_parser = parse_lifetime)]
    pub duration: Option<u64>,

    /// Reuse a cached key only with this much life left [default: 15m, at most DUR/4]
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "DUR", value_parser = parse_min_remaining)]
    pub min_remaining: Option<u64>,

    /// Cache directory, absolute [default: the user's cache directory]
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,

    /// Neither read nor write the cache
    #[arg(long, global = true, help_heading = GLOBAL, conflicts_with = "refresh")]
    pub no_cache: bool,

    /// Make a new key even if the cached one is good, and cache it
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub refresh: bool,

    /// Wait for another bedrock-token making the key, up to 1h [default: 30s]
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "DUR", value_parser = parse_timeout)]
    pub lock_timeout: Option<u64>,

    /// How long a --login may take (and others wait for it), up to 1h [default: 5m]
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "DUR", value_parser = parse_timeout)]
    pub login_timeout: Option<u64>,

    /// At a terminal, run the SSO or `aws login` login once when it expired
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub login: bool,

    /// Say on stderr where credentials came from, and the expiry (no secret)
    #[arg(short, long, global = true, help_heading = GLOBAL, conflicts_with = "quiet")]
    pub verbose: bool,

    /// No notes or warnings on stderr, errors only
    #[arg(short, long, global = true, help_heading = GLOBAL)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the key (the default command)
    #[command(
        after_help = "Examples:\n  bedrock-token token                          the key, for profile and region as resolved\n  bedrock-token -p dev -r eu-west-1 token --format json\n  bedrock-token token --format exec-credential  for a kubeconfig `exec` entry"
    )]
    Token(TokenArgs),
    /// Decode the current key, or one read from stdin with `-`, and show what it holds
    #[command(
        after_help = "Examples:\n  bedrock-token inspect                        the current key (made or cached)\n  bedrock-token -p dev inspect --format json\n  pbpaste | bedrock-token inspect -            a key from elsewhere, on stdin"
    )]
    Inspect(InspectArgs),
    /// Print shell assignments of AWS_BEARER_TOKEN_BEDROCK, AWS_REGION and AWS_DEFAULT_REGION
    #[command(
        after_help = "Examples:\n  eval \"$(bedrock-token env)\"                  sh, bash, zsh\n  bedrock-token env --shell fish | source\n  bedrock-token env --shell dotenv --no-export > .env"
    )]
    Env(EnvArgs),
    /// Run a command with AWS_BEARER_TOKEN_BEDROCK, AWS_REGION and AWS_DEFAULT_REGION set
    #[command(
        after_help = "Examples:\n  bedrock-token exec -- claude\n  bedrock-token -p dev exec --var ZED_BEDROCK_BEARER_TOKEN -- zed\n  bedrock-token exec -- python app.py --verbose   (after `--`, everything is the command's)"
    )]
    Exec(ExecArgs),
    /// Write the key to a file, atomically, mode 0600, only when it changed; --watch keeps it fresh
    #[command(
        after_help = "Examples:\n  mkdir -p ~/.config/app && bedrock-token write ~/.config/app/bedrock.key\n  bedrock-token write \"$XDG_RUNTIME_DIR/bedrock.key\" --watch   (setup systemd runs this)"
    )]
    Write(WriteArgs),
    /// Print the profile's AWS credentials as credential_process JSON
    #[command(
        after_help = "Examples:\n  credential_process = bedrock-token credential-process --profile src   (in ~/.aws/config)\n  bedrock-token setup aws-config               prints that profile for you"
    )]
    CredentialProcess,
    /// List or clear cached keys and credentials
    #[command(
        subcommand,
        after_help = "Examples:\n  bedrock-token cache list\n  bedrock-token -p dev cache clear\n  bedrock-token cache clear --all"
    )]
    Cache(CacheCommand),
    /// Print a ready-to-paste configuration snippet for a consumer (or long-term-key)
    #[command(
        after_help = "Examples:\n  bedrock-token setup claude-code --write      merge into ~/.claude/settings.json\n  bedrock-token -p dev setup direnv >> .envrc && direnv allow\n  bedrock-token -p dev --duration 1h setup systemd   a user unit, renewing 1-hour keys"
    )]
    Setup(SetupArgs),
    /// Ask Bedrock whether the current key, or one read from stdin with `-`, works, and why not
    #[command(
        after_help = "Examples:\n  bedrock-token verify                         the current key\n  bedrock-token -p dev verify --format json\n  bedrock-token verify - < ~/.config/bedrock-token/bedrock.key"
    )]
    Verify(VerifyArgs),
    /// Check the setup and explain what would go wrong
    #[command(
        after_help = "Examples:\n  bedrock-token doctor\n  bedrock-token -p dev doctor --live           also ask Bedrock whether the key works"
    )]
    Doctor(DoctorArgs),
    /// Create, list, rotate, deactivate and delete Bedrock long-term API keys (IAM)
    #[command(
        subcommand,
        after_help = "Examples:\n  bedrock-token setup long-term-key             the safe steps to create and hand over a key\n  bedrock-token key list --all-users\n  bedrock-token key rotate --verify --write ~/.config/bedrock-token/bedrock.key"
    )]
    Key(KeyCommand),
    /// Run a loopback gateway that forwards to Bedrock with a fresh key on every request
    Proxy(ProxyArgs),
    /// Print shell completions
    #[command(
        after_help = "Examples:\n  bedrock-token completions bash --install     then open a new shell\n  bedrock-token completions fish --install\n  bedrock-token completions zsh --install      then add the fpath line it prints"
    )]
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
    /// text: the key; json: {"token", "expiration", "region", "profile"};
    /// exec-credential: a Kubernetes client-go ExecCredential
    #[arg(long, value_enum, default_value_t = TokenFormat::Text)]
    pub format: TokenFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum, Default, PartialEq, Eq)]
pub enum TokenFormat {
    #[default]
    Text,
    Json,
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
    /// Syntax of the assignments: sh (bash, zsh and dash too), fish, powershell,
    /// cmd, or dotenv (KEY=value lines for .env files) [default: sh; powershell on Windows]
    #[arg(long, value_enum, default_value_t = Shell::NATIVE, hide_default_value = true)]
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
    // POSIX sh and the shells that read it: a first guess is the shell's
    // own name.
    #[value(alias = "bash", alias = "zsh", alias = "dash", alias = "ksh")]
    Sh,
    Fish,
    Powershell,
    Cmd,
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
    /// The command and its arguments: everything from the first word that is
    /// not an option of exec (`--` before it is optional)
    #[arg(required = true, trailing_var_arg = true, value_name = "CMD")]
    pub command: Vec<OsString>,
}

#[derive(Debug, Args)]
pub struct WriteArgs {
    /// The file to write
    pub path: PathBuf,
    /// Text is the bare key without a newline
    #[arg(long, value_enum, default_value_t = FileFormat::Text)]
    pub format: FileFormat,
    /// Keep running, renewing before less than --min-remaining is left, until
    /// SIGTERM, SIGINT or Ctrl-C; SIGHUP renews now
    #[arg(long)]
    pub watch: bool,
    /// With --watch, run CMD after each rewrite (`sh -c`; Windows `cmd /C`), without
    /// the key in its arguments or environment; its failure is logged, not fatal
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
    /// The consumer. long-term-key: a long-term key (`key create --write`) for
    /// consumers without a shell history; systemd: a user unit running `write
    /// --watch` (Linux); kubernetes: a pod's sidecar running `write --watch`;
    /// proxy: a user unit running the loopback gateway, and what each
    /// consumer sets to use it
    #[arg(value_enum)]
    pub target: SetupTarget,
    /// Print the snippet even when the profile does not exist or no region
    /// is set (with a warning; the region then reads REGION-NOT-SET)
    #[arg(long)]
    pub force: bool,
    /// claude-code: merge into Claude Code's settings.json (created with
    /// its directory; other settings kept) instead of printing
    #[arg(long)]
    pub write: bool,
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
    LongTermKey,
    Systemd,
    Kubernetes,
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

/// The command tree for parsing and help: clap's, with the global options
/// that do nothing for a command hidden from its help (still accepted).
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    // Neither lists nor IAM calls make a key.
    const KEYLESS: &[&str] = &["duration", "min_remaining", "refresh", "lock_timeout"];
    const NO_CACHE_USE: &[&str] = &[
        "min_remaining",
        "refresh",
        "lock_timeout",
        "login",
        "login_timeout",
        "no_cache",
    ];
    let cmd = Cli::command();
    // clap copies each global option into the subcommands that lack one
    // of that name when it builds the tree: a hidden copy put there first
    // stays hidden, and still counts as the global option.
    let hidden = |ids: &[&str]| -> Vec<clap::Arg> {
        cmd.get_arguments()
            .filter(|a| a.is_global_set() && (ids.is_empty() || ids.contains(&a.get_id().as_str())))
            .map(|a| a.clone().hide(true))
            .collect()
    };
    let (keyless, no_cache_use, all, duration) = (
        hidden(KEYLESS),
        hidden(NO_CACHE_USE),
        hidden(&[]),
        hidden(&["duration"]),
    );
    cmd.mut_subcommand("key", |c| c.args(keyless))
        .mut_subcommand("cache", |c| {
            c.args(no_cache_use)
                .mut_subcommand("list", |l| l.args(duration))
        })
        .mut_subcommand("completions", |c| c.args(all))
}

/// Parses a command line clap's way; on a usage error prints it in our one
/// style (`bedrock-token: error: ...`, with a hint for the usual first
/// guesses) and returns the exit code; help and version go to stdout.
pub fn parse(args: &[OsString]) -> Result<Cli, u8> {
    use clap::FromArgMatches;
    let argv = std::iter::once(OsString::from("bedrock-token")).chain(args.iter().cloned());
    let parsed = command()
        .try_get_matches_from(argv)
        .and_then(|m| Cli::from_arg_matches(&m));
    parsed.map_err(|e| {
        use clap::error::ErrorKind;
        if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
            let _ = e.print();
            return 0;
        }
        let rendered = e.render().to_string();
        let body = rendered
            .strip_prefix("error: ")
            .unwrap_or(&rendered)
            .trim_end();
        let mut text = format!("bedrock-token: error: {body}\n");
        if let Some(hint) = first_guess_hint(&e) {
            text.push_str(&format!("bedrock-token: {hint}\n"));
        }
        use std::io::Write;
        let _ = std::io::stderr().write_all(text.as_bytes());
        2
    })
}

/// What the usual first guesses meant.
fn first_guess_hint(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue};
    let ContextValue::String(arg) = e.get(ContextKind::InvalidArg)? else {
        return None;
    };
    let name = arg.split('=').next().unwrap_or(arg);
    (name == "--format").then(|| {
        "--format is an option of a command: bedrock-token token --format json (or inspect, verify, write, key)".into()
    })
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

/// A region of the shape AWS uses. Runs on the cache-hit path: the check
/// allocates nothing but the returned name; only a bad name costs more.
pub fn parse_region(s: &str) -> Result<String, String> {
    if crate::region::has_region_shape(s) {
        return Ok(s.to_string());
    }
    let hint = match crate::region::nearest(s) {
        Some(r) => format!("did you mean {r}?"),
        None => "regions look like us-east-1, eu-central-1 or us-gov-west-1".into(),
    };
    Err(format!("{s:?} is not an AWS region: {hint}"))
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
    fn hidden_global_options_are_still_taken_and_still_global() {
        use clap::FromArgMatches;
        for args in [
            &["cache", "list", "--duration", "1h"][..],
            &["--duration", "1h", "key", "list"],
            &["key", "create", "--duration", "1h"],
        ] {
            let m = command()
                .try_get_matches_from(std::iter::once("bedrock-token").chain(args.iter().copied()))
                .unwrap_or_else(|e| panic!("{args:?}: {e}"));
            let cli = Cli::from_arg_matches(&m).unwrap();
            assert_eq!(cli.global.duration, Some(3600), "{args:?}");
        }
        let help = command()
            .try_get_matches_from(["bedrock-token", "key", "list", "--help"])
            .unwrap_err()
            .render()
            .to_string();
        assert!(
            !help.contains("--duration") && help.contains("--profile"),
            "{help}"
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
