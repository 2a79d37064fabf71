//! Comparing two reports.

use cnab_model::Verdict;
use cnab_report::diff;

use crate::sample;

#[test]
fn changed_verdicts_per_case_and_clause() {
    let (a, b) = (sample::runtime_a(), sample::runtime_b());
    let d = diff(&a, &b);
    let cases: Vec<_> = d
        .cases
        .iter()
        .map(|c| (c.id.as_str(), c.old, c.new))
        .collect();
    use Verdict::*;
    assert_eq!(
        cases,
        [
            ("actions.custom", Some(Error), Some(Pass)),
            ("creds.path-injected", Some(Skip), Some(Pass)),
            ("env.revision-ulid", Some(UnexpectedPass), None),
            ("outputs.default-written", Some(Xfail), Some(Pass)),
            ("params.default-used", Some(Pass), Some(Fail)),
            ("params.required-missing", Some(Fail), Some(Pass)),
        ]
    );
    let regressions: Vec<_> = d.regressions().map(|c| c.id.as_str()).collect();
    assert_eq!(regressions, ["params.default-used"]);
    let clause = d
        .clauses
        .iter()
        .find(|c| c.id == "core.runtime.params.default_used")
        .unwrap();
    assert_eq!((clause.old, clause.new), (Some(Pass), Some(Fail)));
    assert!(d
        .clauses
        .iter()
        .any(|c| c.id == "core.runtime.revision.ulid" && c.new.is_none()));
    // The evidence diff shows what was observed instead.
    let e = d.cases[4].evidence.as_ref().unwrap();
    assert!(e.contains("+  observed <script>alert(1)</script>"), "{e}");
    insta::assert_snapshot!(d.to_string());
}

#[test]
fn same_reports_give_an_empty_diff_and_installation_names_are_ignored() {
    let a = sample::harness_mutant();
    assert!(diff(&a, &a).is_empty());
    assert!(diff(&a, &a)
        .to_string()
        .contains("no verdict or evidence changed"));
    let mut b = a.clone();
    for c in &mut b.cases {
        for s in &mut c.steps {
            s.installation = format!("{}-other", s.installation);
        }
    }
    assert!(diff(&a, &b).is_empty(), "{}", diff(&a, &b));
}

#[test]
fn a_failure_that_fails_differently_is_listed() {
    let a = sample::harness_mutant();
    let mut b = a.clone();
    let case = b
        .cases
        .iter_mut()
        .find(|c| c.verdict == Verdict::Fail)
        .unwrap();
    let id = case.id.clone();
    let e = case
        .steps
        .iter_mut()
        .flat_map(|s| s.expectations.iter_mut())
        .find(|e| e.verdict == cnab_report::ExpectationVerdict::Fail)
        .unwrap();
    e.observed = "something else".to_string();
    let d = diff(&a, &b);
    assert_eq!(d.cases.len(), 1);
    assert_eq!(d.cases[0].id, id);
    assert_eq!(d.cases[0].old, d.cases[0].new);
    assert!(d.cases[0]
        .evidence
        .as_ref()
        .unwrap()
        .contains("+  observed something else"));
    assert!(d.clauses.is_empty());
    assert_eq!(d.regressions().count(), 0);
}

#[test]
fn the_mutant_regresses_against_the_reference() {
    let d = diff(&sample::harness_reference(), &sample::harness_mutant());
    let failing = sample::harness_mutant().count(Verdict::Fail);
    assert_eq!(d.regressions().count(), failing);
    assert!(d
        .clauses
        .iter()
        .all(|c| c.old == Some(Verdict::Pass) && c.new == Some(Verdict::Fail)));
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["cases"].as_array().unwrap().len(), d.cases.len());
}
