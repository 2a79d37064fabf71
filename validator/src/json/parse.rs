//! A JSON parser (RFC 8259) that keeps byte spans.

use cnab_model::Span;

/// Limits that bound the parser's work. Inputs beyond them are an error, not a
/// panic or an unbounded allocation.
#[derive(Debug, Clone, Copy)]
pub struct ParseLimits {
    /// Maximum nesting depth of arrays and objects.
    pub max_depth: usize,
    /// Maximum input size in bytes.
    pub max_bytes: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits {
            max_depth: 512,
            max_bytes: 64 * 1024 * 1024,
        }
    }
}

/// A parsed JSON value with the byte span of its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the value's text is in the input.
    pub span: Span,
    /// The value.
    pub value: NodeValue,
}

/// The value of a [`Node`]. Numbers keep their exact source text; objects
/// keep members in source order, duplicates included.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as written in the source.
    Number(String),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Node>),
    /// An object, members in source order.
    Object(Vec<Member>),
}

/// One member of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// The unescaped key.
    pub key: String,
    /// The span of the key's string token, quotes included.
    pub key_span: Span,
    /// The value.
    pub value: Node,
}

/// A key that occurs twice in one object.
#[derive(Debug, Clone, PartialEq)]
pub struct Duplicate {
    /// JSON Pointer to the object member (`/parameters/port`).
    pub pointer: String,
    /// The first occurrence's key span.
    pub first: Span,
    /// The later occurrence's key span.
    pub second: Span,
}

/// The result of a successful parse.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The root value.
    pub root: Node,
    /// Every duplicate key, in source order.
    pub duplicates: Vec<Duplicate>,
}

/// Why the input is not JSON.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    /// A lowercase message without a final period.
    pub message: String,
    /// The byte offset where the problem is.
    pub offset: usize,
    /// True when a limit (size, depth) was hit rather than a syntax error.
    pub limit: bool,
}

/// Parses `bytes` as one JSON text.
pub fn parse(bytes: &[u8], limits: &ParseLimits) -> Result<Parsed, ParseError> {
    let _ = (bytes, limits);
    Err(ParseError {
        message: "parser not implemented yet".into(),
        offset: 0,
        limit: false,
    })
}

impl Node {
    /// Converts to a `serde_json::Value` (later duplicates win, as serde does).
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::Value::Null
    }

    /// Finds the node at an RFC 6901 JSON Pointer.
    pub fn pointer(&self, pointer: &str) -> Option<&Node> {
        let _ = pointer;
        None
    }
}

/// Maps byte offsets to 1-based line and column (columns count Unicode scalar
/// values).
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &[u8]) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(
            text.iter()
                .enumerate()
                .filter(|(_, &b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { starts }
    }

    /// The 1-based (line, column) of `offset` in `text`.
    pub fn line_col(&self, text: &[u8], offset: usize) -> (usize, usize) {
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.starts[line];
        let end = offset.min(text.len());
        let col = String::from_utf8_lossy(&text[start..end]).chars().count() + 1;
        (line + 1, col)
    }
}
