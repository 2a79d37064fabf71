//! Hardening, round two (docs/hardening.md, "Processes, signals and
//! files"): processes an adapter leaves behind, stop signals, what the
//! suite reads and writes, terminals and pipes.

use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use cnab_model::Verdict;
use wait_timeout::ChildExt;

use crate::util::*;

const INFO: &str = r#"{"protocol":"cnab-conformance-adapter/1","name":"fake","version":"0","spec_versions":["cnab-core-1.1.0","cnab-core-1.2.0","cnab-claims-1.0.0"],"capabilities":["command-driver","custom-actions","claims","outputs","parameter-validation"]}"#;

/// A guard against hangs, not a measurement.
const GUARD: Duration = Duration::from_secs(120);

/// A fake adapter whose `run` does `run_body` (with `$D` the test's
/// directory); other verbs answer at once. `$D/sleeper.sh FILE` writes its
/// pid to FILE and sleeps.
fn fake(dir: &Path, run_body: &str) -> PathBuf {
    script(
        dir,
        "sleeper.sh",
        "echo $$ > \"$1.tmp\"; mv \"$1.tmp\" \"$1\"; exec sleep 600",
    );
    script(
        dir,
        "adapter.sh",
        &format!(
            "D='{}'\nverb=\"$1\"\ncat >/dev/null\ncase \"$verb\" in\n  info) echo '{INFO}' ;;\n  run) {run_body} ;;\n  cleanup) echo '{{\"protocol\":\"cnab-conformance-adapter/1\"}}' ;;\n  *) echo '{{\"protocol\":\"cnab-conformance-adapter/1\",\"claims\":[],\"results\":[]}}' ;;\nesac",
            dir.display()
        ),
    )
}

/// The first embedded case of the `env.` family.
fn one_case() -> String {
    cnab_harness::case::load_embedded()
        .unwrap()
        .iter()
        .map(|c| c.case.id.clone())
        .find(|id| id.starts_with("env."))
        .unwrap()
}

/// Shell that starts `$D/sleeper.sh` in a new session (`setsid`), with
/// `redirect` applied, and waits until its pid is in `$D/pid`.
fn escaped_sleeper(redirect: &str) -> String {
    format!(
        "setsid \"$D/sleeper.sh\" \"$D/pid\" {redirect} &\n    while [ ! -s \"$D/pid\" ]; do sleep 0.05; done"
    )
}

