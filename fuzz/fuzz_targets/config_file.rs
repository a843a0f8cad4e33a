//! bedrock-token's own config file.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = bedrock_token::fuzz::parse_file_config(&text, std::path::Path::new("config.toml"));
});
