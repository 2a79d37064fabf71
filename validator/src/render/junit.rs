//! A small JUnit XML writer, and the JUnit rendering of validator reports.
//!
//! The writer ([`JunitSuite`], [`JunitCase`], [`write_junit`]) knows nothing
//! of the validator, so the harness can reuse it. The validator writes one
//! test suite per file: a single passing test case for a clean file, else one
//! test case per finding, failing when the finding is at or above `--level`.

use std::io::{self, Write};

use super::{locate, RenderOptions};
use crate::Report;

/// One `<testsuite>`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JunitSuite {
    /// The suite name.
    pub name: String,
    /// The test cases.
    pub cases: Vec<JunitCase>,
}

/// One `<testcase>`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JunitCase {
    /// The case name.
    pub name: String,
    /// The class name (a grouping shown by CI tools).
    pub classname: String,
    /// Seconds, when measured.
    pub time: Option<f64>,
    /// The outcome.
    pub outcome: JunitOutcome,
    /// Text for `<system-out>`.
    pub system_out: Option<String>,
}

/// The outcome of a test case.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum JunitOutcome {
    /// Passed.
    #[default]
    Pass,
    /// `<failure message=.. type=..>text</failure>`.
    Failure {
        /// The short message.
        message: String,
        /// The failure type.
        kind: String,
        /// The body.
        text: String,
    },
    /// `<error message=.. type=..>text</error>`.
    Error {
        /// The short message.
        message: String,
        /// The error type.
        kind: String,
        /// The body.
        text: String,
    },
    /// `<skipped message=../>`.
    Skipped {
        /// Why.
        message: String,
    },
}

/// Escapes text for XML content and attribute values, dropping characters
/// XML 1.0 cannot carry.
pub fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                out.push_str(&format!("\\u{{{:04x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// Writes `<testsuites name=..>` with every suite.
pub fn write_junit(out: &mut dyn Write, name: &str, suites: &[JunitSuite]) -> io::Result<()> {
    let count = |f: fn(&JunitOutcome) -> bool, s: &JunitSuite| {
        s.cases.iter().filter(|c| f(&c.outcome)).count()
    };
    let is_failure = |o: &JunitOutcome| matches!(o, JunitOutcome::Failure { .. });
    let is_error = |o: &JunitOutcome| matches!(o, JunitOutcome::Error { .. });
    let is_skipped = |o: &JunitOutcome| matches!(o, JunitOutcome::Skipped { .. });
    let total: usize = suites.iter().map(|s| s.cases.len()).sum();
    let failures: usize = suites.iter().map(|s| count(is_failure, s)).sum();
    let errors: usize = suites.iter().map(|s| count(is_error, s)).sum();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="{}" tests="{total}" failures="{failures}" errors="{errors}">"#,
        escape_xml(name)
    )?;
    for s in suites {
        writeln!(
            out,
            r#"  <testsuite name="{}" tests="{}" failures="{}" errors="{}" skipped="{}">"#,
            escape_xml(&s.name),
            s.cases.len(),
            count(is_failure, s),
            count(is_error, s),
            count(is_skipped, s)
        )?;
        for c in &s.cases {
            let time = c
                .time
                .map(|t| format!(r#" time="{t:.3}""#))
                .unwrap_or_default();
            write!(
                out,
                r#"    <testcase name="{}" classname="{}"{time}"#,
                escape_xml(&c.name),
                escape_xml(&c.classname)
            )?;
            if c.outcome == JunitOutcome::Pass && c.system_out.is_none() {
                writeln!(out, "/>")?;
                continue;
            }
            writeln!(out, ">")?;
            match &c.outcome {
                JunitOutcome::Pass => {}
                JunitOutcome::Failure {
                    message,
                    kind,
                    text,
                } => writeln!(
                    out,
                    r#"      <failure message="{}" type="{}">{}</failure>"#,
                    escape_xml(message),
                    escape_xml(kind),
                    escape_xml(text)
                )?,
                JunitOutcome::Error {
                    message,
                    kind,
                    text,
                } => writeln!(
                    out,
                    r#"      <error message="{}" type="{}">{}</error>"#,
                    escape_xml(message),
                    escape_xml(kind),
                    escape_xml(text)
                )?,
                JunitOutcome::Skipped { message } => {
                    writeln!(out, r#"      <skipped message="{}"/>"#, escape_xml(message))?
                }
            }
            if let Some(text) = &c.system_out {
                writeln!(out, "      <system-out>{}</system-out>", escape_xml(text))?;
            }
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

/// The suites for validator reports.
pub fn suites(reports: &[Report], options: &RenderOptions) -> Vec<JunitSuite> {
    reports
        .iter()
        .map(|r| {
            let located = locate(r);
            let cases = if located.is_empty() {
                vec![JunitCase {
                    name: "valid".into(),
                    classname: r.name.clone(),
                    ..JunitCase::default()
                }]
            } else {
                located
                    .iter()
                    .map(|l| {
                        let f = l.finding;
                        let place = l
                            .start
                            .map(|(line, col)| format!("{}:{line}:{col}", r.name))
                            .unwrap_or_else(|| r.name.clone());
                        let text = format!(
                            "{place}: {}[{}]: {} (at `{}`)",
                            f.level, f.clause, f.message, f.pointer
                        );
                        let fails = f.level >= options.level
                            && !cnab_model::Catalog::embedded().is_tool(&f.clause);
                        JunitCase {
                            name: format!("{} {}", f.clause, f.pointer),
                            classname: r.name.clone(),
                            time: None,
                            outcome: if fails {
                                JunitOutcome::Failure {
                                    message: f.message.clone(),
                                    kind: f.level.to_string(),
                                    text: text.clone(),
                                }
                            } else {
                                JunitOutcome::Pass
                            },
                            system_out: (!fails).then_some(text),
                        }
                    })
                    .collect()
            };
            JunitSuite {
                name: r.name.clone(),
                cases,
            }
        })
        .collect()
}

/// Renders the reports.
pub fn render(reports: &[Report], options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    write_junit(out, "cnab-validate", &suites(reports, options))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_counts_and_escapes() {
        let suites = vec![JunitSuite {
            name: "a<b".into(),
            cases: vec![
                JunitCase {
                    name: "ok".into(),
                    classname: "c".into(),
                    ..JunitCase::default()
                },
                JunitCase {
                    name: "bad".into(),
                    classname: "c".into(),
                    outcome: JunitOutcome::Failure {
                        message: "x & \"y\"".into(),
                        kind: "must".into(),
                        text: "t\u{1}".into(),
                    },
                    ..JunitCase::default()
                },
            ],
        }];
        let mut out = Vec::new();
        write_junit(&mut out, "run", &suites).unwrap();
        let xml = String::from_utf8(out).unwrap();
        assert!(
            xml.contains(r#"<testsuites name="run" tests="2" failures="1" errors="0">"#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<testsuite name="a&lt;b" tests="2" failures="1""#),
            "{xml}"
        );
        assert!(xml.contains(r#"message="x &amp; &quot;y&quot;""#), "{xml}");
        assert!(
            xml.contains(r#"<testcase name="ok" classname="c"/>"#),
            "{xml}"
        );
        assert!(!xml.contains('\u{1}'));
    }
}
