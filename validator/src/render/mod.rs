//! Renderers: one module per output format.
//!
//! Every renderer takes the reports of one run and writes to a stream. Line
//! and column numbers are computed here, from each finding's byte span, with
//! [`crate::json::LineIndex`]: lines and columns are 1-based, and columns
//! count Unicode scalar values (what SARIF calls `unicodeCodePoints`).

pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;

use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

use cnab_model::{Finding, Level};

use crate::json::LineIndex;
use crate::Report;

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// `file:line:col: level[clause]: message` with a code frame.
    #[default]
    Human,
    /// The versioned JSON report (see [`json`]).
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...`).
    Github,
    /// JUnit XML, one test suite per file.
    Junit,
}

impl Format {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Junit => "junit",
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

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "human" => Ok(Format::Human),
            "json" => Ok(Format::Json),
            "sarif" => Ok(Format::Sarif),
            "github" => Ok(Format::Github),
            "junit" => Ok(Format::Junit),
            _ => Err(format!(
                "unknown format `{s}` (known: human, json, sarif, github, junit)"
            )),
        }
    }
}

/// Settings shared by the renderers.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    /// Use ANSI colours (human format only).
    pub color: bool,
    /// The level at which a finding fails the run (`--level`).
    pub level: Level,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            color: false,
            level: Level::Must,
        }
    }
}

/// Renders `reports` in `format` to `out`.
pub fn render(
    format: Format,
    reports: &[Report],
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(reports, options, out),
        Format::Json => json::render(reports, options, out),
        Format::Sarif => sarif::render(reports, options, out),
        Format::Github => github::render(reports, options, out),
        Format::Junit => junit::render(reports, options, out),
    }
}

/// A finding with its 1-based line and column, when it has a span.
pub(crate) struct Located<'a> {
    pub finding: &'a Finding,
    pub start: Option<(usize, usize)>,
    pub end: Option<(usize, usize)>,
}

/// Locates every finding of a report.
pub(crate) fn locate(report: &Report) -> Vec<Located<'_>> {
    locate_with(report, &LineIndex::new(&report.source))
}

/// Locates every finding of a report with an index already built.
pub(crate) fn locate_with<'a>(report: &'a Report, index: &LineIndex) -> Vec<Located<'a>> {
    report
        .findings
        .iter()
        .map(|f| {
            let start = f.span.map(|s| index.line_col(&report.source, s.start));
            let end = f.span.map(|s| index.line_col(&report.source, s.end));
            Located {
                finding: f,
                start,
                end,
            }
        })
        .collect()
}

/// Counts of findings per level, and of files with failing findings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub files: usize,
    pub failed_files: usize,
    pub findings: usize,
    pub must: usize,
    pub should: usize,
    pub may: usize,
}

pub(crate) fn count(reports: &[Report], level: Level) -> Counts {
    let mut c = Counts {
        files: reports.len(),
        ..Counts::default()
    };
    for r in reports {
        if r.fails_at(level) {
            c.failed_files += 1;
        }
        for f in &r.findings {
            c.findings += 1;
            match f.level {
                Level::Must => c.must += 1,
                Level::Should => c.should += 1,
                Level::May => c.may += 1,
            }
        }
    }
    c
}

/// The link for a clause: the one for the report's spec version number when
/// the catalog has it, else `main`, else the first.
pub(crate) fn clause_link(clause: &str, report: Option<&Report>) -> Option<String> {
    let c = cnab_model::Catalog::embedded().get(clause)?;
    let number = report
        .and_then(|r| r.version.value)
        .map(|v| v.number().to_string());
    number
        .and_then(|n| c.links.get(&n).cloned())
        .or_else(|| c.links.get("main").cloned())
        .or_else(|| c.links.values().next().cloned())
}
