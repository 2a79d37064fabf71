//! A JSON parser (RFC 8259) that keeps byte spans.
//!
//! The parser is iterative: containers live on an explicit stack, so nesting
//! depth costs heap, never call stack, and any input (10,000 nested brackets
//! included) ends in a value or a [`ParseError`], never a stack overflow.
//! It works on bytes and allocates only for the strings, keys and numbers it
//! keeps.

use std::collections::HashMap;

use cnab_model::Span;

/// Limits that bound the parser's work. Inputs beyond them are an error, not a
/// panic or an unbounded allocation.
#[derive(Debug, Clone, Copy)]
pub struct ParseLimits {
    /// Maximum nesting depth of arrays and objects.
    ///
    /// Parsing itself is iterative, but dropping, comparing and converting a
    /// [`Node`] recurse, so keep this in the hundreds (the default is 512).
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
///
/// A key written three times gives two entries, each naming the first
/// occurrence in `first`.
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
    /// Every duplicate key, in source order of the later occurrence.
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

impl ParseError {
    fn syntax(message: impl Into<String>, offset: usize) -> ParseError {
        ParseError {
            message: message.into(),
            offset,
            limit: false,
        }
    }
}

/// Parses `bytes` as one JSON text.
///
/// The input must be UTF-8 without a byte order mark, hold exactly one value
/// and nothing but whitespace around it (RFC 8259). Size is checked before
/// anything else; depth while parsing.
pub fn parse(bytes: &[u8], limits: &ParseLimits) -> Result<Parsed, ParseError> {
    if bytes.len() > limits.max_bytes {
        return Err(ParseError {
            message: format!(
                "input is {} bytes, more than the limit of {} bytes",
                bytes.len(),
                limits.max_bytes
            ),
            offset: 0,
            limit: true,
        });
    }
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Err(ParseError::syntax(
            "a byte order mark is not allowed in JSON text (RFC 8259 § 8.1)",
            0,
        ));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            return Err(ParseError::syntax(
                format!(
                    "invalid UTF-8: byte 0x{:02x} cannot appear here",
                    bytes[e.valid_up_to()]
                ),
                e.valid_up_to(),
            ))
        }
    };
    let mut parser = Parser {
        text,
        bytes,
        pos: 0,
        max_depth: limits.max_depth,
        duplicates: Vec::new(),
    };
    let root = parser.run()?;
    let mut duplicates = parser.duplicates;
    duplicates.sort_by_key(|d| d.second.start);
    Ok(Parsed { root, duplicates })
}

/// A container being filled.
enum Frame {
    Array {
        start: usize,
        items: Vec<Node>,
    },
    Object {
        start: usize,
        members: Vec<Member>,
        /// The key whose value is being parsed.
        key: String,
        key_span: Span,
    },
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    max_depth: usize,
    duplicates: Vec<Duplicate>,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// Describes the character at `at` for a message: `x` in backticks, or
    /// its code point when it is not printable.
    fn describe(&self, at: usize) -> String {
        match self.text.get(at..).and_then(|s| s.chars().next()) {
            Some(c) if c.is_control() => format!("control character U+{:04X}", c as u32),
            Some(c) => format!("`{c}`"),
            None => "end of input".into(),
        }
    }

    fn eof_error(&self, stack: &[Frame]) -> ParseError {
        let message = match stack.last() {
            Some(Frame::Array { .. }) => "unexpected end of input inside array",
            Some(Frame::Object { .. }) => "unexpected end of input inside object",
            None if self.bytes.is_empty() => "empty input, expected a JSON value",
            None => "unexpected end of input, expected a JSON value",
        };
        ParseError::syntax(message, self.pos)
    }

    fn run(&mut self) -> Result<Node, ParseError> {
        let mut stack: Vec<Frame> = Vec::new();
        loop {
            // A value, or `None` when a container opened and its first value
            // comes next.
            let Some(mut node) = self.value(&mut stack)? else {
                continue;
            };
            // Attach the finished value to its container, closing containers
            // as long as their closing bracket follows.
            loop {
                if stack.is_empty() {
                    self.end()?;
                    return Ok(node);
                }
                if !self.attach(&mut stack, node)? {
                    break;
                }
                node = self.close(&mut stack)?;
            }
        }
    }

