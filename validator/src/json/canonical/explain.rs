//! What differs between a text and its canonical form, in words.

use super::number::{jcs_number, olpc_number};
use super::writer::canonical_order;
use super::{NotCanonical, Profile};
use crate::json::parse::push_escaped;
use crate::json::{Node, NodeValue};

pub(super) fn first_difference(a: &[u8], b: &[u8]) -> Option<usize> {
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
pub(super) fn last_token(pointer: &str) -> String {
    let token = pointer.rsplit('/').next().unwrap_or("");
    token.replace("~1", "/").replace("~0", "~")
}

/// The token of JSON text starting at `at`: an escape sequence, or one
/// character, or "end of input".
pub(super) fn token_at(text: &[u8], at: usize) -> String {
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
pub(super) fn explain(
    bytes: &[u8],
    canonical: &[u8],
    at: usize,
    root: &Node,
    profile: Profile,
) -> NotCanonical {
    let label = profile.label();
    let is_ws = |b: Option<&u8>| matches!(b, Some(b' ' | b'\t' | b'\n' | b'\r'));
    if let Some(outside) = outside_the_value(bytes, at, root, label) {
        return outside;
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

/// The difference at `at` when it lies before or after the value: leading
/// or trailing whitespace, or text that ends too early.
fn outside_the_value(bytes: &[u8], at: usize, root: &Node, label: &str) -> Option<NotCanonical> {
    if at < root.span.start {
        return Some(NotCanonical {
            offset: at,
            message: format!(
                "whitespace before the value is not allowed in {label} canonical JSON"
            ),
            pointer: Some(String::new()),
        });
    }
    if at >= root.span.end {
        let what = match bytes.get(at) {
            Some(b'\n') => "a trailing newline",
            Some(_) => "trailing whitespace",
            None => {
                return Some(NotCanonical {
                    offset: at,
                    message: format!("the text ends before its {label} canonical form does"),
                    pointer: Some(String::new()),
                })
            }
        };
        return Some(NotCanonical {
            offset: at,
            message: format!("{what} after the value is not allowed in {label} canonical JSON"),
            pointer: Some(String::new()),
        });
    }
    None
}

pub(super) fn string_problem(
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
