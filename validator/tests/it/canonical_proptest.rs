//! Property tests for canonical JSON: fixed points, round trips, where the
//! two profiles must agree, and JCS number digits against serde_json's.

use cnab_validator::json::canonical::{canonicalize, is_canonical, matches_canonical, Profile};
use cnab_validator::json::{parse, ParseLimits};
use proptest::prelude::*;
use serde_json::Value;

const MAX_SAFE: i64 = 1 << 53;

/// Strings without control characters (OLPC writes those raw, which no
/// RFC 8259 parser reads back).
fn text(ascii_only: bool) -> BoxedStrategy<String> {
    if ascii_only {
        "[ -~]{0,8}".boxed()
    } else {
        any::<String>()
            .prop_map(|s| s.chars().filter(|c| *c >= ' ').collect())
            .boxed()
    }
}

/// JSON values whose numbers are all in `ints`.
fn value(
    ints: BoxedStrategy<Value>,
    strings: BoxedStrategy<String>,
    keys: BoxedStrategy<String>,
) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        ints,
        strings.prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(keys.clone(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn any_int() -> BoxedStrategy<Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from)
    ]
    .boxed()
}

fn safe_int() -> BoxedStrategy<Value> {
    (-MAX_SAFE..=MAX_SAFE).prop_map(Value::from).boxed()
}

fn any_number() -> BoxedStrategy<Value> {
    prop_oneof![
        any_int(),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
    ]
    .boxed()
}

fn canon(bytes: &[u8], profile: Profile) -> Vec<u8> {
    let parsed = parse(bytes, &ParseLimits::default()).expect("parses");
    canonicalize(&parsed.root, profile).expect("canonicalizes")
}

/// The significant digits of a decimal number's text and the position of
/// the decimal point relative to them, so that layouts can be compared.
fn decompose(text: &str) -> (bool, String, i64) {
    let negative = text.starts_with('-');
    let text = text.trim_start_matches('-');
    let (mantissa, exp) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i64>().expect("exponent")),
        None => (text, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all = format!("{int}{frac}");
    let leading = all.bytes().take_while(|&b| b == b'0').count();
    let digits = all[leading..].trim_end_matches('0').to_owned();
    (negative, digits, int.len() as i64 - leading as i64 + exp)
}

proptest! {
    #[test]
    fn olpc_is_a_fixed_point_and_reads_back(
        v in value(any_int(), text(false), text(false))
    ) {
        let source = serde_json::to_vec_pretty(&v).unwrap();
        let once = canon(&source, Profile::Olpc);
        prop_assert_eq!(&canon(&once, Profile::Olpc), &once);
        let parsed = parse(&once, &ParseLimits::default()).unwrap();
        prop_assert_eq!(parsed.root.to_value(), v);
        prop_assert_eq!(is_canonical(&once, &parsed, Profile::Olpc), Ok(()));
    }

    #[test]
    fn jcs_is_a_fixed_point(v in value(any_number(), any::<String>().boxed(), any::<String>().boxed())) {
        let source = serde_json::to_vec_pretty(&v).unwrap();
        let once = canon(&source, Profile::Jcs);
        prop_assert_eq!(&canon(&once, Profile::Jcs), &once);
        let parsed = parse(&once, &ParseLimits::default()).unwrap();
        prop_assert_eq!(is_canonical(&once, &parsed, Profile::Jcs), Ok(()));
    }

    #[test]
    fn jcs_reads_back_for_safe_integers(
        v in value(safe_int(), any::<String>().boxed(), any::<String>().boxed())
    ) {
        let once = canon(&serde_json::to_vec(&v).unwrap(), Profile::Jcs);
        let parsed = parse(&once, &ParseLimits::default()).unwrap();
        prop_assert_eq!(parsed.root.to_value(), v);
    }

    #[test]
    fn profiles_agree_on_their_common_subset(
        v in value(safe_int(), text(false), text(true))
    ) {
        let source = serde_json::to_vec_pretty(&v).unwrap();
        let olpc = canon(&source, Profile::Olpc);
        let jcs = canon(&source, Profile::Jcs);
        prop_assert_eq!(String::from_utf8_lossy(&olpc), String::from_utf8_lossy(&jcs));
        let parsed = parse(&source, &ParseLimits::default()).unwrap();
        let verdicts = (
            is_canonical(&source, &parsed, Profile::Olpc).is_ok(),
            is_canonical(&source, &parsed, Profile::Jcs).is_ok(),
        );
        prop_assert_eq!(verdicts.0, verdicts.1);
        prop_assert_eq!(verdicts.0, source == olpc);
    }

    #[test]
    fn non_canonical_text_is_located(
        v in value(any_int(), text(false), text(false)),
        profile in prop_oneof![Just(Profile::Olpc), Just(Profile::Jcs)],
    ) {
        let source = serde_json::to_vec_pretty(&v).unwrap();
        let parsed = parse(&source, &ParseLimits::default()).unwrap();
        let Ok(canonical) = canonicalize(&parsed.root, profile) else {
            return Ok(());
        };
        match is_canonical(&source, &parsed, profile) {
            Ok(()) => prop_assert_eq!(&source, &canonical),
            Err(e) => {
                prop_assert!(source != canonical);
                prop_assert!(e.offset <= source.len());
                prop_assert!(!e.message.is_empty() && !e.message.ends_with('.'));
                let pointer = e.pointer.unwrap_or_default();
                prop_assert!(parsed.root.pointer(&pointer).is_some(), "pointer {}", pointer);
            }
        }
    }

    #[test]
    fn inserted_whitespace_is_found_where_it_was_put(
        v in value(safe_int(), text(false), text(false)),
        at in any::<prop::sample::Index>(),
        ws in prop_oneof![Just(b' '), Just(b'\n'), Just(b'\t'), Just(b'\r')],
        profile in prop_oneof![Just(Profile::Olpc), Just(Profile::Jcs)],
    ) {
        let canonical = canon(&serde_json::to_vec(&v).unwrap(), profile);
        let at = at.index(canonical.len() + 1);
        let mut bytes = canonical.clone();
        bytes.insert(at, ws);
        let Ok(parsed) = parse(&bytes, &ParseLimits::default()) else {
            // Inside a string a raw control character is not JSON.
            return Ok(());
        };
        // A space inside a string changes the value; between tokens it does not.
        prop_assume!(parsed.root.to_value() == v);
        let e = is_canonical(&bytes, &parsed, profile).unwrap_err();
        prop_assert_eq!(e.offset, at, "{:?}", e);
        prop_assert!(e.message.contains("whitespace") || e.message.contains("newline"), "{:?}", e);
    }

    #[test]
    fn jcs_numbers_have_serde_json_digits(bits in any::<u64>()) {
        let f = f64::from_bits(bits);
        prop_assume!(f.is_finite());
        let source = format!("{f:e}");
        let ours = String::from_utf8(canon(source.as_bytes(), Profile::Jcs)).unwrap();
        prop_assert_eq!(ours.parse::<f64>().unwrap(), if f == 0.0 { 0.0 } else { f });
        if f != 0.0 {
            let theirs = serde_json::to_string(&f).unwrap();
            prop_assert_eq!(decompose(&ours), decompose(&theirs), "{} vs {}", ours, theirs);
        } else {
            prop_assert_eq!(ours, "0");
        }
    }

    #[test]
    fn olpc_integers_survive_any_spelling(
        digits in "[1-9][0-9]{0,40}",
        shift in 0usize..20,
        negative in any::<bool>(),
    ) {
        // Write the integer as `d.ddd…e+N` (or with a fraction of zeros)
        // and expect its plain digits back.
        let sign = if negative { "-" } else { "" };
        let expected = format!("{sign}{digits}");
        let shift = shift.min(digits.len() - 1);
        let split = digits.len() - shift;
        let spelled = format!("{sign}{}.{}e{shift}", &digits[..split], &digits[split..]);
        let spelled = spelled.replace(".e", ".0e");
        prop_assert_eq!(String::from_utf8(canon(spelled.as_bytes(), Profile::Olpc)).unwrap(), expected.clone());
        let zeros = format!("{expected}.000");
        prop_assert_eq!(String::from_utf8(canon(zeros.as_bytes(), Profile::Olpc)).unwrap(), expected);
    }
}

