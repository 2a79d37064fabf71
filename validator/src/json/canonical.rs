//! Canonical JSON: the OLPC profile (as docker/go `canonical/json` writes it)
//! and the JCS profile (RFC 8785).
//!
//! The CNAB spec requires `bundle.json` in canonical JSON and links the OLPC
//! definition, while cnab-go writes RFC 8785 (JCS). Both are implemented
//! here, exactly, from the parsed [`Node`] tree (so numbers are worked on from
//! their source text, never from a lossy value view).
//!
//! # Shared rules
//!
//! - No whitespace between tokens and none around the document.
//! - Duplicate keys: [`canonicalize`] keeps the last member, as
//!   [`Node::to_value`] does, but [`is_canonical`] reports any document with
//!   a duplicate key as not canonical, since no canonical writer produces one.
//! - The literals `null`, `true` and `false` are written as such.
//!
//! # OLPC (`Profile::Olpc`)
//!
//! - Object keys are sorted by the raw bytes of their unescaped UTF-8 text (a
//!   key with `"` sorts by the `"` byte, not by `\`).
//! - Strings escape only `"` and `\` (as `\"` and `\\`). Every other
//!   character, control characters included, is written raw; no `\u` escape
//!   is ever produced, and no Unicode normalisation is applied. A string
//!   with a control character therefore comes out as text that RFC 8259
//!   forbids; the parser of this crate (like Go's `encoding/json`) refuses
//!   such text, so a document relying on it fails before the canonical check.
//! - Numbers are integers only. A number whose value is integral is written as
//!   that integer whatever its source spelling (`1.0`, `1e2`, `100E-2`), with
//!   exact decimal arithmetic on the digit string, so integers beyond `u64`
//!   keep every digit. Negative zero (`-0`, `-0.0`) is written as `0`, since
//!   OLPC forbids `-0`. A non-integral number is a [`CanonicalError`]. An
//!   integer that would need more than [`MAX_INTEGER_DIGITS`] digits
//!   (`1e999999999`) is also an error, so a tiny input cannot expand to
//!   gigabytes.
//!
//! # JCS (`Profile::Jcs`, RFC 8785)
//!
//! - Object keys are sorted by their UTF-16 code units (so U+E000 sorts
//!   after U+1F600, whose first surrogate is U+D83D; byte order says the
//!   opposite).
//! - Strings escape `"` and `\`, write U+0008, U+0009, U+000A, U+000C and
//!   U+000D as `\b`, `\t`, `\n`, `\f`, `\r`, and the other control characters
//!   below U+0020 as `\u00xx` with lower-case hex. Everything else, U+007F
//!   included, is raw UTF-8.
//! - Numbers are read as the nearest IEEE-754 double and written the way
//!   ECMAScript's `Number::toString` does (ECMA-262 7.1.12.1): the shortest
//!   digits that read back as the same double, plain notation from 1e-6 up to
//!   below 1e21, exponent notation (`1e+21`, `1.5e-7`) outside, and `-0` as
//!   `0`. Integers above 2^53 lose precision, as they do in every JCS
//!   implementation. A number beyond the range of a double (`1e400`) is a
//!   [`CanonicalError`]; one too small to represent (`1e-400`) reads as zero.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use cnab_model::Span;

use super::parse::push_escaped;
use super::{Node, NodeValue, Parsed};

/// The largest number of digits an OLPC integer may expand to.
pub const MAX_INTEGER_DIGITS: usize = 4096;

/// A canonical JSON profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// OLPC canonical JSON as docker/go writes it.
    Olpc,
    /// RFC 8785 JSON Canonicalization Scheme.
    Jcs,
}

impl Profile {
    /// Every profile, OLPC first.
    pub const ALL: [Profile; 2] = [Profile::Olpc, Profile::Jcs];

    /// The lowercase name used in options and reports (`olpc`, `jcs`).
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Olpc => "olpc",
            Profile::Jcs => "jcs",
        }
    }

    /// How messages name the profile (`OLPC`, `JCS`).
    fn label(self) -> &'static str {
        match self {
            Profile::Olpc => "OLPC",
            Profile::Jcs => "JCS",
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name given to [`Profile::from_str`] is not a profile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown canonical JSON profile `{0}`, expected `olpc` or `jcs`")]
pub struct UnknownProfile(pub String);

impl FromStr for Profile {
    type Err = UnknownProfile;

    fn from_str(s: &str) -> Result<Profile, UnknownProfile> {
        match s {
            "olpc" => Ok(Profile::Olpc),
            "jcs" => Ok(Profile::Jcs),
            other => Err(UnknownProfile(other.to_owned())),
        }
    }
}

/// Why a value cannot be written in a profile.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct CanonicalError {
    /// A lowercase message without a final period.
    pub message: String,
    /// JSON Pointer to the value that cannot be represented.
    pub pointer: String,
}

