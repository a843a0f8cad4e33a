//! AWS region names: the shapes AWS's partitions use, checked by hand (this
//! runs on the cache-hit path, so no regex and no allocation unless the
//! name is wrong), and the nearest known region for the error.

/// The regions known when this was written, for "did you mean". A region
/// of a valid shape that is not here is still accepted: AWS adds regions.
const KNOWN: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "cn-north-1",
    "cn-northwest-1",
    "eu-central-1",
    "eu-central-2",
    "eu-isoe-west-1",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-gov-east-1",
    "us-gov-west-1",
    "us-iso-east-1",
    "us-iso-west-1",
    "us-isob-east-1",
    "us-isof-east-1",
    "us-isof-south-1",
    "us-west-1",
    "us-west-2",
];

/// Whether `s` has the shape of the partitions' region patterns:
/// `[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+` (the `regionRegex` of each
/// partition in the AWS SDKs' partitions.json).
pub fn has_region_shape(s: &str) -> bool {
    let lower = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase());
    let mut parts = s.split('-');
    let (Some(country), Some(second), Some(third)) = (parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let (direction, number) = match (parts.next(), parts.next()) {
        (None, _) => (second, third),
        (Some(number), None) => {
            let qualifier = second == "gov"
                || second
                    .strip_prefix("iso")
                    .is_some_and(|rest| rest.len() <= 1 && (rest.is_empty() || lower(rest)));
            if !qualifier {
                return false;
            }
            (third, number)
        }
        (Some(_), Some(_)) => return false,
    };
    country.len() == 2
        && lower(country)
        && lower(direction)
        && !number.is_empty()
        && number.len() <= 3
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// The known region nearest to `s` by edit distance (ignoring case), when
/// it is near enough to be the likely meaning.
pub fn nearest(s: &str) -> Option<&'static str> {
    let s = s.to_ascii_lowercase();
    let (best, distance) = KNOWN
        .iter()
        .map(|k| (*k, edit_distance(s.as_bytes(), k.as_bytes())))
        .min_by_key(|(_, d)| *d)?;
    (distance <= best.len() / 2).then_some(best)
}

/// Levenshtein distance.
fn edit_distance(a: &[u8], b: &[u8]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_region_has_the_shape() {
        for r in KNOWN {
            assert!(has_region_shape(r), "{r}");
        }
        // New regions of a valid shape are accepted.
        for r in ["xx-east-9", "us-gov-south-3", "ap-isoz-north-12"] {
            assert!(has_region_shape(r), "{r}");
        }
    }

    #[test]
    fn typos_and_other_shapes_are_refused() {
        for bad in [
            "",
            "us-east-one",
            "mars-1",
            "US-EAST-1",
            "us-east-1-",
            "useast1",
            "us-east-",
            "usa-east-1",
            "us-mil-east-1",
            "us-isoab-east-1",
            "us-gov-west-1-x",
            "us-east-1a",
            "us-east-12345",
            "local",
        ] {
            assert!(!has_region_shape(bad), "{bad}");
        }
    }

    #[test]
    fn the_nearest_known_region_is_named() {
        assert_eq!(nearest("us-east-one"), Some("us-east-1"));
        assert_eq!(nearest("US-EAST-1"), Some("us-east-1"));
        assert_eq!(nearest("eu-centrl-1"), Some("eu-central-1"));
        assert_eq!(nearest("euwest1"), Some("eu-west-1"));
        assert_eq!(nearest("mars-1"), None);
    }
}
