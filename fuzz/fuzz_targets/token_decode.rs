//! `inspect -` and the cache read keys from outside: any input decodes or errs.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = bedrock_token::token::decode(&text);
    // Also as the base64 body of a key, to reach the URL parser.
    use base64::Engine;
    let key = format!(
        "{}{}",
        bedrock_token::token::PREFIX,
        base64::engine::general_purpose::STANDARD.encode(data)
    );
    let _ = bedrock_token::token::decode(&key);
});