/// Why a document is not in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct NotCanonical {
    /// The first byte of the input where the problem shows (for text that
    /// merely differs, the first byte that differs from the canonical form).
    pub offset: usize,
    /// A lowercase message without a final period.
    pub message: String,
    /// JSON Pointer to the value concerned, when one is known.
    pub pointer: Option<String>,
}

/// Writes `node` in canonical form under `profile`.
pub fn canonicalize(node: &Node, profile: Profile) -> Result<Vec<u8>, CanonicalError> {
    let mut out = Vec::with_capacity(node.span.end.saturating_sub(node.span.start));
    let mut path = Vec::new();
    write_node(&mut out, node, profile, &mut path)?;
    Ok(out)
}

/// Checks that `bytes`, parsed as `parsed`, are exactly the canonical form of
/// the document under `profile`.
///
/// Reports the first problem: a duplicate key, a value the profile cannot
/// write, or else the first byte that differs from the canonical form, with a
/// description of what differs there (whitespace, key order, a string escape,
/// a number's spelling).
pub fn is_canonical(bytes: &[u8], parsed: &Parsed, profile: Profile) -> Result<(), NotCanonical> {
    if let Some(d) = parsed.duplicates.first() {
        return Err(NotCanonical {
            offset: d.second.start,
            message: format!(
                "duplicate key `{}` is not allowed in canonical JSON",
                last_token(&d.pointer)
            ),
            pointer: Some(d.pointer.clone()),
        });
    }
    // Most documents checked are canonical; that is settled from the spans
    // alone, without writing the canonical form. Anything else is written
    // out and compared, which also explains the difference.
    if matches_canonical(bytes, parsed, profile) {
        return Ok(());
    }
    let canonical = match canonicalize(&parsed.root, profile) {
        Ok(c) => c,
        Err(e) => {
            let offset = parsed
                .root
                .pointer(&e.pointer)
                .map_or(parsed.root.span.start, |n| n.span.start);
            return Err(NotCanonical {
                offset,
                message: e.message,
                pointer: Some(e.pointer),
            });
        }
    };
    let Some(at) = first_difference(bytes, &canonical) else {
        return Ok(());
    };
    Err(explain(bytes, &canonical, at, &parsed.root, profile))
}

/// Whether `bytes`, parsed as `parsed`, are exactly the canonical form of
/// the document under `profile`: the verdict of [`is_canonical`] without
/// the explanation, and without writing the canonical form.
pub fn matches_canonical(bytes: &[u8], parsed: &Parsed, profile: Profile) -> bool {
    parsed.duplicates.is_empty()
        && parsed.root.span.start == 0
        && parsed.root.span.end == bytes.len()
        && matches_in_place(bytes, &parsed.root, profile)
}

/// Whether the text of `node` in `bytes` is already its canonical form under
/// `profile`, judged from the spans: every token sits one separator byte
/// after the previous one (so there is no whitespace), members come in
/// strictly increasing canonical order (so none is repeated), and each
/// string and number is spelled as the profile writes it.
///
/// `true` means [`canonicalize`] would write exactly `bytes[node.span]`;
/// `false` means it would not, or could not write the node at all.
fn matches_in_place(bytes: &[u8], node: &Node, profile: Profile) -> bool {
    let span = node.span;
    match &node.value {
        // The parser's spans of literals hold exactly the literal.
        NodeValue::Null | NodeValue::Bool(_) => true,
        NodeValue::String(s) => string_in_place(bytes, span, s, profile),
        NodeValue::Number(raw) => {
            if is_plain_integer(raw) {
                return true;
            }
            write_number(raw, profile).is_ok_and(|w| w == *raw)
        }
        NodeValue::Array(items) => {
            let mut next = span.start + 1;
            for item in items {
                if item.span.start != next || !matches_in_place(bytes, item, profile) {
                    return false;
                }
                // One byte, the `,` or the closing `]`, follows each item.
                next = item.span.end + 1;
            }
            span.end == next.max(span.start + 2)
        }
        NodeValue::Object(members) => {
            let mut next = span.start + 1;
            let mut previous: Option<&str> = None;
            for m in members {
                let in_order =
                    previous.is_none_or(|p| compare_keys(p, &m.key, profile) == Ordering::Less);
                if !in_order
                    || m.key_span.start != next
                    || !string_in_place(bytes, m.key_span, &m.key, profile)
                    || m.value.span.start != m.key_span.end + 1
                    || !matches_in_place(bytes, &m.value, profile)
                {
                    return false;
                }
                previous = Some(&m.key);
                next = m.value.span.end + 1;
            }
            span.end == next.max(span.start + 2)
        }
    }
}

