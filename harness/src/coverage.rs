//! Coverage: which runtime clauses of the catalog have cases.

use std::collections::BTreeMap;

use cnab_model::{Catalog, CheckKind};
use serde::Serialize;

use crate::case::LoadedCase;

/// One runtime clause and the cases that check it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClauseCoverage {
    /// The clause ID.
    pub id: String,
    /// Its level.
    pub level: String,
    /// Its summary.
    pub summary: String,
    /// The cases that check it.
    pub cases: Vec<String>,
}

/// Coverage of every runtime clause, in catalog order.
pub fn coverage(cases: &[LoadedCase]) -> Vec<ClauseCoverage> {
    let mut by_clause: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in cases {
        for cl in c.case.clauses() {
            by_clause.entry(cl).or_default().push(c.case.id.clone());
        }
    }
    Catalog::embedded()
        .clauses()
        .iter()
        .filter(|c| c.check == CheckKind::Runtime)
        .map(|c| ClauseCoverage {
            id: c.id.clone(),
            level: c.level.as_str().to_string(),
            summary: c.summary.clone(),
            cases: by_clause.remove(&c.id).unwrap_or_default(),
        })
        .collect()
}

/// A human table: covered clauses first, then the uncovered ones, then a total.
pub fn render(cov: &[ClauseCoverage]) -> String {
    let width = cov.iter().map(|c| c.id.len()).max().unwrap_or(0);
    let mut out = String::new();
    for c in cov.iter().filter(|c| !c.cases.is_empty()) {
        out.push_str(&format!(
            "{:width$}  {:6}  {} case(s): {}\n",
            c.id,
            c.level,
            c.cases.len(),
            c.cases.join(", ")
        ));
    }
    for c in cov.iter().filter(|c| c.cases.is_empty()) {
        out.push_str(&format!("{:width$}  {:6}  no case\n", c.id, c.level));
    }
    let covered = cov.iter().filter(|c| !c.cases.is_empty()).count();
    out.push_str(&format!(
        "{covered} of {} runtime clauses have cases\n",
        cov.len()
    ));
    out
}
