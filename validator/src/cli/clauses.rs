//! `cnab-validate clauses` and `explain`: the catalog, and how each clause
//! is checked.

use std::io::{self, Write};

use anyhow::{bail, Result};
use cnab_model::{catalog, Catalog, CheckKind, Clause, Level};
use cnab_validator::{exit, rules, schema, PIPELINE_CLAUSES};

use super::args::{ClausesArgs, ListFormat};

/// How a static clause is checked.
fn coverage(c: &Clause) -> &'static str {
    let by_schema = schema::MAPPING.iter().any(|r| r.clause == c.id);
    let by_rule = rules::implemented_clauses().contains(&c.id.as_str());
    match (by_schema, by_rule) {
        (true, true) => "schema+rule",
        (true, false) => "schema",
        (false, true) => "rule",
        _ if PIPELINE_CLAUSES.contains(&c.id.as_str()) => "pipeline",
        _ if c.checked_as.is_some() => "as-other",
        _ if c.not_checkable.is_some() => "not-checkable",
        _ if c.check != CheckKind::Static => "n/a",
        _ => "unchecked",
    }
}

pub fn clauses(args: ClausesArgs) -> Result<u8> {
    let cat = Catalog::embedded();
    let list = cat.filter(args.level.map(Level::from), args.kind.map(CheckKind::from));
    let mut out = io::BufWriter::new(io::stdout().lock());
    match (args.format, args.coverage) {
        (ListFormat::Json, false) => {
            serde_json::to_writer_pretty(&mut out, &list)?;
            writeln!(out)?;
        }
        (ListFormat::Human, false) => write!(out, "{}", catalog::render_table(&list))?,
        (format, true) => {
            let rows: Vec<(&Clause, &str)> = list
                .iter()
                .filter(|c| c.check == CheckKind::Static)
                .map(|c| (*c, coverage(c)))
                .collect();
            if format == ListFormat::Json {
                let items: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|(c, cov)| {
                        serde_json::json!({
                            "id": c.id, "level": c.level, "check": c.check, "source": c.source, "coverage": cov,
                            "checked_as": c.checked_as, "not_checkable": c.not_checkable,
                        })
                    })
                    .collect();
                serde_json::to_writer_pretty(&mut out, &items)?;
                writeln!(out)?;
            } else {
                let width = rows.iter().map(|(c, _)| c.id.len()).max().unwrap_or(0);
                for (c, cov) in &rows {
                    match &c.checked_as {
                        Some(t) if *cov == "as-other" => writeln!(
                            out,
                            "{:width$}  {:6}  {} ({})",
                            c.id,
                            c.level.as_str(),
                            cov,
                            t
                        )?,
                        _ => writeln!(out, "{:width$}  {:6}  {}", c.id, c.level.as_str(), cov)?,
                    }
                }
                let n = |k: &str| rows.iter().filter(|(_, c)| *c == k).count();
                writeln!(
                    out,
                    "{} static clause(s): {} by schema, {} by rule, {} by both, {} by the pipeline, {} under another clause, {} not checkable, {} unchecked",
                    rows.len(),
                    n("schema"),
                    n("rule"),
                    n("schema+rule"),
                    n("pipeline"),
                    n("as-other"),
                    n("not-checkable"),
                    n("unchecked")
                )?;
            }
        }
    }
    out.flush()?;
    Ok(exit::CLEAN)
}

pub fn explain(id: &str) -> Result<u8> {
    let cat = Catalog::embedded();
    let Some(c) = cat.get(id) else {
        let near: Vec<&str> = cat
            .clauses()
            .iter()
            .map(|c| c.id.as_str())
            .filter(|c| {
                let stem = id.rsplit_once('.').map_or(id, |(a, _)| a);
                c.starts_with(stem) || c.contains(id)
            })
            .take(8)
            .collect();
        if near.is_empty() {
            bail!("unknown clause `{id}` (list them with `cnab-validate clauses`)");
        }
        bail!("unknown clause `{id}`; did you mean: {}", near.join(", "));
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    writeln!(out, "{}", c.id)?;
    writeln!(out, "  level:    {} ({})", c.level, c.keyword)?;
    writeln!(out, "  check:    {}", c.check.as_str())?;
    writeln!(out, "  coverage: {}", coverage(c))?;
    writeln!(out, "  spec:     {} {} {}", c.spec, c.document, c.section)?;
    writeln!(out, "  source:   {}", c.source)?;
    writeln!(out, "  summary:  {}", c.summary)?;
    if !c.versions.is_empty() {
        writeln!(out, "  versions: {}", c.versions.join(", "))?;
    }
    writeln!(out, "  links:")?;
    for (version, url) in &c.links {
        writeln!(out, "    {version}: {url}")?;
    }
    if let Some(n) = &c.notes {
        writeln!(out, "  notes:    {n}")?;
    }
    if let Some(n) = &c.not_checkable {
        writeln!(out, "  not checkable: {n}")?;
    }
    if let Some(e) = &c.example {
        writeln!(out, "  example:  {e}")?;
    }
    out.flush()?;
    Ok(exit::CLEAN)
}
