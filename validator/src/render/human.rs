//! The human format: one `file:line:col: level[clause]: message` line per
//! finding, followed by a code frame of the source line with a caret under
//! the column; then one status line per file and a summary.

use std::io::{self, Write};

use cnab_model::Level;

use super::{locate_with, RenderOptions, Renderer, Summary};
use crate::json::LineIndex;
use crate::Report;

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const GREEN: &str = "\x1b[32m";

fn level_color(level: Level) -> &'static str {
    match level {
        Level::Must => "\x1b[1;31m",
        Level::Should => "\x1b[1;33m",
        Level::May => "\x1b[1;36m",
    }
}

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, style: &str, text: &str) -> String {
        if self.on {
            format!("{style}{text}{RESET}")
        } else {
            text.to_string()
        }
    }
}

/// The longest source line shown in a frame, in characters.
const FRAME_WIDTH: usize = 160;

/// `s` with every character that could drive a terminal written as a
/// visible `\u{..}` escape (shared with the harness through `cnab-model`).
pub(crate) use cnab_model::text::printable;

/// Steps `n` characters back from `at`, stopping at `floor`.
fn back_chars(text: &[u8], mut at: usize, floor: usize, n: usize) -> usize {
    for _ in 0..n {
        if at <= floor {
            break;
        }
        at -= 1;
        while at > floor && text[at] & 0xC0 == 0x80 {
            at -= 1;
        }
    }
    at
}

/// Steps up to `n` characters forward from `at`, stopping at `ceiling`;
/// returns the position and the number of characters stepped over.
fn forward_chars(text: &[u8], mut at: usize, ceiling: usize, n: usize) -> (usize, usize) {
    let mut stepped = 0;
    while stepped < n && at < ceiling {
        at += 1;
        while at < ceiling && text[at] & 0xC0 == 0x80 {
            at += 1;
        }
        stepped += 1;
    }
    (at, stepped)
}

/// Writes a code frame for the line holding byte `offset`, caret under it;
/// long lines are cut to a window around the offset.
///
/// The work is bounded by the window, not by the line: a one-line document
/// of many megabytes with many findings renders in linear time. Characters
/// that could drive a terminal are shown as U+FFFD, one column each, so the
/// caret stays aligned.
fn frame(
    out: &mut dyn Write,
    paint: &Paint,
    source: &[u8],
    index: &LineIndex,
    line: usize,
    offset: usize,
) -> io::Result<()> {
    let range = index.line_range(source, line);
    let at = offset.clamp(range.start, range.end);
    // A line that fits is shown whole; otherwise the window starts half a
    // frame before the offset.
    let (short_end, short_len) = forward_chars(source, range.start, range.end, FRAME_WIDTH + 1);
    let start = if short_end == range.end && short_len <= FRAME_WIDTH {
        range.start
    } else {
        back_chars(source, at, range.start, FRAME_WIDTH / 2 - 1)
    };
    let (end, _) = forward_chars(source, start, range.end, FRAME_WIDTH);
    let prefix = if start > range.start { "..." } else { "" };
    let suffix = if end < range.end { "..." } else { "" };
    let shown: String = String::from_utf8_lossy(&source[start..end])
        .chars()
        .map(|c| match c {
            '\t' => ' ',
            c if cnab_model::text::is_unsafe(c) => '\u{FFFD}',
            c => c,
        })
        .collect();
    let caret_at = prefix.len() + forward_chars(source, start, at, usize::MAX).1;
    let gutter = line.to_string();
    let pad = " ".repeat(gutter.len());
    let bar = paint.wrap(DIM, "|");
    writeln!(out, "{pad} {bar}")?;
    writeln!(
        out,
        "{} {bar} {prefix}{shown}{suffix}",
        paint.wrap(DIM, &gutter)
    )?;
    writeln!(
        out,
        "{pad} {bar} {}{}",
        " ".repeat(caret_at),
        paint.wrap(BOLD, "^")
    )
}

/// The human renderer: findings with code frames and a status line per
/// file, then the summary line.
pub struct Human {
    paint: Paint,
}

impl Human {
    /// A human renderer with these options (colour).
    pub fn new(options: RenderOptions) -> Human {
        Human {
            paint: Paint { on: options.color },
        }
    }
}

impl Renderer for Human {
    fn begin(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }

    fn file(&mut self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let paint = &self.paint;
        let name = printable(&report.name);
        let index = LineIndex::new(&report.source);
        for located in locate_with(report, &index) {
            let f = located.finding;
            let place = match located.start {
                Some((l, c)) => format!("{name}:{l}:{c}"),
                None => name.to_string(),
            };
            writeln!(
                out,
                "{}: {}: {}",
                paint.wrap(BOLD, &place),
                paint.wrap(level_color(f.level), &format!("{}[{}]", f.level, f.clause)),
                printable(&f.message)
            )?;
            if let (Some((l, _)), Some(span)) = (located.start, f.span) {
                frame(out, paint, &report.source, &index, l, span.start)?;
            }
        }
        let kind = report
            .kind
            .value
            .map_or_else(|| "unknown kind".to_string(), |k| k.to_string());
        let version = report
            .version
            .value
            .map_or_else(String::new, |v| format!(", {v}"));
        let detail = format!("{kind}{version}, canonical: {}", report.canonical.label());
        if report.findings.is_empty() {
            writeln!(out, "{name}: {} ({detail})", paint.wrap(GREEN, "ok"))
        } else {
            writeln!(
                out,
                "{name}: {} finding(s) ({detail})",
                report.findings.len()
            )
        }
    }

