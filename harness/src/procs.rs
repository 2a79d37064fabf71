//! Finding and ending the processes an adapter left behind.
//!
//! A child run by [`crate::adapter::process`] gets its own process group, but
//! a process can leave that group (`setsid cmd &`) and keep the child's pipes
//! open, or close them and simply outlive the call. Three handles find such
//! processes on Linux, through `/proc`:
//!
//! - a marker variable in the environment of every child
//!   ([`ENV_CALL`]), inherited by whatever the child starts unless it clears
//!   its environment;
//! - the pipes of the call: a process holding one of them is attached to the
//!   call whatever its session, group or environment;
//! - the process tree: when the suite is a child subreaper
//!   ([`become_subreaper`]), an orphan is re-parented to the suite instead of
//!   to init, so every process the run started stays a descendant of the
//!   suite until it is reaped ([`end_descendants`]).
//!
//! Everything here is best effort: a process of another user cannot be
//! inspected, and a process that changes its environment and closes every
//! inherited descriptor is found only as a descendant.

use std::collections::BTreeMap;
use std::path::Path;

/// The variable marking every process started for one adapter or driver
/// call; its value is unique to the call.
pub const ENV_CALL: &str = "CNAB_CONFORMANCE_CALL";

/// Makes this process a child subreaper (Linux `PR_SET_CHILD_SUBREAPER`):
/// orphaned descendants are re-parented to it, not to init. Returns whether
/// the kernel accepted.
pub fn become_subreaper() -> bool {
    // SAFETY: prctl with an integer argument; no memory is shared.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1 as libc::c_ulong, 0, 0, 0) == 0 }
}

/// Held while a call's child is spawned and while [`end_call`] looks for
/// processes: between its fork and its exec a child holds copies of all of
/// this process's descriptors, other calls' pipes included, so no scan may
/// see one. `Command::spawn` returns only after the exec.
static SPAWNING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Spawns `cmd` so that no [`end_call`] runs while it forks and execs.
pub fn spawn(cmd: &mut std::process::Command) -> std::io::Result<std::process::Child> {
    let _guard = SPAWNING.lock().unwrap_or_else(|e| e.into_inner());
    cmd.spawn()
}

/// A value for [`ENV_CALL`] no other call of any process shares.
pub fn call_token() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        ulid::Ulid::generate()
    )
}

fn pids() -> Vec<libc::pid_t> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect()
}

/// The parent of `pid` (field 4 of `/proc/<pid>/stat`, after the command
/// name in parentheses, which may itself hold spaces and parentheses).
fn parent_of(pid: libc::pid_t) -> Option<libc::pid_t> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// Every process below `root` in the process tree (not `root` itself).
pub fn descendants_of(root: libc::pid_t) -> Vec<libc::pid_t> {
    let mut children: BTreeMap<libc::pid_t, Vec<libc::pid_t>> = BTreeMap::new();
    for pid in pids() {
        if let Some(ppid) = parent_of(pid) {
            children.entry(ppid).or_default().push(pid);
        }
    }
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(p) = stack.pop() {
        for &c in children.get(&p).into_iter().flatten() {
            out.push(c);
            stack.push(c);
        }
    }
    out
}

fn environ_has(pid: libc::pid_t, entry: &[u8]) -> bool {
    std::fs::read(format!("/proc/{pid}/environ"))
        .map(|env| env.split(|b| *b == 0).any(|e| e == entry))
        .unwrap_or(false)
}

/// The access mode (`O_RDONLY`, `O_WRONLY`) of descriptor `fd` of `pid`.
fn access_mode(pid: libc::pid_t, fd: &std::ffi::OsStr) -> Option<libc::c_int> {
    let info =
        std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{}", fd.to_string_lossy())).ok()?;
    let flags = info.lines().find_map(|l| l.strip_prefix("flags:"))?.trim();
    libc::c_int::from_str_radix(flags, 8)
        .ok()
        .map(|f| f & libc::O_ACCMODE)
}

/// Whether `pid` holds one of `ends`: a pipe's link text with the access
/// mode that counts (the write end of the child's stdout and stderr, the
/// read end of its stdin). The other ends are ours, and a process of ours
/// forked for another call holds copies of them until it execs.
fn holds_any(pid: libc::pid_t, ends: &BTreeMap<String, libc::c_int>) -> bool {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.filter_map(Result::ok).any(|fd| {
        let Ok(target) = std::fs::read_link(fd.path()) else {
            return false;
        };
        ends.get(&*target.to_string_lossy())
            .is_some_and(|&mode| access_mode(pid, &fd.file_name()) == Some(mode))
    })
}

