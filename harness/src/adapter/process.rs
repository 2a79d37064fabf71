//! Running a child process with a timeout and bounded output capture.
//!
//! The child gets its own process group and a marker variable unique to the
//! call ([`crate::procs::ENV_CALL`]). When the child exits, times out or the
//! run is stopped ([`crate::stop`]), its group is killed, and so is every
//! process that carries the marker or holds one of the call's pipes, even in
//! another session (`setsid cmd &`). Output is read with a deadline, the
//! call's timeout: a pipe kept open by a process that could not be killed
//! never holds the suite past it.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::process::CommandExt;
use std::process::{ChildStderr, ChildStdout, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use wait_timeout::ChildExt;

use crate::procs;

/// What a finished (or killed) child produced.
#[derive(Debug, Clone)]
pub struct Captured {
    /// The exit status; `None` when it was killed after a timeout or a stop.
    pub status: Option<ExitStatus>,
    /// The first `cap` bytes of stdout.
    pub stdout: Vec<u8>,
    /// The first `cap` bytes of stderr.
    pub stderr: Vec<u8>,
    /// Whether stdout was longer than `cap`.
    pub stdout_truncated: bool,
    /// Whether the child was killed for running past the timeout.
    pub timed_out: bool,
    /// The stop signal that ended the call ([`crate::stop::requested`]).
    pub interrupted: Option<&'static str>,
}

/// How often the wait looks at the stop flag.
const STOP_POLL: Duration = Duration::from_millis(100);

/// Reads both pipes until both end or `deadline` passes; after the
/// deadline, only what is already buffered is taken (a bounded number of
/// reads, so a writer that could not be killed cannot keep it going).
fn drain(
    out: ChildStdout,
    err: ChildStderr,
    cap: usize,
    deadline: Instant,
) -> [(Vec<u8>, bool); 2] {
    const AFTER_DEADLINE: usize = 64;
    let raw = [out.as_raw_fd(), err.as_raw_fd()];
    let mut pipes: [Option<Box<dyn Read>>; 2] = [Some(Box::new(out)), Some(Box::new(err))];
    let mut kept: [(Vec<u8>, bool); 2] = Default::default();
    let mut buf = [0u8; 8192];
    let mut late_reads = 0;
    loop {
        let open: Vec<usize> = (0..2).filter(|&i| pipes[i].is_some()).collect();
        if open.is_empty() {
            break;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            late_reads += 1;
            if late_reads > AFTER_DEADLINE {
                break;
            }
        }
        let wait_ms = left.as_millis().min(1000) as libc::c_int;
        let mut fds: Vec<libc::pollfd> = open
            .iter()
            .map(|&i| libc::pollfd {
                fd: raw[i],
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        // SAFETY: `fds` is a valid array of pollfd for its length, and the
        // descriptors stay open while `pipes` holds them.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, wait_ms) };
        if n < 0 {
            if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            break;
        }
        if n == 0 {
            if left.is_zero() {
                break;
            }
            continue;
        }
        for (&slot, pfd) in open.iter().zip(&fds) {
            if pfd.revents == 0 {
                continue;
            }
            let Some(r) = pipes[slot].as_mut() else {
                continue;
            };
            match r.read(&mut buf) {
                Ok(0) => pipes[slot] = None,
                Ok(n) => {
                    let (v, truncated) = &mut kept[slot];
                    let room = cap.saturating_sub(v.len());
                    if n > room {
                        *truncated = true;
                    }
                    v.extend_from_slice(&buf[..n.min(room)]);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => pipes[slot] = None,
            }
        }
    }
    kept
}

/// Runs `cmd` with `input` on stdin; kills its process group, and whatever
/// escaped it, after `timeout` or when the run is stopped.
pub fn run(
    mut cmd: Command,
    input: &[u8],
    timeout: Duration,
    cap: usize,
) -> std::io::Result<Captured> {
    if let Some(sig) = crate::stop::requested() {
        return Ok(Captured {
            status: None,
            stdout: Vec::new(),
            stderr: Vec::new(),
            stdout_truncated: false,
            timed_out: false,
            interrupted: Some(sig),
        });
    }
    let token = procs::call_token();
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env(procs::ENV_CALL, &token)
        .process_group(0);
    let started = Instant::now();
    let deadline = started + timeout;
    let mut child = procs::spawn(&mut cmd)?;
    let pid = child.id() as libc::pid_t;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let out = child.stdout.take().expect("stdout is piped");
    let err = child.stderr.take().expect("stderr is piped");
    // The ends that matter in another process: whoever writes the child's
    // stdout or stderr, or reads its stdin.
    let pipes: BTreeMap<String, libc::c_int> = [
        (procs::pipe_link(stdin.as_fd()), libc::O_RDONLY),
        (procs::pipe_link(out.as_fd()), libc::O_WRONLY),
        (procs::pipe_link(err.as_fd()), libc::O_WRONLY),
    ]
    .into_iter()
    .filter_map(|(link, mode)| Some((link?, mode)))
    .collect();
    let input = input.to_vec();
    // Not joined: a process that holds stdin without reading it is killed
    // below, which ends the write with a broken pipe.
    thread::spawn(move || {
        // A child that does not read its input is not an error here.
        let _ = stdin.write_all(&input);
    });
    let reader = thread::spawn(move || drain(out, err, cap, deadline));
    let mut timed_out = false;
    let mut interrupted = None;
    let status = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if let Some(s) = child.wait_timeout(left.min(STOP_POLL))? {
            break Some(s);
        }
        if let Some(sig) = crate::stop::requested() {
            interrupted = Some(sig);
        } else if Instant::now() >= deadline {
            timed_out = true;
        } else {
            continue;
        }
        // SAFETY: killing our own child's process group by its id.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
        let _ = child.kill();
        let _ = child.wait();
        break None;
    };
    // The group may still hold the pipes after the leader exits, and a
    // process may have left the group; end them all so the reader finishes.
    // SAFETY: as above; an already empty group makes this a no-op.
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
    }
    procs::end_call(&token, &pipes);
    let [(stdout, stdout_truncated), (stderr, _)] = reader.join().unwrap_or_default();
    Ok(Captured {
        status,
        stdout,
        stderr,
        stdout_truncated,
        timed_out,
        interrupted,
    })
}
