//! What the test modules share: running the real `cnab-validate` binary,
//! writing fixtures, and the rule for test data that is not on this machine.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;

/// The binary's wording of the library's hints, so that what the tests
/// render through the library reads as the binary's output.
#[path = "../../src/cli/hints.rs"]
pub mod hints;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_cnab-validate");

/// A digest that is well formed (and names no real image).
pub const DIGEST: &str = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

/// What one run of the binary gave back.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// The child's peak resident memory in bytes, from `wait4`.
    pub peak: u64,
}

/// The repository's `cases/documents` directory.
pub fn documents() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../cases/documents")
}

/// A path under `cases/documents`, as an argument for the binary.
pub fn corpus(rel: &str) -> String {
    documents().join(rel).display().to_string()
}

/// Starts the binary with piped output. `NO_COLOR` is set, which changes
/// nothing for `--color always|never` and keeps `auto` plain.
pub fn spawn(args: &[&str], stdin: Stdio) -> Child {
    spawn_in(Path::new("."), args, stdin)
}

/// Like [`spawn`], in the directory `dir`.
pub fn spawn_in(dir: &Path, args: &[&str], stdin: Stdio) -> Child {
    Command::new(BIN)
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cnab-validate")
}

/// Waits for a child from [`spawn`], reading both streams as it goes, and
/// asserts that it neither panicked nor died of a signal.
pub fn wait(mut child: Child) -> Run {
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let out_reader = thread::spawn(move || {
        let mut v = Vec::new();
        out.read_to_end(&mut v).expect("read stdout");
        v
    });
    let err_reader = thread::spawn(move || {
        let mut v = Vec::new();
        err.read_to_end(&mut v).expect("read stderr");
        v
    });
    let pid = libc::pid_t::try_from(child.id()).expect("pid");
    let mut status = 0;
    // SAFETY: `rusage` is plain data; `wait4` fills it and `status` for our
    // own child, which nothing else waits for.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(got, pid, "wait4 failed");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -libc::WTERMSIG(status)
    };
    let run = Run {
        code,
        stdout: String::from_utf8_lossy(&out_reader.join().expect("stdout thread")).into_owned(),
        stderr: String::from_utf8_lossy(&err_reader.join().expect("stderr thread")).into_owned(),
        peak: u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024,
    };
    assert!(
        !run.stderr.contains("panicked"),
        "the binary panicked: {}",
        run.stderr
    );
    assert!(
        [0, 1, 2].contains(&run.code),
        "exit code {} (killed?): {}",
        run.code,
        run.stderr
    );
    run
}

/// Runs the binary with no input on stdin.
pub fn run(args: &[&str]) -> Run {
    wait(spawn(args, Stdio::null()))
}

/// Runs the binary with `input` on stdin.
pub fn run_stdin(args: &[&str], input: &[u8]) -> Run {
    let mut child = spawn(args, Stdio::piped());
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = input.to_vec();
    // The child may stop reading early; a closed pipe is not a test failure.
    let feeder = thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let run = wait(child);
    feeder.join().expect("stdin thread");
    run
}

/// Writes `bytes` to `dir/name`, creating the directories between.
pub fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create fixture directory");
    }
    fs::write(&path, bytes).expect("write fixture");
    path
}

/// A path as a command-line argument.
pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Says why a test cannot run here. Under `CI=true` that is a failure,
/// because CI must provide everything; elsewhere the test passes after
/// printing the reason.
pub fn missing(why: &str) {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI must provide this test's data: {why}"
    );
    eprintln!("skipping: {why}");
}

impl Run {
    /// Asserts the exit code and that stderr says `needle`.
    #[track_caller]
    pub fn says_on_stderr(&self, code: i32, needle: &str) {
        assert_eq!(self.code, code, "{}{}", self.stdout, self.stderr);
        assert!(self.stderr.contains(needle), "{}", self.stderr);
    }

    /// Asserts the exit code and that stdout says `needle`.
    #[track_caller]
    pub fn says_on_stdout(&self, code: i32, needle: &str) {
        assert_eq!(self.code, code, "{}{}", self.stdout, self.stderr);
        assert!(self.stdout.contains(needle), "{}", self.stdout);
    }
}
