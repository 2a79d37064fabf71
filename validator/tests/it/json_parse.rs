//! The spanned JSON parser: grammar, spans, duplicates, limits, pointers and
//! line/column lookup.

use cnab_model::Span;
use cnab_validator::json::{parse, LineIndex, NodeValue, ParseError, ParseLimits, Parsed};
use serde_json::json;

fn ok(text: &str) -> Parsed {
    match parse(text.as_bytes(), &ParseLimits::default()) {
        Ok(p) => p,
        Err(e) => panic!("{text:?} should parse, got {e:?}"),
    }
}

fn err(bytes: &[u8]) -> ParseError {
    match parse(bytes, &ParseLimits::default()) {
        Ok(p) => panic!("{bytes:?} should not parse, got {:?}", p.root),
        Err(e) => e,
    }
}

/// Asserts the error's message contains `fragment` and its offset is `offset`.
fn check_err(bytes: &[u8], fragment: &str, offset: usize) {
    let e = err(bytes);
    assert!(
        e.message.contains(fragment),
        "{:?}: message {:?} should contain {fragment:?}",
        String::from_utf8_lossy(bytes),
        e.message
    );
    assert_eq!(
        e.offset,
        offset,
        "offset for {:?}: {e:?}",
        String::from_utf8_lossy(bytes)
    );
    assert!(!e.limit);
    assert!(!e.message.ends_with('.'));
}

fn span(start: usize, end: usize) -> Span {
    Span { start, end }
}

#[test]
fn scalars_and_containers_convert_to_values() {
    let text = r#" {"a": [1, -2.5e3, true, false, null, "x\n\u00e9\ud83d\ude00"], "b": {}} "#;
    let p = ok(text);
    assert_eq!(
        p.root.to_value(),
        json!({"a": [1, -2.5e3, true, false, null, "x\n\u{e9}\u{1F600}"], "b": {}})
    );
    assert!(p.duplicates.is_empty());
}

