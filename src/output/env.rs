//! Shell assignments, quoted safely for each shell (the quoting is
//! [`super::quote`]'s), and the one list of variables that `env` and `exec`
//! set.

use super::quote::{cmd_escape, dotenv_quote, fish_quote, ps_quote, sh_quote};
use crate::cache::Entry;
use crate::cli::Shell;
use crate::environment::TOKEN_VAR;
use crate::secret::Secret;

/// What `env` prints and `exec` sets: the key as AWS_BEARER_TOKEN_BEDROCK
/// and as each of `extra`, then, with `region`, the key's region as
/// AWS_REGION and as AWS_DEFAULT_REGION, the one botocore (boto3, the AWS
/// CLI v1) reads.
pub fn variables<'a>(
    entry: &'a Entry,
    extra: &'a [String],
    region: bool,
) -> Vec<(&'a str, &'a str)> {
    let token = super::token(entry).expose();
    let mut pairs: Vec<(&str, &str)> = vec![(TOKEN_VAR, token)];
    pairs.extend(extra.iter().map(|v| (v.as_str(), token)));
    if region {
        pairs.push(("AWS_REGION", &entry.region));
        pairs.push(("AWS_DEFAULT_REGION", &entry.region));
    }
    pairs
}

/// Each `(name, value)` as an assignment in `shell`'s syntax; a value may be
/// the key, so the text is a [`Secret`].
pub fn render(shell: Shell, export: bool, pairs: &[(&str, &str)]) -> Secret {
    let mut out = String::new();
    for (name, value) in pairs {
        let line = match shell {
            Shell::Sh if export => format!("export {name}={}\n", sh_quote(value)),
            Shell::Sh => format!("{name}={}\n", sh_quote(value)),
            Shell::Fish if export => format!("set -gx {name} {}\n", fish_quote(value)),
            Shell::Fish => format!("set -g {name} {}\n", fish_quote(value)),
            Shell::Powershell => format!("$env:{name} = {}\n", ps_quote(value)),
            Shell::Cmd => format!("set \"{name}={}\"\r\n", cmd_escape(value)),
            Shell::Dotenv => format!("{name}={}\n", dotenv_quote(value)),
        };
        out.push_str(&line);
    }
    Secret::new(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29tLz9B+/==";

    #[test]
    fn each_shell_has_its_shape() {
        let pairs = [
            ("AWS_BEARER_TOKEN_BEDROCK", KEY),
            ("AWS_REGION", "eu-west-1"),
        ];
        assert_eq!(
            render(Shell::Sh, true, &pairs).expose(),
            format!("export AWS_BEARER_TOKEN_BEDROCK='{KEY}'\nexport AWS_REGION='eu-west-1'\n")
        );
        assert_eq!(
            render(Shell::Sh, false, &pairs[..1]).expose(),
            format!("AWS_BEARER_TOKEN_BEDROCK='{KEY}'\n")
        );
        assert_eq!(
            render(Shell::Fish, true, &pairs[1..]).expose(),
            "set -gx AWS_REGION 'eu-west-1'\n"
        );
        assert_eq!(
            render(Shell::Powershell, true, &pairs[1..]).expose(),
            "$env:AWS_REGION = 'eu-west-1'\n"
        );
        assert_eq!(
            render(Shell::Cmd, true, &pairs[1..]).expose(),
            "set \"AWS_REGION=eu-west-1\"\r\n"
        );
        assert_eq!(
            render(Shell::Dotenv, true, &pairs[..1]).expose(),
            format!("AWS_BEARER_TOKEN_BEDROCK=\"{KEY}\"\n")
        );
    }

    #[test]
    fn env_and_exec_set_the_key_then_the_region_twice() {
        let entry = crate::output::fixture::key_entry();
        let key = crate::output::token(&entry).expose();
        let extra = ["ZED_BEDROCK_BEARER_TOKEN".to_string()];
        assert_eq!(
            variables(&entry, &extra, true),
            [
                ("AWS_BEARER_TOKEN_BEDROCK", key),
                ("ZED_BEDROCK_BEARER_TOKEN", key),
                ("AWS_REGION", "eu-west-1"),
                ("AWS_DEFAULT_REGION", "eu-west-1"),
            ]
        );
        assert_eq!(
            variables(&entry, &[], false),
            [("AWS_BEARER_TOKEN_BEDROCK", key)]
        );
    }
}
