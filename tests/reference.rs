//! Differential test against AWS's reference generator (PyPI
//! aws-bedrock-token-generator): random credentials, regions and durations;
//! the reference signs at the instant our key carries, and the bytes must match.

// Runs Unix tools (sh scripts, Python peers) or checks modes and signals.
#![cfg(unix)]

mod common;
use common::*;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn string(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| alphabet[self.below(alphabet.len() as u64) as usize] as char)
            .collect()
    }
}

const UPPER_DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const REGIONS: &[&str] = &[
    "us-east-1",
    "us-west-2",
    "eu-central-1",
    "eu-west-3",
    "ap-northeast-1",
    "ap-southeast-2",
    "sa-east-1",
    "ca-central-1",
    "us-gov-west-1",
    "cn-north-1",
    "il-central-1",
    "mx-central-1",
];

#[test]
fn random_inputs_match_the_reference_generator_byte_for_byte() {
    let Some(python) = reference_python() else {
        return;
    };
    let seed = std::env::var("BEDROCK_TOKEN_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("seed {seed} (rerun with BEDROCK_TOKEN_TEST_SEED={seed})");
    let mut rng = Rng(seed);
    let sb = Sandbox::new();
    let mut cases = Vec::new();
    let mut ours = Vec::new();
    for i in 0..40 {
        let akid = format!(
            "{}{}",
            if i % 2 == 0 { "AKIA" } else { "ASIA" },
            rng.string(UPPER_DIGITS, 16)
        );
        let secret = rng.string(BASE64, 40);
        let session = (i % 3 != 0).then(|| {
            let len = 16 + rng.below(600) as usize;
            // Session tokens are base64: `+`, `/` and `=` padding all occur.
            format!("{}{}", rng.string(BASE64, len), ["", "=", "=="][i % 3])
        });
        let region = if i % 5 == 4 {
            format!(
                "xx-{}-{}",
                rng.string(b"abcdefghijklmnopqrstuvwxyz", 5),
                rng.below(9) + 1
            )
        } else {
            REGIONS[rng.below(REGIONS.len() as u64) as usize].to_string()
        };
        let duration = match i % 4 {
            0 => 43200,
            1 => 1,
            _ => 1 + rng.below(43200),
        };
        let mut run = sb
            .run()
            .env("AWS_ACCESS_KEY_ID", &akid)
            .env("AWS_SECRET_ACCESS_KEY", &secret)
            .args([
                "--no-cache",
                "--region",
                &region,
                "--duration",
                &duration.to_string(),
            ]);
        if let Some(t) = &session {
            run = run.env("AWS_SESSION_TOKEN", t);
        }
        let token = run.ok().trim().to_string();
        let date = param(&token, "X-Amz-Date").unwrap();
        let timestamp = format!(
            "{}-{}-{}T{}:{}:{}Z",
            &date[0..4],
            &date[4..6],
            &date[6..8],
            &date[9..11],
            &date[11..13],
            &date[13..15]
        );
        cases.push(serde_json::json!({
            "access_key_id": akid,
            "secret_access_key": secret,
            "session_token": session,
            "region": region,
            "expires_in": duration,
            "timestamp": timestamp,
        }));
        ours.push(token);
    }
    let batch = sb.write("batch.json", &serde_json::to_string(&cases).unwrap());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/reference_token.py");
    let out = std::process::Command::new(python)
        .args([script, "--batch"])
        .arg(&batch)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "reference: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reference: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(reference.len(), ours.len());
    for (i, (theirs, ours)) in reference.iter().zip(&ours).enumerate() {
        assert_eq!(
            theirs["token"].as_str().unwrap(),
            ours,
            "case {i} differs (seed {seed}): {}",
            cases[i]
        );
    }
}