    fn finish(&mut self, c: &Summary, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "checked {} file(s): {} finding(s) ({} must, {} should, {} may); {} file(s) fail at level {}",
            c.files, c.findings, c.must, c.should, c.may, c.failed_files, c.level
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CanonicalVerdict, Decision, Origin};
    use cnab_model::{DocumentKind, Finding, Span};

    fn report(source: &str, start: usize) -> Report {
        Report {
            name: "t.json".into(),
            kind: Decision {
                value: Some(DocumentKind::Status),
                origin: Origin::Override,
                reason: String::new(),
            },
            version: Decision {
                value: None,
                origin: Origin::Unknown,
                reason: String::new(),
            },
            canonical: CanonicalVerdict::NotChecked {
                reason: String::new(),
            },
            findings: vec![Finding {
                clause: "ext.status.values".into(),
                level: Level::Must,
                message: "bad".into(),
                pointer: "/b".into(),
                schema_path: None,
                span: Some(Span {
                    start,
                    end: start + 1,
                }),
            }],
            source: source.as_bytes().to_vec(),
        }
    }

    fn text(r: &Report) -> String {
        let mut out = Vec::new();
        super::super::render(
            super::super::Format::Human,
            std::slice::from_ref(r),
            &RenderOptions::default(),
            &mut out,
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn columns_count_characters_and_the_caret_lines_up() {
        let src = "{\"a\":\"\u{e9}\u{e9}\",\"b\":1}";
        let at = src.find("\"b\"").unwrap();
        assert_eq!(at, 12, "two bytes per \u{e9}");
        let out = text(&report(src, at));
        assert!(
            out.starts_with("t.json:1:11: must[ext.status.values]: bad\n"),
            "{out}"
        );
        let caret = format!("  | {}^\n", " ".repeat(10));
        assert!(out.contains(&caret), "{out}");
    }

    #[test]
    fn long_lines_are_cut_around_the_column() {
        let src = format!("{{\"a\":\"{}\",\"b\":1}}", "x".repeat(1000));
        let at = src.find("\"b\"").unwrap();
        let out = text(&report(&src, at));
        let frame: Vec<&str> = out.lines().skip(2).take(2).collect();
        let code = frame[0];
        let caret = frame[1];
        assert!(code.contains("...") && code.contains("\"b\":1}"), "{code}");
        let caret_col = caret.find('^').unwrap();
        assert_eq!(&code[caret_col..caret_col + 3], "\"b\"", "{out}");
    }

    #[test]
    fn escape_sequences_never_reach_the_terminal() {
        // A key with an escape sequence, escaped in the JSON text, comes back
        // raw in messages; a raw one shows in the code frame.
        let src = "{\"a\":1,\"\u{1b}[2J\u{202e}x\":2}";
        let mut r = report(src, 8);
        r.name = "evil\u{1b}]0;title\u{7}.json".into();
        r.findings[0].message = "property `\u{1b}[2J` is not allowed".into();
        let out = text(&r);
        assert!(!out.contains('\u{1b}'), "{out:?}");
        assert!(!out.contains('\u{7}'), "{out:?}");
        assert!(!out.contains('\u{202e}'), "{out:?}");
        assert!(
            out.contains("property `\\u{1b}[2J` is not allowed"),
            "{out}"
        );
        assert!(
            out.starts_with("evil\\u{1b}]0;title\\u{7}.json:1:9:"),
            "{out}"
        );
        let caret = format!("  | {}^\n", " ".repeat(8));
        assert!(out.contains(&caret), "the caret stays under the key: {out}");
    }

    #[test]
    fn a_finding_near_the_end_of_a_huge_line_shows_its_window() {
        let src = format!("{{\"a\":\"{}\",\"b\":1}}", "\u{e9}".repeat(100_000));
        let at = src.find("\"b\"").unwrap();
        let out = text(&report(&src, at));
        let frame: Vec<&str> = out.lines().skip(2).take(2).collect();
        assert!(
            frame[0].starts_with("1 | ...") && frame[0].ends_with("\"b\":1}"),
            "{out}"
        );
        let caret_chars = frame[1].chars().position(|c| c == '^').unwrap();
        let code: Vec<char> = frame[0].chars().collect();
        assert_eq!(code[caret_chars], '"', "{out}");
        assert_eq!(code[caret_chars + 1], 'b', "{out}");
    }

    #[test]
    fn crlf_lines_lose_their_carriage_return() {
        let src = "{\r\n\"b\":1\r\n}";
        let out = text(&report(src, 3));
        assert!(out.contains("2 | \"b\":1\n"), "{out:?}");
    }
}