/// Whether `raw` is an integer both profiles write as it is: digits without
/// a leading zero (or `0` alone), at most 15 of them so that a double holds
/// it exactly, and a minus sign only before a non-zero value.
fn is_plain_integer(raw: &str) -> bool {
    let digits = raw.strip_prefix('-').unwrap_or(raw);
    !digits.is_empty()
        && digits.len() <= 15
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" && digits.len() == raw.len() || !digits.starts_with('0'))
}

/// Whether the string token at `span` is the canonical spelling of `s`.
fn string_in_place(bytes: &[u8], span: Span, s: &str, profile: Profile) -> bool {
    let token = &bytes[span.start..span.end];
    if !needs_escape(s.as_bytes()) {
        // Every escape is longer than what it stands for, so a token of
        // exactly this length has none: its content is `s` itself.
        return token.len() == s.len() + 2;
    }
    let mut written = Vec::with_capacity(token.len());
    write_string(&mut written, s, profile);
    written == token
}

/// Whether any byte of `bytes` must be escaped under either profile (`"`,
/// `\`, a control character). Checked a chunk at a time, without an early
/// exit, so that the compiler vectorises it.
fn needs_escape(bytes: &[u8]) -> bool {
    !bytes.chunks(32).all(|chunk| {
        !chunk.iter().fold(false, |acc, &b| {
            acc | (b == b'"') | (b == b'\\') | (b < 0x20)
        })
    })
}

/// One step of the path to the value being written, for error pointers.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

fn render_pointer(path: &[Step<'_>]) -> String {
    let mut out = String::new();
    for step in path {
        out.push('/');
        match step {
            Step::Key(k) => push_escaped(&mut out, k),
            Step::Index(i) => out.push_str(&i.to_string()),
        }
    }
    out
}

fn write_node<'a>(
    out: &mut Vec<u8>,
    node: &'a Node,
    profile: Profile,
    path: &mut Vec<Step<'a>>,
) -> Result<(), CanonicalError> {
    match &node.value {
        NodeValue::Null => out.extend_from_slice(b"null"),
        NodeValue::Bool(true) => out.extend_from_slice(b"true"),
        NodeValue::Bool(false) => out.extend_from_slice(b"false"),
        NodeValue::String(s) => write_string(out, s, profile),
        NodeValue::Number(raw) => match write_number(raw, profile) {
            Ok(text) => out.extend_from_slice(text.as_bytes()),
            Err(message) => {
                return Err(CanonicalError {
                    message,
                    pointer: render_pointer(path),
                })
            }
        },
        NodeValue::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                path.push(Step::Index(i));
                write_node(out, item, profile, path)?;
                path.pop();
            }
            out.push(b']');
        }
        NodeValue::Object(members) => {
            out.push(b'{');
            for (i, &m) in canonical_order(members, profile).iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let member = &members[m];
                write_string(out, &member.key, profile);
                out.push(b':');
                path.push(Step::Key(&member.key));
                write_node(out, &member.value, profile, path)?;
                path.pop();
            }
            out.push(b'}');
        }
    }
    Ok(())
}

/// Compares two keys in the profile's order.
fn compare_keys(a: &str, b: &str, profile: Profile) -> Ordering {
    match profile {
        Profile::Olpc => a.as_bytes().cmp(b.as_bytes()),
        Profile::Jcs => {
            // UTF-16 order is byte order up to the first difference; where
            // both differing bytes are ASCII, they decide alike.
            let (x, y) = (a.as_bytes(), b.as_bytes());
            match x.iter().zip(y).position(|(p, q)| p != q) {
                None => x.len().cmp(&y.len()),
                Some(i) if x[i].is_ascii() && y[i].is_ascii() => x[i].cmp(&y[i]),
                Some(_) => a.encode_utf16().cmp(b.encode_utf16()),
            }
        }
    }
}

