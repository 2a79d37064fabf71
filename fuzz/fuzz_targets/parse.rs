//! The parser alone, against serde_json.
//!
//! Both must accept and refuse the same inputs, except where this parser is
//! documented to differ: it accepts numbers beyond the range of an `f64`
//! (keeping their text) and nesting up to 512 levels, where serde_json stops
//! at 128. When both accept, the value views agree. Every accepted input
//! also has sane spans: the root span covers the value, and each key span
//! holds the key's string token.

#![no_main]

use cnab_validator::json::{parse, Node, NodeValue, ParseLimits};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn depth(node: &Node) -> usize {
    match &node.value {
        NodeValue::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        NodeValue::Object(members) => {
            1 + members.iter().map(|m| depth(&m.value)).max().unwrap_or(0)
        }
        _ => 0,
    }
}

fn has_huge_number(node: &Node) -> bool {
    match &node.value {
        NodeValue::Number(text) => text.parse::<f64>().is_ok_and(|f| f.is_infinite()),
        NodeValue::Array(items) => items.iter().any(has_huge_number),
        NodeValue::Object(members) => members.iter().any(|m| has_huge_number(&m.value)),
        _ => false,
    }
}

fn check_spans(node: &Node, data: &[u8]) {
    assert!(node.span.start <= node.span.end && node.span.end <= data.len());
    match &node.value {
        NodeValue::Array(items) => items.iter().for_each(|n| check_spans(n, data)),
        NodeValue::Object(members) => {
            for m in members {
                let token = &data[m.key_span.start..m.key_span.end];
                let key: String = serde_json::from_slice(token).expect("key span is a string");
                assert_eq!(key, m.key);
                assert!(m.key_span.end <= m.value.span.start);
                check_spans(&m.value, data);
            }
        }
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let ours = parse(data, &ParseLimits::default());
    let theirs = serde_json::from_slice::<Value>(data);
    match (&ours, &theirs) {
        (Ok(p), Ok(v)) => {
            assert_eq!(&p.root.to_value(), v, "value views differ");
            check_spans(&p.root, data);
        }
        (Err(e), Err(_)) => {
            assert!(e.offset <= data.len(), "error offset past the end");
            assert!(!e.message.is_empty());
        }
        (Ok(p), Err(e)) => {
            let documented = depth(&p.root) > 127 || has_huge_number(&p.root);
            assert!(documented, "we accept what serde_json refuses ({e})");
        }
        (Err(e), Ok(_)) => panic!("we refuse what serde_json accepts: {e:?}"),
    }
});
