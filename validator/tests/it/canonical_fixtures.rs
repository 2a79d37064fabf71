//! Canonical JSON against fixtures: the RFC 8785 vectors, our OLPC fixtures,
//! the spec's thin bundle, and one test per rule where the profiles differ.

use std::path::{Path, PathBuf};

use cnab_validator::json::canonical::{
    canonicalize, is_canonical, NotCanonical, Profile, MAX_INTEGER_DIGITS,
};
use cnab_validator::json::{parse, ParseLimits, Parsed};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/canonical")
}

fn parsed(bytes: &[u8]) -> Parsed {
    parse(bytes, &ParseLimits::default())
        .unwrap_or_else(|e| panic!("{:?} should parse: {e:?}", String::from_utf8_lossy(bytes)))
}

fn canon(text: &str, profile: Profile) -> String {
    let out = canonicalize(&parsed(text.as_bytes()).root, profile)
        .unwrap_or_else(|e| panic!("{text:?} should canonicalize under {profile}: {e:?}"));
    String::from_utf8(out).expect("canonical output is UTF-8")
}

fn not_canonical(text: &[u8], profile: Profile) -> NotCanonical {
    match is_canonical(text, &parsed(text), profile) {
        Ok(()) => panic!(
            "{:?} should not be canonical under {profile}",
            String::from_utf8_lossy(text)
        ),
        Err(e) => e,
    }
}

/// Checks every `input/NAME.json` against `output/NAME.json` in `dir`.
fn check_dir(dir: &Path, profile: Profile) -> usize {
    let mut count = 0;
    let mut inputs: Vec<_> = std::fs::read_dir(dir.join("input"))
        .expect("input directory")
        .map(|e| e.expect("directory entry").path())
        .collect();
    inputs.sort();
    for input in inputs {
        let name = input.file_name().expect("file name");
        let expected = std::fs::read(dir.join("output").join(name)).expect("output file");
        let source = std::fs::read(&input).expect("input file");
        let doc = parsed(&source);
        let out = canonicalize(&doc.root, profile)
            .unwrap_or_else(|e| panic!("{} under {profile}: {e:?}", input.display()));
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&expected),
            "{} under {profile}",
            input.display()
        );
        assert_eq!(out, expected, "{} under {profile}", input.display());
        // The expected output is canonical and the pretty input is not. OLPC
        // output with raw control characters is not RFC 8259 JSON, so the
        // strict parser refuses it before any canonical check.
        if expected.iter().any(|&b| b < 0x20) {
            let e = parse(&expected, &ParseLimits::default()).expect_err("raw control character");
            assert!(e.message.contains("control character"), "{e:?}");
        } else {
            let again = parsed(&expected);
            assert_eq!(is_canonical(&expected, &again, profile), Ok(()));
        }
        assert!(is_canonical(&source, &doc, profile).is_err());
        count += 1;
    }
    count
}

#[test]
fn rfc8785_vectors_are_byte_exact() {
    assert_eq!(check_dir(&fixtures().join("jcs"), Profile::Jcs), 6);
}

#[test]
fn rfc8785_hex_outputs_match_the_outputs() {
    let dir = fixtures().join("jcs");
    for entry in std::fs::read_dir(dir.join("outhex")).expect("outhex directory") {
        let path = entry.expect("directory entry").path();
        let hex: String = std::fs::read_to_string(&path)
            .expect("hex file")
            .split_whitespace()
            .collect();
        let bytes = hex::decode(&hex).expect("hex digits");
        let stem = path
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        let output =
            std::fs::read(dir.join("output").join(format!("{stem}.json"))).expect("output");
        assert_eq!(bytes, output, "{}", path.display());
    }
}

#[test]
fn olpc_fixtures_are_byte_exact() {
    assert_eq!(check_dir(&fixtures().join("olpc"), Profile::Olpc), 5);
}

