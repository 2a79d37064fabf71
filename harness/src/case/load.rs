//! Loading runtime case files: from the binary (embedded at build time) or
//! from a directory, each checked by JSON Schema, by shape and by
//! [`super::lint`].

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::lint::check_case;
use super::{Case, CaseFile};

include!(concat!(env!("OUT_DIR"), "/embedded_cases.rs"));

/// The JSON Schema of a case file.
pub const CASE_SCHEMA: &str = include_str!("../../../cases/runtime/case.schema.json");

/// A case loaded from a named source.
#[derive(Debug, Clone)]
pub struct LoadedCase {
    /// The file it came from.
    pub file: String,
    /// The family.
    pub family: String,
    /// The case.
    pub case: Case,
}

/// A problem found in a case file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseProblem {
    /// The file.
    pub file: String,
    /// The case ID, when known.
    pub case: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for CaseProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.case {
            Some(id) => write!(f, "{}: case `{id}`: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Errors reading case files from disk.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// The directory or a file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// One or more files are broken.
    #[error("{} problem(s) in case files:\n{}", .0.len(), .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<CaseProblem>),
}

/// Reads every `*.json` case file of a directory (except the schema), sorted
/// by name, as (file name, text).
pub fn read_dir(dir: &Path) -> Result<Vec<(String, String)>, CaseError> {
    let entries = std::fs::read_dir(dir).map_err(|source| CaseError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut files = Vec::new();
    for e in entries {
        let e = e.map_err(|source| CaseError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let p = e.path();
        let name = e.file_name().to_string_lossy().to_string();
        if p.extension().is_some_and(|x| x == "json") && name != "case.schema.json" {
            let text =
                crate::io::read_regular_string(&p, crate::io::MAX_FILE).map_err(|source| {
                    CaseError::Io {
                        path: p.clone(),
                        source,
                    }
                })?;
            files.push((name, text));
        }
    }
    files.sort();
    Ok(files)
}

/// The embedded case files as (name, text).
pub fn embedded_files() -> Vec<(String, String)> {
    EMBEDDED_CASE_FILES
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect()
}

/// Parses and checks case files: JSON Schema, serde shape, unique IDs, known
/// runtime clauses, known capabilities. Returns every case, or every problem.
pub fn load(files: &[(String, String)]) -> Result<Vec<LoadedCase>, CaseError> {
    let mut problems = Vec::new();
    let mut cases = Vec::new();
    let schema_value: Value =
        serde_json::from_str(CASE_SCHEMA).expect("embedded case schema is JSON, checked by tests");
    let validator = jsonschema::draft202012::new(&schema_value)
        .expect("embedded case schema compiles, checked by tests");
    for (name, text) in files {
        let problem = |case: Option<&str>, message: String| CaseProblem {
            file: name.clone(),
            case: case.map(str::to_string),
            message,
        };
        let value: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                problems.push(problem(None, format!("not JSON: {e}")));
                continue;
            }
        };
        let schema_errors: Vec<String> = validator
            .iter_errors(&value)
            .take(5)
            .map(|e| format!("schema: {} at `{}`", e, e.instance_path()))
            .collect();
        if !schema_errors.is_empty() {
            for m in schema_errors {
                problems.push(problem(None, m));
            }
            continue;
        }
        let file: CaseFile = match serde_json::from_value(value) {
            Ok(f) => f,
            Err(e) => {
                problems.push(problem(
                    None,
                    format!("does not match the case format: {e}"),
                ));
                continue;
            }
        };
        for case in file.cases {
            for m in check_case(&case) {
                problems.push(problem(Some(&case.id), m));
            }
            cases.push(LoadedCase {
                file: name.clone(),
                family: file.family.clone(),
                case,
            });
        }
    }
    let mut seen = BTreeMap::new();
    for c in &cases {
        if let Some(first) = seen.insert(c.case.id.clone(), c.file.clone()) {
            problems.push(CaseProblem {
                file: c.file.clone(),
                case: Some(c.case.id.clone()),
                message: format!("duplicate case id (first defined in {first})"),
            });
        }
    }
    if problems.is_empty() {
        Ok(cases)
    } else {
        Err(CaseError::Invalid(problems))
    }
}

/// Loads and checks the embedded cases.
pub fn load_embedded() -> Result<Vec<LoadedCase>, CaseError> {
    load(&embedded_files())
}
/// The version of the case suite (`cases/suite.json`), reported in every run.
pub fn suite_version() -> &'static str {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| {
        let text = include_str!("../../../cases/suite.json");
        serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|v| v.get("version")?.as_str().map(str::to_string))
            .unwrap_or_else(|| "unknown".to_string())
    })
}

#[cfg(test)]
mod suite_version_tests {
    #[test]
    fn the_suite_version_is_semver() {
        let v = super::suite_version();
        assert!(semver_like(v), "{v}");
    }

    fn semver_like(v: &str) -> bool {
        let core = v.split(['-', '+']).next().unwrap_or_default();
        let parts: Vec<&str> = core.split('.').collect();
        parts.len() == 3 && parts.iter().all(|p| p.parse::<u64>().is_ok())
    }
}
