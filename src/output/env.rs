//! Shell assignments, quoted safely for each shell.

use crate::cli::Shell;

/// `names` each get `value`; `region` goes to AWS_REGION.
pub fn render(shell: Shell, export: bool, pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (name, value) in pairs {
        let line = match shell {
            Shell::Sh if export => format!("export {name}={}\n", sh_quote(value)),
            Shell::Sh => format!("{name}={}\n", sh_quote(value)),
            Shell::Fish if export => format!("set -gx {name} {}\n", fish_quote(value)),
            Shell::Fish => format!("set -g {name} {}\n", fish_quote(value)),
            Shell::Powershell => format!("$env:{name} = {}\n", ps_quote(value)),
            Shell::Cmd => format!("set \"{name}={}\"\r\n", cmd_escape(value)),
            Shell::Dotenv => format!("{name}={}\n", dotenv_quote(value)),
        };
        out.push_str(&line);
    }
    out
}

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
fn cmd_escape(v: &str) -> String {
    v.chars()
        .filter(|c| !matches!(c, '%' | '"' | '\r' | '\n'))
        .collect()
}

/// dotenv double quotes with `\` and `"` escaped.
fn dotenv_quote(v: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29tLz9B+/==";

    #[test]
    fn each_shell_has_its_shape() {
        let pairs = [
            ("AWS_BEARER_TOKEN_BEDROCK", KEY),
            ("AWS_REGION", "eu-west-1"),
        ];
        assert_eq!(
            render(Shell::Sh, true, &pairs),
            format!("export AWS_BEARER_TOKEN_BEDROCK='{KEY}'\nexport AWS_REGION='eu-west-1'\n")
        );
        assert_eq!(
            render(Shell::Sh, false, &pairs[..1]),
            format!("AWS_BEARER_TOKEN_BEDROCK='{KEY}'\n")
        );
        assert_eq!(
            render(Shell::Fish, true, &pairs[1..]),
            "set -gx AWS_REGION 'eu-west-1'\n"
        );
        assert_eq!(
            render(Shell::Powershell, true, &pairs[1..]),
            "$env:AWS_REGION = 'eu-west-1'\n"
        );
        assert_eq!(
            render(Shell::Cmd, true, &pairs[1..]),
            "set \"AWS_REGION=eu-west-1\"\r\n"
        );
        assert_eq!(
            render(Shell::Dotenv, true, &pairs[..1]),
            format!("AWS_BEARER_TOKEN_BEDROCK=\"{KEY}\"\n")
        );
    }

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
}
