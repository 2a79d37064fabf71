//! The human format: one `file:line:col: level[clause]: message` line per
//! finding, followed by a code frame of the source line with a caret under
//! the column; then one status line per file and a summary.

use std::io::{self, Write};

use cnab_model::Level;

use super::{count, locate, RenderOptions};
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

/// The text of line `line` (1-based) of `source`, without its line break.
fn source_line(source: &[u8], line: usize) -> String {
    let text = String::from_utf8_lossy(source);
    text.split('\n')
        .nth(line - 1)
        .unwrap_or_default()
        .trim_end_matches('\r')
        .to_string()
}

/// Writes a code frame for line `line`, caret at `column`; long lines are
/// cut to a window around the column.
fn frame(
    out: &mut dyn Write,
    paint: &Paint,
    source: &[u8],
    line: usize,
    column: usize,
) -> io::Result<()> {
    let text: Vec<char> = source_line(source, line)
        .chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .collect();
    let (start, prefix) = if column > FRAME_WIDTH / 2 && text.len() > FRAME_WIDTH {
        (column - FRAME_WIDTH / 2, "...")
    } else {
        (0, "")
    };
    let end = (start + FRAME_WIDTH).min(text.len());
    let shown: String = text[start.min(end)..end].iter().collect();
    let suffix = if end < text.len() { "..." } else { "" };
    let gutter = line.to_string();
    let pad = " ".repeat(gutter.len());
    let bar = paint.wrap(DIM, "|");
    writeln!(out, "{pad} {bar}")?;
    writeln!(
        out,
        "{} {bar} {prefix}{shown}{suffix}",
        paint.wrap(DIM, &gutter)
    )?;
    let caret_at = prefix.len() + column.saturating_sub(1).saturating_sub(start);
    writeln!(
        out,
        "{pad} {bar} {}{}",
        " ".repeat(caret_at),
        paint.wrap(BOLD, "^")
    )
}

/// Renders the reports.
pub fn render(reports: &[Report], options: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let paint = Paint { on: options.color };
    for report in reports {
        for located in locate(report) {
            let f = located.finding;
            let place = match located.start {
                Some((l, c)) => format!("{}:{l}:{c}", report.name),
                None => report.name.clone(),
            };
            writeln!(
                out,
                "{}: {}: {}",
                paint.wrap(BOLD, &place),
                paint.wrap(level_color(f.level), &format!("{}[{}]", f.level, f.clause)),
                f.message
            )?;
            if let Some((l, c)) = located.start {
                frame(out, &paint, &report.source, l, c)?;
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
            writeln!(
                out,
                "{}: {} ({detail})",
                report.name,
                paint.wrap(GREEN, "ok")
            )?;
        } else {
            writeln!(
                out,
                "{}: {} finding(s) ({detail})",
                report.name,
                report.findings.len()
            )?;
        }
    }
    let c = count(reports, options.level);
    writeln!(
        out,
        "checked {} file(s): {} finding(s) ({} must, {} should, {} may); {} file(s) fail at level {}",
        c.files, c.findings, c.must, c.should, c.may, c.failed_files, options.level
    )
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
        render(std::slice::from_ref(r), &RenderOptions::default(), &mut out).unwrap();
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
}
