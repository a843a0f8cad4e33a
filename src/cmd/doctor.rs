//! `bedrock-token doctor`: checks what would go wrong, each with its fix.
//! Exit 1 when something needs fixing.

use super::Outcome;
use crate::awsfiles::Files;
use crate::cache::Cache;
use crate::duration::{now_unix, rfc3339};
use crate::output::doctor::Check;
use crate::provide;
use crate::settings::{CacheDir, Settings};
use anyhow::Result;

/// The variable SDKs read a Bedrock API key from, before any other credential.
const BEARER_VAR: &str = crate::environment::TOKEN_VAR;

/// The longest AWS temporary credentials live (GetSessionToken's maximum).
const MAX_TEMPORARY_CREDENTIALS_SECS: i64 = 36 * 3600;

/// `live`: after the local checks, ask Bedrock whether the key works.
pub fn run(s: &Settings, live: bool) -> Result<Outcome> {
    let req = &s.request;
    let paths = &req.paths;
    let files = Files::load(paths);
    let mut report = Report::default();

    let profile = &req.profile;
    let (config, credentials) = (paths.config.display(), paths.credentials.display());
    if files.has_profile(profile) {
        report.check(true, format!("profile {profile} is defined"), String::new());
    } else if profile == "default" {
        report.check(
            true,
            format!(
                "profile default is not in {config} or {credentials}: credentials must come from \
                 the environment, web identity, a container or the instance"
            ),
            String::new(),
        );
    } else {
        report.check(
            false,
            String::new(),
            format!(
                "profile {profile} is not in {config} or {credentials}; fix: aws configure --profile {profile}"
            ),
        );
    }
    // Sections the AWS SDK skips for their names: the profile is not there
    // for it, whatever our reading of the file says.
    for name in files.config.keys().chain(files.credentials.keys()) {
        if let Err(e) = crate::settings::check_profile_name(name) {
            report.check(
                false,
                String::new(),
                format!("{e}; fix: rename [{name}] in {config} or {credentials}"),
            );
        }
    }

    // File times in the future: a restored file or a skewed clock. The
    // cache compares fingerprints, not times, but the user should know.
    let now_t = std::time::SystemTime::now();
    for path in [&paths.config, &paths.credentials] {
        let future = std::fs::metadata(path)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t > now_t + std::time::Duration::from_secs(60));
        report.check(
            !future,
            format!("{}: modification time is not in the future", path.display()),
            format!(
                "{}: modified in the future: the clock or the file's time is wrong; fix the clock (timedatectl set-ntp true), then: touch {}",
                path.display(),
                path.display()
            ),
        );
    }

    let region = req.region();
    report.check(
        region.is_ok(),
        format!("region {}", region.as_deref().unwrap_or("")),
        format!(
            "no region for profile {profile}; fix: pass --region, set AWS_REGION, or aws configure set region us-east-1 --profile {profile}"
        ),
    );

    if let Some(bearer) = crate::environment::env(BEARER_VAR)? {
        report.bearer(&crate::secret::Secret::new(bearer));
    }

    // Static keys in the credentials file win over a credential_process in
    // the config file for the same profile.
    for (name, section) in &files.credentials {
        let shadowed = section.contains_key("aws_access_key_id")
            && files
                .config
                .get(name)
                .is_some_and(|c| c.contains_key("credential_process"));
        report.check(
            !shadowed,
            format!("profile {name}: no static keys shadow its credential_process"),
            format!(
                "profile {name}: static keys in {} shadow its credential_process; fix: remove aws_access_key_id and aws_secret_access_key from [{name}] there",
                paths.credentials.display()
            ),
        );
    }

    // Each credential_process that runs us must split, as botocore and the
    // AWS SDKs split it (shell rules; Windows rules on Windows), into a
    // program that exists.
    for (name, section) in &files.config {
        if let Some(cmd) = section.get("credential_process")
            && cmd.contains("bedrock-token")
        {
            let program = split_command(cmd).and_then(|words| words.into_iter().next());
            let runnable = program.as_deref().is_some_and(|p| {
                std::fs::metadata(p).is_ok_and(|m| crate::platform::is_executable(&m))
                    || (!p.contains(std::path::is_separator)
                        && (p.ends_with("bedrock-token") || p.ends_with("bedrock-token.exe")))
            });
            report.check(
                runnable,
                format!("profile {name}: credential_process runs an existing program"),
                format!(
                    "profile {name}: credential_process splits (by {SPLIT_RULES} rules, as botocore and the AWS SDKs do) into program {}, which is not an executable file; fix: put the path in {QUOTES} quotes, as `bedrock-token setup aws-config` prints it",
                    program.as_deref().unwrap_or("(none: unbalanced quotes)")
                ),
            );
        }
    }

    match &s.cache {
        CacheDir::Dir(dir) => {
            let cache = Cache::at(dir.clone());
            let exists = dir.exists();
            let state = if exists { cache.check_dir() } else { Ok(()) };
            let dir_ok = state.is_ok();
            report.check(
                state.is_ok(),
                format!(
                    "cache directory {}{}",
                    dir.display(),
                    if exists {
                        ""
                    } else {
                        " (created on first use)"
                    }
                ),
                state.err().map(|e| format!("{e:#}")).unwrap_or_default(),
            );
            // A cached entry signed "in the future" means the clock moved back.
            // Entries are read only from a directory that passed its checks.
            let now = now_unix();
            let future = cache
                .files()
                .ok()
                .filter(|_| dir_ok)
                .unwrap_or_default()
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .filter_map(|p| crate::cache::read_header(&p).ok())
                .find(|e| e.created_at > now.saturating_add(60));
            report.check(
                future.is_none(),
                "clock: no cached entry was made in the future".into(),
                format!(
                    "clock: an entry was signed at {}, after now ({}); fix the system clock (timedatectl set-ntp true)",
                    future.as_ref().map(|e| rfc3339(e.created_at)).unwrap_or_default(),
                    rfc3339(now)
                ),
            );
        }
        CacheDir::Off => {}
        CacheDir::Unavailable(why) => report.check(
            false,
            String::new(),
            format!("no cache: {why}; fix: set HOME or --cache-dir"),
        ),
    }

    if report.problems == 0 && region.is_ok() {
        match provide::bedrock_key(s) {
            Ok(entry) => {
                let remaining = entry.remaining(now_unix());
                report.check(
                    remaining > 0,
                    format!(
                        "a key for profile {profile} in {} is available (credentials from {}), expires at {}",
                        entry.region,
                        entry.source,
                        rfc3339(entry.expires_at)
                    ),
                    "the key has already expired; fix the system clock".into(),
                );
                // AWS hands out temporary credentials for at most 36 hours:
                // an expiry further off means this clock runs behind AWS's.
                let ahead = entry
                    .credentials_expire_at
                    .map_or(0, |exp| exp - now_unix());
                report.check(
                    ahead <= MAX_TEMPORARY_CREDENTIALS_SECS,
                    "clock: agrees with the credentials' expiry".into(),
                    format!(
                        "clock: the credentials expire at {}, more than 36 h from now ({}): this clock is behind; fix it (timedatectl set-ntp true)",
                        rfc3339(entry.credentials_expire_at.unwrap_or_default()),
                        rfc3339(now_unix())
                    ),
                );
                if live {
                    report.live(s, &entry);
                }
            }
            Err(e) => {
                let hint = crate::error::Failure::of(&e)
                    .and_then(crate::error::Failure::hint)
                    .map(|h| format!("; fix: {h}"))
                    .unwrap_or_default();
                report.check(false, String::new(), format!("{e:#}{hint}"));
            }
        }
    }
    super::print(&crate::output::doctor::render(&report.checks))?;
    Ok(if report.problems == 0 {
        Outcome::Success
    } else {
        Outcome::Problem
    })
}

