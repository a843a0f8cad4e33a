//! `bedrock-token verify [-]`: asks Bedrock whether the key works, and says
//! why when it does not. Exit 0 only when it is valid.

use super::Outcome;
use crate::cli::{InfoFormat, VerifyArgs};
use crate::output;
use crate::provide;
use crate::settings::Settings;
use crate::verify::{self, Status};
use anyhow::Result;

/// A success only when Bedrock took the key.
pub fn run(s: &Settings, args: &VerifyArgs) -> Result<Outcome> {
    // The key `token` would hand out now (through the cache), or stdin's.
    let (key, expires_at) = match &args.input {
        Some(marker) => (super::key_from_stdin(marker)?, None),
        None => {
            let entry = provide::bedrock_key(s)?;
            (output::token(&entry).clone(), Some(entry.expires_at))
        }
    };
    let verdict = verify::verify(s, &key, expires_at)?;
    drop(key);
    let text = match args.format {
        InfoFormat::Text => output::verify::text(&verdict),
        InfoFormat::Json => output::verify::json(&verdict),
    };
    super::print(&text)?;
    Ok(if verdict.status == Status::Valid {
        Outcome::Success
    } else {
        Outcome::Problem
    })
}
