//! Cases are independent, so running them in parallel (`-j`) gives the same
//! report as running them one after another, in the same order; a mutant is
//! caught the same way whatever the number of workers.

mod util;

use cnab_model::Verdict;
use util::*;

#[test]
fn parallel_and_sequential_runs_agree_case_by_case() {
    let d = tempfile::tempdir().unwrap();
    let one = d.path().join("one.json");
    let two = d.path().join("two.json");
    let out = run_in(
        d.path(),
        &["run", "-j", "1", "--out", one.to_str().unwrap()],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = run_in(
        d.path(),
        &["run", "-j", "3", "--out", two.to_str().unwrap()],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let (one, two) = (read_report(&one), read_report(&two));
    assert!(one.cases.len() > 10);
    assert_eq!(verdicts(&one), verdicts(&two));
    assert_eq!(one.clauses.len(), two.clauses.len());
}

#[test]
fn a_mutant_is_caught_in_parallel_too() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("m.json");
    let out = run_in(
        d.path(),
        &[
            "run",
            "-j",
            "2",
            "--mutant",
            "drop-defaults",
            "--out",
            path.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = read_report(&path);
    assert!(report.cases.iter().any(|c| c.verdict == Verdict::Fail));
}

#[test]
fn zero_jobs_is_a_usage_error() {
    let d = tempfile::tempdir().unwrap();
    let out = run_in(d.path(), &["run", "-j", "0"], b"");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("--jobs must be at least 1"),
        "{}",
        text(&out)
    );
}
