//! End-to-end tests of the `cnab-validate` binary: exit codes, output
//! formats, file handling and bad input.

use crate::util::{corpus, run, run_stdin, s, write, BIN, DIGEST};
use std::fs;

use std::path::Path;
use std::process::{Command, Stdio};

use cnab_validator::render::json::JsonReport;
use sha2::{Digest, Sha256};

fn clean_bundle() -> String {
    format!(
        r#"{{"invocationImages":[{{"contentDigest":"{DIGEST}","image":"example/app@{DIGEST}"}}],"name":"app","schemaVersion":"v1.2.0","version":"1.0.0"}}"#
    )
}

/// A canonical bundle whose only finding is a SHOULD: an image by tag.
fn should_only_bundle() -> String {
    format!(
        r#"{{"images":{{"web":{{"contentDigest":"{DIGEST}","image":"example/web:1.0"}}}},"invocationImages":[{{"contentDigest":"{DIGEST}","image":"example/app@{DIGEST}"}}],"name":"app","schemaVersion":"v1.2.0","version":"1.0.0"}}"#
    )
}

#[test]
fn clean_file_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "bundle.json", clean_bundle());
    let r = run(&[s(&f)]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("bundle.json: ok (bundle, cnab-core-1.2.0, canonical: olpc+jcs)"),
        "{}",
        r.stdout
    );
}

#[test]
fn findings_exit_one_with_location_and_frame() {
    let r = run(&[&corpus("pipeline/pretty-bundle.json")]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("pretty-bundle.json:1:2: must[core.bundle.canonical_json]: the bundle is not canonical JSON"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("1 | {\n"), "{}", r.stdout);
    assert!(!r.stdout.contains('\x1b'), "colour without a terminal");
}

#[test]
fn level_decides_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "b.json", should_only_bundle());
    let must = run(&[s(&f)]);
    assert_eq!(must.code, 0, "{}", must.stdout);
    assert!(
        must.stdout.contains("should[core.images.image.by_digest]"),
        "{}",
        must.stdout
    );
    assert_eq!(run(&["--level", "should", s(&f)]).code, 1);
    assert_eq!(run(&["check", "--level", "may", s(&f)]).code, 1);
}

#[test]
fn stdin_is_named_stdin() {
    let r = run_stdin(&["-"], br#"{"status": "Ready"}"#);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("<stdin>: ok (status"), "{}", r.stdout);
    let r = run_stdin(&["--format", "json", "-"], b"{");
    assert_eq!(r.code, 1);
    let report: JsonReport = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report.files[0].path, "<stdin>");
    assert_eq!(report.files[0].findings[0].clause, "json.wellformed");
}

