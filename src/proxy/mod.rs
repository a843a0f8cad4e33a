//! `bedrock-token proxy`: a loopback gateway to Amazon Bedrock. Consumers
//! talk to it with a local credential that is worthless anywhere else; it
//! forwards each request with a fresh key from the shared cache, so a
//! program that reads its key once keeps working for as long as it runs.
//!
//! Only this command runs this code: the server side of hyper, rustls and
//! the certificate maker load for `proxy` alone.
//!
//! - [`gate`]: the local credential, `Host` and `Origin` checks;
//! - [`keys`]: keys from the cache, failures logged once per change;
//! - [`forward`]: routing, header filtering, the retry of an expired key;
//! - [`server`]: the listener (HTTP/1.1, h2c, TLS), the graceful stop;
//! - [`tls`]: the loopback CA and certificate;
//! - [`exec`]: `proxy exec -- CMD`, the consumer's environment.

pub mod exec;
pub mod forward;
pub mod gate;
pub mod keys;
pub mod server;
pub mod tls;

use crate::environment::endpoint_override;
use crate::error::usage;
use crate::settings::{CacheDir, Settings};
use crate::ui;
use anyhow::{Result, bail};
use forward::{Gateway, Upstream};
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

/// Where `proxy` listens unless told.
pub const DEFAULT_PORT: u16 = 8338;

/// `--listen`: a loopback address and port; `localhost` is 127.0.0.1.
pub fn parse_listen(text: &str) -> Result<SocketAddr> {
    let addr = match text.rsplit_once(':') {
        Some((host, port)) if host.eq_ignore_ascii_case("localhost") => port
            .parse::<u16>()
            .ok()
            .map(|p| SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), p)),
        _ => text.parse::<SocketAddr>().ok(),
    };
    let Some(addr) = addr else {
        return Err(usage(format!(
            "--listen {text:?} is not an address and port, like 127.0.0.1:{DEFAULT_PORT}"
        )));
    };
    if !addr.ip().is_loopback() {
        return Err(usage(format!(
            "--listen {text}: the gateway listens on loopback only (127.0.0.1, ::1 or localhost), since anyone who reaches it uses your Bedrock access"
        )));
    }
    Ok(addr)
}

/// The two upstreams: bedrock-runtime and bedrock in the key's region, or
/// what `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` / `AWS_ENDPOINT_URL_BEDROCK`
/// (then `AWS_ENDPOINT_URL`) name, as the SDKs take them.
pub fn upstream(region: &str) -> Result<Upstream> {
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    let pick = |var: &str, service: &str| -> Result<String> {
        // Any user-info (`user:secret@`) is neither sent nor printed.
        let url = endpoint_override(var)?
            .map(|url| crate::bedrock::without_userinfo(&url))
            .unwrap_or_else(|| format!("https://{service}.{region}.{suffix}"));
        check_upstream(var, &url)?;
        Ok(url.trim_end_matches('/').to_string())
    };
    let runtime = pick("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "bedrock-runtime")?;
    let control = pick("AWS_ENDPOINT_URL_BEDROCK", "bedrock")?;
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    let connector = aws_smithy_http_client::Connector::builder()
        .connector_settings(
            aws_smithy_runtime_api::client::http::HttpConnectorSettings::builder()
                .connect_timeout(std::time::Duration::from_secs(10))
                .build(),
        )
        .proxy_config(aws_smithy_http_client::proxy::ProxyConfig::from_env())
        .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
        .build();
    Ok(Upstream {
        runtime,
        control,
        connector,
    })
}

/// HTTPS anywhere; plain HTTP only to loopback, where no one can read the key on the way.
fn check_upstream(var: &str, url: &str) -> Result<()> {
    let Some((scheme, rest)) = url.split_once("://") else {
        bail!(usage(format!("{var}={url} is not a URL")));
    };
    if scheme.eq_ignore_ascii_case("https") {
        return Ok(());
    }
    let host = rest.split(['/', '?']).next().unwrap_or("");
    let host = match host.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if scheme.eq_ignore_ascii_case("http") && loopback {
        return Ok(());
    }
    Err(usage(format!(
        "{var}={url}: the gateway sends keys only over HTTPS, or plain HTTP to loopback"
    )))
}

/// Where a long-running gateway keeps its credential and CA key: the
/// per-user runtime directory (a tmpfs on Linux), else the cache directory.
fn state_dir(s: &Settings) -> Result<PathBuf> {
    let runtime = crate::environment::env("XDG_RUNTIME_DIR")?
        .map(PathBuf::from)
        .filter(|d| d.is_absolute());
    let dir = match (runtime, &s.cache) {
        (Some(d), _) => d.join("bedrock-token"),
        (None, CacheDir::Dir(d)) => d.clone(),
        (None, CacheDir::Off) | (None, CacheDir::Unavailable(_)) => bail!(usage(
            "the gateway keeps its credential in XDG_RUNTIME_DIR or the cache directory, and neither is available: set one (--cache-dir DIR)"
        )),
    };
    crate::cache::Cache::at(dir.clone()).prepare()?;
    Ok(dir)
}

fn bind(addr: SocketAddr) -> Result<std::net::TcpListener> {
    let listener = std::net::TcpListener::bind(addr).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            crate::error::with_hint(
                format!("{addr} is in use"),
                format!(
                    "is a gateway already running? Pick another port: --listen 127.0.0.1:{}",
                    addr.port().wrapping_add(1).max(1024)
                ),
            )
        } else {
            anyhow::anyhow!("could not listen on {addr}: {e}")
        }
    })?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// What stops a gateway: SIGTERM or SIGINT (Ctrl-C); on Windows Ctrl-C,
