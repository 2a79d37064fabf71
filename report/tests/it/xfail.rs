//! Expected-failure files and how they change verdicts.

use cnab_model::{Catalog, Verdict};
use cnab_report::{apply_expected_failures, ExpectedFailures, RunReport, XfailError};

use crate::sample;

const TOML: &str = r#"
format = "cnab-conformance-expected-failures/1"

[[expected]]
id = "params.relative-path"
reason = "relative destinations are resolved against the working directory"
issue = "https://example.com/runtime/issues/12"

[[expected]]
id = "claim.parameters.stored"
issue = "https://example.com/runtime/issues/13"
"#;

fn mutant() -> RunReport {
    sample::harness_mutant()
}

fn apply(r: &RunReport, text: &str) -> Result<RunReport, XfailError> {
    let x = ExpectedFailures::from_toml_or_json(text)?;
    apply_expected_failures(r, &x, Catalog::embedded())
}

#[test]
fn toml_and_json_read_the_same() {
    let t = ExpectedFailures::from_toml_or_json(TOML).unwrap();
    let j = ExpectedFailures::from_toml_or_json(
        r#"{"format": "cnab-conformance-expected-failures/1", "expected": [
            {"id": "params.relative-path", "reason": "relative destinations are resolved against the working directory", "issue": "https://example.com/runtime/issues/12"},
            {"id": "claim.parameters.stored", "issue": "https://example.com/runtime/issues/13"}]}"#,
    )
    .unwrap();
    assert_eq!(t, j);
    assert_eq!(t.expected.len(), 2);
}

#[test]
fn listed_failures_become_xfail_and_aggregates_follow() {
    let r = mutant();
    let out = apply(&r, TOML).unwrap();
    let case = out.case("params.relative-path").unwrap();
    assert_eq!(case.verdict, Verdict::Xfail);
    assert!(case.reason.as_ref().unwrap().starts_with(
        "expected failure: params.relative-path: relative destinations are resolved against the working directory (https://example.com/runtime/issues/12)"
    ));
    // Listed by clause: the claim case fails only on the listed clause and
    // one other in the same expectation, so it is an expected failure.
    let claims = out.case("claims.parameters-stored").unwrap();
    assert_eq!(claims.verdict, Verdict::Xfail, "{:?}", claims.reason);
    assert_eq!(
        out.clause("claim.parameters.stored").unwrap().verdict,
        Verdict::Xfail
    );
    // A clause the failed expectation did not name stays pass.
    assert_eq!(
        out.clause("core.runtime.exec.run_tool").unwrap().verdict,
        Verdict::Pass
    );
    assert_eq!(out.totals.cases[&Verdict::Xfail], 2);
    assert_eq!(out.totals.cases[&Verdict::Fail], r.count(Verdict::Fail) - 2);
    // Applying twice changes nothing more.
    let again = apply(&out, TOML).unwrap();
    assert_eq!(again, out);
}

#[test]
fn listed_cases_that_pass_are_unexpected_passes() {
    let r = sample::harness_reference();
    let out = apply(
        &r,
        "[[expected]]\nid = \"params.relative-path\"\nreason = \"known\"\n",
    )
    .unwrap();
    let case = out.case("params.relative-path").unwrap();
    assert_eq!(case.verdict, Verdict::UnexpectedPass);
    assert_eq!(
        case.reason.as_deref(),
        Some("unexpected pass: listed as an expected failure (params.relative-path: known)")
    );
    assert!(!out.is_success());
    for clause in &case.clauses {
        assert_eq!(out.clause(clause).unwrap().verdict, Verdict::UnexpectedPass);
    }
}

#[test]
fn a_failure_outside_the_listed_clauses_stays_a_failure() {
    let a = sample::runtime_a();
    // The failing case checks two clauses and fails on required_missing.
    let out = apply(
        &a,
        "[[expected]]\nid = \"core.runtime.params.env\"\nreason = \"r\"\n",
    )
    .unwrap();
    assert_eq!(
        out.case("params.required-missing").unwrap().verdict,
        Verdict::Fail
    );
    // The passing case that checks the listed clause passes unexpectedly.
    assert_eq!(
        out.case("params.default-used").unwrap().verdict,
        Verdict::UnexpectedPass
    );
    // Errors and skips are left alone.
    let out = apply(&a, "[[expected]]\nid = \"actions.custom\"\nreason = \"r\"\n[[expected]]\nid = \"creds.path-injected\"\nreason = \"r\"\n").unwrap();
    assert_eq!(out.case("actions.custom").unwrap().verdict, Verdict::Error);
    assert_eq!(
        out.case("creds.path-injected").unwrap().verdict,
        Verdict::Skip
    );
}

#[test]
fn unknown_ids_are_an_error_naming_them() {
    let err = apply(
        &mutant(),
        "[[expected]]\nid = \"params.no-such-case\"\nreason = \"x\"\n[[expected]]\nid = \"core.no.such.clause\"\nissue = \"https://x\"\n[[expected]]\nid = \"params.relative-path\"\nreason = \"x\"\n",
    )
    .unwrap_err();
    assert_eq!(
        err,
        XfailError::UnknownIds(vec![
            "params.no-such-case".into(),
            "core.no.such.clause".into()
        ])
    );
    assert!(err
        .to_string()
        .contains("params.no-such-case, core.no.such.clause"));
    // A clause of the catalog that this run does not check is fine.
    assert!(apply(
        &mutant(),
        "[[expected]]\nid = \"core.bundle.canonical_json\"\nreason = \"x\"\n"
    )
    .is_ok());
}

#[test]
fn bad_files_get_clear_errors() {
    let cases: [(&str, &str); 6] = [
        ("[[expected]]\nid = \"a.b\"\n", "expected failure a.b gives neither a reason nor an issue"),
        ("[[expected]]\nid = \"a.b\"\nreason = \"x\"\n[[expected]]\nid = \"a.b\"\nreason = \"y\"\n", "expected failure a.b is listed more than once"),
        ("[[expected]]\nid = \" \"\nreason = \"x\"\n", "expected failure 1 has an empty id"),
        ("[[expected]]\nid = \"a.b\"\nreson = \"x\"\n", "invalid expected-failures TOML: "),
        ("format = \"other/1\"\n", "unsupported expected-failures format \"other/1\""),
        ("{\"expected\": 3}", "invalid expected-failures JSON: "),
    ];
    for (text, message) in cases {
        let err = ExpectedFailures::from_toml_or_json(text).unwrap_err();
        assert!(err.to_string().starts_with(message), "{text:?}: {err}");
    }
    let err = ExpectedFailures::from_toml_or_json("[[expected]]\nid = \"a.b\"\nreson = \"x\"\n")
        .unwrap_err();
    assert!(err.to_string().contains("reson"), "{err}");
}
