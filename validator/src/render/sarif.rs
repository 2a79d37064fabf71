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

use super::pretty::Array;
use super::{clause_link, locate, Renderer, Summary};
use crate::Report;

/// The SARIF level of a clause level.
pub fn sarif_level(level: Level) -> &'static str {
    match level {
        Level::Must => "error",
        Level::Should => "warning",
        Level::May => "note",
    }
}

/// The rule of a clause.
fn rule(catalog: &Catalog, id: &str) -> Value {
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
}

/// The results of one document, one per finding.
fn results(report: &Report) -> Vec<Value> {
    let mut results = Vec::new();
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
    results
}

/// The log around its results, with one rule per clause in `used`.
fn log<'a>(results: Value, used: impl IntoIterator<Item = &'a str>) -> Value {
    let catalog = Catalog::embedded();
    let rules: Vec<Value> = used.into_iter().map(|id| rule(catalog, id)).collect();
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

/// Builds the whole SARIF log at once (what the [`Sarif`] renderer writes
/// piece by piece).
pub fn build(reports: &[Report]) -> Value {
    let used: BTreeSet<&str> = reports
        .iter()
        .flat_map(|r| r.findings.iter().map(|f| f.clause.as_str()))
        .collect();
    let results: Vec<Value> = reports.iter().flat_map(results).collect();
    log(Value::Array(results), used)
}

/// Where the results go in the printed log: a string no result or rule
/// holds (serde_json writes it as `"\u0000"`).
const RESULTS_HERE: &str = "\u{0}";

/// The printed log around its results: the text before the results array
/// and the text after it.
fn around_results(used: &BTreeSet<String>) -> io::Result<(String, String)> {
    let doc = log(json!(RESULTS_HERE), used.iter().map(String::as_str));
    let text = serde_json::to_string_pretty(&doc).map_err(io::Error::from)?;
    let mark = serde_json::to_string(RESULTS_HERE).map_err(io::Error::from)?;
    let (before, after) = text
        .split_once(&mark)
        .ok_or_else(|| io::Error::other("the SARIF log has no place for its results"))?;
    Ok((before.to_string(), after.to_string()))
}

/// The SARIF renderer: the results are written as each file comes, and the
/// rules of the clauses they name close the log. (The log's keys are
/// sorted, so `results` comes before `tool`.)
#[derive(Debug)]
pub struct Sarif {
    results: Array,
    used: BTreeSet<String>,
}

impl Default for Sarif {
    fn default() -> Self {
        Sarif {
            results: Array::new(8),
            used: BTreeSet::new(),
        }
    }
}

impl Renderer for Sarif {
    fn begin(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let (before, _) = around_results(&BTreeSet::new())?;
        out.write_all(before.as_bytes())
    }

    fn file(&mut self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        for result in results(report) {
            self.results.item(out, &result)?;
        }
        self.used
            .extend(report.findings.iter().map(|f| f.clause.clone()));
        Ok(())
    }

    fn finish(&mut self, _summary: &Summary, out: &mut dyn Write) -> io::Result<()> {
        self.results.close(out)?;
        let (_, after) = around_results(&self.used)?;
        out.write_all(after.as_bytes())?;
        writeln!(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{render, Format, RenderOptions};
    use crate::ValidatorBuilder;

    #[test]
    fn the_stream_writes_what_the_whole_log_serializes_to() {
        let v = ValidatorBuilder::new().build();
        let reports = [
            v.check("a.json", br#"{"status": "Ready"}"#),
            v.check("b.json", b"[1]"),
            v.check("c.json", br#"{"status": 1, "status": 2}"#),
        ];
        for n in 0..=reports.len() {
            let mut expected = serde_json::to_vec_pretty(&build(&reports[..n])).unwrap();
            expected.push(b'\n');
            let mut streamed = Vec::new();
            render(
                Format::Sarif,
                &reports[..n],
                &RenderOptions::default(),
                &mut streamed,
            )
            .unwrap();
            assert_eq!(
                String::from_utf8(streamed).unwrap(),
                String::from_utf8(expected).unwrap()
            );
        }
    }
}
