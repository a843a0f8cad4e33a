//! Bedrock long-term API keys as IAM keeps them: service-specific
//! credentials for `bedrock.amazonaws.com`, at most two per IAM user. The
//! only module that talks to IAM, for `key` only: the path that hands out
//! short-term keys never reaches it.
//!
//! Credentials come from the same settings as every command
//! ([`crate::provide::credentials`]); requests are signed for the IAM
//! region of the profile's partition, whatever the profile's region is,
//! since IAM is global. `AWS_ENDPOINT_URL_IAM`, then `AWS_ENDPOINT_URL`,
//! override the endpoint as in the SDKs.

use crate::duration::{Expiry, now_unix};
use crate::environment::endpoint_override;
use crate::error::with_hint;
use crate::secret::Secret;
use crate::settings::Settings;
use anyhow::{Result, anyhow};
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_iam::operation::RequestId;
use aws_sdk_iam::types::{ServiceSpecificCredentialMetadata, StatusType};
use std::time::Duration;

/// The IAM service name of Bedrock long-term keys.
pub const SERVICE: &str = "bedrock.amazonaws.com";
/// Keys within this many days of expiry are flagged.
pub const SOON_DAYS: i64 = 7;
/// One IAM call, retries included.
const TIMEOUT: Duration = Duration::from_secs(30);

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
    /// `BedrockAPIKey-...-at-ACCOUNT`, the identity inside the key.
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

/// An IAM client with the profile's credentials, and the runtime it runs on.
pub struct Iam {
    client: aws_sdk_iam::Client,
    runtime: tokio::runtime::Runtime,
    profile: String,
    endpoint: String,
}

/// The IAM user whose keys a command works on.
pub fn connect(s: &Settings) -> Result<Iam> {
    let profile_region = s.request.region.as_deref();
    let iam_region = signing_region(profile_region);
    // STS and SSO calls of the chain go to the profile's region, when it has one.
    let resolved = crate::provide::credentials(s, profile_region.unwrap_or(iam_region))?;
    crate::ui::verbose(&format!(
        "calling IAM in {iam_region} as profile {} (credentials from {})",
        s.request.profile, resolved.source
    ));
    let runtime = crate::runtime::current_thread()?;
    let endpoint = endpoint_override("AWS_ENDPOINT_URL_IAM")?;
    let mut config = aws_sdk_iam::Config::builder()
        .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
        .region(aws_sdk_iam::config::Region::new(iam_region))
        .credentials_provider(resolved.credentials)
        .timeout_config(
            aws_sdk_iam::config::timeout::TimeoutConfig::builder()
                .operation_timeout(TIMEOUT)
                .build(),
        );
    if let Some(url) = &endpoint {
        config = config.endpoint_url(url);
    }
    Ok(Iam {
        client: aws_sdk_iam::Client::from_conf(config.build()),
        runtime,
        profile: s.request.profile.clone(),
        endpoint: endpoint.unwrap_or_else(|| "IAM's endpoint".into()),
    })
}

