//! Bedrock long-term API keys as IAM keeps them: service-specific
//! credentials for `bedrock.amazonaws.com`, at most two per IAM user. The
//! only module that talks to IAM, for `key` only: the path that hands out
//! short-term keys never reaches it.
//!
//! The command resolves the credentials and the endpoint and hands them over
//! ([`Connection`]); requests are signed for the IAM region of the profile's
//! partition, whatever the profile's region is, since IAM is global.
//!
//! IAM's answers are not trusted to be whole: each is read up to
//! [`MAX_ANSWER`] bytes within [`TIMEOUT`], a success must be a whole XML
//! document, a listing must end, and a new key is handed over only when its
//! answer holds every part of it. Calls that make something (a key) are
//! sent once, never retried; a failure says whether IAM may have carried
//! the call out all the same ([`Failed`]), so the command can look.

use crate::duration::{Expiry, now_unix};
use crate::error::with_hint;
use crate::secret::Secret;
use anyhow::{Result, anyhow};
use aws_sdk_iam::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeDeserializationInterceptorContextMut,
};
use aws_sdk_iam::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_iam::error::{BoxError, ProvideErrorMetadata, SdkError};
use aws_sdk_iam::operation::RequestId;
use aws_sdk_iam::types::{ServiceSpecificCredentialMetadata, StatusType};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_types::body::SdkBody;
use std::time::Duration;

/// The IAM service name of Bedrock long-term keys.
pub const SERVICE: &str = "bedrock.amazonaws.com";
/// Keys within this many days of expiry are flagged.
pub const SOON_DAYS: i64 = 7;
/// One IAM call, from the name lookup to the answer's last byte, retries
/// included.
pub const TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Active,
    Inactive,
    Expired,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Active => "Active",
            Status::Inactive => "Inactive",
            Status::Expired => "Expired",
        }
    }
}

/// A key as IAM lists it. Holds no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub id: String,
    pub user: String,
    /// IAM's `ServiceCredentialAlias`, `USER-at-ACCOUNT`: the public part of the key.
    pub alias: Option<String>,
    pub status: Status,
    /// Unix seconds.
    pub created: i64,
    /// Unix seconds; `None`: never expires.
    pub expires: Option<i64>,
}

impl Key {
    /// Days of life left, a day begun counting whole (a 30-day key has 30
    /// for its first day, 1 on its last, 0 once expired); `None` for a key
    /// that never expires.
    pub fn days_left(&self, now: i64) -> Option<i64> {
        self.expires
            .map(|e| ((e - now).max(0) as u64).div_ceil(86_400) as i64)
    }

    /// Active, and expiring within [`SOON_DAYS`].
    pub fn expiring_soon(&self, now: i64) -> bool {
        self.status == Status::Active && self.expires.is_some_and(|e| e - now < SOON_DAYS * 86_400)
    }
}

/// A key just created: the only time IAM hands out its secret.
#[derive(Debug)]
pub struct NewKey {
    pub key: Key,
    /// `ABSK...`: IAM's `ServiceCredentialSecret`.
    pub secret: Secret,
}

/// The region IAM signs in for the partition of `region`: IAM is global,
/// one endpoint per partition.
pub fn signing_region(region: Option<&str>) -> &'static str {
    match region {
        Some(r) if r.starts_with("cn-") => "cn-north-1",
        Some(r) if r.starts_with("us-gov-") => "us-gov-west-1",
        _ => "us-east-1",
    }
}

/// What the command hands the IAM client: credentials it resolved, the
/// profile they came from (for messages), the region to sign in
/// ([`signing_region`]) and the endpoint override, if any.
pub struct Connection {
    pub credentials: aws_credential_types::Credentials,
    pub profile: String,
    pub region: &'static str,
    pub endpoint: Option<String>,
}

/// An IAM client, and the runtime it runs on.
pub struct Iam {
    client: aws_sdk_iam::Client,
    /// `None` only once dropped: see [`Drop`].
    runtime: Option<tokio::runtime::Runtime>,
    profile: String,
    endpoint: String,
}

/// A failed IAM call: the error to show, and whether IAM may have carried
/// it out all the same (no answer, an answer cut short or unreadable, a
/// 5xx). Only an IAM refusal (4xx) says for sure that nothing changed.
#[derive(Debug)]
pub struct Failed {
    pub error: anyhow::Error,
    pub maybe_applied: bool,
}

