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

use super::pretty::{write_nested, Array};
use super::{locate, RenderOptions, Renderer, Summary};
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

impl From<&Summary> for JsonSummary {
    fn from(s: &Summary) -> JsonSummary {
        JsonSummary {
            files: s.files,
            failed_files: s.failed_files,
            findings: s.findings,
            must: s.must,
            should: s.should,
            may: s.may,
            level: s.level,
        }
    }
}

/// The entry of `files` for one document.
pub fn file(r: &Report) -> JsonFile {
    JsonFile {
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
    }
}

/// Builds the whole document at once (what the [`Json`] renderer writes
/// piece by piece).
pub fn build(reports: &[Report], options: &RenderOptions) -> JsonReport {
    let mut summary = Summary::new(options.level);
    for r in reports {
        summary.add(r);
    }
    JsonReport {
        format_version: FORMAT_VERSION,
        files: reports.iter().map(file).collect(),
        summary: JsonSummary::from(&summary),
    }
}

/// The JSON renderer: the document is opened at once, each file's entry is
/// written into `files` as it comes, and the summary closes it.
#[derive(Debug)]
pub struct Json {
    files: Array,
}

impl Default for Json {
    fn default() -> Self {
        Json {
            files: Array::new(4),
        }
    }
}

impl Renderer for Json {
    fn begin(&mut self, out: &mut dyn Write) -> io::Result<()> {
        write!(
            out,
            "{{\n  \"format_version\": {FORMAT_VERSION},\n  \"files\": "
        )
    }

    fn file(&mut self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        self.files.item(out, &file(report))
    }

    fn finish(&mut self, summary: &Summary, out: &mut dyn Write) -> io::Result<()> {
        self.files.close(out)?;
        out.write_all(b",\n  \"summary\": ")?;
        write_nested(out, &JsonSummary::from(summary), 2)?;
        out.write_all(b"\n}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ValidatorBuilder;

    #[test]
    fn the_stream_writes_what_the_whole_document_serializes_to() {
        let v = ValidatorBuilder::new().build();
        let reports = [
            v.check("a.json", br#"{"status": "Ready"}"#),
            v.check("b.json", b"[1]"),
            v.check("c.json", b"{"),
        ];
        for n in 0..=reports.len() {
            let options = RenderOptions::default();
            let mut expected = serde_json::to_vec_pretty(&build(&reports[..n], &options)).unwrap();
            expected.push(b'\n');
            let mut streamed = Vec::new();
            super::super::render(
                super::super::Format::Json,
                &reports[..n],
                &options,
                &mut streamed,
            )
            .unwrap();
            assert_eq!(
                String::from_utf8(streamed).unwrap(),
                String::from_utf8(expected).unwrap()
            );
        }
    }
}
