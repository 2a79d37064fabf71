//! `cnab-validate --partition k/n` and `cnab-validate merge`, through the
//! real binary: shards are disjoint, their union is the unpartitioned run, a
//! file keeps its shard as the corpus grows, and the merged JSON equals the
//! unpartitioned JSON. Also: the number of worker threads never changes the
//! output.

use crate::util::{run, Run, BIN, DIGEST};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;
use std::process::Command;

use cnab_validator::render::json::JsonReport;

fn populate(dir: &Path, from: usize, count: usize) {
    for i in from..from + count {
        let sub = match i % 4 {
            0 => "".to_string(),
            1 => "a/".to_string(),
            2 => format!("a/b{}/", i % 3),
            _ => "a-b/".to_string(),
        };
        let doc = match i % 5 {
            0 => format!(
                r#"{{"invocationImages":[{{"contentDigest":"{DIGEST}","image":"example/app@{DIGEST}"}}],"name":"app{i}","schemaVersion":"v1.2.0","version":"1.0.{i}"}}"#
            ),
            1 => format!(
                r#"{{"name": "app{i}", "version": "not-semver", "schemaVersion": "v1.2.0", "invocationImages": []}}"#
            ),
            2 => format!(
                r#"{{"claimId": "01ARZ3NDEKTSV4RRFFQ69G5FA{}", "status": "succeeded"}}"#,
                i % 10
            ),
            3 => "{\"status\": ".to_string(),
            _ => r#"{"status":"Ready","status":"Failed"}"#.to_string(),
        };
        let path = dir.join(format!("{sub}doc-{i:03}.json"));
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, doc).unwrap();
    }
}

fn json_of(r: &Run) -> JsonReport {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout))
}

fn paths(r: &Run) -> Vec<String> {
    json_of(r).files.into_iter().map(|f| f.path).collect()
}

fn shards(root: &str, n: usize) -> Vec<Run> {
    (1..=n)
        .map(|k| run(&["--format", "json", "--partition", &format!("{k}/{n}"), root]))
        .collect()
}

#[test]
fn shards_are_disjoint_and_their_union_is_the_whole_run() {
    let dir = tempfile::tempdir().unwrap();
    populate(dir.path(), 0, 40);
    let root = dir.path().to_str().unwrap();
    let whole = run(&["--format", "json", root]);
    assert_eq!(whole.code, 1, "{}", whole.stderr);
    let all = paths(&whole);
    assert_eq!(all.len(), 40);
    for n in [1, 2, 3, 7] {
        let runs = shards(root, n);
        let mut seen = BTreeSet::new();
        let mut nonempty = 0;
        for (k, r) in runs.iter().enumerate() {
            assert!(
                r.code == 0 || r.code == 1,
                "shard {}/{n}: {}",
                k + 1,
                r.stderr
            );
            let p = paths(r);
            nonempty += usize::from(!p.is_empty());
            for path in p {
                assert!(seen.insert(path.clone()), "{path} is in two shards of {n}");
            }
        }
        assert_eq!(seen, all.iter().cloned().collect(), "shards of {n}");
        if n > 1 {
            assert!(nonempty > 1, "every file landed in one shard of {n}");
        }
    }
}

#[test]
fn merged_shards_equal_the_unpartitioned_json() {
    let dir = tempfile::tempdir().unwrap();
    populate(dir.path(), 0, 30);
    let root = dir.path().to_str().unwrap();
    let whole = run(&["--format", "json", root]);
    let out = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (k, r) in shards(root, 3).into_iter().enumerate() {
        let path = out.path().join(format!("shard-{k}.json"));
        fs::write(&path, &r.stdout).unwrap();
        files.push(path.to_str().unwrap().to_string());
    }
    // The shards are given out of order on purpose.
    files.reverse();
    let mut args = vec!["merge"];
    args.extend(files.iter().map(String::as_str));
    let merged = run(&args);
    assert_eq!(merged.code, whole.code, "{}", merged.stderr);
    assert_eq!(merged.stdout, whole.stdout);
}