impl Iam {
    /// The IAM user the credentials belong to (`iam:GetUser` without a name).
    pub fn caller_user(&self) -> Result<String> {
        let pass_user = "pass --user NAME: the IAM user whose Bedrock keys to manage";
        let profile = &self.profile;
        match self.runtime.block_on(self.client.get_user().send()) {
            Ok(out) => match out.user() {
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
            Err(e) if e.code() == Some("ValidationError") => Err(with_hint(
                format!(
                    "the credentials of profile {profile} are not an IAM user's (an assumed role or an SSO session), and long-term keys belong to an IAM user"
                ),
                pass_user,
            )),
            Err(e) => Err(with_hint(
                format!(
                    "could not tell which IAM user profile {profile} is: {}",
                    self.fail("GetUser", None, e)
                ),
                pass_user,
            )),
        }
    }

    /// The Bedrock keys of `user`, or of every user, following IAM's pages.
    pub fn list(&self, user: Option<&str>, all_users: bool) -> Result<Vec<Key>> {
        let now = now_unix();
        let mut keys = Vec::new();
        let mut marker: Option<String> = None;
        // A bound, in case an endpoint hands out the same marker forever.
        for _ in 0..1000 {
            let mut call = self
                .client
                .list_service_specific_credentials()
                .service_name(SERVICE)
                .set_user_name(user.map(str::to_string))
                .set_marker(marker.take());
            if all_users {
                call = call.all_users(true);
            }
            let out = self
                .runtime
                .block_on(call.send())
                .map_err(|e| self.fail("ListServiceSpecificCredentials", user, e))?;
            keys.extend(
                out.service_specific_credentials()
                    .iter()
                    .map(|m| listed(m, now)),
            );
            match out.marker() {
                Some(m) if out.is_truncated() => marker = Some(m.to_string()),
                _ => break,
            }
        }
        keys.sort_by(|a, b| (&a.user, a.created, &a.id).cmp(&(&b.user, b.created, &b.id)));
        Ok(keys)
    }

    /// A new key for `user`; the caller must deliver its secret at once.
    pub fn create(&self, user: &str, expiry: Expiry) -> Result<NewKey> {
        let mut call = self
            .client
            .create_service_specific_credential()
            .user_name(user)
            .service_name(SERVICE);
        if let Expiry::Days(d) = expiry {
            call = call.credential_age_days(d as i32);
        }
        let out = self
            .runtime
            .block_on(call.send())
            .map_err(|e| self.fail("CreateServiceSpecificCredential", Some(user), e))?;
        let c = out
            .service_specific_credential()
            .ok_or_else(|| anyhow!("IAM answered CreateServiceSpecificCredential without a key"))?;
        let key = Key {
            id: c.service_specific_credential_id().to_string(),
            user: c.user_name().to_string(),
            alias: c.service_credential_alias().map(str::to_string),
            status: status(
                c.status(),
                c.expiration_date().map(|d| d.secs()),
                now_unix(),
            ),
            created: c.create_date().secs(),
            expires: c.expiration_date().map(|d| d.secs()),
        };
        match c.service_credential_secret().filter(|s| !s.is_empty()) {
            Some(secret) => Ok(NewKey {
                secret: Secret::new(secret),
                key,
            }),
            None => Err(with_hint(
                format!(
                    "IAM created key {} for user {user} but returned no secret for it (ServiceCredentialSecret)",
                    key.id
                ),
                format!(
                    "delete it, since its secret cannot be shown again: bedrock-token key delete {} --user {user} --yes",
                    key.id
                ),
            )),
        }
    }

    /// Makes a key Active or Inactive.
    pub fn set_status(&self, user: &str, id: &str, status: Status) -> Result<()> {
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
        self.runtime
            .block_on(call.send())
            .map(drop)
            .map_err(|e| self.fail("UpdateServiceSpecificCredential", Some(user), e))
    }

    pub fn delete(&self, user: &str, id: &str) -> Result<()> {
        let call = self
            .client
            .delete_service_specific_credential()
            .user_name(user)
            .service_specific_credential_id(id);
        self.runtime
            .block_on(call.send())
            .map(drop)
            .map_err(|e| self.fail("DeleteServiceSpecificCredential", Some(user), e))
    }

    /// IAM's refusal (or silence) as one line and the next step.
    fn fail<E, R>(&self, action: &str, user: Option<&str>, err: SdkError<E, R>) -> anyhow::Error
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
        SdkError<E, R>: RequestId,
    {
        let whose = user.map(|u| format!(" for user {u}")).unwrap_or_default();
        let u = user.unwrap_or("NAME");
        let Some(code) = err.code().map(str::to_string) else {
            return with_hint(
                format!(
                    "could not reach IAM at {} ({action}{whose}): {}",
                    self.endpoint,
                    crate::error::causes(&err)
                ),
                "check network access to IAM (HTTPS_PROXY and NO_PROXY are honoured) and AWS_ENDPOINT_URL_IAM, then try again",
            );
        };
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
            _ => "check the request; bedrock-token key list shows the user's keys".into(),
        };
        with_hint(message, hint)
    }
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