impl From<Failed> for anyhow::Error {
    fn from(f: Failed) -> anyhow::Error {
        f.error
    }
}

pub fn connect(c: Connection) -> Result<Iam> {
    let runtime = crate::runtime::current_thread()?;
    let mut config = aws_sdk_iam::Config::builder()
        .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
        .region(aws_sdk_iam::config::Region::new(c.region))
        .credentials_provider(c.credentials)
        .interceptor(Bounded)
        .timeout_config(
            aws_sdk_iam::config::timeout::TimeoutConfig::builder()
                .operation_timeout(TIMEOUT)
                .build(),
        );
    if let Some(url) = &c.endpoint {
        config = config.endpoint_url(url);
    }
    Ok(Iam {
        client: aws_sdk_iam::Client::from_conf(config.build()),
        runtime: Some(runtime),
        profile: c.profile,
        endpoint: c.endpoint.unwrap_or_else(|| "IAM's endpoint".into()),
    })
}

impl Drop for Iam {
    /// A name lookup that never answers runs on a thread of its own, which
    /// dropping the runtime would wait for: leave it behind instead, so the
    /// 30 s limit is the whole command's.
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// The most bytes of one IAM answer read: a page of 1000 keys is about 600 KiB.
pub const MAX_ANSWER: usize = 4 << 20;
/// Pages of one listing: 200 of up to 1000 keys each, far past any account.
const MAX_PAGES: usize = 200;

/// Refuses an answer larger than [`MAX_ANSWER`] before reading it (or as
/// soon as it grows past it), and a success whose XML stops before its
/// end: the SDK's parser fills what is missing with empty values.
#[derive(Debug)]
struct Bounded;

#[derive(Debug)]
struct TooLarge;

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the answer is larger than the {} MiB bedrock-token reads",
            MAX_ANSWER >> 20
        )
    }
}

impl std::error::Error for TooLarge {}

#[derive(Debug)]
struct CutShort;

impl std::fmt::Display for CutShort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the answer stops before the end of its XML document")
    }
}

impl std::error::Error for CutShort {}

impl Intercept for Bounded {
    fn name(&self) -> &'static str {
        "Bounded"
    }

    fn modify_before_deserialization(
        &self,
        ctx: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> std::result::Result<(), BoxError> {
        let response = ctx.response_mut();
        let declared = response
            .headers()
            .get("content-length")
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_ANSWER as u64) {
            return Err(Box::new(TooLarge));
        }
        let body = std::mem::replace(response.body_mut(), SdkBody::taken());
        *response.body_mut() =
            SdkBody::from_body_1_x(http_body_util::Limited::new(body, MAX_ANSWER));
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        ctx: &AfterDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> std::result::Result<(), BoxError> {
        // A failure already found (too large, broken off) stays the one reported.
        if ctx.output_or_error().is_err() {
            return Ok(());
        }
        let response = ctx.response();
        let whole = response
            .body()
            .bytes()
            .is_some_and(|b| b.trim_ascii_end().ends_with(b"Response>"));
        if response.status().is_success() && !whole {
            return Err(Box::new(CutShort));
        }
        Ok(())
    }
}

impl Iam {
    /// The IAM user the credentials belong to (`iam:GetUser` without a name).
    pub fn caller_user(&self) -> Result<String> {
        let pass_user = "pass --user NAME: the IAM user whose Bedrock keys to manage";
        let profile = &self.profile;
        match self.run(self.client.get_user().send()) {
            Ok(Ok(out)) => match out.user() {
                Some(u) if !u.arn().ends_with(":root") && !u.user_name().is_empty() => {
                    Ok(u.user_name().to_string())
                }
                _ => Err(with_hint(
                    format!(
                        "the credentials of profile {profile} are the account's root user, which has no Bedrock long-term keys"
                    ),
                    pass_user,
                )),
            },
            Ok(Err(e)) if e.code() == Some("ValidationError") => Err(with_hint(
                format!(
                    "the credentials of profile {profile} are not an IAM user's (an assumed role or an SSO session), and long-term keys belong to an IAM user"
                ),
                pass_user,
            )),
            other => {
                let failed = self.failed("GetUser", None, other.ok().and_then(Result::err));
                Err(with_hint(
                    format!(
                        "could not tell which IAM user profile {profile} is: {:#}",
                        failed.error
                    ),
                    pass_user,
                ))
            }
        }
    }

