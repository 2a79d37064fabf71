//! The Markdown summary.

use cnab_report::markdown::{render as render_limited, LIMIT};
use cnab_report::{render, Format};

use crate::sample;

#[test]
fn summary_of_two_runtimes() {
    let md = render(
        &[sample::runtime_a(), sample::runtime_b()],
        Format::Markdown,
    )
    .unwrap();
    assert!(md.starts_with("## CNAB conformance\n"));
    assert!(
        md.contains("| acme 2.3.1 | 8 | 3 | 1 | 1 | 1 | 1 | 1 | "),
        "{md}"
    );
    assert!(
        md.contains("| reference 0.1.0 | 7 | 6 | 1 | 0 | 0 | 0 | 0 | "),
        "{md}"
    );
    assert!(md.contains("#### Failures (3)"), "{md}");
    assert!(md.contains("#### Expected failures (1)"));
    assert!(md.contains("#### Skipped (1)"));
    // Evidence with a triple backtick sits in a longer fence, and HTML is
    // escaped in the summary line.
    assert!(md.contains("````text\n"), "{md}");
    assert!(md.contains("<code>params.default-used</code>: install: expected env SIZE = &quot;7&quot;; observed &lt;script&gt;alert(1)&lt;/script&gt;"), "{md}");
    let fence = md.find("````text\n").unwrap();
    assert_eq!(md.matches("<script>").count(), 1);
    assert!(
        md.find("<script>").unwrap() > fence,
        "raw HTML only inside the fence"
    );
    assert!(!md.contains("> **Note:**"), "nothing truncated");
    insta::assert_snapshot!(md);
}

#[test]
fn a_full_run_fits_a_pull_request_comment() {
    let r = sample::synthetic(500);
    let md = render(std::slice::from_ref(&r), Format::Markdown).unwrap();
    assert!(
        md.chars().count() < 65_000,
        "{} characters",
        md.chars().count()
    );
    assert!(md.len() <= LIMIT);
    assert!(md.contains("> **Note:**"), "the cut is announced");
    // The header and the family table always come first.
    assert!(md.contains("| `core.runtime` |"));
    // Evidence is cut per case.
    assert!(md.contains("more bytes in the JSON report"));
    // Two runtimes of 500 cases each still fit.
    let two = render(&[r.clone(), sample::synthetic(500)], Format::Markdown).unwrap();
    assert!(two.len() <= LIMIT);
}

#[test]
fn the_limit_is_respected_and_the_omitted_entries_counted() {
    let r = sample::synthetic(50);
    let full = render_limited(std::slice::from_ref(&r), usize::MAX);
    assert!(!full.contains("> **Note:**"));
    let failures = full.matches("<details>").count();
    assert_eq!(failures, 15, "10 fail and 5 error in 50 cases");
    let cut = render_limited(std::slice::from_ref(&r), 12_000);
    assert!(cut.len() <= 12_000, "{}", cut.len());
    let shown = cut.matches("<details>").count();
    assert!(shown < failures);
    let note = cut.lines().find(|l| l.starts_with("> **Note:**")).unwrap();
    assert!(note.contains("more entries are not shown"), "{note}");
    // Every omitted failure block, the skip list heading and its five entries.
    let omitted: usize = note.split_whitespace().nth(2).unwrap().parse().unwrap();
    assert_eq!(omitted, failures - shown + 1 + 5);
}
