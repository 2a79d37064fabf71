//! Merging shard reports.

use cnab_model::Verdict;
use cnab_report::{merge, MergeError, RunReport};

use crate::sample;

fn shard(r: &RunReport, keep: impl Fn(usize) -> bool, started: &str, finished: &str) -> RunReport {
    let mut s = r.clone();
    s.cases = r
        .cases
        .iter()
        .enumerate()
        .filter(|(i, _)| keep(*i))
        .map(|(_, c)| c.clone())
        .collect();
    s.started = started.to_string();
    s.finished = finished.to_string();
    s.recompute();
    s
}

#[test]
fn shards_merge_back_into_the_whole_run() {
    let whole = sample::harness_mutant();
    let s1 = shard(
        &whole,
        |i| i % 3 == 0,
        "2026-11-27T10:00:05Z",
        "2026-11-27T10:01:00Z",
    );
    let s2 = shard(
        &whole,
        |i| i % 3 == 1,
        "2026-11-27T10:00:01Z",
        "2026-11-27T10:00:50Z",
    );
    let s3 = shard(
        &whole,
        |i| i % 3 == 2,
        "2026-11-27T10:00:03Z",
        "2026-11-27T10:02:00Z",
    );
    // The shards' own aggregates differ from the whole's.
    assert_ne!(s1.clauses, whole.clauses);
    let merged = merge(&[s1, s2, s3]).unwrap();
    // Clause case lists follow the merged case order (by ID).
    let sorted = |r: &RunReport| {
        let mut c = r.clauses.clone();
        for x in &mut c {
            x.cases.sort();
        }
        c
    };
    assert_eq!(
        sorted(&merged),
        sorted(&whole),
        "clause aggregates are recomputed"
    );
    assert_eq!(merged.totals, whole.totals);
    let mut ids: Vec<_> = whole.cases.iter().map(|c| c.id.clone()).collect();
    ids.sort();
    let merged_ids: Vec<_> = merged.cases.iter().map(|c| c.id.clone()).collect();
    assert_eq!(merged_ids, ids, "cases sorted by ID");
    assert_eq!(merged.started, "2026-11-27T10:00:01Z");
    assert_eq!(merged.finished, "2026-11-27T10:02:00Z");
}

#[test]
fn worst_verdict_wins_across_shards() {
    // The same clause is checked by a passing case in one shard and a failing
    // one in the other.
    let a = sample::runtime_a();
    let s1 = shard(&a, |i| i == 0, "a", "b");
    let s2 = shard(&a, |i| i == 1, "a", "b");
    assert_eq!(
        s1.clause("core.runtime.params.env").unwrap().verdict,
        Verdict::Pass
    );
    let merged = merge(&[s1, s2]).unwrap();
    let env = merged.clause("core.runtime.params.env").unwrap();
    // The failing case failed on another clause, so this one still passes.
    assert_eq!(env.verdict, Verdict::Pass);
    assert_eq!(
        env.cases,
        ["params.default-used", "params.required-missing"]
    );
    assert_eq!(
        merged
            .clause("core.runtime.params.required_missing")
            .unwrap()
            .verdict,
        Verdict::Fail
    );
    let merged_all = merge(&[
        shard(&a, |i| i < 4, "a", "b"),
        shard(&a, |i| i >= 4, "a", "b"),
    ])
    .unwrap();
    assert_eq!(merged_all.totals, a.totals);
    assert_eq!(merged_all.clauses, a.clauses);
}

#[test]
fn identical_duplicates_are_accepted_and_conflicts_refused() {
    let a = sample::runtime_a();
    let s1 = shard(&a, |i| i < 5, "a", "b");
    let s2 = shard(&a, |i| i >= 3, "a", "b");
    let merged = merge(&[s1.clone(), s2.clone()]).unwrap();
    assert_eq!(merged.cases.len(), a.cases.len());

    let mut bad = s2.clone();
    bad.cases[0].verdict = Verdict::Pass;
    let err = merge(&[s1.clone(), bad]).unwrap_err();
    assert!(
        matches!(err, MergeError::Conflict { ref case, first_shard: 1, shard: 2, .. } if case == "creds.path-injected"),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("case creds.path-injected differs between shard 1 (skip"),
        "{err}"
    );
}

#[test]
fn shards_of_other_runs_are_refused() {
    let a = sample::runtime_a();
    let b = sample::runtime_b();
    let err = merge(&[a.clone(), b]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "shard 2 has runtime name \"reference\", but shard 1 has \"acme\""
    );
    let mut other = a.clone();
    other.catalog_version = "0.2.0".to_string();
    assert!(matches!(
        merge(&[a.clone(), other]),
        Err(MergeError::Mismatch {
            field: "catalog version",
            ..
        })
    ));
    let mut moved = a.clone();
    moved.runtime.adapter = "/elsewhere/adapter".to_string();
    assert!(
        merge(&[a.clone(), moved]).is_ok(),
        "the adapter path may differ"
    );
    assert_eq!(merge(&[]).unwrap_err(), MergeError::NoShards);
}