    /// The Bedrock keys of `user`, or of every user, following IAM's pages.
    /// A marker handed out twice, a key listed twice or more than
    /// [`MAX_PAGES`] pages is an error: the listing would never end, or
    /// would count a key twice.
    pub fn list(&self, user: Option<&str>, all_users: bool) -> Result<Vec<Key>> {
        const ACTION: &str = "ListServiceSpecificCredentials";
        let now = now_unix();
        let mut keys: Vec<Key> = Vec::new();
        let mut markers: Vec<String> = Vec::new();
        let looping = |what: String| {
            with_hint(
                format!("IAM's listing of Bedrock keys does not end: {what}"),
                "IAM, or whatever answers at AWS_ENDPOINT_URL_IAM, is misbehaving: try again later, or list the keys in the IAM console",
            )
        };
        for _ in 0..MAX_PAGES {
            let mut call = self
                .client
                .list_service_specific_credentials()
                .service_name(SERVICE)
                .max_items(1000)
                .set_user_name(user.map(str::to_string))
                .set_marker(markers.last().cloned());
            if all_users {
                call = call.all_users(true);
            }
            let out = match self.run(call.send()) {
                Ok(Ok(out)) => out,
                other => {
                    return Err(self
                        .failed(ACTION, user, other.ok().and_then(Result::err))
                        .error);
                }
            };
            for m in out.service_specific_credentials() {
                let key = listed(m, now);
                if keys.iter().any(|k| k.id == key.id) {
                    return Err(looping(format!("it listed key {} twice", key.id)));
                }
                keys.push(key);
            }
            match out.marker() {
                Some(m) if out.is_truncated() => {
                    if markers.iter().any(|seen| seen == m) {
                        return Err(looping("it handed out the same page marker twice".into()));
                    }
                    markers.push(m.to_string());
                }
                _ => {
                    keys.sort_by(|a, b| {
                        (&a.user, a.created, &a.id).cmp(&(&b.user, b.created, &b.id))
                    });
                    return Ok(keys);
                }
            }
        }
        Err(looping(format!("more than {MAX_PAGES} pages")))
    }

