//! Pretty-printed JSON written piece by piece, byte for byte what
//! `serde_json::to_writer_pretty` writes for the whole document.
//!
//! serde_json indents two spaces a level and never breaks a line inside a
//! string (a newline in a string is written `\n`), so a value printed on its
//! own is placed at any depth by indenting each of its lines.

use std::io::{self, Write};

use serde::Serialize;

/// Writes `value` pretty-printed, every line but the first indented by
/// `indent` spaces (the first continues the current line).
pub(crate) fn write_nested(
    out: &mut dyn Write,
    value: &impl Serialize,
    indent: usize,
) -> io::Result<()> {
    let text = serde_json::to_vec_pretty(value).map_err(io::Error::from)?;
    let pad = " ".repeat(indent);
    for (i, line) in text.split(|b| *b == b'\n').enumerate() {
        if i > 0 {
            out.write_all(b"\n")?;
            out.write_all(pad.as_bytes())?;
        }
        out.write_all(line)?;
    }
    Ok(())
}

/// An array whose items come one by one, its elements `indent` spaces in.
#[derive(Debug)]
pub(crate) struct Array {
    indent: usize,
    items: usize,
}

impl Array {
    /// An array not yet opened; the key before it is already written.
    pub(crate) fn new(indent: usize) -> Array {
        Array { indent, items: 0 }
    }

    /// Writes one item.
    pub(crate) fn item(&mut self, out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
        out.write_all(if self.items == 0 { b"[\n" } else { b",\n" })?;
        out.write_all(" ".repeat(self.indent).as_bytes())?;
        self.items += 1;
        write_nested(out, value, self.indent)
    }

    /// Writes the end of the array (`[]` when it has no item).
    pub(crate) fn close(&self, out: &mut dyn Write) -> io::Result<()> {
        if self.items == 0 {
            return out.write_all(b"[]");
        }
        write!(out, "\n{}]", " ".repeat(self.indent.saturating_sub(2)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pieces_equal_the_whole_document() {
        for items in [
            vec![],
            vec![json!({"a": [1, {"b": "x\ny"}], "c": {}})],
            vec![json!(1), json!([]), json!({"k": null})],
        ] {
            let whole = json!({"head": 1, "items": items.clone(), "tail": {"t": [true]}});
            let expected = serde_json::to_vec_pretty(&whole).unwrap();
            let mut out = Vec::new();
            out.extend_from_slice(b"{\n  \"head\": 1,\n  \"items\": ");
            let mut array = Array::new(4);
            for item in &items {
                array.item(&mut out, item).unwrap();
            }
            array.close(&mut out).unwrap();
            out.extend_from_slice(b",\n  \"tail\": ");
            write_nested(&mut out, &json!({"t": [true]}), 2).unwrap();
            out.extend_from_slice(b"\n}");
            assert_eq!(
                String::from_utf8(out).unwrap(),
                String::from_utf8(expected).unwrap()
            );
        }
    }
}
