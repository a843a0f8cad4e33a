//! `bedrock-token completions SHELL [--install]`: print them, or write them
//! where the shell looks for them, creating the directory on a fresh home.

use super::Outcome;
use crate::cli::{Cli, CompletionsArgs};
use crate::environment::env;
use crate::error::usage;
use anyhow::{Context, Result};
use clap::CommandFactory;
use clap_complete::Shell;
use std::path::PathBuf;

pub fn run(args: &CompletionsArgs) -> Result<Outcome> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "bedrock-token", &mut out);
    if !args.install {
        return super::print(&String::from_utf8_lossy(&out));
    }
    let path = install_path(args.shell)?;
    let dir = path.parent().expect("an install path has a directory");
    std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    crate::fsutil::check_target(&path)?;
    crate::fsutil::atomic_write_mode(&path, &out, 0o644)?;
    crate::ui::note(&format!("wrote {}", path.display()));
    if args.shell == Shell::Zsh {
        crate::ui::note(&format!(
            "zsh finds it once ~/.zshrc has, before compinit: fpath+=({})",
            dir.display()
        ));
    }
    Ok(Outcome::Success)
}

/// Where each shell looks for a user's completions.
fn install_path(shell: Shell) -> Result<PathBuf> {
    let home = env("HOME")?
        .map(PathBuf::from)
        .filter(|h| h.is_absolute())
        .ok_or_else(|| usage("--install needs HOME set to an absolute path"))?;
    let xdg = |var: &str, default: &str| -> Result<PathBuf> {
        Ok(env(var)?
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .unwrap_or_else(|| home.join(default)))
    };
    Ok(match shell {
        Shell::Bash => {
            xdg("XDG_DATA_HOME", ".local/share")?.join("bash-completion/completions/bedrock-token")
        }
        Shell::Zsh => {
            xdg("XDG_DATA_HOME", ".local/share")?.join("zsh/site-functions/_bedrock-token")
        }
        Shell::Fish => {
            xdg("XDG_CONFIG_HOME", ".config")?.join("fish/completions/bedrock-token.fish")
        }
        other => {
            return Err(usage(format!(
                "{other} has no standard place for completions: redirect them to a file and load it from your profile"
            )));
        }
    })
}
