//! The canonical verdict from the spans alone: whether text already is its
//! canonical form, without writing that form.

use cnab_model::Span;

use super::number::write_number;
use super::writer::compare_keys;
use std::cmp::Ordering;

use super::writer::write_string;
use super::{Node, Profile};
use crate::json::NodeValue;

/// Whether the text of `node` in `bytes` is already its canonical form under
/// `profile`, judged from the spans: every token sits one separator byte
/// after the previous one (so there is no whitespace), members come in
/// strictly increasing canonical order (so none is repeated), and each
/// string and number is spelled as the profile writes it.
///
/// `true` means [`canonicalize`] would write exactly `bytes[node.span]`;
/// `false` means it would not, or could not write the node at all.
pub(super) fn matches_in_place(bytes: &[u8], node: &Node, profile: Profile) -> bool {
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
pub(super) fn is_plain_integer(raw: &str) -> bool {
    let digits = raw.strip_prefix('-').unwrap_or(raw);
    !digits.is_empty()
        && digits.len() <= 15
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" && digits.len() == raw.len() || !digits.starts_with('0'))
}

/// Whether the string token at `span` is the canonical spelling of `s`.
pub(super) fn string_in_place(bytes: &[u8], span: Span, s: &str, profile: Profile) -> bool {
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
pub(super) fn needs_escape(bytes: &[u8]) -> bool {
    !bytes.chunks(32).all(|chunk| {
        !chunk.iter().fold(false, |acc, &b| {
            acc | (b == b'"') | (b == b'\\') | (b < 0x20)
        })
    })
}