    /// A new key for `user`; the caller must deliver its secret at once.
    /// Sent once, never retried: a second create makes a second key. The
    /// key is handed over only when IAM's answer is whole: an id, the user,
    /// Active, and a secret that holds the answer's own alias.
    pub fn create(&self, user: &str, expiry: Expiry) -> std::result::Result<NewKey, Failed> {
        const ACTION: &str = "CreateServiceSpecificCredential";
        let mut call = self
            .client
            .create_service_specific_credential()
            .user_name(user)
            .service_name(SERVICE);
        if let Expiry::Days(d) = expiry {
            call = call.credential_age_days(d as i32);
        }
        let out = match self.run(call.customize().config_override(once()).send()) {
            Ok(Ok(out)) => out,
            other => return Err(self.failed(ACTION, Some(user), other.ok().and_then(Result::err))),
        };
        let broken = |what: &str| Failed {
            error: anyhow!(
                "IAM's answer to {ACTION} for user {user} is not whole ({what}), so no key was delivered"
            ),
            maybe_applied: true,
        };
        let Some(c) = out.service_specific_credential() else {
            return Err(broken("no ServiceSpecificCredential"));
        };
        let id = c.service_specific_credential_id();
        if !(20..=128).contains(&id.len())
            || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(broken("no ServiceSpecificCredentialId in IAM's form"));
        }
        // IAM user names are unique whatever their case.
        if !c.user_name().eq_ignore_ascii_case(user) {
            return Err(broken("its UserName is not the user asked for"));
        }
        if c.service_name() != SERVICE {
            return Err(broken("its ServiceName is not bedrock.amazonaws.com"));
        }
        if c.create_date().secs() <= 0 {
            return Err(broken("no CreateDate"));
        }
        let now = now_unix();
        let expires = c.expiration_date().map(|d| d.secs());
        let status = status(c.status(), expires, now);
        if *c.status() != StatusType::Active || status != Status::Active {
            return Err(broken("its Status is not Active"));
        }
        let Some(alias) = c.service_credential_alias().filter(|a| !a.is_empty()) else {
            return Err(broken("no ServiceCredentialAlias"));
        };
        let key = Key {
            id: id.to_string(),
            user: c.user_name().to_string(),
            alias: Some(alias.to_string()),
            status,
            created: c.create_date().secs(),
            expires,
        };
        let Some(secret) = c.service_credential_secret().filter(|s| !s.is_empty()) else {
            return Err(broken("no ServiceCredentialSecret"));
        };
        match crate::bedrock_key::LongTerm::parse(secret) {
            Ok(long) if long.alias == alias => Ok(NewKey {
                secret: Secret::new(secret),
                key,
            }),
            _ => Err(broken(
                "its ServiceCredentialSecret is not ABSK and the base64 of its alias and a secret",
            )),
        }
    }

    /// Makes a key Active or Inactive.
    pub fn set_status(
        &self,
        user: &str,
        id: &str,
        status: Status,
    ) -> std::result::Result<(), Failed> {
        let status = match status {
            Status::Active => StatusType::Active,
            _ => StatusType::Inactive,
        };
        let call = self
            .client
            .update_service_specific_credential()
            .user_name(user)
            .service_specific_credential_id(id)
            .status(status);
        match self.run(call.send()) {
            Ok(Ok(_)) => Ok(()),
            other => Err(self.failed(
                "UpdateServiceSpecificCredential",
                Some(user),
                other.ok().and_then(Result::err),
            )),
        }
    }

    /// Sent once: a repeat after IAM applied the first would say the key
    /// does not exist.
    pub fn delete(&self, user: &str, id: &str) -> std::result::Result<(), Failed> {
        let call = self
            .client
            .delete_service_specific_credential()
            .user_name(user)
            .service_specific_credential_id(id);
        match self.run(call.customize().config_override(once()).send()) {
            Ok(Ok(_)) => Ok(()),
            other => Err(self.failed(
                "DeleteServiceSpecificCredential",
                Some(user),
                other.ok().and_then(Result::err),
            )),
        }
    }

    /// Runs one call within [`TIMEOUT`], retries and name lookup included;
    /// `Err(())` when the time ran out.
    fn run<T>(&self, call: impl std::future::Future<Output = T>) -> std::result::Result<T, ()> {
        let runtime = self.runtime.as_ref().expect("the runtime lives until drop");
        runtime
            .block_on(async { tokio::time::timeout(TIMEOUT, call).await })
            .map_err(drop)
    }

    /// [`Iam::fail`] for what [`Iam::run`] gave back: the SDK's error, or
    /// `None` when the time ran out.
    fn failed<E>(
        &self,
        action: &str,
        user: Option<&str>,
        err: Option<SdkError<E, HttpResponse>>,
    ) -> Failed
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        SdkError<E, HttpResponse>: RequestId,
    {
        match err {
            Some(e) => self.fail(action, user, e),
            None => {
                let whose = user.map(|u| format!(" for user {u}")).unwrap_or_default();
                Failed {
                    error: with_hint(late(&self.endpoint, action, &whose), NEXT_NETWORK),
                    maybe_applied: true,
                }
            }
        }
    }

    /// IAM's refusal (or silence) as one line and the next step.
    fn fail<E>(&self, action: &str, user: Option<&str>, err: SdkError<E, HttpResponse>) -> Failed
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        SdkError<E, HttpResponse>: RequestId,
    {
        let whose = user.map(|u| format!(" for user {u}")).unwrap_or_default();
        let u = user.unwrap_or("NAME");
        let endpoint = &self.endpoint;
        let code = match &err {
            SdkError::ServiceError(_) => err.code().map(str::to_string),
            _ => None,
        };
        let Some(code) = code else {
            let (message, maybe_applied) = match &err {
                SdkError::ConstructionFailure(_) => (
                    format!(
                        "could not build the {action} request{whose}: {}",
                        causes(&err)
                    ),
                    false,
                ),
                SdkError::TimeoutError(_) => (late(endpoint, action, &whose), true),
                SdkError::ResponseError(_) | SdkError::ServiceError(_) => (
                    format!(
                        "IAM at {endpoint} answered {action}{whose}, but not in a form bedrock-token can read: {}",
                        causes(&err)
                    ),
                    true,
                ),
                _ => (
                    format!(
                        "could not reach IAM at {endpoint} ({action}{whose}): {}",
                        causes(&err)
                    ),
                    true,
                ),
            };
            return Failed {
                error: with_hint(message, NEXT_NETWORK),
                maybe_applied,
            };
        };
        let server = err
            .raw_response()
            .is_some_and(|r| r.status().is_server_error());
        let said = err.message().unwrap_or("no message given");
        let request = err
            .request_id()
            .map(|r| format!(", request id {r}"))
            .unwrap_or_default();
        let message = format!("IAM refused {action}{whose}: {said} ({code}{request})");
        let hint = match code.as_str() {
            "LimitExceeded" => format!(
                "an IAM user holds at most two Bedrock API keys: see them with bedrock-token key list --user {u}, then delete one no longer in use (bedrock-token key delete ID --user {u}), or replace one with bedrock-token key rotate --user {u}"
            ),
            "NoSuchEntity" => {
                format!("check the user name and the key id: bedrock-token key list --user {u}")
            }
            "AccessDenied" | "AccessDeniedException" => format!(
                "profile {} needs iam:{action} on the IAM user {u}: ask an administrator, or use a profile that has it (--profile)",
                self.profile
            ),
            "Throttling" | "ThrottlingException" => {
                "IAM is limiting requests: wait a minute and try again".into()
            }
            _ if server => "IAM failed on its side: try again in a minute; https://health.aws.amazon.com shows outages".into(),
            _ => format!("check the request; bedrock-token key list --user {u} shows the user's keys"),
        };
        Failed {
            error: with_hint(message, hint),
            maybe_applied: server,
        }
    }
}

