//! Durations from flags, environment and the config file; what we print
//! parses back to the same value.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(secs) = bedrock_token::fuzz::parse_duration(&text) {
        let printed = bedrock_token::fuzz::format_secs(secs);
        assert_eq!(bedrock_token::fuzz::parse_duration(&printed), Ok(secs));
    }
});
