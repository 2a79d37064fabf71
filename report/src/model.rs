//! The run report: the one set of types the harness writes and every
//! consumer reads.
//!
//! These types mirror `reports/schema/report.schema.json`
//! (`cnab-conformance-report/1`) field by field and refuse unknown fields, so
//! a report this crate accepts is one the schema describes. The harness
//! builds a [`RunReport`] and serializes it with [`RunReport::to_json`]; the
//! renderings, `diff`, `merge` and the expected-failures pass read the same
//! types back, so writer and reader cannot drift apart.

use std::collections::BTreeMap;

use cnab_model::text::{printable, printable_lines};
use cnab_model::Verdict;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Error;

/// The report format identifier this crate reads and writes.
pub const REPORT_FORMAT: &str = "cnab-conformance-report/1";

/// The JSON Schema of the report format.
pub const REPORT_SCHEMA: &str = include_str!("../../reports/schema/report.schema.json");

/// Every case verdict, in the order reports and tables list them
/// (`not-reached` is a clause verdict only, counted in `totals.clauses`).
pub const VERDICTS: [Verdict; 6] = [
    Verdict::Pass,
    Verdict::Fail,
    Verdict::Error,
    Verdict::Skip,
    Verdict::Xfail,
    Verdict::UnexpectedPass,
];

/// One run of the suite against one runtime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunReport {
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
    /// The stop signal (`SIGINT`, `SIGTERM`, `SIGHUP`) that interrupted the
    /// run, when one did: the report is partial, and the cases it stopped
    /// are `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<String>,
}

/// The runtime under test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    /// The observer kind.
    pub observer: String,
    /// The driver name the runtime was told to use.
    pub driver: String,
    /// The per-call timeout in seconds.
    pub timeout_secs: u64,
    /// Operating system and architecture of the harness.
    pub platform: String,
}

/// The verdict of one case, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseReport {
    /// The case ID.
    pub id: String,
    /// The case file family it comes from.
    pub family: String,
    /// What it shows.
    pub description: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Why: for skip and error, and for xfail and unexpected-pass the
    /// expected-failure entry that applied.
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
    /// The runtime's outcome: `succeeded`, `failed` or `refused`.
    pub outcome: ActionOutcome,
    /// The runtime's message.
    pub message: String,
    /// Whether the invocation image ran.
    pub image_ran: bool,
    /// What reached the image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed: Option<Value>,
    /// The adapter's stderr, truncated by the harness.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adapter_stderr: Option<String>,
    /// For a precondition step (one the case needs to succeed to go on):
    /// whether it did. Absent for other steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precondition: Option<Precondition>,
    /// Each expectation and its result.
    pub expectations: Vec<ExpectationReport>,
}

/// Whether a precondition step succeeded (the runtime reported success and
/// the invocation image ran).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Precondition {
    /// It succeeded; the case went on.
    Met,
    /// It did not; the case stopped here and is an `error`.
    NotMet,
}

/// The runtime's outcome of one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionOutcome {
    /// The action ran and succeeded.
    Succeeded,
    /// The action ran and failed.
    Failed,
    /// The runtime refused to run the action.
    Refused,
}

impl ActionOutcome {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionOutcome::Succeeded => "succeeded",
            ActionOutcome::Failed => "failed",
            ActionOutcome::Refused => "refused",
        }
    }
}

/// The result of one expectation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectationReport {
    /// What was checked.
    pub check: String,
    /// The clauses it checks.
    pub clauses: Vec<String>,
    /// Whether it held.
    pub verdict: ExpectationVerdict,
    /// What was observed.
    pub observed: String,
}

/// Whether an expectation held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExpectationVerdict {
    /// It held.
    Pass,
    /// It did not.
    Fail,
    /// It was not judged: its step's precondition was not met (`observed`
    /// says why).
    NotReached,
    /// It was not judged: the rule does not apply to this runtime (the
    /// reason is in `observed`).
    Skip,
}

/// The aggregate verdict of one clause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClauseReport {
    /// The clause ID.
    pub id: String,
    /// Its RFC 2119 level: `must`, `should` or `may`.
    pub level: String,
    /// The worst verdict over its cases.
    pub verdict: Verdict,
    /// The cases that check it.
    pub cases: Vec<String>,
}

