//! One self-contained HTML page for one or several reports side by side.
//!
//! The page has no external assets: the style sheet and the script are
//! inlined, and it works from a `file://` URL or as a CI artifact. It shows a
//! summary table (one row per runtime), a clause × runtime matrix and a
//! case × runtime matrix. Each cell is a `<details>` element whose summary
//! is the verdict and whose body is the evidence, so every failure is one
//! click away. The script adds filters (failures only, clause family, text
//! search, also read from the `failures=1`, `family=` and `q=` query
//! parameters, and `open=failures` opens every failing cell); without it
//! every row stays visible.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use cnab_model::{Catalog, Verdict};

use crate::model::{clause_family, truncate_bytes_with_note, CaseReport, RunReport, VERDICTS};

const CSS: &str = include_str!("html/page.css");
const JS: &str = include_str!("html/page.js");

/// The longest evidence shown for one case in one cell, in bytes.
const EVIDENCE_MAX: usize = 16_000;

/// Escapes text for HTML content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Renders the page.
pub fn render(reports: &[RunReport]) -> String {
    let labels = crate::labels(reports);
    let catalog = Catalog::embedded();
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(
        h,
        "<title>CNAB conformance: {}</title>",
        escape_html(&labels.join(", "))
    );
    let _ = writeln!(h, "<style>\n{CSS}</style>\n</head>\n<body>");
    h.push_str("<h1>CNAB conformance</h1>\n");
    runs_table(&mut h, reports, &labels);

    let clause_ids: BTreeSet<&str> = reports
        .iter()
        .flat_map(|r| r.clauses.iter().map(|c| c.id.as_str()))
        .collect();
    let mut case_ids: Vec<&str> = Vec::new();
    for r in reports {
        for c in &r.cases {
            if !case_ids.contains(&c.id.as_str()) {
                case_ids.push(&c.id);
            }
        }
    }
    let families: BTreeSet<String> = clause_ids
        .iter()
        .map(|id| clause_family(id))
        .chain(
            reports
                .iter()
                .flat_map(|r| r.cases.iter().map(CaseReport::clause_family)),
        )
        .collect();
    controls(&mut h, &families);

    h.push_str("<h2 id=\"clauses-title\">Clauses</h2>\n");
    let _ = writeln!(
        h,
        "<table class=\"matrix\" id=\"clauses\" data-noun=\"clauses\" aria-labelledby=\"clauses-title\">"
    );
    matrix_head(&mut h, "clause", true, &labels);
    for id in &clause_ids {
        clause_row(&mut h, id, reports, catalog);
    }
    h.push_str("</tbody>\n</table>\n");

    h.push_str("<h2 id=\"cases-title\">Cases</h2>\n");
    let _ = writeln!(
        h,
        "<table class=\"matrix\" id=\"cases\" data-noun=\"cases\" aria-labelledby=\"cases-title\">"
    );
    matrix_head(&mut h, "case", false, &labels);
    for id in &case_ids {
        case_row(&mut h, id, reports);
    }
    h.push_str("</tbody>\n</table>\n");

    let _ = writeln!(
        h,
        "<footer>Rendered from {} by cnab-report {}. The JSON report is the source of truth.</footer>",
        if reports.len() == 1 {
            "one JSON run report".to_string()
        } else {
            format!("{} JSON run reports", reports.len())
        },
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(h, "<script>\n{JS}</script>\n</body>\n</html>");
    h
}

fn runs_table(h: &mut String, reports: &[RunReport], labels: &[String]) {
    h.push_str("<table class=\"runs\">\n<thead><tr><th>runtime</th><th>adapter</th><th>suite</th><th>catalog</th><th>started</th><th>finished</th>");
    for v in VERDICTS {
        let _ = write!(h, "<th class=\"num\">{}</th>", v.as_str());
    }
    h.push_str("<th class=\"num\">clauses passing</th></tr></thead>\n<tbody>\n");
    for (r, label) in reports.iter().zip(labels) {
        let _ = write!(
            h,
            "<tr><th scope=\"row\">{}{}</th><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            escape_html(label),
            r.runtime
                .info_error
                .as_ref()
                .map(|e| format!("<div class=\"summary\">info failed: {}</div>", escape_html(e)))
                .unwrap_or_default(),
            escape_html(&r.runtime.adapter),
            escape_html(&r.suite_version),
            escape_html(&r.catalog_version),
            escape_html(&r.started),
            escape_html(&r.finished)
        );
        for v in VERDICTS {
            let _ = write!(h, "<td class=\"num\">{}</td>", r.count(v));
        }
        let passing = r
            .clauses
            .iter()
            .filter(|c| c.verdict == Verdict::Pass)
            .count();
        let _ = writeln!(
            h,
            "<td class=\"num\">{passing}/{}</td></tr>",
            r.clauses.len()
        );
    }
    h.push_str("</tbody>\n</table>\n");
}

fn controls(h: &mut String, families: &BTreeSet<String>) {
    h.push_str("<div class=\"controls\" role=\"search\">\n");
    h.push_str("<label title=\"rows with a fail, error or unexpected pass\"><input type=\"checkbox\" id=\"only-failures\"> failures only</label>\n");
    h.push_str("<label>family <select id=\"family\"><option value=\"\">all</option>");
    for f in families {
        let _ = write!(h, "<option value=\"{0}\">{0}</option>", escape_html(f));
    }
    h.push_str("</select></label>\n");
    h.push_str("<label>search <input type=\"search\" id=\"search\" placeholder=\"clause, case or evidence text\"></label>\n");
    h.push_str("<button type=\"button\" id=\"open-failures\">open failures</button>\n");
    h.push_str("<button type=\"button\" id=\"close-all\">close all</button>\n");
    h.push_str("<span id=\"shown\" aria-live=\"polite\"></span>\n</div>\n");
}

fn matrix_head(h: &mut String, noun: &str, with_level: bool, labels: &[String]) {
    let _ = write!(h, "<thead><tr><th>{noun}</th>");
    if with_level {
        h.push_str("<th>level</th>");
    }
    for l in labels {
        let _ = write!(h, "<th>{}</th>", escape_html(l));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
}

fn row_start(h: &mut String, kind: &str, id: &str, family: &str, bad: bool) {
    let _ = write!(
        h,
        "<tr id=\"{kind}-{0}\" data-id=\"{0}\" data-family=\"{1}\" data-bad=\"{2}\">",
        escape_html(id),
        escape_html(family),
        u8::from(bad)
    );
}

fn clause_row(h: &mut String, id: &str, reports: &[RunReport], catalog: &Catalog) {
    let results: Vec<_> = reports.iter().map(|r| r.clause(id)).collect();
    let bad = results.iter().flatten().any(|c| c.verdict.is_bad());
    row_start(h, "clause", id, &clause_family(id), bad);
    let entry = catalog.get(id);
    let _ = write!(h, "<th scope=\"row\"><code>{}</code>", escape_html(id));
    if let Some(c) = entry {
        let _ = write!(h, "<div class=\"summary\">{}", escape_html(&c.summary));
        if let Some(link) = c.links.values().next_back() {
            let _ = write!(
                h,
                " <a href=\"{}\" rel=\"noreferrer\">spec</a>",
                escape_html(link)
            );
        }
        h.push_str("</div>");
    }
    h.push_str("</th>");
    let level = results
        .iter()
        .flatten()
        .map(|c| c.level.clone())
        .next()
        .or_else(|| entry.map(|c| c.level.as_str().to_string()))
        .unwrap_or_default();
    let _ = write!(h, "<td class=\"level\">{}</td>", escape_html(&level));
    for (i, (report, result)) in reports.iter().zip(&results).enumerate() {
        let Some(result) = result else {
            none_cell(h, i);
            continue;
        };
        let mut body = String::new();
        body.push_str("<ul>");
        for case_id in &result.cases {
            let Some(case) = report.case(case_id) else {
                let _ = write!(
                    body,
                    "<li><code>{}</code>: not in the report</li>",
                    escape_html(case_id)
                );
                continue;
            };
            let v = case.contribution(id);
            let _ = write!(
                body,
                "<li><a href=\"#case-{0}\"><code>{0}</code></a>: {1}",
                escape_html(case_id),
                v.as_str()
            );
            if v != Verdict::Pass {
                evidence_pre(&mut body, case);
            }
            body.push_str("</li>");
        }
        body.push_str("</ul>");
        cell(h, i, result.verdict, &body);
    }
    h.push_str("</tr>\n");
}

fn case_row(h: &mut String, id: &str, reports: &[RunReport]) {
    let cases: Vec<Option<&CaseReport>> = reports.iter().map(|r| r.case(id)).collect();
    let bad = cases.iter().flatten().any(|c| c.verdict.is_bad());
    let first = cases.iter().flatten().next();
    let family = first.map(|c| c.clause_family()).unwrap_or_default();
    row_start(h, "case", id, &family, bad);
    let _ = write!(h, "<th scope=\"row\"><code>{}</code>", escape_html(id));
    if let Some(c) = first {
        let _ = write!(
            h,
            "<div class=\"summary\">{}</div>",
            escape_html(&c.description)
        );
    }
    h.push_str("</th>");
    for (i, case) in cases.iter().enumerate() {
        let Some(case) = case else {
            none_cell(h, i);
            continue;
        };
        let mut body = String::new();
        let _ = write!(
            body,
            "<div>clauses: {}</div><div>{} ms</div>",
            case.clauses
                .iter()
                .map(|c| format!(
                    "<a href=\"#clause-{0}\"><code>{0}</code></a>",
                    escape_html(c)
                ))
                .collect::<Vec<_>>()
                .join(", "),
            case.duration_ms
        );
        if case.verdict != Verdict::Pass {
            evidence_pre(&mut body, case);
        }
        cell(h, i, case.verdict, &body);
    }
    h.push_str("</tr>\n");
}

fn evidence_pre(body: &mut String, case: &CaseReport) {
    let evidence = case.evidence();
    let text = if evidence.trim().is_empty() {
        case.headline()
    } else {
        truncate_bytes_with_note(evidence.trim_end(), EVIDENCE_MAX)
    };
    let _ = write!(body, "<pre>{}</pre>", escape_html(&text));
}

fn cell(h: &mut String, runtime: usize, verdict: Verdict, body: &str) {
    let _ = write!(
        h,
        "<td class=\"cell v-{0}\" data-runtime=\"{runtime}\" data-verdict=\"{0}\" data-bad=\"{1}\"><details><summary>{0}</summary><div class=\"evidence\">{body}</div></details></td>",
        verdict.as_str(),
        u8::from(verdict.is_bad())
    );
}

fn none_cell(h: &mut String, runtime: usize) {
    let _ = write!(
        h,
        "<td class=\"cell v-none\" data-runtime=\"{runtime}\" data-verdict=\"none\" title=\"not checked in this run\">—</td>"
    );
}
