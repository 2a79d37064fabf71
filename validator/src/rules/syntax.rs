//! Small grammars the rules share: dotted names, graphic text, OCI digests,
//! ULIDs, RFC 3339 timestamps, POSIX paths and dependency version ranges.

use unicode_general_category::{get_general_category, GeneralCategory as G};

/// Whether `c` is a Unicode graphic character in the sense of 101 § Name and
/// Version: a letter, mark, number, punctuation, symbol or space separator.
pub(crate) fn is_graphic(c: char) -> bool {
    !matches!(
        get_general_category(c),
        G::Control
            | G::Format
            | G::Surrogate
            | G::PrivateUse
            | G::Unassigned
            | G::LineSeparator
            | G::ParagraphSeparator
    )
}

/// The first character of `s` that is not graphic, if any.
pub(crate) fn first_non_graphic(s: &str) -> Option<char> {
    s.chars().find(|c| !is_graphic(*c))
}

fn is_letter(c: char) -> bool {
    matches!(
        get_general_category(c),
        G::UppercaseLetter
            | G::LowercaseLetter
            | G::TitlecaseLetter
            | G::ModifierLetter
            | G::OtherLetter
    )
}

/// How a name fails the dotted-name shape of 101 § Dotted Names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DottedError {
    /// The name has no dot at all.
    NoDot,
    /// A component is empty (leading, trailing or doubled dot).
    EmptyComponent,
    /// A component holds a character that is neither a letter nor `-`.
    BadChar(char),
}

/// Checks the dotted-name shape: at least one dot, and every component made
/// of Unicode letters (category L) and `-` only.
pub(crate) fn check_dotted(name: &str) -> Result<(), DottedError> {
    if !name.contains('.') {
        return Err(DottedError::NoDot);
    }
    for component in name.split('.') {
        if component.is_empty() {
            return Err(DottedError::EmptyComponent);
        }
        if let Some(c) = component.chars().find(|c| *c != '-' && !is_letter(*c)) {
            return Err(DottedError::BadChar(c));
        }
    }
    Ok(())
}

/// Describes a dotted-name shape error for a message.
pub(crate) fn dotted_problem(e: &DottedError) -> String {
    match e {
        DottedError::NoDot => "has no dot".to_string(),
        DottedError::EmptyComponent => "has an empty component".to_string(),
        DottedError::BadChar(c) => format!(
            "has {} in a component, where only unicode letters and `-` are allowed",
            describe_char(*c)
        ),
    }
}

/// Names a character for a message, escaping invisible ones.
pub(crate) fn describe_char(c: char) -> String {
    if c.is_control() || c.is_whitespace() || !is_graphic(c) {
        format!("U+{:04X}", c as u32)
    } else {
        format!("`{c}`")
    }
}

