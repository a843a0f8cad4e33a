//! `bedrock-token proxy exec -- CMD`: a gateway on a free loopback port for
//! as long as CMD runs, and CMD started with every SDK pointed at it. CMD's
//! environment holds the local credential (fresh for this run, in no file)
//! and no Bedrock key or AWS secret; we exit with CMD's status.

use super::forward::Gateway;
use super::{gate, keys, server, tls};
use crate::settings::Settings;
use crate::ui;
use anyhow::{Context, Result, anyhow};
use std::ffi::{OsStr, OsString};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Variables that hold AWS secrets, removed from CMD's environment.
const SECRET_VARS: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    // Makes the SDKs ignore the endpoints we set.
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
];

/// Runs CMD against a gateway of its own; CMD's exit code once it ended
/// and the gateway stopped.
pub fn run(s: &Settings, command: &[OsString]) -> Result<i32> {
    let (program, rest) = command
        .split_first()
        .ok_or_else(|| crate::error::usage("proxy exec needs a command after --"))?;
    let region = s.request.region()?.to_string();
    let upstream = super::upstream(&region)?;
    // The first key before CMD starts: a problem is our error now, with its
    // next step, not CMD's puzzle later.
    crate::provide::bedrock_key(s)?;
    let mut settings = s.clone();
    settings.refresh = false;

    let listener = super::bind(SocketAddr::new(Ipv4Addr::LOCALHOST.into(), 0))?;
    let addr = listener.local_addr()?;
    let dir = PrivateDir::create(s)?;
    let credential = gate::Credential::generate()?;
    let tls = tls::make(None)?;
    let bundle = dir.0.join("ca-bundle.pem");
    let ca = dir.0.join("ca.pem");
    crate::fsutil::atomic_write(&bundle, tls::bundle(&tls.ca_pem).as_bytes())?;
    crate::fsutil::atomic_write(&ca, tls.ca_pem.as_bytes())?;

    let mut cmd = std::process::Command::new(program);
    cmd.args(rest);
    for (name, value) in consumer_env(addr, &region, credential.expose(), &bundle, &ca) {
        match value {
            Some(v) => cmd.env(name, v),
            None => cmd.env_remove(name),
        };
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: child_defaults is async-signal-safe (signal, setrlimit).
        unsafe {
            cmd.pre_exec(|| {
                crate::platform::child_defaults();
                Ok(())
            })
        };
    }
    let gateway = Arc::new(Gateway::new(
        addr,
        credential,
        keys::Keys::new(&settings),
        upstream,
        false,
    ));
    ui::verbose(&format!(
        "gateway for {} listening on http://{addr}",
        program.to_string_lossy()
    ));

    let runtime = crate::runtime::current_thread()?;
    let status = runtime.block_on(async {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let mut child = tokio::process::Command::from(cmd)
            .kill_on_drop(false)
            .spawn()
            .map_err(|e| anyhow!("could not run {}: {e}", program.to_string_lossy()))?;
        let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
        let acceptor = tokio_rustls::TlsAcceptor::from(tls.config.clone());
        let serving = tokio::spawn(server::serve(listener, gateway, acceptor, async move {
            let _ = done_rx.await;
            "the command ended".to_string()
        }));
        let status = wait_forwarding_signals(&mut child).await?;
        let _ = done_tx.send(());
        let _ = serving.await;
        anyhow::Ok(status)
    })?;
    drop(runtime);
    drop(dir);
    Ok(exit_code(status))
}

