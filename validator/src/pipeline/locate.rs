//! Locating findings: from a JSON Pointer to the byte span of a value or
//! key, in a second parse of the text made only when a finding needs it.

use std::cell::OnceCell;
use std::cell::RefCell;
use std::collections::HashMap;

use cnab_model::Span;

use crate::json::{self, Node, ParseLimits, Parsed};

/// The text parsed a second time, on first use. The parse is
/// deterministic, so its spans are those of the first parse.
pub(super) struct LazyTree<'t> {
    text: &'t [u8],
    limits: &'t ParseLimits,
    parsed: OnceCell<Option<Parsed>>,
}

impl<'t> LazyTree<'t> {
    pub(super) fn new(text: &'t [u8], limits: &'t ParseLimits) -> Self {
        LazyTree {
            text,
            limits,
            parsed: OnceCell::new(),
        }
    }

    /// The tree, parsed now if it was not yet.
    pub(super) fn get(&self) -> Option<&Parsed> {
        self.parsed
            .get_or_init(|| json::parse(self.text, self.limits).ok())
            .as_ref()
    }
}

/// Spans of pointers, through a [`Locator`] over a [`LazyTree`] built on
/// the first question.
pub(super) struct Spans<'a> {
    tree: &'a LazyTree<'a>,
    locator: OnceCell<Option<Locator<'a>>>,
}

impl<'a> Spans<'a> {
    pub(super) fn new(tree: &'a LazyTree<'a>) -> Self {
        Spans {
            tree,
            locator: OnceCell::new(),
        }
    }

    /// The span of the value at `pointer`, or of the key `key` inside it.
    pub(super) fn find(&self, pointer: &str, key: Option<&str>) -> Option<Span> {
        self.locator
            .get_or_init(|| self.tree.get().map(|t| Locator::new(&t.root)))
            .as_ref()
            .and_then(|l| l.span(pointer, key))
    }
}

/// Finds the spans of JSON Pointers in the parsed tree.
///
/// An object with many members gets a key index the first time a pointer
/// goes through it, so that many findings inside one large object cost
/// linear time: with a linear search per finding, a bundle of 20,000
/// parameters with one finding each took 17 seconds to check.
struct Locator<'a> {
    root: &'a Node,
    objects: RefCell<HashMap<*const Node, HashMap<&'a str, usize>>>,
}

/// Objects up to this size are searched directly.
const INDEX_FROM: usize = 16;

impl<'a> Locator<'a> {
    fn new(root: &'a Node) -> Self {
        Locator {
            root,
            objects: RefCell::new(HashMap::new()),
        }
    }

    /// The member `key` of `node`, the last one when the key repeats (as
    /// [`Node::pointer`] and serde_json decide).
    fn member(&self, node: &'a Node, key: &str) -> Option<&'a json::Member> {
        let json::NodeValue::Object(members) = &node.value else {
            return None;
        };
        if members.len() <= INDEX_FROM {
            return members.iter().rev().find(|m| m.key == key);
        }
        let mut objects = self.objects.borrow_mut();
        let index = objects.entry(node as *const Node).or_insert_with(|| {
            let mut index = HashMap::with_capacity(members.len());
            for (i, m) in members.iter().enumerate() {
                index.insert(m.key.as_str(), i);
            }
            index
        });
        index.get(key).map(|&i| &members[i])
    }

    /// The node at `pointer` (RFC 6901), like [`Node::pointer`].
    fn node(&self, pointer: &str) -> Option<&'a Node> {
        if pointer.is_empty() {
            return Some(self.root);
        }
        let mut node = self.root;
        for raw in pointer.strip_prefix('/')?.split('/') {
            let token = json::unescape_token(raw)?;
            node = match &node.value {
                json::NodeValue::Object(_) => &self.member(node, &token)?.value,
                json::NodeValue::Array(items) => {
                    let canonical = !token.is_empty()
                        && token.bytes().all(|b| b.is_ascii_digit())
                        && (token == "0" || !token.starts_with('0'));
                    if !canonical {
                        return None;
                    }
                    items.get(token.parse::<usize>().ok()?)?
                }
                _ => return None,
            };
        }
        Some(node)
    }

    /// The span of the value at `pointer`, or of the key `key` inside it.
    fn span(&self, pointer: &str, key: Option<&str>) -> Option<Span> {
        let node = self.node(pointer)?;
        if let Some(m) = key.and_then(|k| self.member(node, k)) {
            return Some(m.key_span);
        }
        Some(node.span)
    }
}

pub(super) fn escape_segment(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// A one-byte span at `offset`, clipped to the input (empty at its end).
pub(super) fn point(offset: usize, len: usize) -> Span {
    let start = offset.min(len);
    Span {
        start,
        end: (start + 1).min(len),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_locator_agrees_with_node_pointer() {
        let mut text = String::from("{");
        for i in 0..40 {
            text.push_str(&format!(r#""k{i}":{{"a/b":[{i}]}},"#));
        }
        text.push_str(r#""k7":"last","~":1}"#);
        let parsed = json::parse(text.as_bytes(), &ParseLimits::default()).unwrap();
        let locator = Locator::new(&parsed.root);
        for pointer in [
            "",
            "/k0",
            "/k7",
            "/k39/a~1b",
            "/k39/a~1b/0",
            "/~0",
            "/k1/a~1b/01",
            "/nope",
            "/k1/a~2b",
        ] {
            assert_eq!(
                locator.node(pointer).map(|n| n.span),
                parsed.root.pointer(pointer).map(|n| n.span),
                "{pointer}"
            );
        }
        let last = locator.span("", Some("k7")).unwrap();
        assert_eq!(&text[last.start..last.end], r#""k7""#);
        assert!(last.start > text.len() / 2, "the last `k7` wins");
    }
}