/// Whether `name` looks like a POSIX environment variable name, allowing a
/// leading digit as 101 § Parameters does (letters, digits and `_`).
pub(crate) fn is_env_like(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// How a digest breaks the OCI descriptor grammar.
pub(crate) fn digest_problem(d: &str) -> Option<String> {
    let Some((alg, encoded)) = d.split_once(':') else {
        return Some("has no `:` between algorithm and encoded part".to_string());
    };
    if alg.is_empty() {
        return Some("has an empty algorithm".to_string());
    }
    let components_ok = alg.split(['+', '.', '_', '-']).all(|c| {
        !c.is_empty()
            && c.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    if !components_ok {
        return Some(format!("has a malformed algorithm `{alg}`"));
    }
    if encoded.is_empty()
        || !encoded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'=' || b == b'_' || b == b'-')
    {
        return Some("has a malformed encoded part".to_string());
    }
    let hex_len = match alg {
        "sha256" | "blake3" => Some(64),
        "sha512" => Some(128),
        _ => None,
    };
    if let Some(n) = hex_len {
        let lower_hex = encoded
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if encoded.len() != n || !lower_hex {
            return Some(format!(
                "is not `{alg}:` followed by {n} lowercase hex characters"
            ));
        }
    }
    None
}

/// The digest algorithms the OCI image spec registers.
pub(crate) const REGISTERED_ALGORITHMS: [&str; 3] = ["sha256", "sha512", "blake3"];

/// The algorithm of a well-formed digest when the OCI image spec does not
/// register it (`md5` of `md5:xyz`): the grammar admits it, but no runtime
/// can verify it.
pub(crate) fn unregistered_algorithm(d: &str) -> Option<&str> {
    if digest_problem(d).is_some() {
        return None;
    }
    let (alg, _) = d.split_once(':')?;
    (!REGISTERED_ALGORITHMS.contains(&alg)).then_some(alg)
}

/// The outputs directory of an invocation image.
pub(crate) const OUTPUTS_DIR: &str = "/cnab/app/outputs";

/// Cleans a POSIX path lexically: a relative path is taken from the root (as
/// 103 § Setting Parameter Values says), `.` and empty segments are dropped
/// and `..` removes the previous segment (never going above the root).
pub(crate) fn clean_path(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Whether a cleaned path is the outputs directory or below it.
pub(crate) fn in_outputs(cleaned: &str) -> bool {
    cleaned == OUTPUTS_DIR || cleaned.starts_with("/cnab/app/outputs/")
}

/// Whether a cleaned path is strictly below the outputs directory.
pub(crate) fn strictly_in_outputs(cleaned: &str) -> bool {
    cleaned.starts_with("/cnab/app/outputs/") && cleaned.len() > OUTPUTS_DIR.len() + 1
}

/// Checks one dependency version range (500 § requires): a version, or two
/// versions separated by ` - `. A version is SemVer with an optional `v`,
/// where the minor and patch parts may be `x` or left out.
pub(crate) fn range_problem(range: &str) -> Option<String> {
    let trimmed = range.trim();
    if trimmed.is_empty() {
        return Some("the range is empty".to_string());
    }
    let bounds: Vec<&str> = trimmed.split(" - ").collect();
    if bounds.len() > 2 {
        return Some("the range has more than one ` - ` span separator".to_string());
    }
    for bound in bounds {
        let bound = bound.trim();
        if let Some(p) = partial_version_problem(bound) {
            return Some(format!("`{bound}` {p}"));
        }
    }
    None
}

fn partial_version_problem(v: &str) -> Option<String> {
    let body = v.strip_prefix('v').unwrap_or(v);
    if body.is_empty() {
        return Some("is not a version".to_string());
    }
    if body.contains(' ') {
        return Some("contains a space (a span needs spaces around its dash)".to_string());
    }
    // Split off pre-release and build metadata, which need a full version.
    let core_end = body.find(['-', '+']).unwrap_or(body.len());
    let (core, rest) = body.split_at(core_end);
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() > 3 {
        return Some("has more than three numeric parts".to_string());
    }
    let mut wildcard = false;
    for (i, part) in parts.iter().enumerate() {
        if *part == "x" || *part == "X" || *part == "*" {
            if i == 0 {
                return Some("has a wildcard in the major part".to_string());
            }
            wildcard = true;
        } else if wildcard {
            return Some("has a number after a wildcard".to_string());
        } else if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Some(format!("has `{part}` where a number or `x` belongs"));
        } else if part.len() > 1 && part.starts_with('0') {
            return Some(format!("has a leading zero in `{part}`"));
        }
    }
    if !rest.is_empty() {
        if parts.len() != 3 || wildcard {
            return Some(
                "has a pre-release or build suffix on an incomplete version (a span needs spaces around its dash)"
                    .to_string(),
            );
        }
        if semver::Version::parse(body).is_err() {
            return Some("is not a valid semver version".to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphic_excludes_controls_and_line_separators() {
        assert!(first_non_graphic("hello world ü 1.2 ☃").is_none());
        assert_eq!(first_non_graphic("a\tb"), Some('\t'));
        assert_eq!(first_non_graphic("a\u{2028}b"), Some('\u{2028}'));
        assert_eq!(first_non_graphic("a\u{200b}b"), Some('\u{200b}'));
    }

    #[test]
    fn dotted_names_follow_101() {
        assert!(check_dotted("io.cnab.dry-run").is_ok());
        assert!(check_dotted("𝕔𝕠𝕞.𝕖𝕩𝕒𝕞𝕡𝕝𝕖").is_ok());
        assert!(check_dotted("snʇɐʇs.uoıʇɔɐ.ǝʃdɯɐxǝ.ƃɹo").is_ok());
        assert_eq!(check_dotted("status"), Err(DottedError::NoDot));
        assert_eq!(check_dotted("com..x"), Err(DottedError::EmptyComponent));
        assert_eq!(
            check_dotted("com.example.v2"),
            Err(DottedError::BadChar('2'))
        );
        assert_eq!(check_dotted("com.ex ample"), Err(DottedError::BadChar(' ')));
        assert_eq!(check_dotted("com.ex_ample"), Err(DottedError::BadChar('_')));
    }

    #[test]
    fn digests_follow_the_oci_grammar() {
        let hex64 = "a".repeat(64);
        assert!(digest_problem(&format!("sha256:{hex64}")).is_none());
        assert!(digest_problem(&format!("sha512:{}", "0".repeat(128))).is_none());
        assert!(
            digest_problem("multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8")
                .is_none()
        );
        assert!(digest_problem("sha256:aaaa").is_some());
        assert!(digest_problem(&format!("sha256:{}", "A".repeat(64))).is_some());
        assert!(digest_problem(&format!("SHA256:{hex64}")).is_some());
        assert!(digest_problem(&hex64).is_some());
        assert!(digest_problem("sha256:").is_some());
        assert!(digest_problem(":abc").is_some());
        assert!(digest_problem("sha256+:abc").is_some());
        assert!(digest_problem("sha256:ab/cd").is_some());
        assert_eq!(unregistered_algorithm("md5:xyz"), Some("md5"));
        assert_eq!(unregistered_algorithm(&format!("sha256:{hex64}")), None);
        assert_eq!(unregistered_algorithm("sha256:xyz"), None, "a MUST finding");
    }

    #[test]
    fn paths_are_cleaned_lexically() {
        assert_eq!(
            clean_path("/cnab/app/../app/outputs/x"),
            "/cnab/app/outputs/x"
        );
        assert_eq!(clean_path("var//run/./x"), "/var/run/x");
        assert_eq!(clean_path("/../../etc"), "/etc");
        assert!(in_outputs("/cnab/app/outputs"));
        assert!(!in_outputs("/cnab/app/outputsx"));
        assert!(strictly_in_outputs("/cnab/app/outputs/a"));
        assert!(!strictly_in_outputs("/cnab/app/outputs"));
    }

    #[test]
    fn ranges_follow_500() {
        for ok in [
            "1.2.3",
            "v1.2.3",
            "1.2.x",
            "1.x",
            "1.5.x - 3",
            "1.0.0-beta.1",
            "2",
        ] {
            assert!(range_problem(ok).is_none(), "{ok}");
        }
        for bad in [
            "",
            "1.5-3",
            "x",
            "1.x.3",
            ">=1.0",
            "1.2.3.4",
            "01.2",
            "1 - 2 - 3",
            "1.x-beta",
        ] {
            assert!(range_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn env_like_names() {
        assert!(is_env_like("BACKEND_PORT"));
        assert!(is_env_like("backend_port"));
        assert!(is_env_like("1PORT"));
        assert!(!is_env_like("porter-debug"));
        assert!(!is_env_like(""));
    }
}