/// The `/proc/<pid>/fd` link text of a pipe (`pipe:[inode]`).
pub fn pipe_link(fd: std::os::fd::BorrowedFd<'_>) -> Option<String> {
    use std::os::fd::AsRawFd;
    // SAFETY: fstat on a descriptor that is open for the borrow's lifetime.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::fstat(fd.as_raw_fd(), &mut st) } == 0;
    (ok && st.st_mode & libc::S_IFMT == libc::S_IFIFO).then(|| format!("pipe:[{}]", st.st_ino))
}

/// Kills (SIGKILL) every process other than this one that carries
/// `ENV_CALL=token` or holds one of the call's pipe ends (`pipe:[inode]`
/// to the access mode that counts, see [`holds_any`]), then reaps those
/// that were this process's own children. Returns how many.
pub fn end_call(token: &str, pipes: &BTreeMap<String, libc::c_int>) -> usize {
    let me = std::process::id() as libc::pid_t;
    let entry = format!("{ENV_CALL}={token}");
    let mut killed = Vec::new();
    let guard = SPAWNING.lock().unwrap_or_else(|e| e.into_inner());
    for pid in pids() {
        if pid == me || pid <= 1 {
            continue;
        }
        if environ_has(pid, entry.as_bytes()) || (!pipes.is_empty() && holds_any(pid, pipes)) {
            // SAFETY: sending a signal to a process id.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
            killed.push(pid);
        }
    }
    drop(guard);
    reap_children(&killed);
    killed.len()
}

/// Waits for those of `pids` that are this process's children, so that a
/// killed orphan re-parented here does not stay a zombie.
fn reap_children(pids: &[libc::pid_t]) {
    let me = std::process::id() as libc::pid_t;
    for &pid in pids {
        if parent_of(pid) == Some(me) {
            let mut status = 0;
            // SAFETY: waiting for our own child by id; it was sent SIGKILL.
            unsafe {
                libc::waitpid(pid, &mut status, 0);
            }
        }
    }
}

/// Kills every descendant of this process and reaps them; returns how many
/// there were. Called when a run ends: with [`become_subreaper`], whatever
/// the run started and left behind is a descendant by then.
pub fn end_descendants() -> usize {
    let me = std::process::id() as libc::pid_t;
    let mut total = 0;
    // A process may fork while the walk runs; a few passes catch those.
    for _ in 0..4 {
        let found = descendants_of(me);
        if found.is_empty() {
            break;
        }
        for &pid in &found {
            // SAFETY: sending a signal to a process id.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        total += found.len();
        reap_children(&found);
    }
    // Orphans that ended on their own earlier are zombies of ours.
    loop {
        let mut status = 0;
        // SAFETY: non-blocking wait for any child.
        let r = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
        if r <= 0 {
            break;
        }
    }
    total
}

/// Whether `pid` is gone or a zombie (it ran and was ended).
pub fn is_gone(pid: libc::pid_t) -> bool {
    match std::fs::read_to_string(Path::new("/proc").join(pid.to_string()).join("stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rfind(')')
            .and_then(|i| stat[i + 1..].split_whitespace().next())
            .is_some_and(|s| s == "Z" || s == "X"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parent_is_read_after_the_command_name() {
        let me = std::process::id() as libc::pid_t;
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id() as libc::pid_t;
        assert_eq!(parent_of(pid), Some(me));
        assert!(descendants_of(me).contains(&pid));
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(is_gone(pid));
    }

    #[test]
    fn a_call_token_finds_a_process_in_another_session() {
        let token = call_token();
        let mut child = std::process::Command::new("setsid")
            .args(["sh", "-c", "echo ready; exec sleep 30"])
            .env(ENV_CALL, &token)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id() as libc::pid_t;
        // Once it speaks, it runs with its own environment (before exec,
        // /proc shows the parent's).
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        assert_eq!(line, "ready\n");
        assert!(end_call(&token, &BTreeMap::new()) >= 1);
        let _ = child.wait();
        assert!(is_gone(pid));
    }
}
