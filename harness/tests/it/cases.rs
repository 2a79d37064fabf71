//! The runtime case files: well formed, unique, naming known clauses; and
//! `cases check` rejects a broken file.

use crate::util::*;

#[test]
fn embedded_cases_load_and_name_known_clauses_and_capabilities() {
    let cases = cnab_harness::case::load_embedded().expect("the case files are valid");
    assert!(cases.len() >= 25, "{}", cases.len());
    let cat = cnab_model::Catalog::embedded();
    let mut ids = std::collections::BTreeSet::new();
    for c in &cases {
        assert!(ids.insert(c.case.id.clone()), "duplicate {}", c.case.id);
        for cl in c.case.clauses() {
            assert!(cat.contains(&cl), "{}: {cl}", c.case.id);
        }
        for cap in c.case.required_capabilities() {
            assert!(
                cnab_harness::adapter::protocol::is_known_capability(&cap),
                "{cap}"
            );
        }
    }
    // The embedded copies are the files on disk.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../cases/runtime");
    let on_disk = cnab_harness::case::read_dir(&dir).unwrap();
    assert_eq!(on_disk, cnab_harness::case::embedded_files());
}

#[test]
fn the_case_schema_is_valid_json_schema() {
    let schema: serde_json::Value = serde_json::from_str(cnab_harness::case::CASE_SCHEMA).unwrap();
    assert!(jsonschema::meta::is_valid(&schema));
}

#[test]
fn cases_check_passes_on_the_repository() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../cases/runtime");
    let out = run(&["cases", "check", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains(": ok"));
}

fn broken(file: &str) -> String {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("broken.json"), file).unwrap();
    let out = run(&["cases", "check", d.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    String::from_utf8_lossy(&out.stderr).to_string()
}

const GOOD_CASE: &str = r#"{"id": "x.one", "description": "d", "spec": "cnab-core-1.2.0",
  "bundle": {"schemaVersion": "v1.2.0", "name": "n", "version": "0.1.0", "invocationImages": [{"image": "{{image}}"}]},
  "steps": [{"action": "install", "expect": [{"check": "outcome", "clauses": ["CLAUSE"], "is": "succeeded"}]}]}"#;

fn file_with(cases: &[String]) -> String {
    format!(
        r#"{{"family": "x", "description": "d", "cases": [{}]}}"#,
        cases.join(",")
    )
}

#[test]
fn cases_check_rejects_an_unknown_clause() {
    let err = broken(&file_with(&[
        GOOD_CASE.replace("CLAUSE", "core.no.such.clause")
    ]));
    assert!(
        err.contains("unknown clause `core.no.such.clause`"),
        "{err}"
    );
    assert!(err.contains("broken.json: case `x.one`"), "{err}");
}

#[test]
fn cases_check_rejects_duplicate_ids() {
    let one = GOOD_CASE.replace("CLAUSE", "core.runtime.builtin_actions");
    let err = broken(&file_with(&[one.clone(), one]));
    assert!(err.contains("duplicate case id"), "{err}");
}

