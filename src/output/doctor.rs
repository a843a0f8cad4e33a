//! `doctor`'s report: one line per check, `ok` or `PROBLEM` first, with the
//! fix in the problem's own words.

/// One check's outcome: what was found, or what is wrong and its fix.
pub struct Check {
    pub ok: bool,
    pub text: String,
}

pub fn render(checks: &[Check]) -> String {
    checks
        .iter()
        .map(|c| {
            let mark = if c.ok { "ok      " } else { "PROBLEM " };
            format!("{mark} {}\n", c.text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_check_is_one_marked_line() {
        let checks = [
            Check {
                ok: true,
                text: "region eu-west-1".into(),
            },
            Check {
                ok: false,
                text: "no cache: HOME is not set; fix: set HOME or --cache-dir".into(),
            },
        ];
        assert_eq!(
            render(&checks),
            "ok       region eu-west-1\nPROBLEM  no cache: HOME is not set; fix: set HOME or --cache-dir\n"
        );
    }
}
