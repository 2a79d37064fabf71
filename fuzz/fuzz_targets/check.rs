//! The whole check path: bytes, UTF-8, parse, kind and version detection,
//! schema, canonical form, rules, then every renderer.
//!
//! The first byte picks options (kind override, canonical mode, release) so
//! that the fuzzer also reaches the paths an override opens; the rest is the
//! document. Invariants: no panic, every finding names a catalog clause and
//! has a message, every span lies inside the input, and every renderer
//! writes its output without an error.

#![no_main]

use std::sync::OnceLock;

use cnab_model::{Catalog, DocumentKind};
use cnab_validator::render::{self, Format, RenderOptions};
use cnab_validator::{CanonicalMode, Validator, ValidatorBuilder};
use libfuzzer_sys::fuzz_target;

const KINDS: [Option<DocumentKind>; 4] = [
    None,
    Some(DocumentKind::Bundle),
    Some(DocumentKind::Claim),
    Some(DocumentKind::RelocationMapping),
];
const MODES: [CanonicalMode; 4] = [
    CanonicalMode::Auto,
    CanonicalMode::Olpc,
    CanonicalMode::Jcs,
    CanonicalMode::Off,
];

/// Every option combination, built once for the whole run.
fn validators() -> &'static Vec<Validator> {
    static VALIDATORS: OnceLock<Vec<Validator>> = OnceLock::new();
    VALIDATORS.get_or_init(|| {
        let mut all = Vec::new();
        for release in [false, true] {
            for kind in KINDS {
                for mode in MODES {
                    all.push(
                        ValidatorBuilder::new()
                            .kind(kind)
                            .canonical(mode)
                            .release(release)
                            .build(),
                    );
                }
            }
        }
        all
    })
}

fuzz_target!(|data: &[u8]| {
    let (validator, doc) = match data.split_first() {
        // Most inputs run with the defaults, so that seeds taken from the
        // corpus as they are still mean what they say.
        Some((&b, rest)) if b >= 0x80 => {
            let all = validators();
            (&all[usize::from(b) % all.len()], rest)
        }
        _ => (&validators()[0], data),
    };
    let report = validator.check("fuzz.json", doc);
    let catalog = Catalog::embedded();
    for f in &report.findings {
        assert!(catalog.contains(&f.clause), "unknown clause {}", f.clause);
        assert!(!f.message.is_empty(), "empty message for {}", f.clause);
        if let Some(span) = f.span {
            assert!(
                span.start <= span.end && span.end <= doc.len(),
                "span {span:?} outside {} bytes",
                doc.len()
            );
        }
    }
    let options = RenderOptions {
        color: true,
        level: cnab_model::Level::May,
    };
    let reports = [report];
    for format in [
        Format::Human,
        Format::Json,
        Format::Sarif,
        Format::Github,
        Format::Junit,
    ] {
        let mut out = Vec::new();
        render::render(format, &reports, &options, &mut out).expect("render to memory");
        if matches!(format, Format::Json | Format::Sarif) {
            serde_json::from_slice::<serde_json::Value>(&out).expect("machine output is JSON");
        }
    }
});
