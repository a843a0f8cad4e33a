//! `bedrock-token key ...`: Bedrock long-term API keys, which are IAM
//! service-specific credentials ([`crate::iam`]).
//!
//! A new key's secret exists once, in IAM's answer to the create call, so
//! it is delivered (stdout, or `--write PATH`) before anything else is
//! touched, and every later failure says which old key is still active.

use super::Outcome;
use crate::cli::{
    InfoFormat, KeyCommand, KeyDeleteArgs, KeyIdArgs, KeyListArgs, KeyNewArgs, KeyRotateArgs,
};
use crate::duration::Expiry;
use crate::duration::{now_unix, rfc3339};
use crate::error::{usage, with_hint};
use crate::iam::{self, Iam, Key, NewKey, Status};
use crate::output::keys as render;
use crate::settings::Settings;
use crate::ui;
use anyhow::{Context, Result};

pub fn run(s: &Settings, command: &KeyCommand) -> Result<Outcome> {
    match command {
        KeyCommand::Create(args) => create(s, args),
        KeyCommand::List(args) => list(s, args),
        KeyCommand::Rotate(args) => rotate(s, args),
        KeyCommand::Activate(args) => set_status(s, args, Status::Active),
        KeyCommand::Deactivate(args) => set_status(s, args, Status::Inactive),
        KeyCommand::Delete(args) => delete(s, args),
    }
}

/// The named user, else the caller's own.
fn user(iam: &Iam, named: &Option<String>) -> Result<String> {
    match named {
        Some(u) => Ok(u.clone()),
        None => iam.caller_user(),
    }
}

fn create(s: &Settings, args: &KeyNewArgs) -> Result<Outcome> {
    check_destination(args)?;
    let iam = iam::connect(s)?;
    let user = user(&iam, &args.user)?;
    let new = make(&iam, &user, args.expires)?;
    deliver(&new, args).map_err(|e| lost(e, &new, &[]))?;
    Ok(Outcome::Success)
}

fn list(s: &Settings, args: &KeyListArgs) -> Result<Outcome> {
    let iam = iam::connect(s)?;
    let (keys, whose) = if args.all_users {
        (iam.list(None, true)?, "any user".to_string())
    } else {
        let user = user(&iam, &args.user)?;
        (iam.list(Some(&user), false)?, format!("user {user}"))
    };
    let now = now_unix();
    let text = match args.format {
        InfoFormat::Text => render::list_text(&keys, now, &whose),
        InfoFormat::Json => render::list_json(&keys, now),
    };
    super::print(&text)
}

/// The safe replacement: make room (delete the oldest Inactive or Expired
/// key when the user has two), create, deliver, check (`--verify`), then
/// deactivate the previously active key, kept for rollback.
fn rotate(s: &Settings, args: &KeyRotateArgs) -> Result<Outcome> {
    let new_args = &args.new;
    check_destination(new_args)?;
    if args.verify {
        // Checked now: after creation, a missing region would strand the old key.
        s.request.region()?;
    }
    let iam = iam::connect(s)?;
    let user = user(&iam, &new_args.user)?;
    let keys = iam.list(Some(&user), false)?;
    let active: Vec<&Key> = keys.iter().filter(|k| k.status == Status::Active).collect();
    if keys.len() >= 2 {
        let Some(spare) = keys.iter().find(|k| k.status != Status::Active) else {
            return Err(with_hint(
                format!(
                    "user {user} already has two active Bedrock keys, {} and {}: rotating would leave no key to roll back to, so nothing was changed",
                    keys[0].id, keys[1].id
                ),
                format!(
                    "deactivate the one no longer in use (bedrock-token key deactivate {} --user {user}), then run bedrock-token key rotate --user {user} again",
                    keys[0].id
                ),
            ));
        };
        // Oldest first: the list is sorted by creation.
        iam.delete(&user, &spare.id)?;
        ui::note(&format!(
            "deleted {} key {} of user {user} (created {})",
            spare.status.name(),
            spare.id,
            rfc3339(spare.created)
        ));
    }
    let new = make(&iam, &user, new_args.expires)?;
    ui::note(&format!(
        "created key {} for user {user} ({})",
        new.key.id,
        new.key.expires.map_or("never expires".into(), |e| format!(
            "expires {}",
            rfc3339(e)
        ))
    ));
    let still = |e: anyhow::Error| still_active(e, &new, &active, &user);
    deliver(&new, new_args).map_err(|e| lost(e, &new, &active))?;
    match &new_args.write {
        Some(path) => ui::note(&format!("wrote the new key to {}", path.display())),
        None => ui::note("printed the new key on stdout"),
    }
    if args.verify {
        check_new_key(s, &new).map_err(still)?;
    }
    for old in &active {
        iam.set_status(&user, &old.id, Status::Inactive)
            .map_err(still)?;
        ui::note(&format!(
            "deactivated the previous key {} (kept for rollback: bedrock-token key activate {} --user {user}; the next rotate deletes it)",
            old.id, old.id
        ));
    }
    Ok(Outcome::Success)
}

fn set_status(s: &Settings, args: &KeyIdArgs, status: Status) -> Result<Outcome> {
    let iam = iam::connect(s)?;
    let user = user(&iam, &args.user)?;
    iam.set_status(&user, &args.id, status)?;
    super::print(&format!(
        "key {} of user {user} is now {}\n",
        args.id,
        status.name()
    ))
}

