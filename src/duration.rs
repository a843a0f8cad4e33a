//! Durations as users write them (`12h`, `90m`, `1h30m`, `45s`, `3600`) and
//! as we print them (`1h30m`), plus the few clock helpers the rest share.

use std::time::{SystemTime, UNIX_EPOCH};

/// Parses `1h30m`, `90m`, `45s`, `12h` or plain seconds into seconds.
pub fn parse(text: &str) -> Result<u64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration".into());
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse::<u64>()
            .map_err(|_| format!("invalid duration {text:?}: number too large"));
    }
    let mut total: u64 = 0;
    let mut number = String::new();
    let mut last_unit = u64::MAX;
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return Err(format!("invalid duration {text:?}: unexpected {c:?}")),
        };
        // Units must come largest first, each once: `30m1h` is a typo, not 90m.
        if number.is_empty() || unit >= last_unit {
            return Err(format!("invalid duration {text:?}"));
        }
        let value: u64 = number
            .parse()
            .map_err(|_| format!("invalid duration {text:?}: number too large"))?;
        total = value
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("invalid duration {text:?}: too large"))?;
        number.clear();
        last_unit = unit;
    }
    if !number.is_empty() {
        return Err(format!(
            "invalid duration {text:?}: a number needs a unit (h, m or s) after units"
        ));
    }
    Ok(total)
}

/// Parses a duration and checks it lies in `min..=max` seconds.
pub fn parse_within(text: &str, min: u64, max: u64) -> Result<u64, String> {
    let secs = parse(text)?;
    if secs < min || secs > max {
        return Err(format!(
            "duration {text:?} is out of range: it must be from {} to {}",
            format_secs(min),
            format_secs(max)
        ));
    }
    Ok(secs)
}

/// `5400` -> `1h30m`, `45` -> `45s`, `0` -> `0s`.
pub fn format_secs(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

static STARTED: std::sync::Mutex<Option<SystemTime>> = std::sync::Mutex::new(None);

/// When this process started (first asked), or, in a watcher, its current
/// renewal: work that another process finished after it is work we need
/// not repeat.
pub fn process_started() -> SystemTime {
    let mut started = STARTED.lock().unwrap_or_else(|e| e.into_inner());
    *started.get_or_insert_with(SystemTime::now)
}

/// Starts the clock of [`process_started`] again: a watcher begins each
/// renewal as a new process would, so the entry it wrote itself an hour
/// ago does not count as made by another process while it waited.
pub fn start_again() {
    *STARTED.lock().unwrap_or_else(|e| e.into_inner()) = Some(SystemTime::now());
}

/// Seconds since the Unix epoch, now.
pub fn now_unix() -> i64 {
    unix(SystemTime::now())
}

pub fn unix(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

/// RFC 3339 in UTC with a `Z`, to the second: `2026-11-28T22:13:00Z`.
pub fn rfc3339(unix: i64) -> String {
    let t =
        time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    t.format(&time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
    ))
    .unwrap_or_default()
}

/// Parses RFC 3339 (any offset) into Unix seconds.
#[cfg(test)]
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

/// Remaining life for people: `11h59m`, `42s`, or `expired 3m ago`.
pub fn format_remaining(secs: i64) -> String {
    if secs >= 0 {
        format_secs(secs as u64)
    } else {
        format!("expired {} ago", format_secs(secs.unsigned_abs()))
    }
}

/// The longest lifetime IAM grants a key, in days.
pub const MAX_AGE_DAYS: u32 = 36_600;

/// A key's requested lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    Days(u32),
    Never,
}

/// `key --expires`: `30`, `30d` or `never`, 1 to 36600 days.
pub fn parse_expires(text: &str) -> std::result::Result<Expiry, String> {
    if text.eq_ignore_ascii_case("never") {
        return Ok(Expiry::Never);
    }
    let digits = text.strip_suffix('d').unwrap_or(text);
    match digits.parse::<u32>() {
        Ok(d) if (1..=MAX_AGE_DAYS).contains(&d) => Ok(Expiry::Days(d)),
        Ok(_) => Err(format!(
            "{text:?} is out of range: a key lives 1 to {MAX_AGE_DAYS} days, or `never`"
        )),
        Err(_) => Err(format!(
            "{text:?} is not a lifetime: give days (`30` or `30d`) or `never`"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        assert_eq!(parse("90m"), Ok(5400));
        assert_eq!(parse("1h30m"), Ok(5400));
        assert_eq!(parse("45s"), Ok(45));
        assert_eq!(parse("3600"), Ok(3600));
        assert_eq!(parse("12h"), Ok(43200));
        assert_eq!(parse("1h0m5s"), Ok(3605));
    }

    #[test]
    fn rejects_nonsense() {
        for bad in [
            "",
            "h",
            "1x",
            "1.5h",
            "30m1h",
            "1h1h",
            "1h30",
            "-5",
            "m5",
            "99999999999999999999h",
            "99999999999999999999999",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn range_is_enforced() {
        assert_eq!(parse_within("1s", 1, 43200), Ok(1));
        assert_eq!(parse_within("12h", 1, 43200), Ok(43200));
        assert!(parse_within("0", 1, 43200).is_err());
        assert!(parse_within("12h1s", 1, 43200).is_err());
    }

    #[test]
    fn formats() {
        assert_eq!(format_secs(5400), "1h30m");
        assert_eq!(format_secs(0), "0s");
        assert_eq!(format_secs(3661), "1h1m1s");
        assert_eq!(format_remaining(-120), "expired 2m ago");
        assert_eq!(rfc3339(1735689600), "2025-01-01T00:00:00Z");
        assert_eq!(parse_rfc3339("2025-01-01T01:00:00+01:00"), Some(1735689600));
    }

    #[test]
    fn lifetimes_are_days_or_never() {
        assert_eq!(parse_expires("30"), Ok(Expiry::Days(30)));
        assert_eq!(parse_expires("30d"), Ok(Expiry::Days(30)));
        assert_eq!(parse_expires("36600"), Ok(Expiry::Days(36_600)));
        assert_eq!(parse_expires("never"), Ok(Expiry::Never));
        for bad in ["0", "36601", "-1", "30h", "", "d", "1.5"] {
            assert!(parse_expires(bad).is_err(), "{bad}");
        }
    }
}
