//! Which kind of Bedrock key a string is, decided in one place for every
//! command that meets one (`inspect`, `verify`, `doctor`, the argument
//! check, `key create`'s answer check).
//!
//! - Short-term: `bedrock-api-key-` + base64 of a SigV4-presigned URL,
//!   read by [`crate::token::decode`].
//! - Long-term: `ABSK` + base64 of `ALIAS:SECRET`, where ALIAS is IAM's
//!   `ServiceCredentialAlias`: "the public portion of the credential that
//!   includes the IAM user name and a suffix containing version and creation
//!   information" (IAM API Reference, ServiceSpecificCredential:
//!   <https://docs.aws.amazon.com/IAM/latest/APIReference/API_ServiceSpecificCredential.html>),
//!   as in `jane-at-123456789012`. Any IAM user may own one, not only the
//!   `BedrockAPIKey-xxxx` users the Bedrock console makes.
//!
//! Only the layout is checked here. Whether a well-formed long-term key is
//! genuine is Bedrock's to say: an alias in a layout we do not know is shown
//! as it is, never refused.

use crate::token;
use anyhow::{Result, anyhow, bail};
use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Long-term keys start so.
pub const LONG_TERM_PREFIX: &str = "ABSK";
/// An IAM user name: 1 to 64 of `[\w+=,.@-]` (IAM API Reference, User:
/// <https://docs.aws.amazon.com/IAM/latest/APIReference/API_User.html>).
pub const MAX_USER_NAME: usize = 64;
/// IAM caps `ServiceCredentialAlias` at 200 characters (API_ServiceSpecificCredential).
const MAX_ALIAS: usize = 200;
/// Between the user name and the account in an alias (and in IAM's
/// `ServiceUserName`, "as in jane-at-123456789012").
const AT: &str = "-at-";

/// base64 with or without its `=` padding: AWS does not say which it sends.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    ShortTerm,
    LongTerm,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::ShortTerm => "short-term",
            Kind::LongTerm => "long-term",
        }
    }
}

/// A Bedrock key as far as it can be read without asking AWS. Holds no
/// secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BedrockKey {
    ShortTerm(token::Decoded),
    LongTerm(LongTerm),
}

/// The public part of a long-term key; its secret part is never kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongTerm {
    /// IAM's `ServiceCredentialAlias`.
    pub alias: String,
    /// Who the alias names, when it is in the documented `USER-at-ACCOUNT` layout.
    pub owner: Option<Owner>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    /// The IAM user the key belongs to.
    pub user: String,
    /// Its 12-digit AWS account.
    pub account: String,
}

impl BedrockKey {
    /// Reads `text` (surrounding whitespace ignored). Errors say what is
    /// wrong and never echo the key.
    pub fn parse(text: &str) -> Result<BedrockKey> {
        let text = text.trim();
        if text.starts_with(LONG_TERM_PREFIX) {
            return LongTerm::parse(text).map(BedrockKey::LongTerm);
        }
        if text.starts_with(token::PREFIX) {
            return token::decode(text).map(BedrockKey::ShortTerm);
        }
        bail!(
            "not a Bedrock API key: it starts with neither {} (short-term) nor {LONG_TERM_PREFIX} (long-term)",
            token::PREFIX
        )
    }
}

impl LongTerm {
    /// `ABSK` + base64 of `ALIAS:SECRET`, both parts non-empty.
    pub fn parse(text: &str) -> Result<LongTerm> {
        let body = text.trim().strip_prefix(LONG_TERM_PREFIX).ok_or_else(|| {
            anyhow!("not a Bedrock API key: it does not start with {LONG_TERM_PREFIX}")
        })?;
        let bytes = zeroize::Zeroizing::new(BASE64.decode(body).map_err(|_| {
            anyhow!("not a Bedrock API key: the part after {LONG_TERM_PREFIX} is not base64")
        })?);
        let plain = std::str::from_utf8(&bytes)
            .map_err(|_| anyhow!("not a Bedrock API key: the long-term key is not UTF-8 text"))?;
        let Some((alias, secret)) = plain.split_once(':') else {
            bail!("not a Bedrock API key: the long-term key has no ALIAS:SECRET inside");
        };
        if alias.is_empty() || secret.is_empty() {
            bail!("not a Bedrock API key: the long-term key's alias or secret part is empty");
        }
        if alias.chars().count() > MAX_ALIAS || alias.chars().any(char::is_control) {
            bail!("not a Bedrock API key: the long-term key's alias is not an IAM alias");
        }
        Ok(LongTerm {
            alias: alias.to_string(),
            owner: owner(alias),
        })
    }

