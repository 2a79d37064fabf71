//! The HTML page, read as text (the browser test runs its script).

use cnab_report::{render, Format};

use crate::sample;

#[test]
fn self_contained_matrix_with_evidence() {
    let a = sample::runtime_a();
    let b = sample::runtime_b();
    let html = render(&[a.clone(), b.clone()], Format::Html).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    // No external assets.
    for needle in ["<link", " src=", "@import", "url("] {
        assert!(!html.contains(needle), "found {needle}");
    }
    assert!(html.contains("<style>") && html.contains("<script>"));
    // One row per clause in either report, one cell per runtime.
    let clauses: std::collections::BTreeSet<_> = a
        .clauses
        .iter()
        .chain(&b.clauses)
        .map(|c| c.id.clone())
        .collect();
    for id in &clauses {
        let row_start = html
            .find(&format!("<tr id=\"clause-{id}\""))
            .unwrap_or_else(|| panic!("row {id}"));
        let row = &html[row_start..row_start + html[row_start..].find("</tr>").unwrap()];
        assert_eq!(row.matches("<td class=\"cell").count(), 2, "{row}");
    }
    assert_eq!(html.matches("<tr id=\"clause-").count(), clauses.len());
    assert_eq!(html.matches("<tr id=\"case-").count(), 8);
    // The case missing from the second report is marked as not checked.
    let row = &html[html.find("<tr id=\"case-env.revision-ulid\"").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("data-verdict=\"unexpected-pass\""));
    assert!(row.contains("data-verdict=\"none\""));
    // Evidence is escaped and one click away.
    assert!(!html.contains("<script>alert"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; ``` | not set"));
    assert!(html.contains(
        "<td class=\"cell v-fail\" data-runtime=\"0\" data-verdict=\"fail\" data-bad=\"1\"><details><summary>fail</summary>"
    ));
    // Clause summaries and spec links come from the catalog.
    assert!(html.contains("cnab-spec/blob/"));
    // Filters: the family list holds every family.
    for f in ["core.runtime", "core.credentials", "core.actions"] {
        assert!(
            html.contains(&format!("<option value=\"{f}\">{f}</option>")),
            "{f}"
        );
    }
}

#[test]
fn rows_are_marked_for_the_failures_filter() {
    let html = render(&[sample::runtime_b()], Format::Html).unwrap();
    let b = sample::runtime_b();
    let expected = b.clauses.iter().filter(|c| c.verdict.is_bad()).count()
        + b.cases.iter().filter(|c| c.verdict.is_bad()).count();
    let marked = html.matches("data-bad=\"1\"><th").count();
    assert!(expected > 0);
    assert_eq!(marked, expected);
}
