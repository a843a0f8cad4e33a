//! Any bytes in a cache entry file give an entry or an error.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = bedrock_token::fuzz::parse_entry(data.to_vec(), "k", 1_800_000_000);
});
