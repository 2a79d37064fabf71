//! Checks on the document-case corpus as a whole: unique case IDs, and every
//! copied spec example and real-world document has a case.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    crate::util::documents()
}

fn files(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect()
}

#[test]
fn case_ids_are_unique() {
    let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut count = 0;
    for path in files(&root()) {
        if !path.to_string_lossy().ends_with(".case.json") {
            continue;
        }
        count += 1;
        let case: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        let id = case["id"].as_str().unwrap_or_default().to_string();
        if let Some(first) = seen.insert(id.clone(), path.clone()) {
            panic!(
                "case id `{id}` is used by {} and {}",
                first.display(),
                path.display()
            );
        }
    }
    assert!(count >= 200, "only {count} cases");
}

#[test]
fn every_copied_document_has_a_case() {
    for sub in ["spec-examples", "real-world"] {
        let dir = root().join(sub);
        let mut documents = BTreeSet::new();
        let mut covered = BTreeSet::new();
        for path in files(&dir) {
            let name = path.to_string_lossy().to_string();
            if name.ends_with(".case.json") {
                let case: serde_json::Value =
                    serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
                let doc = path
                    .parent()
                    .unwrap()
                    .join(case["document"].as_str().unwrap());
                covered.insert(doc);
            } else if !name.ends_with(".md") {
                documents.insert(path);
            }
        }
        let missing: Vec<_> = documents.difference(&covered).collect();
        assert!(missing.is_empty(), "documents without a case: {missing:?}");
        assert!(documents.len() > 30, "{sub}: {}", documents.len());
    }
}

#[test]
fn every_spec_example_is_copied() {
    // The spec repository is not part of this one: its examples sit next to
    // the checkout (`../shared/cnab-spec/examples`, present for every
    // developer and in CI), or wherever `CNAB_SPEC_EXAMPLES` points
    // (cases/documents/README.md).
    let shared = std::env::var_os("CNAB_SPEC_EXAMPLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../../../shared/cnab-spec/examples"));
    if !shared.is_dir() {
        crate::util::missing(&format!(
            "the cnab-spec examples are not at {} (set CNAB_SPEC_EXAMPLES)",
            shared.display()
        ));
        return;
    }
    for path in files(&shared) {
        let rel = path.strip_prefix(&shared).unwrap();
        if rel.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let copy = root().join("spec-examples").join(rel);
        let ours = fs::read(&copy).unwrap_or_else(|_| panic!("{} is not copied", rel.display()));
        assert_eq!(ours, fs::read(&path).unwrap(), "{} differs", rel.display());
    }
}
