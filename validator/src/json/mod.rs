//! The JSON text layer: a parser that keeps byte spans and duplicate keys,
//! line/column lookup, JSON Pointer lookup, and the two canonical JSON
//! profiles (OLPC and RFC 8785 JCS).
//!
//! OWNER: the JSON-layer work (parser + canonical). Other modules use only the
//! items re-exported here.

pub mod canonical;
mod parse;

pub use parse::{parse, Duplicate, LineIndex, Member, Node, NodeValue, ParseError, ParseLimits, Parsed};
