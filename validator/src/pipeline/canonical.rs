//! The canonical JSON policy of the pipeline: which profiles a mode tries,
//! which documents must be canonical (bundles only), and the verdict with
//! the finding that explains the first difference.
//!
//! The verdict is settled from the spans of the first parse
//! (`matches_canonical`); only a bundle that is not canonical is parsed
//! again, to say where and why.

use std::fmt;
use std::str::FromStr;

use cnab_model::DocumentKind;
use serde::Serialize;

use super::locate::point;
use super::report::Sink;
use crate::json::canonical::{is_canonical, NotCanonical, Profile};
use crate::json::{self, Node};

/// Which canonical JSON profile a bundle must follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CanonicalMode {
    /// Either profile is accepted; the report says which matched.
    #[default]
    Auto,
    /// OLPC canonical JSON (docker/go `canonical/json`).
    Olpc,
    /// RFC 8785 JCS (what cnab-go writes).
    Jcs,
    /// No canonical check.
    Off,
}

impl CanonicalMode {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            CanonicalMode::Auto => "auto",
            CanonicalMode::Olpc => "olpc",
            CanonicalMode::Jcs => "jcs",
            CanonicalMode::Off => "off",
        }
    }

    pub(super) fn profiles(self) -> &'static [Profile] {
        match self {
            CanonicalMode::Auto => &[Profile::Olpc, Profile::Jcs],
            CanonicalMode::Olpc => &[Profile::Olpc],
            CanonicalMode::Jcs => &[Profile::Jcs],
            CanonicalMode::Off => &[],
        }
    }
}

impl fmt::Display for CanonicalMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CanonicalMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(CanonicalMode::Auto),
            "olpc" => Ok(CanonicalMode::Olpc),
            "jcs" => Ok(CanonicalMode::Jcs),
            "off" => Ok(CanonicalMode::Off),
            _ => Err(format!(
                "unknown canonical mode `{s}` (known: auto, olpc, jcs, off)"
            )),
        }
    }
}

/// The outcome of the canonical JSON check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum CanonicalVerdict {
    /// Not checked, with the reason (not a bundle, mode off, does not parse).
    NotChecked {
        /// Why.
        reason: String,
    },
    /// The bytes are exactly the canonical form under these profiles.
    Canonical {
        /// Every profile that matched.
        profiles: Vec<Profile>,
    },
    /// The bytes are not canonical under any of the profiles tried.
    NotCanonical {
        /// The profiles tried.
        profiles: Vec<Profile>,
        /// The first byte offset where the input and the canonical form differ
        /// (the smallest over the profiles tried).
        offset: usize,
    },
}

impl CanonicalVerdict {
    /// A short label: `olpc`, `jcs`, `olpc+jcs`, `no` or `not checked`.
    pub fn label(&self) -> String {
        match self {
            CanonicalVerdict::NotChecked { .. } => "not checked".into(),
            CanonicalVerdict::Canonical { profiles } => profiles
                .iter()
                .map(|p| profile_name(*p))
                .collect::<Vec<_>>()
                .join("+"),
            CanonicalVerdict::NotCanonical { .. } => "no".into(),
        }
    }
}

/// The stable name of a profile.
pub fn profile_name(p: Profile) -> &'static str {
    match p {
        Profile::Olpc => "olpc",
        Profile::Jcs => "jcs",
    }
}

/// The canonical verdict of a document of `kind`, given the profiles
/// its text `matches` (from [`crate::json::canonical::matches_canonical`]); `tree` parses the
/// text again when the difference must be explained.
pub(super) fn verdict<'t>(
    mode: CanonicalMode,
    kind: DocumentKind,
    matches: Vec<Profile>,
    tree: &dyn Fn() -> Option<&'t json::Parsed>,
    bytes: &[u8],
    sink: &mut Sink,
) -> CanonicalVerdict {
    if kind != DocumentKind::Bundle {
        return CanonicalVerdict::NotChecked {
            reason: format!("only bundles must be canonical, not {kind} documents"),
        };
    }
    if mode == CanonicalMode::Off {
        return CanonicalVerdict::NotChecked {
            reason: "the canonical check is off".into(),
        };
    }
    let tried = mode.profiles();
    if !matches.is_empty() {
        return CanonicalVerdict::Canonical { profiles: matches };
    }
    let Some(parsed) = tree() else {
        // Unreachable: the same text parsed a moment ago.
        return CanonicalVerdict::NotChecked {
            reason: "the document did not parse a second time".into(),
        };
    };
    let mut matched = Vec::new();
    let mut first: Option<(Profile, NotCanonical)> = None;
    // When both profiles write the same bytes, OLPC's answer is JCS's
    // too: a match for both, or the same first difference (and OLPC is
    // kept as the first on a tie).
    let agree = tried.len() > 1 && profiles_agree(bytes, &parsed.root);
    for &p in tried {
        if agree && p == Profile::Jcs {
            if matched.contains(&Profile::Olpc) {
                matched.push(p);
            }
            continue;
        }
        match is_canonical(bytes, parsed, p) {
            Ok(()) => matched.push(p),
            Err(e) => {
                if first.as_ref().is_none_or(|(_, f)| e.offset < f.offset) {
                    first = Some((p, e));
                }
            }
        }
    }
    if !matched.is_empty() {
        return CanonicalVerdict::Canonical { profiles: matched };
    }
    let names = tried
        .iter()
        .map(|p| profile_name(*p))
        .collect::<Vec<_>>()
        .join(" or ");
    let (offset, detail, pointer) = match first {
        Some((p, e)) => (
            e.offset,
            format!("{}: {}", profile_name(p), e.message),
            e.pointer.unwrap_or_default(),
        ),
        None => (0, String::new(), String::new()),
    };
    sink.push(
        "core.bundle.canonical_json",
        &pointer,
        format!(
            "the bundle is not canonical JSON ({names}): first difference at byte {offset} ({detail})"
        ),
        Some(point(offset, bytes.len())),
    );
    CanonicalVerdict::NotCanonical {
        profiles: tried.to_vec(),
        offset,
    }
}