    /// Parses the value at the position: a scalar or an empty container is
    /// returned; a non-empty container is pushed on `stack` and `None` says
    /// its first value comes next.
    fn value(&mut self, stack: &mut Vec<Frame>) -> Result<Option<Node>, ParseError> {
        self.skip_ws();
        let start = self.pos;
        let value = match self.peek() {
            None => return Err(self.eof_error(stack)),
            Some(open @ (b'[' | b'{')) => return self.open(stack, open, start),
            Some(b'"') => NodeValue::String(self.string()?),
            Some(b'-' | b'0'..=b'9') => {
                self.number()?;
                NodeValue::Number(self.text[start..self.pos].to_owned())
            }
            Some(b'/') => {
                return Err(ParseError::syntax(
                    "comments are not allowed in JSON",
                    start,
                ))
            }
            Some(b) if b.is_ascii_alphabetic() => self.literal(start)?,
            Some(_) => return Err(self.unexpected(stack, start)),
        };
        Ok(Some(Node {
            span: Span {
                start,
                end: self.pos,
            },
            value,
        }))
    }

    /// Opens the container whose bracket `open` is at `start`.
    fn open(
        &mut self,
        stack: &mut Vec<Frame>,
        open: u8,
        start: usize,
    ) -> Result<Option<Node>, ParseError> {
        if stack.len() >= self.max_depth {
            return Err(ParseError {
                message: format!("nesting deeper than the limit of {} levels", self.max_depth),
                offset: start,
                limit: true,
            });
        }
        self.pos += 1;
        self.skip_ws();
        let close = if open == b'[' { b']' } else { b'}' };
        if self.peek() == Some(close) {
            self.pos += 1;
            let value = if open == b'[' {
                NodeValue::Array(Vec::new())
            } else {
                NodeValue::Object(Vec::new())
            };
            return Ok(Some(Node {
                span: Span {
                    start,
                    end: self.pos,
                },
                value,
            }));
        }
        if open == b'[' {
            stack.push(Frame::Array {
                start,
                items: Vec::new(),
            });
            return Ok(None);
        }
        if self.peek().is_none() {
            return Err(ParseError::syntax(
                "unexpected end of input inside object",
                self.pos,
            ));
        }
        let (key, key_span) = self.key()?;
        stack.push(Frame::Object {
            start,
            members: Vec::new(),
            key,
            key_span,
        });
        Ok(None)
    }

    /// Parses `true`, `false` or `null` at `start`, refusing any other word.
    fn literal(&mut self, start: usize) -> Result<NodeValue, ParseError> {
        let end = self.bytes[start..]
            .iter()
            .position(|b| !b.is_ascii_alphanumeric())
            .map_or(self.bytes.len(), |n| start + n);
        let value = match &self.text[start..end] {
            "true" => NodeValue::Bool(true),
            "false" => NodeValue::Bool(false),
            "null" => NodeValue::Null,
            word => {
                // Keep the message short whatever the input.
                let shown = match word.char_indices().nth(24) {
                    Some((cut, _)) => format!("{}…", &word[..cut]),
                    None => word.to_owned(),
                };
                return Err(ParseError::syntax(
                    format!("unexpected `{shown}`, expected a JSON value"),
                    start,
                ));
            }
        };
        self.pos = end;
        Ok(value)
    }

    /// The error for a character at `start` that begins no JSON value.
    fn unexpected(&self, stack: &[Frame], start: usize) -> ParseError {
        let what = match stack.last() {
            Some(Frame::Array { items, .. }) if !items.is_empty() && self.peek() == Some(b']') => {
                "trailing comma before `]`".to_owned()
            }
            _ => format!("unexpected {}, expected a JSON value", self.describe(start)),
        };
        ParseError::syntax(what, start)
    }

    /// Checks that only whitespace follows the root value.
    fn end(&mut self) -> Result<(), ParseError> {
        self.skip_ws();
        if self.pos != self.bytes.len() {
            return Err(ParseError::syntax(
                format!(
                    "unexpected {} after the JSON value",
                    self.describe(self.pos)
                ),
                self.pos,
            ));
        }
        Ok(())
    }

