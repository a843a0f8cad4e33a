//! `inspect -`, `verify -`, `doctor` and the command-line check read keys
//! from outside: any input parses or errs, and the argument check never
//! panics, on the raw bytes and as the base64 body of a long-term key.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    use base64::Engine;
    let text = String::from_utf8_lossy(data);
    let _ = bedrock_token::fuzz::BedrockKey::parse(&text);
    let _ = bedrock_token::fuzz::key_in_argument(text.as_ref());
    let key = format!(
        "ABSK{}",
        base64::engine::general_purpose::STANDARD.encode(data)
    );
    let _ = bedrock_token::fuzz::BedrockKey::parse(&key);
    let _ = bedrock_token::fuzz::key_in_argument(key.as_ref());
});
