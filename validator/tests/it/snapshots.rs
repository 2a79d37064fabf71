//! Snapshots of the human and JSON renderings of representative documents.
//! Review changes with `cargo insta review` (or read the `.snap.new` files).

use std::fs;
use std::path::Path;

use cnab_model::Level;
use cnab_validator::render::{self, Format, RenderOptions};
use cnab_validator::{Report, ValidatorBuilder};

const CASES: &[&str] = &[
    "pipeline/pretty-bundle.json",
    "pipeline/duplicate-keys.json",
    "pipeline/unknown-version.json",
    "pipeline/truncated.json",
    "pipeline/extra-field.json",
    "pipeline/claim-bad-bundle.json",
    "pipeline/array.json",
];

fn report(rel: &str) -> Report {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../cases/documents")
        .join(rel);
    let bytes = fs::read(path).unwrap();
    let mut report = ValidatorBuilder::new().build().check(rel, &bytes);
    crate::util::hints::word(&mut report);
    report
}

fn rendered(format: Format, reports: &[Report]) -> String {
    let mut out = Vec::new();
    let options = RenderOptions {
        color: false,
        level: Level::Must,
    };
    render::render(format, reports, &options, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn human_rendering() {
    for rel in CASES {
        let name = rel.replace(['/', '.'], "_");
        insta::assert_snapshot!(
            format!("human_{name}"),
            rendered(Format::Human, &[report(rel)])
        );
    }
}

#[test]
fn json_rendering() {
    for rel in CASES {
        let name = rel.replace(['/', '.'], "_");
        insta::assert_snapshot!(
            format!("json_{name}"),
            rendered(Format::Json, &[report(rel)])
        );
    }
}