/// Counts by verdict.
///
/// Both maps are written with their keys in the order of the verdicts'
/// names (`error`, `fail`, `pass`, ...), the order the format has always
/// used, whatever the order of [`Verdict`] itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Totals {
    /// Cases per verdict.
    #[serde(serialize_with = "by_verdict_name")]
    pub cases: BTreeMap<Verdict, usize>,
    /// Clauses per verdict.
    #[serde(serialize_with = "by_verdict_name")]
    pub clauses: BTreeMap<Verdict, usize>,
}

/// Writes a count per verdict with the keys sorted by the verdicts' names.
fn by_verdict_name<S: serde::Serializer>(
    counts: &BTreeMap<Verdict, usize>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let by_name: BTreeMap<&str, usize> = counts.iter().map(|(v, n)| (v.as_str(), *n)).collect();
    serializer.collect_map(by_name)
}

impl RunReport {
    /// Reads a report from JSON text, refusing other formats and unknown fields.
    pub fn from_json(text: &str) -> Result<RunReport, Error> {
        let value: Value = serde_json::from_str(text).map_err(Error::Json)?;
        match value.get("format").and_then(Value::as_str) {
            Some(REPORT_FORMAT) => {}
            Some(other) => return Err(Error::UnsupportedFormat(other.to_string())),
            None => return Err(Error::UnsupportedFormat("(no format field)".to_string())),
        }
        serde_json::from_value(value).map_err(Error::Json)
    }

    /// The report as pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// A short human summary: every case that is not pass, then the totals.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "runtime: {} {} ({})\n",
            if self.runtime.name.is_empty() {
                "?".into()
            } else {
                printable(&self.runtime.name)
            },
            printable(&self.runtime.version),
            printable(&self.runtime.adapter)
        ));
        if let Some(sig) = &self.interrupted {
            out.push_str(&format!(
                "interrupted by {}: the report is partial\n",
                printable(sig)
            ));
        }
        // Names, reasons and observations come from the runtime and its
        // adapter (stderr included): escape sequences are shown, not sent.
        for c in &self.cases {
            if c.verdict == Verdict::Pass {
                continue;
            }
            out.push_str(&format!("{:<15} {}", c.verdict.as_str(), printable(&c.id)));
            if let Some(r) = &c.reason {
                out.push_str(&format!(": {}", printable_lines(r)));
            }
            out.push('\n');
            for (s, e) in c.failed_expectations() {
                out.push_str(&format!(
                    "    {} [{}]: expected {}; observed {}\n",
                    printable(&s.action),
                    e.clauses.join(", "),
                    printable(&e.check),
                    printable_lines(&e.observed)
                ));
            }
        }
        let fmt = |m: &BTreeMap<Verdict, usize>| {
            let by_name: BTreeMap<&str, usize> = m.iter().map(|(v, n)| (v.as_str(), *n)).collect();
            by_name
                .iter()
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

    /// A label for the runtime: its name and version, or the adapter when
    /// `info` gave no name.
    pub fn runtime_label(&self) -> String {
        if self.runtime.name.is_empty() {
            self.runtime.adapter.clone()
        } else if self.runtime.version.is_empty() {
            self.runtime.name.clone()
        } else {
            format!("{} {}", self.runtime.name, self.runtime.version)
        }
    }

    /// The number of cases with this verdict.
    pub fn count(&self, verdict: Verdict) -> usize {
        self.cases.iter().filter(|c| c.verdict == verdict).count()
    }

    /// Whether every verdict is pass, skip or xfail.
    pub fn is_success(&self) -> bool {
        !self.cases.iter().any(|c| c.verdict.is_bad())
    }

    /// Recomputes the per-clause aggregates and the totals from the cases.
    ///
    /// A case contributes to each clause it checks: a passing or failing case
    /// contributes `fail` only to the clauses named by a failed expectation
    /// (and `pass` to the others), an expected failure likewise contributes
    /// `xfail` or `pass`, a case stopped by a precondition contributes what
    /// it judged before the stop and `not-reached` for the rest, and every
    /// other verdict contributes itself. The
    /// worst contribution wins ([`Verdict::aggregate`]). A clause's level is
    /// kept from the existing entry, or else taken from the embedded catalog.
    pub fn recompute(&mut self) {
        let catalog = cnab_model::Catalog::embedded();
        let old_levels: BTreeMap<String, String> = self
            .clauses
            .iter()
            .map(|c| (c.id.clone(), c.level.clone()))
            .collect();
        let mut per: BTreeMap<String, (Vec<Verdict>, Vec<String>)> = BTreeMap::new();
        for case in &self.cases {
            for clause in &case.clauses {
                let entry = per.entry(clause.clone()).or_default();
                entry.0.push(case.contribution(clause));
                if !entry.1.contains(&case.id) {
                    entry.1.push(case.id.clone());
                }
            }
        }
        self.clauses = per
            .into_iter()
            .map(|(id, (verdicts, cases))| ClauseReport {
                level: old_levels
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| catalog.level_of(&id).as_str().to_string()),
                verdict: Verdict::aggregate(verdicts).unwrap_or(Verdict::Skip),
                id,
                cases,
            })
            .collect();
        let mut totals = Totals::default();
        for c in &self.cases {
            *totals.cases.entry(c.verdict).or_default() += 1;
        }
        for c in &self.clauses {
            *totals.clauses.entry(c.verdict).or_default() += 1;
        }
        self.totals = totals;
    }

    /// The clause result for this ID.
    pub fn clause(&self, id: &str) -> Option<&ClauseReport> {
        self.clauses.iter().find(|c| c.id == id)
    }

    /// The case with this ID.
    pub fn case(&self, id: &str) -> Option<&CaseReport> {
        self.cases.iter().find(|c| c.id == id)
    }
}

