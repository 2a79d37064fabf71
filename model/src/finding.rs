//! Findings: what the validator reports about a document.

use serde::{Deserialize, Serialize};

use crate::catalog::Level;

/// A half-open byte range `[start, end)` in the checked document.
///
/// Offsets are bytes of the input, not characters; renderers turn them into a
/// line and a column (columns count Unicode scalar values, 1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// One problem found in a document, tied to a clause of the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The clause ID from the catalog (`core.bundle.version.semver2`).
    pub clause: String,
    /// The level, taken from the clause (never chosen by the rule).
    pub level: Level,
    /// A lowercase message without a final period.
    pub message: String,
    /// JSON Pointer (RFC 6901) to the offending value; empty for the root.
    pub pointer: String,
    /// The JSON Schema keyword location, for schema findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_path: Option<String>,
    /// Where the offending value is in the input, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
}
