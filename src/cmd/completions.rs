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
    let out = script(args.shell);
    if !args.install {
        return super::print(&out);
    }
    let out = out.into_bytes();
    let path = install_path(args.shell)?;
    let dir = path.parent().expect("an install path has a directory");
    std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
    crate::fsutil::check_target(&path)?;
    crate::fsutil::atomic_write_mode(&path, &out, 0o644)?;
    crate::ui::note(&format!("wrote {}", path.display()));
    if args.shell == Shell::Bash && !bash_completion_installed() {
        crate::ui::note(&format!(
            "only the bash-completion package loads that directory, and it is not installed: \
             install it (apt install bash-completion, brew install bash-completion@2), \
             or add to ~/.bashrc: source {}",
            path.display()
        ));
    }
    if args.shell == Shell::Zsh {
        crate::ui::note(&format!(
            "zsh finds it once ~/.zshrc has, before compinit: fpath+=({})",
            dir.display()
        ));
    }
    Ok(Outcome::Success)
}

/// The completion script for `shell`, with clap_complete's gaps filled.
fn script(shell: Shell) -> String {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "bedrock-token", &mut out);
    let mut text = String::from_utf8_lossy(&out).into_owned();
    match shell {
        // clap_complete names bash's states from the binary name with `-`
        // turned into `__`, but in the `case` arms it turns the first `-`
        // into `__subcmd__` as well, so for `bedrock-token` no arm matches
        // after the first word and bash falls back to file names. Upstream:
        // https://github.com/clap-rs/clap/issues/6421 and
        // https://github.com/clap-rs/clap/pull/6529 (open when written).
        // Renaming the arms is a no-op once that is fixed.
        Shell::Bash => text = text.replace("bedrock__subcmd__token", "bedrock__token"),
        // clap_complete's fish script completes options but not the values
        // of positional arguments (`setup TARGET`, `completions SHELL`).
        Shell::Fish => text.push_str(&fish_positional_values(&Cli::command(), "")),
        _ => {}
    }
    text
}

/// fish `complete` lines for the possible values of each subcommand's
/// positional arguments, where no subcommand of its own follows.
fn fish_positional_values(cmd: &clap::Command, path: &str) -> String {
    let mut out = String::new();
    for sc in cmd.get_subcommands() {
        let name = if path.is_empty() {
            sc.get_name().to_string()
        } else {
            format!("{path} {}", sc.get_name())
        };
        for arg in sc.get_positionals() {
            let values: Vec<String> = arg
                .get_possible_values()
                .iter()
                .filter(|v| !v.is_hide_set())
                .map(|v| v.get_name().to_string())
                .collect();
            if !values.is_empty() {
                // Top-level subcommands only: fish's helper takes one name.
                if !path.is_empty() {
                    continue;
                }
                out.push_str(&format!(
                    "complete -c bedrock-token -n \"__fish_bedrock_token_using_subcommand {name}\" -f -a \"{}\"\n",
                    values.join(" ")
                ));
            }
        }
        out.push_str(&fish_positional_values(sc, &name));
    }
    out
}

/// Whether the bash-completion package, which loads the per-user
/// completions directory on demand, is installed where distributions and
/// Homebrew put it.
fn bash_completion_installed() -> bool {
    [
        "/usr/share/bash-completion/bash_completion",
        "/etc/bash_completion",
        "/opt/homebrew/etc/profile.d/bash_completion.sh",
        "/usr/local/etc/profile.d/bash_completion.sh",
        "/usr/local/share/bash-completion/bash_completion",
    ]
    .iter()
    .any(|p| std::path::Path::new(p).is_file())
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
