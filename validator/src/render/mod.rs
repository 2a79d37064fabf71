//! Renderers: one module per output format.
//!
//! Every format is a [`Renderer`]: it is given the reports of a run one by
//! one and writes to a stream, and a [`Stream`] drives it and counts the
//! [`Summary`] the formats share. Line
//! and column numbers are computed here, from each finding's byte span, with
//! [`crate::json::LineIndex`]: lines and columns are 1-based, and columns
//! count Unicode scalar values (what SARIF calls `unicodeCodePoints`).

pub mod github;
pub mod human;
pub mod json;
pub mod junit;
mod pretty;
pub mod sarif;
mod summary;

pub use summary::Summary;

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

/// Writes one format's output as the files come: [`Renderer::begin`] once,
/// [`Renderer::file`] for each checked document in order, and
/// [`Renderer::finish`] once with the run's [`Summary`].
///
/// A renderer writes as early as its format allows: the text formats write
/// each file at once, JSON and SARIF write each file's entries into the open
/// array, and JUnit keeps the rendered suites until the totals its first
/// element carries are known.
pub trait Renderer {
    /// Writes what comes before the first file.
    fn begin(&mut self, out: &mut dyn Write) -> io::Result<()>;
    /// Writes (or keeps) one file's part of the output.
    fn file(&mut self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
    /// Writes what comes after the last file.
    fn finish(&mut self, summary: &Summary, out: &mut dyn Write) -> io::Result<()>;
}

impl Format {
    /// The renderer of this format.
    pub fn renderer(self, options: RenderOptions) -> Box<dyn Renderer> {
        match self {
            Format::Human => Box::new(human::Human::new(options)),
            Format::Json => Box::new(json::Json::default()),
            Format::Sarif => Box::new(sarif::Sarif::default()),
            Format::Github => Box::new(github::Github),
            Format::Junit => Box::new(junit::Junit::new(options)),
        }
    }
}

/// A run's output in one format, written to `W` as the files come, with
/// the [`Summary`] counted once on the way.
pub struct Stream<W: Write> {
    renderer: Box<dyn Renderer>,
    out: W,
    summary: Summary,
}

impl<W: Write> Stream<W> {
    /// Starts the output.
    pub fn new(format: Format, options: RenderOptions, mut out: W) -> io::Result<Self> {
        let mut renderer = format.renderer(options);
        renderer.begin(&mut out)?;
        Ok(Stream {
            renderer,
            out,
            summary: Summary::new(options.level),
        })
    }

    /// Writes one checked document.
    pub fn file(&mut self, report: &Report) -> io::Result<()> {
        self.summary.add(report);
        self.renderer.file(report, &mut self.out)
    }

    /// Flushes what has been written so far.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Ends the output, flushes it, and returns the run's summary.
    pub fn finish(mut self) -> io::Result<Summary> {
        self.renderer.finish(&self.summary, &mut self.out)?;
        self.out.flush()?;
        Ok(self.summary)
    }
}

/// Renders `reports` in `format` to `out`.
pub fn render(
    format: Format,
    reports: &[Report],
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut stream = Stream::new(format, *options, out)?;
    for report in reports {
        stream.file(report)?;
    }
    stream.finish().map(drop)
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
