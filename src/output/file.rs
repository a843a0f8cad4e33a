//! `write`'s file formats: the bare key, the JSON document, or a dotenv
//! file, each as the file's whole content.

use crate::cache::Entry;
use crate::cli::{FileFormat, Shell};
use crate::environment::TOKEN_VAR;
use crate::secret::Secret;

/// The file's content for `entry` in `format`.
pub fn render(entry: &Entry, format: FileFormat) -> Secret {
    match format {
        FileFormat::Text => super::token(entry).clone(),
        FileFormat::Json => super::json::render(entry),
        FileFormat::Dotenv => super::env::render(
            Shell::Dotenv,
            true,
            &[
                (TOKEN_VAR, super::token(entry).expose()),
                ("AWS_REGION", &entry.region),
            ],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::fixture::key_entry;

    #[test]
    fn each_format_is_the_whole_file() {
        let entry = key_entry();
        assert_eq!(
            render(&entry, FileFormat::Text).expose(),
            "bedrock-api-key-AB+/=="
        );
        assert_eq!(
            render(&entry, FileFormat::Dotenv).expose(),
            "AWS_BEARER_TOKEN_BEDROCK=\"bedrock-api-key-AB+/==\"\nAWS_REGION=\"eu-west-1\"\n"
        );
        assert_eq!(
            render(&entry, FileFormat::Json).expose(),
            crate::output::json::render(&entry).expose()
        );
    }
}
