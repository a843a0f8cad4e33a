//! `bedrock-token credential-process --profile P`: P's AWS credentials as
//! credential_process JSON, cached like keys, for `credential_process` in
//! `~/.aws/config`. (Claude Code gets a key from `apiKeyHelper` instead: see
//! `setup claude-code`.)

use super::Outcome;
use crate::output;
use crate::provide;
use crate::settings::Settings;
use anyhow::Result;

pub fn run(s: &Settings) -> Result<Outcome> {
    let mut s = s.clone();
    // Credentials need no region of their own; STS calls for assume-role
    // chains use the profile's region, else us-east-1 as the AWS CLI does.
    if s.request.region.is_none() {
        s.request.region = Some("us-east-1".into());
    }
    let entry = provide::aws_credentials(&s)?;
    super::print(output::credential_process::render(&entry).expose())
}
