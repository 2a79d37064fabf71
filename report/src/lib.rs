//! Renderings of cnab-conformance run reports.
//!
//! The JSON run report (`cnab-conformance-report/1`, schema in
//! `reports/schema/report.schema.json`) is the single source of truth, and
//! its types live here ([`RunReport`], [`CaseReport`], [`StepReport`], ...):
//! the harness builds and writes a [`RunReport`], and this crate reads one
//! ([`RunReport::from_json`]) and renders it for people and tools:
//!
//! - [`Format::Junit`]: JUnit XML, one test case per case, one test suite per
//!   clause family (and per runtime when several reports are given);
//! - [`Format::Markdown`]: a summary that fits a pull-request comment;
//! - [`Format::Html`]: one self-contained page with a clause × runtime matrix;
//! - [`Format::Badge`]: a shields.io endpoint badge.
//!
//! It also compares two reports ([`diff()`]), merges the reports of shards of
//! one run ([`merge()`]) and applies a runtime's expected-failures file
//! ([`apply_expected_failures`]).
//!
//! Every function is pure: text in, text out. Reading and writing files is
//! the caller's job, so the binary decides where things go.
//!
//! ```
//! use cnab_report::{render, Format, RunReport};
//!
//! # fn main() -> Result<(), cnab_report::Error> {
//! let text = r#"{"format":"cnab-conformance-report/1","suite_version":"0.1.0",
//!   "catalog_version":"0.1.0","protocol":"cnab-conformance-adapter/1",
//!   "started":"2026-01-01T00:00:00Z","finished":"2026-01-01T00:00:01Z",
//!   "runtime":{"adapter":"x","name":"demo","version":"1.0","spec_versions":[],"capabilities":[]},
//!   "environment":{"observer":"command-driver","driver":"d","timeout_secs":60,"platform":"linux"},
//!   "cases":[],"clauses":[],"totals":{"cases":{},"clauses":{}}}"#;
//! let report = RunReport::from_json(text)?;
//! let badge = render(&[report], Format::Badge)?;
//! assert!(badge.contains("\"message\":\"no cases run\""));
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub mod badge;
pub mod diff;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod merge;
pub mod model;
pub mod xfail;

use std::fmt;
use std::str::FromStr;

pub use diff::{diff, CaseChange, ClauseChange, Diff};
pub use merge::{merge, MergeError};
pub use model::{
    clause_family, ActionOutcome, CaseReport, ClauseReport, Environment, ExpectationReport,
    ExpectationVerdict, Precondition, RunReport, RuntimeInfo, StepReport, Totals, REPORT_FORMAT,
    REPORT_SCHEMA,
};
pub use xfail::{apply_expected_failures, ExpectedFailure, ExpectedFailures, XfailError};

/// An error reading or rendering reports.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The report is not valid JSON or does not match the format.
    #[error("invalid report: {0}")]
    Json(#[source] serde_json::Error),
    /// The report declares another format.
    #[error("unsupported report format {0:?}, expected {REPORT_FORMAT:?}")]
    UnsupportedFormat(String),
    /// Nothing to render.
    #[error("no report to render")]
    NoReports,
    /// The badge describes one run.
    #[error("a badge renders exactly one report, got {0}")]
    BadgeNeedsOneReport(usize),
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// JUnit XML.
    Junit,
    /// A Markdown summary under [`markdown::LIMIT`] characters.
    Markdown,
    /// A self-contained HTML page.
    Html,
    /// A shields.io endpoint badge (JSON).
    Badge,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 4] = [Format::Junit, Format::Markdown, Format::Html, Format::Badge];

    /// The stable name, as accepted by [`Format::from_str`].
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Junit => "junit",
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::Badge => "badge",
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Junit => "xml",
            Format::Markdown => "md",
            Format::Html => "html",
            Format::Badge => "json",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s || (s == "md" && *f == Format::Markdown))
            .ok_or_else(|| {
                format!("unknown report format {s:?}, expected junit, markdown, html or badge")
            })
    }
}

/// Renders one or several reports (several runtimes side by side) in a format.
///
/// The badge takes exactly one report; the other formats take one or more.
pub fn render(reports: &[RunReport], format: Format) -> Result<String, Error> {
    if reports.is_empty() {
        return Err(Error::NoReports);
    }
    Ok(match format {
        Format::Junit => junit::render(reports),
        Format::Markdown => markdown::render(reports, markdown::LIMIT),
        Format::Html => html::render(reports),
        Format::Badge => {
            if reports.len() != 1 {
                return Err(Error::BadgeNeedsOneReport(reports.len()));
            }
            badge::render(&reports[0])
        }
    })
}

/// Labels for several reports: the runtime label, made unique by a `#n`
/// suffix when two reports name the same runtime.
pub(crate) fn labels(reports: &[RunReport]) -> Vec<String> {
    let raw: Vec<String> = reports.iter().map(RunReport::runtime_label).collect();
    raw.iter()
        .enumerate()
        .map(|(i, l)| {
            if raw.iter().filter(|o| *o == l).count() > 1 {
                format!("{l} #{}", i + 1)
            } else {
                l.clone()
            }
        })
        .collect()
}
