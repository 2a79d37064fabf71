//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use wait_timeout::ChildExt;

/// The binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cnab-conformance"))
}

/// A guard, not a measurement: no single command may take longer than this,
/// so that a hang fails the test suite instead of stalling it.
const GUARD: Duration = Duration::from_secs(120);

/// Runs the binary with `args` and `stdin`, in `cwd`; kills it past the guard.
pub fn run_in(cwd: &Path, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(bin())
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    {
        use std::io::Write;
        let mut i = child.stdin.take().unwrap();
        let _ = i.write_all(stdin);
    }
    let out_pipe = child.stdout.take().unwrap();
    let err_pipe = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || read_all(out_pipe));
    let err_t = std::thread::spawn(move || read_all(err_pipe));
    let status = match child.wait_timeout(GUARD).unwrap() {
        Some(s) => s,
        None => {
            let _ = child.kill();
            panic!("cnab-conformance {args:?} ran past the {GUARD:?} guard");
        }
    };
    Output {
        status,
        stdout: out_t.join().unwrap(),
        stderr: err_t.join().unwrap(),
    }
}

fn read_all(mut r: impl std::io::Read) -> Vec<u8> {
    let mut v = Vec::new();
    let _ = r.read_to_end(&mut v);
    v
}

/// Runs the binary in a fresh temp dir.
pub fn run(args: &[&str]) -> Output {
    let d = tempfile::tempdir().unwrap();
    run_in(d.path(), args, b"")
}

/// stdout and stderr as text, for messages.
pub fn text(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Reads a report back as a consumer would, and checks it against the schema.
pub fn read_report(path: &Path) -> cnab_report::RunReport {
    let text = std::fs::read_to_string(path).expect("the report exists");
    let value: serde_json::Value = serde_json::from_str(&text).expect("the report is JSON");
    let schema: serde_json::Value = serde_json::from_str(cnab_report::REPORT_SCHEMA).unwrap();
    let v = jsonschema::draft202012::new(&schema).expect("the report schema compiles");
    let errors: Vec<String> = v
        .iter_errors(&value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "report does not match its schema: {errors:#?}"
    );
    serde_json::from_value(value).expect("the report reads back with deny_unknown_fields")
}

/// Writes an executable shell script.
pub fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

/// Each case's ID and verdict, in report order.
pub fn verdicts(report: &cnab_report::RunReport) -> Vec<(String, cnab_model::Verdict)> {
    report
        .cases
        .iter()
        .map(|c| (c.id.clone(), c.verdict))
        .collect()
}
