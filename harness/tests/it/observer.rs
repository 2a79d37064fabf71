//! The command-driver observer, driven the way cnab-go drives `cnab-<name>`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::util::*;
use cnab_harness::driver::{read_records, ENV_OBSERVATIONS, ENV_SCRIPT};

/// A `cnab-conformance-observer` symlink to the binary, as the harness makes.
fn observer(dir: &Path) -> PathBuf {
    let link = dir.join("cnab-conformance-observer");
    std::os::unix::fs::symlink(bin(), &link).unwrap();
    link
}

fn drive(exe: &Path, args: &[&str], env: &[(&str, &Path)], stdin: &str) -> std::process::Output {
    use std::io::Write;
    let mut cmd = Command::new(exe);
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn handles_docker_and_oci_under_both_names() {
    let d = tempfile::tempdir().unwrap();
    let out = drive(&observer(d.path()), &["--handles"], &[], "");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "docker,oci");
    let out = drive(&bin(), &["driver", "--handles"], &[], "");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "docker,oci");
}

#[test]
fn records_the_operation_writes_outputs_and_exits_as_directed() {
    let d = tempfile::tempdir().unwrap();
    let outdir = d.path().join("out");
    std::fs::create_dir(&outdir).unwrap();
    let obs = d.path().join("obs.jsonl");
    let script = d.path().join("script.json");
    std::fs::write(
        &script,
        r#"{"outputs": {"hostName": "db.local", "port": "5432"}, "exit_code": 4}"#,
    )
    .unwrap();
    let op = r#"{"installation_name": "i1", "revision": "01DDY0MT808KX0GGZ6SMXN4TW", "action": "install",
      "parameters": {"p": "v"}, "image": {"image": "x", "imageType": "docker"},
      "environment": {"CNAB_ACTION": "install", "GREETING": "hello"},
      "files": {"/cnab/app/image-map.json": "{}"},
      "outputs": {"/cnab/app/outputs/hostname": "hostName"},
      "Bundle": {"outputs": {"port": {"definition": "p", "path": "/cnab/app/outputs/port"}}}}"#;
    let out = drive(
        &observer(d.path()),
        &[],
        &[
            (ENV_OBSERVATIONS, &obs),
            (ENV_SCRIPT, &script),
            ("CNAB_OUTPUT_DIR", &outdir),
        ],
        op,
    );
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(outdir.join("cnab/app/outputs/hostname")).unwrap(),
        "db.local"
    );
    // An output the operation does not list is placed by the bundle's path.
    assert_eq!(
        std::fs::read_to_string(outdir.join("cnab/app/outputs/port")).unwrap(),
        "5432"
    );
    let seen = read_records(&obs).unwrap();
    assert_eq!(seen.len(), 1);
    let o = &seen[0];
    assert_eq!(
        o.environment().get("GREETING").map(String::as_str),
        Some("hello")
    );
    assert_eq!(
        o.files()
            .get("/cnab/app/image-map.json")
            .map(String::as_str),
        Some("{}")
    );
    assert_eq!(o.action().as_deref(), Some("install"));
    assert_eq!(o.exit_code, 4);
    assert_eq!(
        o.outputs_written,
        vec!["hostName".to_string(), "port".to_string()]
    );
}

#[test]
fn output_paths_cannot_escape_the_output_dir() {
    let d = tempfile::tempdir().unwrap();
    let outdir = d.path().join("out");
    std::fs::create_dir(&outdir).unwrap();
    let outside = d.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::create_dir_all(outdir.join("cnab/app")).unwrap();
    std::os::unix::fs::symlink(&outside, outdir.join("cnab/app/outputs")).unwrap();
    let obs = d.path().join("obs.jsonl");
    let script = d.path().join("script.json");
    std::fs::write(&script, r#"{"outputs": {"a": "x", "b": "y"}}"#).unwrap();
    let op = r#"{"installation_name": "i", "revision": "r", "action": "install", "parameters": {}, "image": {},
      "environment": {}, "files": {}, "outputs": {"/cnab/../../escaped": "a", "/cnab/app/outputs/b": "b"}, "Bundle": {}}"#;
    let out = drive(
        &observer(d.path()),
        &[],
        &[
            (ENV_OBSERVATIONS, &obs),
            (ENV_SCRIPT, &script),
            ("CNAB_OUTPUT_DIR", &outdir),
        ],
        op,
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(!d.path().join("escaped").exists());
    assert!(!outside.join("b").exists());
    let o = &read_records(&obs).unwrap()[0];
    assert!(o.outputs_written.is_empty(), "{o:?}");
    assert!(
        o.notes.iter().any(|n| n.contains("escapes")),
        "{:?}",
        o.notes
    );
    assert!(
        o.notes.iter().any(|n| n.contains("symbolic link")),
        "{:?}",
        o.notes
    );
}

#[test]
fn garbage_on_stdin_is_recorded_and_fails() {
    let d = tempfile::tempdir().unwrap();
    let obs = d.path().join("obs.jsonl");
    let out = drive(
        &observer(d.path()),
        &[],
        &[(ENV_OBSERVATIONS, &obs)],
        "not an operation",
    );
    assert_eq!(out.status.code(), Some(2));
    let o = &read_records(&obs).unwrap()[0];
    assert!(o.operation.is_none());
    assert!(o.operation_error.as_deref().unwrap().contains("not JSON"));
}