fn pid_in(dir: &Path, name: &str) -> libc::pid_t {
    std::fs::read_to_string(dir.join(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .trim()
        .parse()
        .unwrap()
}

fn gone(pid: libc::pid_t) -> bool {
    cnab_harness::procs::is_gone(pid)
}

fn run_adapter(d: &Path, adapter: &Path, timeout: &str) -> (std::process::Output, PathBuf) {
    let report = d.join("r.json");
    let out = run_in(
        d,
        &[
            "run",
            "--runtime",
            adapter.to_str().unwrap(),
            "--case",
            &one_case(),
            "--timeout",
            timeout,
            "--out",
            report.to_str().unwrap(),
        ],
        b"",
    );
    (out, report)
}

#[test]
fn a_grandchild_in_a_new_session_holding_stdout_does_not_hold_the_run() {
    let d = tempfile::tempdir().unwrap();
    // Without the fix the suite read stdout until the sleeper ended (600 s,
    // past the guard); the timeout (300 s) is not what ends it either.
    let body = format!("{}\n    exit 3", escaped_sleeper(""));
    let adapter = fake(d.path(), &body);
    let (out, report) = run_adapter(d.path(), &adapter, "300");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let r = read_report(&report);
    assert_eq!(r.cases[0].verdict, Verdict::Error);
    assert!(
        gone(pid_in(d.path(), "pid")),
        "the sleeper outlived the run"
    );
}

#[test]
fn a_timeout_ends_a_grandchild_in_a_new_session() {
    let d = tempfile::tempdir().unwrap();
    let body = format!("{}\n    sleep 600", escaped_sleeper(""));
    let adapter = fake(d.path(), &body);
    let (out, report) = run_adapter(d.path(), &adapter, "2");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let r = read_report(&report);
    let reason = r.cases[0].reason.clone().unwrap_or_default();
    assert!(reason.contains("timed out after 2s"), "{reason}");
    assert!(
        gone(pid_in(d.path(), "pid")),
        "the sleeper outlived the run"
    );
}

#[test]
fn children_that_close_their_output_and_clear_their_environment_do_not_outlive_the_run() {
    let d = tempfile::tempdir().unwrap();
    // Double fork, new session, no inherited descriptor, no marker variable:
    // only the subreaper sweep at the end of the run finds it.
    let body = "( env -i PATH=\"$PATH\" setsid \"$D/sleeper.sh\" \"$D/pid\" </dev/null >/dev/null 2>&1 & )\n    while [ ! -s \"$D/pid\" ]; do sleep 0.05; done\n    exit 3";
    let adapter = fake(d.path(), body);
    let (out, _) = run_adapter(d.path(), &adapter, "300");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        gone(pid_in(d.path(), "pid")),
        "the sleeper outlived the run"
    );
}

/// Starts a run whose adapter hangs in `run` (with an escaped grandchild),
/// waits until the first case is in flight, sends `signal`, and checks
/// everything the brief promises.
fn interrupted_by(signal: libc::c_int, name: &str) {
    let d = tempfile::tempdir().unwrap();
    let tmp = d.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let body = format!(
        "echo $$ > \"$D/adapter\"\n    {}\n    sleep 600",
        escaped_sleeper("")
    );
    let adapter = fake(d.path(), &body);
    let report = d.path().join("r.json");
    let mut child: Child = Command::new(bin())
        .args([
            "run",
            "--runtime",
            adapter.to_str().unwrap(),
            "--case",
            "env.",
            "--timeout",
            "300",
            "--out",
            report.to_str().unwrap(),
        ])
        .current_dir(d.path())
        .env("TMPDIR", &tmp)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the first `run` to be in flight (a guard, not a timing).
    let mut waited = Duration::ZERO;
    while !d.path().join("pid").exists() {
        assert!(waited < GUARD, "the adapter never started");
        std::thread::sleep(Duration::from_millis(50));
        waited += Duration::from_millis(50);
    }
    // SAFETY: a signal to our own child.
    unsafe {
        libc::kill(child.id() as libc::pid_t, signal);
    }
    let status = match child.wait_timeout(GUARD).unwrap() {
        Some(s) => s,
        None => {
            let _ = child.kill();
            panic!("the run did not stop on {name}");
        }
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(2), "{name}: {stderr}");
    assert!(
        stderr.contains(&format!("interrupted ({name})")),
        "{stderr}"
    );
    let r = read_report(&report);
    assert_eq!(r.interrupted.as_deref(), Some(name));
    assert!(r.cases.len() >= 2);
    let first = r.cases[0].reason.clone().unwrap_or_default();
    assert_eq!(r.cases[0].verdict, Verdict::Error, "{first}");
    assert!(first.contains(&format!("interrupted ({name})")), "{first}");
    for c in &r.cases[1..] {
        assert_eq!(c.verdict, Verdict::Error);
        assert!(c
            .reason
            .as_deref()
            .unwrap_or("")
            .contains("before this case started"));
    }
    assert!(
        gone(pid_in(d.path(), "adapter")),
        "the adapter outlived the run"
    );
    assert!(
        gone(pid_in(d.path(), "pid")),
        "its grandchild outlived the run"
    );
    let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().collect();
    assert!(left.is_empty(), "scratch left behind: {left:?}");
}

#[test]
fn sigint_stops_the_run_with_a_partial_report() {
    interrupted_by(libc::SIGINT, "SIGINT");
}

#[test]
fn sigterm_stops_the_run_with_a_partial_report() {
    interrupted_by(libc::SIGTERM, "SIGTERM");
}

#[test]
fn sighup_stops_the_run_with_a_partial_report() {
    interrupted_by(libc::SIGHUP, "SIGHUP");
}

fn mkfifo(p: &Path) {
    let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: mkfifo on a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

#[test]
fn named_inputs_must_be_regular_files() {
    let d = tempfile::tempdir().unwrap();
    let zero = d.path().join("zero.json");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let fifo = d.path().join("fifo.json");
    mkfifo(&fifo);
    let (z, f) = (zero.to_str().unwrap(), fifo.to_str().unwrap());
    for args in [
        vec!["report", "render", "--format", "markdown", z],
        vec!["report", "render", "--format", "markdown", f],
        vec!["report", "diff", z, f],
        vec!["report", "merge", f],
        vec!["run", "--case", "env.", "--expected-failures", f],
        vec!["run", "--case", "env.", "--expected-failures", z],
    ] {
        let out = run_in(d.path(), &args, b"");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("not a regular file"), "{args:?}: {err}");
    }
    let cases = d.path().join("cases");
    std::fs::create_dir(&cases).unwrap();
    mkfifo(&cases.join("evil.json"));
    let out = run_in(
        d.path(),
        &["cases", "list", "--cases-dir", cases.to_str().unwrap()],
        b"",
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a regular file"));
}

#[test]
fn out_never_replaces_a_device_or_a_link() {
    let d = tempfile::tempdir().unwrap();
    let case = one_case();
    let out = run_in(
        d.path(),
        &["run", "--case", &case, "--out", "/dev/null"],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());

    let target = d.path().join("runs-a.json");
    std::fs::write(&target, "old").unwrap();
    let link = d.path().join("latest.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out = run_in(
        d.path(),
        &["run", "--case", &case, "--out", link.to_str().unwrap()],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let r = read_report(&target);
    assert_eq!(r.cases.len(), 1);

    // merge --out /dev/stdout writes through to stdout.
    let out = run_in(
        d.path(),
        &[
            "report",
            "merge",
            target.to_str().unwrap(),
            "--out",
            "/dev/stdout",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(cnab_report::RunReport::from_json(&String::from_utf8_lossy(&out.stdout)).is_ok());
}

#[test]
fn an_unwritable_out_stops_the_run_before_it_starts() {
    let d = tempfile::tempdir().unwrap();
    let adapter = fake(d.path(), "touch \"$D/ran\"; exit 3");
    std::fs::write(d.path().join("file"), "").unwrap();
    let out = run_in(
        d.path(),
        &[
            "run",
            "--runtime",
            adapter.to_str().unwrap(),
            "--out",
            d.path().join("file/r.json").to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write the report"));
    assert!(!d.path().join("ran").exists(), "the adapter ran");
}

#[test]
fn runs_without_out_get_distinct_report_names() {
    let d = tempfile::tempdir().unwrap();
    let case = one_case();
    let start = || {
        Command::new(bin())
            .args(["run", "--case", &case])
            .current_dir(d.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    // Two at once, most likely in the same second.
    let (mut a, mut b) = (start(), start());
    for c in [&mut a, &mut b] {
        let s = c.wait_timeout(GUARD).unwrap().expect("the run ends");
        assert_eq!(s.code(), Some(0));
    }
    let names: Vec<_> = std::fs::read_dir(d.path().join("reports/runs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    for n in &names {
        assert_eq!(read_report(n).cases.len(), 1);
    }
}

#[test]
fn observation_files_are_private() {
    let d = tempfile::tempdir().unwrap();
    let file = d.path().join("obs.jsonl");
    cnab_harness::driver::observer::append_record(&file, &Default::default()).unwrap();
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn adapter_stderr_reaches_the_summary_escaped() {
    let d = tempfile::tempdir().unwrap();
    let adapter = fake(
        d.path(),
        "printf 'boom\\033[2J\\033]0;pwned\\007\\n' >&2; exit 3",
    );
    let (out, _) = run_adapter(d.path(), &adapter, "60");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains('\u{7}'),
        "{stdout:?}"
    );
    assert!(stdout.contains("boom\\u{1b}[2J"), "{stdout}");
}

/// A pipe whose read end is already closed: every write gets EPIPE.
fn broken_pipe() -> Stdio {
    let mut fds = [0; 2];
    // SAFETY: pipe fills two descriptors, which we then own.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    drop(unsafe { OwnedFd::from_raw_fd(fds[0]) });
    Stdio::from(unsafe { OwnedFd::from_raw_fd(fds[1]) })
}

fn full() -> Stdio {
    Stdio::from(
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap(),
    )
}

/// Runs `exe args` with the given stdout and stderr; returns the exit code
/// and what reached stderr when it was captured.
fn with_streams(exe: &Path, args: &[&str], out: Stdio, err: Option<Stdio>) -> (i32, String) {
    let mut c = Command::new(exe);
    c.args(args).stdin(Stdio::null()).stdout(out);
    let capture = err.is_none();
    c.stderr(err.unwrap_or_else(Stdio::piped));
    let mut child = c.spawn().unwrap();
    let status = child.wait_timeout(GUARD).unwrap().expect("ends");
    let mut text = String::new();
    if capture {
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut text).unwrap();
    }
    (status.code().unwrap_or(-1), text)
}

#[test]
fn broken_pipes_and_full_disks_never_panic() {
    // cnab-validate has the same test in validator/tests/it/pipes.rs.
    let harness = bin();
    for args in [["clauses"], ["coverage"]] {
        let (code, err) = with_streams(&harness, &args, broken_pipe(), None);
        assert_eq!(code, 0, "{args:?} | closed: {err}");
        assert!(err.is_empty(), "{args:?}: {err}");
        let (code, err) = with_streams(&harness, &args, full(), None);
        assert_eq!(code, 2, "{args:?} > /dev/full: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // A full stderr: the error message cannot be written, the exit is 2.
    let (code, _) = with_streams(
        &harness,
        &[
            "report",
            "render",
            "--format",
            "markdown",
            "/nonexistent.json",
        ],
        Stdio::null(),
        Some(full()),
    );
    assert_eq!(code, 2);
    // A full stderr during a run (progress and notes are written there).
    let d = tempfile::tempdir().unwrap();
    let (code, _) = with_streams(
        &harness,
        &[
            "run",
            "--case",
            &one_case(),
            "--out",
            d.path().join("r.json").to_str().unwrap(),
        ],
        Stdio::null(),
        Some(full()),
    );
    assert_ne!(code, 101);
}

#[test]
fn an_empty_shard_is_not_a_failure() {
    let d = tempfile::tempdir().unwrap();
    // One case, two shards: one of them selects nothing.
    let case = one_case();
    let codes: Vec<(i32, String)> = ["1/2", "2/2"]
        .iter()
        .map(|p| {
            let out = run_in(
                d.path(),
                &[
                    "run",
                    "--case",
                    &case,
                    "--partition",
                    p,
                    "--out",
                    "/dev/null",
                ],
                b"",
            );
            (
                out.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&out.stderr).to_string(),
            )
        })
        .collect();
    assert!(codes.iter().all(|(c, _)| *c == 0), "{codes:?}");
    assert!(
        codes.iter().any(|(_, e)| e.contains("selects no case")),
        "{codes:?}"
    );
}
