//! The only module that touches aws-config: resolve AWS credentials for a
//! profile with the SDK's default chain (environment, config and credentials
//! files with assume-role chains, credential_process, SSO, `aws login`, web
//! identity, ECS, IMDS).
//!
//! It runs on a cache miss only: the hit path never builds an async runtime.

use crate::awsfiles::{Files, Paths};
use crate::error::{causes, with_hint};
use crate::settings::Request;
use anyhow::Result;
use aws_config::Region;
use aws_config::ecs::EcsCredentialsProvider;
use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::imds;
use aws_config::imds::credentials::ImdsCredentialsProvider;
use aws_config::meta::credentials::CredentialsProviderChain;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::web_identity_token::WebIdentityTokenCredentialsProvider;
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, future};
use aws_runtime::env_config::file::{
    EnvConfigFileKind as ProfileFileKind, EnvConfigFiles as ProfileFiles,
};
use std::sync::OnceLock;
use std::time::Duration;

/// IMDS is probed last, and off EC2 it may never answer: keep it short so a
/// machine without credentials gets its error within 2 seconds.
const IMDS_TIMEOUT: Duration = Duration::from_millis(600);

/// Credentials with where they came from.
pub struct Resolved {
    pub credentials: Credentials,
    /// aws-config's name for the provider that answered (`ProfileFile`,
    /// `Environment`, `CredentialProcess`, ...).
    pub source: String,
    /// When they stop working, Unix seconds; `None` for long-term keys.
    pub expires_at: Option<i64>,
}

/// Resolves credentials for the request's profile, signing STS and SSO
/// calls for `region`.
///
/// The chain is aws-config's default one: environment, profile (with
/// assume-role chains, credential_process, SSO, `aws login`), web identity,
/// ECS, IMDS. As in the AWS CLI, a profile named explicitly (`--profile` or
/// the config file, not `AWS_PROFILE`) drops the environment from the chain,
/// so `--profile dev` means dev's credentials even with keys in the
/// environment. The profile files are the request's own paths.
/// `role_arn` is the profile's own, for saying where the credentials came from.
pub fn resolve(req: &Request, region: &str, role_arn: Option<&str>) -> Result<Resolved> {
    let profile = req.profile.as_str();
    let runtime = crate::runtime::current_thread()?;
    let result = runtime.block_on(async {
        let conf = ProviderConfig::default().with_region(Some(Region::new(region.to_string())));
        // Each provider past the environment is built only when the chain
        // reaches it: building one makes its STS or HTTP client, which
        // loads the system's CA certificates, many times the cost of
        // signing, for a call that keys in the environment never make.
        let profile_provider = {
            let conf = conf.clone();
            let files = profile_files(req);
            let profile = profile.to_string();
            lazy(move || {
                ProfileFileCredentialsProvider::builder()
                    .profile_name(&profile)
                    .profile_files(files.clone())
                    .configure(&conf)
                    .build()
            })
        };
        let chain = if req.env_credentials_first {
            CredentialsProviderChain::first_try(
                "Environment",
                EnvironmentVariableCredentialsProvider::new(),
            )
            .or_else("Profile", profile_provider)
        } else {
            CredentialsProviderChain::first_try("Profile", profile_provider)
        };
        let (web, ecs, ec2) = (conf.clone(), conf.clone(), conf);
        let chain = chain
            .or_else(
                "WebIdentityToken",
                lazy(move || {
                    WebIdentityTokenCredentialsProvider::builder()
                        .configure(&web)
                        .build()
                }),
            )
            .or_else(
                "EcsContainer",
                lazy(move || EcsCredentialsProvider::builder().configure(&ecs).build()),
            )
            .or_else(
                "Ec2InstanceMetadata",
                lazy(move || {
                    let imds = imds::Client::builder()
                        .connect_timeout(IMDS_TIMEOUT)
                        .read_timeout(IMDS_TIMEOUT)
                        .operation_timeout(IMDS_TIMEOUT * 2)
                        .max_attempts(1)
                        .build();
                    ImdsCredentialsProvider::builder()
                        .imds_client(imds)
                        .configure(&ec2)
                        .build()
                }),
            );
        chain.provide_credentials().await
    });
    match result {
        Ok(credentials) => Ok(Resolved {
            source: source(&credentials, role_arn),
            expires_at: credentials.expiry().map(crate::duration::unix),
            credentials,
        }),
        Err(err) => Err(explain(
            err,
            profile,
            !req.env_credentials_first,
            region,
            &req.paths,
        )),
    }
}

/// A credential provider built on its first use: see [`resolve`].
fn lazy<P, F>(make: F) -> Lazy<P, F>
where
    P: ProvideCredentials,
    F: Fn() -> P + Send + Sync + 'static,
{
    Lazy {
        make,
        built: OnceLock::new(),
    }
}

struct Lazy<P, F> {
    make: F,
    built: OnceLock<P>,
}

impl<P: ProvideCredentials, F: Fn() -> P + Send + Sync> ProvideCredentials for Lazy<P, F> {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        self.built.get_or_init(&self.make).provide_credentials()
    }
}

