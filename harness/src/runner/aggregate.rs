//! Aggregation: the verdict of each clause over the cases that check it, and
//! the counts by verdict.

use std::collections::BTreeMap;

use cnab_model::{Catalog, Verdict};
use cnab_report::{CaseReport, ClauseReport, ExpectationVerdict, Totals};

use crate::case::LoadedCase;

/// Per clause: the worst verdict over the cases that check it, where a case
/// that ran contributes `fail` only if an expectation naming the clause failed,
/// and `skip` when every expectation naming it was skipped.
pub fn clauses(chosen: &[&LoadedCase], reports: &[CaseReport]) -> Vec<ClauseReport> {
    let mut per: BTreeMap<String, (Vec<Verdict>, Vec<String>)> = BTreeMap::new();
    for (lc, r) in chosen.iter().zip(reports) {
        for clause in lc.case.clauses() {
            let v = match r.verdict {
                Verdict::Pass | Verdict::Fail | Verdict::Xfail | Verdict::UnexpectedPass
                    if r.only_skipped(&clause) =>
                {
                    Verdict::Skip
                }
                Verdict::Pass | Verdict::Fail | Verdict::Xfail | Verdict::UnexpectedPass => {
                    let failed = r.steps.iter().any(|s| {
                        s.expectations.iter().any(|e| {
                            e.verdict == ExpectationVerdict::Fail && e.clauses.contains(&clause)
                        })
                    });
                    match (failed, r.verdict) {
                        (true, Verdict::Xfail) => Verdict::Xfail,
                        (true, _) => Verdict::Fail,
                        (false, Verdict::UnexpectedPass) => Verdict::UnexpectedPass,
                        (false, _) => Verdict::Pass,
                    }
                }
                other => other,
            };
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