const NEXT_NETWORK: &str = "check network access to IAM (HTTPS_PROXY and NO_PROXY are honoured) and AWS_ENDPOINT_URL_IAM, then try again";

fn late(endpoint: &str, action: &str, whose: &str) -> String {
    format!(
        "no answer from IAM at {endpoint} within {} s ({action}{whose})",
        TIMEOUT.as_secs()
    )
}

/// A call sent once: creating a key twice makes two keys.
fn once() -> aws_sdk_iam::config::Builder {
    aws_sdk_iam::config::Builder::default()
        .retry_config(aws_sdk_iam::config::retry::RetryConfig::disabled())
}

/// The error's causes on one line, and what bedrock-token's own checks found.
fn causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if e.is::<TooLarge>() || e.is::<CutShort>() {
            return e.to_string();
        }
        if e.is::<http_body_util::LengthLimitError>() {
            return TooLarge.to_string();
        }
        source = e.source();
    }
    crate::error::causes(err)
}

fn listed(m: &ServiceSpecificCredentialMetadata, now: i64) -> Key {
    let expires = m.expiration_date().map(|d| d.secs());
    Key {
        id: m.service_specific_credential_id().to_string(),
        user: m.user_name().to_string(),
        alias: m.service_credential_alias().map(str::to_string),
        status: status(m.status(), expires, now),
        created: m.create_date().secs(),
        expires,
    }
}

/// IAM's status, and Expired once the expiry has passed whatever IAM says.
fn status(s: &StatusType, expires: Option<i64>, now: i64) -> Status {
    if expires.is_some_and(|e| e <= now) {
        return Status::Expired;
    }
    match s {
        StatusType::Active => Status::Active,
        StatusType::Expired => Status::Expired,
        _ => Status::Inactive,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iam_signs_in_its_partitions_region() {
        assert_eq!(signing_region(Some("eu-central-1")), "us-east-1");
        assert_eq!(signing_region(None), "us-east-1");
        assert_eq!(signing_region(Some("cn-northwest-1")), "cn-north-1");
        assert_eq!(signing_region(Some("us-gov-east-1")), "us-gov-west-1");
    }

    #[test]
    fn a_past_expiry_is_expired_and_a_day_begun_counts() {
        let now = 1_800_000_000;
        assert_eq!(
            status(&StatusType::Active, Some(now - 1), now),
            Status::Expired
        );
        assert_eq!(status(&StatusType::Active, None, now), Status::Active);
        assert_eq!(
            status(&StatusType::Inactive, Some(now + 10), now),
            Status::Inactive
        );
        let key = Key {
            id: "ACCA".into(),
            user: "dev".into(),
            alias: None,
            status: Status::Active,
            created: now,
            expires: Some(now + 6 * 86_400 + 3600),
        };
        assert_eq!(key.days_left(now), Some(7));
        assert_eq!(key.days_left(now + 6 * 86_400 + 3599), Some(1));
        assert_eq!(key.days_left(now + 7 * 86_400), Some(0));
        assert!(key.expiring_soon(now));
        assert!(!key.expiring_soon(now - 2 * 86_400));
    }
}
