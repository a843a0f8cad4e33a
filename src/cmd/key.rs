//! `bedrock-token key ...`: Bedrock long-term API keys, which are IAM
//! service-specific credentials ([`crate::iam`]).
//!
//! A new key's secret exists once, in IAM's answer to the create call, so
//! it is delivered (stdout, or `--write PATH`) before anything else is
//! touched, and every later failure says which old key is still active.

mod hold;

use super::Outcome;
use crate::cli::{
    InfoFormat, KeyCommand, KeyDeleteArgs, KeyIdArgs, KeyListArgs, KeyNewArgs, KeyRotateArgs,
};
use crate::duration::{Expiry, now_unix, rfc3339};
use crate::error::{usage, with_hint};
use crate::iam::{self, Failed, Iam, Key, NewKey, Status};
use crate::output::keys as render;
use crate::settings::Settings;
use crate::ui;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// How far before a create call a key IAM lists counts as made by it, when
/// there is no listing from before to compare with: clocks disagree.
const CLOCK_SLACK: i64 = 600;

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

/// An IAM client with the profile's credentials. STS and SSO calls of the
/// chain go to the profile's region, when it has one; IAM is signed for
/// its partition's region.
fn connect(s: &Settings) -> Result<Iam> {
    let profile_region = s.request.region.as_deref();
    let iam_region = iam::signing_region(profile_region);
    let resolved = crate::provide::credentials(s, profile_region.unwrap_or(iam_region))?;
    ui::verbose(&format!(
        "calling IAM in {iam_region} as profile {} (credentials from {})",
        s.request.profile, resolved.source
    ));
    iam::connect(iam::Connection {
        credentials: resolved.credentials,
        profile: s.request.profile.clone(),
        region: iam_region,
        endpoint: crate::environment::endpoint_override("AWS_ENDPOINT_URL_IAM")?,
    })
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
    let iam = connect(s)?;
    let user = user(&iam, &args.user)?;
    let hold = hold::Hold::start();
    let new = make(&iam, &user, args.expires, None)?;
    deliver(&new, args, false).map_err(|e| lost(e, &new, &[]))?;
    if let Some(signal) = hold.release() {
        stop(signal, &new, &[], "");
    }
    Ok(Outcome::Success)
}

fn list(s: &Settings, args: &KeyListArgs) -> Result<Outcome> {
    let iam = connect(s)?;
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
/// deactivate the previously active key, kept for rollback. With
/// `--write F`, F keeps the current key until the new one is whole, and
/// its previous content stays in `F.previous` until the old key is
/// deactivated: at no step does the user hold neither key.
fn rotate(s: &Settings, args: &KeyRotateArgs) -> Result<Outcome> {
    let new_args = &args.new;
    check_destination(new_args)?;
    if args.verify {
        // Checked now: after creation, a missing region would strand the old key.
        s.request.region()?;
    }
    let iam = connect(s)?;
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
        make_room(&iam, &user, spare)?;
    }
    let hold = hold::Hold::start();
    let new = make(&iam, &user, new_args.expires, Some(&keys))?;
    ui::note(&format!(
        "created key {} for user {user} ({})",
        new.key.id,
        new.key.expires.map_or("never expires".into(), |e| format!(
            "expires {}",
            rfc3339(e)
        ))
    ));
    let previous =
        deliver(&new, new_args, !active.is_empty()).map_err(|e| lost(e, &new, &active))?;
    match &new_args.write {
        Some(path) => ui::note(&format!("wrote the new key to {}", path.display())),
        None => ui::note("printed the new key on stdout"),
    }
    let kept = kept_words(previous.as_deref());
    if let Some(signal) = hold.release() {
        stop(signal, &new, &active, &kept);
    }
    let still = |e: anyhow::Error| still_active(e, &new, &active, &user, &kept);
    if args.verify {
        check_new_key(s, &new).map_err(still)?;
    }
    for old in &active {
        deactivate(&iam, &user, old).map_err(still)?;
    }
    if let Some(previous) = previous {
        match std::fs::remove_file(&previous) {
            Ok(()) => ui::note(&format!(
                "removed {}: the key it held is inactive now",
                previous.display()
            )),
            Err(e) => ui::warn(&format!(
                "could not remove {}, which holds the previous, now inactive, key: {e}",
                previous.display()
            )),
        }
    }
    Ok(Outcome::Success)
}

