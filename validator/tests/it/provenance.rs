//! The vendored schemas are byte-exact copies: every file's sha256 matches the
//! provenance record, the record lists every file under `schemas/`, and the
//! embedded copies equal the files on disk.

use std::collections::BTreeSet;
use std::path::Path;

use sha2::{Digest, Sha256};

fn schemas_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas")
}

fn provenance() -> serde_json::Value {
    let text = std::fs::read_to_string(schemas_dir().join("PROVENANCE.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn every_vendored_schema_matches_its_recorded_sha256() {
    let prov = provenance();
    let files = prov["files"].as_array().unwrap();
    assert!(files.len() >= 40, "expected every released schema set");
    for f in files {
        let path = f["path"].as_str().unwrap();
        let bytes = std::fs::read(schemas_dir().join(path)).unwrap();
        let got = hex::encode(Sha256::digest(&bytes));
        assert_eq!(got, f["sha256"].as_str().unwrap(), "{path} was modified");
        for key in ["commit", "original_path", "git_ref", "git_blob"] {
            assert!(f[key].is_string(), "{path}: provenance lacks {key}");
        }
    }
    assert!(prov["licence"].as_str().unwrap().contains("OWFa 1.0"));
    assert!(prov["source_repository"]
        .as_str()
        .unwrap()
        .contains("cnabio/cnab-spec"));
}

#[test]
fn provenance_lists_exactly_the_files_on_disk() {
    let prov = provenance();
    let listed: BTreeSet<String> = prov["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    let mut on_disk = BTreeSet::new();
    for entry in walkdir::WalkDir::new(schemas_dir()) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(schemas_dir()).unwrap();
        if entry.file_type().is_file() && rel.to_string_lossy().ends_with(".schema.json") {
            on_disk.insert(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    assert_eq!(listed, on_disk);
}

#[test]
fn embedded_copies_equal_the_vendored_files() {
    let embedded = cnab_validator::schema::embedded::EMBEDDED;
    assert_eq!(
        embedded.len(),
        provenance()["files"].as_array().unwrap().len()
    );
    for s in embedded {
        let disk = std::fs::read_to_string(schemas_dir().join(s.path)).unwrap();
        assert_eq!(disk, s.text, "{}", s.path);
        let digest = hex::encode(Sha256::digest(s.text.as_bytes()));
        let rec = provenance()["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == s.path)
            .unwrap()["sha256"]
            .clone();
        assert_eq!(rec, digest.as_str());
    }
}
