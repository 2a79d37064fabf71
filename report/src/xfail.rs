//! Expected failures: a runtime's list of known gaps.
//!
//! A runtime may ship a file (TOML or JSON, documented in `docs/reports.md`)
//! that lists case IDs or clause IDs, each with a reason or an issue link.
//! [`apply_expected_failures`] turns the listed cases (or the cases of the
//! listed clauses) that fail into `xfail` and those that pass into
//! `unexpected-pass`; skip and error stay as they are. A case listed only
//! through clauses becomes `xfail` only when every failed expectation names
//! a listed clause: a failure elsewhere is still a failure. IDs that are
//! neither a case of the report nor a clause of the catalog are an error,
//! so a typo cannot hide a failure.

use std::collections::BTreeSet;

use cnab_model::{Catalog, Verdict};
use serde::{Deserialize, Serialize};

use crate::model::RunReport;

/// The format identifier an expected-failures file may declare.
pub const XFAIL_FORMAT: &str = "cnab-conformance-expected-failures/1";

/// A parsed expected-failures file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedFailures {
    /// [`XFAIL_FORMAT`], optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// The entries.
    #[serde(default)]
    pub expected: Vec<ExpectedFailure>,
}

/// One listed case or clause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedFailure {
    /// A case ID or a clause ID.
    pub id: String,
    /// Why it fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A link to the runtime's issue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue: Option<String>,
}

/// A bad expected-failures file, or one that does not fit the report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum XfailError {
    /// The TOML does not parse or does not match the format.
    #[error("invalid expected-failures TOML: {0}")]
    Toml(String),
    /// The JSON does not parse or does not match the format.
    #[error("invalid expected-failures JSON: {0}")]
    Json(String),
    /// The file declares another format.
    #[error("unsupported expected-failures format {0:?}, expected {XFAIL_FORMAT:?}")]
    UnsupportedFormat(String),
    /// An entry has an empty ID.
    #[error("expected failure {0} has an empty id")]
    EmptyId(usize),
    /// An entry says neither why nor where.
    #[error("expected failure {0} gives neither a reason nor an issue")]
    NoReason(String),
    /// An ID is listed twice.
    #[error("expected failure {0} is listed more than once")]
    Duplicate(String),
    /// IDs that name neither a case of the report nor a clause of the catalog.
    #[error("expected failures name unknown IDs (neither a case in the report nor a clause in the catalog): {}", .0.join(", "))]
    UnknownIds(Vec<String>),
}

impl ExpectedFailures {
    /// Reads TOML or JSON: text whose first non-blank character is `{` is
    /// JSON, anything else TOML.
    pub fn from_toml_or_json(text: &str) -> Result<ExpectedFailures, XfailError> {
        if text.trim_start().starts_with('{') {
            ExpectedFailures::from_json(text)
        } else {
            ExpectedFailures::from_toml(text)
        }
    }

    /// Reads TOML.
    pub fn from_toml(text: &str) -> Result<ExpectedFailures, XfailError> {
        let parsed: ExpectedFailures = toml::from_str(text)
            .map_err(|e| XfailError::Toml(e.to_string().trim_end().to_string()))?;
        parsed.checked()
    }

    /// Reads JSON.
    pub fn from_json(text: &str) -> Result<ExpectedFailures, XfailError> {
        let parsed: ExpectedFailures =
            serde_json::from_str(text).map_err(|e| XfailError::Json(e.to_string()))?;
        parsed.checked()
    }

    fn checked(self) -> Result<ExpectedFailures, XfailError> {
        if let Some(f) = &self.format {
            if f != XFAIL_FORMAT {
                return Err(XfailError::UnsupportedFormat(f.clone()));
            }
        }
        let mut seen = BTreeSet::new();
        for (i, e) in self.expected.iter().enumerate() {
            if e.id.trim().is_empty() {
                return Err(XfailError::EmptyId(i + 1));
            }
            let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
            if blank(&e.reason) && blank(&e.issue) {
                return Err(XfailError::NoReason(e.id.clone()));
            }
            if !seen.insert(e.id.as_str()) {
                return Err(XfailError::Duplicate(e.id.clone()));
            }
        }
        Ok(self)
    }
}

impl ExpectedFailure {
    /// The reason and the issue link, as one line.
    pub fn explanation(&self) -> String {
        match (self.reason.as_deref(), self.issue.as_deref()) {
            (Some(r), Some(i)) => format!("{r} ({i})"),
            (Some(r), None) => r.to_string(),
            (None, Some(i)) => i.to_string(),
            (None, None) => String::new(),
        }
    }
}

/// Applies an expected-failures list to a report, returning the new report
/// with per-clause aggregates and totals recomputed.
pub fn apply_expected_failures(
    report: &RunReport,
    expected: &ExpectedFailures,
    catalog: &Catalog,
) -> Result<RunReport, XfailError> {
    let unknown: Vec<String> = expected
        .expected
        .iter()
        .filter(|e| report.case(&e.id).is_none() && !catalog.contains(&e.id))
        .map(|e| e.id.clone())
        .collect();
    if !unknown.is_empty() {
        return Err(XfailError::UnknownIds(unknown));
    }
    let mut out = report.clone();
    for case in &mut out.cases {
        let by_case = expected.expected.iter().find(|e| e.id == case.id);
        let by_clause: Vec<&ExpectedFailure> = expected
            .expected
            .iter()
            .filter(|e| case.clauses.contains(&e.id))
            .collect();
        let applied: Vec<&ExpectedFailure> = by_case
            .into_iter()
            .chain(by_clause.iter().copied())
            .collect();
        if applied.is_empty() {
            continue;
        }
        let why = applied
            .iter()
            .map(|e| format!("{}: {}", e.id, e.explanation()))
            .collect::<Vec<_>>()
            .join("; ");
        match case.verdict {
            Verdict::Fail => {
                let covered = by_case.is_some()
                    || case.failed_expectations().all(|(_, e)| {
                        e.clauses
                            .iter()
                            .any(|c| by_clause.iter().any(|x| &x.id == c))
                    });
                if covered {
                    case.verdict = Verdict::Xfail;
                    case.reason = Some(format!("expected failure: {why}"));
                }
            }
            Verdict::Pass => {
                case.verdict = Verdict::UnexpectedPass;
                case.reason = Some(format!(
                    "unexpected pass: listed as an expected failure ({why})"
                ));
            }
            _ => {}
        }
    }
    out.recompute();
    Ok(out)
}
