//! The JSON text layer: a parser that keeps byte spans and duplicate keys,
//! line/column lookup, JSON Pointer lookup, and the two canonical JSON
//! profiles (OLPC and RFC 8785 JCS).
//!
//! # Parsing
//!
//! [`parse`] accepts exactly RFC 8259 JSON text:
//!
//! - The input must be UTF-8; invalid UTF-8 is an error at the offset of the
//!   first bad byte, and a byte order mark is refused (RFC 8259 § 8.1).
//! - Refused too: empty input, trailing commas, comments, leading zeros,
//!   `NaN` and other bare words, raw control characters in strings, unknown
//!   escapes, `\u` escapes of lone surrogates, and anything but whitespace
//!   after the value. Each error has a lowercase message and a byte offset.
//! - The size limit is checked before parsing and the depth limit while
//!   parsing; both give an error with `limit: true`. Parsing is iterative, so
//!   no input can overflow the stack.
//! - Every [`Node`] has the byte span of its text; a [`Member`] also has the
//!   span of its key token, quotes included.
//! - Numbers keep their source text, so `1e400`, `-0` and integers beyond
//!   64 bits are never altered; [`Node::to_value`] maps numbers beyond the
//!   range of an `f64` to `null` in its value view.
//! - Objects keep every member in source order, and [`Parsed::duplicates`]
//!   lists each repeated key. [`Node::to_value`] and [`Node::pointer`] let the
//!   last member win, as serde_json does.
//!
//! # Canonical JSON
//!
//! [`canonical::canonicalize`] writes a [`Node`] in either profile and
//! [`canonical::is_canonical`] checks a document's bytes against it; the
//! rules of each profile and every choice made where the profiles are silent
//! are documented in [`canonical`].

pub mod canonical;
mod parse;

pub(crate) use parse::unescape_token;

pub use canonical::{canonicalize, is_canonical, CanonicalError, NotCanonical, Profile};
pub use parse::{
    parse, Duplicate, LineIndex, Member, Node, NodeValue, ParseError, ParseLimits, Parsed,
};

impl ParseLimits {
    /// Reads `reader` to its end, but never more than one byte over
    /// [`ParseLimits::max_bytes`]: an input known to be too large is not read
    /// further, so that `/dev/zero`, an endless pipe or a huge file cannot
    /// exhaust memory. `size_hint` (a file's length, or 0) sizes the buffer.
    pub fn read(&self, reader: impl std::io::Read, size_hint: u64) -> std::io::Result<Vec<u8>> {
        use std::io::Read;
        let cap = u64::try_from(self.max_bytes).map_or(u64::MAX, |m| m.saturating_add(1));
        let mut buf = Vec::new();
        buf.reserve_exact(usize::try_from(size_hint.min(cap)).unwrap_or(0));
        reader.take(cap).read_to_end(&mut buf)?;
        Ok(buf)
    }
}
