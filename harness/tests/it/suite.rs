//! End-to-end runs of the suite: the reference passes everything, through the
//! built-in adapter and through the protocol; mutants are caught; reports
//! match their schema.

use crate::util::*;
use cnab_model::Verdict;

#[test]
fn run_on_a_clean_checkout_passes_every_case() {
    let d = tempfile::tempdir().unwrap();
    let out = run_in(d.path(), &["run"], b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // With no --out, the report goes to reports/runs/<time>-<runtime>.json.
    let runs: Vec<_> = std::fs::read_dir(d.path().join("reports/runs"))
        .expect("reports/runs is created")
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(runs.len(), 1, "{runs:?}");
    let name = runs[0].file_name().unwrap().to_string_lossy().to_string();
    assert!(name.ends_with("-reference.json"), "{name}");
    let report = read_report(&runs[0]);
    let cases = cnab_harness::case::load_embedded().unwrap();
    assert_eq!(report.cases.len(), cases.len());
    // Cases that need the Docker driver are skipped, with the reason; every
    // other case passes.
    let docker_only = |id: &str| {
        cases.iter().any(|c| {
            c.case.id == id
                && c.case
                    .required_capabilities()
                    .contains(&"docker-driver".to_string())
        })
    };
    let skipped = cases.iter().filter(|c| docker_only(&c.case.id)).count();
    assert!(skipped > 0);
    for c in &report.cases {
        if docker_only(&c.id) {
            assert_eq!(c.verdict, Verdict::Skip, "{}", c.id);
            assert_eq!(
                c.reason.as_deref(),
                Some("runtime does not declare capability docker-driver")
            );
        } else {
            assert_eq!(c.verdict, Verdict::Pass, "{}: {:?}", c.id, c.reason);
            assert!(!c.steps.is_empty(), "{}", c.id);
        }
    }
    assert!(report
        .clauses
        .iter()
        .all(|c| matches!(c.verdict, Verdict::Pass | Verdict::Skip)));
    let passed = cases.len() - skipped;
    assert_eq!(report.totals.cases.get(&Verdict::Pass), Some(&passed));
    assert_eq!(report.runtime.name, "reference");
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        summary.contains(&format!(
            "cases: {} ({passed} pass, {skipped} skip)",
            cases.len()
        )),
        "{summary}"
    );
}

