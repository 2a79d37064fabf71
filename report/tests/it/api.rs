//! The small API surface the CLI builds on: format names and runtime labels.

use cnab_report::{render, Format};

use crate::sample;

#[test]
fn formats_parse_from_their_names() {
    for f in Format::ALL {
        assert_eq!(f.as_str().parse::<Format>().unwrap(), f);
        assert_eq!(f.to_string(), f.as_str());
    }
    assert_eq!("md".parse::<Format>().unwrap(), Format::Markdown);
    assert_eq!(Format::Badge.extension(), "json");
    let err = "pdf".parse::<Format>().unwrap_err();
    assert_eq!(
        err,
        "unknown report format \"pdf\", expected junit, markdown, html or badge"
    );
}

#[test]
fn two_runs_of_one_runtime_get_distinct_labels() {
    let a = sample::runtime_a();
    let html = render(&[a.clone(), a.clone()], Format::Html).unwrap();
    assert!(html.contains("<th>acme 2.3.1 #1</th><th>acme 2.3.1 #2</th>"));
    let xml = render(&[a.clone(), a], Format::Junit).unwrap();
    assert!(xml.contains("name=\"acme 2.3.1 #2: core.runtime\""));
}

#[test]
fn a_runtime_without_info_is_labelled_by_its_adapter() {
    let mut r = sample::runtime_a();
    r.runtime.name.clear();
    r.runtime.info_error = Some("adapter printed garbage".to_string());
    assert_eq!(r.runtime_label(), "/usr/local/bin/acme-adapter");
    let md = render(std::slice::from_ref(&r), Format::Markdown).unwrap();
    assert!(
        md.contains("The runtime's `info` failed: adapter printed garbage."),
        "{md}"
    );
    let html = render(&[r], Format::Html).unwrap();
    assert!(html.contains("info failed: adapter printed garbage"));
}

#[test]
fn an_empty_run_still_renders() {
    let r = sample::empty("x", "1");
    let md = render(std::slice::from_ref(&r), Format::Markdown).unwrap();
    assert!(
        md.contains("| x 1 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0/0 |"),
        "{md}"
    );
    assert!(md.contains("No case ran."));
    let html = render(std::slice::from_ref(&r), Format::Html).unwrap();
    assert_eq!(html.matches("<tr id=").count(), 0);
    let xml = render(&[r], Format::Junit).unwrap();
    assert!(xml.contains("tests=\"0\""));
}
