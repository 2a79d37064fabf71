//! Hostile input, end to end through the real `cnab-validate` binary.
//!
//! Each case asserts a clear message, the documented exit code (1 for
//! findings, 2 for usage and I/O errors) and that nothing panicked; the
//! large inputs also assert a bound on the child's peak memory, read from
//! `wait4`'s resource usage. docs/hardening.md lists every fault class and
//! what happens.

use crate::util::{run, s, spawn, wait, write, Run, BIN};
use std::fs;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{symlink, FileTypeExt, MetadataExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, SystemTime};

/// The peak memory allowed for an input of `size` bytes made of a few long
/// strings: twelve times the input plus 64 MiB of fixed cost (schemas, code,
/// thread stacks). Documented in docs/hardening.md.
fn memory_bound(size: usize) -> u64 {
    12 * size as u64 + 64 * 1024 * 1024
}

/// The peak memory allowed for an input of `size` bytes made of tiny values
/// (the worst case: every value costs a serde value, and a tree node again
/// when findings must be located, about 31 times its text). Documented in
/// docs/hardening.md.
fn dense_memory_bound(size: usize) -> u64 {
    40 * size as u64 + 64 * 1024 * 1024
}

fn clean_bundle() -> String {
    let p =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../cases/documents/pipeline/clean-bundle.json");
    fs::read_to_string(p).expect("clean bundle")
}

/// Checks one document given as bytes and asserts the exit code and a
/// fragment of the output.
fn expect_finding(bytes: &[u8], clause: &str, fragment: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(dir.path(), "doc.json", bytes);
    let r = run(&[s(&f)]);
    // The level is the catalog's; a must fails the document unless the
    // clause is a tool notice (json.limits), which never does.
    let catalog = cnab_model::Catalog::embedded();
    let level = catalog.level_of(clause);
    let fails = level == cnab_model::Level::Must && !catalog.is_tool(clause);
    assert_eq!(r.code, u8::from(fails) as i32, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(&format!("{level}[{clause}]")),
        "{clause}: {}",
        r.stdout
    );
    assert!(r.stdout.contains(fragment), "{fragment}: {}", r.stdout);
}

