//! JUnit XML: structure, evidence, and validity against reports/junit/junit.xsd.

use std::path::Path;
use std::process::Command;

use cnab_report::{render, Format, RunReport};

use crate::sample;

const XSD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../reports/junit/junit.xsd");

/// Validates with `xmllint --schema`, or skips (failing in CI) without it.
fn check_xsd(xml: &str) {
    if sample::which("xmllint").is_none() {
        assert!(
            !sample::in_ci(),
            "xmllint is missing and CI=true: run .ci/install-browser"
        );
        eprintln!("skipping the XSD check: xmllint not found (apt-get install libxml2-utils)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.xml");
    std::fs::write(&path, xml).unwrap();
    let out = Command::new("xmllint")
        .args(["--noout", "--schema", XSD])
        .arg(&path)
        .output()
        .expect("xmllint runs");
    assert!(
        out.status.success(),
        "xmllint rejects the XML:\n{}\n{xml}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn junit(reports: &[RunReport]) -> String {
    render(reports, Format::Junit).unwrap()
}

#[test]
fn the_xsd_check_can_fail() {
    if sample::which("xmllint").is_none() {
        eprintln!("skipping: xmllint not found");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.xml");
    std::fs::write(
        &path,
        "<testsuites><testsuite name=\"x\"><testcase/></testsuite></testsuites>",
    )
    .unwrap();
    let out = Command::new("xmllint")
        .args(["--noout", "--schema", XSD])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(Path::new(XSD).is_file());
}

#[test]
fn one_testcase_per_case_grouped_by_clause_family() {
    let r = sample::runtime_a();
    let xml = junit(std::slice::from_ref(&r));
    check_xsd(&xml);
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("name"), Some("cnab-conformance: acme 2.3.1"));
    assert_eq!(root.attribute("tests"), Some("8"));
    // fail and unexpected pass are failures; error is an error.
    assert_eq!(root.attribute("failures"), Some("2"));
    assert_eq!(root.attribute("errors"), Some("1"));

    let suites: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    let names: Vec<_> = suites
        .iter()
        .map(|s| s.attribute("name").unwrap())
        .collect();
    assert_eq!(
        names,
        ["core.actions", "core.credentials", "core.runtime"],
        "suites are the first two segments of each case's first clause"
    );
    let runtime = suites[2];
    assert_eq!(runtime.attribute("tests"), Some("5"));
    assert_eq!(
        runtime.attribute("skipped"),
        Some("1"),
        "the xfail is skipped"
    );

    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), r.cases.len());
    for (tc, case) in cases.iter().zip(
        // Suites are sorted by family, cases keep their order within a family.
        ["core.actions", "core.credentials", "core.runtime"]
            .iter()
            .flat_map(|f| r.cases.iter().filter(move |c| c.clause_family() == *f)),
    ) {
        assert_eq!(tc.attribute("name"), Some(case.id.as_str()));
        assert_eq!(tc.attribute("time"), Some("1.234"));
    }

    let by_name = |n: &str| {
        *cases
            .iter()
            .find(|c| c.attribute("name") == Some(n))
            .unwrap()
    };
    let fail = by_name("params.required-missing")
        .children()
        .find(|n| n.has_tag_name("failure"))
        .expect("a failure element");
    assert_eq!(fail.attribute("type"), Some("fail"));
    assert!(fail
        .attribute("message")
        .unwrap()
        .contains("expected outcome is refused"));
    let text = fail.text().unwrap();
    assert!(
        text.contains("observed outcome succeeded (the image ran)"),
        "{text}"
    );
    assert!(text.contains("adapter stderr:"), "{text}");

    let error = by_name("actions.custom")
        .children()
        .find(|n| n.has_tag_name("error"))
        .unwrap();
    assert_eq!(
        error.attribute("message"),
        Some("the adapter timed out after 60 s")
    );

    let skip = by_name("creds.path-injected")
        .children()
        .find(|n| n.has_tag_name("skipped"))
        .unwrap();
    assert!(skip
        .attribute("message")
        .unwrap()
        .contains("credential-files"));

    let xfail = by_name("outputs.default-written");
    let skipped = xfail
        .children()
        .find(|n| n.has_tag_name("skipped"))
        .unwrap();
    assert!(skipped
        .attribute("message")
        .unwrap()
        .starts_with("expected failure: "));
    let out = xfail
        .children()
        .find(|n| n.has_tag_name("system-out"))
        .unwrap();
    assert!(out.text().unwrap().contains("observed no output greeting"));

    let upass = by_name("env.revision-ulid")
        .children()
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    assert_eq!(upass.attribute("type"), Some("unexpected-pass"));

    assert!(
        by_name("env.action").children().all(|n| !n.is_element()),
        "a pass is empty"
    );
}

#[test]
fn several_runtimes_get_their_own_suites_and_escaping_holds() {
    let xml = junit(&[sample::runtime_a(), sample::runtime_b()]);
    check_xsd(&xml);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let names: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .map(|n| n.attribute("name").unwrap().to_string())
        .collect();
    assert!(
        names.contains(&"acme 2.3.1: core.runtime".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"reference 0.1.0: core.runtime".to_string()),
        "{names:?}"
    );
    let failure = doc
        .descendants()
        .find(|n| {
            n.has_tag_name("testcase")
                && n.attribute("classname") == Some("reference 0.1.0.core.runtime")
                && n.attribute("name") == Some("params.default-used")
        })
        .unwrap()
        .children()
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    assert!(failure
        .text()
        .unwrap()
        .contains("<script>alert(1)</script> & ``` | not set"));
    assert!(!xml.contains("<script>"));
}

#[test]
fn real_harness_reports_render_to_valid_junit() {
    for r in [
        sample::harness_reference(),
        sample::harness_mutant(),
        sample::synthetic(500),
    ] {
        let xml = junit(std::slice::from_ref(&r));
        check_xsd(&xml);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let n = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .count();
        assert_eq!(n, r.cases.len());
        let failures = doc
            .descendants()
            .filter(|n| n.has_tag_name("failure"))
            .count();
        assert_eq!(
            failures,
            r.cases
                .iter()
                .filter(|c| c.verdict == cnab_model::Verdict::Fail)
                .count()
        );
    }
}

#[test]
fn snapshot_of_one_runtime() {
    insta::assert_snapshot!(junit(&[sample::runtime_a()]));
}