/// The indices of the members to write, in canonical order; of repeated keys
/// only the last member is kept.
fn canonical_order(members: &[super::Member], profile: Profile) -> Vec<usize> {
    let mut order: Vec<usize> = (0..members.len()).collect();
    // A stable sort keeps repeated keys in source order.
    order.sort_by(|&a, &b| compare_keys(&members[a].key, &members[b].key, profile));
    order.dedup_by(|later, earlier| {
        if members[*later].key == members[*earlier].key {
            // Keep the later member in the earlier slot.
            *earlier = *later;
            true
        } else {
            false
        }
    });
    order
}

fn write_string(out: &mut Vec<u8>, s: &str, profile: Profile) {
    out.push(b'"');
    let bytes = s.as_bytes();
    // Most strings need no escape under either profile.
    if !needs_escape(bytes) {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: Option<&[u8]> = match (b, profile) {
            (b'"', _) => Some(b"\\\""),
            (b'\\', _) => Some(b"\\\\"),
            (0x08, Profile::Jcs) => Some(b"\\b"),
            (0x09, Profile::Jcs) => Some(b"\\t"),
            (0x0A, Profile::Jcs) => Some(b"\\n"),
            (0x0C, Profile::Jcs) => Some(b"\\f"),
            (0x0D, Profile::Jcs) => Some(b"\\r"),
            (0x00..=0x1F, Profile::Jcs) => Some(b""),
            _ => None,
        };
        if let Some(escape) = escape {
            out.extend_from_slice(&bytes[run..i]);
            if escape.is_empty() {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xF)]);
            } else {
                out.extend_from_slice(escape);
            }
            run = i + 1;
        }
    }
    out.extend_from_slice(&bytes[run..]);
    out.push(b'"');
}

/// The parts of a JSON number's source text.
struct Decimal<'a> {
    negative: bool,
    /// Integer digits then fraction digits.
    int: &'a str,
    frac: &'a str,
    /// The exponent, clamped to a range that cannot overflow.
    exp: i64,
}

fn split_number(raw: &str) -> Decimal<'_> {
    let (negative, rest) = match raw.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    let (mantissa, exp_text) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    // Exponents beyond this bound already exceed any digit limit or make the
    // value's integral status plain, so clamping them changes no outcome.
    const BOUND: i64 = 1 << 40;
    let exp = exp_text.map_or(0, |t| {
        let (sign, digits) = match t.as_bytes().first() {
            Some(b'-') => (-1, &t[1..]),
            Some(b'+') => (1, &t[1..]),
            _ => (1, t),
        };
        let mut value: i64 = 0;
        for d in digits.bytes() {
            value = (value * 10 + i64::from(d.wrapping_sub(b'0'))).min(BOUND);
        }
        sign * value
    });
    Decimal {
        negative,
        int,
        frac,
        exp,
    }
}

/// Writes a number as `profile` does, or says why it cannot be.
fn write_number(raw: &str, profile: Profile) -> Result<String, String> {
    match profile {
        Profile::Olpc => olpc_number(raw),
        Profile::Jcs => jcs_number(raw),
    }
}

/// Writes a number as an OLPC integer, exactly, or says why it cannot be.
fn olpc_number(raw: &str) -> Result<String, String> {
    let d = split_number(raw);
    let all = format!("{}{}", d.int, d.frac);
    let leading = all.bytes().take_while(|&b| b == b'0').count();
    let significant = all[leading..].trim_end_matches('0');
    if significant.is_empty() {
        return Ok("0".to_owned());
    }
    // The decimal point sits `point` digits into `significant`.
    let point = d.int.len() as i64 - leading as i64 + d.exp;
    if point < significant.len() as i64 {
        return Err(format!(
            "number `{raw}` is not an integer, and OLPC canonical JSON allows integers only"
        ));
    }
    if point > MAX_INTEGER_DIGITS as i64 {
        return Err(format!(
            "number `{raw}` has more than {MAX_INTEGER_DIGITS} integer digits, too many to write in OLPC canonical JSON"
        ));
    }
    let mut out = String::with_capacity(point as usize + 1);
    if d.negative {
        out.push('-');
    }
    out.push_str(significant);
    for _ in significant.len()..point as usize {
        out.push('0');
    }
    Ok(out)
}

/// Writes a number as JCS does: the nearest double, printed per ECMAScript.
fn jcs_number(raw: &str) -> Result<String, String> {
    match raw.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(es_number_to_string(v)),
        _ => Err(format!(
            "number `{raw}` is beyond the range of an IEEE-754 double, which JCS canonical JSON cannot write"
        )),
    }
}

