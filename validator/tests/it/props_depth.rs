//! Deeply nested documents through the library on a small (2 MiB) thread
//! stack: parsing is iterative, but dropping, comparing, the schema check and
//! the rules recurse, so every place a deep value can sit is tried just under
//! and just over the depth limit (512).

use cnab_model::DocumentKind;
use cnab_validator::Validator;
use proptest::prelude::*;

/// A value nested `depth` levels deep, made of arrays, objects or both.
fn nested(depth: usize, shape: u8) -> String {
    let mut v = "1".to_string();
    for i in 0..depth {
        v = match (shape, i % 2) {
            (0, _) | (2, 0) => format!("[{v}]"),
            _ => format!(r#"{{"k":{v}}}"#),
        };
    }
    v
}

/// A bundle with a value of `depth` levels at `place` (the bundle object
/// itself adds one level, and so does every container on the way).
fn bundle(place: u8, depth: usize, shape: u8) -> String {
    let digest = "sha256:".to_string() + &"a".repeat(64);
    let image = format!(r#"{{"contentDigest":"{digest}","image":"r.example/app@{digest}"}}"#);
    let (custom, default, images) = match place {
        0 => (nested(depth - 2, shape), "1".to_string(), image.clone()),
        1 => ("1".to_string(), nested(depth - 3, shape), image.clone()),
        _ => (
            "1".to_string(),
            "1".to_string(),
            format!(
                r#"{},{{"image":"r.example/x","labels":{}}}"#,
                image,
                nested(depth - 3, shape)
            ),
        ),
    };
    format!(
        r#"{{"custom":{{"x.y":{custom}}},"definitions":{{"d":{{"default":{default}}}}},"invocationImages":[{images}],"name":"app","schemaVersion":"v1.2.0","version":"1.0.0"}}"#
    )
}

fn check_on_small_stack(doc: String) -> Vec<String> {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let r = Validator::default().check("deep.json", doc.as_bytes());
            let refused = r.findings.iter().any(|f| f.clause == "json.limits");
            if !refused {
                assert_eq!(r.kind.value, Some(DocumentKind::Bundle));
            }
            r.findings.into_iter().map(|f| f.clause).collect()
        })
        .expect("spawn")
        .join()
        .expect("the check finished on a 2 MiB stack")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn deep_values_anywhere_are_checked_or_refused(place in 0u8..3, shape in 0u8..3, over in any::<bool>()) {
        let depth = if over { 513 } else { 512 };
        let clauses = check_on_small_stack(bundle(place, depth, shape));
        prop_assert_eq!(clauses.contains(&"json.limits".to_string()), over, "{:?}", clauses);
    }
}
