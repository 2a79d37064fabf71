//! A small JUnit XML writer: [`JunitSuite`], [`JunitCase`], [`write_junit`].
//!
//! It knows nothing of CNAB, so both the validator (one suite per file) and
//! the run-report renderings (one suite per clause family) use it without
//! depending on each other.

use std::io::{self, Write};

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
///
/// `cnab_report`'s `escape_html` looks alike but is not the same function:
/// HTML carries C0 control characters that XML 1.0 forbids, and writes the
/// apostrophe as `&#39;`, which HTML 4 readers know and `&apos;` is not; one
/// shared escaper would change the bytes of one of the two outputs.
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

/// The counts `<testsuites>` carries, over every suite.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JunitTotals {
    /// Test cases.
    pub tests: usize,
    /// Failed test cases.
    pub failures: usize,
    /// Test cases in error.
    pub errors: usize,
}

impl JunitTotals {
    /// The totals of `suites`.
    pub fn of(suites: &[JunitSuite]) -> JunitTotals {
        let mut t = JunitTotals::default();
        for s in suites {
            let c = Counts::of(s);
            t.tests += s.cases.len();
            t.failures += c.failures;
            t.errors += c.errors;
        }
        t
    }
}

/// The outcomes of one suite's cases.
struct Counts {
    failures: usize,
    errors: usize,
    skipped: usize,
}

impl Counts {
    fn of(suite: &JunitSuite) -> Counts {
        let count =
            |f: fn(&JunitOutcome) -> bool| suite.cases.iter().filter(|c| f(&c.outcome)).count();
        Counts {
            failures: count(|o| matches!(o, JunitOutcome::Failure { .. })),
            errors: count(|o| matches!(o, JunitOutcome::Error { .. })),
            skipped: count(|o| matches!(o, JunitOutcome::Skipped { .. })),
        }
    }
}

/// Writes `<testsuites name=..>` with every suite.
pub fn write_junit(out: &mut dyn Write, name: &str, suites: &[JunitSuite]) -> io::Result<()> {
    write_header(out, name, JunitTotals::of(suites))?;
    for s in suites {
        write_suite(out, s)?;
    }
    write_footer(out)
}

/// Writes the XML declaration and the opening `<testsuites>`: the start of
/// a document written suite by suite with [`write_suite`] and ended with
/// [`write_footer`]. The totals must be those of the suites that follow.
pub fn write_header(out: &mut dyn Write, name: &str, totals: JunitTotals) -> io::Result<()> {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="{}" tests="{}" failures="{}" errors="{}">"#,
        escape_xml(name),
        totals.tests,
        totals.failures,
        totals.errors
    )
}

/// Writes one `<testsuite>` with its cases.
pub fn write_suite(out: &mut dyn Write, s: &JunitSuite) -> io::Result<()> {
    let c = Counts::of(s);
    writeln!(
        out,
        r#"  <testsuite name="{}" tests="{}" failures="{}" errors="{}" skipped="{}">"#,
        escape_xml(&s.name),
        s.cases.len(),
        c.failures,
        c.errors,
        c.skipped
    )?;
    for case in &s.cases {
        write_case(out, case)?;
    }
    writeln!(out, "  </testsuite>")
}

/// Writes the closing `</testsuites>`.
pub fn write_footer(out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "</testsuites>")
}

fn write_case(out: &mut dyn Write, c: &JunitCase) -> io::Result<()> {
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
        return writeln!(out, "/>");
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
    writeln!(out, "    </testcase>")
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
