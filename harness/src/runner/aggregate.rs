//! Aggregation: the verdict of each clause over the cases that check it, and
//! the counts by verdict.

use std::collections::BTreeMap;

use cnab_model::{Catalog, Verdict};
use cnab_report::{CaseReport, ClauseReport, Totals};

use crate::case::LoadedCase;

/// Per clause: the worst verdict over the cases that check it, each case
/// contributing as [`CaseReport::contribution`] says (the rule the report
/// crate recomputes with): a case that ran contributes `fail` only if an
/// expectation naming the clause failed, a case stopped at a precondition
/// `not-reached` for what it did not judge.
pub fn clauses(chosen: &[&LoadedCase], reports: &[CaseReport]) -> Vec<ClauseReport> {
    let mut per: BTreeMap<String, (Vec<Verdict>, Vec<String>)> = BTreeMap::new();
    for (lc, r) in chosen.iter().zip(reports) {
        for clause in lc.case.clauses() {
            let v = r.contribution(&clause);
            let e = per.entry(clause).or_default();
            e.0.push(v);
            e.1.push(r.id.clone());
        }
    }
    let cat = Catalog::embedded();
    per.into_iter()
        .map(|(id, (vs, cases))| ClauseReport {
            level: cat.level_of(&id).as_str().to_string(),
            verdict: Verdict::aggregate(vs).unwrap_or(Verdict::Skip),
            id,
            cases,
        })
        .collect()
}

/// Cases and clauses counted by verdict.
pub fn totals(cases: &[CaseReport], clauses: &[ClauseReport]) -> Totals {
    let mut totals = Totals::default();
    for r in cases {
        *totals.cases.entry(r.verdict).or_default() += 1;
    }
    for c in clauses {
        *totals.clauses.entry(c.verdict).or_default() += 1;
    }
    totals
}
