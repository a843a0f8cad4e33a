//! The AWS config and credentials files.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = bedrock_token::fuzz::parse_aws_ini(&String::from_utf8_lossy(data));
});
