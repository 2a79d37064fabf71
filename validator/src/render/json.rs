//! The JSON format, version 1: one JSON document for the whole run.
//!
//! ```text
//! {
//!   "format_version": 1,
//!   "files": [{
//!     "path": "bundle.json",            // the name given (`<stdin>` for stdin)
//!     "kind": "bundle" | null,          // null when the kind is unknown
//!     "kind_origin": "override" | "detected" | "default" | "fallback" | "unknown",
//!     "kind_reason": "has `invocationImages`",   // how the kind was decided
//!     "spec_version": "cnab-core-1.2.0" | null,
//!     "version_origin": "override" | "detected" | "default" | "fallback" | "unknown",
//!     "version_reason": "`schemaVersion` is `v1.2.0`",
//!     "canonical": "olpc" | "jcs" | "olpc+jcs" | "no" | null,   // null: not checked
//!     "findings": [{
//!       "clause": "core.bundle.version.semver2",
//!       "level": "must" | "should" | "may",
//!       "message": "...",
//!       "pointer": "/version",          // RFC 6901, "" for the root
//!       "line": 3 | null, "column": 14 | null,   // 1-based; columns count Unicode scalar values
//!       "schema_path": "/properties/version/pattern" | null
//!     }]
//!   }],
//!   "summary": {"files": 1, "failed_files": 1, "findings": 1, "must": 1, "should": 0, "may": 0, "level": "must"}
//! }
//! ```
//!
//! New fields may be added within a format version; removing or changing one
//! bumps `format_version`.

use std::io::{self, Write};

use cnab_model::Level;
use serde::{Deserialize, Serialize};

use super::{count, locate, RenderOptions};
use crate::{CanonicalVerdict, Report};

/// The current format version.
pub const FORMAT_VERSION: u32 = 1;

/// The whole document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonReport {
    /// Always [`FORMAT_VERSION`].
    pub format_version: u32,
    /// One entry per checked document.
    pub files: Vec<JsonFile>,
    /// Totals.
    pub summary: JsonSummary,
}

/// One checked document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonFile {
    /// The name given.
    pub path: String,
    /// The kind, or null when unknown.
    pub kind: Option<String>,
    /// How the kind was decided.
    pub kind_origin: String,
    /// Why, in words.
    pub kind_reason: String,
    /// The spec version, or null.
    pub spec_version: Option<String>,
    /// How the version was decided.
    pub version_origin: String,
    /// Why, in words.
    pub version_reason: String,
    /// The canonical verdict label, or null when not checked.
    pub canonical: Option<String>,
    /// The findings, by position.
    pub findings: Vec<JsonFinding>,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonFinding {
    /// The clause ID.
    pub clause: String,
    /// The level.
    pub level: Level,
    /// The message.
    pub message: String,
    /// The JSON pointer.
    pub pointer: String,
    /// 1-based line, when located.
    pub line: Option<usize>,
    /// 1-based column in Unicode scalar values, when located.
    pub column: Option<usize>,
    /// The schema keyword location, for schema findings.
    pub schema_path: Option<String>,
}

/// Totals for the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonSummary {
    /// Documents checked.
    pub files: usize,
    /// Documents with a finding at or above `level`.
    pub failed_files: usize,
    /// All findings.
    pub findings: usize,
    /// Findings at level must.
    pub must: usize,
    /// Findings at level should.
    pub should: usize,
    /// Findings at level may.
    pub may: usize,
    /// The failing level of the run.
    pub level: Level,
}

fn origin(o: crate::Origin) -> String {
    serde_json::to_value(o)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Builds the document.
pub fn build(reports: &[Report], options: &RenderOptions) -> JsonReport {
    let files = reports
        .iter()
        .map(|r| JsonFile {
            path: r.name.clone(),
            kind: r.kind.value.map(|k| k.to_string()),
            kind_origin: origin(r.kind.origin),
            kind_reason: r.kind.reason.clone(),
            spec_version: r.version.value.map(|v| v.to_string()),
            version_origin: origin(r.version.origin),
            version_reason: r.version.reason.clone(),
            canonical: match &r.canonical {
                CanonicalVerdict::NotChecked { .. } => None,
                other => Some(other.label()),
            },
            findings: locate(r)
                .into_iter()
                .map(|l| JsonFinding {
                    clause: l.finding.clause.clone(),
                    level: l.finding.level,
                    message: l.finding.message.clone(),
                    pointer: l.finding.pointer.clone(),
                    line: l.start.map(|s| s.0),
                    column: l.start.map(|s| s.1),
                    schema_path: l.finding.schema_path.clone(),
                })
                .collect(),
        })
        .collect();
    let c = count(reports, options.level);
    JsonReport {
        format_version: FORMAT_VERSION,
        files,
        summary: JsonSummary {
            files: c.files,
            failed_files: c.failed_files,
            findings: c.findings,
            must: c.must,
            should: c.should,
            may: c.may,
            level: options.level,
        },
    }
}

/// Renders the reports as one pretty-printed JSON document.
pub fn render(reports: &[Report], options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &build(reports, options))?;
    writeln!(out)
}