#[test]
fn spec_thin_bundle_is_canonical_under_both_profiles() {
    let dir = fixtures().join("spec");
    let canonical = std::fs::read(dir.join("101-thin-bundle.canonical.json")).expect("fixture");
    let pretty = std::fs::read(dir.join("101-thin-bundle.json")).expect("fixture");
    for profile in Profile::ALL {
        let doc = parsed(&canonical);
        assert_eq!(is_canonical(&canonical, &doc, profile), Ok(()), "{profile}");
        let pretty_doc = parsed(&pretty);
        let out = canonicalize(&pretty_doc.root, profile).expect("canonicalizes");
        assert_eq!(out, canonical, "{profile}");
        let e = is_canonical(&pretty, &pretty_doc, profile).expect_err("pretty is not canonical");
        assert!(e.message.contains("whitespace"), "{e:?}");
        assert_eq!(e.offset, 1);
    }
}

#[test]
fn key_order_differs_between_byte_and_utf16_order() {
    let text = r#"{"\ud83d\ude00":1,"\ue000":2}"#;
    assert_eq!(
        canon(text, Profile::Olpc),
        "{\"\u{e000}\":2,\"\u{1F600}\":1}"
    );
    assert_eq!(
        canon(text, Profile::Jcs),
        "{\"\u{1F600}\":1,\"\u{e000}\":2}"
    );
    let olpc = "{\"\u{e000}\":2,\"\u{1F600}\":1}";
    let e = not_canonical(olpc.as_bytes(), Profile::Jcs);
    assert!(e.message.contains("order"), "{e:?}");
    assert_eq!(e.pointer.as_deref(), Some(""));
    assert_eq!(e.offset, 1);
}