impl<P: std::fmt::Debug, F> std::fmt::Debug for Lazy<P, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.built.get() {
            Some(p) => p.fmt(f),
            None => f.write_str("Lazy(not built)"),
        }
    }
}

/// The request's AWS files, as aws-config reads them: those that exist (a
/// missing one is empty, as in the AWS CLI).
fn profile_files(req: &Request) -> ProfileFiles {
    let mut files = ProfileFiles::builder();
    if req.aws_files.config.is_some() {
        files = files.with_file(ProfileFileKind::Config, &req.paths.config);
    }
    if req.aws_files.credentials.is_some() {
        files = files.with_file(ProfileFileKind::Credentials, &req.paths.credentials);
    }
    if req.aws_files == Default::default() {
        // The builder needs one source: neither file exists, so an empty one.
        files = files.with_contents(ProfileFileKind::Config, "");
    }
    files.build()
}

/// Where the credentials came from, from the features aws-config records on
/// them (outermost last: an assumed role reports its source profile first),
/// and the role the profile assumes, which those features do not name.
fn source(credentials: &Credentials, role_arn: Option<&str>) -> String {
    use aws_credential_types::credential_feature::AwsCredentialFeature as F;
    let features = credentials.get_property::<Vec<F>>();
    let names: Vec<&str> = features
        .into_iter()
        .flatten()
        .filter_map(|f| {
            Some(match f {
                F::CredentialsEnvVars => "environment variables",
                F::CredentialsEnvVarsStsWebIdToken | F::CredentialsProfileStsWebIdToken => {
                    "web identity token"
                }
                // Named below, with its ARN, when the profile gives one.
                F::CredentialsStsAssumeRole if role_arn.is_some() => return None,
                F::CredentialsStsAssumeRole => "assumed role",
                F::CredentialsStsAssumeRoleWebId => "assumed role with web identity",
                F::CredentialsProfile => "shared config or credentials file",
                F::CredentialsProfileSourceProfile => "source_profile",
                F::CredentialsProfileNamedProvider => "credential_source",
                F::CredentialsProfileSso | F::CredentialsSso => "SSO",
                F::CredentialsProfileProcess | F::CredentialsProcess => "credential_process",
                F::CredentialsHttp => "container credentials endpoint",
                F::CredentialsImds => "EC2 instance metadata",
                F::CredentialsProfileLogin | F::CredentialsLogin => "aws login",
                _ => return None,
            })
        })
        .collect();
    let mut unique: Vec<&str> = Vec::new();
    for n in names {
        if !unique.contains(&n) {
            unique.push(n);
        }
    }
    let mut text = if unique.is_empty() {
        "the default credential chain".to_string()
    } else {
        unique.join(" + ")
    };
    if let Some(role) = role_arn {
        text.push_str(&format!(", assuming {role}"));
    }
    text
}

/// Turns aws-config's error into one that names the profile and region and
/// says what to do next.
fn explain(
    err: CredentialsError,
    profile: &str,
    explicit: bool,
    region: &str,
    paths: &Paths,
) -> anyhow::Error {
    let files = Files::load(paths);
    let login = files.login_command(profile);
    let causes = causes(&err);
    // IMDS is the chain's last resort: its failure off EC2 means "nothing found".
    let not_loaded =
        matches!(err, CredentialsError::CredentialsNotLoaded(_)) || causes.contains("IMDS");
    if not_loaded && let Some(command) = &login {
        return with_hint(
            format!(
                "profile {profile} (region {region}) has no valid login session: it expired or was never started"
            ),
            format!("run: {command}"),
        );
    }
    match err {
        _ if not_loaded => with_hint(
            format!(
                "no AWS credentials found for profile {profile} (region {region}); tried {}{} and {}, \
                 web identity, the ECS container endpoint and EC2 instance metadata",
                if explicit {
                    ""
                } else {
                    "environment variables, "
                },
                paths.credentials.display(),
                paths.config.display()
            ),
            login.map(|c| format!("run: {c}")).unwrap_or_else(|| {
                format!(
                    "run: aws configure --profile {profile} (or set AWS_ACCESS_KEY_ID and \
                     AWS_SECRET_ACCESS_KEY, or choose another profile with --profile)"
                )
            }),
        ),
        CredentialsError::InvalidConfiguration(_) => with_hint(
            format!(
                "the AWS configuration of profile {profile} (region {region}) is invalid: {causes}"
            ),
            format!("fix profile {profile} in {}", paths.config.display()),
        ),
        CredentialsError::ProviderTimedOut(_) => with_hint(
            format!("getting AWS credentials for profile {profile} (region {region}) timed out"),
            login
                .map(|c| format!("run: {c}"))
                .unwrap_or_else(|| "try again; check network access to AWS".into()),
        ),
        _ => {
            let hint = match login {
                Some(c) => format!("if the login session expired, run: {c}"),
                None => format!(
                    "check how profile {profile} gets its credentials in {}",
                    paths.config.display()
                ),
            };
            with_hint(
                format!(
                    "could not get AWS credentials for profile {profile} (region {region}): {causes}"
                ),
                hint,
            )
        }
    }
}
