//! Runs the semantic rules over the document cases under
//! `cases/documents/rules/` and checks them against each case's expectations.
//!
//! The full pipeline (schema, canonical form, rules) runs the same cases
//! through its own datatest runner; this test looks at the rules alone, so it
//! compares only clauses that a rule can emit.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use cnab_model::{Catalog, DocumentKind, SpecVersion};
use cnab_validator::rules::{check, implemented_clauses, RawFinding, RuleContext, RuleOptions};
use serde_json::Value;

fn rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../cases/documents/rules")
}

fn case_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            case_files(&p, out);
        } else if p.to_string_lossy().ends_with(".case.json") {
            out.push(p);
        }
    }
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not json: {e}", path.display()))
}

/// One loaded case.
struct Case {
    path: PathBuf,
    meta: Value,
    findings: Vec<RawFinding>,
    doc: Value,
}

fn run_case(path: &Path) -> Case {
    let meta = read_json(path);
    let dir = path.parent().expect("case file has a directory");
    let doc_name = meta["document"].as_str().expect("case names its document");
    let doc = read_json(&dir.join(doc_name));
    let kind = match meta.get("kind").and_then(Value::as_str) {
        Some(k) => k.parse::<DocumentKind>().expect("known kind"),
        None => DocumentKind::Bundle,
    };
    let version = match meta.get("spec_version").and_then(Value::as_str) {
        Some(v) => v.parse::<SpecVersion>().expect("known spec version"),
        None => SpecVersion::latest_core(),
    };
    let opts = meta.get("options");
    let options = RuleOptions {
        release: opts
            .and_then(|o| o.get("release"))
            .and_then(Value::as_bool)
            .unwrap_or(false),
        bundle: opts
            .and_then(|o| o.get("bundle"))
            .and_then(Value::as_str)
            .map(|b| read_json(&dir.join(b))),
    };
    let findings = check(&RuleContext {
        doc: &doc,
        kind,
        version,
        options: &options,
    });
    Case {
        path: path.to_path_buf(),
        meta,
        findings,
        doc,
    }
}

fn all_cases() -> Vec<Case> {
    let mut files = Vec::new();
    case_files(&rules_dir(), &mut files);
    assert!(
        files.len() > 100,
        "expected the rules corpus, found {} cases",
        files.len()
    );
    files.iter().map(|p| run_case(p)).collect()
}

fn expected_rule_clauses(meta: &Value) -> BTreeSet<String> {
    let implemented: BTreeSet<&str> = implemented_clauses().iter().copied().collect();
    meta["expect"]["clauses"]
        .as_array()
        .expect("expect.clauses")
        .iter()
        .filter_map(Value::as_str)
        .filter(|c| implemented.contains(c))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_case_gets_exactly_its_rule_findings() {
    let mut failures = Vec::new();
    for case in all_cases() {
        let name = case.path.display();
        let expected = expected_rule_clauses(&case.meta);
        let actual: BTreeSet<String> = case.findings.iter().map(|f| f.clause.to_string()).collect();
        if expected != actual {
            failures.push(format!(
                "{name}: expected rule clauses {expected:?}, got {:?}",
                case.findings
            ));
            continue;
        }
        for f in case.meta["expect"]["findings"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let clause = f["clause"].as_str().unwrap_or_default();
            let pointer = f["pointer"].as_str().unwrap_or_default();
            if expected.contains(clause)
                && !case
                    .findings
                    .iter()
                    .any(|x| x.clause == clause && x.pointer == pointer)
            {
                failures.push(format!(
                    "{name}: no {clause} finding at `{pointer}`, got {:?}",
                    case.findings
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn findings_point_into_the_document_and_read_well() {
    for case in all_cases() {
        for f in &case.findings {
            assert!(
                case.doc.pointer(&f.pointer).is_some(),
                "{}: pointer `{}` of {} does not resolve",
                case.path.display(),
                f.pointer,
                f.clause
            );
            let first = f.message.chars().next().expect("message is not empty");
            assert!(
                !first.is_uppercase(),
                "message starts upper-case: {}",
                f.message
            );
            assert!(
                !f.message.ends_with('.'),
                "message ends with a period: {}",
                f.message
            );
        }
    }
}

#[test]
fn every_implemented_clause_has_an_invalid_and_a_valid_case() {
    let catalog = Catalog::embedded();
    let cases = all_cases();
    for clause in implemented_clauses() {
        assert!(catalog.contains(clause), "{clause} is not in the catalog");
        let dir = rules_dir().join(clause);
        let in_dir: Vec<&Case> = cases.iter().filter(|c| c.path.starts_with(&dir)).collect();
        let expects = |c: &&Case| expected_rule_clauses(&c.meta).contains(*clause);
        assert!(
            in_dir.iter().any(expects),
            "{clause}: no invalid case in {}",
            dir.display()
        );
        assert!(
            in_dir.iter().any(|c| !expects(c)),
            "{clause}: no valid case in {}",
            dir.display()
        );
    }
}

#[test]
fn case_files_name_known_clauses_and_unique_ids() {
    let catalog = Catalog::embedded();
    let mut ids = BTreeSet::new();
    for case in all_cases() {
        let id = case.meta["id"].as_str().expect("case id").to_string();
        assert!(id.starts_with("doc.rules."), "{id}");
        assert!(ids.insert(id.clone()), "duplicate case id {id}");
        for c in case.meta["expect"]["clauses"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let c = c.as_str().expect("clause id");
            assert!(catalog.contains(c), "{id}: unknown clause {c}");
        }
    }
}

/// Every rule message of the corpus, for review: a message names the value
/// and says what the spec expects.
#[test]
fn rule_messages_snapshot() {
    let root = rules_dir();
    let mut text = String::new();
    for case in all_cases() {
        if case.findings.is_empty() {
            continue;
        }
        let rel = case.path.strip_prefix(&root).unwrap_or(&case.path);
        text.push_str(&format!("{}\n", rel.display()));
        for f in &case.findings {
            text.push_str(&format!("  {} `{}`: {}\n", f.clause, f.pointer, f.message));
        }
    }
    insta::assert_snapshot!("rule_messages", text);
}
