//! `bedrock-token credential-process --profile P`: P's AWS credentials as
//! credential_process JSON, cached like keys, for `credential_process` in
//! `~/.aws/config` and Claude Code's `awsCredentialExport`.

use crate::error::with_hint;
use crate::output;
use crate::provide;
use crate::settings::Settings;
use anyhow::Result;

/// Carries `depth:profile,profile,...` into the credential chain's children,
/// so a profile whose credential_process calls us for itself is caught.
pub const RECURSION_VAR: &str = "BEDROCK_TOKEN_CREDENTIAL_PROCESS";
const MAX_DEPTH: usize = 8;

pub fn run(s: &Settings) -> Result<()> {
    guard_recursion(&s.profile)?;
    let mut s = s.clone();
    // Credentials need no region of their own; STS calls for assume-role
    // chains use the profile's region, else us-east-1 as the AWS CLI does.
    if s.region.is_none() {
        let files = crate::awsfiles::Files::load(&s.paths);
        if provide::region(&s, &files).is_err() {
            s.region = Some("us-east-1".into());
        }
    }
    let entry = provide::aws_credentials(&s)?;
    super::print(&format!(
        "{}\n",
        output::credential_process(&entry).expose()
    ))
}

fn guard_recursion(profile: &str) -> Result<()> {
    let current = std::env::var(RECURSION_VAR).unwrap_or_default();
    let chain: Vec<&str> = current
        .split_once(':')
        .map(|(_, p)| p.split(',').filter(|p| !p.is_empty()).collect())
        .unwrap_or_default();
    if chain.contains(&profile) || chain.len() >= MAX_DEPTH {
        return Err(with_hint(
            format!(
                "recursion: profile {profile} gets its credentials from bedrock-token credential-process \
                 for itself (chain: {} -> {profile})",
                chain.join(" -> ")
            ),
            format!(
                "point credential_process of profile {profile} at another profile: \
                 bedrock-token credential-process --profile SOURCE"
            ),
        ));
    }
    let mut next = chain;
    next.push(profile);
    let value = format!("{}:{}", next.len(), next.join(","));
    // SAFETY: no other thread runs yet: the async runtime starts later, and
    // the variable must reach the credential_process children it spawns.
    unsafe { std::env::set_var(RECURSION_VAR, value) };
    Ok(())
}
