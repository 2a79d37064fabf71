//! What changed between two reports.
//!
//! [`diff()`] lists, per case and per clause, the verdicts that changed
//! (including cases and clauses present in only one report), and for cases
//! the change in evidence as a unified text diff. A case whose verdict stayed
//! the same but whose evidence changed (a failure that fails differently) is
//! listed too. Installation names are generated per run, so they are replaced
//! by `<installation>` before evidence is compared.

use std::collections::BTreeSet;
use std::fmt;

use cnab_model::Verdict;
use serde::Serialize;
use similar::TextDiff;

use crate::model::{CaseReport, RunReport};

/// The differences between an old and a new report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diff {
    /// The old report's runtime label.
    pub old_label: String,
    /// The new report's runtime label.
    pub new_label: String,
    /// Cases whose verdict or evidence changed, by ID.
    pub cases: Vec<CaseChange>,
    /// Clauses whose verdict changed, by ID.
    pub clauses: Vec<ClauseChange>,
}

/// A case that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseChange {
    /// The case ID.
    pub id: String,
    /// The old verdict, or `None` when the case is new.
    pub old: Option<Verdict>,
    /// The new verdict, or `None` when the case is gone.
    pub new: Option<Verdict>,
    /// A unified diff of the evidence, when both reports hold the case and
    /// its evidence changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

/// A clause whose aggregate verdict changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClauseChange {
    /// The clause ID.
    pub id: String,
    /// The old verdict, or `None` when no old case checked it.
    pub old: Option<Verdict>,
    /// The new verdict, or `None` when no new case checks it.
    pub new: Option<Verdict>,
}

/// Compares two reports.
pub fn diff(old: &RunReport, new: &RunReport) -> Diff {
    let case_ids: BTreeSet<&str> = old
        .cases
        .iter()
        .chain(&new.cases)
        .map(|c| c.id.as_str())
        .collect();
    let mut cases = Vec::new();
    for id in case_ids {
        let (o, n) = (old.case(id), new.case(id));
        let evidence = match (o, n) {
            (Some(o), Some(n)) => evidence_diff(o, n),
            _ => None,
        };
        let (ov, nv) = (o.map(|c| c.verdict), n.map(|c| c.verdict));
        if ov != nv || evidence.is_some() {
            cases.push(CaseChange {
                id: id.to_string(),
                old: ov,
                new: nv,
                evidence,
            });
        }
    }
    let clause_ids: BTreeSet<&str> = old
        .clauses
        .iter()
        .chain(&new.clauses)
        .map(|c| c.id.as_str())
        .collect();
    let clauses = clause_ids
        .into_iter()
        .filter_map(|id| {
            let ov = old.clause(id).map(|c| c.verdict);
            let nv = new.clause(id).map(|c| c.verdict);
            (ov != nv).then(|| ClauseChange {
                id: id.to_string(),
                old: ov,
                new: nv,
            })
        })
        .collect();
    Diff {
        old_label: old.runtime_label(),
        new_label: new.runtime_label(),
        cases,
        clauses,
    }
}

/// Evidence with per-run installation names masked.
fn comparable_evidence(case: &CaseReport) -> String {
    let mut text = case.evidence();
    for step in &case.steps {
        if !step.installation.is_empty() {
            text = text.replace(&step.installation, "<installation>");
        }
    }
    text
}

fn evidence_diff(old: &CaseReport, new: &CaseReport) -> Option<String> {
    let (a, b) = (comparable_evidence(old), comparable_evidence(new));
    if a == b {
        return None;
    }
    let diff = TextDiff::from_lines(&a, &b);
    let mut text = diff
        .unified_diff()
        .context_radius(2)
        .header("old evidence", "new evidence")
        .to_string();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Some(text)
}

fn is_bad(v: Option<Verdict>) -> bool {
    v.is_some_and(Verdict::is_bad)
}

impl CaseChange {
    /// Whether the case got worse: it is now fail, error or unexpected pass,
    /// and was not before (or did not exist).
    pub fn is_regression(&self) -> bool {
        is_bad(self.new) && !is_bad(self.old)
    }

    /// Whether the case got better: it was fail, error or unexpected pass
    /// and is not any more (or is gone).
    pub fn is_fix(&self) -> bool {
        is_bad(self.old) && !is_bad(self.new)
    }
}

impl Diff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.cases.is_empty() && self.clauses.is_empty()
    }

    /// The cases that got worse.
    pub fn regressions(&self) -> impl Iterator<Item = &CaseChange> {
        self.cases.iter().filter(|c| c.is_regression())
    }
}

fn name(v: Option<Verdict>) -> &'static str {
    v.map(Verdict::as_str).unwrap_or("absent")
}

impl fmt::Display for Diff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "old: {}\nnew: {}", self.old_label, self.new_label)?;
        if self.is_empty() {
            return writeln!(f, "no verdict or evidence changed");
        }
        let regressions = self.regressions().count();
        let fixes = self.cases.iter().filter(|c| c.is_fix()).count();
        writeln!(
            f,
            "cases: {} changed ({regressions} worse, {fixes} better)",
            self.cases.len()
        )?;
        for c in &self.cases {
            let arrow = format!("{} -> {}", name(c.old), name(c.new));
            writeln!(f, "  {arrow:<24} {}", c.id)?;
            if let Some(e) = &c.evidence {
                for line in e.lines() {
                    writeln!(f, "      {line}")?;
                }
            }
        }
        writeln!(f, "clauses: {} changed", self.clauses.len())?;
        for c in &self.clauses {
            let arrow = format!("{} -> {}", name(c.old), name(c.new));
            writeln!(f, "  {arrow:<24} {}", c.id)?;
        }
        Ok(())
    }
}