    /// `a long-term key of USER in account ACCOUNT`, or of the alias when
    /// its layout is not the documented one.
    pub fn describe(&self) -> String {
        match &self.owner {
            Some(o) => format!("a long-term key of {} in account {}", o.user, o.account),
            None => format!(
                "a long-term key with alias {} (not the USER-at-ACCOUNT layout bedrock-token knows: Bedrock judges it, bedrock-token verify -)",
                self.alias
            ),
        }
    }
}

/// `USER-at-ACCOUNT`: the user a valid IAM user name, the account 12 digits.
/// The last `-at-` splits, since a user name may hold one itself.
fn owner(alias: &str) -> Option<Owner> {
    let (user, account) = alias.rsplit_once(AT)?;
    (is_user_name(user) && account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then(
        || Owner {
            user: user.to_string(),
            account: account.to_string(),
        },
    )
}

/// IAM's user name pattern `[\w+=,.@-]+`, 1 to 64 characters (`\w` as in
/// Java's regular expressions: ASCII letters, digits, `_`).
pub fn is_user_name(name: &str) -> bool {
    (1..=MAX_USER_NAME).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
}

/// Whether a command-line argument holds a Bedrock key: a short-term one
/// anywhere in it, or `ABSK` followed by base64 of `ALIAS:...`. Cheap: it
/// runs on every invocation, before argument parsing.
pub fn in_argument(arg: &std::ffi::OsStr) -> bool {
    let bytes = arg.as_encoded_bytes();
    if bytes
        .windows(token::PREFIX.len())
        .any(|w| w == token::PREFIX.as_bytes())
    {
        return true;
    }
    let mut rest = bytes;
    while let Some(at) = rest
        .windows(LONG_TERM_PREFIX.len())
        .position(|w| w == LONG_TERM_PREFIX.as_bytes())
    {
        rest = &rest[at + LONG_TERM_PREFIX.len()..];
        let run = rest
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || b"+/".contains(b))
            .count();
        // Whole base64 quads only: the argument may end mid-key.
        let Ok(plain) = BASE64.decode(&rest[..run / 4 * 4]) else {
            continue;
        };
        let alias_char = |b: &u8| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(b);
        let whole = plain
            .iter()
            .position(|&b| b == b':')
            .is_some_and(|colon| colon > 0 && plain[..colon].iter().all(alias_char));
        // Cut off inside the alias: enough of one to tell.
        let head = plain.len() >= 16
            && plain.iter().all(alias_char)
            && plain.windows(AT.len()).any(|w| w == AT.as_bytes());
        if whole || head {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};

    fn long(plain: &str) -> String {
        format!("ABSK{}", STANDARD.encode(plain))
    }

    #[test]
    fn any_iam_users_key_decodes_to_its_user_and_account() {
        for user in [
            "alice",
            "ci.bot+prod@team",
            "BedrockAPIKey-ab12",
            "a",
            "x-at-123456789012-y",
            &"u".repeat(64),
        ] {
            let key = long(&format!("{user}-at-111122223333:c2VjcmV0c2VjcmV0"));
            let BedrockKey::LongTerm(lt) = BedrockKey::parse(&key).unwrap() else {
                panic!("{user}: not long-term")
            };
            assert_eq!(
                lt.owner,
                Some(Owner {
                    user: user.into(),
                    account: "111122223333".into()
                }),
                "{user}"
            );
            assert_eq!(lt.alias, format!("{user}-at-111122223333"));
            assert!(in_argument(key.as_ref()), "{user}");
        }
        // Without padding too.
        let key = format!("ABSK{}", STANDARD_NO_PAD.encode("bob-at-111122223333:s3"));
        assert!(LongTerm::parse(&key).unwrap().owner.is_some());
    }

    #[test]
    fn an_alias_in_another_layout_is_shown_not_refused() {
        for alias in [
            "alice-at-111122223333-v2x9",
            "alice",
            "alice-at-1234",
            &format!("{}-at-111122223333", "u".repeat(65)),
            "al ice-at-111122223333",
        ] {
            let lt = LongTerm::parse(&long(&format!("{alias}:c2VjcmV0"))).unwrap();
            assert_eq!(lt.owner, None, "{alias}");
            assert_eq!(lt.alias, alias);
            assert!(lt.describe().contains("Bedrock judges it"), "{alias}");
        }
    }

    #[test]
    fn what_is_not_a_key_says_why_without_echoing_it() {
        for bad in [
            "ABSK".to_string(),
            "ABSK!!".to_string(),
            long("alice-at-111122223333"),
            long("alice-at-111122223333:"),
            long(":c2VjcmV0c2VjcmV0"),
            format!("ABSK{}", STANDARD.encode([0xff, 0xfe, b':', b's'])),
            "hello".to_string(),
            "bedrock-api-key-!!!".to_string(),
        ] {
            let err = format!("{:#}", BedrockKey::parse(&bad).unwrap_err());
            assert!(err.starts_with("not a Bedrock API key: "), "{err}");
            assert!(!err.contains("c2Vj"), "{err}");
        }
    }

    #[test]
    fn keys_in_arguments_are_recognised() {
        let key = long("ci.bot+prod@team-at-123456789012:c2VjcmV0c2VjcmV0");
        for arg in [
            "bedrock-api-key-YmVkcm9jaw==",
            "--profile=bedrock-api-key-x",
            key.as_str(),
            &format!("Bearer {key}"),
            &format!("--header=ABSKABSK {}", &key[..40]),
        ] {
            assert!(in_argument(arg.as_ref()), "{arg}");
        }
        for arg in [
            "-",
            "dev",
            "ABSKABSK",
            "ABSK",
            "/tmp/ABSKx",
            "bedrock-api",
            "ABSKc2VjcmV0",
        ] {
            assert!(!in_argument(arg.as_ref()), "{arg}");
        }
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parse_and_in_argument_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
            let text = String::from_utf8_lossy(&data);
            let _ = BedrockKey::parse(&text);
            let _ = BedrockKey::parse(&format!("{LONG_TERM_PREFIX}{}", STANDARD.encode(&data)));
            let _ = in_argument(std::ffi::OsStr::new(text.as_ref()));
        }

        /// Any IAM user's key reads back to its user and account, is
        /// recognised on a command line, whole or cut off past the alias,
        /// and nothing said about it holds its secret.
        #[test]
        fn any_users_key_reads_back_and_is_recognised(
            user in "[A-Za-z0-9_+=,.@-]{1,64}",
            account in "[0-9]{12}",
            secret in "[A-Za-z0-9+/]{20,60}",
            cut in 0usize..100,
        ) {
            let key = format!("{LONG_TERM_PREFIX}{}", STANDARD.encode(format!("{user}-at-{account}:{secret}")));
            let BedrockKey::LongTerm(lt) = BedrockKey::parse(&key).unwrap() else {
                panic!("not long-term");
            };
            prop_assert!(!lt.describe().contains(&secret));
            prop_assert_eq!(lt.owner, Some(Owner { user: user.clone(), account: account.clone() }));
            prop_assert!(in_argument(key.as_ref()));
            // A key cut anywhere past its alias (a truncated paste) is
            // still one.
            let alias_end = LONG_TERM_PREFIX.len() + (user.len() + 16).div_ceil(3) * 4;
            let at = (alias_end + cut).min(key.len());
            prop_assert!(in_argument(key[..at].as_ref()), "cut at {}", at);
        }

        /// Errors about a would-be long-term key never hold its secret.
        #[test]
        fn errors_never_hold_the_secret(
            alias in "\\PC{0,80}",
            secret in "[A-Za-z0-9]{12,40}",
        ) {
            let key = format!("{LONG_TERM_PREFIX}{}", STANDARD.encode(format!("{alias}:{secret}")));
            match BedrockKey::parse(&key) {
                Err(e) => {
                    let said = format!("{e:#}");
                    prop_assert!(!said.contains(&secret), "{}", said);
                }
                Ok(BedrockKey::LongTerm(lt)) if !lt.alias.contains(&secret) => {
                    prop_assert!(!lt.describe().contains(&secret));
                }
                Ok(_) => {}
            }
        }
    }
}
