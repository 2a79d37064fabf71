//! The JUnit rendering of validator reports, written with `cnab_junit`.
//!
//! The validator writes one
//! test suite per file: a single passing test case for a clean file, else one
//! test case per finding, failing when the finding is at or above `--level`.

use std::io::{self, Write};

use cnab_junit::{
    write_footer, write_header, write_suite, JunitCase, JunitOutcome, JunitSuite, JunitTotals,
};

use super::{locate, RenderOptions, Renderer, Summary};
use crate::Report;

/// The suite of one document.
pub fn suite(r: &Report, options: &RenderOptions) -> JunitSuite {
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
                let fails =
                    cnab_model::Catalog::embedded().fails(&f.clause, f.level, options.level);
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
}

/// The JUnit renderer. The first element carries the run's totals, so the
/// suites are rendered as the files come and kept until the end.
#[derive(Debug)]
pub struct Junit {
    options: RenderOptions,
    suites: Vec<u8>,
}

impl Junit {
    /// A JUnit renderer with these options (the failing level).
    pub fn new(options: RenderOptions) -> Junit {
        Junit {
            options,
            suites: Vec::new(),
        }
    }
}

impl Renderer for Junit {
    fn begin(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }

    fn file(&mut self, report: &Report, _out: &mut dyn Write) -> io::Result<()> {
        write_suite(&mut self.suites, &suite(report, &self.options))
    }

    fn finish(&mut self, summary: &Summary, out: &mut dyn Write) -> io::Result<()> {
        // A clean file is one passing case; any other has a case per finding.
        let totals = JunitTotals {
            tests: summary.findings + (summary.files - summary.files_with_findings),
            failures: summary.failing_findings(),
            errors: 0,
        };
        write_header(out, "cnab-validate", totals)?;
        out.write_all(&self.suites)?;
        write_footer(out)
    }
}
