//! `doctor`'s report: one line per check, `ok` or `PROBLEM` first, with the
//! fix in the problem's own words; `note` for what was found where no check
//! ran (a file that does not exist), so `ok` means a check passed.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Ok,
    Problem,
    Note,
}

/// One check's outcome: what was found, or what is wrong and its fix.
pub struct Check {
    pub mark: Mark,
    pub text: String,
}

pub fn render(checks: &[Check]) -> String {
    checks
        .iter()
        .map(|c| {
            let mark = match c.mark {
                Mark::Ok => "ok      ",
                Mark::Problem => "PROBLEM ",
                Mark::Note => "note    ",
            };
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
                mark: Mark::Ok,
                text: "region eu-west-1".into(),
            },
            Check {
                mark: Mark::Problem,
                text: "no cache: HOME is not set; fix: set HOME or --cache-dir".into(),
            },
            Check {
                mark: Mark::Note,
                text: "/h/.aws/config does not exist".into(),
            },
        ];
        assert_eq!(
            render(&checks),
            "ok       region eu-west-1\nPROBLEM  no cache: HOME is not set; fix: set HOME or --cache-dir\n\
             note     /h/.aws/config does not exist\n"
        );
    }
}