/// Ctrl-Break or the console closing. The output names it, for the log.
async fn stop_signal() -> String {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut term), Ok(mut int)) => match server::first(term.recv(), int.recv()).await {
                server::Either::Left(_) => "SIGTERM".into(),
                server::Either::Right(_) => "SIGINT".into(),
            },
            _ => std::future::pending().await,
        }
    }
    #[cfg(windows)]
    {
        use tokio::signal::windows::{ctrl_break, ctrl_close};
        match (ctrl_break(), ctrl_close()) {
            (Ok(mut brk), Ok(mut close)) => {
                match server::first(
                    tokio::signal::ctrl_c(),
                    server::first(brk.recv(), close.recv()),
                )
                .await
                {
                    server::Either::Left(_) => "Ctrl-C".into(),
                    server::Either::Right(server::Either::Left(_)) => "Ctrl-Break".into(),
                    server::Either::Right(server::Either::Right(_)) => "the console closing".into(),
                }
            }
            _ => std::future::pending().await,
        }
    }
}

/// `bedrock-token proxy`: serves until stopped. Key lookups run on the
/// blocking pool; one thread serves every connection.
pub fn foreground(s: &Settings, listen: Option<&str>) -> Result<()> {
    let addr = match listen {
        Some(text) => parse_listen(text)?,
        None => SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), DEFAULT_PORT),
    };
    let region = s.request.region()?.to_string();
    let upstream = upstream(&region)?;
    let dir = state_dir(s)?;
    let listener = bind(addr)?;
    let addr = listener.local_addr()?;
    let port = addr.port();
    let credential_path = dir.join(format!("proxy-{port}.credential"));
    let credential = gate::Credential::load_or_create(&credential_path)?;
    let tls = tls::make(Some(&dir.join(format!("proxy-{port}-ca.key"))))?;
    let bundle_path = dir.join(format!("proxy-{port}-ca-bundle.pem"));
    let ca_path = dir.join(format!("proxy-{port}-ca.pem"));
    crate::fsutil::atomic_write(&bundle_path, tls::bundle(&tls.ca_pem).as_bytes())?;
    crate::fsutil::atomic_write(&ca_path, tls.ca_pem.as_bytes())?;
    let keys = keys::Keys::new(s);
    let gateway = Arc::new(Gateway::new(addr, credential, keys, upstream, true));

    let url = format!("http://{addr}");
    ui::line(&format!(
        "gateway for profile {} in {region} listening on {url} and https://{addr}, forwarding to {} and {}",
        s.request.profile, gateway.upstream.runtime, gateway.upstream.control
    ));
    ui::line(&format!(
        "consumers send the credential in {} as their bearer key; HTTPS clients (boto3, the Go SDK) trust {} (AWS_CA_BUNDLE); `bedrock-token setup proxy` shows what each consumer sets",
        credential_path.display(),
        bundle_path.display()
    ));
    // The one line on stdout: where to reach it, for scripts (port 0).
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{url}").and_then(|()| out.flush());
    drop(out);

    let runtime = crate::runtime::current_thread()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        // The first key now: a problem shows in the log at once, not at the
        // first request. The gateway serves either way, telling consumers
        // what to run, and works once the problem is fixed.
        let _ = gateway.keys.key().await;
        let acceptor = tokio_rustls::TlsAcceptor::from(tls.config.clone());
        server::serve(listener, gateway, acceptor, stop_signal()).await;
        anyhow::Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_listens() {
        assert_eq!(parse_listen("127.0.0.1:8338").unwrap().port(), 8338);
        assert!(parse_listen("[::1]:0").unwrap().ip().is_loopback());
        assert!(parse_listen("localhost:9").unwrap().ip().is_loopback());
        for bad in [
            "0.0.0.0:8338",
            "192.168.1.2:80",
            "[::]:1",
            "example.com:80",
            "8338",
            "",
        ] {
            let e = parse_listen(bad).unwrap_err();
            assert_eq!(crate::error::exit_code(&e), 2, "{bad}");
        }
    }

    #[test]
    fn plain_http_upstreams_only_on_loopback() {
        for ok in [
            "https://bedrock-runtime.us-east-1.amazonaws.com",
            "http://127.0.0.1:9000",
            "http://localhost",
            "http://[::1]:8080/base",
        ] {
            assert!(check_upstream("V", ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com",
            "http://10.0.0.1:80",
            "ftp://127.0.0.1",
            "127.0.0.1:80",
        ] {
            assert!(check_upstream("V", bad).is_err(), "{bad}");
        }
    }
}