#[test]
fn directories_are_walked_with_globs() {
    let dir = tempfile::tempdir().unwrap();
    let ok = r#"{"status":"Ready"}"#;
    write(dir.path(), "a.json", ok);
    write(dir.path(), "sub/b.json", ok);
    write(dir.path(), "sub/deeper/c.json", ok);
    write(dir.path(), "notes.txt", "not json");
    write(dir.path(), "skip-me.json", "{");
    let all = run(&["--format", "json", s(dir.path())]);
    let report: JsonReport = serde_json::from_str(&all.stdout).unwrap();
    assert_eq!(report.files.len(), 4, "{}", all.stdout);
    assert_eq!(all.code, 1);
    let r = run(&["--format", "json", "--exclude", "skip-*", s(dir.path())]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let report: JsonReport = serde_json::from_str(&r.stdout).unwrap();
    let mut names: Vec<_> = report
        .files
        .iter()
        .map(|f| {
            Path::new(&f.path)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    assert_eq!(names, ["a.json", "b.json", "c.json"]);
    let txt = run(&["--format", "json", "--include", "*.txt", s(dir.path())]);
    let report: JsonReport = serde_json::from_str(&txt.stdout).unwrap();
    assert_eq!(report.files.len(), 1);
    assert_eq!(report.files[0].findings[0].clause, "json.wellformed");
}

#[test]
fn bundle_option_judges_relocation_mappings() {
    let bundle = corpus("pipeline/relocation-bundle.json");
    let partial = corpus("pipeline/relocation-partial.json");
    let without = run(&[&partial]);
    assert_eq!(without.code, 0, "{}", without.stdout);
    let with = run(&["--bundle", &bundle, &partial]);
    assert_eq!(with.code, 1);
    assert!(
        with.stdout.contains("must[core.relocation.keys_complete]"),
        "{}",
        with.stdout
    );
    let r = run(&["--bundle", "/nonexistent/bundle.json", &partial]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("cannot read --bundle"), "{}", r.stderr);
}

#[test]
fn json_format_reads_back_strictly() {
    // json.unique_keys is a SHOULD (RFC 8259 § 4): reported, not failing at must.
    let r = run(&["--format", "json", &corpus("pipeline/duplicate-keys.json")]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let report: JsonReport = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report.format_version, 1);
    let f = &report.files[0];
    assert_eq!(f.kind.as_deref(), Some("status"));
    assert_eq!(f.kind_origin, "detected");
    assert_eq!(f.findings[0].clause, "json.unique_keys");
    assert_eq!(f.findings[0].pointer, "/status");
    assert_eq!(
        (f.findings[0].line, f.findings[0].column),
        (Some(1), Some(19))
    );
    assert_eq!(f.findings[0].level, cnab_model::Level::Should);
    assert_eq!(report.summary.must, 0);
    assert_eq!(report.summary.should, 1);
    assert_eq!(report.summary.failed_files, 0);
    let strict = run(&[
        "--format",
        "json",
        "--level",
        "should",
        &corpus("pipeline/duplicate-keys.json"),
    ]);
    assert_eq!(strict.code, 1);
    let report: JsonReport = serde_json::from_str(&strict.stdout).unwrap();
    assert_eq!(report.summary.failed_files, 1);
}

#[test]
fn sarif_github_and_junit_formats() {
    let doc = corpus("pipeline/pretty-bundle.json");
    let sarif = run(&["--format", "sarif", &doc]);
    assert_eq!(sarif.code, 1);
    let v: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run0 = &v["runs"][0];
    assert_eq!(run0["columnKind"], "unicodeCodePoints");
    assert_eq!(run0["results"][0]["ruleId"], "core.bundle.canonical_json");
    assert_eq!(run0["results"][0]["level"], "error");
    let rule = &run0["tool"]["driver"]["rules"][0];
    assert_eq!(rule["id"], "core.bundle.canonical_json");
    assert!(rule["helpUri"].as_str().unwrap().starts_with("https://"));
    assert_eq!(
        run0["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        1
    );

    let gh = run(&["--format", "github", &doc]);
    assert!(
        gh.stdout.starts_with(&format!(
            "::error file={doc},line=1,col=2,title=core.bundle.canonical_json::"
        )),
        "{}",
        gh.stdout
    );

    let junit = run(&["--format", "junit", &doc]);
    assert!(junit.stdout.starts_with("<?xml"), "{}", junit.stdout);
    assert!(
        junit.stdout.contains(r#"tests="1" failures="1""#),
        "{}",
        junit.stdout
    );
    assert!(
        junit
            .stdout
            .contains("<failure message=\"the bundle is not canonical JSON"),
        "{}",
        junit.stdout
    );
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let doc = corpus("pipeline/pretty-bundle.json");
    let r = run(&["--color", "always", &doc]);
    assert!(
        r.stdout
            .contains("\x1b[1;31mmust[core.bundle.canonical_json]\x1b[0m"),
        "{}",
        r.stdout
    );
    let r = run(&["--color", "never", &doc]);
    assert!(!r.stdout.contains('\x1b'));
    let out = Command::new(BIN)
        .args(["--color", "auto", &doc])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\x1b'));
}

#[test]
fn fmt_prints_checks_and_writes_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let pretty = fs::read(corpus("pipeline/pretty-bundle.json")).unwrap();
    let f = write(dir.path(), "bundle.json", &pretty);

    let printed = run(&["fmt", s(&f)]);
    assert_eq!(printed.code, 0);
    assert_eq!(printed.stdout, clean_bundle());
    assert_eq!(
        fs::read(&f).unwrap(),
        pretty,
        "printing must not touch the file"
    );

    let check = run(&["fmt", "--check", s(&f)]);
    assert_eq!(check.code, 1);
    assert!(
        check
            .stdout
            .contains("bundle.json:1:2: not jcs canonical JSON"),
        "{}",
        check.stdout
    );

    let write_run = run(&["fmt", "--write", s(&f)]);
    assert_eq!(write_run.code, 0, "{}", write_run.stderr);
    assert!(
        write_run.stderr.contains("rewrote `") && write_run.stderr.contains("bundle.json"),
        "fmt --write says what it rewrote: {}",
        write_run.stderr
    );
    let again = run(&["fmt", "--write", s(&f)]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stderr.is_empty(),
        "nothing rewritten, nothing said: {}",
        again.stderr
    );
    assert_eq!(fs::read_to_string(&f).unwrap(), clean_bundle());
    assert_eq!(run(&["fmt", "--check", s(&f)]).code, 0);
    assert_eq!(run(&["fmt", "--check", "--profile", "olpc", s(&f)]).code, 0);
    let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left behind");

    let broken = write(dir.path(), "broken.json", "{\"a\": ");
    let r = run(&["fmt", "--write", s(&broken)]);
    assert_eq!(r.code, 2, "a document that is not JSON is refused");
    assert!(
        r.stderr.contains("broken.json:1:7: not JSON"),
        "{}",
        r.stderr
    );
    assert_eq!(fs::read_to_string(&broken).unwrap(), "{\"a\": ");

    let float = write(dir.path(), "float.json", r#"{"x": 1.5}"#);
    let r = run(&["fmt", "--profile", "olpc", "--write", s(&float)]);
    assert_eq!(r.code, 1);
    assert_eq!(fs::read_to_string(&float).unwrap(), r#"{"x": 1.5}"#);
    assert_eq!(run(&["fmt", "--write", "-"]).code, 2);
}

#[test]
fn fmt_and_digest_refuse_duplicate_keys_and_malformed_json() {
    let dir = tempfile::tempdir().unwrap();
    let text = "{\"a\": 1,\n \"a\": 2}";
    let dup = write(dir.path(), "dup.json", text);
    for args in [
        vec!["fmt", "--write", s(&dup)],
        vec!["fmt", s(&dup)],
        vec!["digest", s(&dup)],
        vec!["digest", "--profile", "olpc", s(&dup)],
    ] {
        let r = run(&args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("dup.json:2:2: duplicate key `a`"),
            "{args:?}: {}",
            r.stderr
        );
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
    }
    assert_eq!(fs::read_to_string(&dup).unwrap(), text, "never rewritten");

    let broken = write(dir.path(), "broken.json", "[1,]");
    let r = run(&["digest", s(&broken)]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("broken.json:1:4: not JSON"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
}

#[test]
fn olpc_refuses_control_characters_and_names_jcs() {
    let dir = tempfile::tempdir().unwrap();
    let text = "{\"a\": \"tab\\there\"}";
    let f = write(dir.path(), "ctl.json", text);
    for args in [
        vec!["fmt", "--profile", "olpc", "--write", s(&f)],
        vec!["digest", "--profile", "olpc", s(&f)],
    ] {
        let r = run(&args);
        assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr
                .contains("ctl.json:1:7: a string holds a control character"),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("--profile jcs"), "{}", r.stderr);
        assert!(r.stdout.is_empty());
    }
    assert_eq!(fs::read_to_string(&f).unwrap(), text);
    assert_eq!(run(&["digest", "--profile", "jcs", s(&f)]).code, 0);
}

#[test]
fn digest_hashes_the_canonical_form() {
    let fixture = corpus("spec-examples/from-spec-text/101-thin-bundle.canonical.json");
    let pretty = corpus("spec-examples/from-spec-text/101-thin-bundle.json");
    let expected = format!(
        "sha256:{}\n",
        hex::encode(Sha256::digest(fs::read(&fixture).unwrap()))
    );
    for profile in ["olpc", "jcs"] {
        let a = run(&["digest", "--profile", profile, &pretty]);
        assert_eq!(a.code, 0, "{}", a.stderr);
        assert_eq!(a.stdout, expected, "{profile}");
    }
    assert_eq!(run(&["digest", "/nonexistent/x.json"]).code, 2);
}

#[test]
fn explain_and_clauses() {
    let r = run(&["explain", "core.bundle.version.semver2"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("level:    must"), "{}", r.stdout);
    assert!(r.stdout.contains("1.2.0: https://"), "{}", r.stdout);
    assert!(r.stdout.contains("coverage: schema+rule"), "{}", r.stdout);
    let r = run(&["explain", "core.bundle.version.nope"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("unknown clause `core.bundle.version.nope`; did you mean"),
        "{}",
        r.stderr
    );

    let r = run(&["clauses", "--format", "json"]);
    assert_eq!(r.code, 0);
    let list: Vec<serde_json::Value> = serde_json::from_str(&r.stdout).unwrap();
    assert!(list.len() >= 200, "{}", list.len());
    for c in &list {
        for key in ["id", "level", "check", "source"] {
            assert!(c[key].is_string(), "{key} in {c}");
        }
    }
    let r = run(&["clauses", "--coverage"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("json.unique_keys"), "{}", r.stdout);
    assert!(r
        .stdout
        .lines()
        .any(|l| l.starts_with("core.bundle.canonical_json") && l.ends_with("pipeline")));
    assert!(r.stdout.contains("static clause(s):"));
}

#[test]
fn malformed_input_is_a_finding_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("not-json.json", b"hello".to_vec(), "json.wellformed"),
        (
            "truncated.json",
            b"{\"status\": \"Rea".to_vec(),
            "json.wellformed",
        ),
        (
            "utf8.json",
            b"{\"status\": \"\xc3\x28\"}".to_vec(),
            "json.wellformed",
        ),
        (
            "bom.json",
            b"\xef\xbb\xbf{\"status\":\"Ready\"}".to_vec(),
            "json.wellformed",
        ),
        (
            "deep.json",
            [vec![b'['; 10_000], vec![b']'; 10_000]].concat(),
            "json.limits",
        ),
        ("kind.json", b"\"just a string\"".to_vec(), "doc.kind.known"),
        ("empty.json", Vec::new(), "json.wellformed"),
    ];
    for (name, bytes, clause) in cases {
        let f = write(dir.path(), name, bytes);
        let r = run(&[s(&f)]);
        // json.limits and doc.kind.known are tool clauses: notices at `may`
        // that never fail a document, whatever --level says.
        let tool = clause != "json.wellformed";
        let (code, level) = if tool { (0, "may") } else { (1, "must") };
        assert_eq!(r.code, code, "{name}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stdout.contains(&format!("{level}[{clause}]")),
            "{name}: {}",
            r.stdout
        );
        if tool {
            let r = run(&["--level", "may", s(&f)]);
            assert_eq!(r.code, 0, "{name} at --level may: {}", r.stdout);
            assert!(
                r.stdout.contains("0 file(s) fail at level may"),
                "{}",
                r.stdout
            );
        }
    }
    // A path that does not exist: hostile::file_system_faults_are_io_errors.
    assert_eq!(run(&["--kind", "nonsense", "x.json"]).code, 2);
    assert_eq!(run(&["--spec-version", "9.9", "x.json"]).code, 2);
    let r = run(&[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no input"), "{}", r.stderr);
}

#[test]
fn nesting_just_under_the_depth_limit_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let mut schema = r#"{"type":"string"}"#.to_string();
    for _ in 0..505 {
        schema = format!(r#"{{"items":{schema}}}"#);
    }
    let bundle = clean_bundle().replacen('{', &format!(r#"{{"definitions":{{"d":{schema}}},"#), 1);
    let f = write(dir.path(), "deep.json", bundle);
    let r = run(&[s(&f)]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("deep.json: ok (bundle"), "{}", r.stdout);
}

#[test]
fn a_fifty_megabyte_document_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::with_capacity(50 * 1024 * 1024 + 64);
    text.push_str(r#"{"message":""#);
    text.push_str(&"x".repeat(50 * 1024 * 1024));
    text.push_str(r#"","status":"Ready"}"#);
    let f = write(dir.path(), "big.json", &text);
    let r = run(&[s(&f)]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("big.json: ok (status"), "{}", r.stdout);
}

#[test]
fn completions_and_man_page() {
    let r = run(&["completions", "bash"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("cnab-validate"), "{}", r.stdout);
    let r = run(&["man"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains(".TH cnab-validate"), "{}", r.stdout);
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..300 {
        write(dir.path(), &format!("f{i:03}.json"), "{");
    }
    let mut child = Command::new(BIN)
        .arg(s(dir.path()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_misspelt_command_is_a_usage_error_with_a_suggestion() {
    let r = run(&["chek", "x.json"]);
    r.says_on_stderr(2, "unknown command `chek`; did you mean `check`?");
    // A word far from every command is still a path that cannot be read.
    let r = run(&["zzzzzz"]);
    r.says_on_stderr(2, "cannot read `zzzzzz`");
}