/// Whether the OLPC and JCS canonical forms of this document are the same
/// bytes, so that checking one profile answers for both.
///
/// They are when the text has no escape sequence (so no string holds a
/// control character, `"` or `\`, the only characters the two profiles write
/// differently), every key is ASCII (so byte order and UTF-16 order agree),
/// and every number is an integer of at most 15 digits (written as its
/// digits by both, and exact as a double).
fn profiles_agree(bytes: &[u8], root: &Node) -> bool {
    if bytes.contains(&b'\\') {
        return false;
    }
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        match &node.value {
            json::NodeValue::Number(raw) => {
                let digits = raw.strip_prefix('-').unwrap_or(raw);
                if digits.is_empty()
                    || digits.len() > 15
                    || !digits.bytes().all(|b| b.is_ascii_digit())
                {
                    return false;
                }
            }
            json::NodeValue::Array(items) => stack.extend(items),
            json::NodeValue::Object(members) => {
                for m in members {
                    if !m.key.is_ascii() {
                        return false;
                    }
                    stack.push(&m.value);
                }
            }
            _ => {}
        }
    }
    true
}

/// The first offset where `a` and `b` differ (the shorter length when one is
/// a prefix of the other).
pub fn first_difference(a: &[u8], b: &[u8]) -> usize {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::ParseLimits;

    #[test]
    fn profiles_agree_only_when_olpc_and_jcs_write_the_same_bytes() {
        use crate::json::canonical::canonicalize;
        let docs: &[(&str, bool)] = &[
            (
                r#"{"b":[1,-2,0,-0,123456789012345],"a":{"z":null,"y":true},"é":1}"#,
                false,
            ),
            (
                r#"{"b":[1,-2,0,-0,123456789012345],"a":{"z":null,"y":"é😀"}}"#,
                true,
            ),
            (r#"{"a":"x\ty"}"#, false),
            (r#"{"a":"\u0001"}"#, false),
            (r#"{"a":1.0}"#, false),
            (r#"{"a":1e2}"#, false),
            (r#"{"a":1234567890123456789}"#, false),
            (r#"{"":1,"😀":2}"#, false),
            (r#"[{"b":1,"a":2},"plain"]"#, true),
        ];
        for (doc, expected) in docs {
            let parsed = json::parse(doc.as_bytes(), &ParseLimits::default()).unwrap();
            let agree = profiles_agree(doc.as_bytes(), &parsed.root);
            assert_eq!(agree, *expected, "{doc}");
            if agree {
                assert_eq!(
                    canonicalize(&parsed.root, Profile::Olpc),
                    canonicalize(&parsed.root, Profile::Jcs),
                    "{doc}"
                );
            }
        }
        // Where the shortcut does not apply, the profiles really can differ.
        for doc in [r#"{"a":"x\ty"}"#, r#"{"":1,"😀":2}"#] {
            let parsed = json::parse(doc.as_bytes(), &ParseLimits::default()).unwrap();
            assert_ne!(
                canonicalize(&parsed.root, Profile::Olpc),
                canonicalize(&parsed.root, Profile::Jcs),
                "{doc}"
            );
        }
    }

    #[test]
    fn first_difference_finds_the_offset() {
        assert_eq!(first_difference(b"abc", b"abd"), 2);
        assert_eq!(first_difference(b"ab", b"abc"), 2);
        assert_eq!(first_difference(b"", b"x"), 0);
    }

    #[test]
    fn canonical_mode_parses() {
        assert_eq!("jcs".parse::<CanonicalMode>().unwrap(), CanonicalMode::Jcs);
        assert!("x".parse::<CanonicalMode>().unwrap_err().contains("auto"));
    }
}
