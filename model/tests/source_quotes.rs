//! Every `source_quotes` entry of `cases/catalog.json` is checked verbatim
//! against the CNAB spec text, and every `must` clause (tool clauses aside)
//! is backed by an uppercase MUST, MUST NOT, REQUIRED or SHALL in each
//! version it lists.
//!
//! The spec text lives outside the repository, in
//! `$CARGO_MANIFEST_DIR/../../shared/cnab-spec/spec-text` (the repository is
//! checked out next to `shared/`), or wherever `CNAB_SPEC_TEXT` points. When
//! the directory is missing the text checks print a message and pass, except
//! under `CI=true`, where they fail.
//!
//! Comparison: runs of whitespace (spaces, tabs, line breaks) collapse into
//! one space on both sides, so a sentence wrapped over lines still matches.
//! Nothing else is normalised: Markdown emphasis (`_x_`, `**x**`), backticks
//! and links are compared exactly as the spec writes them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use cnab_model::catalog::CATALOG_JSON;
use cnab_model::{Catalog, Level};

/// Clauses with no sentence in the spec text, and why.
const UNQUOTED: &[(&str, &str)] = &[
    (
        "json.unique_keys",
        "the level comes from RFC 8259 § 4, which is not part of the CNAB spec text",
    ),
    (
        "claim.legacy.model",
        "core 1.0.0 and 1.0.1 define this claim model by schema only",
    ),
];

fn spec_text_dir() -> PathBuf {
    match std::env::var_os("CNAB_SPEC_TEXT") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/cnab-spec/spec-text"),
    }
}

/// The spec text directory, or `None` (after saying so) when it is missing
/// outside CI.
fn spec_text() -> Option<PathBuf> {
    let dir = spec_text_dir();
    if dir.is_dir() {
        return Some(dir);
    }
    let msg = format!(
        "spec text not found at {} (set CNAB_SPEC_TEXT); quotes not checked",
        dir.display()
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{msg}");
    }
    eprintln!("{msg}");
    None
}

fn normalise(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every problem of `catalog`'s quotes against the text in `dir`.
fn quote_problems(catalog: &Catalog, dir: &Path) -> Vec<String> {
    let mut texts: HashMap<String, Option<String>> = HashMap::new();
    let mut problems = Vec::new();
    for c in catalog.clauses() {
        for q in &c.source_quotes {
            if q.versions.is_empty() {
                problems.push(format!("{}: a quote lists no version", c.id));
            }
            let quote = normalise(&q.quote);
            for v in &q.versions {
                let rel = q.path_for(v);
                let text = texts.entry(rel.clone()).or_insert_with(|| {
                    std::fs::read_to_string(dir.join(&rel))
                        .ok()
                        .map(|t| normalise(&t))
                });
                match text {
                    None => problems.push(format!("{}: no file {rel}", c.id)),
                    Some(t) if !t.contains(&quote) => {
                        problems.push(format!("{}: not in {rel}: {:?}", c.id, q.quote))
                    }
                    Some(_) => {}
                }
            }
        }
        if c.level == Level::Must && !c.is_tool() {
            let keyed: Vec<_> = c
                .source_quotes
                .iter()
                .filter(|q| q.has_must_keyword())
                .collect();
            if keyed.is_empty() {
                problems.push(format!(
                    "{}: at must without a MUST/MUST NOT/REQUIRED/SHALL quote",
                    c.id
                ));
            }
            for v in &c.versions {
                if !keyed.iter().any(|q| q.versions.contains(v)) {
                    problems.push(format!(
                        "{}: at must, but no MUST/MUST NOT/REQUIRED/SHALL quote for {v}",
                        c.id
                    ));
                }
            }
        }
    }
    problems
}

#[test]
fn every_quote_is_verbatim_in_the_spec_text_and_every_must_has_a_keyword() {
    let Some(dir) = spec_text() else { return };
    let problems = quote_problems(Catalog::embedded(), &dir);
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_spec_clause_is_quoted_and_no_tool_clause_is() {
    for c in Catalog::embedded().clauses() {
        let exempt = UNQUOTED.iter().any(|(id, _)| *id == c.id);
        if c.is_tool() {
            assert!(c.source_quotes.is_empty(), "{}: tool clause quotes", c.id);
            assert!(c.level < Level::Must, "{}: tool clause at must", c.id);
        } else {
            assert_eq!(
                c.source_quotes.is_empty(),
                exempt,
                "{}: spec clauses carry quotes (unless listed in UNQUOTED)",
                c.id
            );
        }
        for q in &c.source_quotes {
            assert!(
                q.versions.len() == 1 || q.file.contains("{version}"),
                "{}: a quote of several versions needs `{{version}}` in its file",
                c.id
            );
        }
    }
}

#[test]
fn the_three_tool_clauses_are_tools() {
    let cat = Catalog::embedded();
    for id in ["doc.kind.known", "doc.schemaVersion.known", "json.limits"] {
        assert!(cat.is_tool(id), "{id}");
    }
    assert!(!cat.is_tool("json.wellformed"));
}

/// The check itself fails on a quote that is not in the text, on a must
/// backed only by a SHOULD, and on a must whose keyword quote misses a
/// version.
#[test]
fn the_quote_check_catches_wrong_quotes() {
    let Some(dir) = spec_text() else { return };
    let mut file: serde_json::Value = serde_json::from_str(CATALOG_JSON).unwrap();
    let clauses = file["clauses"].as_array_mut().unwrap();
    let find = |clauses: &mut Vec<serde_json::Value>, id: &str| {
        clauses.iter().position(|c| c["id"] == id).unwrap()
    };
    // 1. A quote with one word changed.
    let i = find(clauses, "core.bundle.version.semver2");
    let q = &mut clauses[i]["source_quotes"][0]["quote"];
    *q = q.as_str().unwrap().replace("MUST", "SHOULD").into();
    // 2. A must clause whose only quote is a SHOULD sentence.
    let i = find(clauses, "core.names.dotted.shape");
    let should = find(clauses, "core.names.dotted.reverse_dns");
    clauses[i]["source_quotes"] = clauses[should]["source_quotes"].clone();
    // 3. A must clause claiming a version its quote does not list.
    let i = find(clauses, "core.image.contentDigest.repo_digest");
    clauses[i]["versions"] = serde_json::json!(["1.0.0", "1.1.0", "1.2.0"]);
    let broken = Catalog::from_json(&file.to_string()).unwrap();
    let problems = quote_problems(&broken, &dir);
    for id in [
        "core.bundle.version.semver2: not in",
        "core.names.dotted.shape: at must without",
        "core.image.contentDigest.repo_digest: at must, but no MUST/MUST NOT/REQUIRED/SHALL quote for 1.0.0",
    ] {
        assert!(
            problems.iter().any(|p| p.starts_with(id)),
            "expected `{id}` among {problems:#?}"
        );
    }
    // Nothing else in the catalog is reported.
    assert!(
        problems.iter().all(|p| [
            "core.bundle.version.semver2:",
            "core.names.dotted.shape:",
            "core.image.contentDigest.repo_digest:"
        ]
        .iter()
        .any(|id| p.starts_with(id))),
        "{problems:#?}"
    );
}

#[test]
fn whitespace_is_the_only_normalisation() {
    assert_eq!(normalise(" a\n  b\tc "), "a b c");
    assert_ne!(normalise("_a_"), normalise("a"));
}