/// ECMA-262 `Number::toString(x)` for a finite double (radix 10).
fn es_number_to_string(v: f64) -> String {
    if v == 0.0 {
        return "0".to_owned();
    }
    let mut out = String::new();
    let v = if v < 0.0 {
        out.push('-');
        -v
    } else {
        v
    };
    // Rust's `{:e}` prints the shortest digits that read back as `v`; that
    // fixes their count. When two such digit strings are equally close to
    // `v`, ECMAScript wants the even one, so take the correctly rounded
    // (ties-to-even) digits of that count as long as they read back as `v`.
    let shortest = format!("{v:e}");
    let count = shortest
        .split_once('e')
        .map_or(1, |(m, _)| m.len() - usize::from(m.contains('.')));
    let rounded = format!("{:.*e}", count.saturating_sub(1), v);
    let sci = if rounded.parse::<f64>() == Ok(v) {
        rounded
    } else {
        shortest
    };
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i64;
    let n = exp.parse::<i64>().unwrap_or(0) + 1;
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.push_str(&"0".repeat((n - k) as usize));
    } else if 0 < n && n <= 21 {
        out.push_str(&digits[..n as usize]);
        out.push('.');
        out.push_str(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.push_str(&"0".repeat((-n) as usize));
        out.push_str(&digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if n > 0 { '+' } else { '-' });
        out.push_str(&(n - 1).abs().to_string());
    }
    out
}

fn first_difference(a: &[u8], b: &[u8]) -> Option<usize> {
    // Equal blocks are skipped with slice comparison (a `memcmp`), then the
    // first differing byte is found in the block that differs.
    const BLOCK: usize = 256;
    let shorter = a.len().min(b.len());
    let mut skip = 0;
    while skip + BLOCK <= shorter && a[skip..skip + BLOCK] == b[skip..skip + BLOCK] {
        skip += BLOCK;
    }
    let common = a[skip..]
        .iter()
        .zip(&b[skip..])
        .position(|(x, y)| x != y)
        .map(|i| skip + i);
    match common {
        Some(i) => Some(i),
        None if a.len() == b.len() => None,
        None => Some(a.len().min(b.len())),
    }
}

/// The last reference token of a pointer, unescaped.
fn last_token(pointer: &str) -> String {
    let token = pointer.rsplit('/').next().unwrap_or("");
    token.replace("~1", "/").replace("~0", "~")
}

/// The token of JSON text starting at `at`: an escape sequence, or one
/// character, or "end of input".
fn token_at(text: &[u8], at: usize) -> String {
    let rest = text.get(at..).unwrap_or(&[]);
    let len = match rest {
        [] => return "end of input".to_owned(),
        [b'\\', b'u', ..] => rest.len().min(6),
        [b'\\', ..] => rest.len().min(2),
        [b, ..] => match b {
            0xF0..=0xFF => 4,
            0xE0..=0xEF => 3,
            0xC0..=0xDF => 2,
            _ => 1,
        },
    };
    let piece = String::from_utf8_lossy(&rest[..len.min(rest.len())]).into_owned();
    match piece.chars().next() {
        Some(c) if c.is_control() => format!("raw control character U+{:04X}", c as u32),
        _ => format!("`{piece}`"),
    }
}

