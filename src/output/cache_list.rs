//! `cache list`: one aligned row per file of the cache directory, never a
//! key or a secret: for an entry its header fields only.

use crate::cache::{Entry, Payload};
use crate::duration::{format_remaining, format_secs, rfc3339};
use std::path::Path;

/// What one listed file is.
pub enum Row<'a> {
    /// A cache entry that reads as a hit would read it.
    Entry(&'a Entry),
    /// A file that does not pass those checks: listed so it can be cleared.
    Unreadable,
    /// The lock, or the done-marker, of a `--login`.
    LoginLock,
    LoginDone,
}

/// The table, header first; `now` is for the remaining life.
pub fn render(rows: &[(Row, &Path)], now: i64) -> String {
    let line = |cols: [&str; 7]| {
        format!(
            "{:<16} {:<16} {:<15} {:<9} {:<21} {:<16} {}\n",
            cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6]
        )
    };
    let mut out = line([
        "KIND",
        "PROFILE",
        "REGION",
        "DURATION",
        "EXPIRES",
        "REMAINING",
        "PATH",
    ]);
    for (row, path) in rows {
        let shown = path.display().to_string();
        let other = |kind| line([kind, "-", "-", "-", "-", "-", &shown]);
        out.push_str(&match row {
            Row::Entry(e) => line([
                match e.payload {
                    Payload::BedrockKey { .. } => "key",
                    Payload::AwsCredentials { .. } => "credentials",
                },
                &e.profile,
                &e.region,
                &format_secs(e.duration),
                &rfc3339(e.expires_at),
                &format_remaining(e.remaining(now)),
                &shown,
            ]),
            Row::Unreadable => other("unreadable"),
            Row::LoginLock => other("login lock"),
            Row::LoginDone => other("login done"),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::fixture::key_entry;

    #[test]
    fn rows_are_aligned_and_hold_no_secret() {
        let entry = key_entry();
        let rows = [
            (Row::Entry(&entry), Path::new("/c/k.json")),
            (Row::Unreadable, Path::new("/c/x.json")),
            (Row::LoginLock, Path::new("/c/login-a.lock")),
            (Row::LoginDone, Path::new("/c/login-a.done")),
        ];
        assert_eq!(
            render(&rows, 1_800_000_600),
            "KIND             PROFILE          REGION          DURATION  EXPIRES               REMAINING        PATH\n\
             key              dev              eu-west-1       1h        2027-01-15T09:00:00Z  50m              /c/k.json\n\
             unreadable       -                -               -         -                     -                /c/x.json\n\
             login lock       -                -               -         -                     -                /c/login-a.lock\n\
             login done       -                -               -         -                     -                /c/login-a.done\n"
        );
    }
}