impl CaseReport {
    /// The clause family the case is grouped under: the first two segments of
    /// its first clause (`core.runtime` for `core.runtime.env.CNAB_ACTION`),
    /// or its case family when it names no clause.
    pub fn clause_family(&self) -> String {
        match self.clauses.first() {
            Some(first) => clause_family(first),
            None => self.family.clone(),
        }
    }

    /// The failed expectations, with the step each belongs to.
    pub fn failed_expectations(&self) -> impl Iterator<Item = (&StepReport, &ExpectationReport)> {
        self.steps.iter().flat_map(|s| {
            s.expectations
                .iter()
                .filter(|e| e.verdict == ExpectationVerdict::Fail)
                .map(move |e| (s, e))
        })
    }

    /// Whether the case stopped because a precondition step did not succeed.
    pub fn stopped_at_precondition(&self) -> bool {
        self.steps
            .iter()
            .any(|s| s.precondition == Some(Precondition::NotMet))
    }

    /// Whether every expectation naming `clause` was skipped (and at least
    /// one names it): the case did not judge the clause.
    pub fn only_skipped(&self, clause: &str) -> bool {
        let mut naming = self
            .steps
            .iter()
            .flat_map(|s| s.expectations.iter())
            .filter(|e| e.clauses.iter().any(|c| c == clause))
            .peekable();
        naming.peek().is_some() && naming.all(|e| e.verdict == ExpectationVerdict::Skip)
    }

    /// What this case says about one of its clauses (see [`RunReport::recompute`]).
    pub fn contribution(&self, clause: &str) -> Verdict {
        let failed_here = || {
            self.failed_expectations()
                .any(|(_, e)| e.clauses.iter().any(|c| c == clause))
        };
        if self.verdict == Verdict::Error && self.stopped_at_precondition() {
            // Judged before the stop: its verdict; else not reached (an
            // expectation of the stopped step, or of a step never run).
            let judged = |v: ExpectationVerdict| {
                self.steps
                    .iter()
                    .flat_map(|s| &s.expectations)
                    .any(|e| e.verdict == v && e.clauses.iter().any(|c| c == clause))
            };
            return if failed_here() {
                Verdict::Fail
            } else if judged(ExpectationVerdict::Pass) && !judged(ExpectationVerdict::NotReached) {
                Verdict::Pass
            } else {
                Verdict::NotReached
            };
        }
        match self.verdict {
            Verdict::Pass | Verdict::Fail | Verdict::Xfail | Verdict::UnexpectedPass
                if self.only_skipped(clause) =>
            {
                Verdict::Skip
            }
            Verdict::Pass | Verdict::Fail => {
                if failed_here() {
                    Verdict::Fail
                } else {
                    Verdict::Pass
                }
            }
            Verdict::Xfail => {
                if failed_here() {
                    Verdict::Xfail
                } else {
                    Verdict::Pass
                }
            }
            other => other,
        }
    }

