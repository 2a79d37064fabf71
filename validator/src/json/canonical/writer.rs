//! Writing the canonical form of a tree.

use std::cmp::Ordering;

use super::number::write_number;
use super::verdict::needs_escape;
use super::{CanonicalError, Node, Profile};
use crate::json::parse::push_escaped;
use crate::json::{Member, NodeValue};

/// One step of the path to the value being written, for error pointers.
pub(super) enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

pub(super) fn render_pointer(path: &[Step<'_>]) -> String {
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

pub(super) fn write_node<'a>(
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
pub(super) fn compare_keys(a: &str, b: &str, profile: Profile) -> Ordering {
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
pub(super) fn canonical_order(members: &[Member], profile: Profile) -> Vec<usize> {
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

pub(super) fn write_string(out: &mut Vec<u8>, s: &str, profile: Profile) {
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
