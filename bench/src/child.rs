//! Running a child process and reading its resource usage.
//!
//! `std::process::Child::wait` drops the kernel's resource usage record, so
//! the child is reaped here with `wait4`, which returns it: user and system
//! CPU time and the peak resident set size of that process alone.

use std::io;
use std::process::Command;
use std::time::{Duration, Instant};

/// What a finished child used.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Usage {
    /// The exit code, or `None` when a signal ended it.
    pub code: Option<i32>,
    /// Wall time from spawn to exit.
    pub wall: Duration,
    /// User CPU time.
    pub user: Duration,
    /// System CPU time.
    pub sys: Duration,
    /// Peak resident set size, in bytes.
    pub max_rss: u64,
}

impl Usage {
    /// CPU time over wall time: 2.0 means two cores busy the whole run.
    pub fn cpu_ratio(&self) -> f64 {
        (self.user + self.sys).as_secs_f64() / self.wall.as_secs_f64().max(1e-9)
    }
}

fn duration(t: libc::timeval) -> Duration {
    Duration::from_secs(t.tv_sec.max(0) as u64) + Duration::from_micros(t.tv_usec.max(0) as u64)
}

/// Spawns `command`, waits for it with `wait4` and returns its usage.
pub fn run(command: &mut Command) -> io::Result<Usage> {
    let start = Instant::now();
    let child = command.spawn()?;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own child, not yet reaped (std never waits
        // for it unless asked), and both pointers are to live locals.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    let wall = start.elapsed();
    // The child is reaped; dropping the handle neither waits nor kills.
    drop(child);
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    Ok(Usage {
        code,
        wall,
        user: duration(usage.ru_utime),
        sys: duration(usage.ru_stime),
        // Linux reports kilobytes.
        max_rss: (usage.ru_maxrss.max(0) as u64) * 1024,
    })
}

/// The CPU time this process has used so far (user, system).
pub fn self_cpu() -> (Duration, Duration) {
    // SAFETY: as above, a zeroed `rusage` is valid and the pointer is live.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: RUSAGE_SELF with a valid pointer cannot fail.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    (duration(usage.ru_utime), duration(usage.ru_stime))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_come_back() {
        let u = run(Command::new("sh").args(["-c", "exit 3"])).unwrap();
        assert_eq!(u.code, Some(3));
        let u = run(Command::new("sh").args(["-c", "kill -9 $$"])).unwrap();
        assert_eq!(u.code, None);
        assert!(u.max_rss > 0);
    }
}
