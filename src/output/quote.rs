//! Quoting and splitting of words for the programs that read what we print:
//! POSIX shells, fish, PowerShell, cmd.exe, dotenv files, systemd unit
//! files, and the two ways consumers split a `credential_process` line
//! (Python's `shlex` on Unix, the C runtime's rules on Windows).

/// Single quotes: nothing inside is special; a `'` becomes `'\''`.
pub fn sh_quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', r"'\''"))
}

/// fish single quotes: only `\` and `'` need escaping.
pub fn fish_quote(v: &str) -> String {
    format!("'{}'", v.replace('\\', r"\\").replace('\'', r"\'"))
}

/// PowerShell single quotes: `'` doubles.
pub fn ps_quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', "''"))
}

/// One word for a POSIX shell, or for a consumer that splits a command
/// line by shell rules (botocore's `credential_process`, `sh -c`): bare when
/// nothing in it is special, else single-quoted, so a path with a space, an
/// apostrophe or `$(...)` stays one word and is never run.
pub fn sh_word(v: &str) -> String {
    let plain = !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:@%+=,".contains(c));
    if plain { v.to_string() } else { sh_quote(v) }
}

/// One word for a consumer that splits a command line by Windows rules
/// (botocore's `compat_shell_split` on Windows, the AWS SDKs' `cmd.exe /C`):
/// double-quoted, which both take as one word with `\` kept as is. A
/// Windows path cannot hold `"`; a `%` would still be expanded by cmd.exe.
pub fn win_word(v: &str) -> String {
    format!("\"{v}\"")
}

/// One word of a command line as this platform's consumers split it: by
/// shell rules on Unix; on Windows bare when nothing in it is special to
/// either splitter, else double-quoted.
pub fn command_word(v: &str) -> String {
    if !cfg!(windows) {
        return sh_word(v);
    }
    let plain = !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:@+=,".contains(c));
    if plain { v.to_string() } else { win_word(v) }
}

/// cmd.exe `set "NAME=value"`: `%` and `"` cannot be quoted safely, and keys
/// and regions never hold them; drop them rather than emit a broken line.
pub fn cmd_escape(v: &str) -> String {
    v.chars()
        .filter(|c| !matches!(c, '%' | '"' | '\r' | '\n'))
        .collect()
}