#[test]
fn encoding_faults_are_findings() {
    expect_finding(
        b"{\"status\":\"\xff\"}",
        "json.wellformed",
        "not valid UTF-8",
    );
    expect_finding(
        b"{\"status\":\"\xed\xa0\x80\"}",
        "json.wellformed",
        "not valid UTF-8",
    );
    expect_finding(br#"{"status":"\ud800"}"#, "json.wellformed", "surrogate");
    expect_finding(br#"{"status":"\udc00"}"#, "json.wellformed", "surrogate");
    expect_finding(
        b"\xef\xbb\xbf{\"status\":\"Ready\"}",
        "json.wellformed",
        "byte order mark",
    );
    expect_finding(
        b"{\"status\":\"Re\x00ady\"}",
        "json.wellformed",
        "control character U+0000",
    );
    expect_finding(b"\x00", "json.wellformed", "not checked further");
    expect_finding(b"", "json.wellformed", "not checked further");
    expect_finding(b"   \n", "json.wellformed", "not checked further");
    // An escaped NUL is valid JSON; in a bundle name it breaks the name rule.
    let named = clean_bundle().replace(r#""name":"app""#, r#""name":"a\u0000pp""#);
    expect_finding(
        named.as_bytes(),
        "core.bundle.name.graphic",
        "contains U+0000",
    );
}

#[test]
fn numbers_beyond_every_range_are_judged_not_crashed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = clean_bundle();
    // (number, verdict of `check`, olpc fmt exit, jcs fmt exit)
    for (number, check, olpc, jcs) in [
        ("1e400", 1, 0, 1),
        ("-0", 1, 0, 0),
        ("18446744073709551616", 0, 0, 0),
        ("1e-400", 1, 1, 0),
        ("123456789012345678901234567890", 0, 0, 0),
    ] {
        let doc = format!(r#"{{"custom":{{"x.y":{{"n":{number}}}}},{}"#, &bundle[1..]);
        let f = write(dir.path(), "n.json", &doc);
        let r = run(&[s(&f)]);
        assert_eq!(r.code, check, "{number}: {}", r.stdout);
        let o = run(&["fmt", "--profile", "olpc", s(&f)]);
        assert_eq!(o.code, olpc, "{number} olpc: {}", o.stderr);
        let j = run(&["fmt", "--profile", "jcs", s(&f)]);
        assert_eq!(j.code, jcs, "{number} jcs: {}", j.stderr);
        if number == "1e400" {
            assert!(o.stdout.contains(&format!("1{}", "0".repeat(400))));
            assert!(j.stderr.contains("beyond the range of an IEEE-754 double"));
        }
        if number == "1e-400" {
            assert!(o
                .stderr
                .contains("OLPC canonical JSON allows integers only"));
            assert!(j.stdout.contains(r#""n":0"#), "{}", j.stdout);
        }
        if number == "-0" {
            assert!(o.stdout.contains(r#""n":0"#) && j.stdout.contains(r#""n":0"#));
        }
    }
    // A tiny input cannot expand to gigabytes through OLPC.
    let f = write(dir.path(), "huge-exp.json", r#"{"n":1e999999999}"#);
    let o = run(&["fmt", "--profile", "olpc", s(&f)]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(o.stderr.contains("digits"), "{}", o.stderr);
}

#[test]
fn duplicate_keys_and_deep_nesting() {
    expect_finding(
        br#"{"status":"Ready","status":"Failed"}"#,
        "json.unique_keys",
        "occurs more than once",
    );
    let deep = [vec![b'['; 100_000], vec![b']'; 100_000]].concat();
    expect_finding(&deep, "json.limits", "deeper than");
    let mut objects = br#"{"a":"#.repeat(100_000);
    objects.push(b'1');
    objects.extend(std::iter::repeat_n(b'}', 100_000));
    expect_finding(&objects, "json.limits", "deeper than");
}

#[test]
fn many_findings_on_one_long_line_render_in_linear_time() {
    // 30,000 duplicate keys on one 180 KB line (29,999 duplicate findings
    // and one for the unknown kind): rendering used to count
    // columns and copy the line once per finding (quadratic, hours here).
    let doc = format!("{{{}}}", vec![r#""a":1"#; 30_000].join(","));
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(dir.path(), "dups.json", &doc);
    for format in ["human", "json", "sarif", "github", "junit"] {
        // Duplicates are a should, the unknown kind a tool notice: exit 0.
        let r = run(&["--format", format, s(&f)]);
        assert_eq!(r.code, 0, "{format}: {}", r.stderr);
        assert!(r.stdout.contains("json.unique_keys"), "{format}");
    }
    let r = run(&[s(&f)]);
    assert!(
        r.stdout.contains("30000 finding(s)"),
        "{}",
        &r.stdout[r.stdout.len().saturating_sub(300)..]
    );
}

#[test]
fn many_findings_in_one_large_object_are_located_in_linear_time() {
    // 20,000 parameters without a definition: each finding's span lookup
    // searched the object's members one by one (17 s here before).
    let params: Vec<String> = (0..20_000).map(|i| format!(r#""P{i:05}":{{}}"#)).collect();
    let doc = clean_bundle().replacen(
        r#""schemaVersion""#,
        &format!(r#""parameters":{{{}}},"schemaVersion""#, params.join(",")),
        1,
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(dir.path(), "params.json", &doc);
    let r = run(&["--format", "json", s(&f)]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let findings = report["files"][0]["findings"].as_array().expect("findings");
    assert!(findings.len() >= 20_000, "{}", findings.len());
    let last = findings
        .iter()
        .find(|f| f["pointer"] == "/parameters/P19999")
        .expect("a finding on the last parameter");
    let column = last["column"].as_u64().expect("column") as usize;
    assert_eq!(&doc[column - 10..column], r#""P19999":{"#);
}

#[test]
fn escape_sequences_in_documents_and_names_stay_inert() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = clean_bundle().replacen('{', r#"{"\u001b[2J\u001b]0;pwned\u0007":1,"#, 1);
    let f = write(dir.path(), "key.json", &key);
    let raw = write(dir.path(), "raw.json", b"{\"status\":\"\x1b[31m\"}");
    let evil = write(dir.path(), "\x1b[2Jname.json", "{");
    for format in ["human", "github"] {
        let r = run(&["--format", format, s(&f), s(&raw), s(&evil)]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(!r.stdout.contains('\x1b'), "{format}: {:?}", r.stdout);
        assert!(!r.stdout.contains('\x07'), "{format}: {:?}", r.stdout);
        assert!(r.stdout.contains(r"\u{1b}[2J"), "{format}: {}", r.stdout);
    }
}

#[test]
fn huge_inputs_are_checked_within_the_memory_bound() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A 40 MB string inside a bundle: parsed, schema-checked, canonical
    // checked under both profiles and rendered.
    let big = "x".repeat(40 * 1024 * 1024);
    let bundle = clean_bundle().replacen('{', &format!(r#"{{"description":"{big}","#), 1);
    drop(big);
    let f = write(dir.path(), "string.json", &bundle);
    let r = run(&[s(&f)]);
    r.says_on_stdout(0, "string.json: ok (bundle");
    assert!(
        r.peak <= memory_bound(bundle.len()),
        "peak {} bytes for a {} byte input (bound {})",
        r.peak,
        bundle.len(),
        memory_bound(bundle.len())
    );
    eprintln!("40 MB string: peak RSS {} MiB", r.peak >> 20);

    // A 50 MB document of many small values, with many findings.
    let item = r#"{"k":"value","n":12345},"#;
    let mut doc = String::with_capacity(50 * 1024 * 1024 + 64);
    doc.push_str(r#"{"status":"Ready","items":["#);
    while doc.len() < 50 * 1024 * 1024 {
        doc.push_str(item);
    }
    doc.push_str("1]}");
    let f = write(dir.path(), "many.json", &doc);
    let r = run(&["--kind", "status", s(&f)]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    assert!(
        r.peak <= dense_memory_bound(doc.len()),
        "peak {} bytes for a {} byte input (bound {})",
        r.peak,
        doc.len(),
        dense_memory_bound(doc.len())
    );
    eprintln!("50 MB document: peak RSS {} MiB", r.peak >> 20);
}

#[test]
fn inputs_over_the_size_limit_are_not_read_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let limit = 64 * 1024 * 1024;
    let f = dir.path().join("over.json");
    let file = fs::File::create(&f).expect("create");
    file.set_len(limit as u64 + 1).expect("sparse file");
    drop(file);
    // json.limits is a tool notice: reported at may, never failing.
    let r = run(&[s(&f)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("may[json.limits]: the document is larger than the limit of 67108864 bytes"),
        "{}",
        &r.stdout[..r.stdout.len().min(400)]
    );
    // An endless device and an endless pipe end at the limit too.
    let r = run(&["/dev/zero"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("may[json.limits]"));
    assert!(r.peak <= memory_bound(limit), "peak {}", r.peak);
    let mut child = spawn(&["-"], Stdio::piped());
    let mut stdin = child.stdin.take().expect("stdin");
    let feeder = thread::spawn(move || {
        let block = vec![b' '; 1 << 20];
        // Stops when the child closes the pipe; bounded in any case.
        for _ in 0..1024 {
            if stdin.write_all(&block).is_err() {
                break;
            }
        }
    });
    let r = wait(child);
    feeder.join().expect("feeder");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("<stdin>:1:1: may[json.limits]"),
        "{}",
        &r.stdout[..r.stdout.len().min(300)]
    );
}

#[test]
fn file_system_faults_are_io_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = write(dir.path(), "good.json", clean_bundle());

    // A path that does not exist, a dangling symlink, a path through a
    // regular file: exit 2 with the path in the message.
    let r = run(&["/nonexistent/bundle.json"]);
    r.says_on_stderr(2, "cannot read `/nonexistent/bundle.json`");
    let dangling = dir.path().join("dangling.json");
    symlink(dir.path().join("nowhere.json"), &dangling).expect("symlink");
    let r = run(&[s(&dangling), s(&good)]);
    r.says_on_stderr(2, "dangling.json");
    assert!(
        r.stdout.contains("good.json: ok"),
        "the other file is still checked: {}",
        r.stdout
    );
    let through = good.join("x.json");
    let r = run(&[s(&through)]);
    r.says_on_stderr(2, "Not a directory");

    // A directory where a file is expected.
    let r = run(&["fmt", s(dir.path())]);
    r.says_on_stderr(2, "Is a directory");
    let r = run(&["--bundle", s(dir.path()), s(&good)]);
    r.says_on_stderr(2, "cannot read --bundle");

    // An unreadable file. Root reads it anyway, so the sub-case only runs
    // for other users.
    let locked = write(dir.path(), "locked.json", "{}");
    let euid = fs::metadata("/proc/self").map(|m| m.uid()).unwrap_or(0);
    if euid == 0 {
        eprintln!(
            "skipping the chmod 000 sub-case: running as root, where permissions do not bind"
        );
    } else {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).expect("chmod");
        let r = run(&[s(&locked)]);
        r.says_on_stderr(2, "Permission denied");
    }
}

#[test]
fn directory_walks_survive_loops_dangling_links_and_odd_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("tree");
    fs::create_dir_all(root.join("sub")).expect("mkdir");
    write(&root, "a.json", clean_bundle());
    write(&root.join("sub"), "b.json", "{");
    symlink(&root, root.join("sub/loop")).expect("loop link");
    let r = run(&[s(&root)]);
    r.says_on_stderr(2, "cannot walk");
    assert!(r.stdout.contains("a.json: ok"), "{}", r.stdout);
    assert!(
        r.stdout.contains("b.json:1:2: must[json.wellformed]"),
        "{}",
        r.stdout
    );

    // A file name that is not UTF-8 is checked and shown lossily.
    let odd = tempfile::tempdir().expect("tempdir");
    let name = std::ffi::OsStr::from_bytes(b"bad\xff.json");
    fs::write(odd.path().join(name), "{").expect("odd name");
    let r = run(&[s(odd.path())]);
    r.says_on_stdout(1, "bad\u{fffd}.json:1:2:");
}

#[test]
fn a_named_pipe_is_read_like_a_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("pipe.json");
    let c = std::ffi::CString::new(s(&fifo)).expect("c string");
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
    let child = spawn(&[s(&fifo)], Stdio::null());
    let path = fifo.clone();
    let writer = thread::spawn(move || {
        let mut w = fs::OpenOptions::new()
            .write(true)
            .open(path)
            .expect("open fifo");
        w.write_all(clean_bundle().as_bytes()).expect("write fifo");
    });
    let r = wait(child);
    writer.join().expect("writer");
    r.says_on_stdout(0, "pipe.json: ok (bundle");
    // In a directory walk, a FIFO is not a file and is skipped, so a walk
    // never blocks on one.
    write(dir.path(), "good.json", clean_bundle());
    let r = run(&[s(dir.path())]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(!r.stdout.contains("pipe.json"), "{}", r.stdout);
}

#[test]
fn a_file_growing_while_read_is_read_consistently() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(dir.path(), "growing.json", r#"{"status":"Ready"}"#);
    let stop = Arc::new(AtomicBool::new(false));
    let appender = {
        let f = f.clone();
        let stop = Arc::clone(&stop);
        thread::spawn(move || {
            let mut file = fs::OpenOptions::new().append(true).open(f).expect("open");
            let block = [b' '; 4096];
            // Whitespace keeps every prefix the same document; bounded at
            // 16 MiB.
            for _ in 0..4096 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                file.write_all(&block).expect("append");
            }
        })
    };
    let runs: Vec<Run> = (0..4).map(|_| run(&[s(&f)])).collect();
    stop.store(true, Ordering::Relaxed);
    appender.join().expect("appender");
    for r in runs {
        r.says_on_stdout(0, "growing.json: ok (status");
    }
}

#[test]
fn ten_thousand_files_come_out_in_a_stable_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut names = Vec::new();
    for i in 0..10_000 {
        // Names whose creation order differs from their sorted order.
        let name = format!("f{:05}.json", (i * 7919) % 10_000);
        let body = if i % 10 == 0 {
            "{"
        } else {
            r#"{"status":"Ready"}"#
        };
        write(dir.path(), &name, body);
        names.push(name);
    }
    names.sort();
    let first = run(&["--format", "json", s(dir.path())]);
    assert_eq!(first.code, 1, "{}", first.stderr);
    let second = run(&["--format", "json", s(dir.path())]);
    assert_eq!(first.stdout, second.stdout, "two runs print the same");
    let report: serde_json::Value = serde_json::from_str(&first.stdout).expect("json");
    let files: Vec<String> = report["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            Path::new(f["path"].as_str().expect("path"))
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(files, names);
    assert_eq!(report["summary"]["failed_files"], 1000);
}

/// The modification time of `p`.
fn mtime(p: &Path) -> SystemTime {
    fs::metadata(p)
        .expect("metadata")
        .modified()
        .expect("mtime")
}

/// Sets the modification time of `p` an hour back, so that a rewrite within
/// the same second still shows.
fn age(p: &Path) -> SystemTime {
    let past = SystemTime::now() - Duration::from_secs(3600);
    fs::File::options()
        .write(true)
        .open(p)
        .expect("open")
        .set_modified(past)
        .expect("set mtime");
    mtime(p)
}

#[test]
fn fmt_write_only_rewrites_the_file_named_and_only_when_needed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let canonical = clean_bundle();
    let pretty = serde_json::to_string_pretty(
        &serde_json::from_str::<serde_json::Value>(&canonical).expect("json"),
    )
    .expect("pretty");

    // Already canonical: not touched at all.
    let f = write(dir.path(), "canonical.json", &canonical);
    let before = age(&f);
    let r = run(&["fmt", "--write", s(&f)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(mtime(&f), before, "a canonical file is left alone");

    // Does not parse, or cannot be written in the profile: not touched.
    let broken = write(dir.path(), "broken.json", "{\"a\": [1,");
    let float = write(dir.path(), "float.json", r#"{"a": 1.5}"#);
    let b1 = age(&broken);
    let b2 = age(&float);
    let r = run(&["fmt", "--profile", "olpc", "--write", s(&broken), s(&float)]);
    assert_eq!(r.code, 2, "not JSON is refused: {}", r.stderr);
    assert_eq!(
        run(&["fmt", "--profile", "olpc", "--write", s(&float)]).code,
        1,
        "a float under OLPC is a finding"
    );
    assert_eq!((mtime(&broken), mtime(&float)), (b1, b2));
    assert_eq!(fs::read_to_string(&broken).expect("read"), "{\"a\": [1,");

    // A symlink is refused, and neither the link nor its target changes;
    // the target itself can be rewritten by its own path.
    let outside = tempfile::tempdir().expect("tempdir");
    let target = write(outside.path(), "target.json", &pretty);
    let link = dir.path().join("link.json");
    symlink(&target, &link).expect("symlink");
    let t = age(&target);
    let r = run(&["fmt", "--write", s(&link)]);
    r.says_on_stderr(2, "is a symbolic link");
    assert!(fs::symlink_metadata(&link)
        .expect("link")
        .file_type()
        .is_symlink());
    assert_eq!(mtime(&target), t);
    assert_eq!(fs::read_to_string(&target).expect("read"), pretty);

    // A hard-linked file is refused like a symlink: replacing it by rename
    // would silently split it from its other names.
    let other = dir.path().join("other-name.json");
    fs::hard_link(&target, &other).expect("hard link");
    let r = run(&["fmt", "--write", s(&other)]);
    r.says_on_stderr(2, "has 2 hard links");
    assert_eq!(mtime(&target), t);
    assert_eq!(fs::read_to_string(&other).expect("read"), pretty);
    assert_eq!(fs::metadata(&other).expect("meta").nlink(), 2);
    fs::remove_file(&other).expect("unlink");

    // A rewrite goes through a new file in the same directory: the inode
    // changes, the permissions stay, nothing else appears in the directory.
    use std::os::unix::fs::PermissionsExt;
    let work = tempfile::tempdir().expect("tempdir");
    let f = write(work.path(), "bundle.json", &pretty);
    fs::set_permissions(&f, fs::Permissions::from_mode(0o640)).expect("chmod");
    let inode = fs::metadata(&f).expect("meta").ino();
    let r = run(&["fmt", "--write", s(&f)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(fs::read_to_string(&f).expect("read"), canonical);
    let meta = fs::metadata(&f).expect("meta");
    assert_ne!(
        meta.ino(),
        inode,
        "replaced by rename, not written in place"
    );
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);
    let entries: Vec<_> = fs::read_dir(work.path()).expect("dir").collect();
    assert_eq!(entries.len(), 1, "no temporary file is left behind");

    // The owner is kept when the process may set it (root here, in CI).
    if nix_is_root() {
        let owned = write(work.path(), "owned.json", &pretty);
        std::os::unix::fs::chown(&owned, Some(4321), Some(4322)).expect("chown");
        let r = run(&["fmt", "--write", s(&owned)]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let meta = fs::metadata(&owned).expect("meta");
        assert_eq!((meta.uid(), meta.gid()), (4321, 4322), "owner kept");
        fs::remove_file(&owned).expect("rm");
    }

    // A FIFO is not rewritten (and not blocked on: it is refused before
    // anything is read only if nothing writes, so give it a writer).
    let fifo = work.path().join("pipe.json");
    let c = std::ffi::CString::new(s(&fifo)).expect("c string");
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
    let child = spawn(&["fmt", "--write", s(&fifo)], Stdio::null());
    let path = fifo.clone();
    let writer = thread::spawn(move || {
        let mut w = fs::OpenOptions::new()
            .write(true)
            .open(path)
            .expect("open fifo");
        w.write_all(pretty.as_bytes()).expect("write fifo");
    });
    let r = wait(child);
    writer.join().expect("writer");
    r.says_on_stderr(2, "not a regular file");
    assert!(fs::symlink_metadata(&fifo)
        .expect("fifo")
        .file_type()
        .is_fifo());
}

#[test]
fn a_full_disk_on_stdout_is_an_io_error_and_closed_stdin_is_empty() {
    let full = fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(dir.path(), "b.json", clean_bundle());
    let out = Command::new(BIN)
        .arg(s(&f))
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // Stdin with nothing behind it reads as empty input.
    let r = run(&["-"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("<stdin>:1:1: must[json.wellformed]: empty input"),
        "{}",
        r.stdout
    );
}

fn nix_is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}
