//! Canonical JSON: the OLPC profile (as docker/go `canonical/json` writes it)
//! and the JCS profile (RFC 8785).
//!
//! The CNAB spec requires `bundle.json` in canonical JSON and links the OLPC
//! definition, while cnab-go writes RFC 8785 (JCS). Both are implemented
//! here, exactly, from the parsed [`Node`] tree (so numbers are worked on from
//! their source text, never from a lossy value view).
//!
//! # Shared rules
//!
//! - No whitespace between tokens and none around the document.
//! - Duplicate keys: [`canonicalize`] keeps the last member, as
//!   [`Node::to_value`] does, but [`is_canonical`] reports any document with
//!   a duplicate key as not canonical, since no canonical writer produces one.
//! - The literals `null`, `true` and `false` are written as such.
//!
//! # OLPC (`Profile::Olpc`)
//!
//! - Object keys are sorted by the raw bytes of their unescaped UTF-8 text (a
//!   key with `"` sorts by the `"` byte, not by `\`).
//! - Strings escape only `"` and `\` (as `\"` and `\\`). Every other
//!   character, control characters included, is written raw; no `\u` escape
//!   is ever produced, and no Unicode normalisation is applied. A string
//!   with a control character therefore comes out as text that RFC 8259
//!   forbids; the parser of this crate (like Go's `encoding/json`) refuses
//!   such text, so a document relying on it fails before the canonical check.
//! - Numbers are integers only. A number whose value is integral is written as
//!   that integer whatever its source spelling (`1.0`, `1e2`, `100E-2`), with
//!   exact decimal arithmetic on the digit string, so integers beyond `u64`
//!   keep every digit. Negative zero (`-0`, `-0.0`) is written as `0`, since
//!   OLPC forbids `-0`. A non-integral number is a [`CanonicalError`]. An
//!   integer that would need more than [`MAX_INTEGER_DIGITS`] digits
//!   (`1e999999999`) is also an error, so a tiny input cannot expand to
//!   gigabytes.
//!
//! # JCS (`Profile::Jcs`, RFC 8785)
//!
//! - Object keys are sorted by their UTF-16 code units (so U+E000 sorts
//!   after U+1F600, whose first surrogate is U+D83D; byte order says the
//!   opposite).
//! - Strings escape `"` and `\`, write U+0008, U+0009, U+000A, U+000C and
//!   U+000D as `\b`, `\t`, `\n`, `\f`, `\r`, and the other control characters
//!   below U+0020 as `\u00xx` with lower-case hex. Everything else, U+007F
//!   included, is raw UTF-8.
//! - Numbers are read as the nearest IEEE-754 double and written the way
//!   ECMAScript's `Number::toString` does (ECMA-262 7.1.12.1): the shortest
//!   digits that read back as the same double, plain notation from 1e-6 up to
//!   below 1e21, exponent notation (`1e+21`, `1.5e-7`) outside, and `-0` as
//!   `0`. Integers above 2^53 lose precision, as they do in every JCS
//!   implementation. A number beyond the range of a double (`1e400`) is a
//!   [`CanonicalError`]; one too small to represent (`1e-400`) reads as zero.

use std::fmt;
use std::str::FromStr;

use super::{Node, Parsed};

mod explain;
mod number;
mod verdict;
mod writer;

use explain::{explain, first_difference, last_token};
use verdict::matches_in_place;
use writer::write_node;

/// The largest number of digits an OLPC integer may expand to.
pub const MAX_INTEGER_DIGITS: usize = 4096;

/// A canonical JSON profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// OLPC canonical JSON as docker/go writes it.
    Olpc,
    /// RFC 8785 JSON Canonicalization Scheme.
    Jcs,
}

impl Profile {
    /// Every profile, OLPC first.
    pub const ALL: [Profile; 2] = [Profile::Olpc, Profile::Jcs];

    /// The lowercase name used in options and reports (`olpc`, `jcs`).
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Olpc => "olpc",
            Profile::Jcs => "jcs",
        }
    }

    /// How messages name the profile (`OLPC`, `JCS`).
    fn label(self) -> &'static str {
        match self {
            Profile::Olpc => "OLPC",
            Profile::Jcs => "JCS",
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name given to [`Profile::from_str`] is not a profile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown canonical JSON profile `{0}`, expected `olpc` or `jcs`")]
pub struct UnknownProfile(pub String);

impl FromStr for Profile {
    type Err = UnknownProfile;

    fn from_str(s: &str) -> Result<Profile, UnknownProfile> {
        match s {
            "olpc" => Ok(Profile::Olpc),
            "jcs" => Ok(Profile::Jcs),
            other => Err(UnknownProfile(other.to_owned())),
        }
    }
}

/// Why a value cannot be written in a profile.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct CanonicalError {
    /// A lowercase message without a final period.
    pub message: String,
    /// JSON Pointer to the value that cannot be represented.
    pub pointer: String,
}

