//! Text that is safe to show on a terminal.
//!
//! Runtimes, adapters and documents are untrusted: their names, messages and
//! stderr may hold escape sequences that move the cursor, rewrite the
//! window title or hide text, and bidirectional overrides that reorder what
//! a reader sees. [`printable`] writes each such character as a visible
//! `\u{..}` escape; both binaries use it for everything they print from
//! such a source.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as it is: C0 and C1 control
/// characters (escape sequences start with one) and the bidirectional
/// overrides and isolates.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn escape_if(s: &str, unsafe_char: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `s` with every [`is_unsafe`] character written as `\u{..}`.
pub fn printable(s: &str) -> Cow<'_, str> {
    escape_if(s, is_unsafe)
}

/// Like [`printable`], but line feeds and tabs are kept, for multi-line
/// text such as a process's stderr.
pub fn printable_lines(s: &str) -> Cow<'_, str> {
    escape_if(s, |c| c != '\n' && c != '\t' && is_unsafe(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_reach_no_terminal() {
        assert_eq!(printable("plain"), "plain");
        assert_eq!(printable("a\u{1b}[2Jb\u{202e}"), "a\\u{1b}[2Jb\\u{202e}");
        assert_eq!(printable("x\ny"), "x\\u{a}y");
        assert_eq!(printable_lines("x\n\ty\u{9b}"), "x\n\ty\\u{9b}");
    }
}
