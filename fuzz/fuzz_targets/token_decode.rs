//! `inspect -` and the cache read keys from outside: any input decodes or errs.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = bedrock_token::fuzz::decode_token(&text);
    // Also as the base64 body of a key, to reach the URL parser.
    use base64::Engine;
    let key = format!(
        "{}{}",
        bedrock_token::fuzz::TOKEN_PREFIX,
        base64::engine::general_purpose::STANDARD.encode(data)
    );
    let _ = bedrock_token::fuzz::decode_token(&key);
});