/// What CMD gets: for each variable its value, or `None` to remove it.
/// Every SDK's endpoint variable points at the gateway; the local
/// credential goes where each reads its key; HTTPS clients trust our CA;
/// proxies are bypassed for loopback; and every AWS secret or Bedrock key
/// in our environment is removed.
pub fn consumer_env(
    addr: SocketAddr,
    region: &str,
    credential: &str,
    bundle: &Path,
    ca: &Path,
) -> Vec<(OsString, Option<OsString>)> {
    let mut env: Vec<(OsString, Option<OsString>)> = Vec::new();
    for (name, value) in std::env::vars_os() {
        let upper = name.to_string_lossy().to_ascii_uppercase();
        if SECRET_VARS.contains(&upper.as_str())
            || upper.starts_with("AWS_BEARER_TOKEN_")
            || crate::bedrock_key::in_argument(&value)
        {
            env.push((name, None));
        }
    }
    let http = format!("http://{addr}");
    let https = format!("https://{addr}");
    let no_proxy = |var: &str| {
        let old = std::env::var(var).unwrap_or_default();
        let extra = "127.0.0.1,localhost,::1";
        if old.is_empty() {
            extra.to_string()
        } else {
            format!("{old},{extra}")
        }
    };
    let set: Vec<(&str, String)> = vec![
        // botocore (boto3, LangChain, LiteLLM), the Go SDK and the JavaScript
        // SDK v3: HTTPS, since the first two send bearer keys over nothing else.
        ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", https.clone()),
        ("AWS_ENDPOINT_URL_BEDROCK", https),
        ("AWS_BEARER_TOKEN_BEDROCK", credential.to_string()),
        ("AWS_CA_BUNDLE", bundle.display().to_string()),
        ("NODE_EXTRA_CA_CERTS", ca.display().to_string()),
        // The JavaScript SDK signs with SigV4 when it finds AWS credentials,
        // unless told to prefer the bearer key.
        ("AWS_AUTH_SCHEME_PREFERENCE", "httpBearerAuth".into()),
        ("AWS_REGION", region.into()),
        ("AWS_DEFAULT_REGION", region.into()),
        // Anthropic's AnthropicBedrock (and Claude Code), OpenAI clients.
        ("ANTHROPIC_BEDROCK_BASE_URL", http.clone()),
        ("OPENAI_BASE_URL", format!("{http}/openai/v1")),
        ("OPENAI_API_KEY", credential.to_string()),
        ("BEDROCK_TOKEN_PROXY_URL", http),
        ("NO_PROXY", no_proxy("NO_PROXY")),
        ("no_proxy", no_proxy("no_proxy")),
    ];
    env.retain(|(name, _)| !set.iter().any(|(n, _)| OsStr::new(n) == name));
    env.extend(set.into_iter().map(|(n, v)| (n.into(), Some(v.into()))));
    env
}

/// Waits for CMD, passing it SIGTERM and SIGHUP sent to us. SIGINT from a
/// terminal reaches CMD by itself (the same process group), so it is only
/// kept from stopping us.
async fn wait_forwarding_signals(
    child: &mut tokio::process::Child,
) -> Result<std::process::ExitStatus> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut hup = signal(SignalKind::hangup())?;
        let mut int = signal(SignalKind::interrupt())?;
        loop {
            let signals = server::first(term.recv(), server::first(hup.recv(), int.recv()));
            match server::first(child.wait(), signals).await {
                server::Either::Left(status) => return Ok(status?),
                server::Either::Right(which) => {
                    let sig = match which {
                        server::Either::Left(_) => libc::SIGTERM,
                        server::Either::Right(server::Either::Left(_)) => libc::SIGHUP,
                        server::Either::Right(server::Either::Right(_)) => continue,
                    };
                    if let Some(pid) = child.id() {
                        // SAFETY: kill(2) on our own child's pid.
                        unsafe { libc::kill(pid as libc::pid_t, sig) };
                    }
                }
            }
        }
    }
    #[cfg(windows)]
    {
        // Ctrl-C reaches every process on the console: CMD decides; we wait.
        loop {
            match server::first(child.wait(), tokio::signal::ctrl_c()).await {
                server::Either::Left(status) => return Ok(status?),
                server::Either::Right(_) => continue,
            }
        }
    }
}

/// CMD's status as ours: its code, or 128 + the signal that ended it.
fn exit_code(status: std::process::ExitStatus) -> i32 {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return 128 + sig;
        }
    }
    status.code().unwrap_or(1)
}

/// A 0700 directory for this run's CA files, removed when dropped.
struct PrivateDir(PathBuf);

impl PrivateDir {
    fn create(s: &Settings) -> Result<PrivateDir> {
        let base = super::state_dir(s).unwrap_or_else(|_| std::env::temp_dir());
        let mut suffix = [0u8; 8];
        aws_lc_rs::rand::fill(&mut suffix)
            .map_err(|_| anyhow!("the system's random generator failed"))?;
        let name: String = suffix.iter().map(|b| format!("{b:02x}")).collect();
        let dir = base.join(format!("proxy-exec-{}-{name}", std::process::id()));
        crate::platform::create_private_dir(&dir)
            .with_context(|| format!("could not create {}", dir.display()))?;
        Ok(PrivateDir(dir))
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
