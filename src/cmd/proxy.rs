//! `bedrock-token proxy` and `proxy exec -- CMD`: the loopback gateway
//! ([`crate::proxy`]) in the foreground, or for as long as CMD runs.

use super::Outcome;
use crate::cli::{ProxyArgs, ProxyCommand};
use crate::settings::Settings;
use anyhow::Result;

pub fn run(s: &Settings, args: &ProxyArgs) -> Result<Outcome> {
    crate::ui::timestamps();
    match &args.exec {
        Some(ProxyCommand::Exec(e)) => {
            let code = crate::proxy::exec::run(s, &e.command)?;
            std::process::exit(code)
        }
        None => {
            crate::proxy::foreground(s, args.listen.as_deref())?;
            Ok(Outcome::Success)
        }
    }
}