#[test]
fn merge_reads_stdin_and_a_closed_stdout_ends_quietly() {
    use std::io::{Read, Write};
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    // Enough output to fill the pipe, so that merge is still writing.
    populate(dir.path(), 0, 400);
    let whole = run(&["--format", "json", dir.path().to_str().unwrap()]);
    assert!(whole.stdout.len() > 256 * 1024, "{}", whole.stdout.len());
    let mut child = Command::new(BIN)
        .args(["merge", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(whole.stdout.as_bytes())
        .unwrap();
    // Read one byte, then close the pipe while merge is still writing.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    stdout.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"{");
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    assert!(matches!(out.status.code(), Some(0 | 1)), "{stderr}");
}

#[test]
fn merge_refuses_what_is_not_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    fs::write(&bad, r#"{"files": []}"#).unwrap();
    let r = run(&["merge", bad.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("is not a cnab-validate JSON report"),
        "{}",
        r.stderr
    );
    let r = run(&["merge", dir.path().join("missing.json").to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("cannot read"), "{}", r.stderr);
}

#[test]
fn a_file_keeps_its_shard_as_the_corpus_grows() {
    let dir = tempfile::tempdir().unwrap();
    populate(dir.path(), 0, 25);
    let root = dir.path().to_str().unwrap();
    let shard_of = |runs: &[Run]| -> BTreeMap<String, usize> {
        runs.iter()
            .enumerate()
            .flat_map(|(k, r)| {
                paths(r)
                    .into_iter()
                    .map(move |p| (p, k))
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let before = shard_of(&shards(root, 4));
    populate(dir.path(), 25, 40);
    let after = shard_of(&shards(root, 4));
    assert_eq!(after.len(), 65);
    for (path, k) in &before {
        assert_eq!(after.get(path), Some(k), "{path} moved");
    }
}

#[test]
fn the_shard_depends_on_the_path_under_the_root_not_the_root() {
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    populate(one.path(), 0, 20);
    populate(two.path(), 0, 20);
    for k in 1..=3 {
        let spec = format!("hash:{k}/3");
        let rel = |root: &Path| -> Vec<String> {
            let r = run(&[
                "--format",
                "json",
                "--partition",
                &spec,
                root.to_str().unwrap(),
            ]);
            paths(&r)
                .into_iter()
                .map(|p| {
                    Path::new(&p)
                        .strip_prefix(root)
                        .unwrap()
                        .display()
                        .to_string()
                })
                .collect()
        };
        assert_eq!(rel(one.path()), rel(two.path()), "shard {spec}");
    }
}

#[test]
fn hash_prefix_is_the_same_partition() {
    let dir = tempfile::tempdir().unwrap();
    populate(dir.path(), 0, 20);
    let root = dir.path().to_str().unwrap();
    for k in 1..=2 {
        let plain = run(&["--format", "json", "--partition", &format!("{k}/2"), root]);
        let hashed = run(&[
            "--format",
            "json",
            "--partition",
            &format!("hash:{k}/2"),
            root,
        ]);
        assert_eq!(plain.stdout, hashed.stdout);
    }
}

#[test]
fn an_empty_shard_is_an_empty_clean_report() {
    let dir = tempfile::tempdir().unwrap();
    populate(dir.path(), 0, 1);
    let root = dir.path().to_str().unwrap();
    let runs = shards(root, 5);
    let empty: Vec<&Run> = runs.iter().filter(|r| paths(r).is_empty()).collect();
    assert_eq!(empty.len(), 4);
    for r in empty {
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(json_of(r).summary.files, 0);
    }
}

#[test]
fn bad_partitions_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    populate(dir.path(), 0, 2);
    let root = dir.path().to_str().unwrap();
    for bad in [
        "0/3",
        "4/3",
        "3",
        "a/b",
        "1/0",
        "hash:",
        "range:1/2",
        "-1/2",
    ] {
        let r = run(&[&format!("--partition={bad}"), root]);
        assert_eq!(r.code, 2, "{bad}: {}", r.stdout);
        assert!(
            r.stderr.contains("invalid partition"),
            "{bad}: {}",
            r.stderr
        );
    }
}

#[test]
fn the_number_of_workers_never_changes_the_output() {
    let dir = tempfile::tempdir().unwrap();
    populate(dir.path(), 0, 60);
    let root = dir.path().to_str().unwrap();
    for format in ["human", "json", "sarif", "github", "junit"] {
        let one = run(&["--format", format, "--jobs", "1", root]);
        for jobs in ["2", "5"] {
            let many = run(&["--format", format, "--jobs", jobs, root]);
            assert_eq!(many.code, one.code, "{format} with {jobs} jobs");
            assert_eq!(many.stdout, one.stdout, "{format} with {jobs} jobs");
        }
    }
    let r = run(&["--jobs", "0", root]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--jobs must be at least 1"),
        "{}",
        r.stderr
    );
}

#[test]
fn streamed_output_matches_the_library_renderers() {
    use cnab_validator::render::{self, Format, RenderOptions};
    use cnab_validator::Validator;
    let dir = tempfile::tempdir().unwrap();
    populate(dir.path(), 0, 12);
    let root = dir.path().to_str().unwrap();
    let mut files: Vec<_> = walkdir::WalkDir::new(dir.path())
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().to_path_buf())
        .collect();
    // The walk order is the order of the output, and it is path order
    // (component by component), which is what `merge` sorts by.
    let walked = files.clone();
    files.sort();
    assert_eq!(walked, files);
    let v = Validator::default();
    let reports: Vec<_> = files
        .iter()
        .map(|p| {
            let mut report = v.check_path(p).unwrap();
            crate::util::hints::word(&mut report);
            report
        })
        .collect();
    for (name, format) in [
        ("human", Format::Human),
        ("json", Format::Json),
        ("sarif", Format::Sarif),
        ("github", Format::Github),
        ("junit", Format::Junit),
    ] {
        let mut expected = Vec::new();
        render::render(format, &reports, &RenderOptions::default(), &mut expected).unwrap();
        let r = run(&["--format", name, "--color", "never", root]);
        assert_eq!(r.stdout, String::from_utf8(expected).unwrap(), "{name}");
    }
}
