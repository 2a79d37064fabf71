//! A shields.io endpoint badge.
//!
//! The output is the JSON shields.io's endpoint badge reads
//! (`https://img.shields.io/endpoint?url=...`): schema version 1, the label
//! `CNAB conformance` and the message `N/M passed`, where M counts the cases
//! that ran (every case but the skipped ones) and N those that passed.
//! Expected failures count as run and not passed. The colour says how
//! healthy the run is:
//!
//! - `brightgreen`: every case that ran passed;
//! - `green`: nothing unexpected, but some expected failures;
//! - `yellow`: fail, error or unexpected pass in at most a tenth of the cases;
//! - `orange`: in at most a third;
//! - `red`: in more;
//! - `lightgrey`: no case ran (`no cases run`).

use cnab_model::Verdict;
use serde::Serialize;

use crate::model::RunReport;

/// The badge label.
pub const LABEL: &str = "CNAB conformance";

/// A shields.io endpoint badge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Badge {
    /// Always 1.
    pub schema_version: u8,
    /// The left-hand text.
    pub label: String,
    /// The right-hand text.
    pub message: String,
    /// The right-hand colour, a shields.io colour name.
    pub color: String,
}

impl Badge {
    /// The badge for one report.
    pub fn for_report(report: &RunReport) -> Badge {
        let ran = report.cases.len() - report.count(Verdict::Skip);
        let passed = report.count(Verdict::Pass);
        let bad = report.cases.iter().filter(|c| c.verdict.is_bad()).count();
        let (message, color) = if ran == 0 {
            ("no cases run".to_string(), "lightgrey")
        } else {
            let color = if passed == ran {
                "brightgreen"
            } else if bad == 0 {
                "green"
            } else if bad * 10 <= ran {
                "yellow"
            } else if bad * 3 <= ran {
                "orange"
            } else {
                "red"
            };
            (format!("{passed}/{ran} passed"), color)
        };
        Badge {
            schema_version: 1,
            label: LABEL.to_string(),
            message,
            color: color.to_string(),
        }
    }
}

/// The badge JSON for one report, on one line with a trailing newline.
pub fn render(report: &RunReport) -> String {
    let mut s = serde_json::to_string(&Badge::for_report(report)).unwrap_or_default();
    s.push('\n');
    s
}