#[derive(Default)]
struct Report {
    checks: Vec<Check>,
    problems: usize,
}

impl Report {
    /// `verify` for the key at hand, as one line.
    fn live(&mut self, s: &Settings, entry: &crate::cache::Entry) {
        use crate::output::verify::line;
        let key = crate::output::token(entry);
        match crate::verify::verify(s, key, Some(entry.expires_at)) {
            Ok(v) => self.check(
                v.status == crate::verify::Status::Valid,
                format!("bedrock: {}", line(&v)),
                format!(
                    "bedrock: {}{}",
                    line(&v),
                    v.next
                        .as_deref()
                        .map(|n| format!("; fix: {n}"))
                        .unwrap_or_default()
                ),
            ),
            Err(e) => self.check(false, String::new(), format!("bedrock: {e:#}")),
        }
    }

    /// A key already in the environment wins over every other credential in
    /// the SDKs: say which kind it is and, for a short-term one, when it dies.
    fn bearer(&mut self, key: &crate::secret::Secret) {
        use crate::duration::format_remaining;
        let set = format!("{BEARER_VAR} is set: the AWS SDKs use it before any other credential");
        let fix = format!(
            "fix: unset {BEARER_VAR}, or set it from bedrock-token (bedrock-token exec -- CMD)"
        );
        match crate::bedrock_key::BedrockKey::parse(key.expose()) {
            Ok(crate::bedrock_key::BedrockKey::LongTerm(long)) => self.check(
                true,
                format!(
                    "{set}; it holds {} (its expiry: bedrock-token key list)",
                    long.describe()
                ),
                String::new(),
            ),
            Ok(crate::bedrock_key::BedrockKey::ShortTerm(d)) => {
                let left = d.expires_at() - now_unix();
                self.check(
                    left > 0,
                    format!(
                        "{set}; it holds a short-term key for {} that expires at {} ({} left)",
                        d.region,
                        rfc3339(d.expires_at()),
                        format_remaining(left)
                    ),
                    format!(
                        "{set}, and it holds a short-term key for {} that expired at {}; {fix}",
                        d.region,
                        rfc3339(d.expires_at())
                    ),
                );
            }
            Err(e) => self.check(
                false,
                String::new(),
                format!("{set}, but it holds no usable key: {e:#}; {fix}"),
            ),
        }
    }

    fn check(&mut self, ok: bool, good: String, bad: String) {
        self.problems += usize::from(!ok);
        let text = if ok { good } else { bad };
        self.checks.push(Check { ok, text });
    }
}

/// How this platform's consumers split `credential_process`, and the quotes
/// that keep a path whole there.
#[cfg(unix)]
const SPLIT_RULES: &str = "shell";
#[cfg(unix)]
const QUOTES: &str = "single";
#[cfg(unix)]
use crate::output::quote::shell_split as split_command;
#[cfg(windows)]
const SPLIT_RULES: &str = "Windows";
#[cfg(windows)]
const QUOTES: &str = "double";
#[cfg(windows)]
use crate::output::quote::windows_split as split_command;
