//! Golden test: the JSON output of `cnab-validate --format json` over
//! `cases/documents` is byte-identical to the committed one. It was written
//! before the validator's CLI was restructured, to prove the move changed no
//! behaviour; any intended change of findings shows up here as a reviewed diff.
//!
//! `GOLDEN_UPDATE=1 cargo test -p cnab-validator --test golden` rewrites the file.

use std::path::Path;
use std::process::Command;

#[test]
fn document_corpus_output_is_unchanged() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = Command::new(crate::util::BIN)
        .args(["--format", "json", "cases/documents"])
        .current_dir(&root)
        .output()
        .expect("cnab-validate runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let actual = String::from_utf8(out.stdout).expect("UTF-8 output");
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/documents.json");
    if std::env::var_os("GOLDEN_UPDATE").is_some() {
        std::fs::write(&golden, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&golden).expect("the golden output is committed");
    if actual != expected {
        let diff = similar::TextDiff::from_lines(&expected, &actual)
            .unified_diff()
            .header("golden", "actual")
            .to_string();
        panic!(
            "cnab-validate's output changed (GOLDEN_UPDATE=1 rewrites it after review):\n{diff}"
        );
    }
}
