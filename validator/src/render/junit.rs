//! The JUnit rendering of validator reports, written with `cnab_junit`.
//!
//! The validator writes one
//! test suite per file: a single passing test case for a clean file, else one
//! test case per finding, failing when the finding is at or above `--level`.

use std::io::{self, Write};

use cnab_junit::{write_junit, JunitCase, JunitOutcome, JunitSuite};

use super::{locate, RenderOptions};
use crate::Report;

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
