//! Checking the document cases under `cases/documents/`: the linter for the
//! half of the suite that validators in any language consume.
//!
//! Each `NAME.case.json` must validate against `cases/documents/case.schema.json`,
//! have an ID no other case has, name only clauses of the catalog, point at a
//! document (and an optional `options.bundle`) that exists next to it, and a
//! document that is not JSON at all must expect at least one clause: a case
//! cannot call an unreadable document clean.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use cnab_model::Catalog;
use serde_json::Value;

/// The JSON Schema of a document case, embedded.
pub const DOCUMENT_CASE_SCHEMA: &str = include_str!("../../../cases/documents/case.schema.json");

/// What a check of the document cases found.
#[derive(Debug, Default)]
pub struct DocumentCheck {
    /// How many case files were read.
    pub cases: usize,
    /// One line per problem, each naming the file.
    pub problems: Vec<String>,
}

fn schema() -> Result<&'static jsonschema::Validator, String> {
    static V: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    V.get_or_init(|| {
        let value: Value = serde_json::from_str(DOCUMENT_CASE_SCHEMA).map_err(|e| e.to_string())?;
        jsonschema::options()
            .build(&value)
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(Clone::clone)
}

fn case_files(dir: &Path) -> Result<Vec<PathBuf>, std::io::Error> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            let ty = entry.file_type()?;
            let path = entry.path();
            if ty.is_dir() {
                stack.push(path);
            } else if ty.is_file() && path.to_string_lossy().ends_with(".case.json") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Checks every `*.case.json` under `dir`.
pub fn check_documents(dir: &Path) -> Result<DocumentCheck, std::io::Error> {
    let validator = schema().map_err(std::io::Error::other)?;
    let catalog = Catalog::embedded();
    let mut result = DocumentCheck::default();
    let mut ids: BTreeMap<String, PathBuf> = BTreeMap::new();
    for path in case_files(dir)? {
        result.cases += 1;
        let shown = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .display()
            .to_string();
        let mut problem = |msg: String| result.problems.push(format!("{shown}: {msg}"));
        let case: Value = match std::fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
        {
            Ok(v) => v,
            Err(e) => {
                problem(format!("not a JSON case file: {e}"));
                continue;
            }
        };
        let errors: Vec<String> = validator
            .iter_errors(&case)
            .map(|e| format!("{} at `{}`", e, e.instance_path()))
            .collect();
        if !errors.is_empty() {
            for e in errors {
                problem(format!("does not match case.schema.json: {e}"));
            }
            continue;
        }
        let id = case["id"].as_str().unwrap_or_default().to_string();
        if let Some(first) = ids.insert(id.clone(), path.clone()) {
            problem(format!(
                "id `{id}` is already used by {}",
                first.strip_prefix(dir).unwrap_or(&first).display()
            ));
        }
        let clauses: Vec<&str> = case["expect"]["clauses"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let listed = case["expect"]["findings"].as_array().into_iter().flatten();
        for c in clauses
            .iter()
            .copied()
            .chain(listed.filter_map(|f| f["clause"].as_str()))
        {
            if !catalog.contains(c) {
                problem(format!("unknown clause `{c}`"));
            }
        }
        for f in case["expect"]["findings"].as_array().into_iter().flatten() {
            if let Some(c) = f["clause"].as_str() {
                if !clauses.contains(&c) {
                    problem(format!(
                        "finding clause `{c}` is missing from `expect.clauses`"
                    ));
                }
            }
        }
        let base = path.parent().unwrap_or(dir);
        let document = base.join(case["document"].as_str().unwrap_or_default());
        match std::fs::read(&document) {
            Err(e) => problem(format!("document {}: {e}", document.display())),
            Ok(bytes) => {
                if serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).is_err()
                    && clauses.is_empty()
                {
                    problem(
                        "the document is not JSON, so the case must expect at least one clause"
                            .into(),
                    );
                }
            }
        }
        if let Some(b) = case["options"]["bundle"].as_str() {
            if !base.join(b).is_file() {
                problem(format!("options.bundle {b} does not exist"));
            }
        }
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    #[test]
    fn the_repository_document_cases_are_clean() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../cases/documents");
        let check = check_documents(&dir).unwrap();
        assert!(check.cases > 300, "{}", check.cases);
        assert!(check.problems.is_empty(), "{:#?}", check.problems);
    }

    #[test]
    fn broken_cases_are_each_reported() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "a.json", "{}");
        write(d.path(), "bad.json", "{not json");
        let ok =
            r#"{"id":"doc.t.a","description":"x","document":"a.json","expect":{"clauses":[]}}"#;
        write(d.path(), "a.case.json", ok);
        write(d.path(), "dup.case.json", ok);
        write(
            d.path(),
            "unknown.case.json",
            r#"{"id":"doc.t.u","description":"x","document":"a.json","expect":{"clauses":["no.such.clause"]}}"#,
        );
        write(
            d.path(),
            "clean-garbage.case.json",
            r#"{"id":"doc.t.g","description":"x","document":"bad.json","expect":{"clauses":[]}}"#,
        );
        write(
            d.path(),
            "missing.case.json",
            r#"{"id":"doc.t.m","description":"x","document":"nope.json","expect":{"clauses":[]}}"#,
        );
        write(
            d.path(),
            "shape.case.json",
            r#"{"id":"doc.t.s","document":"a.json","expect":{}}"#,
        );
        let check = check_documents(d.path()).unwrap();
        assert_eq!(check.cases, 6);
        let all = check.problems.join("\n");
        for needle in [
            "dup.case.json: id `doc.t.a` is already used by a.case.json",
            "unknown.case.json: unknown clause `no.such.clause`",
            "clean-garbage.case.json: the document is not JSON",
            "missing.case.json: document",
            "shape.case.json: does not match case.schema.json",
        ] {
            assert!(all.contains(needle), "{needle} not in:\n{all}");
        }
    }
}
