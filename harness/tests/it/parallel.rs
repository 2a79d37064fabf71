//! Cases are independent, so running them in parallel (`-j`) gives the same
//! report as running them one after another, in the same order; a mutant is
//! caught the same way whatever the number of workers; and no run, passing,
//! failing or broken, leaves a temporary directory behind.

use crate::util::*;
use cnab_model::Verdict;

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

/// Runs the binary with `TMPDIR` pointing at `tmp`, so every scratch
/// directory the run makes lands there and can be counted.
fn run_with_tmpdir(cwd: &std::path::Path, tmp: &std::path::Path, args: &[&str]) -> i32 {
    let status = std::process::Command::new(bin())
        .args(args)
        .current_dir(cwd)
        .env("TMPDIR", tmp)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    status.code().unwrap_or(-1)
}

#[test]
fn runs_leave_no_temporary_directory_behind() {
    let d = tempfile::tempdir().unwrap();
    let tmp = d.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let out = d.path().join("r.json");
    // A passing run, a run with failing cases, and an adapter that crashes.
    assert_eq!(
        run_with_tmpdir(
            d.path(),
            &tmp,
            &["run", "-j", "2", "--out", out.to_str().unwrap()]
        ),
        0
    );
    assert_eq!(
        run_with_tmpdir(
            d.path(),
            &tmp,
            &[
                "run",
                "--mutant",
                "drop-defaults",
                "--out",
                out.to_str().unwrap()
            ]
        ),
        1
    );
    let crash = script(d.path(), "crash.sh", "exit 3");
    assert_eq!(
        run_with_tmpdir(
            d.path(),
            &tmp,
            &[
                "run",
                "--runtime",
                crash.to_str().unwrap(),
                "--out",
                out.to_str().unwrap()
            ]
        ),
        1
    );
    let left: Vec<_> = std::fs::read_dir(&tmp)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}
