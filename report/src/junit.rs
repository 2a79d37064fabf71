//! JUnit XML.
//!
//! The XML itself is written by the shared writer in `cnab_junit`; this
//! module only maps cases to test cases:
//!
//! - one `<testcase>` per case, named by the case ID, with its time;
//! - one `<testsuite>` per clause family (the first two segments of the
//!   case's first clause), prefixed by the runtime when several reports are
//!   rendered together;
//! - `fail` and `unexpected-pass` become `<failure>`, `error` becomes
//!   `<error>`, and `skip` and `xfail` become `<skipped>` (CI tools have no
//!   notion of an expected failure); the evidence is the element's text, or
//!   `<system-out>` for an expected failure.

use std::collections::BTreeMap;

use cnab_junit::{write_junit, JunitCase, JunitOutcome, JunitSuite};
use cnab_model::Verdict;

use crate::model::{truncate_bytes_with_note, CaseReport, RunReport};

/// The longest `message` attribute, in bytes; the full text follows in the
/// element body.
const MESSAGE_MAX: usize = 500;

/// Renders the reports as one `<testsuites>` document.
pub fn render(reports: &[RunReport]) -> String {
    let labels = crate::labels(reports);
    let mut suites = Vec::new();
    for (report, label) in reports.iter().zip(&labels) {
        let mut families: BTreeMap<String, Vec<JunitCase>> = BTreeMap::new();
        for case in &report.cases {
            let family = case.clause_family();
            let classname = if reports.len() == 1 {
                family.clone()
            } else {
                format!("{label}.{family}")
            };
            families
                .entry(family)
                .or_default()
                .push(test_case(case, classname));
        }
        for (family, cases) in families {
            let name = if reports.len() == 1 {
                family
            } else {
                format!("{label}: {family}")
            };
            suites.push(JunitSuite { name, cases });
        }
    }
    let name = if reports.len() == 1 {
        format!("cnab-conformance: {}", labels[0])
    } else {
        "cnab-conformance".to_string()
    };
    let mut out = Vec::new();
    // Writing into a vector cannot fail.
    let _ = write_junit(&mut out, &name, &suites);
    String::from_utf8_lossy(&out).into_owned()
}

fn test_case(case: &CaseReport, classname: String) -> JunitCase {
    let message = || truncate_bytes_with_note(&case.headline(), MESSAGE_MAX);
    let outcome = match case.verdict {
        Verdict::Pass => JunitOutcome::Pass,
        Verdict::Fail => JunitOutcome::Failure {
            message: message(),
            kind: "fail".into(),
            text: case.evidence(),
        },
        Verdict::UnexpectedPass => JunitOutcome::Failure {
            message: message(),
            kind: "unexpected-pass".into(),
            text: case.evidence(),
        },
        Verdict::Error => JunitOutcome::Error {
            message: message(),
            kind: "error".into(),
            text: case.evidence(),
        },
        Verdict::Skip => JunitOutcome::Skipped { message: message() },
        Verdict::Xfail => JunitOutcome::Skipped { message: message() },
        // A clause verdict only; a case never has it.
        Verdict::NotReached => JunitOutcome::Skipped { message: message() },
    };
    JunitCase {
        name: case.id.clone(),
        classname,
        time: Some(case.duration_ms as f64 / 1000.0),
        system_out: (case.verdict == Verdict::Xfail).then(|| case.evidence()),
        outcome,
    }
}
