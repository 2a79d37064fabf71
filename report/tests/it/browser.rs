//! The HTML page in a real headless Chromium: the script runs without
//! errors, the matrix is in the DOM, the filters work, and a screenshot can
//! be taken. Skips with a message when Chromium is absent, unless CI=true.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cnab_report::{render, Format, RunReport};

use crate::sample;

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .find_map(|n| sample::which(n))
}

fn headless(browser: &Path, profile: &Path, extra: &[String], url: &str) -> Output {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("chromium starts");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "chromium failed: {stderr}");
    // Script errors and console messages are logged on stderr.
    for line in stderr.lines() {
        assert!(!line.contains("Uncaught"), "script error: {line}");
        assert!(!line.contains(":CONSOLE"), "console message: {line}");
    }
    out
}

struct Page {
    browser: PathBuf,
    dir: tempfile::TempDir,
    url: String,
}

fn page(reports: &[RunReport]) -> Option<Page> {
    let Some(browser) = chromium() else {
        assert!(
            !sample::in_ci(),
            "chromium is missing and CI=true: run .ci/install-browser"
        );
        eprintln!("skipping the browser test: chromium not found (run .ci/install-browser)");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.html");
    std::fs::write(&file, render(reports, Format::Html).unwrap()).unwrap();
    let url = format!("file://{}", file.display());
    Some(Page { browser, dir, url })
}

fn dump_dom(p: &Page, query: &str) -> String {
    let profile = tempfile::tempdir_in(p.dir.path()).unwrap();
    let out = headless(
        &p.browser,
        profile.path(),
        &["--dump-dom".to_string()],
        &format!("{}{query}", p.url),
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_matrix_is_in_the_dom_after_the_script_ran() {
    let a = sample::runtime_a();
    let b = sample::runtime_b();
    let Some(p) = page(&[a.clone(), b.clone()]) else {
        return;
    };
    let dom = dump_dom(&p, "");
    assert!(
        dom.contains("data-ready=\"1\""),
        "the script did not finish"
    );
    let clauses: std::collections::BTreeSet<_> = a
        .clauses
        .iter()
        .chain(&b.clauses)
        .map(|c| c.id.as_str())
        .collect();
    let text = format!(
        "showing {n} of {n} clauses, 8 of 8 cases",
        n = clauses.len()
    );
    assert!(
        dom.contains(&text),
        "expected {text:?} in the DOM:\n{}",
        &dom[dom.find("<div class=\"controls\"").unwrap_or(0)..][..2000]
    );
    assert_eq!(
        dom.matches("<td class=\"cell").count(),
        2 * (clauses.len() + 8),
        "one cell per row and runtime"
    );
    for id in &clauses {
        assert!(dom.contains(&format!("id=\"clause-{id}\"")), "{id}");
    }
}

#[test]
fn the_filters_hide_rows() {
    let b = sample::runtime_b();
    let Some(p) = page(std::slice::from_ref(&b)) else {
        return;
    };
    let bad_clauses = b.clauses.iter().filter(|c| c.verdict.is_bad()).count();
    let bad_cases = b.cases.iter().filter(|c| c.verdict.is_bad()).count();
    let dom = dump_dom(&p, "?failures=1&open=failures");
    let text = format!(
        "showing {bad_clauses} of {} clauses, {bad_cases} of {} cases",
        b.clauses.len(),
        b.cases.len()
    );
    assert!(dom.contains(&text), "expected {text:?}");
    assert!(dom.matches(" hidden=\"\"").count() > 0);
    // Every failing cell, and only those, was opened.
    let bad_cells = dom.matches("data-bad=\"1\"><details").count();
    assert!(bad_cells > 0);
    assert_eq!(dom.matches("<details open=\"\">").count(), bad_cells);

    let n = b.clauses.len();
    let dom = dump_dom(&p, "?family=core.credentials");
    let text = format!("showing 2 of {n} clauses, 2 of 7 cases");
    assert!(dom.contains(&text), "family filter: expected {text:?}");

    // Only the failing cell of one clause and one case hold that evidence.
    let dom = dump_dom(&p, "?q=alert(1)");
    let text = format!("showing 1 of {n} clauses, 1 of 7 cases");
    assert!(dom.contains(&text), "text search: expected {text:?}");
}

#[test]
fn a_screenshot_is_a_png() {
    let Some(p) = page(&[sample::runtime_a(), sample::runtime_b()]) else {
        return;
    };
    let profile = tempfile::tempdir_in(p.dir.path()).unwrap();
    let shot = p.dir.path().join("shot.png");
    headless(
        &p.browser,
        profile.path(),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,1600".to_string(),
            "--hide-scrollbars".to_string(),
        ],
        &p.url,
    );
    let bytes = std::fs::read(&shot).expect("a screenshot was written");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(bytes.len() > 10_000, "{} bytes", bytes.len());
}
