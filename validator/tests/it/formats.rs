//! Every output format, byte for byte, through the real binary: the same
//! documents in every format, and a run that selects no document at all.
//! These snapshots were taken before the renderers were made to stream, so
//! they pin what a streaming renderer must still write.

use std::path::Path;
use std::process::Stdio;

use crate::util::{spawn_in, wait, Run};

const FORMATS: &[&str] = &["human", "json", "sarif", "github", "junit"];

/// A clean bundle, a should-only finding, findings without a span, a file
/// that does not parse and one with several findings, in walk order.
const DOCUMENTS: &[&str] = &[
    "cases/documents/pipeline/array.json",
    "cases/documents/pipeline/claim-bad-bundle.json",
    "cases/documents/pipeline/clean-bundle.json",
    "cases/documents/pipeline/duplicate-keys.json",
    "cases/documents/pipeline/pretty-bundle.json",
    "cases/documents/pipeline/truncated.json",
    "cases/documents/pipeline/unknown-version.json",
];

/// Runs the binary from the repository root, so that the names in the
/// output are the same on every machine.
fn run_at_root(args: &[&str]) -> Run {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    wait(spawn_in(&root, args, Stdio::null()))
}

#[test]
fn every_format_over_a_few_documents() {
    for format in FORMATS {
        let mut args = vec!["--format", format, "--color", "never", "--level", "should"];
        args.extend_from_slice(DOCUMENTS);
        let r = run_at_root(&args);
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
        assert_eq!(r.stderr, "", "{format}");
        insta::assert_snapshot!(format!("documents_{format}"), r.stdout);
    }
}

#[test]
fn every_format_over_no_document() {
    for format in FORMATS {
        let r = run_at_root(&[
            "--format",
            format,
            "--partition",
            "1/2",
            "--include",
            "matches-nothing-*.json",
            "cases/documents/pipeline",
        ]);
        assert_eq!(r.code, 0, "{format}: {}", r.stderr);
        insta::assert_snapshot!(format!("empty_{format}"), r.stdout);
    }
}

#[test]
fn the_human_format_in_colour() {
    let mut args = vec!["--color", "always"];
    args.extend_from_slice(DOCUMENTS);
    let r = run_at_root(&args);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains('\x1b'), "{}", r.stdout);
    insta::assert_snapshot!("documents_human_colour", r.stdout);
}

#[test]
fn reasons_and_hints_name_the_flags() {
    let dir = tempfile::tempdir().expect("tempdir");
    crate::util::write(
        dir.path(),
        "sources.json",
        r#"{"p": {"priority": ["nowhere"], "sources": {}}}"#,
    );
    crate::util::write(dir.path(), "list.json", "[1, 2]");
    for line in [
        "--format json list.json sources.json",
        "--format json --spec-version v1.0.0 sources.json",
        "--format json --kind parameter-sources --spec-version v1.0.0 sources.json",
        "--format json --kind bundle --canonical off list.json",
    ] {
        let args: Vec<&str> = line.split(' ').collect();
        let args = &args[..];
        let r = wait(spawn_in(dir.path(), args, Stdio::null()));
        // The parameter-source findings are at should (the extension's prose
        // has no MUST) and an unknown kind is a tool notice, so only the
        // bundle judged with `--kind bundle` fails at the default level.
        let expected = i32::from(args.contains(&"bundle"));
        assert_eq!(r.code, expected, "{args:?}: {}", r.stderr);
        insta::assert_snapshot!(
            format!("reasons_{}", args[2..].join("_").replace(['.', '-'], "")),
            r.stdout
        );
    }
}
