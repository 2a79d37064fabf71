//! The shields.io endpoint badge.

use cnab_model::Verdict;
use cnab_report::{render, Error, Format, RunReport};
use serde_json::{json, Value};

use crate::sample;

fn badge(r: &RunReport) -> Value {
    serde_json::from_str(&render(std::slice::from_ref(r), Format::Badge).unwrap()).unwrap()
}

#[test]
fn counts_passed_over_run_cases() {
    // 8 cases, one skipped: 3 of the 7 that ran passed; 3 bad of 7 is over a third.
    assert_eq!(
        badge(&sample::runtime_a()),
        json!({"schemaVersion": 1, "label": "CNAB conformance", "message": "3/7 passed", "color": "red"})
    );
}

#[test]
fn colours_follow_the_share_of_bad_verdicts() {
    let mut r = sample::runtime_b();
    // One fail of seven: at most a third.
    assert_eq!(badge(&r)["message"], "6/7 passed");
    assert_eq!(badge(&r)["color"], "orange");
    r.cases[0].verdict = Verdict::Pass;
    assert_eq!(badge(&r)["color"], "brightgreen");
    r.cases[0].verdict = Verdict::Xfail;
    assert_eq!(badge(&r)["color"], "green");
    assert_eq!(badge(&r)["message"], "6/7 passed");
    let big = sample::synthetic(100);
    // 30 bad of 90 run.
    assert_eq!(badge(&big)["message"], "60/90 passed");
    assert_eq!(badge(&big)["color"], "orange");
    let mut few = sample::synthetic(100);
    for c in few.cases.iter_mut().skip(10) {
        if c.verdict.is_bad() {
            c.verdict = Verdict::Pass;
        }
    }
    // 3 bad (cases 0, 1, 3) of 90.
    assert_eq!(badge(&few)["color"], "yellow");
}

#[test]
fn an_empty_run_is_grey_and_several_reports_are_refused() {
    let v = badge(&sample::empty("x", "1"));
    assert_eq!(v["message"], "no cases run");
    assert_eq!(v["color"], "lightgrey");
    let err = render(&[sample::runtime_a(), sample::runtime_b()], Format::Badge).unwrap_err();
    assert!(matches!(err, Error::BadgeNeedsOneReport(2)));
    assert!(matches!(render(&[], Format::Html), Err(Error::NoReports)));
}