#[test]
fn spans_cover_each_value_and_key() {
    let text = r#"{"k\"y" : [10, "s"], "n": null}"#;
    let p = ok(text);
    assert_eq!(p.root.span, span(0, text.len()));
    let NodeValue::Object(members) = &p.root.value else {
        panic!("root should be an object")
    };
    assert_eq!(members[0].key, "k\"y");
    assert_eq!(members[0].key_span, span(1, 7));
    assert_eq!(&text[1..7], r#""k\"y""#);
    assert_eq!(members[0].value.span, span(10, 19));
    let NodeValue::Array(items) = &members[0].value.value else {
        panic!("member should be an array")
    };
    assert_eq!(items[0].span, span(11, 13));
    assert_eq!(items[1].span, span(15, 18));
    assert_eq!(members[1].key_span, span(21, 24));
    assert_eq!(members[1].value.span, span(26, 30));
}

#[test]
fn numbers_keep_their_source_text() {
    for raw in [
        "0",
        "-0",
        "1e400",
        "18446744073709551616",
        "-9223372036854775809",
        "1.000",
        "1E+2",
        "0.5e-10",
    ] {
        let p = ok(raw);
        assert_eq!(p.root.value, NodeValue::Number(raw.to_owned()));
    }
}

#[test]
fn out_of_range_numbers_are_null_in_the_value_view() {
    assert_eq!(ok("[1e400]").root.to_value(), json!([null]));
    assert_eq!(ok("18446744073709551615").root.to_value(), json!(u64::MAX));
}

#[test]
fn duplicates_are_recorded_and_both_members_kept() {
    let text = r#"{"a": {"p": 1, "p": 2, "q": 0, "p": 3}, "b/~": [{"x": 1, "x": 2}]}"#;
    let p = ok(text);
    let pointers: Vec<&str> = p.duplicates.iter().map(|d| d.pointer.as_str()).collect();
    assert_eq!(pointers, ["/a/p", "/a/p", "/b~1~0/0/x"]);
    let first = &p.duplicates[0];
    assert_eq!(&text[first.first.start..first.first.end], r#""p""#);
    assert_eq!(first.first, span(7, 10));
    assert_eq!(first.second, span(15, 18));
    assert_eq!(p.duplicates[1].first, span(7, 10));
    assert_eq!(p.duplicates[1].second, span(31, 34));
    assert_eq!(&text[31..34], r#""p""#);
    let inner = p.root.pointer("/a").expect("a exists");
    let NodeValue::Object(members) = &inner.value else {
        panic!("a should be an object")
    };
    assert_eq!(members.len(), 4);
    assert_eq!(
        p.root.to_value(),
        json!({"a": {"p": 3, "q": 0}, "b/~": [{"x": 2}]})
    );
    assert_eq!(p.root.pointer("/a/p").map(|n| n.to_value()), Some(json!(3)));
}

#[test]
fn duplicates_in_large_objects_are_found() {
    let mut text = String::from("{");
    for i in 0..100 {
        text.push_str(&format!("\"k{i}\": {i},"));
    }
    text.push_str("\"k42\": 0, \"k7\": 1}");
    let p = ok(&text);
    let pointers: Vec<&str> = p.duplicates.iter().map(|d| d.pointer.as_str()).collect();
    assert_eq!(pointers, ["/k42", "/k7"]);
}

#[test]
fn duplicates_are_in_source_order_across_nesting() {
    let p = ok(r#"{"a": 1, "a": 2, "o": {"b": 1, "b": 2}}"#);
    let pointers: Vec<&str> = p.duplicates.iter().map(|d| d.pointer.as_str()).collect();
    assert_eq!(pointers, ["/a", "/o/b"]);
}

#[test]
fn pointer_follows_rfc_6901() {
    let p = ok(r#"{"a/b": {"m~n": [5, 6]}, "": 7, "0": 8, "arr": [1, 2]}"#);
    let at = |ptr: &str| p.root.pointer(ptr).map(|n| n.to_value());
    assert_eq!(at(""), Some(p.root.to_value()));
    assert_eq!(at("/a~1b/m~0n/1"), Some(json!(6)));
    assert_eq!(at("/"), Some(json!(7)));
    assert_eq!(at("/0"), Some(json!(8)));
    assert_eq!(at("/arr/0"), Some(json!(1)));
    assert_eq!(at("/arr/01"), None);
    assert_eq!(at("/arr/-"), None);
    assert_eq!(at("/arr/2"), None);
    assert_eq!(at("/arr/x"), None);
    assert_eq!(at("a"), None);
    assert_eq!(at("/a~2b"), None);
    assert_eq!(at("/missing"), None);
    assert_eq!(at("/0/deeper"), None);
}

#[test]
fn rejects_with_precise_messages_and_offsets() {
    check_err(b"", "empty input", 0);
    check_err(b"  \n", "unexpected end of input", 3);
    check_err(b"[1,]", "trailing comma before `]`", 3);
    check_err(b"{\"a\":1,}", "trailing comma before `}`", 7);
    check_err(b"// hi\n1", "comments are not allowed", 0);
    check_err(b"[1 /* x */]", "expected `,` or `]`", 3);
    check_err(b"01", "leading zeros", 0);
    check_err(b"-01", "leading zeros", 0);
    check_err(b"NaN", "unexpected `NaN`", 0);
    check_err(b"[Infinity]", "unexpected `Infinity`", 1);
    check_err(b"-", "expected a digit after `-`", 1);
    check_err(b"1.", "expected a digit after the decimal point", 2);
    check_err(b"1e", "expected a digit in the exponent", 2);
    check_err(b".5", "unexpected `.`", 0);
    check_err(b"+1", "unexpected `+`", 0);
    check_err(b"\"a\tb\"", "control character U+0009 must be escaped", 2);
    check_err(b"\"a\\xb\"", "invalid escape `\\x`", 2);
    check_err(b"\"\\u12g4\"", "four hex digits", 1);
    check_err(b"\"\\ud800\"", "lone high surrogate", 1);
    check_err(b"\"x\\ud800\\u0041\"", "lone high surrogate", 2);
    check_err(b"\"\\udc00\"", "lone low surrogate", 1);
    check_err(b"\"abc", "unterminated string", 0);
    check_err(b"[\"abc\\", "unterminated string", 5);
    check_err(b"{\"a\" 1}", "expected `:` after object key", 5);
    check_err(b"{a:1}", "expected a string key", 1);
    check_err(b"{\"a\":1 \"b\":2}", "expected `,` or `}`", 7);
    check_err(b"[1, 2", "unexpected end of input inside array", 5);
    check_err(b"[", "unexpected end of input inside array", 1);
    check_err(b"{\"a\": 1", "unexpected end of input inside object", 7);
    check_err(b"{", "unexpected end of input inside object", 1);
    check_err(b"{\"a\":", "unexpected end of input inside object", 5);
    check_err(b"1 2", "after the JSON value", 2);
    check_err(b"{} x", "after the JSON value", 3);
    check_err(b"tru", "unexpected `tru`", 0);
    check_err(b"nulll", "unexpected `nulll`", 0);
    check_err(b"\x01", "control character U+0001", 0);
    let long = "x".repeat(10_000);
    let e = err(long.as_bytes());
    assert!(e.message.len() < 80, "{e:?}");
}

#[test]
fn rejects_invalid_utf8_at_the_bad_byte() {
    check_err(b"\"ab\xffc\"", "invalid UTF-8", 3);
    check_err(b"[\"\xc3\"]", "invalid UTF-8", 2);
    // An encoded surrogate is not UTF-8 either.
    check_err(b"\"\xed\xa0\x80\"", "invalid UTF-8", 1);
}

#[test]
fn rejects_a_byte_order_mark() {
    check_err(b"\xef\xbb\xbf{}", "byte order mark is not allowed", 0);
    let e = err(b"\xef\xbb\xbf{}");
    assert!(e.message.contains("RFC 8259 § 8.1"), "{e:?}");
}

#[test]
fn size_limit_is_checked_before_parsing() {
    let limits = ParseLimits {
        max_depth: 512,
        max_bytes: 4,
    };
    let e = parse(b"[1,2]", &limits).expect_err("over the size limit");
    assert!(e.limit);
    assert!(e.message.contains("limit of 4 bytes"), "{e:?}");
    // Not parsed at all: bad syntax within the size still reports the size.
    let e = parse(b"{{{{{", &limits).expect_err("over the size limit");
    assert!(e.limit);
    assert!(parse(b"[12]", &limits).is_ok());
}

#[test]
fn depth_limit_is_an_error_with_limit_set() {
    let limits = ParseLimits {
        max_depth: 3,
        max_bytes: 1 << 20,
    };
    assert!(parse(b"[[[1]]]", &limits).is_ok());
    assert!(parse(b"[{\"a\":[]}]", &limits).is_ok());
    let e = parse(b"[[[[1]]]]", &limits).expect_err("too deep");
    assert!(e.limit);
    assert_eq!(e.offset, 3);
    let e = parse(
        b"[{\"a\":{}}]",
        &ParseLimits {
            max_depth: 2,
            ..limits
        },
    )
    .expect_err("too deep");
    assert!(e.limit);
    assert_eq!(e.offset, 6);
}

#[test]
fn very_deep_nesting_never_overflows_the_stack() {
    let deep = "[".repeat(10_000) + &"]".repeat(10_000);
    let e = err(deep.as_bytes());
    assert!(e.limit);
    assert_eq!(e.offset, 512);
    let deep_objects = "{\"a\":".repeat(100_000);
    let e = err(deep_objects.as_bytes());
    assert!(e.limit);
    // Without a depth limit the parser itself still does not recurse.
    let limits = ParseLimits {
        max_depth: usize::MAX,
        max_bytes: usize::MAX,
    };
    let unclosed = "[".repeat(200_000);
    let e = parse(unclosed.as_bytes(), &limits).expect_err("unclosed");
    assert!(e.message.contains("inside array"), "{e:?}");
    assert!(!e.limit);
}

#[test]
fn exactly_the_default_depth_is_accepted() {
    let text = "[".repeat(512) + &"]".repeat(512);
    assert!(parse(text.as_bytes(), &ParseLimits::default()).is_ok());
}

#[test]
fn escapes_decode() {
    let p = ok(r#""\"\\\/\b\f\n\r\t\u0000\u00e9\uD83D\uDE00\u2028""#);
    assert_eq!(
        p.root.value,
        NodeValue::String("\"\\/\u{8}\u{c}\n\r\t\u{0}é😀\u{2028}".into())
    );
}

#[test]
fn whitespace_is_only_the_four_json_characters() {
    assert!(parse(b" \t\r\n1 \t\r\n", &ParseLimits::default()).is_ok());
    check_err("\u{a0}1".as_bytes(), "unexpected", 0);
    check_err(b"\x0c1", "control character U+000C", 0);
}

#[test]
fn line_index_counts_lines_and_characters() {
    let text = "ab\r\n\u{e9}x\n\u{1F600}y\n".as_bytes();
    let index = LineIndex::new(text);
    assert_eq!(index.line_col(text, 0), (1, 1));
    assert_eq!(index.line_col(text, 2), (1, 3)); // The `\r`.
    assert_eq!(index.line_col(text, 3), (1, 4)); // The `\n`.
    assert_eq!(index.line_col(text, 4), (2, 1)); // The `é`.
    assert_eq!(index.line_col(text, 5), (2, 1)); // Inside the `é`.
    assert_eq!(index.line_col(text, 6), (2, 2)); // The `x`.
    assert_eq!(index.line_col(text, 8), (3, 1)); // The emoji.
    assert_eq!(index.line_col(text, 12), (3, 2)); // The `y`.
    assert_eq!(index.line_col(text, 14), (4, 1)); // The end of the text.
    assert_eq!(index.line_col(text, 99), (4, 1)); // Past the end.
    let empty = LineIndex::new(b"");
    assert_eq!(empty.line_col(b"", 0), (1, 1));
}

#[test]
fn error_offsets_map_to_lines() {
    let text = b"{\n  \"a\": 1,\n  \"b\" 2\n}";
    let e = err(text);
    assert!(e.message.contains("expected `:`"));
    assert_eq!(LineIndex::new(text).line_col(text, e.offset), (3, 7));
}