/// Deletes the spare key rotate makes room with. An answer that went
/// missing is checked against IAM's listing.
fn make_room(iam: &Iam, user: &str, spare: &Key) -> Result<()> {
    let deleted = || {
        ui::note(&format!(
            "deleted {} key {} of user {user} (created {})",
            spare.status.name(),
            spare.id,
            rfc3339(spare.created)
        ))
    };
    match iam.delete(user, &spare.id) {
        Ok(()) => {
            deleted();
            Ok(())
        }
        Err(f) if !f.maybe_applied => Err(f.error),
        Err(f) => match iam.list(Some(user), false) {
            Ok(now) if !now.iter().any(|k| k.id == spare.id) => {
                ui::warn(&format!("{:#}; but IAM no longer lists the key", f.error));
                deleted();
                Ok(())
            }
            Ok(_) => Err(with_hint(
                format!(
                    "{:#}; IAM still lists key {}, and nothing else was changed",
                    f.error, spare.id
                ),
                format!("try again: bedrock-token key rotate --user {user}"),
            )),
            Err(e) => Err(with_hint(
                format!(
                    "{:#}; whether IAM deleted key {} could not be checked either ({e:#}); nothing else was changed",
                    f.error, spare.id
                ),
                format!(
                    "once IAM answers, see bedrock-token key list --user {user}, then rotate again"
                ),
            )),
        },
    }
}

/// Deactivates a previous key. An answer that went missing is checked
/// against IAM's listing: what is reported is what IAM holds.
fn deactivate(iam: &Iam, user: &str, old: &Key) -> Result<()> {
    let done = || {
        ui::note(&format!(
            "deactivated the previous key {} (kept for rollback: bedrock-token key activate {} --user {user}; the next rotate deletes it)",
            old.id, old.id
        ))
    };
    let f = match iam.set_status(user, &old.id, Status::Inactive) {
        Ok(()) => {
            done();
            return Ok(());
        }
        Err(f) if !f.maybe_applied => return Err(f.error),
        Err(f) => f,
    };
    match iam.list(Some(user), false) {
        Ok(now) => match now.iter().find(|k| k.id == old.id).map(|k| k.status) {
            Some(Status::Active) => Err(f.error),
            Some(_) => {
                ui::warn(&format!(
                    "{:#}; but IAM shows key {} inactive",
                    f.error, old.id
                ));
                done();
                Ok(())
            }
            None => {
                ui::warn(&format!(
                    "{:#}; IAM no longer lists key {} at all",
                    f.error, old.id
                ));
                Ok(())
            }
        },
        Err(e) => Err(with_hint(
            format!(
                "{:#}; whether key {} is still active could not be checked either ({e:#})",
                f.error, old.id
            ),
            format!(
                "once IAM answers, see bedrock-token key list --user {user}; if {} is still Active, deactivate it: bedrock-token key deactivate {} --user {user}",
                old.id, old.id
            ),
        )),
    }
}

fn set_status(s: &Settings, args: &KeyIdArgs, status: Status) -> Result<Outcome> {
    let iam = connect(s)?;
    let user = user(&iam, &args.user)?;
    iam.set_status(&user, &args.id, status)?;
    super::print(&render::status_changed(&args.id, &user, status))
}

