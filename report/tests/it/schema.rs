//! Every report this crate reads or produces matches the published schema.

use cnab_report::{merge, Error, RunReport, REPORT_SCHEMA};
use serde_json::Value;

use crate::sample;

fn schema_errors(report: &RunReport) -> Vec<String> {
    let schema: Value = serde_json::from_str(REPORT_SCHEMA).expect("the schema is JSON");
    let validator = jsonschema::draft202012::new(&schema).expect("the schema compiles");
    let instance: Value = serde_json::from_str(&report.to_json()).expect("the report is JSON");
    validator
        .iter_errors(&instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

#[test]
fn every_sample_matches_the_schema() {
    let reports = [
        ("a", sample::runtime_a()),
        ("b", sample::runtime_b()),
        ("synthetic", sample::synthetic(500)),
        ("harness reference", sample::harness_reference()),
        ("harness mutant", sample::harness_mutant()),
        ("empty", sample::empty("x", "1")),
    ];
    for (name, r) in &reports {
        let errors = schema_errors(r);
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
}

#[test]
fn the_schema_rejects_what_the_types_reject() {
    // The check itself must be able to fail: a report with a bad verdict.
    let mut value: Value = serde_json::from_str(&sample::runtime_a().to_json()).unwrap();
    value["cases"][0]["verdict"] = Value::from("maybe");
    let schema: Value = serde_json::from_str(REPORT_SCHEMA).unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    assert!(!validator.is_valid(&value));
    let err = RunReport::from_json(&value.to_string()).unwrap_err();
    assert!(err.to_string().contains("maybe"), "{err}");
}

#[test]
fn round_trips_through_json() {
    for r in [sample::runtime_a(), sample::harness_mutant()] {
        assert_eq!(RunReport::from_json(&r.to_json()).unwrap(), r);
    }
}

#[test]
fn unknown_fields_and_other_formats_are_refused() {
    let mut value: Value = serde_json::from_str(&sample::runtime_a().to_json()).unwrap();
    value["runtime"]["colour"] = Value::from("blue");
    let err = RunReport::from_json(&value.to_string()).unwrap_err();
    assert!(err.to_string().contains("unknown field `colour`"), "{err}");

    value["runtime"].as_object_mut().unwrap().remove("colour");
    value["format"] = Value::from("cnab-conformance-report/2");
    let err = RunReport::from_json(&value.to_string()).unwrap_err();
    assert!(matches!(err, Error::UnsupportedFormat(ref f) if f == "cnab-conformance-report/2"));

    let err = RunReport::from_json("{\"cases\": [").unwrap_err();
    assert!(err.to_string().starts_with("invalid report: "), "{err}");
    assert!(matches!(
        RunReport::from_json("[]"),
        Err(Error::UnsupportedFormat(_))
    ));
}

#[test]
fn recompute_reproduces_the_harness_aggregates() {
    for original in [sample::harness_reference(), sample::harness_mutant()] {
        let mut r = original.clone();
        r.clauses.clear();
        r.totals = Default::default();
        r.recompute();
        assert_eq!(r.clauses, original.clauses);
        assert_eq!(r.totals, original.totals);
    }
    // The mutant's failing case fails some of its clauses and not others.
    let m = sample::harness_mutant();
    assert!(m.count(cnab_model::Verdict::Fail) > 0);
}

#[test]
fn merged_shards_match_the_schema() {
    let r = sample::harness_mutant();
    let (a, b) = r.cases.split_at(r.cases.len() / 2);
    let mut s1 = r.clone();
    s1.cases = a.to_vec();
    s1.recompute();
    let mut s2 = r.clone();
    s2.cases = b.to_vec();
    s2.recompute();
    let merged = merge(&[s1, s2]).unwrap();
    assert!(schema_errors(&merged).is_empty());
}
