//! Semantic rules: the static clauses of the catalog that the official schema
//! of a version does not enforce.
//!
//! OWNER: the semantic-rules work. The pipeline calls [`check`] after the
//! schema check, converts each [`RawFinding`] into a `Finding` (level from the
//! catalog, span from the pointer).

use cnab_model::{DocumentKind, SpecVersion};

/// Options that change which rules apply.
#[derive(Debug, Clone, Default)]
pub struct RuleOptions {
    /// Release strictness: every image must carry a `contentDigest`.
    pub release: bool,
    /// The bundle a relocation mapping or claim is judged against.
    pub bundle: Option<serde_json::Value>,
}

/// What a rule sees.
#[derive(Debug, Clone, Copy)]
pub struct RuleContext<'a> {
    /// The parsed document.
    pub doc: &'a serde_json::Value,
    /// Its kind.
    pub kind: DocumentKind,
    /// The spec version it is judged under.
    pub version: SpecVersion,
    /// Options.
    pub options: &'a RuleOptions,
}

/// A finding before the pipeline adds its level and span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFinding {
    /// The clause ID; must exist in the catalog.
    pub clause: &'static str,
    /// RFC 6901 pointer to the offending value.
    pub pointer: String,
    /// A lowercase message without a final period.
    pub message: String,
}

/// Runs every rule that applies to the document's kind and version.
pub fn check(ctx: &RuleContext<'_>) -> Vec<RawFinding> {
    let _ = ctx;
    Vec::new()
}
