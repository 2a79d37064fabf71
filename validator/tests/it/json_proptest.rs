//! Property tests for the parser: no input panics it, and it reads what
//! serde_json writes the way serde_json reads it.

use cnab_validator::json::{parse, ParseLimits};
use proptest::prelude::*;
use serde_json::Value;

/// Arbitrary JSON values, floats included.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Bytes that look a little like JSON, so the fuzzing reaches deep states.
fn jsonish() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"{".to_vec()),
        Just(b"}".to_vec()),
        Just(b"[".to_vec()),
        Just(b"]".to_vec()),
        Just(b",".to_vec()),
        Just(b":".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"\\".to_vec()),
        Just(b"\\u".to_vec()),
        Just(b"\\ud83d".to_vec()),
        Just(b"\\ude00".to_vec()),
        Just(b"-0.5e+".to_vec()),
        Just(b"true".to_vec()),
        Just(b"null".to_vec()),
        Just(b" ".to_vec()),
        Just("é😀".as_bytes().to_vec()),
        prop::collection::vec(any::<u8>(), 0..3),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let limits = ParseLimits { max_depth: 16, max_bytes: 200 };
        if let Err(e) = parse(&bytes, &limits) {
            prop_assert!(e.offset <= bytes.len());
            prop_assert!(!e.message.is_empty());
        }
    }

    #[test]
    fn jsonish_bytes_never_panic_and_agree_with_serde(bytes in jsonish()) {
        let ours = parse(&bytes, &ParseLimits::default());
        let theirs = serde_json::from_slice::<Value>(&bytes);
        match (&ours, &theirs) {
            (Ok(p), Ok(v)) => prop_assert_eq!(&p.root.to_value(), v),
            (Err(e), Err(_)) => prop_assert!(e.offset <= bytes.len()),
            _ => prop_assert!(false, "disagree with serde_json: {:?} vs {:?}", ours, theirs),
        }
    }

    #[test]
    fn serialized_values_parse_back(v in value()) {
        for text in [serde_json::to_string(&v).unwrap(), serde_json::to_string_pretty(&v).unwrap()] {
            let parsed = parse(text.as_bytes(), &ParseLimits::default()).unwrap();
            let expected: Value = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(parsed.root.to_value(), expected);
            prop_assert!(parsed.duplicates.is_empty());
            prop_assert_eq!(parsed.root.span.start, 0);
            prop_assert_eq!(parsed.root.span.end, text.len());
        }
    }

    #[test]
    fn integer_values_round_trip_exactly(v in value().prop_filter("no floats", |v| !has_float(v))) {
        let text = serde_json::to_string(&v).unwrap();
        let parsed = parse(text.as_bytes(), &ParseLimits::default()).unwrap();
        prop_assert_eq!(parsed.root.to_value(), v);
    }
}

fn has_float(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.is_f64(),
        Value::Array(items) => items.iter().any(has_float),
        Value::Object(map) => map.values().any(has_float),
        _ => false,
    }
}
