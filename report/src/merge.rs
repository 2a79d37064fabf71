//! Merging the reports of shards of one run.
//!
//! A run split into shards (`--partition`) writes one report per shard. The
//! shards must come from the same suite, catalog, protocol and runtime (name,
//! version, spec versions and capabilities; the adapter path may differ
//! between machines) and use the same observer and driver. Their cases must
//! be disjoint, or identical where a case ran in more than one shard (same
//! verdict, reason and clauses; the first copy is kept). The merged report
//! holds the cases sorted by ID, the run's earliest start and latest finish,
//! and per-clause aggregates and totals recomputed from the cases
//! ([`RunReport::recompute`]). A shard that was interrupted makes the
//! merged report interrupted too.

use std::collections::BTreeMap;

use crate::model::{CaseReport, RunReport};

/// Why shards cannot be merged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MergeError {
    /// Nothing to merge.
    #[error("no shard report to merge")]
    NoShards,
    /// A shard differs from the first in something that must be shared.
    #[error("shard {shard} has {field} {other:?}, but shard 1 has {first:?}")]
    Mismatch {
        /// The 1-based index of the shard.
        shard: usize,
        /// What differs.
        field: &'static str,
        /// The first shard's value.
        first: String,
        /// This shard's value.
        other: String,
    },
    /// A case ran in two shards with different results.
    #[error(
        "case {case} differs between shard {first_shard} ({first}) and shard {shard} ({other})"
    )]
    Conflict {
        /// The case ID.
        case: String,
        /// The 1-based index of the shard that had it first.
        first_shard: usize,
        /// Its verdict and clauses there.
        first: String,
        /// The 1-based index of the conflicting shard.
        shard: usize,
        /// Its verdict and clauses there.
        other: String,
    },
}

fn describe(case: &CaseReport) -> String {
    let mut s = format!("{} [{}]", case.verdict, case.clauses.join(", "));
    if let Some(r) = &case.reason {
        s.push_str(&format!(": {r}"));
    }
    s
}

/// Merges shard reports into one report.
pub fn merge(shards: &[RunReport]) -> Result<RunReport, MergeError> {
    let first = shards.first().ok_or(MergeError::NoShards)?;
    for (i, shard) in shards.iter().enumerate().skip(1) {
        let checks: [(&'static str, String, String); 9] = [
            ("format", first.format.clone(), shard.format.clone()),
            (
                "suite version",
                first.suite_version.clone(),
                shard.suite_version.clone(),
            ),
            (
                "catalog version",
                first.catalog_version.clone(),
                shard.catalog_version.clone(),
            ),
            ("protocol", first.protocol.clone(), shard.protocol.clone()),
            (
                "runtime name",
                first.runtime.name.clone(),
                shard.runtime.name.clone(),
            ),
            (
                "runtime version",
                first.runtime.version.clone(),
                shard.runtime.version.clone(),
            ),
            (
                "runtime spec versions",
                first.runtime.spec_versions.join(", "),
                shard.runtime.spec_versions.join(", "),
            ),
            (
                "runtime capabilities",
                first.runtime.capabilities.join(", "),
                shard.runtime.capabilities.join(", "),
            ),
            (
                "observer and driver",
                format!(
                    "{} {}",
                    first.environment.observer, first.environment.driver
                ),
                format!(
                    "{} {}",
                    shard.environment.observer, shard.environment.driver
                ),
            ),
        ];
        for (field, a, b) in checks {
            if a != b {
                return Err(MergeError::Mismatch {
                    shard: i + 1,
                    field,
                    first: a,
                    other: b,
                });
            }
        }
    }

    let mut cases: BTreeMap<String, (usize, CaseReport)> = BTreeMap::new();
    for (i, shard) in shards.iter().enumerate() {
        for case in &shard.cases {
            match cases.get(&case.id) {
                None => {
                    cases.insert(case.id.clone(), (i, case.clone()));
                }
                Some((j, kept)) => {
                    let same = kept.verdict == case.verdict
                        && kept.reason == case.reason
                        && kept.clauses == case.clauses;
                    if !same {
                        return Err(MergeError::Conflict {
                            case: case.id.clone(),
                            first_shard: j + 1,
                            first: describe(kept),
                            shard: i + 1,
                            other: describe(case),
                        });
                    }
                }
            }
        }
    }

    let mut merged = first.clone();
    merged.started = shards
        .iter()
        .map(|s| s.started.as_str())
        .min()
        .unwrap_or_default()
        .to_string();
    merged.finished = shards
        .iter()
        .map(|s| s.finished.as_str())
        .max()
        .unwrap_or_default()
        .to_string();
    merged.clauses = shards.iter().flat_map(|s| s.clauses.clone()).collect();
    merged.cases = cases.into_values().map(|(_, c)| c).collect();
    merged.interrupted = shards.iter().find_map(|s| s.interrupted.clone());
    merged.recompute();
    Ok(merged)
}
