//! TLS on loopback, for the clients that send a bearer key only over HTTPS
//! (botocore, the AWS SDK for Go): a private CA whose key stays in a 0600
//! file (so consumers that loaded it survive a restart of the gateway), and
//! a certificate for 127.0.0.1, ::1 and localhost made by it at each start.
//! The CA file consumers point `AWS_CA_BUNDLE` at also holds the system's
//! roots (and those of an `AWS_CA_BUNDLE` already set), since botocore
//! replaces its roots with that file for every AWS service it calls.

use anyhow::{Context, Result, anyhow};
use base64::Engine;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::path::Path;
use std::sync::Arc;

const CA_NAME: &str = "bedrock-token proxy local CA";

/// What a start made: the server's TLS settings and the PEM of the CA alone
/// and of the CA with the system's roots.
pub struct Tls {
    pub config: Arc<ServerConfig>,
    pub ca_pem: String,
}

/// The CA's key from `ca_key` (0600, PKCS#8 DER) when there is one, else a
/// fresh one kept there; `None`: a CA of this run only.
pub fn make(ca_key: Option<&Path>) -> Result<Tls> {
    let ca_key = match ca_key {
        Some(path) => load_or_create_key(path)?,
        None => KeyPair::generate().context("could not make a key for the loopback CA")?,
    };
    let mut ca = CertificateParams::default();
    ca.distinguished_name.push(DnType::CommonName, CA_NAME);
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let (before, after) = validity();
    ca.not_before = before;
    ca.not_after = after;
    let ca_cert = ca
        .self_signed(&ca_key)
        .context("could not make the loopback CA")?;
    let issuer = Issuer::new(ca, ca_key);

    let leaf_key = KeyPair::generate().context("could not make the gateway's TLS key")?;
    let mut leaf = CertificateParams::new(vec![
        "127.0.0.1".to_string(),
        "::1".to_string(),
        "localhost".to_string(),
    ])
    .context("could not make the gateway's certificate")?;
    leaf.distinguished_name
        .push(DnType::CommonName, "127.0.0.1");
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.use_authority_key_identifier_extension = true;
    leaf.not_before = before;
    leaf.not_after = after;
    let leaf_cert = leaf
        .signed_by(&leaf_key, &issuer)
        .context("could not sign the gateway's certificate")?;

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS settings")?
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf_cert.der().clone(), ca_cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .context("TLS settings")?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Tls {
        config: Arc::new(config),
        ca_pem: pem(ca_cert.der()),
    })
}

/// The CA, then the roots a consumer had: an `AWS_CA_BUNDLE` already set,
/// else the system's.
pub fn bundle(ca_pem: &str) -> String {
    let mut out = ca_pem.to_string();
    let existing = crate::environment::env("AWS_CA_BUNDLE")
        .ok()
        .flatten()
        .and_then(|path| std::fs::read_to_string(path).ok());
    match existing {
        Some(text) => out.push_str(&text),
        None => {
            for cert in rustls_native_certs::load_native_certs().certs {
                out.push_str(&pem(&cert));
            }
        }
    }
    out
}

/// A certificate as PEM, 64 columns.
fn pem(der: &CertificateDer<'_>) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

fn load_or_create_key(path: &Path) -> Result<KeyPair> {
    match crate::cache::read_file(path) {
        Ok((_, der)) => {
            let der = zeroize::Zeroizing::new(der);
            KeyPair::try_from(der.as_slice()).map_err(|_| {
                anyhow!(
                    "{} does not hold the gateway's CA key; remove it and start again: rm {}",
                    path.display(),
                    path.display()
                )
            })
        }
        Err(e) if e.downcast_ref::<crate::cache::Missing>().is_some() => {
            let key = KeyPair::generate().context("could not make a key for the loopback CA")?;
            let der = zeroize::Zeroizing::new(key.serialize_der());
            crate::fsutil::atomic_write(path, &der)
                .with_context(|| format!("could not keep the CA key in {}", path.display()))?;
            Ok(key)
        }
        Err(e) => Err(e),
    }
}

/// From a day ago (clocks that disagree a little) to ten years on.
fn validity() -> (time::OffsetDateTime, time::OffsetDateTime) {
    let now = time::OffsetDateTime::now_utc();
    (
        now - time::Duration::days(1),
        now + time::Duration::days(3650),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ca_key_is_kept_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.key");
        let first = make(Some(&path)).unwrap();
        let second = make(Some(&path)).unwrap();
        assert!(first.ca_pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert_eq!(first.config.alpn_protocols[0], b"h2");
        // A new CA certificate for the same key: the same public key inside.
        let spki = |pem: &str| {
            let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
            base64::engine::general_purpose::STANDARD
                .decode(body)
                .unwrap()
        };
        let (a, b) = (spki(&first.ca_pem), spki(&second.ca_pem));
        let key = KeyPair::try_from(std::fs::read(&path).unwrap().as_slice()).unwrap();
        let public = key.public_key_raw();
        let contains = |hay: &[u8]| hay.windows(public.len()).any(|w| w == public);
        assert!(contains(&a) && contains(&b));
        assert!(bundle(&first.ca_pem).starts_with(&first.ca_pem));
    }
}
