//! Running a child process with a timeout and bounded output capture.
//!
//! The child gets its own process group; on timeout the whole group is killed,
//! so a shell script that started helpers does not leave them behind.

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::Duration;

use wait_timeout::ChildExt;

/// What a finished (or killed) child produced.
#[derive(Debug, Clone)]
pub struct Captured {
    /// The exit status; `None` when it was killed after a timeout.
    pub status: Option<ExitStatus>,
    /// The first `cap` bytes of stdout.
    pub stdout: Vec<u8>,
    /// The first `cap` bytes of stderr.
    pub stderr: Vec<u8>,
    /// Whether stdout was longer than `cap`.
    pub stdout_truncated: bool,
    /// Whether the child was killed for running past the timeout.
    pub timed_out: bool,
}

fn drain(mut r: impl Read, cap: usize) -> (Vec<u8>, bool) {
    let mut kept = Vec::new();
    let mut truncated = false;
    let mut buf = [0u8; 8192];
    loop {
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let room = cap.saturating_sub(kept.len());
                if n > room {
                    truncated = true;
                }
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    (kept, truncated)
}

/// Runs `cmd` with `input` on stdin; kills its process group after `timeout`.
pub fn run(
    mut cmd: Command,
    input: &[u8],
    timeout: Duration,
    cap: usize,
) -> std::io::Result<Captured> {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = cmd.spawn()?;
    let pid = child.id() as libc::pid_t;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = input.to_vec();
    let writer = thread::spawn(move || {
        // A child that does not read its input is not an error here.
        let _ = stdin.write_all(&input);
    });
    let out = child.stdout.take().expect("stdout is piped");
    let err = child.stderr.take().expect("stderr is piped");
    let out_reader = thread::spawn(move || drain(out, cap));
    let err_reader = thread::spawn(move || drain(err, cap));
    let mut timed_out = false;
    let status = match child.wait_timeout(timeout)? {
        Some(s) => Some(s),
        None => {
            timed_out = true;
            // SAFETY: killing our own child's process group by its id.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
            let _ = child.kill();
            let _ = child.wait();
            None
        }
    };
    // The group may still hold the pipes after the leader exits; kill it so
    // the readers finish.
    // SAFETY: as above; an already empty group makes this a no-op.
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
    }
    let _ = writer.join();
    let (stdout, stdout_truncated) = out_reader.join().unwrap_or_default();
    let (stderr, _) = err_reader.join().unwrap_or_default();
    Ok(Captured {
        status,
        stdout,
        stderr,
        stdout_truncated,
        timed_out,
    })
}