/// Spells `v` as JSON with choices taken from `dice`: whitespace around
/// tokens, members in source order or reversed, strings with characters
/// escaped that need not be, integers with an exponent. Every spelling
/// parses back to `v`; some of them are canonical.
fn spell(v: &Value, dice: &mut impl Iterator<Item = u8>, out: &mut String) {
    let mut roll = |n: u8| dice.next().unwrap_or(0) % n;
    if roll(12) == 0 {
        out.push(' ');
    }
    match v {
        Value::Null | Value::Bool(_) => out.push_str(&v.to_string()),
        Value::Number(n) => {
            if roll(6) == 0 && n.is_i64() && n.as_i64() != Some(0) {
                out.push_str(&format!("{n}e0"));
            } else {
                out.push_str(&n.to_string());
            }
        }
        Value::String(s) => {
            let escape_all = roll(8) == 0;
            let mut plain = serde_json::to_string(s).unwrap();
            if escape_all {
                plain = String::from("\"");
                for c in s.chars() {
                    let mut units = [0u16; 2];
                    for u in c.encode_utf16(&mut units) {
                        plain.push_str(&format!("\\u{u:04x}"));
                    }
                }
                plain.push('"');
            }
            out.push_str(&plain);
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                spell(item, &mut *dice, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            let mut members: Vec<_> = map.iter().collect();
            if roll(4) == 0 {
                members.reverse();
            }
            for (i, (k, item)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(k).unwrap());
                out.push(':');
                spell(item, &mut *dice, out);
            }
            out.push('}');
        }
    }
}

proptest! {
    /// The verdict taken from the spans alone (for canonical input) never
    /// differs from writing the canonical form and comparing.
    #[test]
    fn the_verdict_is_that_of_writing_and_comparing(
        v in value(any_int(), any::<String>().boxed(), any::<String>().boxed()),
        dice in prop::collection::vec(any::<u8>(), 0..64),
        profile in prop_oneof![Just(Profile::Olpc), Just(Profile::Jcs)],
    ) {
        let mut text = String::new();
        // Most rolls of an exhausted die are 0; cycling keeps variety.
        let mut rolls = dice.iter().copied().chain(std::iter::repeat(1)).cycle();
        spell(&v, &mut rolls, &mut text);
        let parsed = parse(text.as_bytes(), &ParseLimits::default()).unwrap();
        let written = canonicalize(&parsed.root, profile);
        let verdict = is_canonical(text.as_bytes(), &parsed, profile);
        prop_assert_eq!(matches_canonical(text.as_bytes(), &parsed, profile), verdict.is_ok());
        prop_assert_eq!(
            verdict.is_ok(),
            written.as_deref().is_ok_and(|w| w == text.as_bytes()),
            "{} -> {:?}", text, verdict
        );
        // The canonical form itself is canonical, by either route.
        if let Ok(w) = written {
            let again = parse(&w, &ParseLimits::default());
            if let Ok(again) = again {
                prop_assert_eq!(is_canonical(&w, &again, profile), Ok(()));
            }
        }
    }
}
