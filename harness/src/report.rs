//! The JSON report: one per run, the source of truth for every rendering.
//!
//! The format is versioned (`cnab-conformance-report/1`) and described by
//! `reports/schema/report.schema.json`; `reports/README.md` documents it.

use std::collections::BTreeMap;
use std::path::Path;

use cnab_model::Verdict;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The report format identifier.
pub const REPORT_FORMAT: &str = "cnab-conformance-report/1";
/// The JSON Schema of the report.
pub const REPORT_SCHEMA: &str = include_str!("../../reports/schema/report.schema.json");

/// One run of the suite against one runtime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// Always [`REPORT_FORMAT`].
    pub format: String,
    /// The version of cnab-conformance that ran.
    pub suite_version: String,
    /// The clause catalog version.
    pub catalog_version: String,
    /// The adapter protocol spoken.
    pub protocol: String,
    /// When the run started (RFC 3339).
    pub started: String,
    /// When it finished (RFC 3339).
    pub finished: String,
    /// The runtime under test.
    pub runtime: RuntimeInfo,
    /// How the suite observed the runtime.
    pub environment: Environment,
    /// One entry per selected case.
    pub cases: Vec<CaseReport>,
    /// One entry per clause the selected cases check.
    pub clauses: Vec<ClauseReport>,
    /// Counts by verdict.
    pub totals: Totals,
}

/// The runtime under test, from `info`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeInfo {
    /// The adapter (a path, or `reference (built in)`).
    pub adapter: String,
    /// The runtime's name (empty when `info` failed).
    pub name: String,
    /// The runtime's version.
    pub version: String,
    /// The spec versions it claims.
    pub spec_versions: Vec<String>,
    /// The capabilities it declares.
    pub capabilities: Vec<String>,
    /// Why `info` failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info_error: Option<String>,
}

/// How the run observed the invocation image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    /// The observer kind (`command-driver`).
    pub observer: String,
    /// The driver name the runtime was told to use.
    pub driver: String,
    /// The per-call timeout in seconds.
    pub timeout_secs: u64,
    /// Operating system and architecture of the harness.
    pub platform: String,
}

/// The verdict of one case, with evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseReport {
    /// The case ID.
    pub id: String,
    /// Its family.
    pub family: String,
    /// What it shows.
    pub description: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Why, for skip and error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
    /// The clauses it checks.
    pub clauses: Vec<String>,
    /// What happened at each step that ran.
    pub steps: Vec<StepReport>,
}

/// One step of a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepReport {
    /// The action.
    pub action: String,
    /// The installation name used.
    pub installation: String,
    /// The runtime's outcome.
    pub outcome: String,
    /// The runtime's message.
    pub message: String,
    /// Whether the invocation image (the observer) ran.
    pub image_ran: bool,
    /// What reached the image: environment and file paths (values of
    /// credentials are never written here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed: Option<Value>,
    /// The adapter's stderr, truncated.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub adapter_stderr: String,
    /// Each expectation and its result.
    pub expectations: Vec<ExpectationReport>,
}

/// One expectation's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectationReport {
    /// What was checked.
    pub check: String,
    /// The clauses it checks.
    pub clauses: Vec<String>,
    /// `pass` or `fail`.
    pub verdict: Verdict,
    /// What was observed instead, on failure (or for the record).
    pub observed: String,
}

/// The aggregate verdict of one clause.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClauseReport {
    /// The clause ID.
    pub id: String,
    /// Its RFC 2119 level.
    pub level: String,
    /// The worst verdict over its cases.
    pub verdict: Verdict,
    /// The cases that check it.
    pub cases: Vec<String>,
}

/// Counts by verdict name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Totals {
    /// Cases per verdict.
    pub cases: BTreeMap<String, usize>,
    /// Clauses per verdict.
    pub clauses: BTreeMap<String, usize>,
}

impl Report {
    /// Whether every verdict is pass, skip or xfail.
    pub fn is_success(&self) -> bool {
        !self.cases.iter().any(|c| c.verdict.is_bad())
    }

    /// The report as pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a report serializes");
        s.push('\n');
        s
    }

    /// Writes the report atomically (temp file then rename), creating parents.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(&dir)?;
        std::io::Write::write_all(&mut tmp, self.to_json().as_bytes())?;
        // A temp file is private (0600); a report is meant to be shared.
        let mut perms = tmp.as_file().metadata()?.permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o644);
        tmp.as_file().set_permissions(perms)?;
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    }

    /// A short human summary: every case that is not pass, then the totals.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "runtime: {} {} ({})\n",
            if self.runtime.name.is_empty() {
                "?"
            } else {
                &self.runtime.name
            },
            self.runtime.version,
            self.runtime.adapter
        ));
        for c in &self.cases {
            if c.verdict == Verdict::Pass {
                continue;
            }
            out.push_str(&format!("{:<15} {}", c.verdict.as_str(), c.id));
            if let Some(r) = &c.reason {
                out.push_str(&format!(": {r}"));
            }
            out.push('\n');
            for s in &c.steps {
                for e in &s.expectations {
                    if e.verdict == Verdict::Fail {
                        out.push_str(&format!(
                            "    {} [{}]: expected {}; observed {}\n",
                            s.action,
                            e.clauses.join(", "),
                            e.check,
                            e.observed
                        ));
                    }
                }
            }
        }
        let fmt = |m: &BTreeMap<String, usize>| {
            m.iter()
                .map(|(k, v)| format!("{v} {k}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push_str(&format!(
            "cases: {} ({})\nclauses: {} ({})\n",
            self.cases.len(),
            fmt(&self.totals.cases),
            self.clauses.len(),
            fmt(&self.totals.clauses)
        ));
        out
    }
}
