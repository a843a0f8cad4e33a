//! `bedrock-token doctor`: checks what would go wrong, each with its fix.
//! Exit 1 when something needs fixing.

use crate::awsfiles::Files;
use crate::cache::Cache;
use crate::duration::{now_unix, rfc3339};
use crate::provide;
use crate::settings::{CacheDir, Settings};
use anyhow::Result;

/// The longest AWS temporary credentials live (GetSessionToken's maximum).
const MAX_TEMPORARY_CREDENTIALS_SECS: i64 = 36 * 3600;

/// `live`: after the local checks, ask Bedrock whether the key works.
pub fn run(s: &Settings, live: bool) -> Result<bool> {
    let files = Files::load(&s.paths);
    let mut report = Report::default();

    let profile = &s.profile;
    report.check(
        profile == "default" || files.has_profile(profile),
        format!("profile {profile} is defined"),
        format!(
            "profile {profile} is not in {} or {}; fix: aws configure --profile {profile}",
            s.paths.config.display(),
            s.paths.credentials.display()
        ),
    );

    let region = provide::region(s, &files);
    report.check(
        region.is_ok(),
        format!("region {}", region.as_deref().unwrap_or("")),
        format!(
            "no region for profile {profile}; fix: pass --region, set AWS_REGION, or aws configure set region us-east-1 --profile {profile}"
        ),
    );

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
                s.paths.credentials.display()
            ),
        );
    }

    // A credential_process path with spaces must be quoted.
    for (name, section) in &files.config {
        if let Some(cmd) = section.get("credential_process")
            && cmd.contains("bedrock-token")
        {
            let program_has_space = !cmd.starts_with('"')
                && cmd
                    .find("bedrock-token")
                    .is_some_and(|i| cmd[..i].contains(' '));
            report.check(
                !program_has_space,
                format!("profile {name}: credential_process path is usable"),
                format!(
                    "profile {name}: the credential_process path has a space and no quotes; fix: put the path in double quotes"
                ),
            );
        }
    }

    match &s.cache {
        CacheDir::Dir(dir) => {
            let cache = Cache::at(dir.clone());
            let exists = dir.exists();
            let state = if exists { cache.check_dir() } else { Ok(()) };
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
            let now = now_unix();
            let future = cache
                .files()
                .unwrap_or_default()
                .into_iter()
                .filter_map(|p| std::fs::read_to_string(p).ok())
                .filter_map(|t| serde_json::from_str::<crate::cache::Entry>(&t).ok())
                .find(|e| e.created_at > now + 60);
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
                let hint = e
                    .chain()
                    .find_map(|c| c.downcast_ref::<crate::error::Failure>())
                    .and_then(|f| f.hint.clone())
                    .map(|h| format!("; fix: {h}"))
                    .unwrap_or_default();
                report.check(false, String::new(), format!("{e:#}{hint}"));
            }
        }
    }
    super::print(&report.out)?;
    Ok(report.problems == 0)
}

#[derive(Default)]
struct Report {
    out: String,
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

    fn check(&mut self, ok: bool, good: String, bad: String) {
        if ok {
            self.out.push_str(&format!("ok       {good}\n"));
        } else {
            self.problems += 1;
            self.out.push_str(&format!("PROBLEM  {bad}\n"));
        }
    }
}