#[test]
fn cases_check_rejects_unknown_capabilities_and_bad_shapes() {
    let c = GOOD_CASE
        .replace("CLAUSE", "core.runtime.builtin_actions")
        .replace(r#""spec""#, r#""requires": ["teleportation"], "spec""#);
    let err = broken(&file_with(&[c]));
    assert!(err.contains("unknown capability `teleportation`"), "{err}");
    let c = GOOD_CASE
        .replace("CLAUSE", "core.runtime.builtin_actions")
        .replace(r#""check": "outcome""#, r#""check": "vibes""#);
    let err = broken(&file_with(&[c]));
    assert!(err.contains("schema"), "{err}");
    let err = broken("{not json");
    assert!(err.contains("not JSON"), "{err}");
}

#[test]
fn cases_check_keeps_setup_out_of_clause_verdicts() {
    // A step that must succeed so the case can go on is a precondition, not
    // a check of `core.runtime.exec.run_tool`: only a check that sees the
    // tool being run may name that clause.
    let err = broken(&file_with(&[
        GOOD_CASE.replace("CLAUSE", "core.runtime.exec.run_tool")
    ]));
    assert!(
        err.contains("`core.runtime.exec.run_tool` needs a check that observes the tool being run"),
        "{err}"
    );
    // A precondition step needs no expectation, but says nothing twice.
    let c = GOOD_CASE
        .replace("CLAUSE", "core.runtime.builtin_actions")
        .replace(
            r#""action": "install","#,
            r#""action": "install", "precondition": true,"#,
        );
    let err = broken(&file_with(&[c]));
    assert!(
        err.contains("a precondition step already needs success"),
        "{err}"
    );
    // A step with no expectation must be a precondition.
    let c = GOOD_CASE.replace(
        r#", "expect": [{"check": "outcome", "clauses": ["CLAUSE"], "is": "succeeded"}]"#,
        "",
    );
    let err = broken(&file_with(&[c]));
    assert!(err.contains("schema"), "{err}");
}

#[test]
fn cases_check_rejects_an_undeclared_output() {
    let c = GOOD_CASE
        .replace("CLAUSE", "core.runtime.builtin_actions")
        .replace(
            r#""action": "install","#,
            r#""action": "install", "image": {"outputs": {"hostnmae": "x"}},"#,
        );
    let err = broken(&file_with(&[c]));
    assert!(err.contains("output `hostnmae` is not declared"), "{err}");
}

/// Bundles are checked as the harness writes them (canonical JSON included).
/// Cases whose bundles break a static rule on purpose, with the clause they
/// break: the runtime's handling of exactly that is what they test.
const DELIBERATELY_INVALID: &[(&str, &str)] = &[
    // 103: a runtime that receives a relative path treats it as rooted.
    ("params.relative-path", "core.parameters.path.absolute"),
    // 101: a runtime refuses a custom action named like a built-in one.
    (
        "actions.builtin-named-custom-refused",
        "core.actions.builtin_not_declared",
    ),
];

#[test]
fn case_bundles_are_valid_bundles_unless_deliberately_not() {
    use cnab_validator::{CanonicalMode, ValidatorBuilder};
    let validator = ValidatorBuilder::new()
        .canonical(CanonicalMode::Auto)
        .build();
    let mut vars = std::collections::BTreeMap::new();
    vars.insert(
        cnab_harness::case::PLACEHOLDER_INSTALLATION,
        "inst".to_string(),
    );
    vars.insert(
        cnab_harness::case::PLACEHOLDER_IMAGE,
        cnab_harness::driver::OBSERVER_IMAGE.to_string(),
    );
    vars.insert(
        cnab_harness::case::PLACEHOLDER_DIGEST,
        cnab_harness::driver::observer_digest(),
    );
    let mut problems = Vec::new();
    for lc in cnab_harness::case::load_embedded().unwrap() {
        let case = cnab_harness::case::instantiate(&lc.case, &vars);
        let bundles = std::iter::once(&case.bundle)
            .chain(case.steps.iter().filter_map(|s| s.bundle.as_ref()));
        for b in bundles {
            let bytes = serde_json::to_vec(b).unwrap();
            let report = validator.check(&case.id, &bytes);
            for f in report
                .findings
                .iter()
                .filter(|f| f.level == cnab_model::Level::Must)
            {
                if !DELIBERATELY_INVALID.contains(&(case.id.as_str(), f.clause.as_str())) {
                    problems.push(format!(
                        "{}: {} {} at {}",
                        case.id, f.clause, f.message, f.pointer
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn cases_check_rejects_a_bundle_of_another_spec_version() {
    let c = GOOD_CASE
        .replace("CLAUSE", "core.runtime.builtin_actions")
        .replace("cnab-core-1.2.0", "cnab-core-1.1.0");
    let err = broken(&file_with(&[c]));
    assert!(err.contains("does not match the case's spec"), "{err}");
}

#[test]
fn probe_checks_need_the_docker_driver_and_a_missing_path_has_no_mode() {
    let c = GOOD_CASE.replace(
        r#"{"check": "outcome", "clauses": ["CLAUSE"], "is": "succeeded"}"#,
        r#"{"check": "probe_file", "clauses": ["core.runtime.mount.bundle_json"], "path": "/cnab/x", "kind": "missing", "mode": "0600"}"#,
    );
    let err = broken(&file_with(&[c]));
    assert!(err.contains("a missing path has no mode"), "{err}");
    let c = GOOD_CASE.replace(
        r#"{"check": "outcome", "clauses": ["CLAUSE"], "is": "succeeded"}"#,
        r#"{"check": "probe_file", "clauses": ["core.runtime.mount.bundle_json"], "path": "/cnab/x", "mode": "rw-------"}"#,
    );
    let err = broken(&file_with(&[c]));
    assert!(err.contains("schema"), "{err}");
    let ok = GOOD_CASE.replace(
        r#"{"check": "outcome", "clauses": ["CLAUSE"], "is": "succeeded"}"#,
        r#"{"check": "probe_env", "clauses": ["core.runtime.env.CNAB_ACTION"], "name": "CNAB_ACTION", "equals": "install"}"#,
    );
    let loaded = cnab_harness::case::load(&[("x.json".to_string(), file_with(&[ok]))]).unwrap();
    let caps = loaded[0].case.required_capabilities_with("docker-driver");
    assert!(caps.contains(&"docker-driver".to_string()), "{caps:?}");
    assert!(!caps.contains(&"command-driver".to_string()), "{caps:?}");
    let caps = loaded[0].case.required_capabilities();
    assert!(caps.contains(&"docker-driver".to_string()), "{caps:?}");
    assert!(caps.contains(&"command-driver".to_string()), "{caps:?}");
}

#[test]
fn cases_check_covers_the_document_cases_and_rejects_a_broken_one() {
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../cases/documents");
    let out = run(&["cases", "check", "--documents", docs.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("document cases: "),
        "{}",
        text(&out)
    );

    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("doc.json"), "{\"name\": ").unwrap();
    std::fs::write(
        d.path().join("doc.case.json"),
        r#"{"id":"doc.broken.truncated","description":"a truncated document called clean","document":"doc.json","expect":{"clauses":[]}}"#,
    )
    .unwrap();
    let out = run(&["cases", "check", "--documents", d.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "doc.case.json: the document is not JSON, so the case must expect at least one clause"
        ),
        "{err}"
    );
}

#[test]
fn cases_check_rejects_a_claims_clause_in_a_case_that_does_not_require_claims() {
    // An env check may name a claim.* clause only where `claims` is required.
    let c = GOOD_CASE.replace("CLAUSE", "claim.env.CNAB_ACTION");
    let err = broken(&file_with(std::slice::from_ref(&c)));
    assert!(
        err.contains(
            "names Claims clause `claim.env.CNAB_ACTION` in a case that does not require `claims`"
        ),
        "{err}"
    );
    // Declared in `requires`, or implied by a claim check, it is fine.
    let declared = c.replace(r#""spec""#, r#""requires": ["claims"], "spec""#);
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("ok.json"), file_with(&[declared])).unwrap();
    let out = run(&["cases", "check", d.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let implied = GOOD_CASE
        .replace("CLAUSE", "core.runtime.failure.propagate")
        .replace(
            r#""is": "succeeded"}"#,
            r#""is": "succeeded"}, {"check": "claim_schema", "clauses": ["claim.schema"]}"#,
        );
    std::fs::write(d.path().join("ok.json"), file_with(&[implied])).unwrap();
    let out = run(&["cases", "check", d.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn cases_check_wants_one_clause_per_claim_rule() {
    let c = GOOD_CASE.replace("CLAUSE", "core.runtime.failure.propagate").replace(
        r#""is": "succeeded"}"#,
        r#""is": "succeeded"}, {"check": "claim_id_ulid", "clauses": ["claim.id.ulid", "claim.schema"]}"#,
    );
    let err = broken(&file_with(&[c]));
    assert!(
        err.contains("`the claim id is a ULID` must name exactly `claim.id.ulid`"),
        "{err}"
    );
}