fn delete(s: &Settings, args: &KeyDeleteArgs) -> Result<Outcome> {
    let id = &args.key.id;
    if !args.yes && !confirm(&format!("delete key {id} for good? [y/N] "))? {
        return Err(anyhow::anyhow!("not deleted: {id}"));
    }
    let iam = connect(s)?;
    let user = user(&iam, &args.key.user)?;
    iam.delete(&user, id)?;
    super::print(&render::deleted(id, &user))
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

/// Creates the key. When IAM may have made one though the call failed,
/// looks at the user's keys and names any made by it: its secret never
/// arrived, so it can only be deleted. `before` is the listing rotate took
/// first; without one, a key created from shortly before the call counts.
fn make(iam: &Iam, user: &str, expires: Expiry, before: Option<&[Key]>) -> Result<NewKey> {
    if expires == Expiry::Never {
        ui::warn(
            "a key that never expires lives until someone deletes it: rotate it by hand (bedrock-token key rotate)",
        );
    }
    let started = now_unix();
    let f: Failed = match iam.create(user, expires) {
        Ok(new) => return Ok(new),
        Err(f) if !f.maybe_applied => return Err(f.error),
        Err(f) => f,
    };
    let err = f.error;
    let keys = match iam.list(Some(user), false) {
        Ok(keys) => keys,
        Err(e) => {
            return Err(with_hint(
                format!(
                    "{err:#}; IAM may have created a key for user {user} all the same, and listing the user's keys to check failed too ({e:#})"
                ),
                format!(
                    "once IAM answers, run bedrock-token key list --user {user}: a key created at {} or later that you do not hold has a secret that never reached us; delete it with bedrock-token key delete ID --user {user} --yes",
                    rfc3339(started - CLOCK_SLACK)
                ),
            ));
        }
    };
    let made: Vec<&Key> = keys
        .iter()
        .filter(|k| match before {
            Some(before) => !before.iter().any(|b| b.id == k.id),
            None => k.created >= started - CLOCK_SLACK,
        })
        .collect();
    match made.as_slice() {
        [] => Err(with_hint(
            format!("{err:#}; IAM lists no new key for user {user}, so none was made"),
            crate::error::Failure::of(&err)
                .and_then(crate::error::Failure::hint)
                .unwrap_or("try again")
                .to_string(),
        )),
        made => {
            let ids: Vec<String> = made
                .iter()
                .map(|k| format!("{} (created {})", k.id, rfc3339(k.created)))
                .collect();
            let deletes: Vec<String> = made
                .iter()
                .map(|k| format!("bedrock-token key delete {} --user {user} --yes", k.id))
                .collect();
            Err(with_hint(
                format!(
                    "{err:#}; IAM created {} for user {user} all the same, but its secret never reached us",
                    ids.join(" and ")
                ),
                format!(
                    "delete it, since nobody can use it: {}; then try again",
                    deletes.join("; ")
                ),
            ))
        }
    }
}

/// A destination that cannot take the key fails before the key exists,
/// not after (its secret could not be shown again): a `--write` path must
/// be a regular file or nothing, in a directory where a file of the key's
/// mode can be made; stdout must be open for writing.
fn check_destination(args: &KeyNewArgs) -> Result<()> {
    let Some(path) = &args.write else {
        return check_stdout();
    };
    crate::fsutil::check_target(path).map_err(|e| usage(format!("{e:#}")))?;
    crate::fsutil::check_target(&previous_path(path)).map_err(|e| usage(format!("{e:#}")))?;
    let dir = crate::fsutil::parent(path);
    if !dir.is_dir() {
        return Err(usage(format!(
            "{}: directory {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    probe(dir).map_err(|e| {
        usage(format!(
            "{}: cannot write in {} ({e}): the key would be lost there, so none was created",
            path.display(),
            dir.display()
        ))
    })
}

/// Creates, writes and removes a file like the key's in `dir`: a read-only
/// mount or a directory we may not write in fails here.
fn probe(dir: &Path) -> std::io::Result<()> {
    use std::io::Write;
    let path = dir.join(format!(".bedrock-token-probe.{}.tmp", std::process::id()));
    let result = crate::platform::create_new(&path, 0o600).and_then(|mut f| {
        f.write_all(&[0; 512])?;
        f.sync_all()
    });
    let _ = std::fs::remove_file(&path);
    result
}

/// Stdout open, and open for writing: else the key printed there is lost.
fn check_stdout() -> Result<()> {
    let refuse = |why: &str| {
        with_hint(
            format!("stdout is {why}: the new key would be lost, so none was created"),
            "run with stdout open, or write the key to a file: --write PATH",
        )
    };
    if crate::process::stdout_was_closed() {
        return Err(refuse("closed"));
    }
    #[cfg(unix)]
    {
        // SAFETY: F_GETFL on descriptor 1 reads its flags, nothing more.
        let flags = unsafe { libc::fcntl(1, libc::F_GETFL) };
        if flags >= 0 && flags & libc::O_ACCMODE == libc::O_RDONLY {
            return Err(refuse("open for reading only"));
        }
    }
    Ok(())
}

/// Where rotate keeps the file's previous content: `F.previous`.
fn previous_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".previous");
    path.with_file_name(name)
}

/// The new key to stdout, or to its file and its description to stdout.
/// `keep_previous`: the file's current content (the key being replaced)
/// goes to `F.previous` first, returned when written.
fn deliver(new: &NewKey, args: &KeyNewArgs, keep_previous: bool) -> Result<Option<PathBuf>> {
    let Some(path) = &args.write else {
        super::deliver(
            match args.format {
                InfoFormat::Text => render::new_text(new),
                InfoFormat::Json => render::new_json(new),
            }
            .expose(),
        )?;
        return Ok(None);
    };
    let previous = if keep_previous {
        save_previous(path)?
    } else {
        None
    };
    if let Err(e) = crate::fsutil::write_if_changed(path, new.secret.expose().as_bytes()) {
        // The file still holds what it held: its copy is not needed.
        if let Some(p) = &previous {
            let _ = std::fs::remove_file(p);
        }
        return Err(e);
    }
    // The key is safe in its file: a reader that went away costs nothing.
    let _ = super::deliver(&match args.format {
        InfoFormat::Text => render::written_text(new, path),
        InfoFormat::Json => render::written_json(new),
    });
    Ok(previous)
}

/// Copies what `path` holds to `F.previous` (mode 0600), if it holds anything.
fn save_previous(path: &Path) -> Result<Option<PathBuf>> {
    if crate::fsutil::check_target(path)?.is_none() {
        return Ok(None);
    }
    let old = zeroize::Zeroizing::new(
        std::fs::read(path).with_context(|| format!("could not read {}", path.display()))?,
    );
    if old.is_empty() {
        return Ok(None);
    }
    let previous = previous_path(path);
    crate::fsutil::atomic_write(&previous, &old)?;
    Ok(Some(previous))
}

fn kept_words(previous: Option<&Path>) -> String {
    previous.map_or(String::new(), |p| {
        format!(
            " (its secret is in {}, until it is deactivated)",
            p.display()
        )
    })
}

/// A signal came while the key was on its way: it was delivered; stop,
/// saying what is where.
fn stop(signal: &str, new: &NewKey, old: &[&Key], kept: &str) -> ! {
    let mut state = still_active_words(old);
    if !old.is_empty() {
        state.push_str(kept);
    }
    ui::line(&format!(
        "error: stopped by {signal} once the new key {} of user {} was delivered{state}",
        new.key.id, new.key.user
    ));
    std::process::exit(hold::exit_code(signal));
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
/// is still active (`kept`: where its secret is, if we moved it).
fn still_active(
    err: anyhow::Error,
    new: &NewKey,
    old: &[&Key],
    user: &str,
    kept: &str,
) -> anyhow::Error {
    let hint = crate::error::Failure::of(&err)
        .and_then(crate::error::Failure::hint)
        .map(str::to_string);
    let olds: Vec<&str> = old.iter().map(|k| k.id.as_str()).collect();
    let state = format!("{}{kept}", still_active_words(old));
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
        ui::note(&format!(
            "Bedrock does not take the new key {} yet (IAM's changes take seconds to reach it); asking again in {wait}s",
            new.key.id
        ));
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
