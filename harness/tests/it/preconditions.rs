//! Precondition steps: a step the case needs to succeed so it can go on.
//! When it does not, the case is an `error` with the runtime's message, the
//! step's expectations and every later clause are `not-reached`, never
//! `fail`.

use cnab_model::Verdict;
use cnab_report::{ExpectationVerdict, Precondition};
use serde_json::json;

use crate::util::*;

/// A one-case directory: a required parameter decides whether the
/// precondition install succeeds.
fn case_dir(supply: bool) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let parameters = if supply {
        json!({"token": "abc"})
    } else {
        json!({})
    };
    let file = json!({
        "family": "preconditions",
        "description": "test",
        "cases": [{
            "id": "pre.stop",
            "description": "a precondition install, then an upgrade",
            "spec": "cnab-core-1.2.0",
            "bundle": {
                "schemaVersion": "v1.2.0", "name": "pre", "version": "0.1.0",
                "invocationImages": [{"image": "{{image}}", "imageType": "docker"}],
                "definitions": {"s": {"type": "string"}},
                "parameters": {"token": {"definition": "s", "required": true,
                    "destination": {"env": "TOKEN"}}}
            },
            "steps": [
                {"action": "install", "precondition": true, "parameters": parameters,
                 "expect": [{"check": "env", "clauses": ["core.runtime.params.env"],
                             "name": "TOKEN", "equals": "abc"}]},
                {"action": "upgrade", "parameters": {"token": "abc"},
                 "expect": [{"check": "env", "clauses": ["core.runtime.env.CNAB_ACTION"],
                             "name": "CNAB_ACTION", "equals": "upgrade"}]}
            ]
        }]
    });
    std::fs::write(
        d.path().join("pre.json"),
        serde_json::to_vec_pretty(&file).unwrap(),
    )
    .unwrap();
    d
}

fn run_dir(d: &tempfile::TempDir) -> (Option<i32>, cnab_report::RunReport) {
    let p = d.path().join("r.json");
    let out = run_in(
        d.path(),
        &[
            "run",
            "--cases-dir",
            d.path().to_str().unwrap(),
            "--out",
            p.to_str().unwrap(),
        ],
        b"",
    );
    (out.status.code(), read_report(&p))
}

#[test]
fn a_precondition_that_is_not_met_stops_the_case_as_an_error_and_nothing_fails() {
    let d = case_dir(false);
    let (code, r) = run_dir(&d);
    assert_eq!(code, Some(1));
    let case = r.case("pre.stop").unwrap();
    assert_eq!(case.verdict, Verdict::Error);
    let reason = case.reason.as_deref().unwrap();
    assert!(reason.contains("precondition"), "{reason}");
    assert!(reason.contains("step 1 (install)"), "{reason}");
    // The runtime's own message is in the reason.
    assert!(reason.contains("required"), "{reason}");
    // The upgrade never ran.
    assert_eq!(case.steps.len(), 1);
    assert_eq!(case.steps[0].precondition, Some(Precondition::NotMet));
    let e = &case.steps[0].expectations[0];
    assert_eq!(e.verdict, ExpectationVerdict::NotReached);
    assert!(e.observed.contains("precondition"), "{}", e.observed);
    for id in ["core.runtime.params.env", "core.runtime.env.CNAB_ACTION"] {
        assert_eq!(r.clause(id).unwrap().verdict, Verdict::NotReached, "{id}");
    }
    // The report reads back and recomputes to the same aggregates.
    let mut again = r.clone();
    again.recompute();
    assert_eq!(again.clauses, r.clauses);
    assert_eq!(again.totals, r.totals);
}

#[test]
fn a_met_precondition_lets_the_case_go_on() {
    let d = case_dir(true);
    let (code, r) = run_dir(&d);
    assert_eq!(code, Some(0));
    let case = r.case("pre.stop").unwrap();
    assert_eq!(case.verdict, Verdict::Pass);
    assert_eq!(case.steps.len(), 2);
    assert_eq!(case.steps[0].precondition, Some(Precondition::Met));
    assert_eq!(case.steps[1].precondition, None);
    assert_eq!(
        r.clause("core.runtime.params.env").unwrap().verdict,
        Verdict::Pass
    );
}
