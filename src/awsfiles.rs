//! Just enough of the AWS shared config and credentials files for what
//! aws-config does not tell us: whether a profile exists, its `region`, and
//! what kind of login it needs, so errors and `doctor` can say what to run.
//! Credentials themselves are always resolved by aws-config.

use crate::platform::FileId;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The two files' paths, as the AWS CLI finds them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Paths {
    pub config: PathBuf,
    pub credentials: PathBuf,
}

impl Paths {
    /// From `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE`, else under
    /// the home directory (`HOME`; on Windows also `USERPROFILE`, as the AWS
    /// SDKs look). A value that is not UTF-8 is a usage error.
    pub fn from_env() -> anyhow::Result<Paths> {
        let env = crate::environment::env;
        let home = crate::environment::user_home()?
            .map(PathBuf::from)
            .unwrap_or_default();
        let pick = |var: &str, default: &str| -> anyhow::Result<PathBuf> {
            Ok(env(var)?
                .map(|v| expand_tilde(PathBuf::from(v), &home))
                .unwrap_or_else(|| home.join(".aws").join(default)))
        };
        Ok(Paths {
            config: pick("AWS_CONFIG_FILE", "config")?,
            credentials: pick("AWS_SHARED_CREDENTIALS_FILE", "credentials")?,
        })
    }
}

fn expand_tilde(path: PathBuf, home: &Path) -> PathBuf {
    match path.strip_prefix("~") {
        Ok(rest) => home.join(rest),
        Err(_) => path,
    }
}

/// What the AWS files were: size, mtime and inode of each, `None` when
/// missing. Compared for equality only, never with the clock, so skewed or
/// future file times cannot defeat or pin the cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FilesStamp {
    pub config: Option<FileId>,
    pub credentials: Option<FileId>,
}

impl FilesStamp {
    pub fn read(paths: &Paths) -> FilesStamp {
        FilesStamp {
            config: crate::platform::path_id(&paths.config),
            credentials: crate::platform::path_id(&paths.credentials),
        }
    }
}

/// One section's settings, keys lowercased.
pub type Section = BTreeMap<String, String>;

/// Both files, read once.
#[derive(Debug, Default)]
pub struct Files {
    /// `[profile X]` and `[default]` of the config file, by profile name.
    pub config: BTreeMap<String, Section>,
    /// `[X]` of the credentials file, by profile name.
    pub credentials: BTreeMap<String, Section>,
}

impl Files {
    pub fn load(paths: &Paths) -> Files {
        let read = |p: &Path| std::fs::read_to_string(p).ok();
        Files::from_texts(
            read(&paths.config).as_deref(),
            read(&paths.credentials).as_deref(),
        )
    }

    /// From the two files' text (`None`: missing or unreadable).
    fn from_texts(config: Option<&str>, credentials: Option<&str>) -> Files {
        let mut files = Files::default();
        for (name, section) in config.map(parse).unwrap_or_default() {
            if name == "default" {
                files.config.insert(name, section);
            } else if let Some(p) = name.strip_prefix("profile ") {
                files.config.insert(p.trim().to_string(), section);
            }
        }
        files.credentials = credentials
            .map(parse)
            .unwrap_or_default()
            .into_iter()
            .collect();
        files
    }

    pub fn has_profile(&self, profile: &str) -> bool {
        self.config.contains_key(profile) || self.credentials.contains_key(profile)
    }

    /// A setting of a profile: the credentials file wins, as in aws-config.
    pub fn get(&self, profile: &str, key: &str) -> Option<&str> {
        self.credentials
            .get(profile)
            .and_then(|s| s.get(key))
            .or_else(|| self.config.get(profile).and_then(|s| s.get(key)))
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The command that renews this profile's login session, if it has one:
    /// itself or through its `source_profile` chain.
    pub fn login_command(&self, profile: &str) -> Option<String> {
        let mut current = profile;
        for _ in 0..16 {
            if self.get(current, "sso_session").is_some()
                || self.get(current, "sso_start_url").is_some()
            {
                return Some(format!("aws sso login --profile {current}"));
            }
            if self.get(current, "login_session").is_some() {
                return Some(format!("aws login --profile {current}"));
            }
            match self.get(current, "source_profile") {
                Some(next) if next != current => current = next,
                _ => return None,
            }
        }
        None
    }
}

/// Parses INI text into (section name, settings). Sub-property blocks
/// (indented lines under `s3 =`) and comments are skipped.
pub fn parse(text: &str) -> Vec<(String, Section)> {
    let mut out: Vec<(String, Section)> = Vec::new();
    for raw in text.lines() {
        if raw.starts_with([' ', '\t']) {
            continue; // continuation or sub-property: none of ours
        }
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[') {
            let name = name.split(']').next().unwrap_or("").trim();
            let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
            out.push((name, Section::new()));
            continue;
        }
        if let (Some((k, v)), Some((_, section))) = (line.split_once('='), out.last_mut()) {
            let v = v.trim();
            // A ` #` or ` ;` starts an inline comment.
            let v = v
                .find(" #")
                .or_else(|| v.find(" ;"))
                .map_or(v, |i| v[..i].trim_end());
            section.insert(k.trim().to_ascii_lowercase(), v.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_profiles_regions_and_logins() {
        let config = "\
[default]
region = us-east-1
[profile dev]
region=eu-west-1 # inline
s3 =
  max_concurrent_requests = 20
[profile sso]
sso_session = corp
[profile role]
role_arn = arn:aws:iam::123456789012:role/r
source_profile = sso
[sso-session corp]
sso_start_url = https://example.awsapps.com/start
";
        let files = Files::from_texts(
            Some(config),
            Some("[dev]\naws_access_key_id = AKIDEXAMPLE\n"),
        );
        assert_eq!(files.get("default", "region"), Some("us-east-1"));
        assert_eq!(files.get("dev", "region"), Some("eu-west-1"));
        assert_eq!(files.get("dev", "aws_access_key_id"), Some("AKIDEXAMPLE"));
        assert!(files.has_profile("role"));
        assert!(!files.has_profile("nope"));
        assert!(!files.has_profile("sso-session corp"), "not a profile");
        assert_eq!(
            files.login_command("role").as_deref(),
            Some("aws sso login --profile sso")
        );
        assert_eq!(files.login_command("dev"), None);
    }
}