/// dotenv double quotes with `\` and `"` escaped.
pub fn dotenv_quote(v: &str) -> String {
    let mut out = String::from("\"");
    for c in v.chars() {
        match c {
            '\\' => out.push_str(r"\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str(r"\n"),
            '$' => out.push_str(r"\$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Splits a command line as Python's `shlex.split` does in POSIX mode
/// (botocore's split of `credential_process`): single quotes, double quotes
/// with `\` escapes, `\` outside quotes. `None` for unbalanced quotes.
#[cfg(any(unix, test))]
pub fn shell_split(line: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => words.extend(word.take()),
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => w.push(c),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => match chars.next()? {
                            c @ ('"' | '\\' | '$' | '`') => w.push(c),
                            c => {
                                w.push('\\');
                                w.push(c);
                            }
                        },
                        c => w.push(c),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).push(chars.next()?),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Some(words)
}

/// Splits a command line as botocore does on Windows
/// (`compat_shell_split`, the C runtime's rules): only space and tab
/// separate, only `"` quotes, and `\` is literal unless a run of them leads
/// up to a `"` (then they escape each other, and an odd one the quote).
/// `None` for an unclosed quote.
#[cfg(any(windows, test))]
pub fn windows_split(line: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quoted = false;
    let mut backslashes = 0;
    for c in line.chars() {
        match c {
            '\\' => backslashes += 1,
            '"' => {
                let w = word.get_or_insert_with(String::new);
                w.extend(std::iter::repeat_n('\\', backslashes / 2));
                let escaped = backslashes % 2 == 1;
                backslashes = 0;
                if escaped {
                    w.push('"');
                } else {
                    quoted = !quoted;
                }
            }
            ' ' | '\t' if !quoted => {
                if backslashes > 0 {
                    word.get_or_insert_with(String::new)
                        .extend(std::iter::repeat_n('\\', backslashes));
                    backslashes = 0;
                }
                words.extend(word.take());
            }
            c => {
                let w = word.get_or_insert_with(String::new);
                w.extend(std::iter::repeat_n('\\', backslashes));
                backslashes = 0;
                w.push(c);
            }
        }
    }
    if quoted {
        return None;
    }
    if backslashes > 0 {
        word.get_or_insert_with(String::new)
            .extend(std::iter::repeat_n('\\', backslashes));
    }
    words.extend(word);
    Some(words)
}

/// An argument of a systemd `ExecStart=` line: double quotes, with `\` and `"`
/// escaped, `%` doubled (else a specifier) and `$` doubled (else a variable).
pub fn systemd_word(v: &str) -> String {
    format!("\"{}\"", systemd_in_quotes(v))
}

/// The inside of a systemd double-quoted word: see [`systemd_word`].
pub fn systemd_in_quotes(v: &str) -> String {
    let mut out = String::new();
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '%' => out.push_str("%%"),
            '$' => out.push_str("$$"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// A profile name as part of a unit name: letters, digits, `:`, `_`, `.`
/// and `-` stay, anything else (`/`, `@`, `%`, `+`) becomes `\xNN`, as
/// systemd-escape writes it.
pub fn unit_escape(v: &str) -> String {
    let mut out = String::new();
    for (i, b) in v.bytes().enumerate() {
        if b.is_ascii_alphanumeric() || b":_-".contains(&b) || (b == b'.' && i > 0) {
            out.push(b as char);
        } else {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_stay_whole() {
        assert_eq!(
            sh_word("/usr/local/bin/bedrock-token"),
            "/usr/local/bin/bedrock-token"
        );
        assert_eq!(sh_word("/home/o'brien/bin/x"), r"'/home/o'\''brien/bin/x'");
        assert_eq!(sh_word("/tmp/$(touch pwned)/x"), "'/tmp/$(touch pwned)/x'");
        assert_eq!(sh_word("my dev"), "'my dev'");
        assert_eq!(sh_word(""), "''");
        assert_eq!(
            win_word(r"C:\Users\O'Brien\My Tools\bedrock-token.exe"),
            r#""C:\Users\O'Brien\My Tools\bedrock-token.exe""#
        );
    }

    #[test]
    fn quotes_survive_hostile_values() {
        assert_eq!(sh_quote("a'b"), r"'a'\''b'");
        assert_eq!(fish_quote(r"a'b\c"), r"'a\'b\\c'");
        assert_eq!(ps_quote("a'b"), "'a''b'");
        assert_eq!(dotenv_quote("a\"$b"), "\"a\\\"\\$b\"");
    }

    /// As botocore's `_windows_shell_split` gives them.
    #[test]
    fn splits_as_botocore_does_on_windows() {
        let split = |s: &str| windows_split(s).unwrap();
        assert_eq!(
            split(r#""C:\Program Files\bt\bedrock-token.exe" credential-process --profile dev"#),
            [
                r"C:\Program Files\bt\bedrock-token.exe",
                "credential-process",
                "--profile",
                "dev"
            ]
        );
        assert_eq!(split(r"C:\a\b.exe  x"), [r"C:\a\b.exe", "x"]);
        assert_eq!(split(r#"a\\"b c" d"#), [r"a\b c", "d"]);
        assert_eq!(split(r#"a\"b c"#), [r#"a"b"#, "c"]);
        assert_eq!(split(r#""" x\"#), ["", r"x\"]);
        assert_eq!(split("it's fine"), ["it's", "fine"]);
        assert_eq!(windows_split(r#""open"#), None);
    }

    #[test]
    fn splits_as_shlex_does() {
        let split = |s: &str| shell_split(s).unwrap();
        assert_eq!(split("/a/b c --x"), ["/a/b", "c", "--x"]);
        assert_eq!(split(r"'/home/o'\''brien/x' y"), ["/home/o'brien/x", "y"]);
        assert_eq!(
            split(r#""/opt/my tools/x" -p 'my dev'"#),
            ["/opt/my tools/x", "-p", "my dev"]
        );
        assert_eq!(split(r#"a\ b "c\"d""#), ["a b", "c\"d"]);
        assert_eq!(shell_split("'open"), None);
    }

    #[test]
    fn systemd_words_keep_quotes_specifiers_and_variables_literal() {
        assert_eq!(
            systemd_word("/usr/bin/bedrock-token"),
            "\"/usr/bin/bedrock-token\""
        );
        assert_eq!(
            systemd_word(r#"/home/a "b"\c/100%/$HOME/x"#),
            r#""/home/a \"b\"\\c/100%%/$$HOME/x""#
        );
    }

    #[test]
    fn unit_names_escape_what_systemd_would_misread() {
        assert_eq!(unit_escape("dev"), "dev");
        assert_eq!(unit_escape("my-dev_2.x"), "my-dev_2.x");
        assert_eq!(unit_escape("team/dev@a%b"), r"team\x2fdev\x40a\x25b");
        assert_eq!(unit_escape(".hidden"), r"\x2ehidden");
    }
}
