//! The document-case corpus: every `*.case.json` under `cases/documents/`
//! names a document, the options to check it with, and the exact set of
//! clauses its findings must name (see `cases/documents/README.md`).

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use cnab_model::{Catalog, DocumentKind, SpecVersion};
use cnab_validator::json::{self, ParseLimits};
use cnab_validator::{CanonicalMode, ValidatorBuilder};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    id: String,
    description: String,
    document: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    spec_version: Option<String>,
    #[serde(default)]
    options: Options,
    expect: Expect,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Options {
    #[serde(default)]
    canonical: Option<String>,
    #[serde(default)]
    release: bool,
    #[serde(default)]
    bundle: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    clauses: Vec<String>,
    #[serde(default)]
    findings: Vec<ExpectedFinding>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedFinding {
    clause: String,
    pointer: String,
}

fn check_case(path: &Path) -> datatest_stable::Result<()> {
    let text = fs::read_to_string(path)?;
    let case: Case = serde_json::from_str(&text)
        .map_err(|e| format!("{}: bad case file: {e}", path.display()))?;
    if !case.id.starts_with("doc.") || !cnab_model::catalog::is_clause_id(&case.id) {
        return Err(format!(
            "case id `{}` must be a dotted id starting with `doc.`",
            case.id
        )
        .into());
    }
    if case.description.trim().is_empty() {
        return Err("the case needs a description".into());
    }
    let catalog = Catalog::embedded();
    for c in case
        .expect
        .clauses
        .iter()
        .chain(case.expect.findings.iter().map(|f| &f.clause))
    {
        if !catalog.contains(c) {
            return Err(format!("expected clause `{c}` is not in the catalog").into());
        }
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let bytes = fs::read(dir.join(&case.document))
        .map_err(|e| format!("cannot read document `{}`: {e}", case.document))?;
    let kind = case
        .kind
        .as_deref()
        .map(str::parse::<DocumentKind>)
        .transpose()?;
    let version = case
        .spec_version
        .as_deref()
        .map(str::parse::<SpecVersion>)
        .transpose()?;
    let canonical = case
        .options
        .canonical
        .as_deref()
        .map(str::parse::<CanonicalMode>)
        .transpose()?
        .unwrap_or_default();
    let bundle = match &case.options.bundle {
        Some(b) => {
            let raw = fs::read(dir.join(b))?;
            let parsed = json::parse(&raw, &ParseLimits::default())
                .map_err(|e| format!("bundle `{b}` does not parse: {e}"))?;
            Some(parsed.root.to_value())
        }
        None => None,
    };
    let report = ValidatorBuilder::new()
        .kind(kind)
        .spec_version(version)
        .canonical(canonical)
        .release(case.options.release)
        .bundle(bundle)
        .build()
        .check(&case.document, &bytes);
    let actual: BTreeSet<&str> = report.findings.iter().map(|f| f.clause.as_str()).collect();
    for c in &actual {
        if !catalog.contains(c) {
            return Err(
                format!("the validator reported `{c}`, which is not in the catalog").into(),
            );
        }
    }
    let expected: BTreeSet<&str> = case.expect.clauses.iter().map(String::as_str).collect();
    let listing = || {
        report
            .findings
            .iter()
            .map(|f| format!("  {} at `{}`: {}", f.clause, f.pointer, f.message))
            .collect::<Vec<_>>()
            .join("\n")
    };
    if actual != expected {
        let missing: Vec<_> = expected.difference(&actual).collect();
        let extra: Vec<_> = actual.difference(&expected).collect();
        return Err(format!(
            "{}: clauses differ (kind {:?}, version {:?})\n missing: {missing:?}\n unexpected: {extra:?}\nfindings:\n{}",
            case.id,
            report.kind.value,
            report.version.value,
            listing()
        )
        .into());
    }
    for f in &case.expect.findings {
        if !report
            .findings
            .iter()
            .any(|a| a.clause == f.clause && a.pointer == f.pointer)
        {
            return Err(format!(
                "{}: no `{}` finding at `{}`\nfindings:\n{}",
                case.id,
                f.clause,
                f.pointer,
                listing()
            )
            .into());
        }
    }
    Ok(())
}

datatest_stable::harness! {
    { test = check_case, root = "../cases/documents", pattern = r"\.case\.json$" },
}