    /// Adds `node` to the innermost container and reads what follows it:
    /// `Ok(true)` when the container's closing bracket was consumed,
    /// `Ok(false)` when a `,` (and, in an object, the next key) was and the
    /// next value comes.
    fn attach(&mut self, stack: &mut [Frame], node: Node) -> Result<bool, ParseError> {
        let Some(frame) = stack.last_mut() else {
            return Err(ParseError::syntax("internal parser error", self.pos));
        };
        match frame {
            Frame::Array { items, .. } => {
                items.push(node);
                self.skip_ws();
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        Ok(false)
                    }
                    Some(b']') => {
                        self.pos += 1;
                        Ok(true)
                    }
                    None => Err(self.eof_error(stack)),
                    Some(_) => Err(ParseError::syntax(
                        format!(
                            "expected `,` or `]` after array element, found {}",
                            self.describe(self.pos)
                        ),
                        self.pos,
                    )),
                }
            }
            Frame::Object {
                members,
                key,
                key_span,
                ..
            } => {
                members.push(Member {
                    key: std::mem::take(key),
                    key_span: *key_span,
                    value: node,
                });
                self.skip_ws();
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        self.skip_ws();
                        match self.peek() {
                            Some(b'}') => {
                                return Err(ParseError::syntax(
                                    "trailing comma before `}`",
                                    self.pos,
                                ))
                            }
                            None => return Err(self.eof_error(stack)),
                            Some(_) => {}
                        }
                        let (k, ks) = self.key()?;
                        if let Some(Frame::Object { key, key_span, .. }) = stack.last_mut() {
                            *key = k;
                            *key_span = ks;
                        }
                        Ok(false)
                    }
                    Some(b'}') => {
                        self.pos += 1;
                        Ok(true)
                    }
                    None => Err(self.eof_error(stack)),
                    Some(_) => Err(ParseError::syntax(
                        format!(
                            "expected `,` or `}}` after object member, found {}",
                            self.describe(self.pos)
                        ),
                        self.pos,
                    )),
                }
            }
        }
    }

    /// Pops the container that just closed and makes it a node.
    fn close(&mut self, stack: &mut Vec<Frame>) -> Result<Node, ParseError> {
        let (start, value) = match stack.pop() {
            Some(Frame::Array { start, items }) => (start, NodeValue::Array(items)),
            Some(Frame::Object { start, members, .. }) => {
                self.find_duplicates(stack, &members);
                (start, NodeValue::Object(members))
            }
            None => return Err(ParseError::syntax("internal parser error", self.pos)),
        };
        Ok(Node {
            span: Span {
                start,
                end: self.pos,
            },
            value,
        })
    }

    /// Parses `"key"` then `:`, leaving the position before the value.
    fn key(&mut self) -> Result<(String, Span), ParseError> {
        let start = self.pos;
        if self.peek() != Some(b'"') {
            return Err(ParseError::syntax(
                format!(
                    "expected a string key in object, found {}",
                    self.describe(start)
                ),
                start,
            ));
        }
        let key = self.string()?;
        let key_span = Span {
            start,
            end: self.pos,
        };
        self.skip_ws();
        if self.peek() != Some(b':') {
            return Err(ParseError::syntax(
                "expected `:` after object key",
                self.pos,
            ));
        }
        self.pos += 1;
        Ok((key, key_span))
    }

    /// Parses a string token at the position (on its opening quote).
    fn string(&mut self) -> Result<String, ParseError> {
        let open = self.pos;
        self.pos += 1;
        let mut out: Option<String> = None;
        let mut run_start = self.pos;
        loop {
            // Skip the plain bytes quickly: sixteen at a time while a block
            // holds none of the three bytes that end a run (a fold without an
            // early exit, which the compiler vectorises), then one by one.
            let skipped = self
                .bytes
                .get(self.pos..)
                .unwrap_or_default()
                .chunks_exact(16)
                .take_while(|block| {
                    !block.iter().fold(false, |hit, &b| {
                        hit | (b == b'"') | (b == b'\\') | (b < 0x20)
                    })
                })
                .count();
            self.pos += skipped * 16;
            while let Some(&b) = self.bytes.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            match self.peek() {
                None => return Err(ParseError::syntax("unterminated string", open)),
                Some(b'"') => {
                    let run = &self.text[run_start..self.pos];
                    self.pos += 1;
                    return Ok(match out {
                        None => run.to_owned(),
                        Some(mut s) => {
                            s.push_str(run);
                            s
                        }
                    });
                }
                Some(b'\\') => {
                    let s = out.get_or_insert_with(String::new);
                    s.push_str(&self.text[run_start..self.pos]);
                    let c = self.escape()?;
                    s.push(c);
                    run_start = self.pos;
                }
                Some(b) => {
                    return Err(ParseError::syntax(
                        format!("control character U+{b:04X} must be escaped in a string"),
                        self.pos,
                    ))
                }
            }
        }
    }

    /// Parses an escape at the position (on its backslash).
    fn escape(&mut self) -> Result<char, ParseError> {
        let at = self.pos;
        let c = match self.bytes.get(at + 1) {
            None => return Err(ParseError::syntax("unterminated string", at)),
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let high = self.hex4(at)?;
                self.pos = at + 6;
                return match high {
                    0xD800..=0xDBFF => {
                        if self.bytes.get(at + 6) == Some(&b'\\')
                            && self.bytes.get(at + 7) == Some(&b'u')
                        {
                            let low = self.hex4(at + 6)?;
                            if (0xDC00..=0xDFFF).contains(&low) {
                                self.pos = at + 12;
                                let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                                return char::from_u32(code).ok_or_else(|| {
                                    ParseError::syntax("invalid surrogate pair", at)
                                });
                            }
                        }
                        Err(ParseError::syntax(
                            format!(
                                "lone high surrogate `\\u{}` in string, a low surrogate escape must follow",
                                &self.text[at + 2..at + 6]
                            ),
                            at,
                        ))
                    }
                    0xDC00..=0xDFFF => Err(ParseError::syntax(
                        format!(
                            "lone low surrogate `\\u{}` in string",
                            &self.text[at + 2..at + 6]
                        ),
                        at,
                    )),
                    code => char::from_u32(code)
                        .ok_or_else(|| ParseError::syntax("invalid unicode escape", at)),
                };
            }
            Some(_) => {
                let bad = self.text[at + 1..].chars().next().unwrap_or('?');
                let shown = if bad.is_control() {
                    format!("U+{:04X}", bad as u32)
                } else {
                    bad.to_string()
                };
                return Err(ParseError::syntax(
                    format!("invalid escape `\\{shown}`"),
                    at,
                ));
            }
        };
        self.pos = at + 2;
        Ok(c)
    }

    /// Reads the four hex digits of a `\u` escape that starts at `at`.
    fn hex4(&self, at: usize) -> Result<u32, ParseError> {
        let mut code = 0u32;
        for i in 0..4 {
            let digit = self
                .bytes
                .get(at + 2 + i)
                .and_then(|&b| (b as char).to_digit(16));
            match digit {
                Some(d) => code = code * 16 + d,
                None => {
                    return Err(ParseError::syntax(
                        "invalid unicode escape, `\\u` needs four hex digits",
                        at,
                    ))
                }
            }
        }
        Ok(code)
    }

    /// Checks a number token at the position and moves past it.
    fn number(&mut self) -> Result<(), ParseError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(ParseError::syntax(
                        "leading zeros are not allowed in numbers",
                        start,
                    ));
                }
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => {
                return Err(ParseError::syntax(
                    format!(
                        "expected a digit after `-`, found {}",
                        self.describe(self.pos)
                    ),
                    self.pos,
                ))
            }
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(ParseError::syntax(
                    format!(
                        "expected a digit after the decimal point, found {}",
                        self.describe(self.pos)
                    ),
                    self.pos,
                ));
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(ParseError::syntax(
                    format!(
                        "expected a digit in the exponent, found {}",
                        self.describe(self.pos)
                    ),
                    self.pos,
                ));
            }
            self.digits();
        }
        Ok(())
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }

    /// Records repeated keys of an object that just closed; `stack` holds its
    /// ancestors, which give its pointer.
    fn find_duplicates(&mut self, stack: &[Frame], members: &[Member]) {
        if members.len() < 2 {
            return;
        }
        let mut found: Vec<(usize, usize)> = Vec::new();
        if members.len() <= 16 {
            for (j, m) in members.iter().enumerate().skip(1) {
                if let Some(i) = members[..j].iter().position(|p| p.key == m.key) {
                    found.push((i, j));
                }
            }
        } else {
            let mut first: HashMap<&str, usize> = HashMap::with_capacity(members.len());
            for (j, m) in members.iter().enumerate() {
                match first.get(m.key.as_str()) {
                    Some(&i) => found.push((i, j)),
                    None => {
                        first.insert(&m.key, j);
                    }
                }
            }
        }
        if found.is_empty() {
            return;
        }
        let mut base = String::new();
        for frame in stack {
            base.push('/');
            match frame {
                Frame::Array { items, .. } => base.push_str(&items.len().to_string()),
                Frame::Object { key, .. } => push_escaped(&mut base, key),
            }
        }
        for (i, j) in found {
            let mut pointer = base.clone();
            pointer.push('/');
            push_escaped(&mut pointer, &members[j].key);
            self.duplicates.push(Duplicate {
                pointer,
                first: members[i].key_span,
                second: members[j].key_span,
            });
        }
    }
}

