//! The example reports under `reports/examples/` are current: their renderings
//! are exactly what the renderers make of the committed JSON reports, and the
//! committed reports have the verdicts a fresh run gives. Regenerate them with
//! `reports/examples/generate`.

use std::path::{Path, PathBuf};

use crate::util::*;
use cnab_model::Verdict;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../reports/examples")
}

fn render(format: &str, reports: &[&str]) -> String {
    let mut args = vec!["report", "render", "--format", format];
    let paths: Vec<String> = reports
        .iter()
        .map(|r| examples().join(r).to_string_lossy().to_string())
        .collect();
    args.extend(paths.iter().map(String::as_str));
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    String::from_utf8(out.stdout).unwrap()
}

fn committed(name: &str) -> String {
    std::fs::read_to_string(examples().join(name))
        .unwrap_or_else(|e| panic!("{name}: {e}; run reports/examples/generate"))
}

#[test]
fn committed_renderings_match_the_committed_reports() {
    let stale = "is stale: run reports/examples/generate";
    assert!(
        render("markdown", &["reference.json"]) == committed("reference.md"),
        "reference.md {stale}"
    );
    assert!(
        render("markdown", &["mutant-drop-defaults.json"]) == committed("mutant-drop-defaults.md"),
        "mutant-drop-defaults.md {stale}"
    );
    assert!(
        render("html", &["reference.json", "mutant-drop-defaults.json"])
            == committed("side-by-side.html"),
        "side-by-side.html {stale}"
    );
    assert!(
        render("junit", &["mutant-drop-defaults.json"])
            == committed("mutant-drop-defaults.junit.xml"),
        "mutant-drop-defaults.junit.xml {stale}"
    );
    assert!(
        render("badge", &["reference.json"]) == committed("reference.badge.json"),
        "reference.badge.json {stale}"
    );
}

#[test]
fn committed_reports_have_the_verdicts_of_a_fresh_run() {
    let d = tempfile::tempdir().unwrap();
    for (name, extra) in [
        ("reference.json", vec![]),
        (
            "mutant-drop-defaults.json",
            vec!["--mutant", "drop-defaults"],
        ),
    ] {
        let fresh = d.path().join(name);
        let mut args = vec!["run", "--out", fresh.to_str().unwrap()];
        args.extend(extra);
        let out = run_in(d.path(), &args, b"");
        assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
        let fresh = read_report(&fresh);
        let old = read_report(&examples().join(name));
        assert_eq!(
            verdicts(&old),
            verdicts(&fresh),
            "{name} is stale: run reports/examples/generate"
        );
        assert_eq!(old.suite_version, fresh.suite_version, "{name}");
    }
    let reference = read_report(&examples().join("reference.json"));
    assert!(reference.cases.iter().all(|c| c.verdict == Verdict::Pass
        || c.reason.as_deref() == Some("runtime does not declare capability docker-driver")));
    let mutant = read_report(&examples().join("mutant-drop-defaults.json"));
    assert!(mutant.cases.iter().any(|c| c.verdict == Verdict::Fail));
}
