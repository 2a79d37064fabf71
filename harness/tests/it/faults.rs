//! Broken adapters: each misbehaviour gives `error` for the case, with a
//! reason, and the run goes on to the next case.

use crate::util::*;
use cnab_model::Verdict;

const INFO: &str = r#"{"protocol":"cnab-conformance-adapter/1","name":"fake","version":"0","spec_versions":["cnab-core-1.1.0","cnab-core-1.2.0","cnab-claims-1.0.0"],"capabilities":["command-driver","custom-actions","claims","outputs","parameter-validation"]}"#;

/// A fake adapter whose `run` does `run_body`; other verbs behave.
fn fake(dir: &std::path::Path, run_body: &str) -> std::path::PathBuf {
    script(
        dir,
        "adapter.sh",
        &format!(
            "verb=\"$1\"\ncat >/dev/null\ncase \"$verb\" in\n  info) echo '{INFO}' ;;\n  run) {run_body} ;;\n  cleanup) echo '{{\"protocol\":\"cnab-conformance-adapter/1\"}}' ;;\n  *) echo '{{\"protocol\":\"cnab-conformance-adapter/1\",\"claims\":[],\"results\":[]}}' ;;\nesac"
        ),
    )
}

/// Runs the `env.` cases against a fake adapter; returns the report.
fn run_fake(run_body: &str, timeout: &str) -> cnab_report::RunReport {
    let d = tempfile::tempdir().unwrap();
    let adapter = fake(d.path(), run_body);
    let report = d.path().join("r.json");
    let out = run_in(
        d.path(),
        &[
            "run",
            "--runtime",
            adapter.to_str().unwrap(),
            "--case",
            "env.",
            "--timeout",
            timeout,
            "--out",
            report.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let r = read_report(&report);
    let selected = cnab_harness::case::load_embedded()
        .unwrap()
        .iter()
        .filter(|c| c.case.id.starts_with("env."))
        .count();
    assert!(selected >= 2);
    assert_eq!(
        r.cases.len(),
        selected,
        "the run goes on after the first broken case"
    );
    for c in &r.cases {
        assert_eq!(c.verdict, Verdict::Error, "{}: {:?}", c.id, c.reason);
    }
    assert!(r.clauses.iter().all(|c| c.verdict == Verdict::Error));
    r
}

fn reasons(r: &cnab_report::RunReport) -> Vec<String> {
    r.cases
        .iter()
        .map(|c| c.reason.clone().unwrap_or_default())
        .collect()
}

#[test]
fn a_crashing_adapter_is_an_error_with_its_stderr() {
    let r = run_fake("echo 'segfault in runtime' >&2; exit 3", "60");
    for reason in reasons(&r) {
        assert!(reason.contains("crashed"), "{reason}");
        assert!(reason.contains("segfault in runtime"), "{reason}");
    }
}

#[test]
fn a_hanging_adapter_is_killed_after_the_timeout() {
    let r = run_fake("sleep 600", "1");
    for reason in reasons(&r) {
        assert!(reason.contains("timed out after 1s"), "{reason}");
    }
}

#[test]
fn garbage_output_is_an_error() {
    let r = run_fake("echo 'this is not json'", "60");
    for reason in reasons(&r) {
        assert!(
            reason.contains("garbage") && reason.contains("not JSON"),
            "{reason}"
        );
    }
}

#[test]
fn partial_output_is_an_error() {
    let r = run_fake(
        "printf '{\"protocol\":\"cnab-conformance-adapter/1\",\"outcome\":\"succ'",
        "60",
    );
    for reason in reasons(&r) {
        assert!(reason.contains("garbage"), "{reason}");
    }
}

#[test]
fn a_wrong_protocol_version_is_an_error() {
    let r = run_fake(
        "echo '{\"protocol\":\"cnab-conformance-adapter/99\",\"outcome\":\"succeeded\"}'",
        "60",
    );
    for reason in reasons(&r) {
        assert!(reason.contains("cnab-conformance-adapter/99"), "{reason}");
    }
}

#[test]
fn exit_0_with_an_error_payload_is_an_error() {
    let r = run_fake(
        "echo '{\"protocol\":\"cnab-conformance-adapter/1\",\"error\":\"porter is not installed\"}'",
        "60",
    );
    for reason in reasons(&r) {
        assert!(
            reason.contains("reported an error: porter is not installed"),
            "{reason}"
        );
    }
}

#[test]
fn a_reply_of_the_wrong_shape_is_an_error() {
    let r = run_fake(
        "echo '{\"protocol\":\"cnab-conformance-adapter/1\",\"outcome\":\"maybe\"}'",
        "60",
    );
    for reason in reasons(&r) {
        assert!(reason.contains("does not match `run`"), "{reason}");
    }
}

#[test]
fn a_broken_info_makes_every_case_an_error() {
    let d = tempfile::tempdir().unwrap();
    let adapter = script(
        d.path(),
        "adapter.sh",
        "cat >/dev/null\necho '{\"protocol\":\"other/2\"}'",
    );
    let report = d.path().join("r.json");
    let out = run_in(
        d.path(),
        &[
            "run",
            "--runtime",
            adapter.to_str().unwrap(),
            "--case",
            "env.",
            "--out",
            report.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let r = read_report(&report);
    assert!(r
        .runtime
        .info_error
        .as_deref()
        .unwrap_or("")
        .contains("other/2"));
    assert!(r.cases.iter().all(|c| c.verdict == Verdict::Error
        && c.reason
            .as_deref()
            .unwrap_or("")
            .contains("adapter `info` failed")));
}

#[test]
fn a_runtime_without_a_capability_gets_skips_not_failures() {
    let d = tempfile::tempdir().unwrap();
    let info = INFO.replace(",\"claims\"", "");
    let adapter = script(
        d.path(),
        "adapter.sh",
        &format!("cat >/dev/null\ncase \"$1\" in info) echo '{info}' ;; *) echo '{{\"protocol\":\"x\"}}' ;; esac"),
    );
    let report = d.path().join("r.json");
    let out = run_in(
        d.path(),
        &[
            "run",
            "--runtime",
            adapter.to_str().unwrap(),
            "--case",
            "claims.valid",
            "--out",
            report.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let r = read_report(&report);
    assert_eq!(r.cases[0].verdict, Verdict::Skip);
    assert!(
        r.cases[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("capability claims"),
        "{:?}",
        r.cases[0].reason
    );
}

#[test]
fn a_missing_adapter_file_cannot_run() {
    let out = run(&["run", "--runtime", "/nonexistent/adapter"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not a file"),
        "{}",
        text(&out)
    );
}

#[test]
fn installations_are_cleaned_up_even_after_an_error() {
    let d = tempfile::tempdir().unwrap();
    let log = d.path().join("verbs.log");
    let adapter = fake(
        d.path(),
        &format!("echo run >> '{}'; exit 3", log.display()),
    );
    // Record every cleanup call too.
    let body = std::fs::read_to_string(&adapter).unwrap().replace(
        "  cleanup) echo",
        &format!("  cleanup) echo cleanup >> '{}'; echo", log.display()),
    );
    std::fs::write(&adapter, body).unwrap();
    let report = d.path().join("r.json");
    let out = run_in(
        d.path(),
        &[
            "run",
            "--runtime",
            adapter.to_str().unwrap(),
            "--case",
            "env.lifecycle",
            "--out",
            report.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let verbs = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        verbs.lines().collect::<Vec<_>>(),
        ["run", "cleanup"],
        "{verbs}"
    );
}

#[test]
fn a_gigantic_reply_is_cut_at_the_cap_and_is_an_error() {
    // 24 MiB of output, more than the 16 MiB the harness reads: the read is
    // bounded, the case is an error, and the run goes on.
    let r = run_fake("head -c 25165824 /dev/zero | tr '\\0' 'x'", "60");
    for reason in reasons(&r) {
        assert!(
            reason.contains("wrote more than 16777216 bytes"),
            "{reason}"
        );
    }
}