/// Why a document is not in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct NotCanonical {
    /// The first byte of the input where the problem shows (for text that
    /// merely differs, the first byte that differs from the canonical form).
    pub offset: usize,
    /// A lowercase message without a final period.
    pub message: String,
    /// JSON Pointer to the value concerned, when one is known.
    pub pointer: Option<String>,
}

/// Writes `node` in canonical form under `profile`.
pub fn canonicalize(node: &Node, profile: Profile) -> Result<Vec<u8>, CanonicalError> {
    let mut out = Vec::with_capacity(node.span.end.saturating_sub(node.span.start));
    let mut path = Vec::new();
    write_node(&mut out, node, profile, &mut path)?;
    Ok(out)
}

/// Checks that `bytes`, parsed as `parsed`, are exactly the canonical form of
/// the document under `profile`.
///
/// Reports the first problem: a duplicate key, a value the profile cannot
/// write, or else the first byte that differs from the canonical form, with a
/// description of what differs there (whitespace, key order, a string escape,
/// a number's spelling).
pub fn is_canonical(bytes: &[u8], parsed: &Parsed, profile: Profile) -> Result<(), NotCanonical> {
    if let Some(d) = parsed.duplicates.first() {
        return Err(NotCanonical {
            offset: d.second.start,
            message: format!(
                "duplicate key `{}` is not allowed in canonical JSON",
                last_token(&d.pointer)
            ),
            pointer: Some(d.pointer.clone()),
        });
    }
    // Most documents checked are canonical; that is settled from the spans
    // alone, without writing the canonical form. Anything else is written
    // out and compared, which also explains the difference.
    if matches_canonical(bytes, parsed, profile) {
        return Ok(());
    }
    let canonical = match canonicalize(&parsed.root, profile) {
        Ok(c) => c,
        Err(e) => {
            let offset = parsed
                .root
                .pointer(&e.pointer)
                .map_or(parsed.root.span.start, |n| n.span.start);
            return Err(NotCanonical {
                offset,
                message: e.message,
                pointer: Some(e.pointer),
            });
        }
    };
    let Some(at) = first_difference(bytes, &canonical) else {
        return Ok(());
    };
    Err(explain(bytes, &canonical, at, &parsed.root, profile))
}

/// Whether `bytes`, parsed as `parsed`, are exactly the canonical form of
/// the document under `profile`: the verdict of [`is_canonical`] without
/// the explanation, and without writing the canonical form.
pub fn matches_canonical(bytes: &[u8], parsed: &Parsed, profile: Profile) -> bool {
    parsed.duplicates.is_empty()
        && parsed.root.span.start == 0
        && parsed.root.span.end == bytes.len()
        && matches_in_place(bytes, &parsed.root, profile)
}
#[cfg(test)]
mod tests {
    use std::cmp::Ordering;

    use super::number::{jcs_number, olpc_number};
    use super::verdict::is_plain_integer;
    use super::writer::compare_keys;
    use super::*;

    #[test]
    fn plain_integers_are_those_both_profiles_keep() {
        for raw in ["0", "7", "-12", "123456789012345", "-999999999999999"] {
            assert!(is_plain_integer(raw), "{raw}");
            assert_eq!(olpc_number(raw).as_deref(), Ok(raw));
            assert_eq!(jcs_number(raw).as_deref(), Ok(raw));
        }
        for raw in ["-0", "01", "-01", "1234567890123456", "1.0", "1e2", "-", ""] {
            assert!(!is_plain_integer(raw), "{raw}");
        }
    }

    #[test]
    fn jcs_orders_by_utf16_where_bytes_would_not() {
        // U+1F600 is a surrogate pair (0xD83D…) in UTF-16, below U+E000; in
        // UTF-8 it is above.
        let (private, emoji) = ("\u{e000}", "\u{1f600}");
        assert_eq!(compare_keys(emoji, private, Profile::Jcs), Ordering::Less);
        assert_eq!(
            compare_keys(emoji, private, Profile::Olpc),
            Ordering::Greater
        );
        assert_eq!(compare_keys("ab", "abc", Profile::Jcs), Ordering::Less);
        assert_eq!(
            compare_keys("a\u{e9}", "az", Profile::Jcs),
            Ordering::Greater
        );
        assert_eq!(
            compare_keys("b", "a\u{1f600}", Profile::Jcs),
            Ordering::Greater
        );
    }
}