#[test]
fn the_reference_passes_through_the_external_protocol_too() {
    let d = tempfile::tempdir().unwrap();
    let exe = bin();
    let report_path = d.path().join("ext.json");
    let out = run_in(
        d.path(),
        &[
            "run",
            "--runtime",
            exe.to_str().unwrap(),
            "--runtime-arg",
            "adapter",
            "--runtime-arg",
            "reference",
            "--out",
            report_path.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = read_report(&report_path);
    assert!(
        report.runtime.adapter.contains("adapter reference"),
        "{}",
        report.runtime.adapter
    );
    assert!(report.cases.iter().all(|c| c.verdict == Verdict::Pass
        || c.reason.as_deref() == Some("runtime does not declare capability docker-driver")));
}

#[test]
fn a_mutant_fails_the_cases_for_its_clause_and_exits_1() {
    let d = tempfile::tempdir().unwrap();
    let report_path = d.path().join("m.json");
    let out = run_in(
        d.path(),
        &[
            "run",
            "--mutant",
            "drop-defaults",
            "--clause",
            "core.runtime.params",
            "--out",
            report_path.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = read_report(&report_path);
    let case = report
        .cases
        .iter()
        .find(|c| c.id == "params.default-used")
        .unwrap();
    assert_eq!(case.verdict, Verdict::Fail);
    let failed: Vec<_> = case
        .steps
        .iter()
        .flat_map(|s| &s.expectations)
        .filter(|e| e.verdict == cnab_report::ExpectationVerdict::Fail)
        .collect();
    assert!(
        failed.iter().any(|e| e
            .clauses
            .contains(&"core.runtime.params.default_used".to_string())
            && e.observed.contains("\"\"")),
        "{failed:#?}"
    );
    let clause = report
        .clauses
        .iter()
        .find(|c| c.id == "core.runtime.params.default_used")
        .unwrap();
    assert_eq!(clause.verdict, Verdict::Fail);
    // The summary names the failing case with its evidence.
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        summary.contains("fail            params.default-used"),
        "{summary}"
    );
}

#[test]
fn filters_select_cases_and_an_empty_selection_exits_2() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("f.json");
    let out = run_in(
        d.path(),
        &["run", "--case", "creds.", "--out", p.to_str().unwrap()],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = read_report(&p);
    assert!(!report.cases.is_empty());
    assert!(report.cases.iter().all(|c| c.id.starts_with("creds.")));
    let out = run_in(
        d.path(),
        &[
            "run",
            "--case",
            "no-such-case",
            "--out",
            p.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no case matches"),
        "{}",
        text(&out)
    );
}

#[test]
fn selftest_kills_every_mutant() {
    let out = run(&["selftest"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let s = String::from_utf8_lossy(&out.stdout);
    // Without `--driver docker` the mutants only Docker can show are left out.
    let n = cnab_harness::selftest::default_mutants(false).len();
    assert!(n < cnab_harness::adapter::reference::Mutant::ALL.len());
    assert!(s.contains(&format!("mutation score: {n}/{n}")), "{s}");
    assert!(!s.contains("SURVIVED"), "{s}");
}

#[test]
fn selftest_reports_a_survivor_when_no_case_checks_the_clause() {
    // Run the self-test over a case directory holding only the outputs family:
    // mutants of other families then have no case and must be reported.
    let cases = cnab_harness::case::load_embedded().unwrap();
    let outputs: Vec<_> = cases
        .into_iter()
        .filter(|c| c.family == "outputs")
        .collect();
    let st = cnab_harness::selftest::run_selftest(
        &outputs,
        bin(),
        std::time::Duration::from_secs(60),
        &[
            cnab_harness::adapter::reference::Mutant::NoOutputDefaults,
            cnab_harness::adapter::reference::Mutant::DropDefaults,
        ],
        false,
    )
    .unwrap();
    assert!(!st.is_success());
    assert_eq!(st.score(), (1, 2));
    assert!(
        st.summary().contains("SURVIVED  drop-defaults"),
        "{}",
        st.summary()
    );
}

#[test]
fn coverage_lists_covered_and_uncovered_runtime_clauses() {
    let out = run(&["coverage"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("core.runtime.params.default_used"), "{s}");
    assert!(s.contains("no case"), "{s}");
    assert!(s.contains("runtime clauses have cases"), "{s}");
}

#[test]
fn clauses_lists_the_catalog() {
    let out = run(&["clauses", "--kind", "runtime", "--level", "should"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("core.runtime.revision.ulid"), "{s}");
    assert!(!s.contains("core.runtime.params.default_used"), "{s}");
    let out = run(&["clauses", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v.as_array().unwrap().len(),
        cnab_model::Catalog::embedded().clauses().len()
    );
}

#[test]
fn expected_failures_turn_fail_into_xfail_and_pass_into_unexpected_pass() {
    let d = tempfile::tempdir().unwrap();
    let list = d.path().join("xfail.toml");
    std::fs::write(
        &list,
        "[[expected]]\nid = \"params.default-used\"\nreason = \"defaults are dropped (issue 12)\"\n\n[[expected]]\nid = \"outputs.collected\"\nreason = \"not in this run: ignored\"\n",
    )
    .unwrap();
    let p = d.path().join("x.json");
    let args = |mutant: Option<&str>| {
        let mut a = vec![
            "run",
            "--case",
            "params.default-used",
            "--expected-failures",
            list.to_str().unwrap(),
            "--out",
            p.to_str().unwrap(),
        ];
        if let Some(m) = mutant {
            a.extend(["--mutant", m]);
        }
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let a = args(Some("drop-defaults"));
    let out = run_in(
        d.path(),
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let r = read_report(&p);
    assert_eq!(r.cases[0].verdict, Verdict::Xfail);
    assert!(
        r.cases[0].reason.as_deref().unwrap().contains("issue 12"),
        "{:?}",
        r.cases[0].reason
    );
    assert!(r.clauses.iter().any(|c| c.verdict == Verdict::Xfail));
    let a = args(None);
    let out = run_in(
        d.path(),
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
        b"",
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(read_report(&p).cases[0].verdict, Verdict::UnexpectedPass);
    std::fs::write(
        &list,
        "[[expected]]\nid = \"no.such.case\"\nreason = \"typo\"\n",
    )
    .unwrap();
    let out = run_in(
        d.path(),
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
        b"",
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no.such.case"),
        "{}",
        text(&out)
    );
}

#[test]
fn shards_partition_the_cases_and_merge_back() {
    let d = tempfile::tempdir().unwrap();
    let mut shards = Vec::new();
    for k in 1..=3 {
        let p = d.path().join(format!("s{k}.json"));
        let part = format!("hash:{k}/3");
        let out = run_in(
            d.path(),
            &["run", "--partition", &part, "--out", p.to_str().unwrap()],
            b"",
        );
        // A shard may be empty; that run cannot happen (exit 2).
        if out.status.code() == Some(2) {
            continue;
        }
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        shards.push(p);
    }
    let ids: Vec<String> = shards
        .iter()
        .flat_map(|p| read_report(p).cases.into_iter().map(|c| c.id))
        .collect();
    let all = cnab_harness::case::load_embedded().unwrap();
    assert_eq!(ids.len(), all.len(), "every case runs in exactly one shard");
    let merged = d.path().join("merged.json");
    let mut args = vec!["report", "merge"];
    let names: Vec<String> = shards.iter().map(|p| p.display().to_string()).collect();
    args.extend(names.iter().map(String::as_str));
    args.extend(["--out", merged.to_str().unwrap()]);
    let out = run_in(d.path(), &args, b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(read_report(&merged).cases.len(), all.len());
    let out = run(&["run", "--partition", "hash:4/3"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    // `k/n` is the same shard as `hash:k/n`, as in cnab-validate.
    let plain = d.path().join("plain.json");
    let out = run_in(
        d.path(),
        &[
            "run",
            "--partition",
            "2/3",
            "--out",
            plain.to_str().unwrap(),
        ],
        b"",
    );
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", text(&out));
    let ids = |p: &std::path::Path| -> Vec<String> {
        read_report(p).cases.into_iter().map(|c| c.id).collect()
    };
    assert_eq!(ids(&plain), ids(&d.path().join("s2.json")));
}

#[test]
fn report_render_and_diff() {
    let d = tempfile::tempdir().unwrap();
    let good = d.path().join("good.json");
    let bad = d.path().join("bad.json");
    run_in(
        d.path(),
        &["run", "--case", "params.", "--out", good.to_str().unwrap()],
        b"",
    );
    run_in(
        d.path(),
        &[
            "run",
            "--case",
            "params.",
            "--mutant",
            "drop-defaults",
            "--out",
            bad.to_str().unwrap(),
        ],
        b"",
    );
    for (format, needle) in [
        ("junit", "<testsuites"),
        ("markdown", "params.default-used"),
        ("html", "<html"),
        ("badge", "schemaVersion"),
    ] {
        let out = run(&[
            "report",
            "render",
            "--format",
            format,
            bad.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(needle),
            "{format}: {}",
            text(&out)
        );
    }
    let out = run(&[
        "report",
        "diff",
        good.to_str().unwrap(),
        bad.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("params.default-used"),
        "{}",
        text(&out)
    );
    let out = run(&[
        "report",
        "diff",
        bad.to_str().unwrap(),
        good.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = run(&[
        "report",
        "render",
        "--format",
        "pdf",
        good.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

#[test]
fn cases_dir_runs_another_directory_and_schema_prints_the_formats() {
    let d = tempfile::tempdir().unwrap();
    let src =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../cases/runtime/outputs.json");
    std::fs::copy(&src, d.path().join("only.json")).unwrap();
    let p = d.path().join("o.json");
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
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let r = read_report(&p);
    assert!(!r.cases.is_empty());
    assert!(r.cases.iter().all(|c| c.family == "outputs"));
    for (which, expected) in [
        ("report", cnab_report::REPORT_SCHEMA),
        ("case", cnab_harness::case::CASE_SCHEMA),
    ] {
        let out = run(&["schema", which]);
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
    }
}

#[test]
fn reports_are_readable_by_the_renderers() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("r.json");
    let out = run_in(
        d.path(),
        &[
            "run",
            "--mutant",
            "drop-defaults",
            "--case",
            "params.",
            "--out",
            p.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let text = std::fs::read_to_string(&p).unwrap();
    let report = cnab_report::RunReport::from_json(&text).expect("cnab-report reads the report");
    let junit = cnab_report::render(&[report], cnab_report::Format::Junit).unwrap();
    assert!(junit.contains("params.default-used"), "{junit}");
    assert!(junit.contains("<failure"), "{junit}");
}

/// The claims cases run against a mutant, with the report read back.
fn claims_run(mutant: &str) -> (Option<i32>, cnab_report::RunReport) {
    let d = tempfile::tempdir().unwrap();
    let report_path = d.path().join("r.json");
    let out = run_in(
        d.path(),
        &[
            "run",
            "--mutant",
            mutant,
            "--case",
            "claims.",
            "--out",
            report_path.to_str().unwrap(),
        ],
        b"",
    );
    (out.status.code(), read_report(&report_path))
}

#[test]
fn a_declared_core_claims_model_is_judged_by_its_rules_and_skips_the_newer_ones() {
    let (code, report) = claims_run("core-claims-model");
    assert_eq!(code, Some(0));
    let exps: Vec<_> = report
        .cases
        .iter()
        .flat_map(|c| c.steps.iter().flat_map(|s| &s.expectations))
        .collect();
    use cnab_report::ExpectationVerdict as E;
    assert!(exps.iter().all(|e| e.verdict != E::Fail), "{exps:#?}");
    // The schema of Core 1.0.0 is judged; the id rule it lacks is skipped.
    let schema = exps.iter().find(|e| e.clauses == ["claim.schema"]).unwrap();
    assert_eq!(schema.verdict, E::Pass, "{schema:?}");
    let id = exps
        .iter()
        .find(|e| e.clauses == ["claim.id.ulid"])
        .unwrap();
    assert_eq!(id.verdict, E::Skip);
    assert!(id.observed.contains("cnab-core-1.0.0"), "{id:?}");
    let clause = |id: &str| report.clauses.iter().find(|c| c.id == id).unwrap().verdict;
    assert_eq!(clause("claim.env.CNAB_CLAIMS_VERSION"), Verdict::Skip);
    assert_eq!(clause("claim.result.status.from_exit"), Verdict::Pass);
}

#[test]
fn the_same_claims_undeclared_fail_only_claims_rules() {
    let (code, report) = claims_run("undeclared-core-claims-model");
    assert_eq!(code, Some(1));
    let failed: Vec<&String> = report
        .clauses
        .iter()
        .filter(|c| c.verdict == Verdict::Fail)
        .map(|c| &c.id)
        .collect();
    assert!(failed.contains(&&"claim.schema".to_string()), "{failed:?}");
    assert!(failed.iter().all(|c| c.starts_with("claim.")), "{failed:?}");
}