fn delete(s: &Settings, args: &KeyDeleteArgs) -> Result<Outcome> {
    let id = &args.key.id;
    if !args.yes && !confirm(&format!("delete key {id} for good? [y/N] "))? {
        return Err(anyhow::anyhow!("not deleted: {id}"));
    }
    let iam = iam::connect(s)?;
    let user = user(&iam, &args.key.user)?;
    iam.delete(&user, id)?;
    super::print(&format!("deleted key {id} of user {user}\n"))
}

/// Asks on the terminal. Without one, `--yes` is required.
fn confirm(question: &str) -> Result<bool> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Err(usage(
            "key delete asks for confirmation at a terminal; pass --yes to delete without asking",
        ));
    }
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "bedrock-token: {question}");
    let _ = err.flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .context("could not read the answer")?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

fn make(iam: &Iam, user: &str, expires: Expiry) -> Result<NewKey> {
    if expires == Expiry::Never {
        ui::warn(
            "a key that never expires lives until someone deletes it: rotate it by hand (bedrock-token key rotate)",
        );
    }
    iam.create(user, expires)
}

/// A `--write` destination that cannot take the key fails before the key
/// exists, not after (its secret could not be shown again).
fn check_destination(args: &KeyNewArgs) -> Result<()> {
    let Some(path) = &args.write else {
        return Ok(());
    };
    crate::fsutil::check_target(path).map_err(|e| usage(format!("{e:#}")))?;
    let dir = crate::fsutil::parent(path);
    if !dir.is_dir() {
        return Err(usage(format!(
            "{}: directory {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    Ok(())
}

/// The new key to stdout, or to its file and its description to stdout.
fn deliver(new: &NewKey, args: &KeyNewArgs) -> Result<()> {
    match &args.write {
        Some(path) => {
            crate::fsutil::write_if_changed(path, new.secret.expose().as_bytes())?;
            super::deliver(&match args.format {
                InfoFormat::Text => render::written_text(new, path),
                InfoFormat::Json => render::written_json(new),
            })
            // The key is safe in its file: a reader that went away costs nothing.
            .or(Ok(()))
        }
        None => super::deliver(
            match args.format {
                InfoFormat::Text => render::new_text(new),
                InfoFormat::Json => render::new_json(new),
            }
            .expose(),
        ),
    }
}

/// The new key could not be delivered: its secret is gone, and the old
/// keys are as they were.
fn lost(err: anyhow::Error, new: &NewKey, old: &[&Key]) -> anyhow::Error {
    let (id, user) = (&new.key.id, &new.key.user);
    with_hint(
        format!(
            "created key {id} for user {user}, but could not deliver it ({err:#}); its secret cannot be shown again{}",
            still_active_words(old)
        ),
        format!("delete it (bedrock-token key delete {id} --user {user} --yes) and try again"),
    )
}

/// A failure after the new key was delivered: it is safe, and the old key
/// is still active.
fn still_active(err: anyhow::Error, new: &NewKey, old: &[&Key], user: &str) -> anyhow::Error {
    let hint = crate::error::Failure::of(&err)
        .and_then(crate::error::Failure::hint)
        .map(str::to_string);
    let olds: Vec<&str> = old.iter().map(|k| k.id.as_str()).collect();
    let state = still_active_words(old);
    let next = match (olds.first(), hint) {
        (Some(one), None) => format!(
            "once clients use the new key {}, deactivate the old one: bedrock-token key deactivate {one} --user {user}",
            new.key.id
        ),
        (Some(one), Some(h)) => format!(
            "{h}; then deactivate the old key: bedrock-token key deactivate {one} --user {user}"
        ),
        (None, Some(h)) => h,
        (None, None) => "see bedrock-token key list".into(),
    };
    with_hint(format!("{err:#}{state}"), next)
}

fn still_active_words(old: &[&Key]) -> String {
    let olds: Vec<&str> = old.iter().map(|k| k.id.as_str()).collect();
    match olds.as_slice() {
        [] => String::new(),
        [one] => format!("; the previous key {one} is still active"),
        many => format!("; the previous keys {} are still active", many.join(", ")),
    }
}

/// `--verify`: Bedrock must take the new key. IAM is eventually consistent:
/// a key a second old may not have reached Bedrock yet, so a rejection is
/// asked again twice.
fn check_new_key(s: &Settings, new: &NewKey) -> Result<()> {
    use crate::verify::{Status as V, verify};
    let mut verdict = verify(s, &new.secret, None)?;
    for wait in [2, 3] {
        if verdict.status != V::Rejected {
            break;
        }
        std::thread::sleep(std::time::Duration::from_secs(wait));
        verdict = verify(s, &new.secret, None)?;
    }
    if verdict.status == V::Valid {
        ui::note(&format!(
            "verified the new key {}: {}",
            new.key.id,
            crate::output::verify::line(&verdict)
        ));
        return Ok(());
    }
    Err(with_hint(
        format!(
            "the new key {} did not pass verification: {}",
            new.key.id,
            crate::output::verify::line(&verdict)
        ),
        verdict
            .next
            .unwrap_or_else(|| "check the key with bedrock-token verify -".into()),
    ))
}
