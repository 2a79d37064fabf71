//! What a caller can do about a finding, as data.
//!
//! The library's messages name no command-line flag: a finding that has a
//! way out carries a [`Hint`], and the caller words it in its own terms
//! (`cnab-validate` names its flags and subcommands).

use cnab_model::Finding;

/// A way out of a finding, for the caller to word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Hint {
    /// The kind could not be detected; the caller can name it.
    NameTheKind,
    /// The bundle is not canonical; writing it in canonical form fixes it.
    WriteCanonical,
}

impl Hint {
    /// The hint for a finding, if its clause has one.
    pub fn of(finding: &Finding) -> Option<Hint> {
        match finding.clause.as_str() {
            "doc.kind.known" => Some(Hint::NameTheKind),
            "core.bundle.canonical_json" => Some(Hint::WriteCanonical),
            _ => None,
        }
    }
}
