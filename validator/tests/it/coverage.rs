//! Every static clause of the catalog is checked (by the schema, a rule or
//! the pipeline), reported under a named other clause that is itself checked,
//! or marked not checkable with a reason: `clauses --coverage` shows none
//! unchecked.

use std::collections::BTreeMap;
use std::process::Command;

#[test]
fn no_static_clause_is_left_unchecked() {
    let out = Command::new(crate::util::BIN)
        .args([
            "clauses",
            "--kind",
            "static",
            "--coverage",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(rows.len() > 100, "{}", rows.len());
    let coverage: BTreeMap<&str, &str> = rows
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["coverage"].as_str().unwrap()))
        .collect();
    for r in &rows {
        let id = r["id"].as_str().unwrap();
        match r["coverage"].as_str().unwrap() {
            "unchecked" => panic!("{id} is neither checked nor marked not checkable"),
            "not-checkable" => assert!(
                r["not_checkable"].as_str().is_some_and(|s| s.len() > 20),
                "{id}: no reason given"
            ),
            "as-other" => {
                let target = r["checked_as"].as_str().unwrap();
                let via = coverage.get(target).copied().unwrap_or("missing");
                assert!(
                    matches!(via, "schema" | "rule" | "schema+rule" | "pipeline"),
                    "{id} is checked as {target}, which is {via}"
                );
            }
            _ => {}
        }
    }
}
