//! The document cases are consumable from another language: the Python
//! consumer in `cases/examples/` (standard library only) runs this crate's
//! binary on every case and must agree with every expectation.

use std::path::Path;
use std::process::Command;

#[test]
fn python_consumer_agrees_with_every_document_case() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let script = root.join("cases/examples/consume_document_cases.py");
    let python = ["python3", "python"]
        .into_iter()
        .find(|p| Command::new(p).arg("--version").output().is_ok());
    let Some(python) = python else {
        crate::util::missing("no python3 on PATH, which the consumer test runs");
        return;
    };
    let out = Command::new(python)
        .arg(&script)
        .arg("--validator")
        .arg(crate::util::BIN)
        .arg(root.join("cases/documents"))
        .output()
        .expect("run the python consumer");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "consumer disagreed:\n{stdout}\n{stderr}"
    );
    let last = stdout.lines().last().unwrap_or_default();
    let (agree, total) = last
        .split_once(" document cases agree")
        .and_then(|(n, _)| n.split_once('/'))
        .expect("summary line");
    assert_eq!(agree, total, "{last}");
    assert!(total.parse::<usize>().unwrap() > 300, "{last}");
}