    /// The evidence for this case as plain text: the reason, then each
    /// failed expectation with what was observed, then the runtime's message
    /// and stderr of each step that has a failed expectation or did not
    /// succeed. Empty for a plain pass.
    pub fn evidence(&self) -> String {
        let mut out = String::new();
        if let Some(reason) = &self.reason {
            out.push_str(reason);
            out.push('\n');
        }
        for step in &self.steps {
            let failed: Vec<&ExpectationReport> = step
                .expectations
                .iter()
                .filter(|e| e.verdict == ExpectationVerdict::Fail)
                .collect();
            if failed.is_empty() && step.outcome == ActionOutcome::Succeeded {
                continue;
            }
            out.push_str(&format!(
                "step {} ({}): runtime {}",
                step.action,
                step.installation,
                step.outcome.as_str()
            ));
            if !step.image_ran {
                out.push_str(", the image did not run");
            }
            out.push('\n');
            for e in failed {
                out.push_str(&format!(
                    "  expected {} [{}]\n  observed {}\n",
                    e.check,
                    e.clauses.join(", "),
                    e.observed
                ));
            }
            if !step.message.is_empty() {
                out.push_str(&format!("  runtime message: {}\n", step.message));
            }
            if let Some(stderr) = step.adapter_stderr.as_deref().filter(|s| !s.is_empty()) {
                if stderr != step.message {
                    out.push_str("  adapter stderr:\n");
                    for line in stderr.lines() {
                        out.push_str("    ");
                        out.push_str(line);
                        out.push('\n');
                    }
                }
            }
        }
        out
    }

    /// A one-line summary of why the case did not pass: the reason, the
    /// first failed expectation, or the verdict itself.
    pub fn headline(&self) -> String {
        if let Some(reason) = &self.reason {
            return first_line(reason).to_string();
        }
        if let Some((step, e)) = self.failed_expectations().next() {
            return format!(
                "{}: expected {}; observed {}",
                step.action, e.check, e.observed
            );
        }
        self.verdict.as_str().to_string()
    }
}

/// The family of a clause ID: its first two dot-separated segments.
pub fn clause_family(id: &str) -> String {
    id.splitn(3, '.').take(2).collect::<Vec<_>>().join(".")
}

pub(crate) fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// Cuts `s` to at most `max` bytes on a character boundary, adding a note
/// with the number of bytes left out.
pub(crate) fn truncate_bytes_with_note(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}\n… ({} more bytes in the JSON report)",
        &s[..end],
        s.len() - end
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_is_two_segments() {
        assert_eq!(
            clause_family("core.runtime.env.CNAB_ACTION"),
            "core.runtime"
        );
        assert_eq!(clause_family("claim.id"), "claim.id");
        assert_eq!(clause_family("single"), "single");
    }

    #[test]
    fn truncate_keeps_char_boundaries() {
        let s = "é".repeat(10);
        let t = truncate_bytes_with_note(&s, 5);
        assert!(t.starts_with("éé\n"), "{t}");
        assert!(t.contains("16 more bytes"), "{t}");
        assert_eq!(truncate_bytes_with_note("short", 10), "short");
    }

    #[test]
    fn a_clause_named_only_by_skipped_expectations_is_a_skip() {
        let e = |clauses: &[&str], verdict| ExpectationReport {
            check: "c".into(),
            clauses: clauses.iter().map(|c| c.to_string()).collect(),
            verdict,
            observed: String::new(),
        };
        let case = CaseReport {
            id: "x".into(),
            family: "f".into(),
            description: String::new(),
            verdict: Verdict::Pass,
            reason: None,
            duration_ms: 0,
            clauses: vec!["a".into(), "b".into(), "c".into()],
            steps: vec![StepReport {
                action: "install".into(),
                installation: "i".into(),
                outcome: ActionOutcome::Succeeded,
                message: String::new(),
                image_ran: true,
                observed: None,
                adapter_stderr: None,
                precondition: None,
                expectations: vec![
                    e(&["a"], ExpectationVerdict::Pass),
                    e(&["b"], ExpectationVerdict::Skip),
                    e(&["c"], ExpectationVerdict::Skip),
                    e(&["c"], ExpectationVerdict::Pass),
                ],
            }],
        };
        assert_eq!(case.contribution("a"), Verdict::Pass);
        assert_eq!(case.contribution("b"), Verdict::Skip);
        assert_eq!(case.contribution("c"), Verdict::Pass);
        let mut failed = case.clone();
        failed.verdict = Verdict::Fail;
        assert_eq!(failed.contribution("b"), Verdict::Skip);
    }
}