/// Describes why `bytes` differ from `canonical` at `at`.
fn explain(
    bytes: &[u8],
    canonical: &[u8],
    at: usize,
    root: &Node,
    profile: Profile,
) -> NotCanonical {
    let label = profile.label();
    let is_ws = |b: Option<&u8>| matches!(b, Some(b' ' | b'\t' | b'\n' | b'\r'));
    if at < root.span.start {
        return NotCanonical {
            offset: at,
            message: format!(
                "whitespace before the value is not allowed in {label} canonical JSON"
            ),
            pointer: Some(String::new()),
        };
    }
    if at >= root.span.end {
        let what = match bytes.get(at) {
            Some(b'\n') => "a trailing newline",
            Some(_) => "trailing whitespace",
            None => {
                return NotCanonical {
                    offset: at,
                    message: format!("the text ends before its {label} canonical form does"),
                    pointer: Some(String::new()),
                }
            }
        };
        return NotCanonical {
            offset: at,
            message: format!("{what} after the value is not allowed in {label} canonical JSON"),
            pointer: Some(String::new()),
        };
    }
    let mut node = root;
    let mut pointer = String::new();
    loop {
        match &node.value {
            NodeValue::Object(members) => {
                let order = canonical_order(members, profile);
                let found = members
                    .iter()
                    .position(|m| m.key_span.start <= at && at < m.value.span.end);
                match found {
                    Some(k) => {
                        let member = &members[k];
                        if order.get(k) != Some(&k) {
                            let expected = order.get(k).map_or("", |&i| members[i].key.as_str());
                            return NotCanonical {
                                offset: member.key_span.start,
                                message: format!(
                                    "object keys are not in {label} canonical order: `{expected}` must come before `{}`",
                                    member.key
                                ),
                                pointer: Some(pointer),
                            };
                        }
                        pointer.push('/');
                        push_escaped(&mut pointer, &member.key);
                        if at < member.key_span.end {
                            return string_problem(bytes, canonical, at, label, pointer, "key");
                        }
                        if at < member.value.span.start {
                            break;
                        }
                        node = &member.value;
                    }
                    None => break,
                }
            }
            NodeValue::Array(items) => {
                match items
                    .iter()
                    .position(|n| n.span.start <= at && at < n.span.end)
                {
                    Some(i) => {
                        pointer.push('/');
                        pointer.push_str(&i.to_string());
                        node = &items[i];
                    }
                    None => break,
                }
            }
            NodeValue::String(_) => {
                return string_problem(bytes, canonical, at, label, pointer, "string")
            }
            NodeValue::Number(raw) => {
                let start = node.span.start;
                let written = match profile {
                    Profile::Olpc => olpc_number(raw),
                    Profile::Jcs => jcs_number(raw),
                };
                let expected = written.unwrap_or_default();
                return NotCanonical {
                    offset: start,
                    message: format!(
                        "number `{raw}` is not in {label} canonical form, which writes it as `{expected}`"
                    ),
                    pointer: Some(pointer),
                };
            }
            NodeValue::Null | NodeValue::Bool(_) => break,
        }
    }
    let message = if is_ws(bytes.get(at)) {
        format!("whitespace between tokens is not allowed in {label} canonical JSON")
    } else {
        format!(
            "text differs from the {label} canonical form: found {}, expected {}",
            token_at(bytes, at),
            token_at(canonical, at)
        )
    };
    NotCanonical {
        offset: at,
        message,
        pointer: Some(pointer),
    }
}

fn string_problem(
    bytes: &[u8],
    canonical: &[u8],
    at: usize,
    label: &str,
    pointer: String,
    what: &str,
) -> NotCanonical {
    // Start at the escape when the difference is inside one.
    let mut start = at;
    if let Some(back) = bytes[..at].iter().rposition(|&b| b == b'\\') {
        let escape_len = if bytes.get(back + 1) == Some(&b'u') {
            6
        } else {
            2
        };
        let backslashes = bytes[..=back]
            .iter()
            .rev()
            .take_while(|&&b| b == b'\\')
            .count();
        if backslashes % 2 == 1 && at < back + escape_len {
            start = back;
        }
    }
    NotCanonical {
        offset: start,
        message: format!(
            "{what} is not in {label} canonical form: found {}, expected {}",
            token_at(bytes, start),
            token_at(canonical, start)
        ),
        pointer: Some(pointer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_integers_are_those_both_profiles_keep() {
        for raw in ["0", "7", "-12", "123456789012345", "-999999999999999"] {
            assert!(is_plain_integer(raw), "{raw}");
            assert_eq!(olpc_number(raw).as_deref(), Ok(raw));
            assert_eq!(jcs_number(raw).as_deref(), Ok(raw));
        }
        for raw in ["-0", "01", "-01", "1234567890123456", "1.0", "1e2", "-", ""] {
            assert!(!is_plain_integer(raw), "{raw}");
        }
    }

    #[test]
    fn jcs_orders_by_utf16_where_bytes_would_not() {
        // U+1F600 is a surrogate pair (0xD83D…) in UTF-16, below U+E000; in
        // UTF-8 it is above.
        let (private, emoji) = ("\u{e000}", "\u{1f600}");
        assert_eq!(compare_keys(emoji, private, Profile::Jcs), Ordering::Less);
        assert_eq!(
            compare_keys(emoji, private, Profile::Olpc),
            Ordering::Greater
        );
        assert_eq!(compare_keys("ab", "abc", Profile::Jcs), Ordering::Less);
        assert_eq!(
            compare_keys("a\u{e9}", "az", Profile::Jcs),
            Ordering::Greater
        );
        assert_eq!(
            compare_keys("b", "a\u{1f600}", Profile::Jcs),
            Ordering::Greater
        );
    }
}
