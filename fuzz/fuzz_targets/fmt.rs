//! `fmt`: parse, then write the canonical form under both profiles.
//!
//! Invariants, for each profile whose canonical form exists:
//! - the canonical output parses again (for OLPC, unless a string holds a
//!   control character, which OLPC writes raw and RFC 8259 forbids);
//! - it is a fixed point: canonicalizing it again gives the same bytes, and
//!   `is_canonical` accepts it;
//! - where the spec says the profiles must agree (ASCII keys, no control
//!   characters, integers of magnitude at most 2^53), OLPC and JCS write the
//!   same bytes.

#![no_main]

use cnab_validator::json::canonical::{canonicalize, is_canonical, Profile};
use cnab_validator::json::{parse, Node, NodeValue, ParseLimits};
use libfuzzer_sys::fuzz_target;

/// Whether a string of the tree holds a control character.
fn has_control(node: &Node) -> bool {
    match &node.value {
        NodeValue::String(s) => s.chars().any(|c| c < ' '),
        NodeValue::Array(items) => items.iter().any(has_control),
        NodeValue::Object(members) => members
            .iter()
            .any(|m| m.key.chars().any(|c| c < ' ') || has_control(&m.value)),
        _ => false,
    }
}

/// Whether the tree is in the zone where both profiles must agree: ASCII
/// keys, no control characters, and every number a plain integer (as OLPC
/// writes it) of magnitude at most 2^53.
fn in_common_zone(node: &Node) -> bool {
    match &node.value {
        NodeValue::Null | NodeValue::Bool(_) => true,
        NodeValue::String(s) => !s.chars().any(|c| c < ' '),
        NodeValue::Number(text) => {
            let digits = text.trim_start_matches('-');
            digits.bytes().all(|b| b.is_ascii_digit())
                && digits.len() <= 16
                && digits.parse::<u64>().is_ok_and(|n| n <= 1 << 53)
        }
        NodeValue::Array(items) => items.iter().all(in_common_zone),
        NodeValue::Object(members) => members.iter().all(|m| {
            m.key.is_ascii() && !m.key.chars().any(|c| c < ' ') && in_common_zone(&m.value)
        }),
    }
}

fuzz_target!(|data: &[u8]| {
    let limits = ParseLimits::default();
    let Ok(parsed) = parse(data, &limits) else {
        return;
    };
    let control = has_control(&parsed.root);
    let mut outputs = Vec::new();
    for profile in Profile::ALL {
        let Ok(first) = canonicalize(&parsed.root, profile) else {
            continue;
        };
        if profile == Profile::Olpc && control {
            continue;
        }
        let again = parse(&first, &limits).unwrap_or_else(|e| {
            panic!(
                "{profile} output does not parse: {e} at {}: {:?}",
                e.offset,
                String::from_utf8_lossy(&first)
            )
        });
        assert!(
            again.duplicates.is_empty(),
            "{profile} output has duplicates"
        );
        let second = canonicalize(&again.root, profile).expect("canonical output canonicalizes");
        assert_eq!(
            String::from_utf8_lossy(&first),
            String::from_utf8_lossy(&second),
            "{profile} is not idempotent"
        );
        if let Err(e) = is_canonical(&first, &again, profile) {
            panic!("{profile} output judged not canonical: {e:?}");
        }
        if profile == Profile::Olpc {
            // The OLPC output spells numbers as plain integers, so the zone
            // test reads them from it.
            outputs.push((in_common_zone(&again.root), first));
        } else {
            outputs.push((true, first));
        }
    }
    if let [(true, olpc), (_, jcs)] = outputs.as_slice() {
        assert_eq!(
            String::from_utf8_lossy(olpc),
            String::from_utf8_lossy(jcs),
            "OLPC and JCS disagree inside their common zone"
        );
    }
});
