//! Pipes, full disks, `-j` and empty shards (docs/hardening.md, "Processes,
//! signals and files").

use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Command, Stdio};

use crate::util::*;

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

/// Runs the binary with this stdout; returns the exit code and stderr.
fn with_stdout(args: &[&str], out: Stdio) -> (Option<i32>, String) {
    let o = Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

#[test]
fn completions_end_quietly_on_a_broken_pipe_and_exit_2_on_a_full_disk() {
    for args in [&["completions", "bash"][..], &["man"][..], &["clauses"][..]] {
        let (code, err) = with_stdout(args, broken_pipe());
        assert_eq!(code, Some(0), "{args:?} | closed: {err}");
        assert!(err.is_empty(), "{args:?}: {err}");
        let (code, err) = with_stdout(args, full());
        assert_eq!(code, Some(2), "{args:?} > /dev/full: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn a_full_stderr_is_exit_2_not_101() {
    let o = Command::new(BIN)
        .args(["/nonexistent/bundle.json"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(full())
        .status()
        .unwrap();
    assert_eq!(o.code(), Some(2));
}

#[test]
fn a_huge_jobs_count_is_capped() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a.json", "{}");
    let r = run(&["-j", "100000", "--format", "json", s(d.path())]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

#[test]
fn an_empty_shard_is_exit_0_with_a_note() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a.json", "{}");
    let codes: Vec<(i32, String)> = ["1/2", "2/2"]
        .iter()
        .map(|p| {
            let r = run(&["--partition", p, s(d.path())]);
            (r.code, r.stderr)
        })
        .collect();
    let empty = codes
        .iter()
        .find(|(_, e)| e.contains("selects none of the files"))
        .expect("one shard is empty");
    assert_eq!(empty.0, 0, "{codes:?}");
}
