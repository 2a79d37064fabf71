//! Golden test: the JSON report of `cnab-conformance run` (built-in reference
//! runtime, command driver) is byte-identical to the committed one once the
//! fields that change from run to run are redacted. It was written before the
//! harness was restructured, to prove the move changed no behaviour; any
//! intended change of verdicts or evidence shows up here as a reviewed diff.
//!
//! `GOLDEN_UPDATE=1 cargo test -p cnab-harness --test it golden` rewrites the file.

use crate::util::*;

/// Replaces what differs between two runs of the same suite: timestamps and
/// durations, the random suffix of installation names, and ULIDs (revisions,
/// claim IDs).
fn redact(report: &str) -> String {
    let mut value: serde_json::Value = serde_json::from_str(report).expect("report is JSON");
    let mut installations = Vec::new();
    let obj = value.as_object_mut().expect("report is an object");
    obj.insert("started".into(), "<time>".into());
    obj.insert("finished".into(), "<time>".into());
    for case in obj["cases"].as_array_mut().expect("cases") {
        case["duration_ms"] = 0.into();
        for step in case["steps"].as_array().into_iter().flatten() {
            if let Some(name) = step["installation"].as_str() {
                installations.push(name.to_string());
            }
        }
    }
    let mut text = serde_json::to_string_pretty(&value).unwrap();
    installations.sort_by_key(|n| std::cmp::Reverse(n.len()));
    for name in installations {
        if let Some((stem, _suffix)) = name.rsplit_once('-') {
            text = text.replace(&name, &format!("{stem}-<suffix>"));
        }
    }
    redact_ulids(&text) + "\n"
}

/// Every run of exactly 26 Crockford base-32 characters starting with `0`
/// (a ULID of this century) becomes `<ULID>`.
fn redact_ulids(text: &str) -> String {
    let is_crockford =
        |c: char| c.is_ascii_digit() || (c.is_ascii_uppercase() && !"ILOU".contains(c));
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.len() == 26 && word.starts_with('0') {
            out.push_str("<ULID>");
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if is_crockford(c) {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[test]
fn reference_run_report_is_unchanged() {
    let d = tempfile::tempdir().unwrap();
    let out_path = d.path().join("report.json");
    let out = run_in(d.path(), &["run", "--out", out_path.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let actual = redact(&std::fs::read_to_string(&out_path).unwrap());
    let golden =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/run-reference.json");
    if std::env::var_os("GOLDEN_UPDATE").is_some() {
        std::fs::write(&golden, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&golden).expect("the golden report is committed");
    if actual != expected {
        let diff = similar::TextDiff::from_lines(&expected, &actual)
            .unified_diff()
            .header("golden", "actual")
            .to_string();
        panic!("the run report changed (GOLDEN_UPDATE=1 rewrites it after review):\n{diff}");
    }
}

#[test]
fn ulid_redaction_touches_only_ulids() {
    assert_eq!(
        redact_ulids("claim 01M8R6XWFJ8PRD18C32FAH0HMM for install"),
        "claim <ULID> for install"
    );
    // 25 or 27 characters, or a lowercase word, are left alone.
    assert_eq!(
        redact_ulids("01M8R6XWFJ8PRD18C32FAH0HM"),
        "01M8R6XWFJ8PRD18C32FAH0HM"
    );
    assert_eq!(
        redact_ulids("01M8R6XWFJ8PRD18C32FAH0HMMM"),
        "01M8R6XWFJ8PRD18C32FAH0HMMM"
    );
    assert_eq!(redact_ulids("CNAB_REVISION"), "CNAB_REVISION");
}