#[test]
fn control_characters_are_raw_in_olpc_and_escaped_in_jcs() {
    let text = r#"["\u0000\b\t\n\u000b\f\r\u001f\u007f"]"#;
    assert_eq!(
        canon(text, Profile::Olpc),
        "[\"\u{0}\u{8}\t\n\u{b}\u{c}\r\u{1f}\u{7f}\"]"
    );
    assert_eq!(
        canon(text, Profile::Jcs),
        "[\"\\u0000\\b\\t\\n\\u000b\\f\\r\\u001f\u{7f}\"]"
    );
    // An escape that OLPC never writes is reported where it starts.
    let e = not_canonical(br#"{"a":"x\ny"}"#, Profile::Olpc);
    assert_eq!(e.offset, 7);
    assert_eq!(e.pointer.as_deref(), Some("/a"));
    assert!(e.message.contains("found `\\n`"), "{e:?}");
    // JCS wants the short escape, not the long one.
    let e = not_canonical(br#"{"a":"x\u000ay"}"#, Profile::Jcs);
    assert_eq!(e.offset, 7);
    assert!(
        e.message.contains("found `\\u000a`, expected `\\n`"),
        "{e:?}"
    );
    // Non-ASCII characters are raw in JCS too.
    let e = not_canonical(br#"["\u00e9"]"#, Profile::Jcs);
    assert!(
        e.message.contains("found `\\u00e9`, expected `\u{e9}`"),
        "{e:?}"
    );
    assert_eq!(e.pointer.as_deref(), Some("/0"));
}

#[test]
fn integral_numbers_and_fractions() {
    assert_eq!(
        canon("[1.0, 1e2, -0, 1E400]", Profile::Olpc),
        format!("[1,100,0,1{}]", "0".repeat(400))
    );
    assert_eq!(canon("[1.0, 1e2, -0, 1.5]", Profile::Jcs), "[1,100,0,1.5]");
    let e = canonicalize(&parsed(br#"{"a":[1,1.5]}"#).root, Profile::Olpc).expect_err("1.5");
    assert_eq!(e.pointer, "/a/1");
    assert!(e.message.contains("not an integer"), "{e:?}");
    assert!(!e.message.ends_with('.'));
    let e = not_canonical(br#"{"a":[1,1.5]}"#, Profile::Olpc);
    assert_eq!(e.offset, 8);
    assert_eq!(e.pointer.as_deref(), Some("/a/1"));
    // Too small to be an integer, too big to expand.
    for text in ["1e-1", "0.999", "-1.0000000000000000000001"] {
        assert!(
            canonicalize(&parsed(text.as_bytes()).root, Profile::Olpc).is_err(),
            "{text}"
        );
    }
    let huge = format!("1e{}", MAX_INTEGER_DIGITS);
    let e = canonicalize(&parsed(huge.as_bytes()).root, Profile::Olpc).expect_err("too long");
    assert!(e.message.contains("integer digits"), "{e:?}");
    let e = canonicalize(&parsed(b"1e99999999999999999999999").root, Profile::Olpc)
        .expect_err("too long");
    assert!(e.message.contains("integer digits"), "{e:?}");
    let e =
        canonicalize(&parsed(b"1e-99999999999999999999999").root, Profile::Olpc).expect_err("tiny");
    assert!(e.message.contains("not an integer"), "{e:?}");
    // JCS cannot write numbers beyond a double.
    let e = canonicalize(&parsed(b"{\"n\":[-1e400]}").root, Profile::Jcs).expect_err("1e400");
    assert_eq!(e.pointer, "/n/0");
    assert!(e.message.contains("IEEE-754"), "{e:?}");
    assert_eq!(canon("1e-400", Profile::Jcs), "0");
}

#[test]
fn big_integers_are_exact_in_olpc_and_rounded_in_jcs() {
    let text = "[9007199254740993, 18446744073709551617, -99999999999999999999999]";
    assert_eq!(
        canon(text, Profile::Olpc),
        "[9007199254740993,18446744073709551617,-99999999999999999999999]"
    );
    assert_eq!(
        canon(text, Profile::Jcs),
        "[9007199254740992,18446744073709552000,-1e+23]"
    );
}

#[test]
fn jcs_numbers_follow_ecmascript() {
    // IEEE-754 bit patterns and the text ECMAScript writes for them.
    let cases: &[(u64, &str)] = &[
        (0x0000000000000000, "0"),
        (0x8000000000000000, "0"),
        (0x0000000000000001, "5e-324"),
        (0x8000000000000001, "-5e-324"),
        (0x7fefffffffffffff, "1.7976931348623157e+308"),
        (0xffefffffffffffff, "-1.7976931348623157e+308"),
        (0x4340000000000000, "9007199254740992"),
        (0xc340000000000000, "-9007199254740992"),
        (0x4340000000000001, "9007199254740994"),
        (0x4340000000000002, "9007199254740996"),
        (0x4430000000000000, "295147905179352830000"),
        (0x44b52d02c7e14af5, "9.999999999999997e+22"),
        (0x44b52d02c7e14af6, "1e+23"),
        (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
        (0x444b1ae4d6e2ef4e, "999999999999999700000"),
        (0x444b1ae4d6e2ef4f, "999999999999999900000"),
        (0x444b1ae4d6e2ef50, "1e+21"),
        (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
        (0x3eb0c6f7a0b5ed8d, "0.000001"),
        (0x41b3de4355555553, "333333333.3333332"),
        (0x41b3de4355555554, "333333333.33333325"),
        (0x41b3de4355555555, "333333333.3333333"),
        (0x41b3de4355555556, "333333333.3333334"),
        (0x41b3de4355555557, "333333333.33333343"),
        (0xbecbf647612f3696, "-0.0000033333333333333333"),
        (0x43143ff3c1cb0959, "1424953923781206.2"),
    ];
    for &(bits, expected) in cases {
        let value = f64::from_bits(bits);
        // `{:e}` reads back as the same double, so the source is exact.
        let text = format!("{value:e}");
        assert_eq!(canon(&text, Profile::Jcs), expected, "bits {bits:016x}");
    }
    for (text, expected) in [
        ("1e21", "1e+21"),
        ("1e20", "100000000000000000000"),
        ("123e18", "123000000000000000000"),
        ("1.5e-7", "1.5e-7"),
        ("1e-6", "0.000001"),
        ("0.1", "0.1"),
        ("-1.25", "-1.25"),
        ("5.0E-1", "0.5"),
    ] {
        assert_eq!(canon(text, Profile::Jcs), expected, "{text}");
    }
}

#[test]
fn key_sort_uses_unescaped_bytes_with_quote_and_backslash() {
    let text = r#"{"a\\":1,"a\"":2,"a#":3}"#;
    assert_eq!(canon(text, Profile::Olpc), r#"{"a\"":2,"a#":3,"a\\":1}"#);
    assert_eq!(canon(text, Profile::Jcs), r#"{"a\"":2,"a#":3,"a\\":1}"#);
}

#[test]
fn duplicate_keys_keep_the_last_but_are_never_canonical() {
    let text = br#"{"a":1,"a":2}"#;
    let doc = parsed(text);
    for profile in Profile::ALL {
        assert_eq!(
            canonicalize(&doc.root, profile).expect("writes"),
            br#"{"a":2}"#
        );
        let e = is_canonical(text, &doc, profile).expect_err("duplicates");
        assert_eq!(e.offset, 7);
        assert_eq!(e.pointer.as_deref(), Some("/a"));
        assert!(e.message.contains("duplicate key `a`"), "{e:?}");
    }
}

#[test]
fn not_canonical_names_what_differs() {
    for profile in Profile::ALL {
        let e = not_canonical(b"{\"a\":1}\n", profile);
        assert_eq!(e.offset, 7);
        assert!(e.message.contains("trailing newline"), "{e:?}");
        let e = not_canonical(b" {\"a\":1}", profile);
        assert_eq!(e.offset, 0);
        assert!(e.message.contains("before the value"), "{e:?}");
        let e = not_canonical(br#"{"a":{"c":1,"b":2}}"#, profile);
        assert_eq!(e.offset, 6);
        assert_eq!(e.pointer.as_deref(), Some("/a"));
        assert!(e.message.contains("`b` must come before `c`"), "{e:?}");
        let e = not_canonical(br#"{"a":[1,2.50]}"#, Profile::Jcs);
        assert_eq!(e.offset, 8);
        assert_eq!(e.pointer.as_deref(), Some("/a/1"));
        assert!(e.message.contains("writes it as `2.5`"), "{e:?}");
        let e = not_canonical(br#"{"a":[1,1.0]}"#, profile);
        assert_eq!(e.pointer.as_deref(), Some("/a/1"));
        assert!(e.message.contains("writes it as `1`"), "{e:?}");
        let e = not_canonical(br#"{"a\/b":1}"#, profile);
        assert_eq!(e.offset, 3);
        assert_eq!(e.pointer.as_deref(), Some("/a~1b"));
        assert!(e.message.contains("key is not"), "{e:?}");
        assert!(e.message.contains("found `\\/`, expected `/`"), "{e:?}");
        let e = not_canonical(br#"{"a" :1}"#, profile);
        assert_eq!(e.offset, 4);
        assert!(e.message.contains("whitespace between tokens"), "{e:?}");
        let e = not_canonical(b"[1, 2]", profile);
        assert_eq!(e.offset, 3);
        assert!(e.message.contains("whitespace between tokens"), "{e:?}");
        assert_eq!(e.pointer.as_deref(), Some(""));
        assert!(!e.message.ends_with('.'));
        // Escaped backslashes before a differing character are not an escape.
        let e = not_canonical(br#"["\\\u0041"]"#, profile);
        assert_eq!(e.offset, 4);
        assert!(e.message.contains("found `\\u0041`, expected `A`"), "{e:?}");
    }
}

#[test]
fn profile_names_round_trip() {
    for profile in Profile::ALL {
        assert_eq!(profile.to_string().parse::<Profile>(), Ok(profile));
    }
    let e = "auto".parse::<Profile>().expect_err("not a profile");
    assert!(e.to_string().contains("`auto`"));
}

#[test]
fn real_world_documents_get_the_expected_verdicts() {
    let dir = fixtures().join("real-world");
    let verdict = |name: &str, profile: Profile| {
        let bytes = std::fs::read(dir.join(name)).expect("fixture");
        is_canonical(&bytes, &parsed(&bytes), profile)
    };
    for name in [
        "cnab-go-empty.json",
        "cnab-go-minimal.json",
        "porter-mysql-bundle.json",
    ] {
        for profile in Profile::ALL {
            assert_eq!(verdict(name, profile), Ok(()), "{name} under {profile}");
        }
    }
    // cnab-go writes JCS, which allows the decimal default that OLPC cannot.
    let name = "cnab-go-canonical-bundle.json";
    assert_eq!(verdict(name, Profile::Jcs), Ok(()));
    let e = verdict(name, Profile::Olpc).expect_err("decimal number");
    assert_eq!(e.pointer.as_deref(), Some("/definitions/sizeType/default"));
    assert!(e.message.contains("`5.5`"), "{e:?}");
    // Porter's file is canonical except for the newline at its end.
    for profile in Profile::ALL {
        let e = verdict("porter-bundle-images.json", profile).expect_err("trailing newline");
        assert!(e.message.contains("trailing newline"), "{e:?}");
        assert_eq!(e.offset, 1168);
    }
}
