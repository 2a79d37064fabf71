//! SARIF 2.1.0: one run, one rule per clause that has a finding.
//!
//! `ruleId` is the clause ID; each rule carries the clause summary and a
//! `helpUri` to the spec section. Levels map `must` to `error`, `should` to
//! `warning` and `may` to `note`. Columns count Unicode code points
//! (`columnKind: unicodeCodePoints`).

use std::collections::BTreeSet;
use std::io::{self, Write};

use cnab_model::{Catalog, Level};
use serde_json::{json, Value};

use super::{clause_link, locate, RenderOptions};
use crate::Report;

/// The SARIF level of a clause level.
pub fn sarif_level(level: Level) -> &'static str {
    match level {
        Level::Must => "error",
        Level::Should => "warning",
        Level::May => "note",
    }
}

/// Builds the SARIF log.
pub fn build(reports: &[Report]) -> Value {
    let catalog = Catalog::embedded();
    let used: BTreeSet<&str> = reports
        .iter()
        .flat_map(|r| r.findings.iter().map(|f| f.clause.as_str()))
        .collect();
    let rules: Vec<Value> = used
        .iter()
        .map(|id| {
            let clause = catalog.get(id);
            let mut rule = json!({
                "id": id,
                "shortDescription": {"text": clause.map_or("", |c| c.summary.as_str())},
                "defaultConfiguration": {"level": sarif_level(catalog.level_of(id))},
                "properties": {
                    "level": catalog.level_of(id).as_str(),
                    "source": clause.map_or("", |c| c.source.as_str()),
                },
            });
            if let Some(link) = clause_link(id, None) {
                rule["helpUri"] = json!(link);
            }
            rule
        })
        .collect();
    let mut results = Vec::new();
    for report in reports {
        for l in locate(report) {
            let f = l.finding;
            let mut physical = json!({"artifactLocation": {"uri": report.name}});
            if let (Some((sl, sc)), Some((el, ec))) = (l.start, l.end) {
                physical["region"] = json!({
                    "startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec.max(if el == sl { sc + 1 } else { 1 }),
                });
            }
            let mut result = json!({
                "ruleId": f.clause,
                "level": sarif_level(f.level),
                "message": {"text": f.message},
                "locations": [{
                    "physicalLocation": physical,
                    "logicalLocations": [{"fullyQualifiedName": f.pointer, "kind": "member"}],
                }],
            });
            if let Some(link) = clause_link(&f.clause, Some(report)) {
                result["properties"] = json!({"helpUri": link});
            }
            results.push(result);
        }
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "cnab-validate",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/cnab-conformance/cnab-conformance",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

/// Renders the SARIF log.
pub fn render(reports: &[Report], _options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &build(reports))?;
    writeln!(out)
}
