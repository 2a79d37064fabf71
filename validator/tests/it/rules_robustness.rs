//! The rules take any JSON, under any kind and version, without panicking,
//! and every finding they make points at a value of the document, names a
//! clause of the catalog and reads as a lowercase fragment.

use std::path::{Path, PathBuf};

use cnab_model::{Catalog, DocumentKind, SpecVersion};
use cnab_validator::rules::{check, implemented_clauses, RawFinding, RuleContext, RuleOptions};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "json")
            && !p.to_string_lossy().ends_with(".case.json")
        {
            out.push(p);
        }
    }
}

fn assert_well_formed(doc: &Value, findings: &[RawFinding], what: &str) {
    let catalog = Catalog::embedded();
    for f in findings {
        assert!(
            catalog.contains(f.clause),
            "{what}: unknown clause {}",
            f.clause
        );
        assert!(
            implemented_clauses().contains(&f.clause),
            "{what}: {} is not listed in implemented_clauses",
            f.clause
        );
        assert!(
            doc.pointer(&f.pointer).is_some(),
            "{what}: pointer `{}` of {} does not resolve",
            f.pointer,
            f.clause
        );
        let first = f.message.chars().next().expect("message is not empty");
        assert!(
            !first.is_uppercase() && !f.message.ends_with('.'),
            "{what}: badly shaped message {:?}",
            f.message
        );
    }
}

fn run_all(doc: &Value, options: &RuleOptions, what: &str) {
    for kind in DocumentKind::ALL {
        for version in SpecVersion::ALL {
            let findings = check(&RuleContext {
                doc,
                kind,
                version,
                options,
            });
            assert_well_formed(doc, &findings, &format!("{what} as {kind} {version}"));
        }
    }
}

#[test]
fn every_corpus_document_under_every_kind_and_version() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../cases/documents");
    let mut files = Vec::new();
    json_files(&root, &mut files);
    assert!(!files.is_empty(), "no documents under {}", root.display());
    let bundle: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("rules/base/bundle-1.2.0.json")).expect("base bundle"),
    )
    .expect("base bundle is json");
    let with_bundle = RuleOptions {
        release: true,
        bundle: Some(bundle),
    };
    let plain = RuleOptions::default();
    let mut checked = 0;
    for f in &files {
        // Some real-world files are deliberately not JSON; the rules only see parsed documents.
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let Ok(doc) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let name = f.display().to_string();
        run_all(&doc, &plain, &name);
        run_all(&doc, &with_bundle, &name);
        checked += 1;
    }
    assert!(checked > 100, "only {checked} documents were checked");
}

#[test]
fn a_bundle_inside_a_claim_is_reported_under_bundle() {
    let doc = json!({
        "action": "install",
        "bundle": {"schemaVersion": "v1.2.0", "name": "x", "version": "v1", "invocationImages": []},
        "created": "2020-01-01T00:00:00Z",
        "id": "01CP6XM0KVB9V1BQDZ9NK8VP29",
        "installation": "x",
        "revision": "01CP6XM0KVB9V1BQDZ9NK8VP2A"
    });
    let options = RuleOptions::default();
    let findings = check(&RuleContext {
        doc: &doc,
        kind: DocumentKind::Claim,
        version: SpecVersion::Claims1_0_0,
        options: &options,
    });
    let got: Vec<(&str, &str)> = findings
        .iter()
        .map(|f| (f.clause, f.pointer.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("core.bundle.version.semver2", "/bundle/version"),
            (
                "core.bundle.invocationImages.min_one",
                "/bundle/invocationImages"
            ),
        ]
    );
}

#[test]
fn clean_documents_get_no_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../cases/documents/rules/base");
    let bundle: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("bundle-1.2.0.json")).expect("base"),
    )
    .expect("json");
    for (file, kind, version) in [
        (
            "bundle-1.0.0.json",
            DocumentKind::Bundle,
            SpecVersion::Core1_0_0,
        ),
        (
            "bundle-1.0.1.json",
            DocumentKind::Bundle,
            SpecVersion::Core1_0_1,
        ),
        (
            "bundle-1.1.0.json",
            DocumentKind::Bundle,
            SpecVersion::Core1_1_0,
        ),
        (
            "bundle-1.2.0.json",
            DocumentKind::Bundle,
            SpecVersion::Core1_2_0,
        ),
        ("claim.json", DocumentKind::Claim, SpecVersion::Claims1_0_0),
        (
            "claim-legacy.json",
            DocumentKind::Claim,
            SpecVersion::Core1_0_1,
        ),
        (
            "claim-result.json",
            DocumentKind::ClaimResult,
            SpecVersion::Claims1_0_0,
        ),
        (
            "relocation.json",
            DocumentKind::RelocationMapping,
            SpecVersion::Core1_2_0,
        ),
    ] {
        let doc: Value =
            serde_json::from_str(&std::fs::read_to_string(root.join(file)).expect("base document"))
                .expect("json");
        let options = RuleOptions {
            release: true,
            bundle: Some(bundle.clone()),
        };
        let findings = check(&RuleContext {
            doc: &doc,
            kind,
            version,
            options: &options,
        });
        assert!(findings.is_empty(), "{file}: {findings:?}");
    }
}

/// Keys that steer generated documents into the rules' paths.
const KEYS: &[&str] = &[
    "schemaVersion",
    "name",
    "version",
    "invocationImages",
    "images",
    "image",
    "imageType",
    "contentDigest",
    "size",
    "definitions",
    "definition",
    "default",
    "enum",
    "type",
    "parameters",
    "credentials",
    "outputs",
    "destination",
    "env",
    "path",
    "applyTo",
    "actions",
    "title",
    "custom",
    "requiredExtensions",
    "io.cnab.dependencies",
    "io.cnab.parameter-sources",
    "requires",
    "ranges",
    "sources",
    "output",
    "bundle",
    "id",
    "revision",
    "created",
    "action",
    "installation",
    "bundleReference",
    "x/y~z",
    "",
];

fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e6f64..1e6).prop_map(|f| json!(f)),
        "[a-zA-Z0-9:/@._ \\-]{0,20}".prop_map(Value::String),
        prop::sample::select(vec![
            "install",
            "/cnab/app/outputs/x",
            "/cnab/app/../app/outputs",
            "sha256:abc",
            "v1.2.0",
            "1.x - 2",
            "CNAB_X",
            "example.com/a:b@sha256:0",
            "library/ubuntu",
            "ubuntu",
        ])
        .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|kv| {
                let mut m = Map::new();
                for (k, v) in kv {
                    m.insert(k.to_string(), v);
                }
                Value::Object(m)
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_documents_never_panic(doc in arb_value(), bundle in arb_value(), release in any::<bool>()) {
        let options = RuleOptions { release, bundle: Some(bundle) };
        run_all(&doc, &options, "generated");
        run_all(&doc, &RuleOptions::default(), "generated");
    }
}