/// Appends `token` escaped for a JSON Pointer (`~` as `~0`, `/` as `~1`).
pub(crate) fn push_escaped(out: &mut String, token: &str) {
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

/// Converts a number's source text for the value view: what serde_json makes
/// of it, or null when it is out of the range of an `f64` (`1e400`).
fn number_value(raw: &str) -> serde_json::Value {
    match serde_json::from_str::<serde_json::Number>(raw) {
        Ok(n) => serde_json::Value::Number(n),
        Err(_) => serde_json::Value::Null,
    }
}

impl Node {
    /// Converts to a `serde_json::Value` (later duplicates win, as serde does).
    ///
    /// Numbers go through serde_json: integers that fit `i64`/`u64` stay
    /// exact, others become the nearest `f64`, and numbers beyond the range
    /// of an `f64` (`1e400`) become `null` in this view. The canonical JSON
    /// layer works on the source text, not on this view.
    pub fn to_value(&self) -> serde_json::Value {
        match &self.value {
            NodeValue::Null => serde_json::Value::Null,
            NodeValue::Bool(b) => serde_json::Value::Bool(*b),
            NodeValue::Number(raw) => number_value(raw),
            NodeValue::String(s) => serde_json::Value::String(s.clone()),
            NodeValue::Array(items) => {
                serde_json::Value::Array(items.iter().map(Node::to_value).collect())
            }
            // Collected rather than inserted one by one: the map is then
            // built from the sorted members in one pass (keys usually come
            // sorted already), and of repeated keys the last one stays, as
            // with `insert`.
            NodeValue::Object(members) => serde_json::Value::Object(
                members
                    .iter()
                    .map(|m| (m.key.clone(), m.value.to_value()))
                    .collect(),
            ),
        }
    }

    /// The value as a [`serde_json::Value`], like [`Node::to_value`], moving
    /// the strings and keys out of the tree instead of copying them.
    pub fn into_value(self) -> serde_json::Value {
        match self.value {
            NodeValue::Null => serde_json::Value::Null,
            NodeValue::Bool(b) => serde_json::Value::Bool(b),
            NodeValue::Number(raw) => number_value(&raw),
            NodeValue::String(s) => serde_json::Value::String(s),
            NodeValue::Array(items) => {
                serde_json::Value::Array(items.into_iter().map(Node::into_value).collect())
            }
            NodeValue::Object(members) => serde_json::Value::Object(
                members
                    .into_iter()
                    .map(|m| (m.key, m.value.into_value()))
                    .collect(),
            ),
        }
    }

    /// Finds the node at an RFC 6901 JSON Pointer.
    ///
    /// The empty pointer is the node itself. When an object has a key twice,
    /// the last member wins, as in [`Node::to_value`]. Array indices are
    /// decimal without leading zeros; `-` never names an element.
    pub fn pointer(&self, pointer: &str) -> Option<&Node> {
        if pointer.is_empty() {
            return Some(self);
        }
        let rest = pointer.strip_prefix('/')?;
        let mut node = self;
        for raw in rest.split('/') {
            let token = unescape_token(raw)?;
            node = match &node.value {
                NodeValue::Object(members) => &members.iter().rev().find(|m| m.key == token)?.value,
                NodeValue::Array(items) => {
                    let valid = !token.is_empty()
                        && token.bytes().all(|b| b.is_ascii_digit())
                        && (token == "0" || !token.starts_with('0'));
                    if !valid {
                        return None;
                    }
                    items.get(token.parse::<usize>().ok()?)?
                }
                _ => return None,
            };
        }
        Some(node)
    }
}

/// Undoes `~1` and `~0` in a pointer token; a `~` followed by anything else
/// makes the pointer invalid.
pub(crate) fn unescape_token(raw: &str) -> Option<std::borrow::Cow<'_, str>> {
    if !raw.contains('~') {
        return Some(std::borrow::Cow::Borrowed(raw));
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.next() {
                Some('0') => out.push('~'),
                Some('1') => out.push('/'),
                _ => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(std::borrow::Cow::Owned(out))
}

/// Maps byte offsets to 1-based line and column (columns count Unicode scalar
/// values).
///
/// Lines end at `\n`; a `\r` before it counts as the last column of its line.
/// An offset inside a multi-byte character maps to that character's column,
/// and an offset past the end maps to the position just after the text.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    /// The number of characters before each multiple of [`CHUNK`], so that a
    /// column costs at most one chunk of counting however long its line is
    /// (a one-line document with many findings stays linear).
    chars_before: Vec<usize>,
}

/// The byte distance between two character-count checkpoints (an index of
/// 1/128 of the input on 64-bit targets).
const CHUNK: usize = 1024;

fn is_continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}

fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| !is_continuation(b)).count()
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
        let mut chars_before = Vec::with_capacity(text.len() / CHUNK + 1);
        let mut total = 0;
        chars_before.push(0);
        for chunk in text.chunks(CHUNK) {
            total += count_chars(chunk);
            chars_before.push(total);
        }
        LineIndex {
            starts,
            chars_before,
        }
    }

    /// The number of characters in `text[..offset]`.
    fn chars_until(&self, text: &[u8], offset: usize) -> usize {
        let chunk = offset / CHUNK;
        match self.chars_before.get(chunk) {
            Some(before) => before + count_chars(&text[chunk * CHUNK..offset]),
            // An index built for another text: count from the start.
            None => count_chars(&text[..offset]),
        }
    }

    /// The 1-based (line, column) of `offset` in `text`.
    pub fn line_col(&self, text: &[u8], offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.starts[line].min(offset);
        let before = self.chars_until(text, offset) - self.chars_until(text, start);
        let inside = offset < text.len() && is_continuation(text[offset]) && before > 0;
        let col = if inside { before } else { before + 1 };
        (line + 1, col)
    }

    /// The byte range of line `line` (1-based) in `text`, without its line
    /// break (`\n`, or `\r\n`); empty past the last line.
    pub fn line_range(&self, text: &[u8], line: usize) -> std::ops::Range<usize> {
        let Some(&start) = line.checked_sub(1).and_then(|i| self.starts.get(i)) else {
            return text.len()..text.len();
        };
        let start = start.min(text.len());
        let mut end = self
            .starts
            .get(line)
            .map_or(text.len(), |next| next.saturating_sub(1))
            .clamp(start, text.len());
        if end > start && text[end - 1] == b'\r' {
            end -= 1;
        }
        start..end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The block skip in `Parser::string` must stop at every byte that ends
    /// a run, wherever it falls in or across a 16-byte block.
    #[test]
    fn strings_end_escape_and_fail_at_the_right_byte_near_block_edges() {
        let limits = ParseLimits::default();
        for len in 0..50 {
            let plain = "a".repeat(len);
            let doc = format!(r#"["{plain}"]"#);
            let parsed = parse(doc.as_bytes(), &limits).unwrap();
            assert_eq!(parsed.root.to_value(), serde_json::json!([plain]), "{len}");

            let doc = format!(r#"["{plain}\n{plain}"]"#);
            let parsed = parse(doc.as_bytes(), &limits).unwrap();
            let expected = format!("{plain}\n{plain}");
            assert_eq!(
                parsed.root.to_value(),
                serde_json::json!([expected]),
                "{len}"
            );

            let doc = format!("[\"{plain}\u{1}{plain}\"]");
            let err = parse(doc.as_bytes(), &limits).unwrap_err();
            assert_eq!(err.offset, 2 + len, "{len}");
            assert!(err.message.contains("U+0001"), "{}", err.message);

            let doc = format!("[\"{plain}");
            let err = parse(doc.as_bytes(), &limits).unwrap_err();
            assert_eq!(err.message, "unterminated string", "{len}");
        }
    }
}
